//! A real SMTP server for the tests: `smtp_sink.py` (aiosmtpd) in a child process, saving every
//! message it accepts into a temporary directory.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How the server behaves.
#[derive(Default)]
pub struct SinkOptions {
    /// Refuse every recipient with this reply, e.g. "550 5.1.1 no such user here".
    pub reject_recipients_with: Option<&'static str>,
    /// Refuse every message with this reply at the end of DATA.
    pub reject_data_with: Option<&'static str>,
    /// Require this login (offered without TLS, loopback only).
    pub login: Option<(&'static str, &'static str)>,
}

pub struct SmtpSink {
    pub port: u16,
    directory: tempfile::TempDir,
    child: Child,
    /// Closing it tells the server to stop; kept open for the sink's life.
    _stdin: ChildStdin,
}

/// One message the server accepted.
pub struct ReceivedMessage {
    pub raw: Vec<u8>,
    pub mail_from: String,
    pub recipients: Vec<String>,
    pub authenticated_as: Option<String>,
}

impl SmtpSink {
    /// Starts the server, or returns `None` after saying so loudly when python3 is missing. A
    /// python3 without aiosmtpd is a broken test machine, not a reason to skip: that panics
    /// with the command that fixes it.
    pub fn start(options: SinkOptions) -> Option<SmtpSink> {
        match python_with_aiosmtpd() {
            PythonStatus::Ready => {}
            PythonStatus::Missing => {
                eprintln!(
                    "\n\
                     ************************************************************************\n\
                     * SKIPPED: python3 is not installed, so the SMTP tests of backup-notify\n\
                     * cannot start their SMTP server (aiosmtpd). Install python3, then run\n\
                     * `python3 -m pip install aiosmtpd`, to run them.\n\
                     ************************************************************************\n"
                );
                return None;
            }
            PythonStatus::WithoutAiosmtpd => panic!(
                "python3 cannot import aiosmtpd, which the SMTP tests use as their server: \
                 run `python3 -m pip install aiosmtpd` (tests/run does)"
            ),
        }

        let directory = tempfile::tempdir().expect("a temporary directory");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let mut command = Command::new("python3");
        command.arg(&script).arg(directory.path());
        if let Some(reply) = options.reject_recipients_with {
            command.args(["--reject-recipients-with", reply]);
        }
        if let Some(reply) = options.reject_data_with {
            command.args(["--reject-data-with", reply]);
        }
        if let Some((username, password)) = options.login {
            command.args(["--username", username, "--password", password]);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 starts smtp_sink.py");
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut first_line = String::new();
        BufReader::new(stdout)
            .read_line(&mut first_line)
            .expect("smtp_sink.py prints its port");
        let port = first_line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("smtp_sink.py did not start: {first_line:?}"));
        Some(SmtpSink {
            port,
            directory,
            child,
            _stdin: stdin,
        })
    }

    /// The messages accepted so far, in order of arrival.
    pub fn received(&self) -> Vec<ReceivedMessage> {
        let mut message_paths: Vec<PathBuf> = std::fs::read_dir(self.directory.path())
            .expect("the sink's directory")
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.extension().is_some_and(|extension| extension == "eml"))
            .collect();
        message_paths.sort();
        message_paths
            .into_iter()
            .map(|message_path| {
                let envelope: serde_json::Value = serde_json::from_slice(
                    &std::fs::read(message_path.with_extension("json")).expect("the envelope"),
                )
                .expect("envelope JSON");
                ReceivedMessage {
                    raw: std::fs::read(&message_path).expect("the message"),
                    mail_from: envelope["mail_from"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    recipients: envelope["rcpt_tos"]
                        .as_array()
                        .expect("rcpt_tos")
                        .iter()
                        .map(|recipient| recipient.as_str().unwrap_or_default().to_owned())
                        .collect(),
                    authenticated_as: envelope["authenticated_as"].as_str().map(str::to_owned),
                }
            })
            .collect()
    }

    /// Waits until `count` messages arrived (the server saves a message before it answers 250,
    /// so this returns at once after a successful send).
    pub fn wait_for(&self, count: usize) -> Vec<ReceivedMessage> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let received = self.received();
            if received.len() >= count || Instant::now() > deadline {
                return received;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[derive(Clone, Copy)]
enum PythonStatus {
    Ready,
    Missing,
    WithoutAiosmtpd,
}

/// Asked once per test binary: starting Python and importing aiosmtpd takes most of a second.
fn python_with_aiosmtpd() -> PythonStatus {
    static STATUS: OnceLock<PythonStatus> = OnceLock::new();
    *STATUS.get_or_init(|| {
        match Command::new("python3")
            .args(["-c", "import aiosmtpd.smtp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
        {
            Err(_) => PythonStatus::Missing,
            Ok(status) if status.success() => PythonStatus::Ready,
            Ok(_) => PythonStatus::WithoutAiosmtpd,
        }
    })
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        // Our own child, by its handle: closing stdin would stop it too, killing is immediate.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port on 127.0.0.1 that nothing listens on: bound by the system, then released.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("its address").port()
}

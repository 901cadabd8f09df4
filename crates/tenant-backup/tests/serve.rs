//! `tenant-backup serve` as an operator runs it, the real binary in a process of its own: what
//! the demo's banner says to paste, the log a file receives, the demo's temporary store, and a
//! `kill -9` at each point where the sidecar holds an unfinished file.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use odoo_sim::datasets::{TenantSize, TenantSpec, add_shop_tenant};
use odoo_sim::{SimConfig, Simulator};

const BINARY: &str = env!("CARGO_BIN_EXE_tenant-backup");
const TOKEN: &str = "serve-test-token-0123456789abcdef";
/// The test-only pause of the service's store (crates/service/src/store.rs).
const PAUSE_BEFORE_RENAME: &str = "BACKUPD_TEST_PAUSE_BEFORE_RENAME";

/// A `tenant-backup serve` process, its standard output and error in files.
struct Sidecar {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Sidecar {
    /// Starts `serve` with `args` and only the environment given (plus `PATH`), in `dir`.
    fn spawn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Sidecar {
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let stdout = dir.join(format!("serve-{run}.out"));
        let stderr = dir.join(format!("serve-{run}.err"));
        let mut command = Command::new(BINARY);
        command
            .arg("serve")
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(env.iter().copied())
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap());
        Sidecar {
            child: command.spawn().expect("start tenant-backup serve"),
            stdout,
            stderr,
        }
    }

    fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Waits until `ready` finds what it looks for in (stdout, stderr); fails if the process
    /// ends first.
    fn wait_for<T>(&mut self, what: &str, ready: impl Fn(&str, &str) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(found) = ready(&self.stdout(), &self.stderr()) {
                return found;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "serve ended ({status}) before {what}:\n{}\n{}",
                    self.stdout(),
                    self.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no {what} after 120 s:\n{}\n{}",
                self.stdout(),
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The demo's banner, once printed whole.
    fn banner(&mut self) -> String {
        self.wait_for("demo banner", |stdout, _| {
            stdout.contains(" tenants\n").then(|| stdout.to_owned())
        })
    }

    /// The JSON-RPC address, from the log line that says the sidecar listens.
    fn url(&mut self) -> String {
        self.wait_for("listening", |_, stderr| {
            let line = stderr
                .lines()
                .find(|line| line.contains("sidecar listening"))?;
            let address = line.split("address=").nth(1)?.split_whitespace().next()?;
            Some(format!("http://{address}"))
        })
    }

    /// SIGTERM, as `docker stop` or systemd sends; the exit status.
    fn terminate(mut self) -> (std::process::ExitStatus, Sidecar) {
        let signalled = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(signalled.success());
        let status = wait_with_deadline(&mut self.child, Duration::from_secs(60));
        (status, self)
    }

    /// SIGKILL: nothing of the process runs any more.
    fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_with_deadline(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the process did not end");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `script` in a fresh bash, as pasted: only `PATH` and `env` in its environment.
fn paste(script: &str, env: &[(&str, &str)]) -> String {
    let output = Command::new("bash")
        .args(["-c", script])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{script}\n→ {text}");
    text
}

/// The lines of `banner` after the one that starts with `heading`, up to the next heading (a
/// line that does not start with a space).
fn section(banner: &str, heading: &str) -> String {
    banner
        .lines()
        .skip_while(|line| !line.starts_with(heading))
        .skip(1)
        .take_while(|line| line.starts_with(' '))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every file under `dir` whose name ends in `.partial`.
fn partial_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(partial_files(&path));
        } else if path.to_string_lossy().ends_with(".partial") {
            found.push(path);
        }
    }
    found
}

/// The demo directories `serve --demo` made under `temp`.
fn demo_stores(temp: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(temp)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("tenant-backup-demo-")
        })
        .collect()
}

/// The demo on free ports, with its temporary directory under `temp`.
fn demo_env(temp: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("TMPDIR", temp.display().to_string()),
        ("BACKUPD_LISTEN", "127.0.0.1:0".into()),
        ("BACKUPD_DEMO_ODOO_LISTEN", "127.0.0.1:0".into()),
    ]
}

fn pairs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

#[test]
fn the_demo_banner_prints_commands_that_work_when_pasted() {
    let dir = tempfile::tempdir().unwrap();
    // Once with the token the user set, once with the one the demo made up.
    for user_token in [Some(TOKEN), None] {
        let mut env = demo_env(dir.path());
        if let Some(token) = user_token {
            env.push(("BACKUPD_TOKEN", token.into()));
        }
        let mut sidecar = Sidecar::spawn(dir.path(), &["--demo"], &pairs(&env));
        let banner = sidecar.banner();
        let user_env: Vec<(&str, &str)> = user_token
            .map(|token| vec![("BACKUPD_TOKEN", token)])
            .unwrap_or_default();

        let curl = section(&banner, "try");
        let answer = paste(&curl, &user_env);
        assert!(
            answer.contains("\"job_id\"") && !answer.contains("\"error\""),
            "{curl}\n→ {answer}"
        );

        let command_line = section(&banner, "the command line");
        assert!(command_line.contains("export ODOO_URL="), "{banner}");
        let listed = paste(&command_line, &[]);
        assert!(
            listed.contains("Boutique Sport") && listed.contains("Marque Mode"),
            "{command_line}\n→ {listed}"
        );
        let (status, _) = sidecar.terminate();
        assert!(status.success());
    }
}

#[test]
fn a_log_written_to_a_file_has_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let env = demo_env(dir.path());
    let mut sidecar = Sidecar::spawn(dir.path(), &["--demo"], &pairs(&env));
    sidecar.url();
    let (status, sidecar) = sidecar.terminate();
    assert!(status.success());
    let log = sidecar.stderr();
    assert!(log.contains("sidecar listening"), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "escape codes in a log file:\n{log:?}"
    );
}

#[test]
fn the_demo_removes_its_temporary_store_when_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let env = demo_env(dir.path());
    let mut sidecar = Sidecar::spawn(dir.path(), &["--demo"], &pairs(&env));
    sidecar.banner();
    let stores = demo_stores(dir.path());
    assert_eq!(stores.len(), 1, "{stores:?}");
    let (status, _) = sidecar.terminate();
    assert!(status.success());
    assert!(
        demo_stores(dir.path()).is_empty(),
        "left behind: {:?}",
        demo_stores(dir.path())
    );
}

#[test]
fn a_demo_that_cannot_listen_removes_its_temporary_store() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let mut env = demo_env(dir.path());
    env.retain(|(name, _)| *name != "BACKUPD_LISTEN");
    env.push(("BACKUPD_LISTEN", address.clone()));
    let mut sidecar = Sidecar::spawn(dir.path(), &["--demo"], &pairs(&env));
    let status = wait_with_deadline(&mut sidecar.child, Duration::from_secs(60));
    assert!(!status.success());
    let message = sidecar.stderr();
    assert!(
        message.contains(&address) && message.contains("BACKUPD_LISTEN"),
        "{message}"
    );
    assert!(
        demo_stores(dir.path()).is_empty(),
        "left behind: {:?}",
        demo_stores(dir.path())
    );
}

#[test]
fn a_store_named_with_backupd_store_outlives_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("my-backups");
    let mut env = demo_env(dir.path());
    env.push(("BACKUPD_STORE", store.display().to_string()));
    let mut sidecar = Sidecar::spawn(dir.path(), &["--demo"], &pairs(&env));
    sidecar.banner();
    let (status, _) = sidecar.terminate();
    assert!(status.success());
    assert!(store.is_dir(), "the user's store was removed");
}

// ---- kill -9 where the sidecar holds an unfinished file ---------------------------------------

async fn shop_simulator() -> (Simulator, i64) {
    let simulator = Simulator::start(SimConfig::default()).await.unwrap();
    let tenant = simulator.with_db(|db| {
        add_shop_tenant(
            db,
            &TenantSpec::new("Boutique Sport", TenantSize::Small, 11),
        )
    });
    (simulator, tenant.company_id)
}

/// `serve` against `simulator`, its store in `dir/store`; `pause_at`: the test-only pause.
fn serve_against(simulator: &Simulator, dir: &Path, pause_at: Option<&str>) -> Sidecar {
    let config = simulator.config();
    let url = simulator.url();
    let store = dir.join("store").display().to_string();
    let mut env = vec![
        ("ODOO_URL", url.as_str()),
        ("ODOO_DB", config.database.as_str()),
        ("ODOO_LOGIN", config.login.as_str()),
        ("ODOO_PASSWORD", config.password.as_str()),
        ("BACKUPD_TOKEN", TOKEN),
        ("BACKUPD_STORE", store.as_str()),
        ("BACKUPD_LISTEN", "127.0.0.1:0"),
    ];
    if let Some(prefix) = pause_at {
        env.push((PAUSE_BEFORE_RENAME, prefix));
    }
    Sidecar::spawn(dir, &[], &env)
}

/// One JSON-RPC call through curl; the answer's text (empty when none came in time).
fn rpc(url: &str, method: &str, params: &str) -> String {
    let output = Command::new("curl")
        .args(["-s", "--max-time", "5", url])
        .args(["-H", &format!("Authorization: Bearer {TOKEN}")])
        .args(["-H", "Content-Type: application/json", "-d"])
        .arg(format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}"#
        ))
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Waits until some partial file under `dir` has `pattern` in its path.
async fn wait_for_file(dir: &Path, pattern: &str, sidecar: &mut Sidecar) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(found) = partial_files(dir)
            .into_iter()
            .find(|path| path.to_string_lossy().contains(pattern))
        {
            return found;
        }
        assert!(
            sidecar.child.try_wait().unwrap().is_none(),
            "serve ended:\n{}",
            sidecar.stderr()
        );
        assert!(
            Instant::now() < deadline,
            "no file *{pattern}* under {}: {:?}\n{}",
            dir.display(),
            partial_files(dir),
            sidecar.stderr()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Restarts the sidecar on the same store, waits until every job it resumed has ended, and
/// returns what unfinished files are left anywhere in the directory.
async fn restart_and_settle(simulator: &Simulator, dir: &Path) -> Vec<PathBuf> {
    let mut sidecar = serve_against(simulator, dir, None);
    let url = sidecar.url();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let url = url.clone();
        let health = tokio::task::spawn_blocking(move || rpc(&url, "health", "{}"))
            .await
            .unwrap();
        if health.contains(r#""queued":0"#) && health.contains(r#""running":0"#) {
            break;
        }
        assert!(Instant::now() < deadline, "jobs did not settle: {health}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let left = partial_files(dir);
    let (status, _) = sidecar.terminate();
    assert!(status.success());
    left
}

/// Starts a backup of `tenant` without waiting for the answer (a paused sidecar gives none).
fn start_backup(sidecar: &mut Sidecar, tenant: i64) {
    let url = sidecar.url();
    std::thread::spawn(move || rpc(&url, "backup.start", &format!(r#"{{"tenant":{tenant}}}"#)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_writing_a_backup_record_the_sidecar_leaves_nothing_after_a_restart() {
    let (simulator, tenant) = shop_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut sidecar = serve_against(&simulator, dir.path(), Some("backup.json"));
    start_backup(&mut sidecar, tenant);
    wait_for_file(dir.path(), "/.backup.json.partial", &mut sidecar).await;
    sidecar.kill_9();
    let left = restart_and_settle(&simulator, dir.path()).await;
    assert!(left.is_empty(), "left after the restart: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_writing_a_job_file_the_sidecar_leaves_nothing_after_a_restart() {
    let (simulator, tenant) = shop_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut sidecar = serve_against(&simulator, dir.path(), Some("j-"));
    start_backup(&mut sidecar, tenant);
    // The job file, not the backup record that is written (and renamed) meanwhile.
    let job_file = wait_for_file(dir.path(), "/jobs/.j-", &mut sidecar).await;
    assert!(
        job_file.parent().unwrap().ends_with("jobs"),
        "{}",
        job_file.display()
    );
    sidecar.kill_9();
    let left = restart_and_settle(&simulator, dir.path()).await;
    assert!(left.is_empty(), "left after the restart: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_writing_an_archive_the_sidecar_leaves_nothing_after_a_restart() {
    let (simulator, tenant) = shop_simulator().await;
    // The export waits for its orders forever: the archive stays unfinished.
    simulator.withhold_next_answer("sale.order", "search_read");
    let dir = tempfile::tempdir().unwrap();
    let mut sidecar = serve_against(&simulator, dir.path(), None);
    start_backup(&mut sidecar, tenant);
    wait_for_file(dir.path(), ".zip.partial", &mut sidecar).await;
    sidecar.kill_9();
    let left = restart_and_settle(&simulator, dir.path()).await;
    assert!(left.is_empty(), "left after the restart: {left:?}");
}

//! A real Garage server (the S3-compatible object store) on loopback, for the offsite-copy
//! tests: a single-node layout on SQLite, one key and one bucket made with Garage's own CLI.
//!
//! The binary is `$GARAGE_BIN`, else `garage` on the PATH; `tests/run` installs it (built once
//! into a cache outside the clone).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use backup_service::BucketSettings;
use odoo_client::Secret;

/// Fixed, so that a test needs nothing from Garage's output: `key import` takes them.
pub const KEY_ID: &str = "GK0123456789abcdef01234567";
pub const SECRET_KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
pub const BUCKET: &str = "tenant-backups";

pub struct Garage {
    binary: PathBuf,
    dir: tempfile::TempDir,
    pub endpoint: String,
    child: Option<Child>,
}

fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("GARAGE_BIN") {
        return PathBuf::from(path);
    }
    let found = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("garage"))
                .find(|path| path.is_file())
        })
        .unwrap_or_default();
    found.expect(
        "these tests need a Garage server: run tests/run (it installs one), or set GARAGE_BIN to a garage binary",
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Garage {
    /// Starts a fresh Garage with its layout, key and bucket.
    pub fn start() -> Garage {
        let dir = tempfile::tempdir().unwrap();
        let (s3, rpc, admin) = (free_port(), free_port(), free_port());
        let config = format!(
            r#"metadata_dir = "{meta}"
data_dir = "{data}"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:{rpc}"
rpc_public_addr = "127.0.0.1:{rpc}"
rpc_secret = "{secret}"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:{s3}"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:{admin}"
"#,
            meta = dir.path().join("meta").display(),
            data = dir.path().join("data").display(),
            secret = "4e0f1b7a2c9d8e3f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f",
        );
        std::fs::write(dir.path().join("garage.toml"), config).unwrap();
        let mut garage = Garage {
            binary: binary(),
            endpoint: format!("http://127.0.0.1:{s3}"),
            dir,
            child: None,
        };
        garage.run_server();
        let status = garage.cli_until_ok(&["status"]);
        let node = status
            .lines()
            .find_map(|line| {
                let first = line.split_whitespace().next()?;
                (first.len() >= 16 && first.chars().all(|c| c.is_ascii_hexdigit()))
                    .then(|| first.to_owned())
            })
            .unwrap_or_else(|| panic!("no node id in garage status:\n{status}"));
        garage.cli(&["layout", "assign", "-z", "dc1", "-c", "1G", &node]);
        garage.cli(&["layout", "apply", "--version", "1"]);
        garage.cli(&["key", "import", "--yes", "-n", "tests", KEY_ID, SECRET_KEY]);
        garage.cli(&["bucket", "create", BUCKET]);
        garage.cli(&[
            "bucket", "allow", "--read", "--write", "--owner", BUCKET, "--key", "tests",
        ]);
        garage
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("garage.toml")
    }

    fn run_server(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("server.log"))
            .unwrap();
        let child = Command::new(&self.binary)
            .arg("-c")
            .arg(self.config())
            .arg("server")
            .env("RUST_LOG", "garage=warn")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", self.binary.display()));
        self.child = Some(child);
    }

    /// Runs Garage's CLI against this server.
    fn run_cli(&self, args: &[&str]) -> std::process::Output {
        Command::new(&self.binary)
            .arg("-c")
            .arg(self.config())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn cli(&self, args: &[&str]) -> String {
        let output = self.run_cli(args);
        assert!(
            output.status.success(),
            "garage {args:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Runs a CLI command until the server answers it (it takes a moment to start).
    fn cli_until_ok(&self, args: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let output = self.run_cli(args);
            if output.status.success() {
                return String::from_utf8_lossy(&output.stdout).into_owned();
            }
            assert!(
                Instant::now() < deadline,
                "garage did not answer: {}\n{}",
                String::from_utf8_lossy(&output.stderr),
                std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The server dies at once (`kill -9`), whatever it was doing.
    pub fn kill_9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Starts the server again on the same data.
    pub fn restart(&mut self) {
        self.kill_9();
        self.run_server();
        self.cli_until_ok(&["bucket", "info", BUCKET]);
        // The S3 port answers once the server is up.
        let address = self.endpoint.trim_start_matches("http://").to_owned();
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(&address).is_err() {
            assert!(Instant::now() < deadline, "garage's S3 port did not open");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The sidecar's settings for the bucket, named `name`, reached at `endpoint`.
    pub fn settings(&self, name: &str, endpoint: &str) -> BucketSettings {
        settings(name, endpoint)
    }
}

/// A client of the test bucket of the Garage at `endpoint`, apart from the sidecar's.
pub fn client(endpoint: &str) -> object_store::aws::AmazonS3 {
    object_store::aws::AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_region("garage")
        .with_bucket_name(BUCKET)
        .with_access_key_id(KEY_ID)
        .with_secret_access_key(SECRET_KEY)
        .build()
        .unwrap()
}

/// The sidecar's settings for the test bucket of the Garage at `endpoint`.
pub fn settings(name: &str, endpoint: &str) -> BucketSettings {
    BucketSettings {
        name: name.to_owned(),
        endpoint: Some(endpoint.to_owned()),
        region: "garage".into(),
        bucket: BUCKET.into(),
        prefix: "sidecar/".into(),
        access_key_id: KEY_ID.into(),
        secret_access_key: Secret::new(SECRET_KEY),
        path_style: true,
        part_size: backup_service::DEFAULT_PART_SIZE,
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        self.kill_9();
    }
}

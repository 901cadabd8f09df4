//! What the service tests share: a simulated Odoo with shop tenants, the service started on
//! 127.0.0.1:0 against it, a JSON-RPC client with the token, and a real SMTP server.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use backup_notify::{Lang, SmtpSecurity, SmtpSettings};
use backup_service::{
    BackupApiClient, BackupStore, InMemorySchedules, Job, LogFormat, ManualClock, RunningService,
    ServiceBuilder, ServiceConfig,
};
use chrono::{TimeZone, Utc};
use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use odoo_client::{ClientConfig, Credential, Secret};
use odoo_sim::datasets::{TenantInfo, TenantSize, TenantSpec, add_shop_tenant};
use odoo_sim::{SimConfig, Simulator};

pub const TOKEN: &str = "test-token-0123456789abcdef";

pub struct Options {
    pub tenants: Vec<(&'static str, TenantSize)>,
    pub concurrency: usize,
    pub smtp: Option<SmtpSettings>,
    /// The simulator has the backup addon installed, and the service reads its schedules from
    /// Odoo's `quelyos.backup.schedule` records instead of [`Harness::schedules`].
    pub backup_addon: bool,
    /// Where archives are kept, in place of the service's own local store.
    pub store: Option<Arc<dyn BackupStore>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            tenants: vec![
                ("Boutique Sport", TenantSize::Small),
                ("Marque Mode", TenantSize::Small),
            ],
            concurrency: 2,
            smtp: None,
            backup_addon: false,
            store: None,
        }
    }
}

pub struct Harness {
    pub sim: Option<Simulator>,
    pub service: Option<RunningService>,
    pub client: HttpClient,
    pub url: String,
    pub dir: tempfile::TempDir,
    pub schedules: Arc<InMemorySchedules>,
    pub clock: Arc<ManualClock>,
    pub tenants: Vec<TenantInfo>,
    pub odoo: ClientConfig,
}

pub async fn start_sim(tenants: &[(&'static str, TenantSize)]) -> (Simulator, Vec<TenantInfo>) {
    start_sim_with(tenants, SimConfig::default()).await
}

pub async fn start_sim_with(
    tenants: &[(&'static str, TenantSize)],
    config: SimConfig,
) -> (Simulator, Vec<TenantInfo>) {
    let sim = Simulator::start(config).await.expect("simulator starts");
    let infos = sim.with_db(|db| {
        tenants
            .iter()
            .enumerate()
            .map(|(index, (name, size))| {
                let mut spec = TenantSpec::new(*name, *size, 11 + index as u64);
                spec.with_images = index == 0;
                add_shop_tenant(db, &spec)
            })
            .collect()
    });
    (sim, infos)
}

pub fn odoo_config(url: &str) -> ClientConfig {
    ClientConfig::new(
        url.parse().unwrap(),
        "sim",
        "admin",
        Credential::Password(Secret::new("admin")),
    )
}

pub fn service_config(
    odoo: ClientConfig,
    dir: &Path,
    concurrency: usize,
    smtp: Option<SmtpSettings>,
) -> ServiceConfig {
    let backup = backup_engine::BackupOptions {
        concurrency: 2,
        ..Default::default()
    };
    ServiceConfig {
        odoo: Some(odoo),
        backup,
        listen: "127.0.0.1:0".parse().unwrap(),
        token: Secret::new(TOKEN),
        store_dir: dir.join("store"),
        state_dir: dir.join("store/.state"),
        concurrency,
        smtp,
        lang: Lang::Fr,
        log_format: LogFormat::Text,
        shutdown_grace: Duration::from_secs(5),
        default_time_zone: chrono_tz::Europe::Paris,
        config_file: None,
        generated_token: false,
    }
}

pub fn client(url: &str, token: Option<&str>) -> HttpClient {
    let mut headers = http::HeaderMap::new();
    if let Some(token) = token {
        headers.insert(
            http::header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
    }
    HttpClientBuilder::default()
        .set_headers(headers)
        .request_timeout(Duration::from_secs(120))
        .build(url)
        .unwrap()
}

impl Harness {
    pub async fn start(options: Options) -> Harness {
        let sim_config = SimConfig {
            with_backup_addon: options.backup_addon,
            ..SimConfig::default()
        };
        let (sim, tenants) = start_sim_with(&options.tenants, sim_config).await;
        let odoo = odoo_config(&sim.url());
        let dir = tempfile::tempdir().unwrap();
        let schedules = InMemorySchedules::new();
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 1, 30, 16, 42, 0).unwrap(),
        ));
        let mut builder = ServiceBuilder::new(service_config(
            odoo.clone(),
            dir.path(),
            options.concurrency,
            options.smtp,
        ))
        .clock(clock.clone());
        if !options.backup_addon {
            builder = builder.schedules(schedules.clone());
        }
        if let Some(store) = options.store {
            builder = builder.store(store);
        }
        let service = builder.start().await.expect("service starts");
        let url = service.url();
        Harness {
            sim: Some(sim),
            client: client(&url, Some(TOKEN)),
            url,
            service: Some(service),
            dir,
            schedules,
            clock,
            tenants,
            odoo,
        }
    }

    pub fn store_dir(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    pub fn company(&self, index: usize) -> i64 {
        self.tenants[index].company_id
    }

    pub async fn wait(&self, job_id: &str) -> Job {
        wait_for_job(&self.client, job_id, Duration::from_secs(120)).await
    }

    pub async fn stop(&mut self) {
        if let Some(service) = self.service.take() {
            service.shutdown().await;
        }
    }
}

pub async fn wait_for_job(client: &HttpClient, job_id: &str, limit: Duration) -> Job {
    let deadline = Instant::now() + limit;
    loop {
        let job = client.job_get(job_id.to_owned()).await.expect("job.get");
        if job.state.is_final() {
            return job;
        }
        assert!(
            Instant::now() < deadline,
            "job {job_id} did not end: {job:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every file under `dir` whose name ends in `.partial`.
pub fn partial_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(partial_files(&path));
        } else if path.to_string_lossy().ends_with(".partial") {
            found.push(path);
        }
    }
    found
}

/// A real SMTP server: the notify crate's aiosmtpd sink in a child process.
pub struct SmtpSink {
    pub port: u16,
    directory: tempfile::TempDir,
    child: Child,
    _stdin: ChildStdin,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let available = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        assert!(
            available,
            "python3 with aiosmtpd is needed for the mail tests: run `python3 -m pip install aiosmtpd` (tests/run does)"
        );
        let directory = tempfile::tempdir().unwrap();
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../notify/tests/support/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(directory.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 starts smtp_sink.py");
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("smtp_sink.py did not start: {line:?}"));
        SmtpSink {
            port,
            directory,
            child,
            _stdin: stdin,
        }
    }

    pub fn settings(&self, default_to: Option<&str>) -> SmtpSettings {
        let mut settings = SmtpSettings::new("127.0.0.1", "Sauvegardes <backups@example.com>");
        settings.port = self.port;
        settings.security = SmtpSecurity::None;
        settings.default_to = default_to.map(str::to_owned);
        settings.timeout = Duration::from_secs(10);
        settings
    }

    /// `(recipients, raw message)` of every message received, waiting up to 20 s for `count`.
    pub fn wait_for(&self, count: usize) -> Vec<(Vec<String>, String)> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mut paths: Vec<PathBuf> = std::fs::read_dir(self.directory.path())
                .unwrap()
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
                .collect();
            paths.sort();
            if paths.len() >= count || Instant::now() > deadline {
                return paths
                    .iter()
                    .map(|path| {
                        let envelope: serde_json::Value = serde_json::from_slice(
                            &std::fs::read(path.with_extension("json")).unwrap(),
                        )
                        .unwrap();
                        let recipients = envelope["rcpt_tos"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|value| value.as_str().unwrap().to_owned())
                            .collect();
                        (
                            recipients,
                            String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned(),
                        )
                    })
                    .collect();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

//! What the service tests share: the Odoo under test (a simulator loaded with shop tenants in
//! CI, or the real Odoo named by `ODOO_URL` when tests/live runs them), reached through a gate the
//! tests can close; the service started on 127.0.0.1:0 against it; a JSON-RPC client with the
//! token; and a real SMTP server.
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
use odoo_client::{ClientConfig, Context, Credential, Domain, OdooClient, SearchOptions, Secret};
use odoo_sim::datasets::{TenantInfo, TenantSize, TenantSpec, add_shop_tenant};
use odoo_sim::{SimConfig, Simulator};
use suite::{LiveSettings, OdooTarget};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

pub const TOKEN: &str = "test-token-0123456789abcdefghijklmnopqrstuv";

pub struct Options {
    pub tenants: Vec<(&'static str, TenantSize)>,
    pub concurrency: usize,
    pub smtp: Option<SmtpSettings>,
    /// The Odoo has the backup addon installed, and the service reads its schedules from
    /// Odoo's `quelyos.backup.schedule` records instead of [`Harness::schedules`]. On a real
    /// Odoo the addon must be installed already (see [`OdooUnderTest::has_backup_addon`]).
    pub backup_addon: bool,
    /// Where archives are kept, in place of the service's own local store.
    pub store: Option<Arc<dyn BackupStore>>,
    /// Changes to the service's configuration (the archive keys, say) before it starts.
    pub adjust: Option<fn(&mut ServiceConfig)>,
    /// Buckets that get a copy of every backup.
    pub buckets: Vec<backup_service::BucketSettings>,
    /// The directory of the sidecar's keys (another harness's, to play the same sidecar on a
    /// new disk); default: one of its own.
    pub keys_dir: Option<PathBuf>,
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
            adjust: None,
            buckets: Vec::new(),
            keys_dir: None,
        }
    }
}

/// The Odoo the service talks to in a test.
pub struct OdooUnderTest {
    /// `"simulator"` or `"live http://host:8069"`: printed with failures.
    pub label: String,
    /// The simulator; `None` on a real Odoo.
    pub sim: Option<Simulator>,
    /// How to reach the Odoo directly (the test's own checks and set-up).
    pub config: ClientConfig,
    /// The tenants the test works in, in the order the options asked for them.
    pub tenants: Vec<TenantInfo>,
}

impl OdooUnderTest {
    /// The real Odoo named by `ODOO_URL` when it is set, else a simulator with `tenants`.
    ///
    /// On a real Odoo the tenants are its companies that hold partners, fewest partners first
    /// (quick backups), then those without; a tenant asked for with a record count or as large
    /// takes the fullest company instead. Nothing is generated there.
    pub async fn start(tenants: &[(&'static str, TenantSize)], sim: SimConfig) -> OdooUnderTest {
        let Some(settings) = LiveSettings::from_env() else {
            let (simulator, infos) = start_sim_with(tenants, sim).await;
            let config = odoo_config(&simulator.url());
            return OdooUnderTest {
                label: "simulator".into(),
                sim: Some(simulator),
                config,
                tenants: infos,
            };
        };
        let target = OdooTarget::live(settings.unwrap_or_else(|problem| panic!("{problem}"))).await;
        let config = target.config_for(None);
        let label = target.label.clone();
        let client = OdooClient::connect(config.clone())
            .await
            .unwrap_or_else(|error| panic!("{label}: connect: {error}"));
        let mut companies: Vec<(u64, _)> = target
            .companies_with_partner_counts(&client)
            .await
            .into_iter()
            .map(|(company, partners)| (partners, company))
            .collect();
        // Companies with partners first, fewest first; the empty ones last.
        companies.sort_by_key(|(partners, company)| (*partners == 0, *partners, company.id));
        assert!(
            companies.len() >= tenants.len(),
            "{label}: the test needs {} companies, the Odoo has {}",
            tenants.len(),
            companies.len()
        );
        let mut chosen = Vec::new();
        for (_, size) in tenants {
            let large = matches!(size, TenantSize::Large)
                || matches!(size, TenantSize::Records(count) if *count >= 10_000);
            let index = if large {
                let fullest = companies.iter().map(|(partners, _)| *partners).max();
                companies
                    .iter()
                    .position(|(partners, _)| Some(*partners) == fullest)
                    .unwrap()
            } else {
                0
            };
            let (_, company) = companies.remove(index);
            chosen.push(TenantInfo {
                company_id: company.id,
                name: company.name,
                record_count: 0,
            });
        }
        OdooUnderTest {
            label,
            sim: None,
            config,
            tenants: chosen,
        }
    }

    pub fn is_live(&self) -> bool {
        self.sim.is_none()
    }

    pub async fn client(&self) -> OdooClient {
        OdooClient::connect(self.config.clone())
            .await
            .unwrap_or_else(|error| panic!("{}: connect: {error}", self.label))
    }

    /// Whether the backup addon's models exist in this Odoo.
    pub async fn has_backup_addon(&self) -> bool {
        let client = self.client().await;
        let installed = client
            .search_count(
                "ir.model",
                &Domain::leaf("model", "=", "quelyos.backup.schedule"),
            )
            .await
            .unwrap_or_else(|error| panic!("{}: read ir.model: {error}", self.label));
        installed > 0
    }
}

/// A TCP relay between the service and Odoo that a test can close, to play an Odoo that went
/// away without stopping a real one: once closed, connections in flight are cut and new ones
/// are refused.
pub struct OdooGate {
    url: String,
    relay: tokio::task::JoinHandle<()>,
    /// Connections the service opened to Odoo through the gate.
    connections: Arc<std::sync::atomic::AtomicUsize>,
}

impl OdooGate {
    /// A relay to the `http://` Odoo at `upstream`.
    pub async fn open(upstream: &str) -> OdooGate {
        let parsed: url::Url = upstream.parse().expect("an Odoo URL");
        assert_eq!(
            parsed.scheme(),
            "http",
            "the test gate relays plain HTTP only: give tests/live Odoo's http:// address"
        );
        let target = format!(
            "{}:{}",
            parsed.host_str().expect("a host"),
            parsed.port_or_known_default().unwrap()
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut url = parsed.clone();
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(listener.local_addr().unwrap().port()))
            .unwrap();
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let opened = connections.clone();
        let relay = tokio::spawn(async move {
            // Dropped with the relay task: every connection in flight ends with it.
            let mut connections = JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                opened.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let target = target.clone();
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        OdooGate {
            url: url.as_str().trim_end_matches('/').to_owned(),
            relay,
            connections,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// How many connections to Odoo were opened through the gate so far.
    pub fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Odoo becomes unreachable: the listener closes (connection refused) and every relayed
    /// connection is cut.
    pub async fn close(&mut self) {
        self.relay.abort();
        let _ = (&mut self.relay).await;
    }
}

impl Drop for OdooGate {
    fn drop(&mut self) {
        self.relay.abort();
    }
}

pub struct Harness {
    pub odoo_under_test: OdooUnderTest,
    pub gate: OdooGate,
    pub service: Option<RunningService>,
    pub client: HttpClient,
    pub url: String,
    pub dir: tempfile::TempDir,
    pub schedules: Arc<InMemorySchedules>,
    pub clock: Arc<ManualClock>,
    pub tenants: Vec<TenantInfo>,
    /// How to reach the Odoo directly, bypassing the gate.
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
        keys: sidecar_keys(&dir.join("keys")),
        ..Default::default()
    };
    ServiceConfig {
        odoo: Some(odoo),
        backup,
        listen: "127.0.0.1:0".parse().unwrap(),
        token: Secret::new(TOKEN),
        store_dir: dir.join("store"),
        buckets: Vec::new(),
        // Tests of failed copies see them tried again within seconds.
        copy_retry: Duration::from_secs(1),
        scrub_every: None,
        scrub_days: 7,
        state_dir: dir.join("store/.state"),
        concurrency,
        smtp,
        lang: Lang::Fr,
        log_format: LogFormat::Text,
        shutdown_grace: Duration::from_secs(5),
        default_time_zone: chrono_tz::Europe::Paris,
        config_file: None,
        generated_token: false,
        temporary_store: false,
        signing_key_to_make: None,
    }
}

/// The keys of a sidecar as README's set-up makes them: archives encrypted to its own age
/// identity and signed by its own key, both written in `dir` by `keygen`'s functions.
pub fn sidecar_keys(dir: &Path) -> backup_engine::ArchiveKeys {
    use backup_engine::protection::{
        EncryptionSection, SigningSection, generate_identity_file, generate_signing_key_file,
    };
    std::fs::create_dir_all(dir).unwrap();
    let identity_file = dir.join("age.key");
    if !identity_file.exists() {
        generate_identity_file(&identity_file).unwrap();
        generate_signing_key_file(&dir.join("signing.key")).unwrap();
    }
    backup_engine::ArchiveKeys::load(
        &EncryptionSection {
            identity_file: Some(identity_file),
            recipients: Vec::new(),
        },
        &SigningSection {
            key_file: Some(dir.join("signing.key")),
            trusted_keys: Vec::new(),
        },
    )
    .unwrap()
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
        let odoo_under_test = OdooUnderTest::start(&options.tenants, sim_config).await;
        if options.backup_addon && odoo_under_test.is_live() {
            assert!(
                odoo_under_test.has_backup_addon().await,
                "{}: this test needs the quelyos_tenant_backup addon installed in ODOO_DB",
                odoo_under_test.label
            );
        }
        let gate = OdooGate::open(odoo_under_test.config.url.as_ref()).await;
        let mut through_gate = odoo_under_test.config.clone();
        through_gate.url = gate.url().parse().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let schedules = InMemorySchedules::new();
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 1, 30, 16, 42, 0).unwrap(),
        ));
        let mut config =
            service_config(through_gate, dir.path(), options.concurrency, options.smtp);
        config.buckets = options.buckets;
        if let Some(keys_dir) = &options.keys_dir {
            config.backup.keys = sidecar_keys(keys_dir);
        }
        if let Some(adjust) = options.adjust {
            adjust(&mut config);
        }
        let mut builder = ServiceBuilder::new(config).clock(clock.clone());
        if !options.backup_addon {
            builder = builder.schedules(schedules.clone());
        }
        if let Some(store) = options.store {
            builder = builder.store(store);
        }
        let service = builder.start().await.expect("service starts");
        let url = service.url();
        Harness {
            tenants: odoo_under_test.tenants.clone(),
            odoo: odoo_under_test.config.clone(),
            odoo_under_test,
            gate,
            client: client(&url, Some(TOKEN)),
            url,
            service: Some(service),
            dir,
            schedules,
            clock,
        }
    }

    pub fn is_live(&self) -> bool {
        self.odoo_under_test.is_live()
    }

    /// A client of the Odoo under test, bypassing the gate.
    pub async fn odoo_client(&self) -> OdooClient {
        self.odoo_under_test.client().await
    }

    /// Odoo becomes unreachable for the service.
    pub async fn cut_odoo(&mut self) {
        self.gate.close().await;
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

/// On a real Odoo with the addon installed, the service mirrored the test's backups into
/// `quelyos.backup`: those records are removed again so runs leave no trace in its lists.
impl Drop for Harness {
    fn drop(&mut self) {
        if !self.is_live() {
            return;
        }
        let backup_ids: Vec<String> = std::fs::read_dir(self.store_dir())
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|entry| entry.path().is_dir())
                    .filter_map(|entry| entry.file_name().to_str().map(str::to_owned))
                    .filter(|name| !name.starts_with('.'))
                    .collect()
            })
            .unwrap_or_default();
        let config = self.odoo.clone();
        // A runtime of its own: drop may run inside the test's runtime.
        let cleanup = std::thread::spawn(move || {
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(forget_mirrors(config, backup_ids))
        });
        if let Ok(Err(problem)) = cleanup.join() {
            eprintln!("could not remove the test's quelyos.backup records: {problem}");
        }
    }
}

/// Deletes the `quelyos.backup` records of `backup_ids`, if the addon is installed.
pub async fn forget_mirrors(config: ClientConfig, backup_ids: Vec<String>) -> Result<(), String> {
    if backup_ids.is_empty() {
        return Ok(());
    }
    let client = OdooClient::connect(config)
        .await
        .map_err(|error| error.to_string())?;
    let installed = client
        .search_count("ir.model", &Domain::leaf("model", "=", "quelyos.backup"))
        .await
        .map_err(|error| error.to_string())?;
    if installed == 0 {
        return Ok(());
    }
    let client = client.with_context(Context::default().with_archived());
    // The service mirrors a backup's states in the background, the final one possibly after
    // the test saw its job end: wait for it, or a late write would bring the record back.
    let deadline = Instant::now() + Duration::from_secs(20);
    let ids = loop {
        let rows = client
            .search_read(
                "quelyos.backup",
                &Domain::leaf("backup_id", "in", backup_ids.clone()),
                &["status".to_owned()],
                &SearchOptions::default(),
            )
            .await
            .map_err(|error| error.to_string())?;
        let settled = rows
            .iter()
            .all(|row| !matches!(row["status"].as_str(), Some("pending" | "running")));
        if settled || Instant::now() > deadline {
            break rows
                .iter()
                .filter_map(|row| row["id"].as_i64())
                .collect::<Vec<i64>>();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    if !ids.is_empty() {
        client
            .unlink("quelyos.backup", &ids)
            .await
            .map_err(|error| error.to_string())?;
    }
    Ok(())
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

/// The decoded Subject header (lettre encodes non-ASCII subjects).
pub fn mail_subject(raw: &str) -> String {
    let mut subject = String::new();
    let mut in_subject = false;
    for line in raw.lines() {
        if let Some(rest) = line.strip_prefix("Subject:") {
            subject.push_str(rest.trim());
            in_subject = true;
        } else if in_subject && line.starts_with([' ', '\t']) {
            subject.push_str(line.trim());
        } else if in_subject {
            break;
        }
    }
    decode_encoded_words(&subject)
}

fn decode_encoded_words(text: &str) -> String {
    use base64::Engine as _;
    let mut out = String::new();
    for word in text.split_whitespace() {
        if let Some(inner) = word
            .strip_prefix("=?utf-8?b?")
            .or_else(|| word.strip_prefix("=?UTF-8?B?"))
        {
            let inner = inner.trim_end_matches("?=");
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(inner) {
                out.push_str(&String::from_utf8_lossy(&bytes));
                continue;
            }
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

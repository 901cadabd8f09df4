//! Backup throughput, peak memory and archive size next to a plain sequential read.
//!
//! `cargo bench -p backup-engine --bench backup` generates a large shop tenant (100,000 records
//! with images) in the simulator; with `ODOO_URL` (and `ODOO_DB`, `ODOO_LOGIN`,
//! `ODOO_PASSWORD` or `ODOO_API_KEY`) set it uses that Odoo instead, and its largest tenant (or
//! `BENCH_TENANT`, an id or code). It measures, on the same records:
//!
//! - a plain sequential `search_read` of every record in the archive, batches of 500, all the
//!   fields the archive holds (the baseline);
//! - the full backup (reads, JSON, compression, checksums, fsync), run in a child process so that
//!   its peak memory (VmHWM) is its own and not the simulator's.
//!
//! Targets (issue 3): backup at least as fast as the baseline, peak memory under 150 MB, at most
//! 60 KB of archive per 1,000 records without attachments. `BENCH_RECORDS=300000` generates a
//! tenant of that size instead of the large one.
//!
//! Then the cost of encryption and signatures: backups in clear and encrypted (age) and signed
//! (minisign), alternated over `BENCH_ROUNDS` rounds (default 3), each in a child process, and
//! `verify` of each kind of archive. Targets (issue 14): encrypted backup within 1.15× of the
//! clear one, verify within 1.3×, peak memory within 20 MB.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use backup_engine::{BackupOptions, BackupRequest, Progress, ProgressSink, TenantSelector};
use odoo_client::{ClientConfig, Credential, Domain, OdooClient, SearchOptions, Secret};
use serde_json::{Value, json};

mod common;
use common::{config_from_env, odoo_env, simulator_calls, verdict, vm_hwm_kb};

const CHILD_FLAG: &str = "--backup-child";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if let Some(position) = args.iter().position(|arg| arg == CHILD_FLAG) {
        let tenant = args[position + 1].clone();
        let out_dir = PathBuf::from(&args[position + 2]);
        runtime.block_on(child(tenant, out_dir));
        return;
    }
    if args.iter().any(|arg| arg == "--list" || arg == "--test") {
        // `cargo test --benches` and `--list` run the bench binary: nothing to test here.
        return;
    }
    runtime.block_on(parent());
}

/// Connection settings passed to the child through the environment.
struct Target {
    label: String,
    config: ClientConfig,
    env: Vec<(String, String)>,
    tenant: String,
    // Keeps the simulator running while the child backs up.
    _simulator: Option<odoo_sim::Simulator>,
}

async fn parent() {
    let target = match std::env::var("ODOO_URL").ok().filter(|url| !url.is_empty()) {
        Some(url) => live_target(url).await,
        None => simulated_target().await,
    };
    let out = tempfile::tempdir().expect("temp dir");
    let keys = make_keys(out.path());
    let client = OdooClient::connect(target.config.clone())
        .await
        .expect("connect");

    // The backup, in a child process.
    if let Some(simulator) = &target._simulator {
        simulator.reset_stats();
    }
    let started = Instant::now();
    let output = tokio::process::Command::new(std::env::current_exe().expect("bench path"))
        .arg(CHILD_FLAG)
        .arg(&target.tenant)
        .arg(out.path())
        .envs(
            target
                .env
                .iter()
                .map(|(key, value)| (key.as_str(), value.as_str())),
        )
        .output()
        .await
        .expect("run the backup child");
    let backup_seconds = started.elapsed().as_secs_f64();
    let calls = target._simulator.as_ref().map(simulator_calls);
    assert!(
        output.status.success(),
        "backup child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let child: Value = serde_json::from_slice(&output.stdout).expect("child report");
    let archive = PathBuf::from(child["archive"].as_str().unwrap());
    let records = child["records"].as_u64().unwrap();
    let peak_kb = child["vm_hwm_kb"].as_u64().unwrap();
    let data_json_compressed = compressed_size(&archive, "data.json");
    let archive_size = std::fs::metadata(&archive).unwrap().len();

    // The baseline: the same records, read plainly.
    let (plain_records, plain_seconds) = plain_read(&client, &archive).await;
    assert_eq!(
        plain_records, records,
        "the baseline read the archive's records"
    );

    println!();
    println!("tenant backup benchmark — {}", target.label);
    println!("{:<44} {:>14}", "records (all models)", records);
    println!(
        "{:<44} {:>14}",
        "files under filestore/",
        child["files"].as_u64().unwrap_or(0)
    );
    println!(
        "{:<44} {:>11.1} s  {:>8.0} records/s",
        "plain sequential search_read (batches 500)",
        plain_seconds,
        plain_records as f64 / plain_seconds
    );
    println!(
        "{:<44} {:>11.1} s  {:>8.0} records/s",
        "full backup (child process, wall)",
        backup_seconds,
        records as f64 / backup_seconds
    );
    let planned = child["planned_after"].as_f64().unwrap_or(0.0);
    let closing = child["closing_after"].as_f64().unwrap_or(0.0);
    let inside = child["seconds"].as_f64().unwrap_or(0.0);
    println!(
        "{:<44} {:>11.1} s planning, {:.1} s reading and writing, {:.1} s closing",
        "  of which, inside the backup",
        planned,
        closing - planned,
        inside - closing
    );
    if let Some(calls) = &calls {
        println!("{:<44} {:>14}", "  Odoo calls made by the backup", calls);
    }
    println!(
        "{:<44} {:>11.1} MB",
        "peak memory of the backup (VmHWM)",
        peak_kb as f64 / 1024.0
    );
    println!(
        "{:<44} {:>11.1} MB",
        "archive size",
        archive_size as f64 / 1e6
    );
    println!(
        "{:<44} {:>11.1} KB",
        "data.json (deflated) per 1,000 records",
        data_json_compressed as f64 / 1000.0 / (records as f64 / 1000.0)
    );
    println!(
        "targets: backup ≥ plain read: {}; peak < 150 MB: {}; ≤ 60 KB / 1,000 records: {}",
        verdict(records as f64 / backup_seconds >= plain_records as f64 / plain_seconds),
        verdict(peak_kb < 150 * 1024),
        verdict(data_json_compressed as f64 / (records as f64 / 1000.0) <= 60_000.0)
    );

    protection(&target, out.path(), &keys).await;
}

/// A child backup in `out_dir`, with the key files of `keys` when given: (wall seconds, the
/// child's report).
async fn run_child(
    target: &Target,
    out_dir: &Path,
    keys: Option<&[(String, String)]>,
) -> (f64, Value) {
    std::fs::create_dir_all(out_dir).unwrap();
    let started = Instant::now();
    let output = tokio::process::Command::new(std::env::current_exe().expect("bench path"))
        .arg(CHILD_FLAG)
        .arg(&target.tenant)
        .arg(out_dir)
        .envs(
            target
                .env
                .iter()
                .map(|(key, value)| (key.as_str(), value.as_str())),
        )
        .envs(
            keys.unwrap_or_default()
                .iter()
                .map(|(key, value)| (key.as_str(), value.as_str())),
        )
        .output()
        .await
        .expect("run the backup child");
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        output.status.success(),
        "backup child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        seconds,
        serde_json::from_slice(&output.stdout).expect("child report"),
    )
}

/// An age identity and a signing key in `dir`, as the environment variables that name them.
fn make_keys(dir: &Path) -> Vec<(String, String)> {
    let identity = dir.join("age.key");
    let signing = dir.join("signing.key");
    backup_engine::protection::generate_identity_file(&identity).unwrap();
    backup_engine::protection::generate_signing_key_file(&signing).unwrap();
    vec![
        (
            "BACKUP_AGE_IDENTITY_FILE".into(),
            identity.display().to_string(),
        ),
        (
            "BACKUP_SIGNING_KEY_FILE".into(),
            signing.display().to_string(),
        ),
    ]
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Backups and verifies in clear against encrypted and signed, alternated.
async fn protection(target: &Target, out: &Path, keys: &[(String, String)]) {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    let archive_keys = backup_engine::config::load_keys(
        &|name| {
            keys.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        },
        Default::default(),
        Default::default(),
    )
    .expect("the bench keys");
    let (mut clear, mut sealed) = (Vec::new(), Vec::new());
    let (mut clear_peak, mut sealed_peak) = (Vec::new(), Vec::new());
    let (mut clear_verify, mut sealed_verify) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        for encrypted in [false, true] {
            let directory = out.join(format!("round-{round}-{encrypted}"));
            let (seconds, report) = run_child(target, &directory, encrypted.then_some(keys)).await;
            let peak = report["vm_hwm_kb"].as_u64().unwrap();
            let archive = PathBuf::from(report["archive"].as_str().unwrap());
            let verify_keys = if encrypted {
                archive_keys.clone()
            } else {
                Default::default()
            };
            let started = Instant::now();
            let verified = backup_engine::verify_with(&archive, &verify_keys, Default::default())
                .expect("the archive verifies");
            let verify_seconds = started.elapsed().as_secs_f64();
            assert_eq!(verified.signature.is_trusted(), encrypted);
            if encrypted {
                sealed.push(seconds);
                sealed_peak.push(peak as f64 / 1024.0);
                sealed_verify.push(verify_seconds);
            } else {
                clear.push(seconds);
                clear_peak.push(peak as f64 / 1024.0);
                clear_verify.push(verify_seconds);
            }
            std::fs::remove_dir_all(&directory).ok();
        }
    }
    let (clear, sealed) = (median(clear), median(sealed));
    let (clear_verify, sealed_verify) = (median(clear_verify), median(sealed_verify));
    println!();
    println!("encryption and signatures — median of {rounds} alternated rounds");
    println!(
        "{:<44} {:>11.2} s",
        "backup in clear (child process, wall)", clear
    );
    println!(
        "{:<44} {:>11.2} s  ({:.3}×)",
        "backup encrypted and signed",
        sealed,
        sealed / clear
    );
    println!("{:<44} {:>11.2} s", "verify in clear", clear_verify);
    println!(
        "{:<44} {:>11.2} s  ({:.3}×)",
        "verify encrypted and signed",
        sealed_verify,
        sealed_verify / clear_verify
    );
    // A backup's peak varies from run to run with how reads and writes interleave: the
    // median of the rounds is compared, the highest is shown.
    let (clear_highest, sealed_highest) = (
        clear_peak.iter().copied().fold(0.0, f64::max),
        sealed_peak.iter().copied().fold(0.0, f64::max),
    );
    let (clear_peak, sealed_peak) = (median(clear_peak), median(sealed_peak));
    println!(
        "{:<44} {:>11.1} MB / {:.1} MB (highest {:.1} / {:.1})",
        "peak memory (median), clear / encrypted",
        clear_peak,
        sealed_peak,
        clear_highest,
        sealed_highest
    );
    println!(
        "targets: backup ≤ 1.15×: {}; verify ≤ 1.3×: {}; peak memory within 20 MB: {}",
        verdict(sealed <= clear * 1.15),
        verdict(sealed_verify <= clear_verify * 1.3),
        verdict(sealed_peak <= clear_peak + 20.0)
    );
}

async fn child(tenant: String, out_dir: PathBuf) {
    let config = config_from_env();
    let client = OdooClient::connect(config).await.expect("connect");
    let request = BackupRequest {
        tenant: backup_engine::resolve_tenant(
            &client,
            &tenant.parse::<TenantSelector>().expect("selector"),
        )
        .await
        .expect("the tenant"),
        out_dir,
        // Encrypted and signed when the parent names key files (BACKUP_AGE_*, BACKUP_SIGNING_*).
        options: BackupOptions {
            keys: backup_engine::config::load_keys(
                &|name| std::env::var(name).ok(),
                Default::default(),
                Default::default(),
            )
            .expect("the bench keys"),
            ..BackupOptions::default()
        },
    };
    let phases = Phases::default();
    let report = backup_engine::backup(&client, &request, &phases)
        .await
        .expect("backup");
    let vm_hwm_kb = vm_hwm_kb();
    println!(
        "{}",
        json!({
            "archive": report.archive,
            "records": report.record_count,
            "files": report.file_count,
            "seconds": report.duration.as_secs_f64(),
            "vm_hwm_kb": vm_hwm_kb,
            "planned_after": phases.seconds(0),
            "closing_after": phases.seconds(1),
        })
    );
}

/// When planning ended and when closing the archive began.
struct Phases {
    started: Instant,
    marks: std::sync::Mutex<[Option<f64>; 2]>,
}

impl Default for Phases {
    fn default() -> Self {
        Phases {
            started: Instant::now(),
            marks: std::sync::Mutex::new([None; 2]),
        }
    }
}

impl Phases {
    fn seconds(&self, index: usize) -> f64 {
        self.marks.lock().unwrap()[index].unwrap_or(0.0)
    }
}

impl ProgressSink for Phases {
    fn report(&self, progress: Progress<'_>) {
        let index = match progress {
            Progress::Planned { .. } => 0,
            Progress::Finishing => 1,
            _ => return,
        };
        self.marks.lock().unwrap()[index] = Some(self.started.elapsed().as_secs_f64());
    }
}

async fn live_target(url: String) -> Target {
    let config = config_from_env();
    let client = OdooClient::connect(config.clone())
        .await
        .expect("connect to ODOO_URL");
    let tenant = match std::env::var("BENCH_TENANT").ok() {
        Some(tenant) => tenant,
        None => largest_tenant(&client).await,
    };
    let env = odoo_env();
    Target {
        label: format!(
            "Odoo {} at {url}, tenant {tenant}",
            client.server_version().server_version
        ),
        config,
        env,
        tenant,
        _simulator: None,
    }
}

/// The tenant with the most records in the usual business models.
async fn largest_tenant(client: &OdooClient) -> String {
    let tenants = backup_engine::list_tenants(client)
        .await
        .expect("list tenants");
    let mut best = (0, String::new());
    for tenant in tenants {
        let scoped =
            client.with_context(odoo_client::Context::company(tenant.company_id).with_archived());
        let mut total = 0;
        for model in [
            "res.partner",
            "product.template",
            "sale.order",
            "sale.order.line",
            "crm.lead",
            "account.move",
        ] {
            total += scoped
                .search_count(model, &Domain::leaf("company_id", "=", tenant.company_id))
                .await
                .unwrap_or(0);
        }
        if total > best.0 {
            best = (total, tenant.code.clone());
        }
    }
    best.1
}

async fn simulated_target() -> Target {
    use odoo_sim::datasets::{TenantSize, TenantSpec, add_shop_tenant};
    let simulator = odoo_sim::Simulator::start(odoo_sim::SimConfig::default())
        .await
        .expect("start the simulator");
    let generating = Instant::now();
    let large = simulator.with_db(|db| {
        let large = add_shop_tenant(
            db,
            &TenantSpec {
                name: "Boutique Sport".into(),
                // BENCH_RECORDS=n generates a tenant of about n records instead, to check that
                // peak memory stays flat as tenants grow.
                size: match std::env::var("BENCH_RECORDS")
                    .ok()
                    .and_then(|n| n.parse().ok())
                {
                    Some(records) => TenantSize::Records(records),
                    None => TenantSize::Large,
                },
                with_images: true,
                seed: 1,
            },
        );
        add_shop_tenant(
            db,
            &TenantSpec {
                name: "Marque Mode".into(),
                size: TenantSize::Small,
                with_images: true,
                seed: 2,
            },
        );
        large
    });
    eprintln!(
        "generated {} records in {:.1} s",
        large.record_count,
        generating.elapsed().as_secs_f64()
    );
    let sim = simulator.config().clone();
    let config = ClientConfig::new(
        simulator.url().parse().expect("simulator URL"),
        sim.database.clone(),
        sim.login.clone(),
        Credential::Password(Secret::new(sim.password.clone())),
    );
    let env = vec![
        ("ODOO_URL".to_owned(), simulator.url()),
        ("ODOO_DB".to_owned(), sim.database.clone()),
        ("ODOO_LOGIN".to_owned(), sim.login.clone()),
        ("ODOO_PASSWORD".to_owned(), sim.password.clone()),
    ];
    Target {
        label: format!(
            "simulator, tenant {} ({} records generated)",
            large.name, large.record_count
        ),
        config,
        env,
        tenant: large.company_id.to_string(),
        _simulator: Some(simulator),
    }
}

fn compressed_size(archive: &Path, entry: &str) -> u64 {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(archive).unwrap()).unwrap();
    zip.by_name(entry).unwrap().compressed_size()
}

/// Reads, sequentially, in batches of 500, the records the archive holds, with the fields it
/// holds (binary fields read inline, as a plain read does). Returns (records, seconds).
async fn plain_read(client: &OdooClient, archive: &Path) -> (u64, f64) {
    let mut reader = backup_engine::read_archive(archive).expect("open archive");
    let tenant = reader.metadata().tenant.company_id;
    let mut ids: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    reader
        .for_each_record(|model, record| {
            ids.entry(model.to_owned())
                .or_default()
                .push(record["id"].as_i64().unwrap_or_default());
            fields
                .entry(model.to_owned())
                .or_insert_with(|| record.keys().cloned().collect());
            Ok(())
        })
        .expect("walk data.json");
    let scoped = client.with_context(odoo_client::Context::company(tenant).with_archived());
    let started = Instant::now();
    let mut read = 0_u64;
    for (model, ids) in &ids {
        for chunk in ids.chunks(500) {
            let mut model_fields = fields[model].clone();
            if model == "ir.attachment" {
                model_fields.push("datas".to_owned());
            }
            let records = scoped
                .search_read(
                    model,
                    &Domain::leaf("id", "in", json!(chunk)),
                    &model_fields,
                    &SearchOptions::ordered_by("id"),
                )
                .await
                .expect("plain read");
            read += records.len() as u64;
            drop(records);
        }
    }
    (read, started.elapsed().as_secs_f64())
}

//! Incremental reading next to a full read: wall time, Odoo's own CPU time, the sidecar's peak
//! memory, and whether the archives hold the same thing.
//!
//! `cargo bench -p backup-engine --bench incremental` generates the large shop tenant (about
//! 50,000 records with images) in the simulator, its data written two days ago; with `ODOO_URL`
//! (and `ODOO_DB`, `ODOO_LOGIN`, `ODOO_PASSWORD` or `ODOO_API_KEY`) set it uses that Odoo and its
//! largest tenant (or `BENCH_TENANT`, an id or code) instead. It measures:
//!
//! 1. a full backup;
//! 2. the next backup of the unchanged tenant, reading only what changed since (1);
//! 3. after 1% of the tenant's records changed through Odoo's `write`, a backup reading only what
//!    changed since (1), and a full backup taken right after it, compared record by record and
//!    file by file (`compare_archives`); (2) is compared with (1) the same way.
//!
//! Each backup runs in a child process, so that its peak memory (VmHWM) is its own. Odoo's CPU
//! time is the server process's user + system time (`/proc/<pid>/stat`) around each backup: the
//! simulator runs inside this bench's own process; for a real Odoo, `ODOO_PID` names its
//! process (with `workers = 0`, the one process that serves every request). Without it the
//! column is left empty.
//!
//! `BENCH_MARGIN_MINUTES` sets the `write_date` margin (default 60): on a test database filled
//! less than an hour ago, every record is "maybe written since" under the default.
//!
//! Goal (issue 16): the unchanged tenant backed up in under 1.5 s, with under 10% of the full
//! backup's Odoo CPU time, and no difference found by the comparison.

use std::path::{Path, PathBuf};
use std::time::Instant;

use backup_engine::incremental::{IncrementalOptions, compare_archives};
use backup_engine::{ArchiveKeys, BackupOptions, BackupRequest, ReadLimits, TenantSelector};
use odoo_client::{ClientConfig, Context, Credential, Domain, OdooClient, SearchOptions, Secret};
use serde_json::{Map, Value, json};

mod common;
use common::{config_from_env, odoo_env, simulator_calls, verdict, vm_hwm_kb};

const CHILD_FLAG: &str = "--backup-child";
const DAY: i64 = 86_400;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if let Some(position) = args.iter().position(|arg| arg == CHILD_FLAG) {
        let tenant = args[position + 1].clone();
        let out_dir = PathBuf::from(&args[position + 2]);
        let previous = args.get(position + 3).map(PathBuf::from);
        runtime.block_on(child(tenant, out_dir, previous));
        return;
    }
    if args.iter().any(|arg| arg == "--list" || arg == "--test") {
        // `cargo test --benches` and `--list` run the bench binary: nothing to test here.
        return;
    }
    runtime.block_on(parent());
}

struct Target {
    label: String,
    config: ClientConfig,
    env: Vec<(String, String)>,
    tenant: String,
    company_id: i64,
    /// The process whose CPU time is Odoo's.
    odoo_pid: Option<u32>,
    // Keeps the simulator running while the children back up.
    _simulator: Option<odoo_sim::Simulator>,
}

/// One backup as measured from outside.
struct Measured {
    archive: PathBuf,
    seconds: f64,
    odoo_cpu_seconds: Option<f64>,
    peak_mb: f64,
    /// Calls the simulator answered, by method (simulated runs only).
    calls: Option<String>,
    report: Value,
}

async fn parent() {
    let target = match std::env::var("ODOO_URL").ok().filter(|url| !url.is_empty()) {
        Some(url) => live_target(url).await,
        None => simulated_target().await,
    };
    let out = tempfile::tempdir().expect("temp dir");
    let client = OdooClient::connect(target.config.clone())
        .await
        .expect("connect");

    let full = run_child(&target, &out.path().join("full"), None).await;
    let unchanged = run_child(&target, &out.path().join("unchanged"), Some(&full.archive)).await;
    let unchanged_differences = compare(&full.archive, &unchanged.archive);

    let changed = change_one_percent(&target, &client, &full).await;
    let after_changes = run_child(&target, &out.path().join("changed"), Some(&full.archive)).await;
    let full_after = run_child(&target, &out.path().join("full-after"), None).await;
    let changed_differences = compare(&full_after.archive, &after_changes.archive);

    println!();
    println!("incremental reading benchmark — {}", target.label);
    println!(
        "{:<40} {:>9} {:>12} {:>10} {:>12} {:>12}",
        "backup", "wall s", "Odoo CPU s", "peak MB", "records read", "copied"
    );
    for (label, measured) in [
        ("full read", &full),
        ("unchanged, incremental", &unchanged),
        (
            &*format!("{changed} records changed, incremental"),
            &after_changes,
        ),
        ("same moment, full read", &full_after),
    ] {
        let read = &measured.report["read"];
        println!(
            "{:<40} {:>9.2} {:>12} {:>10.1} {:>12} {:>12}",
            label,
            measured.seconds,
            measured
                .odoo_cpu_seconds
                .map_or_else(|| "-".to_owned(), |cpu| format!("{cpu:.2}")),
            measured.peak_mb,
            read["records_read"],
            read["records_copied"],
        );
        if let Some(calls) = &measured.calls {
            println!("  Odoo calls: {calls}");
        }
        let steps: Vec<String> = measured.report["phases"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|phase| {
                format!(
                    "{} {:.2} s{}",
                    phase["step"].as_str().unwrap_or_default(),
                    phase["wall"].as_f64().unwrap_or_default(),
                    phase["odoo_cpu"]
                        .as_f64()
                        .map_or_else(String::new, |cpu| format!(" (Odoo {cpu:.2})"))
                )
            })
            .collect();
        println!("  by step: {}", steps.join(", "));
    }
    println!(
        "{:<40} {:>9}",
        "records in the archive", full.report["records"]
    );
    println!(
        "{:<40} {} / {}",
        "differences from a full read",
        unchanged_differences.len(),
        changed_differences.len()
    );
    for difference in unchanged_differences
        .iter()
        .chain(&changed_differences)
        .take(20)
    {
        println!("  {difference}");
    }
    let cpu_share = match (unchanged.odoo_cpu_seconds, full.odoo_cpu_seconds) {
        (Some(unchanged), Some(full)) if full > 0.0 => Some(unchanged / full),
        _ => None,
    };
    println!(
        "targets: unchanged < 1.5 s: {}; Odoo CPU < 10% of a full read: {}; same content: {}",
        verdict(unchanged.seconds < 1.5),
        cpu_share.map_or("not measured (set ODOO_PID)".to_owned(), |share| format!(
            "{} ({:.1}%)",
            verdict(share < 0.10),
            share * 100.0
        )),
        verdict(unchanged_differences.is_empty() && changed_differences.is_empty())
    );
}

fn compare(full: &Path, incremental: &Path) -> Vec<backup_engine::incremental::ArchiveDifference> {
    compare_archives(
        full,
        incremental,
        &ArchiveKeys::default(),
        ReadLimits::default(),
    )
    .expect("both archives verify")
}

/// A backup in a child process, incremental from `previous` when given.
async fn run_child(target: &Target, out_dir: &Path, previous: Option<&Path>) -> Measured {
    std::fs::create_dir_all(out_dir).unwrap();
    let cpu_before = target.odoo_pid.map(cpu_seconds);
    if let Some(simulator) = &target._simulator {
        simulator.reset_stats();
    }
    let started = Instant::now();
    let mut command = tokio::process::Command::new(std::env::current_exe().expect("bench path"));
    command
        .arg(CHILD_FLAG)
        .arg(&target.tenant)
        .arg(out_dir)
        .args(previous)
        .envs(
            target
                .env
                .iter()
                .map(|(key, value)| (key.as_str(), value.as_str())),
        );
    let output = command.output().await.expect("run the backup child");
    let seconds = started.elapsed().as_secs_f64();
    let odoo_cpu_seconds = target
        .odoo_pid
        .zip(cpu_before)
        .map(|(pid, before)| cpu_seconds(pid) - before);
    let calls = target._simulator.as_ref().map(simulator_calls);
    assert!(
        output.status.success(),
        "backup child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("child report");
    Measured {
        archive: PathBuf::from(report["archive"].as_str().unwrap()),
        seconds,
        odoo_cpu_seconds,
        peak_mb: report["vm_hwm_kb"].as_f64().unwrap() / 1024.0,
        calls,
        report,
    }
}

/// User + system CPU time of a process, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the Odoo process");
    // Fields after the command name (which may hold spaces) in parentheses; utime and stime
    // are the 14th and 15th fields of the line.
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // The kernel reports in USER_HZ, 100 per second on Linux.
    ticks / 100.0
}

/// Writes 1% of the tenant's records (as many as the full archive holds, divided by 100),
/// spread over its partners, leads and products, through Odoo's own `write`. Returns how
/// many records changed.
async fn change_one_percent(target: &Target, client: &OdooClient, full: &Measured) -> u64 {
    let wanted = full.report["records"].as_u64().unwrap() / 100;
    let scoped = client.with_context(Context::company(target.company_id).with_archived());
    let changes: [(&str, &str); 3] = [
        ("res.partner", "comment"),
        ("crm.lead", "description"),
        ("product.template", "description"),
    ];
    let mut changed = 0;
    for (index, (model, field)) in changes.iter().enumerate() {
        let share = (wanted - changed) / (changes.len() - index) as u64;
        let ids = scoped
            .search(
                model,
                &Domain::leaf("company_id", "=", target.company_id),
                &SearchOptions::ordered_by("id desc").limit(share),
            )
            .await
            .expect("the records to change");
        let mut values = Map::new();
        values.insert(
            (*field).to_owned(),
            json!(format!("<p>Changed by the benchmark at {}</p>", now_text())),
        );
        scoped.write(model, &ids, values).await.expect("write");
        changed += ids.len() as u64;
    }
    changed
}

fn now_text() -> String {
    chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

async fn child(tenant: String, out_dir: PathBuf, previous: Option<PathBuf>) {
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
        options: BackupOptions {
            incremental: IncrementalOptions {
                previous,
                margin: std::env::var("BENCH_MARGIN_MINUTES")
                    .ok()
                    .map(|minutes| {
                        chrono::Duration::minutes(
                            minutes.parse().expect("BENCH_MARGIN_MINUTES is a number"),
                        )
                    })
                    .unwrap_or(IncrementalOptions::default().margin),
                ..IncrementalOptions::default()
            },
            ..BackupOptions::default()
        },
    };
    let phases = Phases::new();
    let report = backup_engine::backup(&client, &request, &phases)
        .await
        .expect("backup");
    phases.mark("archive closed");
    let vm_hwm_kb = vm_hwm_kb();
    println!(
        "{}",
        json!({
            "archive": report.archive,
            "records": report.record_count,
            "files": report.file_count,
            "vm_hwm_kb": vm_hwm_kb,
            "read": report.read,
            "phases": phases.spent(),
        })
    );
}

/// Odoo's CPU time (from `ODOO_PID`) and wall time between the backup's steps.
struct Phases {
    odoo_pid: Option<u32>,
    started: Instant,
    marks: std::sync::Mutex<Vec<(String, f64, Option<f64>)>>,
}

impl Phases {
    fn new() -> Self {
        let odoo_pid = std::env::var("ODOO_PID")
            .ok()
            .and_then(|pid| pid.parse().ok());
        Phases {
            odoo_pid,
            started: Instant::now(),
            marks: std::sync::Mutex::new(vec![("start".into(), 0.0, odoo_pid.map(cpu_seconds))]),
        }
    }

    fn mark(&self, label: &str) {
        let cpu = self.odoo_pid.map(cpu_seconds);
        self.marks.lock().unwrap().push((
            label.to_owned(),
            self.started.elapsed().as_secs_f64(),
            cpu,
        ));
    }

    /// Each step: what it was, its wall seconds and Odoo CPU seconds.
    fn spent(&self) -> Vec<Value> {
        let marks = self.marks.lock().unwrap();
        marks
            .windows(2)
            .map(|pair| {
                let ((label, wall, cpu), (_, next_wall, next_cpu)) = (&pair[0], &pair[1]);
                json!({
                    "step": label,
                    "wall": next_wall - wall,
                    "odoo_cpu": cpu.zip(*next_cpu).map(|(a, b)| b - a),
                })
            })
            .collect()
    }
}

impl backup_engine::ProgressSink for Phases {
    fn report(&self, progress: backup_engine::Progress<'_>) {
        match progress {
            backup_engine::Progress::Step(step) => self.mark(step),
            backup_engine::Progress::Planned { .. } => self.mark("reading records"),
            backup_engine::Progress::Finishing => self.mark("closing the archive"),
            _ => {}
        }
    }
}

async fn live_target(url: String) -> Target {
    let config = config_from_env();
    let client = OdooClient::connect(config.clone())
        .await
        .expect("connect to ODOO_URL");
    let tenants = backup_engine::list_tenants(&client)
        .await
        .expect("list tenants");
    let tenant = match std::env::var("BENCH_TENANT").ok() {
        Some(selector) => {
            backup_engine::resolve_tenant(&client, &selector.parse().expect("BENCH_TENANT"))
                .await
                .expect("BENCH_TENANT names a tenant")
        }
        None => largest_tenant(&client, tenants).await,
    };
    let env = odoo_env();
    Target {
        label: format!(
            "Odoo {} at {url}, tenant {}",
            client.server_version().server_version,
            tenant.code
        ),
        config,
        env,
        tenant: tenant.company_id.to_string(),
        company_id: tenant.company_id,
        odoo_pid: std::env::var("ODOO_PID").ok().map(|pid| {
            pid.parse()
                .expect("ODOO_PID is the Odoo server's process id")
        }),
        _simulator: None,
    }
}

/// The tenant with the most partners, leads and products.
async fn largest_tenant(
    client: &OdooClient,
    tenants: Vec<backup_engine::Tenant>,
) -> backup_engine::Tenant {
    let mut best: Option<(u64, backup_engine::Tenant)> = None;
    for tenant in tenants {
        let scoped = client.with_context(Context::company(tenant.company_id).with_archived());
        let mut total = 0;
        for model in ["res.partner", "crm.lead", "product.template"] {
            total += scoped
                .search_count(model, &Domain::leaf("company_id", "=", tenant.company_id))
                .await
                .unwrap_or(0);
        }
        if best.as_ref().is_none_or(|(most, _)| total > *most) {
            best = Some((total, tenant));
        }
    }
    best.expect("at least one tenant").1
}

async fn simulated_target() -> Target {
    use odoo_sim::datasets::{TenantSize, TenantSpec, add_shop_tenant};
    let simulator = odoo_sim::Simulator::start(odoo_sim::SimConfig::default())
        .await
        .expect("start the simulator");
    let large = simulator.with_db(|db| {
        // Written two days ago: the backups see a tenant at rest.
        db.set_clock_offset(-2 * DAY);
        let large = add_shop_tenant(
            db,
            &TenantSpec {
                name: "Boutique Sport".into(),
                size: TenantSize::Large,
                with_images: true,
                seed: 1,
            },
        );
        db.set_clock_offset(0);
        large
    });
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
        // The simulator's CPU time is this process's.
        ("ODOO_PID".to_owned(), std::process::id().to_string()),
    ];
    Target {
        label: format!(
            "simulator, tenant {} ({} records generated)",
            large.name, large.record_count
        ),
        config,
        env,
        tenant: large.company_id.to_string(),
        company_id: large.company_id,
        // The simulator serves from this very process.
        odoo_pid: Some(std::process::id()),
        _simulator: Some(simulator),
    }
}

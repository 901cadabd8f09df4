//! The `tenant-backup` binary as a user runs it, against a simulated Odoo; with `--json`, as a
//! script reads it: one JSON document on stdout with the API's field names, whatever happened.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use odoo_client::{ClientConfig, Context, Credential, Domain, OdooClient, SearchOptions, Secret};
use odoo_sim::datasets::{TenantInfo, TenantSize, TenantSpec, add_shop_tenant};
use odoo_sim::{SimConfig, Simulator};
use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_tenant-backup");

async fn simulator_with(sizes: &[(&str, TenantSize)]) -> (Simulator, Vec<TenantInfo>) {
    let simulator = Simulator::start(SimConfig::default())
        .await
        .expect("start the simulator");
    let tenants = simulator.with_db(|db| {
        sizes
            .iter()
            .enumerate()
            .map(|(seed, (name, size))| {
                add_shop_tenant(
                    db,
                    &TenantSpec {
                        name: (*name).into(),
                        size: *size,
                        with_images: true,
                        seed: seed as u64 + 11,
                    },
                )
            })
            .collect()
    });
    (simulator, tenants)
}

/// The binary, configured for the simulator through the environment only.
fn tenant_backup(simulator: &Simulator) -> Command {
    let config = simulator.config();
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .env("ODOO_URL", simulator.url())
        .env("ODOO_DB", &config.database)
        .env("ODOO_LOGIN", &config.login)
        .env("ODOO_PASSWORD", &config.password)
        .stdin(Stdio::null());
    command
}

/// Runs a command on a blocking thread, so the simulator keeps answering meanwhile.
async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("run tenant-backup"))
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn finished_archives(directory: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with("backup_") && name.ends_with(".zip")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn tenants_backup_verify_and_inspect_work_from_the_command_line() {
    let (simulator, tenants) = simulator_with(&[
        ("Boutique Sport", TenantSize::Small),
        ("Marque Mode", TenantSize::Small),
    ])
    .await;
    let out = tempfile::tempdir().unwrap();

    let listed = run({
        let mut command = tenant_backup(&simulator);
        command.arg("tenants");
        command
    })
    .await;
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let listing = text(&listed.stdout);
    assert!(
        listing.contains("boutique-sport") && listing.contains("marque-mode"),
        "{listing}"
    );

    let backed_up = run({
        let mut command = tenant_backup(&simulator);
        command
            .args(["backup", "--tenant", "marque-mode", "--out"])
            .arg(out.path());
        command
    })
    .await;
    assert!(backed_up.status.success(), "{}", text(&backed_up.stderr));
    let summary = text(&backed_up.stdout);
    let archives = finished_archives(out.path());
    assert_eq!(archives.len(), 1, "{archives:?}");
    let archive = &archives[0];
    assert!(
        summary.contains(&archive.display().to_string()),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("records:     {}", tenants[1].record_count))
            || summary.contains("records:"),
        "{summary}"
    );
    for label in ["attachments:", "size:", "duration:"] {
        assert!(summary.contains(label), "{label} missing from {summary}");
    }
    assert!(
        archive
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("backup_marque-mode_"),
        "{}",
        archive.display()
    );

    let verified = run({
        let mut command = tenant_backup(&simulator);
        command.arg("verify").arg(archive);
        command
    })
    .await;
    assert!(verified.status.success(), "{}", text(&verified.stderr));
    assert!(
        text(&verified.stdout).starts_with("OK"),
        "{}",
        text(&verified.stdout)
    );

    let inspected = run({
        let mut command = tenant_backup(&simulator);
        command.arg("inspect").arg(archive);
        command
    })
    .await;
    assert!(inspected.status.success(), "{}", text(&inspected.stderr));
    let inspection = text(&inspected.stdout);
    assert!(
        inspection.contains("Marque Mode") && inspection.contains("sale.order"),
        "{inspection}"
    );

    // The same archive with one byte of data.json flipped is refused, naming data.json.
    let damaged = out.path().join("damaged.zip");
    let (start, length) = {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(archive).unwrap()).unwrap();
        let entry = zip.by_name("data.json").unwrap();
        (entry.data_start().unwrap(), entry.compressed_size())
    };
    let mut bytes = std::fs::read(archive).unwrap();
    bytes[(start + length / 3) as usize] ^= 0x01;
    std::fs::write(&damaged, bytes).unwrap();
    let refused = run({
        let mut command = tenant_backup(&simulator);
        command.arg("verify").arg(&damaged);
        command
    })
    .await;
    assert!(!refused.status.success(), "a damaged archive passed verify");
    assert!(
        text(&refused.stderr).contains("data.json"),
        "{}",
        text(&refused.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_setting_is_named_with_how_to_set_it() {
    let output = run({
        let mut command = Command::new(BINARY);
        command
            .env_clear()
            .env("ODOO_URL", "http://127.0.0.1:9")
            .arg("tenants");
        command
    })
    .await;
    assert!(!output.status.success());
    let message = text(&output.stderr);
    assert!(
        message.contains("database") && message.contains("ODOO_DB"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_tenant_fails_with_the_list_of_tenants() {
    let (simulator, _) = simulator_with(&[("Boutique Sport", TenantSize::Small)]).await;
    let out = tempfile::tempdir().unwrap();
    let output = run({
        let mut command = tenant_backup(&simulator);
        command
            .args(["backup", "--tenant", "no-such-shop", "--out"])
            .arg(out.path());
        command
    })
    .await;
    assert!(!output.status.success());
    let message = text(&output.stderr);
    assert!(
        message.contains("no-such-shop") && message.contains("boutique-sport"),
        "{message}"
    );
    assert!(finished_archives(out.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_killed_midway_leaves_no_finished_looking_file() {
    let (simulator, tenants) = simulator_with(&[("Boutique Sport", TenantSize::Large)]).await;
    let out = tempfile::tempdir().unwrap();
    let mut command = tenant_backup(&simulator);
    command
        .args([
            "backup",
            "--tenant",
            &tenants[0].company_id.to_string(),
            "--out",
        ])
        .arg(out.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = command.spawn().unwrap();

    // Wait until the archive is being written and has grown, then kill -9.
    let started = Instant::now();
    let partial = loop {
        let partial = std::fs::read_dir(out.path())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .find(|path| path.to_string_lossy().ends_with(".zip.partial"));
        if let Some(path) = partial
            && std::fs::metadata(&path).map(|meta| meta.len()).unwrap_or(0) > 64 * 1024
        {
            break path;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the backup ended before it could be killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the backup never started writing"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        child.try_wait().unwrap().is_none(),
        "the backup ended before it could be killed"
    );
    child.kill().unwrap(); // SIGKILL: no destructor, no cleanup runs.
    child.wait().unwrap();

    assert!(
        finished_archives(out.path()).is_empty(),
        "a killed backup left a finished-looking archive"
    );
    let name = partial.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with(".backup_"), "{name}");
    // What is left is not mistaken for a backup by verify either.
    let verified = run({
        let mut command = tenant_backup(&simulator);
        command.arg("verify").arg(&partial);
        command
    })
    .await;
    assert!(!verified.status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_prints_each_cause_once() {
    let (simulator, _) = simulator_with(&[("Boutique Sport", TenantSize::Small)]).await;
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.zip");
    for command in ["inspect", "verify"] {
        let output = run({
            let mut command_line = tenant_backup(&simulator);
            command_line.arg(command).arg(&missing);
            command_line
        })
        .await;
        assert!(!output.status.success());
        let message = text(&output.stderr);
        assert_eq!(
            message.matches("No such file or directory").count(),
            1,
            "{command}: {message}"
        );
        assert_eq!(
            message
                .matches(&format!("cannot read {}", missing.display()))
                .count(),
            1,
            "{command}: {message}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_into_a_directory_it_cannot_write_fails_before_reading_odoo() {
    let (simulator, tenants) = simulator_with(&[("Boutique Sport", TenantSize::Small)]).await;
    let dir = tempfile::tempdir().unwrap();
    // Tests may run as root, whom permission bits do not stop: a directory under a regular
    // file cannot be made by anyone.
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let out = file.join("backups");
    simulator.reset_stats();
    let output = run({
        let mut command = tenant_backup(&simulator);
        command
            .args([
                "backup",
                "--tenant",
                &tenants[0].company_id.to_string(),
                "--out",
            ])
            .arg(&out);
        command
    })
    .await;
    assert!(!output.status.success());
    let message = text(&output.stderr);
    assert!(message.contains(&out.display().to_string()), "{message}");
    assert_eq!(
        simulator.stats().count("search_read"),
        0,
        "Odoo was read before the directory was checked: {:?}",
        simulator.stats()
    );
}

/// `tenant-backup <args> <path>`, configured for the simulator (the `--json` tests).
fn json_command(simulator: &Simulator, args: &[&str], path: &Path) -> Command {
    let mut command = tenant_backup(simulator);
    command.args(args).arg(path);
    command
}

/// Stdout holds exactly one JSON document.
fn document(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not one JSON document ({error}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn every_report_is_one_json_document_on_stdout_with_the_apis_field_names() {
    let simulator = Simulator::start(SimConfig::default()).await.unwrap();
    let tenant = simulator
        .with_db(|db| add_shop_tenant(db, &TenantSpec::new("Marque Mode", TenantSize::Small, 5)));
    let company = tenant.company_id.to_string();
    let out = tempfile::tempdir().unwrap();

    let backed_up = run(json_command(
        &simulator,
        &["backup", "--json", "--tenant", &company, "--out"],
        out.path(),
    ))
    .await;
    assert!(backed_up.status.success());
    let backup = document(&backed_up);
    let archive = PathBuf::from(backup["archive"].as_str().unwrap());
    assert!(archive.is_file(), "{backup}");
    assert_eq!(backup["status"], "done");
    assert_eq!(backup["tenant"]["code"], "marque-mode");
    let records = backup["records"].as_u64().unwrap();
    let per_model: u64 = backup["models"]
        .as_object()
        .unwrap()
        .values()
        .map(|count| count.as_u64().unwrap())
        .sum();
    assert_eq!(records, per_model, "{backup}");
    assert!(backup["size_bytes"].as_u64().unwrap() > 0 && backup["duration_ms"].is_u64());
    // The human summary is still there, on stderr.
    assert!(String::from_utf8_lossy(&backed_up.stderr).contains("records:"));

    let verified = run(json_command(&simulator, &["verify", "--json"], &archive)).await;
    assert!(verified.status.success());
    let verification = document(&verified);
    assert_eq!(verification["ok"], true, "{verification}");
    assert_eq!(verification["problem"], Value::Null);
    assert_eq!(verification["records"].as_u64(), Some(records));

    let inspected = run(json_command(&simulator, &["inspect", "--json"], &archive)).await;
    assert!(inspected.status.success());
    let inspection = document(&inspected);
    assert_eq!(inspection["records"].as_u64(), Some(records));
    assert_eq!(inspection["models"], backup["models"]);
    assert_eq!(inspection["format_version"], 3);
    // Without keys configured the archive is in clear and unsigned, and the reports say so.
    assert_eq!(
        inspection["signature"]["status"], "unsigned",
        "{inspection}"
    );
    assert_eq!(inspection["opened_with"], Value::Null);
    assert_eq!(verification["signature"]["status"], "unsigned");
    assert_eq!(backup["protection"]["signed_by"], Value::Null);
    assert!(
        backup["warnings"].to_string().contains("not signed"),
        "{backup}"
    );

    // A damaged archive: exit 1, and the document says why.
    let damaged = out.path().join("damaged.zip");
    let mut bytes = std::fs::read(&archive).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&damaged, bytes).unwrap();
    let refused = run(json_command(&simulator, &["verify", "--json"], &damaged)).await;
    assert!(!refused.status.success());
    let refusal = document(&refused);
    assert_eq!(refusal["ok"], false, "{refusal}");
    assert!(
        refusal["problem"]
            .as_str()
            .is_some_and(|problem| !problem.is_empty())
    );

    // A restore's report, dry run then real, as the service's restore report.
    let config = simulator.config();
    let client = OdooClient::connect(ClientConfig::new(
        simulator.url().parse().unwrap(),
        config.database.clone(),
        config.login.clone(),
        Credential::Password(Secret::new(config.password.clone())),
    ))
    .await
    .unwrap()
    .with_context(Context::company(tenant.company_id).with_archived());
    let leads = client
        .search(
            "crm.lead",
            &Domain::leaf("company_id", "=", tenant.company_id),
            &SearchOptions::ordered_by("id").limit(2),
        )
        .await
        .unwrap();
    client.unlink("crm.lead", &leads).await.unwrap();
    let planned = run(json_command(
        &simulator,
        &[
            "restore",
            "--json",
            "--tenant",
            &company,
            "--dry-run",
            "--allow-unsigned",
        ],
        &archive,
    ))
    .await;
    assert!(planned.status.success());
    let plan = document(&planned);
    assert_eq!(plan["dry_run"], true, "{plan}");
    assert_eq!(plan["signature"]["status"], "unsigned", "{plan}");
    assert_eq!(plan["outcome"], Value::Null);
    let line = |report: &Value, model: &str| {
        report["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|line| line["model"] == model)
            .cloned()
            .unwrap_or_else(|| panic!("{model} in {report}"))
    };
    assert_eq!(line(&plan, "crm.lead")["created"], 2, "{plan}");

    let safety = tempfile::tempdir().unwrap();
    let mut command = json_command(
        &simulator,
        &[
            "restore",
            "--json",
            "--tenant",
            &company,
            "--allow-unsigned",
            "--safety-dir",
        ],
        safety.path(),
    );
    command.arg(&archive);
    let restored = run(command).await;
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let report = document(&restored);
    assert_eq!(report["dry_run"], false);
    assert_eq!(report["outcome"], "complete", "{report}");
    assert_eq!(line(&report, "crm.lead")["created"], 2);
    assert!(
        report["safety_backup"]
            .as_str()
            .is_some_and(|path| Path::new(path).is_file())
    );
    assert!(report["refused"].as_array().unwrap().is_empty());
    assert!(report["failed"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_that_fails_early_still_prints_a_json_document() {
    let simulator = Simulator::start(SimConfig::default()).await.unwrap();
    let missing = Path::new("/nonexistent/backup_x.zip");
    let output = run(json_command(&simulator, &["inspect", "--json"], missing)).await;
    assert!(!output.status.success());
    let failure = document(&output);
    assert!(
        failure["error"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("backup_x.zip")),
        "{failure}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incremental_backup_copies_from_the_newest_archive_and_compares_equal_to_a_full_one() {
    let (simulator, _) = {
        let simulator = Simulator::start(SimConfig::default()).await.unwrap();
        // Data entered two days ago: an incremental read copies it.
        let tenants = simulator.with_db(|db| {
            db.set_clock_offset(-2 * 86_400);
            let tenant = add_shop_tenant(
                db,
                &TenantSpec {
                    name: "Marque Mode".into(),
                    size: TenantSize::Small,
                    with_images: true,
                    seed: 3,
                },
            );
            db.set_clock_offset(0);
            vec![tenant]
        });
        (simulator, tenants)
    };
    let backup = |out: &Path, incremental: bool| {
        let mut command = tenant_backup(&simulator);
        command
            .args(["backup", "--tenant", "marque-mode", "--out"])
            .arg(out);
        if incremental {
            command.arg("--incremental");
        }
        command
    };
    let store = tempfile::tempdir().unwrap();
    let first = run(backup(store.path(), true)).await;
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stdout).contains("read:        full (no previous archive to read from)"),
        "{}",
        text(&first.stdout)
    );
    // Archive names carry the second.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let second = run(backup(store.path(), true)).await;
    assert!(second.status.success(), "{}", text(&second.stderr));
    let summary = text(&second.stdout);
    assert!(
        summary.contains("read:        incremental, from backup_marque-mode_"),
        "{summary}"
    );

    let elsewhere = tempfile::tempdir().unwrap();
    let full = run(backup(elsewhere.path(), false)).await;
    assert!(full.status.success(), "{}", text(&full.stderr));
    let mut archives = finished_archives(store.path());
    archives.sort();
    let compared = run({
        let mut command = tenant_backup(&simulator);
        command
            .arg("compare")
            .arg(&archives[1])
            .arg(&finished_archives(elsewhere.path())[0]);
        command
    })
    .await;
    assert!(
        compared.status.success(),
        "{}{}",
        text(&compared.stdout),
        text(&compared.stderr)
    );
    assert!(text(&compared.stdout).starts_with("same data:"));

    // Two archives of different moments differ, and the command says where.
    simulator.with_db(|db| {
        let partner = db.ids("res.partner").into_iter().max().unwrap();
        db.set_field("res.partner", partner, "name", serde_json::json!("Renamed"));
    });
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let later = run(backup(elsewhere.path(), false)).await;
    assert!(later.status.success(), "{}", text(&later.stderr));
    let mut fulls = finished_archives(elsewhere.path());
    fulls.sort();
    let compared = run({
        let mut command = tenant_backup(&simulator);
        command.arg("compare").arg(&fulls[0]).arg(&fulls[1]);
        command
    })
    .await;
    assert!(!compared.status.success());
    assert!(
        text(&compared.stdout).contains("name: ")
            && text(&compared.stderr).contains("differ: 1 difference, listed above"),
        "{}{}",
        text(&compared.stdout),
        text(&compared.stderr)
    );
}

//! `--json`: scripts read one JSON document on stdout from `backup`, `verify`, `inspect` and
//! `restore`, with the service API's field names, whatever happened; the human text is on stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use odoo_client::{ClientConfig, Context, Credential, Domain, OdooClient, SearchOptions, Secret};
use odoo_sim::datasets::{TenantSize, TenantSpec, add_shop_tenant};
use odoo_sim::{SimConfig, Simulator};
use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_tenant-backup");

fn tenant_backup(simulator: &Simulator, args: &[&str], path: &Path) -> Command {
    let config = simulator.config();
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .env("ODOO_URL", simulator.url())
        .env("ODOO_DB", &config.database)
        .env("ODOO_LOGIN", &config.login)
        .env("ODOO_PASSWORD", &config.password)
        .stdin(Stdio::null())
        .args(args)
        .arg(path);
    command
}

async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("run tenant-backup"))
        .await
        .unwrap()
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

    let backed_up = run(tenant_backup(
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

    let verified = run(tenant_backup(&simulator, &["verify", "--json"], &archive)).await;
    assert!(verified.status.success());
    let verification = document(&verified);
    assert_eq!(verification["ok"], true, "{verification}");
    assert_eq!(verification["problem"], Value::Null);
    assert_eq!(verification["records"].as_u64(), Some(records));

    let inspected = run(tenant_backup(&simulator, &["inspect", "--json"], &archive)).await;
    assert!(inspected.status.success());
    let inspection = document(&inspected);
    assert_eq!(inspection["records"].as_u64(), Some(records));
    assert_eq!(inspection["models"], backup["models"]);
    assert_eq!(inspection["format_version"], 1);

    // A damaged archive: exit 1, and the document says why.
    let damaged = out.path().join("damaged.zip");
    let mut bytes = std::fs::read(&archive).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&damaged, bytes).unwrap();
    let refused = run(tenant_backup(&simulator, &["verify", "--json"], &damaged)).await;
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
    let planned = run(tenant_backup(
        &simulator,
        &["restore", "--json", "--tenant", &company, "--dry-run"],
        &archive,
    ))
    .await;
    assert!(planned.status.success());
    let plan = document(&planned);
    assert_eq!(plan["dry_run"], true, "{plan}");
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
    let mut command = tenant_backup(
        &simulator,
        &["restore", "--json", "--tenant", &company, "--safety-dir"],
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
    let output = run(tenant_backup(&simulator, &["inspect", "--json"], missing)).await;
    assert!(!output.status.success());
    let failure = document(&output);
    assert!(
        failure["error"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("backup_x.zip")),
        "{failure}"
    );
}

//! `tenant-backup restore` as a user runs it, against a simulated Odoo: a dry run that writes
//! nothing, a restore that brings deleted records back and names its safety backup, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use odoo_client::{ClientConfig, Context, Credential, Domain, OdooClient, SearchOptions, Secret};
use odoo_sim::datasets::{TenantSize, TenantSpec, add_shop_tenant};
use odoo_sim::{SimConfig, Simulator};

const BINARY: &str = env!("CARGO_BIN_EXE_tenant-backup");

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

async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("run tenant-backup"))
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Backs the tenant up with the command line; the archive and the directory that holds it.
async fn back_up(simulator: &Simulator, tenant: i64) -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let backup = run({
        let mut command = tenant_backup(simulator);
        command.args(["backup", "--tenant", &tenant.to_string(), "--out"]);
        command.arg(out.path());
        command
    })
    .await;
    assert!(backup.status.success(), "{}", text(&backup.stderr));
    let archive: PathBuf = std::fs::read_dir(out.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|extension| extension == "zip"))
        .expect("an archive");
    (out, archive)
}

/// A client pinned to the tenant, archived records included, to damage and inspect it.
async fn tenant_client(simulator: &Simulator, tenant: i64) -> OdooClient {
    let config = simulator.config();
    OdooClient::connect(ClientConfig::new(
        simulator.url().parse().unwrap(),
        config.database.clone(),
        config.login.clone(),
        Credential::Password(Secret::new(config.password.clone())),
    ))
    .await
    .unwrap()
    .with_context(Context::company(tenant).with_archived())
}

/// `tenant-backup restore <archive> --tenant <tenant>` with more arguments.
fn restore(simulator: &Simulator, archive: &Path, tenant: i64, more: &[&str]) -> Command {
    let mut command = tenant_backup(simulator);
    command.arg("restore").arg(archive);
    command.args(["--tenant", &tenant.to_string()]).args(more);
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn restore_brings_deleted_records_back_after_a_dry_run_that_writes_nothing() {
    let simulator = Simulator::start(SimConfig::default()).await.unwrap();
    let tenants: Vec<i64> = simulator.with_db(|db| {
        ["Boutique Sport", "Marque Mode"]
            .iter()
            .enumerate()
            .map(|(seed, name)| {
                add_shop_tenant(
                    db,
                    &TenantSpec::new(*name, TenantSize::Small, seed as u64 + 3),
                )
                .company_id
            })
            .collect()
    });
    let tenant = tenants[1];
    let (_out, archive) = back_up(&simulator, tenant).await;
    let client = tenant_client(&simulator, tenant).await;
    let leads = client
        .search(
            "crm.lead",
            &Domain::leaf("company_id", "=", tenant),
            &SearchOptions::ordered_by("id").limit(2),
        )
        .await
        .unwrap();
    assert_eq!(leads.len(), 2, "the shop tenant has leads");
    client.unlink("crm.lead", &leads).await.unwrap();

    simulator.reset_stats();
    let dry_run = run(restore(&simulator, &archive, tenant, &["--dry-run"])).await;
    let stdout = text(&dry_run.stdout);
    assert!(
        dry_run.status.success(),
        "{stdout}{}",
        text(&dry_run.stderr)
    );
    assert!(
        stdout.contains("nothing was written") && stdout.contains("crm.lead"),
        "{stdout}"
    );
    assert_eq!(simulator.stats().writes(), 0, "the dry run wrote");

    let safety = tempfile::tempdir().unwrap();
    let safety_dir = safety.path().to_str().unwrap();
    let restored = run(restore(
        &simulator,
        &archive,
        tenant,
        &["--safety-dir", safety_dir],
    ))
    .await;
    let stdout = text(&restored.stdout);
    assert!(
        restored.status.success(),
        "{stdout}{}",
        text(&restored.stderr)
    );
    assert!(stdout.contains("result:        complete"), "{stdout}");
    let safety_line = stdout
        .lines()
        .find(|line| line.starts_with("safety backup: "))
        .expect("the report names the safety backup");
    let safety_path = PathBuf::from(safety_line.trim_start_matches("safety backup: "));
    assert!(
        safety_path.starts_with(safety.path()) && safety_path.exists(),
        "{safety_line}"
    );
    let leads_now = client
        .search_count("crm.lead", &Domain::leaf("company_id", "=", tenant))
        .await
        .unwrap();
    let leads_in_archive = backup_engine::read_archive(&archive)
        .unwrap()
        .metadata()
        .models["crm.lead"];
    assert_eq!(leads_now, leads_in_archive);

    // The archive of one tenant is refused for another, with a non-zero exit.
    let refused = run(restore(
        &simulator,
        &archive,
        tenants[0],
        &["--no-safety-backup"],
    ))
    .await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("not the target tenant"),
        "{}",
        text(&refused.stderr)
    );
}

/// A restore killed (kill -9) after Odoo committed a `create` and before the restore heard of
/// it: the next run finds the records that batch made, records their ids, and creates nothing
/// twice, even where an earlier restore's id records of the same records point to nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_restore_killed_after_odoo_created_a_batch_creates_nothing_twice_when_run_again() {
    let simulator = Simulator::start(SimConfig::default()).await.unwrap();
    let tenant = simulator.with_db(|db| {
        add_shop_tenant(db, &TenantSpec::new("Marque Mode", TenantSize::Small, 7)).company_id
    });
    let (_out, archive) = back_up(&simulator, tenant).await;
    let client = tenant_client(&simulator, tenant).await;

    // A quotation deleted with its lines (a database cascade: the lines' external ids stay),
    // restored, and deleted again: the first restore's id records of its lines point to
    // nothing now, as after a tenant damaged twice.
    let in_tenant = Domain::leaf("company_id", "=", tenant);
    let lines_before = client
        .search_count("sale.order.line", &in_tenant)
        .await
        .unwrap();
    let quotations = in_tenant
        .clone()
        .and(Domain::leaf(
            "state",
            "in",
            serde_json::json!(["draft", "sent"]),
        ))
        .and(Domain::leaf("order_line", "!=", false));
    let order = client
        .search(
            "sale.order",
            &quotations,
            &SearchOptions::ordered_by("id").limit(1),
        )
        .await
        .unwrap();
    assert_eq!(order.len(), 1, "the shop tenant has a quotation with lines");
    client.unlink("sale.order", &order).await.unwrap();
    let first = run(restore(
        &simulator,
        &archive,
        tenant,
        &["--no-safety-backup"],
    ))
    .await;
    assert!(first.status.success(), "{}", text(&first.stdout));
    let recreated = client
        .search(
            "sale.order",
            &in_tenant,
            &SearchOptions::ordered_by("id desc").limit(1),
        )
        .await
        .unwrap();
    client.unlink("sale.order", &recreated).await.unwrap();
    assert!(
        client
            .search_count("sale.order.line", &in_tenant)
            .await
            .unwrap()
            < lines_before
    );

    // Odoo creates the lines; the restore never hears of it and is killed while it waits.
    simulator.withhold_next_answer("sale.order.line", "create");
    let mut child = restore(&simulator, &archive, tenant, &["--no-safety-backup"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while client
        .search_count("sale.order.line", &in_tenant)
        .await
        .unwrap()
        < lines_before
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the restore never created the lines"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // SIGKILL: nothing of the restore runs after this.
    child.kill().unwrap();
    child.wait().unwrap();

    let again = run(restore(
        &simulator,
        &archive,
        tenant,
        &["--no-safety-backup"],
    ))
    .await;
    let stdout = text(&again.stdout);
    assert!(again.status.success(), "{stdout}{}", text(&again.stderr));
    assert!(
        stdout.contains("recovered:     "),
        "the report says what was recovered:\n{stdout}"
    );
    assert_eq!(
        client
            .search_count("sale.order.line", &in_tenant)
            .await
            .unwrap(),
        lines_before,
        "the lines are there once each\n{stdout}"
    );
    let pending = client
        .search_count(
            "ir.model.data",
            &Domain::leaf("module", "=", "__tenant_restore__")
                .and(Domain::leaf("name", "like", "pending")),
        )
        .await
        .unwrap();
    assert_eq!(pending, 0, "the notes of the interrupted batch are gone");

    let dry_run = run(restore(&simulator, &archive, tenant, &["--dry-run"])).await;
    let stdout = text(&dry_run.stdout);
    assert!(dry_run.status.success(), "{stdout}");
    assert!(
        stdout.contains("(all)") && !stdout.contains("create:"),
        "a third run would still write:\n{stdout}"
    );
}

//! `tenant-backup restore` as a user runs it, against a simulated Odoo: a dry run that writes
//! nothing, a restore that brings deleted records back and names its safety backup, exit codes.
//! Archives are encrypted and signed with keys made by `tenant-backup keygen`, as README's
//! set-up makes them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use odoo_client::{ClientConfig, Context, Credential, Domain, OdooClient, SearchOptions, Secret};
use odoo_sim::datasets::{TenantSize, TenantSpec, add_shop_tenant};
use odoo_sim::{SimConfig, Simulator};

const BINARY: &str = env!("CARGO_BIN_EXE_tenant-backup");

/// The key files of this test process: an age identity and a signing key, made once by
/// `tenant-backup keygen`.
struct KeyFiles {
    identity: PathBuf,
    signing: PathBuf,
}

fn key_files() -> &'static KeyFiles {
    static KEYS: std::sync::OnceLock<KeyFiles> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| keygen(&tempfile::tempdir().unwrap().keep(), ""))
}

/// `tenant-backup keygen` into `directory`: an age identity and a signing key, their file
/// names starting with `prefix`.
fn keygen(directory: &Path, prefix: &str) -> KeyFiles {
    let keys = KeyFiles {
        identity: directory.join(format!("{prefix}age.key")),
        signing: directory.join(format!("{prefix}signing.key")),
    };
    for (path, signing) in [(&keys.identity, false), (&keys.signing, true)] {
        let mut command = Command::new(BINARY);
        command.arg("keygen").arg("--out").arg(path);
        if signing {
            command.arg("--signing");
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    keys
}

fn tenant_backup(simulator: &Simulator) -> Command {
    let config = simulator.config();
    let keys = key_files();
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .env("ODOO_URL", simulator.url())
        .env("ODOO_DB", &config.database)
        .env("ODOO_LOGIN", &config.login)
        .env("ODOO_PASSWORD", &config.password)
        .env("BACKUP_AGE_IDENTITY_FILE", &keys.identity)
        .env("BACKUP_SIGNING_KEY_FILE", &keys.signing)
        .stdin(Stdio::null());
    command
}

/// The archive keys the commands above use.
fn archive_keys() -> backup_engine::ArchiveKeys {
    let keys = key_files();
    backup_engine::ArchiveKeys::load(
        &backup_engine::protection::EncryptionSection {
            identity_file: Some(keys.identity.clone()),
            recipients: Vec::new(),
        },
        &backup_engine::protection::SigningSection {
            key_file: Some(keys.signing.clone()),
            trusted_keys: Vec::new(),
        },
    )
    .unwrap()
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
        .find(|path| path.to_string_lossy().ends_with(".zip.age"))
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
    let confirmed = client
        .search_read(
            "sale.order",
            &Domain::leaf("company_id", "=", tenant).and(Domain::leaf("state", "=", "sale")),
            &["name".to_owned()],
            &SearchOptions::ordered_by("id").limit(1),
        )
        .await
        .unwrap();
    let order_name = confirmed[0]["name"].as_str().unwrap().to_owned();
    let order = confirmed[0]["id"].as_i64().unwrap();
    client.unlink("sale.order", &[order]).await.unwrap();
    let comes_back_as_quotation = format!(
        "{order_name}: Sales Order in the backup, comes back as Quotation; check it, then confirm it again"
    );

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
    assert!(
        stdout.contains(&format!(
            "comes back in another state: {comes_back_as_quotation}"
        )),
        "the dry run names the confirmed order that comes back as a quotation: {stdout}"
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
    assert!(
        stdout.contains(&format!("in another state: {comes_back_as_quotation}")),
        "{stdout}"
    );
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
    let leads_in_archive =
        backup_engine::ArchiveReader::open(&archive, &archive_keys(), Default::default())
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

/// Each way an archive can fail to be the sidecar's own is refused before the first write,
/// naming the cause: a key that does not open it, a changed byte, a signature by a key not
/// trusted here (unless the operator allows it), and a key file others can read.
#[tokio::test(flavor = "multi_thread")]
async fn an_archive_the_sidecar_cannot_open_or_trust_is_refused_naming_why_and_writes_nothing() {
    let simulator = Simulator::start(SimConfig::default()).await.unwrap();
    let tenant = simulator.with_db(|db| {
        add_shop_tenant(db, &TenantSpec::new("Marque Mode", TenantSize::Small, 9)).company_id
    });
    let (out, archive) = back_up(&simulator, tenant).await;
    let other = keygen(out.path(), "other-");
    let refused = |output: &Output, cause: &str| {
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(cause), "expected {cause:?} in: {stderr}");
        assert_eq!(
            simulator.stats().writes(),
            0,
            "{cause}: Odoo was written to"
        );
    };

    // A key that does not open it.
    simulator.reset_stats();
    let mut command = restore(&simulator, &archive, tenant, &["--no-safety-backup"]);
    command.env("BACKUP_AGE_IDENTITY_FILE", &other.identity);
    refused(
        &run(command).await,
        "encrypted to none of the configured identities",
    );

    // A changed byte in the middle of the encrypted file.
    let damaged = out.path().join("damaged.zip.age");
    let mut bytes = std::fs::read(&archive).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&damaged, bytes).unwrap();
    refused(
        &run(restore(
            &simulator,
            &damaged,
            tenant,
            &["--no-safety-backup"],
        ))
        .await,
        "modified or damaged",
    );

    // Made by a sidecar whose signing key is not trusted here: refused, unless allowed.
    let foreign_out = tempfile::tempdir().unwrap();
    let mut command = tenant_backup(&simulator);
    command
        .args(["backup", "--tenant", &tenant.to_string(), "--out"])
        .arg(foreign_out.path())
        .env("BACKUP_SIGNING_KEY_FILE", &other.signing);
    assert!(run(command).await.status.success());
    let foreign = std::fs::read_dir(foreign_out.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.to_string_lossy().ends_with(".zip.age"))
        .unwrap();
    simulator.reset_stats();
    refused(
        &run(restore(
            &simulator,
            &foreign,
            tenant,
            &["--no-safety-backup"],
        ))
        .await,
        "which is not trusted here",
    );
    let allowed = run(restore(
        &simulator,
        &foreign,
        tenant,
        &["--dry-run", "--allow-unsigned"],
    ))
    .await;
    assert!(allowed.status.success(), "{}", text(&allowed.stderr));
    assert!(
        text(&allowed.stderr).contains("--allow-unsigned was given"),
        "{}",
        text(&allowed.stderr)
    );

    // An identity file others can read is not used at all.
    use std::os::unix::fs::PermissionsExt as _;
    let exposed = out.path().join("exposed-age.key");
    std::fs::copy(&key_files().identity, &exposed).unwrap();
    std::fs::set_permissions(&exposed, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut command = tenant_backup(&simulator);
    command
        .arg("verify")
        .arg(&archive)
        .env("BACKUP_AGE_IDENTITY_FILE", &exposed);
    let output = run(command).await;
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("chmod 600"),
        "{}",
        text(&output.stderr)
    );
}

/// `verify` and `inspect` say how an archive is protected: which key opened it and who signed.
#[tokio::test(flavor = "multi_thread")]
async fn verify_and_inspect_name_the_key_that_opens_an_archive_and_the_one_that_signed_it() {
    let simulator = Simulator::start(SimConfig::default()).await.unwrap();
    let tenant = simulator.with_db(|db| {
        add_shop_tenant(db, &TenantSpec::new("Marque Mode", TenantSize::Small, 4)).company_id
    });
    let (_out, archive) = back_up(&simulator, tenant).await;
    let keys = archive_keys();
    for command in ["verify", "inspect"] {
        let mut line = tenant_backup(&simulator);
        line.arg(command).arg(&archive);
        let output = run(line).await;
        let stdout = text(&output.stdout);
        assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
        let recipient = &keys.recipient_names()[0];
        let key_id = keys.protection().signed_by.unwrap();
        assert!(
            stdout.contains(&format!("opened with the identity of {recipient}"))
                && stdout.contains(&format!("signed by trusted key {key_id}")),
            "{command}: {stdout}"
        );
    }
}

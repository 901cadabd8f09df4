//! With encryption on, no byte of tenant data reaches the sidecar's disk in clear: not the
//! archive, not its spool or partial files, not a restore's safety backup. A marker string put
//! into a tenant's data is searched for in every file under the store and the state directories
//! while a backup and then a restore run; the same search on a sidecar that stores archives in
//! clear finds it, which shows the search can see it.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use backup_service::{ArchivesHealth, BackupApiClient, JobState, TenantParam};
use base64::Engine as _;
use odoo_client::{Context, Record};
use serde_json::json;
use support::{Harness, Options};

/// Files hold the marker as is: data.json is written without compression (deflate level 0
/// stores its bytes) and the attachment looks like a PNG, which is never compressed.
fn uncompressed(config: &mut backup_service::ServiceConfig) {
    config.backup.compression_level = 0;
}

fn uncompressed_in_clear(config: &mut backup_service::ServiceConfig) {
    uncompressed(config);
    config.backup.keys = backup_engine::ArchiveKeys::load(
        &Default::default(),
        &backup_engine::protection::SigningSection {
            // The harness's keys: <dir>/keys beside <dir>/store/.state.
            key_file: Some(
                config
                    .state_dir
                    .ancestors()
                    .nth(2)
                    .unwrap()
                    .join("keys/signing.key"),
            ),
            trusted_keys: Vec::new(),
        },
    )
    .unwrap();
}

struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Relaxed);
    }
}

/// Every file under `root` (recursively) that holds `marker`, at this instant.
fn files_holding(root: &Path, marker: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_owned()];
    while let Some(directory) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&directory) else {
            continue; // removed meanwhile
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(bytes) = std::fs::read(&path)
                && bytes.windows(marker.len()).any(|window| window == marker)
            {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

/// Puts the marker into the tenant (a partner's name, an attachment's content), backs it up,
/// deletes the partner and restores it with a safety backup, scanning the sidecar's files the
/// whole time; returns every file seen holding the marker, and what `health` says of archives.
async fn marker_files_during_backup_and_restore(
    adjust: fn(&mut backup_service::ServiceConfig),
) -> (Vec<String>, ArchivesHealth) {
    // On a real Odoo both tests restore the same tenant, each with a sidecar of its own: one at
    // a time, or each restore re-creates what the other's backup caught of the other test.
    static SAME_TENANT: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one_at_a_time = SAME_TENANT.lock().await;
    let harness = Harness::start(Options {
        adjust: Some(adjust),
        ..Options::default()
    })
    .await;
    // The tenant the restore suites restore (on a real Odoo, a company fit for it).
    let company = harness.company(1);
    let marker = suite::unique_name("MARKER-CLEAR-TEXT");
    let odoo = harness
        .odoo_client()
        .await
        .with_context(Context::company(company).with_archived());
    let record = |value: serde_json::Value| -> Record { value.as_object().unwrap().clone() };
    let partner = odoo
        .create(
            "res.partner",
            vec![record(json!({"name": marker, "company_id": company}))],
        )
        .await
        .unwrap()[0];
    let mut content = b"\x89PNG\r\n\x1a\n".to_vec();
    content.extend_from_slice(marker.as_bytes());
    odoo.create(
        "ir.attachment",
        vec![record(json!({
            "name": "marker.png",
            "res_model": "res.partner",
            "res_id": partner,
            "company_id": company,
            "datas": base64::engine::general_purpose::STANDARD.encode(&content),
        }))],
    )
    .await
    .unwrap();

    let scanning = Arc::new(AtomicBool::new(true));
    // Whatever happens below, the scan stops with this function (a failed assertion too).
    let _stop = StopOnDrop(scanning.clone());
    let scanner = {
        let (root, marker, scanning) = (
            harness.dir.path().join("store"),
            marker.clone(),
            scanning.clone(),
        );
        tokio::task::spawn_blocking(move || {
            let mut seen = std::collections::BTreeSet::new();
            while scanning.load(Ordering::Relaxed) {
                seen.extend(files_holding(&root, marker.as_bytes()));
                std::thread::sleep(Duration::from_millis(2));
            }
            seen.extend(files_holding(&root, marker.as_bytes()));
            seen.into_iter().collect::<Vec<_>>()
        })
    };

    let started = harness
        .client
        .backup_start(TenantParam::Id(company), None)
        .await
        .unwrap();
    let backed_up = harness.wait(&started.job_id).await;
    assert_eq!(backed_up.state, JobState::Done, "{backed_up:?}");
    odoo.unlink("res.partner", &[partner]).await.unwrap();
    let restore = harness
        .client
        .restore_start(
            started.backup_id,
            TenantParam::Id(company),
            Some(false),
            Some(true),
            Some(false),
        )
        .await
        .unwrap();
    let restored = harness.wait(&restore.job_id).await;
    assert_eq!(restored.state, JobState::Done, "{restored:?}");
    scanning.store(false, Ordering::Relaxed);
    let found = scanner.await.unwrap();
    let archives = harness
        .client
        .health()
        .await
        .unwrap()
        .archives
        .expect("health tells the token holder how archives are stored");
    // The partner made for the test goes again (its attachment with it).
    let again = odoo
        .search(
            "res.partner",
            &odoo_client::Domain::leaf("name", "=", marker.as_str()),
            &odoo_client::SearchOptions::default(),
        )
        .await
        .unwrap();
    odoo.unlink("res.partner", &again).await.unwrap();
    (found, archives)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_encryption_on_no_file_of_the_sidecar_ever_holds_tenant_data_in_clear() {
    let (found, archives) = marker_files_during_backup_and_restore(uncompressed).await;
    assert!(found.is_empty(), "tenant data in clear in {found:#?}");
    assert!(
        archives.encrypted && archives.warning.is_none(),
        "{archives:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_search_finds_the_data_when_archives_are_stored_in_clear() {
    let (found, archives) = marker_files_during_backup_and_restore(uncompressed_in_clear).await;
    assert!(
        found.iter().any(|path| path.ends_with(".zip")),
        "the search should see the marker in an archive in clear: {found:#?}"
    );
    // And health says so plainly.
    assert!(!archives.encrypted, "{archives:?}");
    assert!(
        archives
            .warning
            .as_deref()
            .is_some_and(|warning| warning.contains("stored in clear")),
        "{archives:?}"
    );
}

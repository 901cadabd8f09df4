//! The service end to end against `suite::OdooTarget::one()`: the real Odoo named by `ODOO_URL`
//! (what tests/live sets), else a simulator with shop tenants. It backs up the smallest company
//! that holds partners; on a real Odoo it only reads (the backup's local archive is deleted at
//! the end, and nothing is written to the tenant).

mod support;

use std::time::Duration;

use backup_service::{BackupApiClient, BackupStatus, JobState, ServiceBuilder, TenantParam};
use odoo_client::OdooClient;
use suite::OdooTarget;
use support::{TOKEN, client, service_config, wait_for_job};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_the_smallest_tenant_is_done_downloadable_and_listed() {
    let target = OdooTarget::one().await;
    let label = &target.label;
    let odoo_config = target.config_for(None);
    let odoo = OdooClient::connect(odoo_config.clone())
        .await
        .unwrap_or_else(|error| panic!("{label}: connect: {error}"));
    let mut with_partners: Vec<_> = target
        .companies_with_partner_counts(&odoo)
        .await
        .into_iter()
        .filter(|(_, partners)| *partners > 0)
        .map(|(company, partners)| (partners, company))
        .collect();
    with_partners.sort_by_key(|(partners, company)| (*partners, company.id));
    let (_, company) = with_partners
        .first()
        .unwrap_or_else(|| panic!("{label}: no company holds partners"))
        .clone();

    let dir = tempfile::tempdir().unwrap();
    // The service's own schedules stay in memory: nothing is read from or written to the
    // addon's schedules on a real Odoo.
    let service = ServiceBuilder::new(service_config(odoo_config, dir.path(), 1, None))
        .schedules(backup_service::InMemorySchedules::new())
        .start()
        .await
        .unwrap_or_else(|error| panic!("{label}: the service starts: {error}"));
    let url = service.url();
    let api = client(&url, Some(TOKEN));

    let started = api
        .backup_start(TenantParam::Id(company.id), None)
        .await
        .unwrap_or_else(|error| panic!("{label}: backup.start: {error}"));
    let job = wait_for_job(&api, &started.job_id, Duration::from_secs(900)).await;
    assert_eq!(job.state, JobState::Done, "{label}: {job:?}");

    let response = reqwest::Client::new()
        .get(format!("{url}/backups/{}/download", started.backup_id))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{label}");
    let bytes = response.bytes().await.unwrap();
    let downloaded = dir.path().join("download.zip");
    std::fs::write(&downloaded, &bytes).unwrap();
    let unzip = std::process::Command::new("unzip")
        .arg("-t")
        .arg(&downloaded)
        .output()
        .expect("unzip is installed (tests/run installs it)");
    assert!(
        unzip.status.success(),
        "{label}: unzip -t refused the download: {}",
        String::from_utf8_lossy(&unzip.stdout)
    );

    let listed = api
        .backup_list(Some(TenantParam::Id(company.id)))
        .await
        .unwrap()
        .backups;
    let backup = listed
        .iter()
        .find(|backup| backup.backup_id == started.backup_id)
        .unwrap_or_else(|| panic!("{label}: backup.list does not show {}", started.backup_id));
    assert_eq!(backup.status, BackupStatus::Done, "{label}");
    assert_eq!(backup.tenant.company_id, company.id, "{label}");
    // The store holds the ZIP encrypted: age adds its header and 16 bytes per 64 KiB.
    assert!(backup.protection.is_encrypted(), "{label}: {backup:?}");
    let overhead = backup.size_bytes - bytes.len() as u64;
    assert!(
        overhead < 1024 + bytes.len() as u64 / 4096,
        "{label}: {} stored for a {}-byte ZIP",
        backup.size_bytes,
        bytes.len()
    );
    assert!(backup.records > 0, "{label}: {backup:?}");
    eprintln!(
        "{label}: company {} ({}) backed up: {} records, {} bytes",
        company.id, company.name, backup.records, backup.size_bytes
    );

    api.backup_delete(started.backup_id.clone()).await.unwrap();
    service.shutdown().await;
}

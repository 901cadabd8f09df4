//! Against an Odoo with the addon installed (a simulator, or the real Odoo named by `ODOO_URL`
//! through tests/live, which must have `quelyos_tenant_backup` installed): schedules come from
//! its `quelyos.backup.schedule` records and their outcome is written back there, and every
//! backup's states are mirrored into a `quelyos.backup` record. What the tests create there is
//! removed at the end.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use backup_service::{
    ArchiveStream, Backup, BackupApiClient, BackupStore, JobState, LocalArchive, LocalStore,
    StoreError, TenantParam,
};
use chrono::{TimeZone, Utc};
use odoo_client::{Domain, OdooClient, SearchOptions};
use serde_json::{Map, Value, json};
use support::{Harness, Options};
use tokio::sync::Semaphore;

const BACKUP_FIELDS: [&str; 13] = [
    "backup_id",
    "company_id",
    "file_name",
    "origin",
    "schedule_id",
    "status",
    "size",
    "records",
    "duration",
    "error",
    "job_id",
    "created_at",
    "read_json",
];

async fn odoo(harness: &Harness) -> OdooClient {
    OdooClient::connect(harness.odoo.clone())
        .await
        .expect("connect to the Odoo under test")
}

/// The `quelyos.backup` record of `backup_id`, if mirrored.
async fn mirrored(client: &OdooClient, backup_id: &str) -> Option<Map<String, Value>> {
    let fields: Vec<String> = BACKUP_FIELDS.iter().map(|f| (*f).to_owned()).collect();
    client
        .search_read(
            "quelyos.backup",
            &Domain::leaf("backup_id", "=", backup_id),
            &fields,
            &SearchOptions::default(),
        )
        .await
        .expect("read quelyos.backup")
        .into_iter()
        .next()
}

/// Waits until the mirror of `backup_id` has `status`.
async fn mirrored_as(client: &OdooClient, backup_id: &str, status: &str) -> Map<String, Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let row = mirrored(client, backup_id).await;
        if let Some(row) = &row
            && row["status"] == status
        {
            return row.clone();
        }
        assert!(
            Instant::now() < deadline,
            "{backup_id} never mirrored as {status}: {row:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A local store whose `put_archive` waits for a permit, and then fails if told to: a backup
/// stays running until the test lets it finish.
struct GatedStore {
    inner: LocalStore,
    gate: Semaphore,
    fail: bool,
}

impl GatedStore {
    fn new(dir: &Path, fail: bool) -> Arc<GatedStore> {
        Arc::new(GatedStore {
            inner: LocalStore::open(dir).unwrap(),
            gate: Semaphore::new(0),
            fail,
        })
    }

    fn open(&self) {
        self.gate.add_permits(1);
    }
}

#[async_trait]
impl BackupStore for GatedStore {
    async fn save(&self, backup: &Backup) -> Result<(), StoreError> {
        self.inner.save(backup).await
    }

    async fn get(&self, backup_id: &str) -> Result<Option<Backup>, StoreError> {
        self.inner.get(backup_id).await
    }

    async fn list(&self) -> Result<Vec<Backup>, StoreError> {
        self.inner.list().await
    }

    async fn put_archive(
        &self,
        backup_id: &str,
        file_name: &str,
        source: &Path,
    ) -> Result<u64, StoreError> {
        self.gate.acquire().await.unwrap().forget();
        if self.fail {
            return Err(StoreError::Io {
                path: source.to_owned(),
                action: "keep",
                source: std::io::Error::other("the disk is full"),
            });
        }
        self.inner.put_archive(backup_id, file_name, source).await
    }

    async fn open_archive(&self, backup: &Backup) -> Result<ArchiveStream, StoreError> {
        self.inner.open_archive(backup).await
    }

    async fn local_copy(&self, backup: &Backup) -> Result<LocalArchive, StoreError> {
        self.inner.local_copy(backup).await
    }

    async fn delete(&self, backup_id: &str) -> Result<(), StoreError> {
        self.inner.delete(backup_id).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_recorded_in_odoo_is_ticked_run_and_written_back() {
    let harness = Harness::start(Options {
        backup_addon: true,
        ..Options::default()
    })
    .await;
    let client = &harness.client;
    let odoo = odoo(&harness).await;
    let company = harness.company(0);
    let mut values = Map::new();
    values.insert("company_id".into(), json!(company));
    values.insert("hour".into(), json!(2));
    values.insert("minute".into(), json!(30));
    values.insert("tz".into(), json!("Europe/Paris"));
    let schedule_id = odoo
        .create("quelyos.backup.schedule", vec![values])
        .await
        .expect("create the schedule in Odoo")[0];
    let read_schedule = || async {
        let fields: Vec<String> = ["next_run", "last_run", "last_status", "last_backup_id"]
            .iter()
            .map(|f| (*f).to_owned())
            .collect();
        odoo.read("quelyos.backup.schedule", &[schedule_id], &fields)
            .await
            .expect("read the schedule")
            .remove(0)
    };

    // First tick: nothing is due yet, but the next run is written to the record.
    harness
        .clock
        .set(Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap());
    // A real Odoo may hold other schedules: only this one is looked at.
    let tick = client.schedules_tick().await.unwrap();
    assert!(
        !tick
            .started
            .iter()
            .any(|run| run.schedule_id == schedule_id),
        "{tick:?}"
    );
    assert!(
        tick.next_runs
            .iter()
            .any(|next| next.schedule_id == schedule_id),
        "{tick:?}"
    );
    let row = read_schedule().await;
    assert_eq!(row["next_run"], json!("2026-03-11 01:30:00"), "02:30 CET");
    assert_eq!(row["last_status"], json!("never"));

    // At the slot: the backup runs and its outcome is written back.
    harness
        .clock
        .set(Utc.with_ymd_and_hms(2026, 3, 11, 1, 31, 0).unwrap());
    let tick = client.schedules_tick().await.unwrap();
    let started: Vec<_> = tick
        .started
        .iter()
        .filter(|run| run.schedule_id == schedule_id)
        .collect();
    assert_eq!(started.len(), 1, "{tick:?}");
    let job = harness.wait(&started[0].job_id).await;
    assert_eq!(job.state, JobState::Done, "{job:?}");
    let backup_id = job.backup_id.clone().unwrap();
    let backup = mirrored_as(&odoo, &backup_id, "done").await;
    assert_eq!(backup["origin"], json!("schedule"));
    assert_eq!(backup["schedule_id"][0], json!(schedule_id));
    let row = read_schedule().await;
    assert_eq!(row["next_run"], json!("2026-03-12 01:30:00"));
    assert_eq!(row["last_run"], json!("2026-03-11 01:31:00"));
    assert_eq!(row["last_status"], json!("success"));
    assert_eq!(
        row["last_backup_id"][0], backup["id"],
        "the schedule points to the mirrored backup"
    );
    let again = client.schedules_tick().await.unwrap();
    assert!(
        !again
            .started
            .iter()
            .any(|run| run.schedule_id == schedule_id),
        "{again:?}"
    );
    odoo.unlink("quelyos.backup.schedule", &[schedule_id])
        .await
        .expect("remove the test's schedule");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_backups_states_are_mirrored_into_quelyos_backup() {
    let dir = tempfile::tempdir().unwrap();
    let store = GatedStore::new(dir.path(), false);
    let harness = Harness::start(Options {
        backup_addon: true,
        concurrency: 1,
        store: Some(store.clone()),
        ..Options::default()
    })
    .await;
    let client = &harness.client;
    let odoo = odoo(&harness).await;
    let first = client
        .backup_start(TenantParam::Id(harness.company(0)), None)
        .await
        .unwrap();
    let second = client
        .backup_start(TenantParam::Id(harness.company(1)), None)
        .await
        .unwrap();

    // One runs (held at the store), the other waits for the only slot.
    let running = mirrored_as(&odoo, &first.backup_id, "running").await;
    assert_eq!(running["company_id"][0], json!(harness.company(0)));
    assert_eq!(running["origin"], json!("manual"));
    assert_eq!(running["job_id"], json!(first.job_id));
    let pending = mirrored_as(&odoo, &second.backup_id, "pending").await;
    assert_eq!(pending["company_id"][0], json!(harness.company(1)));

    store.open();
    store.open();
    let job = harness.wait(&first.job_id).await;
    assert_eq!(job.state, JobState::Done, "{job:?}");
    harness.wait(&second.job_id).await;
    let reported = client.backup_get(first.backup_id.clone()).await.unwrap();
    let done = mirrored_as(&odoo, &first.backup_id, "done").await;
    assert_eq!(done["size"], json!(reported.size_bytes as f64));
    assert!(reported.size_bytes > 0);
    assert_eq!(done["records"], json!(reported.records));
    assert!(reported.records > 0);
    let duration = done["duration"].as_f64().unwrap();
    // Seconds, kept to the hundredth (the field's digits).
    let expected = (reported.duration_ms.unwrap() as f64 / 10.0).round() / 100.0;
    assert!(
        (duration - expected).abs() < 1e-9,
        "{duration} vs {expected}"
    );
    assert_eq!(done["file_name"], json!(reported.file_name));
    assert_eq!(done["error"], json!(false));
    assert!(done["created_at"].as_str().is_some(), "{done:?}");
    // How the backup read the tenant, as backup.get says it.
    let read: Value = serde_json::from_str(done["read_json"].as_str().expect("read_json")).unwrap();
    assert_eq!(read, serde_json::to_value(&reported.read).unwrap());
    assert_eq!(read["kind"], json!("full"));
    mirrored_as(&odoo, &second.backup_id, "done").await;

    // Deleting the backup deletes its mirror.
    client.backup_delete(first.backup_id.clone()).await.unwrap();
    assert!(mirrored(&odoo, &first.backup_id).await.is_none());
    support::forget_mirrors(harness.odoo.clone(), vec![second.backup_id.clone()])
        .await
        .expect("remove the test's mirror");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_backup_is_mirrored_as_failed_with_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = GatedStore::new(dir.path(), true);
    let harness = Harness::start(Options {
        backup_addon: true,
        store: Some(store.clone()),
        ..Options::default()
    })
    .await;
    let client = &harness.client;
    let odoo = odoo(&harness).await;
    let started = client
        .backup_start(TenantParam::Id(harness.company(0)), None)
        .await
        .unwrap();
    mirrored_as(&odoo, &started.backup_id, "running").await;
    store.open();
    let job = harness.wait(&started.job_id).await;
    assert_eq!(job.state, JobState::Failed, "{job:?}");
    let failed = mirrored_as(&odoo, &started.backup_id, "failed").await;
    let error = failed["error"].as_str().expect("the error is mirrored");
    assert!(error.contains("the disk is full"), "{error}");
    let reported = client.backup_get(started.backup_id.clone()).await.unwrap();
    assert_eq!(
        Some(error),
        reported.error.as_ref().map(|e| e.message.as_str())
    );
    support::forget_mirrors(harness.odoo.clone(), vec![started.backup_id.clone()])
        .await
        .expect("remove the test's mirror");
}

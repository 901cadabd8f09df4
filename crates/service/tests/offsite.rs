//! Offsite copies against a real Garage (S3-compatible) server: every backup copied to the
//! bucket, listed and restored by a sidecar with an empty disk, a copy interrupted by Garage's
//! death and made once it is back, a wrong key named at start, deletion and retention removing
//! every copy, and a damaged local copy served from the bucket. Against the simulator, or the
//! real Odoo named by `ODOO_URL` (tests/live).

#[path = "support/garage.rs"]
mod garage;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use backup_service::{
    Backup, BackupApiClient, BackupStatus, CopyStatus, JobResult, JobState, ScheduleRecord,
    ServiceBuilder, StartError, TenantParam,
};
use futures::TryStreamExt;
use garage::Garage;
use jsonrpsee::http_client::HttpClient;
use object_store::{ObjectStore, ObjectStoreExt};
use odoo_client::{Domain, SearchOptions};
use support::{Harness, Options};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const STORE: &str = "offsite";

/// Every object in the bucket, with its size.
async fn objects(garage: &Garage) -> Vec<(String, u64)> {
    let client = garage::client(&garage.endpoint);
    let mut listed: Vec<(String, u64)> = client
        .list(None)
        .map_ok(|object| (object.location.to_string(), object.size))
        .try_collect()
        .await
        .unwrap();
    listed.sort();
    listed
}

/// Waits until the backup's copy in the bucket is `status`; the backup as it then is.
async fn wait_for_copy(client: &HttpClient, backup_id: &str, status: CopyStatus) -> Backup {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let backup = client.backup_get(backup_id.to_owned()).await.unwrap();
        if backup
            .copies
            .iter()
            .any(|copy| copy.store == STORE && copy.status == status)
        {
            return backup;
        }
        assert!(
            Instant::now() < deadline,
            "the copy never became {status:?}: {:?}",
            backup.copies
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn backup_done(harness: &Harness, tenant: usize, schedule: Option<i64>) -> String {
    let started = harness
        .client
        .backup_start(TenantParam::Id(harness.company(tenant)), schedule)
        .await
        .unwrap();
    let job = harness.wait(&started.job_id).await;
    assert_eq!(job.state, JobState::Done, "{job:?}");
    started.backup_id
}

/// Restores `backup_id` into tenant 1 (a dry run or not) and checks it ends done, having read
/// the bucket's copy because the local one would not do.
async fn restored_from_the_bucket(harness: &Harness, backup_id: &str, dry_run: bool) {
    let started = harness
        .client
        .restore_start(
            backup_id.to_owned(),
            TenantParam::Id(harness.company(1)),
            Some(dry_run),
            Some(false),
            Some(false),
        )
        .await
        .unwrap();
    let job = harness.wait(&started.job_id).await;
    assert_eq!(job.state, JobState::Done, "{job:?}");
    let Some(JobResult::Restore(report)) = job.result else {
        panic!("no restore report: {job:?}")
    };
    assert_eq!(report.archive_store.as_deref(), Some(STORE));
    assert!(
        report
            .fallback
            .as_deref()
            .is_some_and(|why| why.starts_with("local:")),
        "{:?}",
        report.fallback
    );
}

async fn sidecar_with_bucket(garage: &Garage) -> Harness {
    Harness::start(Options {
        buckets: vec![garage.settings(STORE, &garage.endpoint)],
        ..Options::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_is_copied_and_a_sidecar_on_an_empty_disk_lists_verifies_and_restores_it() {
    let garage = Garage::start();
    let first = sidecar_with_bucket(&garage).await;
    // The tenant the restore tests use (on a real Odoo, one made for them).
    let backup_id = backup_done(&first, 1, None).await;
    let made = wait_for_copy(&first.client, &backup_id, CopyStatus::Stored).await;
    let local = made
        .copies
        .iter()
        .find(|copy| copy.store == "local")
        .unwrap();
    assert_eq!(local.status, CopyStatus::Stored);
    let keys: Vec<String> = objects(&garage)
        .await
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    assert_eq!(
        keys,
        vec![
            format!("sidecar/{backup_id}/backup.json"),
            format!("sidecar/{backup_id}/{}", made.file_name),
        ]
    );

    // The sidecar's host is lost: a new one, same keys and bucket, nothing on its disk.
    let fresh = Harness::start(Options {
        buckets: vec![garage.settings(STORE, &garage.endpoint)],
        keys_dir: Some(first.dir.path().join("keys")),
        ..Options::default()
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let listed = loop {
        let backups = fresh.client.backup_list(None).await.unwrap().backups;
        if let Some(backup) = backups.into_iter().find(|b| b.backup_id == backup_id) {
            break backup;
        }
        assert!(
            Instant::now() < deadline,
            "the bucket's backup is never listed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(listed.tenant, made.tenant);
    assert_eq!(listed.created_at, made.created_at);
    assert_eq!(listed.size_bytes, made.size_bytes);
    assert_eq!(listed.records, made.records);
    assert_eq!(listed.origin, made.origin);
    assert_eq!(listed.status, BackupStatus::Done);
    let statuses: Vec<(String, CopyStatus)> = listed
        .copies
        .iter()
        .map(|copy| (copy.store.clone(), copy.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("local".to_owned(), CopyStatus::Missing),
            (STORE.to_owned(), CopyStatus::Stored)
        ]
    );

    let verified = fresh
        .client
        .backup_verify(backup_id.clone(), None)
        .await
        .unwrap();
    assert!(verified.ok, "{verified:?}");
    assert_eq!(verified.store.as_deref(), Some(STORE));

    let download = reqwest::Client::new()
        .get(format!("{}/backups/{backup_id}/download", fresh.url))
        .bearer_auth(support::TOKEN)
        .send()
        .await
        .unwrap();
    assert!(download.status().is_success(), "{}", download.status());
    assert!(download.bytes().await.unwrap().starts_with(b"PK"));

    restored_from_the_bucket(&fresh, &backup_id, false).await;
}

/// A relay to Garage that passes what the sidecar sends at `bytes_per_second` and counts it,
/// so that a test can kill Garage in the middle of an upload; [`SlowRelay::open_up`] lets the
/// rest through at full speed.
struct SlowRelay {
    endpoint: String,
    forwarded: Arc<AtomicU64>,
    /// Bytes per second; 0: unthrottled.
    rate: Arc<AtomicU64>,
    _task: tokio::task::JoinHandle<()>,
}

impl SlowRelay {
    async fn open(upstream: &str, bytes_per_second: u64) -> SlowRelay {
        let target = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let forwarded = Arc::new(AtomicU64::new(0));
        let counted = forwarded.clone();
        let rate = Arc::new(AtomicU64::new(bytes_per_second));
        let current_rate = rate.clone();
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let target = target.clone();
                let counted = counted.clone();
                let current_rate = current_rate.clone();
                tokio::spawn(async move {
                    let Ok(outbound) = TcpStream::connect(&target).await else {
                        return;
                    };
                    let (mut in_read, mut in_write) = inbound.into_split();
                    let (mut out_read, mut out_write) = outbound.into_split();
                    let upload = async {
                        let mut buffer = vec![0u8; 1024];
                        loop {
                            let read = in_read.read(&mut buffer).await.unwrap_or(0);
                            if read == 0 || out_write.write_all(&buffer[..read]).await.is_err() {
                                break;
                            }
                            counted.fetch_add(read as u64, Ordering::SeqCst);
                            let rate = current_rate.load(Ordering::SeqCst);
                            if rate > 0 {
                                let pause = read as f64 / rate as f64;
                                tokio::time::sleep(Duration::from_secs_f64(pause)).await;
                            }
                        }
                        let _ = out_write.shutdown().await;
                    };
                    let answers = tokio::io::copy(&mut out_read, &mut in_write);
                    let _ = tokio::join!(upload, answers);
                });
            }
        });
        SlowRelay {
            endpoint,
            forwarded,
            rate,
            _task: task,
        }
    }

    /// What is sent from now on goes through at full speed.
    fn open_up(&self) {
        self.rate.store(0, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garage_killed_during_an_upload_leaves_the_backup_done_and_the_copy_made_once_it_is_back() {
    let mut garage = Garage::start();
    let relay = SlowRelay::open(&garage.endpoint, 4 * 1024).await;
    let sink = support::SmtpSink::start();
    // Parts far smaller than S3 allows (Garage takes them), so that a small tenant's archive
    // goes up as a multipart upload of several parts.
    let mut settings = garage.settings(STORE, &relay.endpoint);
    settings.part_size = 8 * 1024;
    let harness = Harness::start(Options {
        buckets: vec![settings],
        smtp: Some(sink.settings(Some("admin@example.com"))),
        ..Options::default()
    })
    .await;
    let backup_id = backup_done(&harness, 0, None).await;
    let size = harness
        .client
        .backup_get(backup_id.clone())
        .await
        .unwrap()
        .size_bytes;
    assert!(
        size > 3 * 8 * 1024,
        "the archive is too small for several parts: {size}"
    );

    // Killed once a part of the archive went out, long before all of it did.
    let deadline = Instant::now() + Duration::from_secs(60);
    while relay.forwarded.load(Ordering::SeqCst) < 4_000 {
        assert!(Instant::now() < deadline, "the upload never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        relay.forwarded.load(Ordering::SeqCst) < size / 2,
        "the upload went too far before Garage was killed"
    );
    garage.kill_9();
    let failed = wait_for_copy(&harness.client, &backup_id, CopyStatus::Failed).await;
    assert_eq!(
        failed.status,
        BackupStatus::Done,
        "a failed copy never fails the backup"
    );
    let copy = failed
        .copies
        .iter()
        .find(|copy| copy.store == STORE)
        .unwrap();
    assert!(
        copy.error
            .as_deref()
            .is_some_and(|error| error.contains(STORE)),
        "{copy:?}"
    );
    assert!(copy.next_attempt_at.is_some());
    let metrics = reqwest::Client::new()
        .get(format!("{}/metrics", harness.url))
        .bearer_auth(support::TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.lines().any(|line| line
            .starts_with("backupd_copy_failures_total{store=\"offsite\"}")
            && !line.ends_with(" 0")),
        "{metrics}"
    );

    let health = harness.client.health().await.unwrap();
    assert_eq!(health.status, "degraded");
    let store = &health.stores.expect("the bucket's health")[0];
    assert!(!store.reachable, "{store:?}");
    assert!(
        store
            .error
            .as_deref()
            .is_some_and(|error| error.contains("does not answer")),
        "{store:?}"
    );
    assert_eq!(store.copies_waiting, 1);

    // The backup's notice, then the copy's, once.
    let mails = sink.wait_for(2);
    let subjects: Vec<String> = mails
        .iter()
        .map(|(_, raw)| support::mail_subject(raw))
        .collect();
    assert!(
        subjects
            .iter()
            .any(|subject| subject.starts_with("Copie hors site") && subject.contains("(offsite)")),
        "{subjects:?}"
    );

    garage.restart();
    relay.open_up();
    assert!(
        objects(&garage).await.is_empty(),
        "an interrupted upload leaves no object behind"
    );
    let stored = wait_for_copy(&harness.client, &backup_id, CopyStatus::Stored).await;
    let copy = stored
        .copies
        .iter()
        .find(|copy| copy.store == STORE)
        .unwrap();
    assert!(copy.attempts >= 2, "{copy:?}");
    let archive_key = format!("sidecar/{backup_id}/{}", stored.file_name);
    assert!(
        objects(&garage)
            .await
            .contains(&(archive_key, stored.size_bytes)),
        "the whole archive is in the bucket"
    );
    let verified = harness
        .client
        .backup_verify(backup_id, Some(STORE.into()))
        .await
        .unwrap();
    assert!(verified.ok, "{verified:?}");
    assert_eq!(
        sink.wait_for(0).len(),
        2,
        "one mail per failed copy, not one per attempt"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scrub_finds_a_copy_damaged_in_the_bucket_and_makes_it_again() {
    let garage = Garage::start();
    let harness = Harness::start(Options {
        buckets: vec![garage.settings(STORE, &garage.endpoint)],
        adjust: Some(|config| config.scrub_every = Some(Duration::from_secs(2))),
        ..Options::default()
    })
    .await;
    let backup_id = backup_done(&harness, 0, None).await;
    let stored = wait_for_copy(&harness.client, &backup_id, CopyStatus::Stored).await;

    // Bytes of the bucket's copy change behind the sidecar's back.
    let key = object_store::path::Path::from(format!("sidecar/{backup_id}/{}", stored.file_name));
    let client = garage::client(&garage.endpoint);
    let mut bytes = client
        .get(&key)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    client.put(&key, bytes.into()).await.unwrap();

    // Found at the next scrub, counted as a failed copy, and made again from the local copy.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let backup = harness.client.backup_get(backup_id.clone()).await.unwrap();
        let copy = backup
            .copies
            .iter()
            .find(|copy| copy.store == STORE)
            .unwrap();
        if copy.attempts == 2 && copy.status == CopyStatus::Stored {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the damaged copy was never made again: {copy:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let metrics = reqwest::Client::new()
        .get(format!("{}/metrics", harness.url))
        .bearer_auth(support::TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("backupd_copy_failures_total{store=\"offsite\"} 1"),
        "{metrics}"
    );
    let verified = harness
        .client
        .backup_verify(backup_id, Some(STORE.into()))
        .await
        .unwrap();
    assert!(verified.ok, "the copy was made again: {verified:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_addon_s_backup_record_shows_the_copy_in_the_bucket() {
    let garage = Garage::start();
    let harness = Harness::start(Options {
        buckets: vec![garage.settings(STORE, &garage.endpoint)],
        backup_addon: true,
        ..Options::default()
    })
    .await;
    let backup_id = backup_done(&harness, 0, None).await;
    wait_for_copy(&harness.client, &backup_id, CopyStatus::Stored).await;
    let odoo = harness.odoo_client().await;
    let fields = ["copies_json".to_owned(), "copies_status".to_owned()];
    let deadline = Instant::now() + Duration::from_secs(30);
    let row = loop {
        let rows = odoo
            .search_read(
                "quelyos.backup",
                &Domain::leaf("backup_id", "=", backup_id.as_str()),
                &fields,
                &SearchOptions::default(),
            )
            .await
            .unwrap();
        let copies = rows
            .first()
            .and_then(|row| row["copies_json"].as_str())
            .unwrap_or("");
        if copies.contains(r#""store":"offsite","status":"stored""#) {
            break rows[0].clone();
        }
        assert!(
            Instant::now() < deadline,
            "the mirror never showed the stored copy: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    if harness.is_live() {
        // Odoo computes the summary; the simulator keeps no compute of the addon's.
        assert_eq!(row["copies_status"], "stored");
    }
    support::forget_mirrors(harness.odoo.clone(), vec![backup_id])
        .await
        .expect("remove the test's mirror");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_being_copied_is_not_deleted_under_the_copy() {
    let garage = Garage::start();
    let relay = SlowRelay::open(&garage.endpoint, 4 * 1024).await;
    let harness = Harness::start(Options {
        buckets: vec![garage.settings(STORE, &relay.endpoint)],
        ..Options::default()
    })
    .await;
    let backup_id = backup_done(&harness, 0, None).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while relay.forwarded.load(Ordering::SeqCst) < 4_000 {
        assert!(Instant::now() < deadline, "the upload never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused = harness
        .client
        .backup_delete(backup_id.clone())
        .await
        .expect_err("a backup deleted while its copy goes up");
    assert!(refused.to_string().contains("being copied"), "{refused}");
    relay.open_up();
    wait_for_copy(&harness.client, &backup_id, CopyStatus::Stored).await;
    harness
        .client
        .backup_delete(backup_id.clone())
        .await
        .unwrap();
    assert!(
        !objects(&garage)
            .await
            .iter()
            .any(|(key, _)| key.contains(&backup_id)),
        "no copy is left behind"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_key_stops_the_start_and_names_the_store_without_the_secret() {
    let garage = Garage::start();
    let dir = tempfile::tempdir().unwrap();
    let odoo = support::OdooUnderTest::start(&Options::default().tenants, Default::default()).await;
    let mut config = support::service_config(odoo.config.clone(), dir.path(), 1, None);
    let mut settings = garage.settings(STORE, &garage.endpoint);
    let wrong = "f".repeat(64);
    settings.secret_access_key = odoo_client::Secret::new(wrong.clone());
    config.buckets = vec![settings];
    let Err(error) = ServiceBuilder::new(config).start().await else {
        panic!("a sidecar with a wrong key started")
    };
    assert!(matches!(error, StartError::Store(_)), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("\"offsite\""), "{message}");
    assert!(message.contains("refused the credentials"), "{message}");
    assert!(!message.contains(&wrong), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_backup_and_retention_remove_every_copy() {
    let garage = Garage::start();
    let harness = sidecar_with_bucket(&garage).await;
    let company = harness.company(1);
    let manual = backup_done(&harness, 1, None).await;
    wait_for_copy(&harness.client, &manual, CopyStatus::Stored).await;
    harness.client.backup_delete(manual.clone()).await.unwrap();
    assert!(
        !objects(&garage)
            .await
            .iter()
            .any(|(key, _)| key.contains(&manual)),
        "the deleted backup's objects are gone"
    );

    let mut schedule = ScheduleRecord::daily(7, company, 3, 0);
    schedule.retention_count = 1;
    harness.schedules.insert(schedule);
    let older = backup_done(&harness, 1, Some(7)).await;
    wait_for_copy(&harness.client, &older, CopyStatus::Stored).await;
    // Backups are named to the second.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let newer = backup_done(&harness, 1, Some(7)).await;
    wait_for_copy(&harness.client, &newer, CopyStatus::Stored).await;
    let keys: Vec<String> = objects(&garage)
        .await
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    assert!(
        !keys.iter().any(|key| key.contains(&older)),
        "retention deleted the bucket's copy too: {keys:?}"
    );
    assert!(keys.iter().any(|key| key.contains(&newer)), "{keys:?}");
    assert!(!harness.store_dir().join(&older).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_local_copy_is_refused_and_the_restore_reads_the_bucket_copy() {
    let garage = Garage::start();
    let harness = sidecar_with_bucket(&garage).await;
    let backup_id = backup_done(&harness, 1, None).await;
    let backup = wait_for_copy(&harness.client, &backup_id, CopyStatus::Stored).await;

    // A few bytes flipped in the middle of the local archive.
    let path = harness.store_dir().join(&backup_id).join(&backup.file_name);
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    for byte in &mut bytes[middle..middle + 16] {
        *byte ^= 0xff;
    }
    std::fs::write(&path, bytes).unwrap();

    let local = harness
        .client
        .backup_verify(backup_id.clone(), Some("local".into()))
        .await
        .unwrap();
    assert!(!local.ok, "the damaged local copy passes its checks");
    // Two reads of the bucket's copy at once (a scrub and a verify, say) each get theirs.
    let (offsite, again) = tokio::join!(
        harness
            .client
            .backup_verify(backup_id.clone(), Some(STORE.into())),
        harness
            .client
            .backup_verify(backup_id.clone(), Some(STORE.into())),
    );
    let (offsite, again) = (offsite.unwrap(), again.unwrap());
    assert!(offsite.ok && again.ok, "{offsite:?} {again:?}");

    restored_from_the_bucket(&harness, &backup_id, true).await;
}

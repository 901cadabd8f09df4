//! Every method of the API over real HTTP, against the simulator (or the real Odoo named by
//! `ODOO_URL`, through tests/live): backups, download, verify, restore, delete, per-tenant
//! exclusion, error codes.

mod support;

use std::time::Duration;

use backup_service::{
    BackupApiClient, BackupStatus, JobKind, JobResult, JobState, Origin, TenantParam, codes,
    error_code,
};
use odoo_client::{Context, Domain, OdooClient, SearchOptions};
use serde_json::json;
use support::{Harness, Options, TOKEN};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_runs_in_the_background_and_is_listed_described_verified_and_downloaded() {
    let harness = Harness::start(Options::default()).await;
    let client = &harness.client;

    let health = client.health().await.unwrap();
    assert_eq!(health.status, "ok", "{health:?}");
    assert!(health.odoo.reachable);
    assert!(health.odoo.server_version.is_some(), "{health:?}");
    // The simulator is an Odoo 18: no JSON-2, and the password opens a web session, the
    // fastest way. A real Odoo is reached the way the suite is told to, or as detected.
    let told = std::env::var("ODOO_PROTOCOL")
        .ok()
        .filter(|name| !name.is_empty());
    match told {
        Some(protocol) => assert_eq!(health.odoo.protocol, Some(protocol)),
        None if !harness.odoo_under_test.is_live() => {
            assert_eq!(health.odoo.protocol.as_deref(), Some("web-session"));
        }
        None => assert!(health.odoo.protocol.is_some(), "{health:?}"),
    }
    let addon_installed = harness.odoo_under_test.has_backup_addon().await;
    let addon = health.addon.as_ref().expect("the token shows the addon");
    assert_eq!(addon.installed, Some(addon_installed), "{health:?}");

    // The tenant is named by its code, as the list gives it.
    let tenants = client.tenants_list().await.unwrap().tenants;
    let tenant = tenants
        .iter()
        .find(|tenant| tenant.company_id == harness.company(0))
        .unwrap_or_else(|| panic!("{} is listed: {tenants:?}", harness.tenants[0].name));
    assert_eq!(tenant.name, harness.tenants[0].name);
    let code = tenant.code.clone();
    assert!(
        !code.is_empty()
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "{code}"
    );

    let started = client
        .backup_start(TenantParam::Code(code.clone()), None)
        .await
        .unwrap();
    assert!(started.job_id.starts_with("j-"));
    assert!(
        started.backup_id.contains(&format!("-{code}-")),
        "{}",
        started.backup_id
    );
    let job = harness.wait(&started.job_id).await;
    assert_eq!(job.state, JobState::Done, "{job:?}");
    assert_eq!(job.kind, JobKind::Backup);
    assert!(
        job.records_total > 0 && job.records_done == job.records_total,
        "{job:?}"
    );
    assert!(job.started_at.is_some() && job.finished_at.is_some());
    let Some(JobResult::Backup(result)) = job.result else {
        panic!("a backup job's result is its backup: {job:?}");
    };
    assert_eq!(result.backup_id, started.backup_id);
    assert_eq!(result.status, BackupStatus::Done);

    let listed = client.backup_list(None).await.unwrap().backups;
    assert_eq!(listed.len(), 1);
    let backup = &listed[0];
    assert_eq!(backup.status, BackupStatus::Done);
    assert_eq!(backup.origin, Origin::Manual);
    assert!(backup.size_bytes > 0 && backup.records > 0 && backup.duration_ms.is_some());
    // Stored encrypted to the sidecar's key and signed by it.
    assert!(
        backup.file_name.starts_with(&format!("backup_{code}_"))
            && backup.file_name.ends_with(".zip.age"),
        "{}",
        backup.file_name
    );
    let keys = support::sidecar_keys(&harness.dir.path().join("keys"));
    assert_eq!(backup.protection.recipients, keys.recipient_names());
    assert_eq!(backup.protection.signed_by, keys.protection().signed_by);
    assert!(backup.models.is_none(), "the list leaves the models out");
    let of_mode = client
        .backup_list(Some(TenantParam::Id(harness.company(1))))
        .await
        .unwrap();
    assert!(of_mode.backups.is_empty());

    let described = client.backup_get(started.backup_id.clone()).await.unwrap();
    let models = described.models.expect("backup.get gives the models");
    assert!(
        models.get("res.partner").copied().unwrap_or(0) > 0,
        "{models:?}"
    );
    assert_eq!(models.values().sum::<u64>(), described.records);

    let verified = client
        .backup_verify(started.backup_id.clone(), None)
        .await
        .unwrap();
    assert!(verified.ok, "{verified:?}");
    assert!(
        verified
            .signature
            .as_ref()
            .is_some_and(|signature| signature.is_trusted()),
        "{verified:?}"
    );
    assert_eq!(
        verified.opened_with,
        keys.recipient_names().first().cloned()
    );

    // The download is the user guide's ZIP, decrypted as it streams; `unzip -t` accepts it.
    let response = download(&harness, reqwest::Method::GET, &started.backup_id, "").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let zip_name = backup.file_name.strip_suffix(".age").unwrap();
    assert_eq!(
        response.headers()["content-disposition"],
        format!("attachment; filename=\"{zip_name}\"").as_str()
    );
    let length: u64 = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let bytes = response.bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, length);
    // HEAD gives the same headers and no body.
    let head = download(&harness, reqwest::Method::HEAD, &started.backup_id, "").await;
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["content-length"],
        length.to_string().as_str()
    );
    assert!(head.bytes().await.unwrap().is_empty());
    let downloaded = harness.dir.path().join(zip_name);
    std::fs::write(&downloaded, &bytes).unwrap();
    let unzip = std::process::Command::new("unzip")
        .arg("-t")
        .arg(&downloaded)
        .output()
        .expect("unzip is installed (tests/run installs it)");
    assert!(
        unzip.status.success(),
        "unzip -t refused the download: {}",
        String::from_utf8_lossy(&unzip.stdout)
    );
    let sound = backup_engine::verify_with(&downloaded, &keys, Default::default())
        .expect("the download is a sound archive");
    assert!(sound.signature.is_trusted(), "{:?}", sound.signature);

    // As stored, on request: the encrypted file, which the standard `age` tool opens.
    let stored = download(
        &harness,
        reqwest::Method::GET,
        &started.backup_id,
        "?encrypted=true",
    )
    .await;
    assert_eq!(stored.status(), 200);
    let stored = stored.bytes().await.unwrap();
    assert_eq!(stored.len() as u64, backup.size_bytes);
    assert!(stored.starts_with(b"age-encryption.org/v1\n"));
    let stored_path = harness.dir.path().join(&backup.file_name);
    std::fs::write(&stored_path, &stored).unwrap();
    let age = std::process::Command::new("age")
        .arg("--decrypt")
        .arg("-i")
        .arg(harness.dir.path().join("keys/age.key"))
        .arg(&stored_path)
        .output()
        .expect("age is installed (tests/run installs it)");
    assert!(
        age.status.success(),
        "{}",
        String::from_utf8_lossy(&age.stderr)
    );
    assert_eq!(
        age.stdout, bytes,
        "age decrypts the stored file to the downloaded ZIP"
    );

    let metrics = reqwest::Client::new()
        .get(format!("{}/metrics", harness.url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("backupd_jobs{kind=\"backup\",state=\"done\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!(
            "backupd_last_success_timestamp_seconds{{tenant=\"{code}\"}}"
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains("backupd_archive_size_bytes_count 1"),
        "{metrics}"
    );

    let deleted = client
        .backup_delete(started.backup_id.clone())
        .await
        .unwrap();
    assert!(deleted.deleted);
    let error = client
        .backup_get(started.backup_id.clone())
        .await
        .unwrap_err();
    assert_eq!(error_code(&error), Some(codes::UNKNOWN_BACKUP), "{error}");
    assert!(!harness.store_dir().join(&started.backup_id).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_dry_run_plans_and_a_restore_brings_back_a_deleted_record_after_a_safety_backup()
{
    let harness = Harness::start(Options::default()).await;
    let client = &harness.client;
    let company = harness.company(1);
    let odoo = harness
        .odoo_client()
        .await
        .with_context(Context::company(company).with_archived());
    // A partner of the tenant's own, so that the test never deletes data it did not make.
    let name = suite::unique_name("Client perdu");
    let mut values = serde_json::Map::new();
    values.insert("name".into(), json!(name));
    values.insert("company_id".into(), json!(company));
    values.insert("email".into(), json!("perdu@example.com"));
    let created = odoo.create("res.partner", vec![values]).await.unwrap()[0];
    let named = |odoo: &OdooClient| {
        let odoo = odoo.clone();
        let name = name.clone();
        async move {
            odoo.search(
                "res.partner",
                &Domain::leaf("name", "=", name),
                &SearchOptions::default(),
            )
            .await
            .unwrap()
        }
    };
    let started = client
        .backup_start(TenantParam::Id(company), None)
        .await
        .unwrap();
    assert_eq!(harness.wait(&started.job_id).await.state, JobState::Done);

    // Damage the tenant: the partner disappears.
    odoo.unlink("res.partner", &[created]).await.unwrap();

    let dry_run = client
        .restore_start(
            started.backup_id.clone(),
            TenantParam::Id(company),
            Some(true),
            Some(false),
            Some(false),
        )
        .await
        .unwrap();
    let job = harness.wait(&dry_run.job_id).await;
    assert_eq!(job.state, JobState::Done, "{job:?}");
    let Some(JobResult::Restore(report)) = job.result else {
        panic!("a restore job's result is its report: {job:?}");
    };
    assert!(report.dry_run);
    let partners = report
        .models
        .iter()
        .find(|line| line.model == "res.partner")
        .expect("res.partner is in the plan");
    assert_eq!(partners.created, 1, "{report:?}");
    assert!(named(&odoo).await.is_empty(), "a dry run writes nothing");

    let restore = client
        .restore_start(
            started.backup_id.clone(),
            TenantParam::Id(company),
            Some(false),
            Some(true),
            Some(false),
        )
        .await
        .unwrap();
    let job = harness.wait(&restore.job_id).await;
    assert!(
        matches!(job.state, JobState::Done | JobState::Partial),
        "{job:?}"
    );
    let Some(JobResult::Restore(report)) = job.result else {
        panic!("a restore job's result is its report: {job:?}");
    };
    let safety_backup_id = report.safety_backup_id.expect("a safety backup was taken");
    let back = named(&odoo).await;
    assert_eq!(back.len(), 1, "the restore re-created {name} once");
    let restored = odoo
        .read(
            "res.partner",
            &back,
            &["email".to_owned(), "company_id".to_owned()],
        )
        .await
        .unwrap();
    assert_eq!(restored[0]["email"], "perdu@example.com");
    assert_eq!(restored[0]["company_id"][0], company);
    odoo.unlink("res.partner", &back).await.unwrap();

    let safety = client.backup_get(safety_backup_id).await.unwrap();
    assert_eq!(safety.origin, Origin::Safety);
    assert_eq!(safety.status, BackupStatus::Done);
    assert_eq!(safety.tenant.company_id, company);
    // Regression: safety backups were listed with no duration (shown as 0 s in Odoo).
    assert!(
        safety.duration_ms.is_some(),
        "a finished safety backup has a duration: {safety:?}"
    );
    assert!(
        client
            .backup_verify(safety.backup_id.clone(), None)
            .await
            .unwrap()
            .ok
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_carry_the_documented_codes() {
    let harness = Harness::start(Options::default()).await;
    let client = &harness.client;
    let code = |result: Result<_, jsonrpsee::core::ClientError>| {
        error_code(&result.expect_err("an error"))
    };

    assert_eq!(
        code(
            client
                .backup_start(TenantParam::Code("no-such-shop".into()), None)
                .await
                .map(|_| ())
        ),
        Some(codes::UNKNOWN_TENANT)
    );
    assert_eq!(
        code(
            client
                .backup_start(TenantParam::Id(harness.company(0)), Some(99))
                .await
                .map(|_| ())
        ),
        Some(codes::UNKNOWN_SCHEDULE)
    );
    assert_eq!(
        code(client.job_get("j-nope".into()).await.map(|_| ())),
        Some(codes::UNKNOWN_JOB)
    );
    assert_eq!(
        code(
            client
                .backup_get("../../etc/passwd".into())
                .await
                .map(|_| ())
        ),
        Some(codes::UNKNOWN_BACKUP)
    );
    assert_eq!(
        code(
            client
                .backup_verify("20260101T000000Z-x-000000".into(), None)
                .await
                .map(|_| ())
        ),
        Some(codes::UNKNOWN_BACKUP)
    );
    assert_eq!(
        code(client.schedules_next_run(42).await.map(|_| ())),
        Some(codes::UNKNOWN_SCHEDULE)
    );

    // A backup restored into another tenant is refused before any job starts.
    let started = client
        .backup_start(TenantParam::Id(harness.company(0)), None)
        .await
        .unwrap();
    harness.wait(&started.job_id).await;
    assert_eq!(
        code(
            client
                .restore_start(
                    started.backup_id.clone(),
                    TenantParam::Id(harness.company(1)),
                    Some(true),
                    Some(true),
                    Some(false)
                )
                .await
                .map(|_| ())
        ),
        Some(codes::ARCHIVE_OTHER_TENANT)
    );

    // Named parameters that do not fit get 1002 with the parameter's name.
    let raw = reqwest::Client::new()
        .post(&harness.url)
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "job.get", "params": {"job": "x"}}))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(raw["error"]["code"], codes::INVALID_PARAMS, "{raw}");
    assert!(
        raw["error"]["message"].as_str().unwrap().contains("job_id"),
        "{raw}"
    );

    // A download of an unknown backup is a 404 with the same code.
    let response = reqwest::Client::new()
        .get(format!("{}/backups/nope/download", harness.url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], codes::UNKNOWN_BACKUP);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backups_of_one_tenant_never_overlap_and_other_tenants_run_in_parallel_within_the_limit() {
    let harness = Harness::start(Options {
        tenants: vec![
            ("Boutique Sport", odoo_sim::datasets::TenantSize::Small),
            ("Marque Mode", odoo_sim::datasets::TenantSize::Small),
            ("Admin Quelyos", odoo_sim::datasets::TenantSize::Small),
        ],
        concurrency: 2,
        ..Options::default()
    })
    .await;
    let client = &harness.client;
    // Four triggers of the same tenant and one of each other, all at once.
    let mut triggers = Vec::new();
    for index in [0, 0, 0, 0, 1, 2] {
        let client = client.clone();
        let company = harness.company(index);
        triggers.push(tokio::spawn(async move {
            client
                .backup_start(TenantParam::Id(company), None)
                .await
                .unwrap()
        }));
    }
    let mut started = Vec::new();
    for trigger in triggers {
        started.push(trigger.await.unwrap());
    }
    // A start while the tenant's backup is queued or running answers that backup.
    let mut job_ids: Vec<_> = started.iter().map(|s| s.job_id.clone()).collect();
    job_ids.sort();
    job_ids.dedup();
    let repeated = started.iter().filter(|s| s.already_started).count();
    assert_eq!(job_ids.len() + repeated, started.len(), "{started:?}");
    let mut jobs = Vec::new();
    for job_id in &job_ids {
        jobs.push(harness.wait(job_id).await);
    }
    assert!(
        jobs.iter().all(|job| job.state == JobState::Done),
        "nothing lost: {jobs:?}"
    );

    let intervals = |company: i64| {
        let mut spans: Vec<_> = jobs
            .iter()
            .filter(|job| job.tenant.company_id == company)
            .map(|job| (job.started_at.unwrap(), job.finished_at.unwrap()))
            .collect();
        spans.sort();
        spans
    };
    let same_tenant = intervals(harness.company(0));
    assert!((1..=4).contains(&same_tenant.len()), "{same_tenant:?}");
    for pair in same_tenant.windows(2) {
        assert!(
            pair[0].1 <= pair[1].0,
            "two backups of one tenant overlapped: {pair:?}"
        );
    }
    // Never more than the limit at once: at every start, count the jobs running.
    let all: Vec<_> = jobs
        .iter()
        .map(|job| (job.started_at.unwrap(), job.finished_at.unwrap()))
        .collect();
    for (start, _) in &all {
        let running = all.iter().filter(|(s, f)| s <= start && start < f).count();
        assert!(running <= 2, "{running} jobs ran at once");
    }
    let metrics = reqwest::Client::new()
        .get(format!("{}/metrics", harness.url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let max_line = metrics
        .lines()
        .find(|line| line.starts_with("backupd_jobs_running_max "))
        .unwrap();
    let max: usize = max_line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!((1..=2).contains(&max), "{max_line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_in_use_is_not_deleted_and_an_unfinished_one_is_not_downloaded() {
    let harness = Harness::start(Options::default()).await;
    let client = &harness.client;
    let started = client
        .backup_start(TenantParam::Id(harness.company(0)), None)
        .await
        .unwrap();
    // Queued or running: not downloadable yet, and not deletable.
    let early = reqwest::Client::new()
        .get(format!(
            "{}/backups/{}/download",
            harness.url, started.backup_id
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let job = harness.wait(&started.job_id).await;
    assert_eq!(job.state, JobState::Done);
    assert!(
        early.status() == 409 || early.status() == 200,
        "{}",
        early.status()
    );

    // A download in progress holds the backup: delete answers 3003 until it ends. The archive
    // is made large (64 MiB, more than the sockets buffer) so the download is still going while
    // the client reads nothing.
    let backup = client.backup_get(started.backup_id.clone()).await.unwrap();
    let archive = harness
        .store_dir()
        .join(&backup.backup_id)
        .join(&backup.file_name);
    std::fs::write(&archive, vec![0u8; 64 << 20]).unwrap();
    let mut download = reqwest::Client::new()
        .get(format!(
            "{}/backups/{}/download",
            harness.url, started.backup_id
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let _first_chunk = download.chunk().await.unwrap();
    let error = client
        .backup_delete(started.backup_id.clone())
        .await
        .unwrap_err();
    assert_eq!(error_code(&error), Some(codes::BACKUP_IN_USE), "{error}");
    drop(download);
    // The stream is dropped on the server side once the connection closes.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match client.backup_delete(started.backup_id.clone()).await {
            Ok(deleted) => {
                assert!(deleted.deleted);
                break;
            }
            Err(error) => {
                assert_eq!(error_code(&error), Some(codes::BACKUP_IN_USE));
                assert!(std::time::Instant::now() < deadline, "still in use");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// `GET` or `HEAD` of a backup's download, with the token, `query` appended.
async fn download(
    harness: &Harness,
    method: reqwest::Method,
    backup_id: &str,
    query: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .request(
            method,
            format!("{}/backups/{backup_id}/download{query}", harness.url),
        )
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
}

/// The tenant's next backup reads only what changed since its newest one in the store, and
/// `backup.get` says so; the backup it read from stays in use meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenants_next_backup_reads_only_what_changed_since_the_newest_one() {
    let harness = Harness::start(Options {
        // No margin before the previous backup's start: the simulated data was written a
        // second before it, not hours.
        adjust: Some(|config| config.backup.incremental.margin = chrono::Duration::zero()),
        ..Options::default()
    })
    .await;
    let client = &harness.client;
    let company = harness.company(0);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let first = client
        .backup_start(TenantParam::Id(company), None)
        .await
        .unwrap();
    assert_eq!(harness.wait(&first.job_id).await.state, JobState::Done);
    let first = client.backup_get(first.backup_id).await.unwrap();
    let read = first.read.expect("backup.get says how it was read");
    assert_eq!(read.kind, "full");
    assert!(read.full_read_reason.is_some());

    let second = client
        .backup_start(TenantParam::Id(company), None)
        .await
        .unwrap();
    assert_eq!(harness.wait(&second.job_id).await.state, JobState::Done);
    let second = client.backup_get(second.backup_id).await.unwrap();
    let read = second.read.expect("backup.get says how it was read");
    assert_eq!(read.kind, "incremental", "{read:?}");
    assert_eq!(
        read.previous_file_name.as_deref(),
        Some(first.file_name.as_str())
    );
    assert!(read.records_copied > 0, "{read:?}");
    assert_eq!(read.records_read + read.records_copied, second.records);
    assert_eq!(second.records, first.records);
}

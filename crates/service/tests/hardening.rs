//! What a careless caller and a hostile one meet first: parameters checked by name, bounded
//! batches and bodies, a cached `health` that tells strangers little, one backup per tenant at a
//! time under names that never collide, and a shutdown that keeps answering until its last job
//! ends.

mod support;

use std::time::Duration;

use backup_service::{BackupApiClient, JobState, TenantParam, codes, error_code};
use odoo_sim::datasets::TenantSize;
use serde_json::{Value, json};
use support::{Harness, Options, TOKEN, client};

/// One JSON-RPC call over plain HTTP, with or without the token; the parsed answer.
async fn raw_call(url: &str, token: Option<&str>, body: Value) -> Value {
    let mut request = reqwest::Client::new().post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

fn call(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_are_named_with_what_they_accept() {
    let harness = Harness::start(Options::default()).await;
    let url = &harness.url;
    let company = harness.company(0);

    // A wrong type names the parameter and what it takes, in words, not Rust's internals.
    let answer = raw_call(
        url,
        Some(TOKEN),
        call("backup.start", json!({"tenant": [company]})),
    )
    .await;
    assert_eq!(answer["error"]["code"], codes::INVALID_PARAMS, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("tenant") && message.contains("company id") && message.contains("code"),
        "{message}"
    );
    assert!(
        !message.contains("untagged") && !message.contains("line 1"),
        "{message}"
    );

    // An unknown parameter is refused with the list of the accepted ones.
    let answer = raw_call(
        url,
        Some(TOKEN),
        call("backup.list", json!({"tenat": company})),
    )
    .await;
    assert_eq!(answer["error"]["code"], codes::INVALID_PARAMS, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("tenat") && message.contains("tenant"),
        "{message}"
    );

    // `null` is not "the default": a caller who sent it meant something.
    let answer = raw_call(
        url,
        Some(TOKEN),
        call(
            "restore.start",
            json!({"backup_id": "x", "tenant": company, "dry_run": null}),
        ),
    )
    .await;
    assert_eq!(answer["error"]["code"], codes::INVALID_PARAMS, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("dry_run"),
        "{answer}"
    );

    // A tenant that does not exist has no backups to list: it is unknown, not empty.
    let error = harness
        .client
        .backup_list(Some(TenantParam::Code("no-such-shop".into())))
        .await
        .unwrap_err();
    assert_eq!(error_code(&error), Some(codes::UNKNOWN_TENANT), "{error}");
    // A real tenant without backups lists nothing, without error.
    let listed = harness
        .client
        .backup_list(Some(TenantParam::Id(company)))
        .await
        .unwrap();
    assert!(listed.backups.is_empty());

    // Strings from the network are not echoed back whole: a 100 kB tenant name is refused in
    // a few words.
    let huge = "x".repeat(100_000);
    let answer = raw_call(
        url,
        Some(TOKEN),
        call("backup.start", json!({"tenant": huge})),
    )
    .await;
    assert_eq!(
        answer["error"]["code"],
        codes::INVALID_PARAMS,
        "{}",
        &answer.to_string()[..200]
    );
    let length = answer["error"]["message"].as_str().unwrap().len();
    assert!(length < 1_000, "a {length}-byte message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_bounded_and_health_asks_odoo_once_per_period_and_tells_strangers_little() {
    let harness = Harness::start(Options::default()).await;
    let url = &harness.url;

    // A batch of 51 calls is refused whole; 50 are answered.
    let batch = |length: usize| {
        Value::Array(
            (0..length)
                .map(|id| json!({"jsonrpc": "2.0", "id": id, "method": "health", "params": {}}))
                .collect(),
        )
    };
    let answer = raw_call(url, Some(TOKEN), batch(50)).await;
    assert_eq!(answer.as_array().map(Vec::len), Some(50), "{answer}");
    let answer = raw_call(url, Some(TOKEN), batch(51)).await;
    assert!(answer["error"]["code"].is_i64(), "{answer}");

    // A stranger may not make the server read a large body.
    let response = reqwest::Client::new()
        .post(url)
        .header("Content-Type", "application/json")
        .body(vec![b' '; 100_000])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);

    // Health answers strangers with the status and whether Odoo is reachable, nothing more.
    let anonymous = client(url, None);
    let health = anonymous.health().await.unwrap();
    assert_eq!(health.status, "ok");
    assert!(health.odoo.reachable);
    let shown = serde_json::to_string(&health).unwrap();
    assert!(
        health.version.is_none()
            && health.odoo.server_version.is_none()
            && health.odoo.protocol.is_none()
            && health.addon.is_none()
            && health.jobs.is_none(),
        "{shown}"
    );
    assert!(!shown.contains("127.0.0.1"), "{shown}");
    let health = harness.client.health().await.unwrap();
    assert!(health.version.is_some() && health.odoo.server_version.is_some());

    // A flood of health calls opens no new connection to Odoo: its state is cached.
    let before = harness.gate.connections();
    for _ in 0..4 {
        let answer = raw_call(url, None, batch(50)).await;
        assert_eq!(answer.as_array().map(Vec::len), Some(50));
    }
    let opened = harness.gate.connections() - before;
    assert!(
        opened <= 1,
        "200 health calls opened {opened} connections to Odoo"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_start_answers_the_backup_already_queued_and_names_never_collide() {
    let harness = Harness::start(Options {
        tenants: vec![
            ("Boutique Sport", TenantSize::Small),
            ("Marque Mode", TenantSize::Medium),
        ],
        concurrency: 1,
        ..Options::default()
    })
    .await;
    let client = &harness.client;
    let sport = TenantParam::Id(harness.company(0));

    // The only slot is busy with the other tenant, so this tenant's backup waits in the queue.
    let busy = client
        .backup_start(TenantParam::Id(harness.company(1)), None)
        .await
        .unwrap();
    let first = client.backup_start(sport.clone(), None).await.unwrap();
    let again = client.backup_start(sport.clone(), None).await.unwrap();
    assert!(!first.already_started);
    assert!(again.already_started, "{again:?}");
    assert_eq!(
        (&again.job_id, &again.backup_id),
        (&first.job_id, &first.backup_id)
    );
    for job in [&busy.job_id, &first.job_id] {
        assert_eq!(harness.wait(job).await.state, JobState::Done);
    }

    // Backups taken one after the other within a second still get files of their own.
    let mut names = vec![first.backup_id.clone()];
    for _ in 0..3 {
        let started = client.backup_start(sport.clone(), None).await.unwrap();
        assert!(!started.already_started);
        assert_eq!(harness.wait(&started.job_id).await.state, JobState::Done);
        names.push(started.backup_id);
    }
    let listed = client.backup_list(Some(sport)).await.unwrap().backups;
    let mut files: Vec<_> = listed.iter().map(|b| b.file_name.clone()).collect();
    files.sort();
    files.dedup();
    assert_eq!(files.len(), 4, "{names:?} → {files:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_backup_is_named_exactly_when_a_restore_is_refused() {
    let mut harness = Harness::start(Options::default()).await;
    // The service knows the tenants, then Odoo goes away: the backup fails.
    harness.client.tenants_list().await.unwrap();
    harness.cut_odoo().await;
    let started = harness
        .client
        .backup_start(TenantParam::Id(harness.company(0)), None)
        .await
        .unwrap();
    assert_eq!(harness.wait(&started.job_id).await.state, JobState::Failed);
    let error = harness
        .client
        .restore_start(
            started.backup_id.clone(),
            TenantParam::Id(harness.company(0)),
            Some(true),
            Some(true),
            Some(false),
        )
        .await
        .unwrap_err();
    assert_eq!(error_code(&error), Some(codes::INVALID_PARAMS), "{error}");
    assert!(
        error.to_string().contains(&started.backup_id),
        "the id as it is: {error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn during_the_shutdown_grace_health_says_stopping_and_jobs_can_still_be_followed() {
    let mut harness = Harness::start(Options::default()).await;
    let Some(sim) = harness.odoo_under_test.sim.as_ref() else {
        eprintln!("skipped on a real Odoo: the job is held by the simulator");
        return;
    };
    // The backup's first read of partners never gets its answer: the job stays running.
    sim.withhold_next_answer("res.partner", "search_read");
    let client = harness.client.clone();
    let started = client
        .backup_start(TenantParam::Id(harness.company(0)), None)
        .await
        .unwrap();
    let running = async {
        loop {
            if client.job_get(started.job_id.clone()).await.unwrap().state == JobState::Running {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("the backup runs");

    let service = harness.service.take().unwrap();
    let stopping = tokio::spawn(service.shutdown_within(Duration::from_secs(3)));
    let mut health = client.health().await.unwrap();
    for _ in 0..100 {
        if health.status == "stopping" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        health = client.health().await.unwrap();
    }
    assert_eq!(health.status, "stopping", "{health:?}");
    let job = client.job_get(started.job_id.clone()).await.unwrap();
    assert_eq!(job.state, JobState::Running, "{job:?}");
    let refused = client
        .backup_start(TenantParam::Id(harness.company(1)), None)
        .await
        .unwrap_err();
    assert_eq!(
        error_code(&refused),
        Some(codes::SHUTTING_DOWN),
        "{refused}"
    );

    let stopped = stopping.await.unwrap();
    assert_eq!(stopped.interrupted, vec![started.job_id.clone()]);
    assert!(
        client.health().await.is_err(),
        "the service stopped at the end"
    );
}

/// Archives, backup records and job records are the sidecar user's alone: a tenant's whole
/// business must not be readable by every local user, whatever the umask.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_service_writes_only_its_own_user_can_read() {
    use std::os::unix::fs::PermissionsExt as _;

    let harness = Harness::start(Options::default()).await;
    let started = harness
        .client
        .backup_start(TenantParam::Id(harness.company(0)), None)
        .await
        .unwrap();
    assert_eq!(harness.wait(&started.job_id).await.state, JobState::Done);

    let mut seen = (0, 0);
    let mut open = Vec::new();
    let mut pending = vec![harness.store_dir()];
    while let Some(path) = pending.pop() {
        let metadata = std::fs::metadata(&path).unwrap();
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            open.push(format!("{:o} {}", mode, path.display()));
        }
        if metadata.is_dir() {
            seen.0 += 1;
            for entry in std::fs::read_dir(&path).unwrap() {
                pending.push(entry.unwrap().path());
            }
        } else {
            seen.1 += 1;
        }
    }
    assert!(
        seen.1 >= 3,
        "an archive, its record and a job record: {seen:?}"
    );
    assert!(open.is_empty(), "readable by others: {open:#?}");
}

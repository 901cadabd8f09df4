//! Notice e-mails received by a real SMTP server (aiosmtpd): success to the schedule's address,
//! failure even when Odoo is unreachable, and an SMTP failure that never fails the backup.
//! Against the simulator, or the real Odoo named by `ODOO_URL` (tests/live).

mod support;

use std::time::Duration;

use backup_service::{BackupApiClient, JobState, ScheduleRecord, TenantParam};
use chrono::{TimeZone, Utc};
use support::{Harness, Options, SmtpSink, closed_port};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_success_is_mailed_to_the_schedules_address_and_a_manual_one_to_the_default() {
    let sink = SmtpSink::start();
    let harness = Harness::start(Options {
        smtp: Some(sink.settings(Some("admin@example.com"))),
        ..Options::default()
    })
    .await;
    let mut schedule = ScheduleRecord::daily(4, harness.company(0), 2, 0);
    schedule.notification_email = Some("sport@example.com".into());
    harness.schedules.insert(schedule);

    let run_now = harness
        .client
        .backup_start(TenantParam::Id(harness.company(0)), Some(4))
        .await
        .unwrap();
    let job = harness.wait(&run_now.job_id).await;
    assert_eq!(job.state, JobState::Done, "{job:?}");
    let notification = job.notification.expect("the job says a notice was due");
    assert!(notification.sent, "{notification:?}");
    assert_eq!(notification.to, "sport@example.com");

    let manual = harness
        .client
        .backup_start(TenantParam::Id(harness.company(1)), None)
        .await
        .unwrap();
    harness.wait(&manual.job_id).await;

    let messages = sink.wait_for(2);
    assert_eq!(messages.len(), 2);
    let (recipients, raw) = &messages[0];
    assert_eq!(recipients, &vec!["sport@example.com".to_owned()]);
    let subject_line = raw
        .lines()
        .find(|line| line.starts_with("Subject:"))
        .unwrap();
    let parsed = support::mail_subject(raw);
    assert!(
        parsed.contains(&harness.tenants[0].name),
        "{subject_line} / {parsed}"
    );
    assert!(
        raw.contains("multipart/alternative"),
        "plain text and HTML parts"
    );
    assert_eq!(messages[1].0, vec!["admin@example.com".to_owned()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_is_mailed_even_when_odoo_is_unreachable() {
    let sink = SmtpSink::start();
    let mut harness = Harness::start(Options {
        smtp: Some(sink.settings(Some("admin@example.com"))),
        ..Options::default()
    })
    .await;
    let mut schedule = ScheduleRecord::daily(9, harness.company(1), 2, 0);
    schedule.notification_email = Some("mode@example.com".into());
    schedule.next_run = Some(Utc.with_ymd_and_hms(2026, 1, 30, 1, 0, 0).unwrap());
    harness.schedules.insert(schedule);

    // Odoo stops; the schedule is due at the next tick.
    harness.cut_odoo().await;
    harness
        .clock
        .set(Utc.with_ymd_and_hms(2026, 1, 30, 9, 0, 0).unwrap());
    let tick = harness.client.schedules_tick().await.unwrap();
    assert_eq!(tick.started.len(), 1, "{tick:?}");
    let job = harness.wait(&tick.started[0].job_id).await;
    assert_eq!(job.state, JobState::Failed);
    assert_eq!(
        job.error.as_ref().unwrap().code,
        backup_service::codes::ODOO_UNREACHABLE
    );
    assert!(job.notification.as_ref().is_some_and(|n| n.sent), "{job:?}");

    let messages = sink.wait_for(1);
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].0, vec!["mode@example.com".to_owned()]);
    assert_eq!(harness.schedules.get(9).unwrap().last_status, "failed");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_smtp_server_that_is_down_never_fails_the_backup() {
    let mut settings = SmtpSink::start().settings(Some("admin@example.com"));
    settings.port = closed_port();
    settings.timeout = Duration::from_secs(3);
    let harness = Harness::start(Options {
        smtp: Some(settings),
        ..Options::default()
    })
    .await;
    let started = harness
        .client
        .backup_start(TenantParam::Id(harness.company(0)), None)
        .await
        .unwrap();
    let job = harness.wait(&started.job_id).await;
    assert_eq!(job.state, JobState::Done, "{job:?}");
    let notification = job.notification.expect("a notice was due");
    assert!(!notification.sent);
    assert!(
        notification
            .error
            .as_deref()
            .is_some_and(|error| error.contains("127.0.0.1")),
        "{notification:?}"
    );
}

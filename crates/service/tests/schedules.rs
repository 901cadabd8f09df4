//! `schedules.tick` and `schedules.next_run` with an injected clock: daylight-saving nights,
//! missed runs, the write-back, and retention. Against the simulator, or the real Odoo named by
//! `ODOO_URL` (tests/live).

mod support;

use std::time::Duration;

use backup_service::{
    BackupApiClient, BackupStatus, JobState, Origin, ScheduleRecord, TenantParam,
};
use chrono::{DateTime, TimeZone, Utc};
use support::{Harness, Options};

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticks_run_a_daily_slot_once_across_daylight_saving_changes_and_missed_runs() {
    let harness = Harness::start(Options::default()).await;
    let client = &harness.client;
    let mut schedule = ScheduleRecord::daily(4, harness.company(0), 2, 30);
    schedule.retention_count = 30;
    harness.schedules.insert(schedule);

    // Saturday 28 March 2026: the next 02:30 in Paris falls in the hour skipped that night, so
    // it runs at 03:00 CEST (01:00 UTC).
    harness.clock.set(utc(2026, 3, 28, 12, 0));
    let tick = client.schedules_tick().await.unwrap();
    assert!(
        tick.started.is_empty(),
        "a schedule never run waits for its first slot"
    );
    assert_eq!(tick.next_runs[0].next_run, Some(utc(2026, 3, 29, 1, 0)));
    assert_eq!(
        harness.schedules.get(4).unwrap().next_run,
        Some(utc(2026, 3, 29, 1, 0))
    );

    harness.clock.set(utc(2026, 3, 29, 1, 5));
    let tick = client.schedules_tick().await.unwrap();
    assert_eq!(tick.started.len(), 1, "{tick:?}");
    assert_eq!(
        tick.next_runs[0].next_run,
        Some(utc(2026, 3, 30, 0, 30)),
        "02:30 CEST"
    );
    let job = harness.wait(&tick.started[0].job_id).await;
    assert_eq!(job.state, JobState::Done, "{job:?}");
    let written = harness.schedules.get(4).unwrap();
    assert_eq!(written.last_run, Some(utc(2026, 3, 29, 1, 5)));
    assert_eq!(written.last_status, "success");
    assert_eq!(written.last_backup_id, job.backup_id);
    let backup = client
        .backup_get(job.backup_id.clone().unwrap())
        .await
        .unwrap();
    assert_eq!(backup.origin, Origin::Schedule { schedule_id: 4 });

    // The same tick again starts nothing.
    let tick = client.schedules_tick().await.unwrap();
    assert!(tick.started.is_empty(), "{tick:?}");

    // Down from Monday to Thursday: one run for the four missed slots, then the next slot.
    harness.clock.set(utc(2026, 4, 2, 9, 0));
    let tick = client.schedules_tick().await.unwrap();
    assert_eq!(tick.started.len(), 1, "{tick:?}");
    assert_eq!(tick.next_runs[0].next_run, Some(utc(2026, 4, 3, 0, 30)));
    harness.wait(&tick.started[0].job_id).await;
    let tick = client.schedules_tick().await.unwrap();
    assert!(
        tick.started.is_empty(),
        "missed slots are not replayed one per tick"
    );

    // Sunday 25 October 2026: 02:30 happens twice in Paris; the schedule runs at the first.
    harness.clock.set(utc(2026, 10, 24, 12, 0));
    let next = client.schedules_next_run(4).await.unwrap();
    assert_eq!(next.next_run, Some(utc(2026, 10, 25, 0, 30)), "02:30 CEST");
    assert_eq!(
        harness.schedules.get(4).unwrap().next_run,
        Some(utc(2026, 10, 25, 0, 30))
    );
    harness.clock.set(utc(2026, 10, 25, 0, 31));
    let tick = client.schedules_tick().await.unwrap();
    assert_eq!(tick.started.len(), 1);
    assert_eq!(
        tick.next_runs[0].next_run,
        Some(utc(2026, 10, 26, 1, 30)),
        "02:30 CET, a day later"
    );
    harness.wait(&tick.started[0].job_id).await;
    harness.clock.set(utc(2026, 10, 25, 1, 31));
    let tick = client.schedules_tick().await.unwrap();
    assert!(
        tick.started.is_empty(),
        "the second 02:30 of the night does not run again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weekly_schedule_and_a_broken_one_are_told_apart() {
    let harness = Harness::start(Options::default()).await;
    let mut weekly = ScheduleRecord::daily(7, harness.company(1), 3, 0);
    weekly.frequency = "weekly".into();
    weekly.weekday = Some("6".into());
    harness.schedules.insert(weekly);
    let mut broken = ScheduleRecord::daily(8, harness.company(1), 25, 0);
    broken.tz = Some("Mars/Olympus".into());
    harness.schedules.insert(broken);
    harness.clock.set(utc(2026, 1, 30, 16, 42));
    let tick = harness.client.schedules_tick().await.unwrap();
    assert_eq!(tick.next_runs.len(), 1);
    assert_eq!(
        tick.next_runs[0].next_run,
        Some(utc(2026, 2, 1, 2, 0)),
        "Sunday 03:00 in Paris"
    );
    assert_eq!(tick.skipped.len(), 1);
    assert_eq!(tick.skipped[0].schedule_id, 8);
    let mut switched_off = harness.schedules.get(7).unwrap();
    switched_off.active = false;
    harness.schedules.insert(switched_off);
    let next = harness.client.schedules_next_run(7).await.unwrap();
    assert_eq!(
        next.next_run, None,
        "a switched-off schedule has no next run"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_deletes_only_that_schedules_oldest_done_backups_and_never_after_a_failure() {
    let mut harness = Harness::start(Options::default()).await;
    let client = harness.client.clone();
    let company = harness.company(0);
    let mut schedule = ScheduleRecord::daily(5, company, 2, 0);
    schedule.retention_count = 2;
    harness.schedules.insert(schedule);
    let other = ScheduleRecord::daily(6, company, 4, 0);
    harness.schedules.insert(other);

    let manual = client
        .backup_start(TenantParam::Id(company), None)
        .await
        .unwrap();
    assert_eq!(harness.wait(&manual.job_id).await.state, JobState::Done);
    let other_schedule = client
        .backup_start(TenantParam::Id(company), Some(6))
        .await
        .unwrap();
    assert_eq!(
        harness.wait(&other_schedule.job_id).await.state,
        JobState::Done
    );
    let mut scheduled = Vec::new();
    for _ in 0..3 {
        // Backups are ordered by their creation second.
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        let run = client
            .backup_start(TenantParam::Id(company), Some(5))
            .await
            .unwrap();
        assert_eq!(harness.wait(&run.job_id).await.state, JobState::Done);
        scheduled.push(run.backup_id);
    }
    let ids: Vec<String> = client
        .backup_list(None)
        .await
        .unwrap()
        .backups
        .into_iter()
        .map(|backup| backup.backup_id)
        .collect();
    assert!(
        !ids.contains(&scheduled[0]),
        "the oldest of schedule 5 is deleted: {ids:?}"
    );
    assert!(ids.contains(&scheduled[1]) && ids.contains(&scheduled[2]));
    assert!(
        ids.contains(&manual.backup_id),
        "manual backups are never deleted by retention"
    );
    assert!(
        ids.contains(&other_schedule.backup_id),
        "another schedule's backups are not counted"
    );
    assert!(
        !harness.store_dir().join(&scheduled[0]).exists(),
        "archive and record are gone"
    );
    assert_eq!(
        harness.schedules.get(5).unwrap().last_backup_id.as_deref(),
        Some(scheduled[2].as_str())
    );

    // Odoo goes away: the next run fails, and a failure deletes nothing.
    client.tenants_list().await.unwrap();
    harness.cut_odoo().await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let failing = client
        .backup_start(TenantParam::Id(company), Some(5))
        .await
        .unwrap();
    let job = harness.wait(&failing.job_id).await;
    assert_eq!(job.state, JobState::Failed, "{job:?}");
    assert_eq!(
        job.error.as_ref().unwrap().code,
        backup_service::codes::ODOO_UNREACHABLE
    );
    let backups = client.backup_list(None).await.unwrap().backups;
    let done_of_schedule: Vec<_> = backups
        .iter()
        .filter(|backup| {
            backup.origin == Origin::Schedule { schedule_id: 5 }
                && backup.status == BackupStatus::Done
        })
        .collect();
    assert_eq!(done_of_schedule.len(), 2, "{backups:?}");
    assert_eq!(harness.schedules.get(5).unwrap().last_status, "failed");
    harness.stop().await;
}

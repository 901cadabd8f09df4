//! Schedules pinned to real dates: the daylight-saving nights of 2026 in Paris and New York, a
//! weekly Sunday slot, a monthly slot across February, and a sidecar that was down for days.

use backup_scheduler::{
    BackupStatus, Decision, Frequency, RawSchedule, RetainedBackup, Schedule, ScheduleErrorKind,
    due, next_run_after, parse_frequency, parse_time_zone, parse_weekday, select_for_deletion,
};
use chrono::{DateTime, TimeZone, Utc, Weekday};
use chrono_tz::{America, Europe, Tz};

fn utc(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, hour, minute, 0)
        .single()
        .expect("a valid UTC date")
}

fn schedule(frequency: Frequency, hour: u32, minute: u32, zone: Tz) -> Schedule {
    Schedule::new(4, frequency, hour, minute, zone, 7).expect("a valid schedule")
}

/// Local wall-clock reading of an instant, for messages that a person can check.
fn local(instant: DateTime<Utc>, zone: Tz) -> String {
    instant
        .with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

#[test]
fn daily_slot_in_the_spring_forward_gap_runs_once_at_the_end_of_the_gap_in_paris() {
    // On 2026-03-29 Paris clocks jump from 02:00 CET to 03:00 CEST (01:00 UTC): 02:30 never
    // happens that night.
    let daily_0230 = schedule(Frequency::Daily, 2, 30, Europe::Paris);

    let saturday_noon = utc(2026, 3, 28, 11, 0);
    let spring_forward_run = next_run_after(&daily_0230, saturday_noon);
    assert_eq!(spring_forward_run, utc(2026, 3, 29, 1, 0));
    assert_eq!(
        local(spring_forward_run, Europe::Paris),
        "2026-03-29 03:00 CEST"
    );

    let following_run = next_run_after(&daily_0230, spring_forward_run);
    assert_eq!(local(following_run, Europe::Paris), "2026-03-30 02:30 CEST");
    assert_eq!(following_run, utc(2026, 3, 30, 0, 30));

    // The night before, 02:30 still existed in winter time.
    let friday_noon = utc(2026, 3, 27, 11, 0);
    assert_eq!(
        local(next_run_after(&daily_0230, friday_noon), Europe::Paris),
        "2026-03-28 02:30 CET"
    );
}

#[test]
fn daily_slot_in_the_fall_back_overlap_runs_once_at_its_first_occurrence_in_paris() {
    // On 2026-10-25 Paris clocks go back from 03:00 CEST to 02:00 CET (01:00 UTC): 02:30 happens
    // at 00:30 UTC (summer time) and again at 01:30 UTC (winter time).
    let daily_0230 = schedule(Frequency::Daily, 2, 30, Europe::Paris);

    let fall_back_run = next_run_after(&daily_0230, utc(2026, 10, 24, 11, 0));
    assert_eq!(fall_back_run, utc(2026, 10, 25, 0, 30));
    assert_eq!(local(fall_back_run, Europe::Paris), "2026-10-25 02:30 CEST");

    // The second 02:30 of the night is not a slot.
    let following_run = next_run_after(&daily_0230, fall_back_run);
    assert_eq!(following_run, utc(2026, 10, 26, 1, 30));
    assert_eq!(local(following_run, Europe::Paris), "2026-10-26 02:30 CET");

    // Nor is it one when the tick happens between the two occurrences.
    assert_eq!(
        next_run_after(&daily_0230, utc(2026, 10, 25, 1, 0)),
        utc(2026, 10, 26, 1, 30)
    );
}

#[test]
fn new_york_spring_forward_and_fall_back_nights() {
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
    let daily_0215 = schedule(Frequency::Daily, 2, 15, America::New_York);
    let spring_forward_run = next_run_after(&daily_0215, utc(2026, 3, 7, 17, 0));
    assert_eq!(spring_forward_run, utc(2026, 3, 8, 7, 0));
    assert_eq!(
        local(spring_forward_run, America::New_York),
        "2026-03-08 03:00 EDT"
    );
    assert_eq!(
        local(
            next_run_after(&daily_0215, spring_forward_run),
            America::New_York
        ),
        "2026-03-09 02:15 EDT"
    );

    // 2026-11-01: 02:00 EDT goes back to 01:00 EST (06:00 UTC); 01:30 happens twice.
    let daily_0130 = schedule(Frequency::Daily, 1, 30, America::New_York);
    let fall_back_run = next_run_after(&daily_0130, utc(2026, 10, 31, 17, 0));
    assert_eq!(fall_back_run, utc(2026, 11, 1, 5, 30));
    assert_eq!(
        local(fall_back_run, America::New_York),
        "2026-11-01 01:30 EDT"
    );
    assert_eq!(
        next_run_after(&daily_0130, fall_back_run),
        utc(2026, 11, 2, 6, 30)
    );
}

#[test]
fn weekly_sunday_0300_slot_across_both_daylight_saving_sundays() {
    let sunday_0300 = schedule(Frequency::Weekly(Weekday::Sun), 3, 0, Europe::Paris);

    // From Monday 23 March: Sunday 29 March, the spring-forward night, where 03:00 exists (CEST).
    let spring_run = next_run_after(&sunday_0300, utc(2026, 3, 23, 8, 0));
    assert_eq!(local(spring_run, Europe::Paris), "2026-03-29 03:00 CEST");
    assert_eq!(spring_run, utc(2026, 3, 29, 1, 0));
    assert_eq!(
        local(next_run_after(&sunday_0300, spring_run), Europe::Paris),
        "2026-04-05 03:00 CEST"
    );

    // Sunday 25 October: 03:00 exists once, in winter time, after the repeated hour.
    let autumn_run = next_run_after(&sunday_0300, utc(2026, 10, 20, 8, 0));
    assert_eq!(autumn_run, utc(2026, 10, 25, 2, 0));
    assert_eq!(local(autumn_run, Europe::Paris), "2026-10-25 03:00 CET");

    // A tick at 03:00 exactly has that slot behind it: the next is a week later.
    assert_eq!(
        local(next_run_after(&sunday_0300, autumn_run), Europe::Paris),
        "2026-11-01 03:00 CET"
    );
}

#[test]
fn monthly_day_28_runs_every_month_across_february() {
    let monthly_28th = schedule(Frequency::Monthly(28), 4, 0, Europe::Paris);
    let mut runs = Vec::new();
    let mut after = utc(2026, 1, 1, 0, 0);
    for _ in 0..5 {
        after = next_run_after(&monthly_28th, after);
        runs.push(local(after, Europe::Paris));
    }
    assert_eq!(
        runs,
        [
            "2026-01-28 04:00 CET",
            "2026-02-28 04:00 CET",
            "2026-03-28 04:00 CET",
            "2026-04-28 04:00 CEST",
            "2026-05-28 04:00 CEST",
        ]
    );
    // In a leap year February 28 is still the slot, not February 29.
    assert_eq!(
        local(
            next_run_after(&monthly_28th, utc(2028, 2, 1, 0, 0)),
            Europe::Paris
        ),
        "2028-02-28 04:00 CET"
    );
}

#[test]
fn a_run_missed_while_down_three_days_runs_once_then_waits_for_the_next_slot() {
    let daily_0200 = schedule(Frequency::Daily, 2, 0, Europe::Paris);
    // Last run Monday 2 February 02:00 CET; the sidecar then stopped until Thursday 10:00 CET.
    let last_run = utc(2026, 2, 2, 1, 0);
    let stored_next_run = next_run_after(&daily_0200, last_run);
    assert_eq!(stored_next_run, utc(2026, 2, 3, 1, 0));

    let first_tick_after_restart = utc(2026, 2, 5, 9, 0);
    let decision = due(
        &daily_0200,
        Some(last_run),
        Some(stored_next_run),
        first_tick_after_restart,
    );
    assert_eq!(
        decision,
        Decision {
            due: true,
            next_run: utc(2026, 2, 6, 1, 0),
        }
    );

    // The caller records the run; the ticks that follow wait for Friday 02:00, not for the
    // Wednesday and Thursday slots that were missed.
    let mut last_run = first_tick_after_restart;
    let mut stored_next_run = decision.next_run;
    let mut ticks = Vec::new();
    let mut tick = first_tick_after_restart + chrono::Duration::minutes(15);
    while tick <= utc(2026, 2, 6, 1, 30) {
        let decision = due(&daily_0200, Some(last_run), Some(stored_next_run), tick);
        if decision.due {
            ticks.push(tick);
            last_run = tick;
        }
        stored_next_run = decision.next_run;
        tick += chrono::Duration::minutes(15);
    }
    assert_eq!(ticks, [utc(2026, 2, 6, 1, 0)]);
}

#[test]
fn ticks_every_fifteen_minutes_through_an_outage_give_one_run_per_day_plus_one_catch_up() {
    let daily_0200 = schedule(Frequency::Daily, 2, 0, Europe::Paris);
    let outage_start = utc(2026, 3, 3, 12, 0);
    let outage_end = utc(2026, 3, 6, 12, 0);
    let mut last_run = None;
    let mut next_run = None;
    let mut runs = Vec::new();
    let mut now = utc(2026, 3, 1, 0, 0);
    while now < utc(2026, 3, 10, 0, 0) {
        let sidecar_is_down = now >= outage_start && now < outage_end;
        if !sidecar_is_down {
            let decision = due(&daily_0200, last_run, next_run, now);
            if decision.due {
                runs.push(local(now, Europe::Paris));
                last_run = Some(now);
            }
            next_run = Some(decision.next_run);
        }
        now += chrono::Duration::minutes(15);
    }
    assert_eq!(
        runs,
        [
            // The first tick (midnight UTC) finds a schedule never run, whose first slot is
            // ahead: it waits for it.
            "2026-03-01 02:00 CET",
            "2026-03-02 02:00 CET",
            "2026-03-03 02:00 CET",
            // Down from the 3rd at 13:00 to the 6th at 13:00: the slots of the 4th, 5th and 6th
            // are missed and stand as one catch-up run.
            "2026-03-06 13:00 CET",
            "2026-03-07 02:00 CET",
            "2026-03-08 02:00 CET",
            "2026-03-09 02:00 CET",
        ]
    );
}

#[test]
fn a_schedule_never_run_whose_first_slot_is_ahead_is_not_due() {
    let daily_0200 = schedule(Frequency::Daily, 2, 0, Europe::Paris);
    let now = utc(2026, 1, 30, 16, 42);
    let without_stored_next_run = due(&daily_0200, None, None, now);
    assert_eq!(
        without_stored_next_run,
        Decision {
            due: false,
            next_run: utc(2026, 1, 31, 1, 0),
        }
    );
    let with_stored_next_run = due(&daily_0200, None, Some(utc(2026, 1, 31, 1, 0)), now);
    assert!(!with_stored_next_run.due);

    // Once its stored first slot has passed, it is due.
    let at_slot = due(
        &daily_0200,
        None,
        Some(utc(2026, 1, 31, 1, 0)),
        utc(2026, 1, 31, 1, 0),
    );
    assert_eq!(
        at_slot,
        Decision {
            due: true,
            next_run: utc(2026, 2, 1, 1, 0),
        }
    );
}

#[test]
fn an_edited_schedule_follows_its_recomputed_next_run_not_its_last_run() {
    // Daily 02:00, run this morning; at noon the administrator moves it to 23:00 and the addon
    // has the sidecar recompute next_run: tonight 23:00, not tomorrow 02:00.
    let daily_2300 = schedule(Frequency::Daily, 23, 0, Europe::Paris);
    let last_run = utc(2026, 2, 10, 1, 0);
    let recomputed = next_run_after(&daily_2300, utc(2026, 2, 10, 11, 0));
    assert_eq!(local(recomputed, Europe::Paris), "2026-02-10 23:00 CET");
    assert!(
        !due(
            &daily_2300,
            Some(last_run),
            Some(recomputed),
            utc(2026, 2, 10, 21, 45)
        )
        .due
    );
    assert!(
        due(
            &daily_2300,
            Some(last_run),
            Some(recomputed),
            utc(2026, 2, 10, 22, 0)
        )
        .due
    );
}

#[test]
fn a_stored_next_run_that_a_later_run_already_served_is_recomputed_from_the_last_run() {
    // The write-back of next_run was lost after the 02:00 run; the stale stored value must not
    // cause a second run.
    let daily_0200 = schedule(Frequency::Daily, 2, 0, Europe::Paris);
    let stale_next_run = utc(2026, 2, 10, 1, 0);
    let last_run = utc(2026, 2, 10, 1, 5);
    let decision = due(
        &daily_0200,
        Some(last_run),
        Some(stale_next_run),
        utc(2026, 2, 10, 1, 15),
    );
    assert_eq!(
        decision,
        Decision {
            due: false,
            next_run: utc(2026, 2, 11, 1, 0),
        }
    );
}

#[test]
fn raw_values_from_the_addon_are_parsed() {
    let raw = RawSchedule {
        id: 9,
        frequency: "monthly",
        weekday: Some("3"),
        day_of_month: Some(1),
        hour: 4,
        minute: 0,
        time_zone: None,
        retention: 12,
    };
    let schedule = Schedule::from_raw(&raw, Europe::Paris).expect("valid");
    assert_eq!(schedule.id(), 9);
    assert_eq!(schedule.frequency(), Frequency::Monthly(1));
    assert_eq!((schedule.hour(), schedule.minute()), (4, 0));
    assert_eq!(schedule.time_zone(), Europe::Paris);
    assert_eq!(schedule.retention(), 12);

    let weekdays: Vec<Weekday> = ["0", "1", "2", "3", "4", "5", "6"]
        .into_iter()
        .map(|value| parse_weekday(value).expect("valid weekday"))
        .collect();
    assert_eq!(
        weekdays,
        [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun
        ]
    );
    assert_eq!(
        parse_frequency("weekly", Some("6"), None),
        Ok(Frequency::Weekly(Weekday::Sun))
    );
    assert_eq!(parse_frequency("daily", None, None), Ok(Frequency::Daily));
    assert_eq!(parse_time_zone("America/New_York"), Ok(America::New_York));
    assert_eq!(
        Schedule::from_raw(
            &RawSchedule {
                time_zone: Some("America/New_York"),
                ..raw
            },
            Europe::Paris
        )
        .expect("valid")
        .time_zone(),
        America::New_York
    );
}

#[test]
fn invalid_values_are_refused_with_a_message_naming_schedule_and_value() {
    let valid = RawSchedule {
        id: 4,
        frequency: "weekly",
        weekday: Some("6"),
        day_of_month: None,
        hour: 3,
        minute: 0,
        time_zone: Some("Europe/Paris"),
        retention: 4,
    };
    let message = |raw: RawSchedule<'_>| {
        Schedule::from_raw(&raw, Europe::Paris)
            .expect_err("must be refused")
            .to_string()
    };

    assert_eq!(
        message(RawSchedule {
            frequency: "monthly",
            day_of_month: Some(31),
            ..valid
        }),
        "schedule 4: day of month must be 1-28, got 31 (29-31 are missing from some months; \
         use 28 for a backup at the end of every month)"
    );
    assert_eq!(
        message(RawSchedule {
            frequency: "monthly",
            day_of_month: None,
            ..valid
        }),
        "schedule 4: a monthly schedule needs a day of the month (1-28)"
    );
    assert_eq!(
        message(RawSchedule {
            weekday: Some("7"),
            ..valid
        }),
        "schedule 4: day of the week must be \"0\" (Monday) to \"6\" (Sunday), got \"7\""
    );
    assert_eq!(
        message(RawSchedule {
            weekday: None,
            ..valid
        }),
        "schedule 4: a weekly schedule needs a day of the week (\"0\" = Monday to \"6\" = Sunday)"
    );
    assert_eq!(
        message(RawSchedule {
            frequency: "hourly",
            ..valid
        }),
        "schedule 4: frequency must be \"daily\", \"weekly\" or \"monthly\", got \"hourly\""
    );
    assert_eq!(
        message(RawSchedule { hour: 24, ..valid }),
        "schedule 4: hour must be 0-23, got 24"
    );
    assert_eq!(
        message(RawSchedule {
            minute: -1,
            ..valid
        }),
        "schedule 4: minute must be 0-59, got -1"
    );
    assert_eq!(
        message(RawSchedule {
            time_zone: Some("Europe/Pariss"),
            ..valid
        }),
        "schedule 4: unknown time zone \"Europe/Pariss\": use an IANA name such as \
         \"Europe/Paris\", \"America/New_York\" or \"UTC\""
    );
    assert!(
        message(RawSchedule {
            retention: 0,
            ..valid
        })
        .starts_with("schedule 4: retention must keep at least 1 backup, got 0")
    );

    let direct = Schedule::new(5, Frequency::Monthly(29), 2, 0, Europe::Paris, 3)
        .expect_err("day 29 is refused");
    assert_eq!(direct.schedule_id(), Some(5));
    assert_eq!(
        direct.kind(),
        &ScheduleErrorKind::DayOfMonthOutOfRange { day_of_month: 29 }
    );
    assert_eq!(
        parse_time_zone("Mars/Olympus_Mons")
            .expect_err("unknown zone")
            .schedule_id(),
        None
    );
}

fn backup(
    id: &str,
    schedule_id: Option<i64>,
    created_at: DateTime<Utc>,
    status: BackupStatus,
) -> RetainedBackup {
    RetainedBackup {
        id: id.to_owned(),
        schedule_id,
        created_at,
        status,
        in_use: false,
    }
}

#[test]
fn retention_deletes_the_oldest_done_backups_of_the_schedule_only() {
    let day = |day: u32| utc(2026, 1, day, 1, 0);
    let backups = vec![
        backup("s4-d1", Some(4), day(1), BackupStatus::Done),
        backup("manual-d1", None, day(1), BackupStatus::Done),
        backup("s7-d1", Some(7), day(1), BackupStatus::Done),
        backup("s4-d2-failed", Some(4), day(2), BackupStatus::Failed),
        backup("s4-d3", Some(4), day(3), BackupStatus::Done),
        RetainedBackup {
            in_use: true,
            ..backup("s4-d4-downloading", Some(4), day(4), BackupStatus::Done)
        },
        backup("s4-d5", Some(4), day(5), BackupStatus::Done),
        backup("s4-d6-failed", Some(4), day(6), BackupStatus::Failed),
        backup("s4-d7", Some(4), day(7), BackupStatus::Done),
        backup("s4-d8", Some(4), day(8), BackupStatus::Done),
        backup("s4-d9-running", Some(4), day(9), BackupStatus::Running),
    ];
    // Keep 3: d8, d7, d5. Beyond: d4 (in use, left for next time), d3, d1; the failure of the
    // 2nd predates d5 and goes, the failure of the 6th is recent and stays.
    assert_eq!(
        select_for_deletion(&backups, 4, 3),
        ["s4-d1", "s4-d2-failed", "s4-d3"]
    );
    // No other schedule's backups, nor manual ones.
    assert_eq!(select_for_deletion(&backups, 7, 1), Vec::<String>::new());
    assert_eq!(select_for_deletion(&backups, 7, 0), ["s7-d1"]);
}

#[test]
fn retention_deletes_no_failed_backup_while_no_done_backup_is_kept() {
    let backups = vec![
        backup("f1", Some(4), utc(2026, 1, 1, 1, 0), BackupStatus::Failed),
        backup("f2", Some(4), utc(2026, 1, 2, 1, 0), BackupStatus::Failed),
    ];
    assert_eq!(select_for_deletion(&backups, 4, 2), Vec::<String>::new());
    assert_eq!(select_for_deletion(&backups, 4, 0), Vec::<String>::new());
}

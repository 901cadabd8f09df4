//! Properties of the schedule arithmetic and of retention, checked against simple oracles that
//! walk time minute by minute instead of reasoning about calendars.

use backup_scheduler::{
    BackupStatus, Frequency, RetainedBackup, Schedule, due, next_run_after, select_for_deletion,
};
use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;
use proptest::prelude::*;

/// Zones with different daylight-saving habits: European and North American (transitions at
/// 01:00 UTC and 02:00 local), southern hemisphere (Sydney), transitions at local midnight
/// (Santiago), a 45-minute offset (Chatham), none at all (Kolkata, UTC).
const ZONES: [Tz; 8] = [
    chrono_tz::Europe::Paris,
    chrono_tz::Europe::London,
    chrono_tz::America::New_York,
    chrono_tz::America::Santiago,
    chrono_tz::Australia::Sydney,
    chrono_tz::Pacific::Chatham,
    chrono_tz::Asia::Kolkata,
    chrono_tz::UTC,
];

fn zone() -> impl Strategy<Value = Tz> {
    proptest::sample::select(ZONES.to_vec())
}

fn frequency() -> impl Strategy<Value = Frequency> {
    prop_oneof![
        Just(Frequency::Daily),
        (0u8..7).prop_map(|day| Frequency::Weekly(Weekday::try_from(day).expect("0-6"))),
        (1u32..=28).prop_map(Frequency::Monthly),
    ]
}

/// Slots in the small hours are where daylight saving happens, so they are drawn more often.
fn slot_hour() -> impl Strategy<Value = u32> {
    prop_oneof![0u32..=3, 0u32..24]
}

fn schedule() -> impl Strategy<Value = Schedule> {
    (frequency(), slot_hour(), 0u32..60, zone(), 1u32..30).prop_map(
        |(frequency, hour, minute, zone, retention)| {
            Schedule::new(1, frequency, hour, minute, zone, retention).expect("valid by strategy")
        },
    )
}

/// Any instant from 2000 to 2040, or one in the months where the zones above change clocks.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    let anywhere = (946_684_800i64..2_208_988_800)
        .prop_map(|seconds| DateTime::from_timestamp(seconds, 0).expect("in range"));
    let near_daylight_saving = (
        2020i32..2036,
        proptest::sample::select(vec![3u32, 4, 9, 10, 11]),
        1u32..=28,
        0i64..86_400,
    )
        .prop_map(|(year, month, day, second_of_day)| {
            Utc.with_ymd_and_hms(year, month, day, 0, 0, 0).unwrap()
                + Duration::seconds(second_of_day)
        });
    prop_oneof![anywhere, near_daylight_saving]
}

/// The instants in `year` when `zone`'s offset changes, to the second.
fn offset_changes(zone: Tz, year: i32) -> Vec<DateTime<Utc>> {
    let offset_at = |instant: DateTime<Utc>| instant.with_timezone(&zone).offset().fix();
    let start = Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).unwrap();
    let mut changes = Vec::new();
    for hour in 0..(366 * 24) {
        let (mut before, mut after) = (
            start + Duration::hours(hour),
            start + Duration::hours(hour + 1),
        );
        if offset_at(before) == offset_at(after) {
            continue;
        }
        while after - before > Duration::seconds(1) {
            let middle = before + (after - before) / 2;
            if offset_at(middle) == offset_at(before) {
                before = middle;
            } else {
                after = middle;
            }
        }
        changes.push(after);
    }
    changes
}

/// A schedule whose slot is within 90 minutes of a clock change (often inside the skipped or
/// repeated hour), and an instant up to two days before the change.
fn around_a_clock_change() -> impl Strategy<Value = (Schedule, DateTime<Utc>)> {
    (
        zone(),
        2020i32..2036,
        0usize..8,
        0i64..(2 * 86_400),
        -90i64..90,
        0u8..3,
    )
        .prop_map(
            |(zone, year, change_index, seconds_before, slot_shift_minutes, frequency_kind)| {
                let changes = offset_changes(zone, year);
                let change = changes
                    .get(change_index % changes.len().max(1))
                    .copied()
                    .unwrap_or_else(|| Utc.with_ymd_and_hms(year, 3, 29, 1, 0, 0).unwrap());
                let slot_wall =
                    local_wall_time(zone, change) + Duration::minutes(slot_shift_minutes);
                let frequency = match frequency_kind {
                    1 => Frequency::Weekly(slot_wall.date().weekday()),
                    2 if slot_wall.day() <= 28 => Frequency::Monthly(slot_wall.day()),
                    _ => Frequency::Daily,
                };
                let schedule =
                    Schedule::new(1, frequency, slot_wall.hour(), slot_wall.minute(), zone, 7)
                        .unwrap();
                (schedule, change - Duration::seconds(seconds_before))
            },
        )
}

fn schedule_and_instant() -> impl Strategy<Value = (Schedule, DateTime<Utc>)> {
    prop_oneof![(schedule(), instant()), around_a_clock_change()]
}

fn runs_on(frequency: Frequency, date: NaiveDate) -> bool {
    match frequency {
        Frequency::Daily => true,
        Frequency::Weekly(weekday) => date.weekday() == weekday,
        Frequency::Monthly(day_of_month) => date.day() == day_of_month,
    }
}

fn local_wall_time(zone: Tz, instant: DateTime<Utc>) -> NaiveDateTime {
    instant.with_timezone(&zone).naive_local()
}

fn slot_wall_time(schedule: &Schedule, date: NaiveDate) -> NaiveDateTime {
    date.and_time(NaiveTime::from_hms_opt(schedule.hour(), schedule.minute(), 0).unwrap())
}

/// Whether `instant` is a slot of `schedule`, decided by looking at the clock on the wall just
/// before and at `instant`: either the wall shows the slot's time and shows it for the first
/// time, or the wall jumps over the slot's time at this very instant.
fn is_slot(schedule: &Schedule, instant: DateTime<Utc>) -> bool {
    let zone = schedule.time_zone();
    let wall_now = local_wall_time(zone, instant);
    let wall_just_before = local_wall_time(zone, instant - Duration::seconds(1));
    let shows_slot_time = runs_on(schedule.frequency(), wall_now.date())
        && wall_now == slot_wall_time(schedule, wall_now.date());
    if shows_slot_time {
        let first_time_shown = zone
            .from_local_datetime(&wall_now)
            .earliest()
            .is_some_and(|earliest| earliest == instant);
        return first_time_shown;
    }
    // A jump forward over the slot's time: the wall clock skips it at this instant.
    [wall_just_before.date(), wall_now.date()]
        .into_iter()
        .filter(|date| runs_on(schedule.frequency(), *date))
        .map(|date| slot_wall_time(schedule, date))
        .any(|slot| {
            wall_just_before < slot
                && slot < wall_now
                && matches!(zone.from_local_datetime(&slot), LocalResult::None)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn next_run_is_strictly_after_and_is_a_slot((schedule, after) in schedule_and_instant()) {
        let next_run = next_run_after(&schedule, after);
        prop_assert!(next_run > after, "{next_run} is not after {after}");
        prop_assert!(
            is_slot(&schedule, next_run),
            "{next_run} ({}) is not a slot of {schedule:?}",
            next_run.with_timezone(&schedule.time_zone())
        );
    }

    #[test]
    fn next_run_lands_on_the_configured_local_time_unless_it_does_not_exist(
        (schedule, after) in schedule_and_instant(),
    ) {
        let zone = schedule.time_zone();
        let next_run = next_run_after(&schedule, after);
        let wall = local_wall_time(zone, next_run);
        if (wall.hour(), wall.minute()) != (schedule.hour(), schedule.minute()) {
            // Only allowed when the slot's time was skipped by the clocks on that day (or the
            // day before, for a gap that ends after midnight).
            let wall_just_before = local_wall_time(zone, next_run - Duration::seconds(1));
            let skipped_here = [wall.date().pred_opt().unwrap(), wall.date()]
                .into_iter()
                .filter(|date| runs_on(schedule.frequency(), *date))
                .map(|date| slot_wall_time(&schedule, date))
                .any(|slot| {
                    matches!(zone.from_local_datetime(&slot), LocalResult::None)
                        && wall_just_before < slot
                        && slot < wall
                });
            prop_assert!(
                skipped_here,
                "{next_run} shows {wall}, and the clocks did not jump over a slot there"
            );
            prop_assert_eq!(wall.second(), 0);
        }
    }

    #[test]
    fn next_run_skips_no_slot((schedule, after) in schedule_and_instant()) {
        let next_run = next_run_after(&schedule, after);
        // Every whole minute strictly between the two: slots and clock changes fall on whole
        // minutes in these zones.
        let mut minute = DateTime::from_timestamp(after.timestamp() - after.timestamp().rem_euclid(60) + 60, 0)
            .unwrap();
        while minute < next_run {
            prop_assert!(
                !is_slot(&schedule, minute),
                "{minute} ({}) is a slot between {after} and {next_run}",
                minute.with_timezone(&schedule.time_zone())
            );
            minute += Duration::minutes(1);
        }
    }

    #[test]
    fn a_daily_schedule_runs_exactly_once_on_every_local_day_of_a_year(
        zone in zone(),
        hour in slot_hour(),
        minute in 0u32..60,
        year in 2020i32..2036,
    ) {
        let schedule = Schedule::new(1, Frequency::Daily, hour, minute, zone, 7).unwrap();
        let first_day = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
        let first_day_after = NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap();
        // Start just before the local midnight that begins the year (the earliest reading, as
        // some zones have midnight twice or not at all).
        let start = zone
            .from_local_datetime(&first_day.and_hms_opt(0, 0, 0).unwrap())
            .earliest()
            .unwrap_or_else(|| zone.from_local_datetime(&first_day.and_hms_opt(1, 0, 0).unwrap()).earliest().unwrap())
            .with_timezone(&Utc)
            - Duration::seconds(1);
        let mut run_dates = Vec::new();
        let mut run = next_run_after(&schedule, start);
        while local_wall_time(zone, run).date() < first_day_after {
            run_dates.push(local_wall_time(zone, run).date());
            run = next_run_after(&schedule, run);
        }
        let every_day: Vec<NaiveDate> = first_day.iter_days().take_while(|day| *day < first_day_after).collect();
        prop_assert_eq!(run_dates, every_day);
    }

    #[test]
    fn a_tick_right_after_a_due_run_is_not_due_again(
        schedule in schedule(),
        last_run in proptest::option::of(instant()),
        stored_next_run in proptest::option::of(instant()),
        now in instant(),
    ) {
        let decision = due(&schedule, last_run, stored_next_run, now);
        prop_assert!(decision.next_run > now);
        if decision.due {
            let again = due(&schedule, Some(now), Some(decision.next_run), now);
            prop_assert!(!again.due);
            prop_assert_eq!(again.next_run, decision.next_run);
            let fifteen_minutes_later = now + Duration::minutes(15);
            let next_tick = due(&schedule, Some(now), Some(decision.next_run), fifteen_minutes_later);
            prop_assert_eq!(next_tick.due, decision.next_run <= fifteen_minutes_later);
        }
    }
}

fn retained_backups() -> impl Strategy<Value = Vec<RetainedBackup>> {
    let one_backup = (
        proptest::sample::select(vec![None, Some(1i64), Some(2)]),
        // Few distinct days, so that ties in creation time happen.
        0i64..40,
        proptest::sample::select(vec![
            BackupStatus::Pending,
            BackupStatus::Running,
            BackupStatus::Done,
            BackupStatus::Done,
            BackupStatus::Done,
            BackupStatus::Failed,
        ]),
        proptest::bool::weighted(0.15),
    );
    proptest::collection::vec(one_backup, 0..40).prop_map(|backups| {
        backups
            .into_iter()
            .enumerate()
            .map(
                |(index, (schedule_id, day, status, in_use))| RetainedBackup {
                    id: format!("b{index:02}"),
                    schedule_id,
                    created_at: Utc.with_ymd_and_hms(2026, 1, 1, 2, 0, 0).unwrap()
                        + Duration::days(day),
                    status,
                    in_use,
                },
            )
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn retention_keeps_the_newest_done_backups_and_spares_manual_and_in_use_ones(
        backups in retained_backups(),
        keep in 0u32..8,
    ) {
        let selected = select_for_deletion(&backups, 1, keep);
        let by_id = |id: &String| backups.iter().find(|backup| &backup.id == id).unwrap();
        let newest_first = |list: &mut Vec<&RetainedBackup>| {
            list.sort_by(|left, right| (right.created_at, &right.id).cmp(&(left.created_at, &left.id)));
        };

        for id in &selected {
            let backup = by_id(id);
            prop_assert_eq!(backup.schedule_id, Some(1), "{} is not the schedule's", id);
            prop_assert!(!backup.in_use, "{} is in use", id);
            prop_assert!(
                matches!(backup.status, BackupStatus::Done | BackupStatus::Failed),
                "{} is {:?}", id, backup.status
            );
        }

        let mut done: Vec<&RetainedBackup> = backups
            .iter()
            .filter(|backup| backup.schedule_id == Some(1) && backup.status == BackupStatus::Done)
            .collect();
        newest_first(&mut done);
        let kept_count = done.len().min(keep as usize);
        let (kept, beyond) = done.split_at(kept_count);
        for backup in kept {
            prop_assert!(!selected.contains(&backup.id), "{} is among the {} newest", backup.id, keep);
        }
        for backup in beyond {
            prop_assert_eq!(selected.contains(&backup.id), !backup.in_use, "{} beyond the limit", &backup.id);
        }
        // After deletion, exactly min(keep, count) done backups remain besides those in use.
        let remaining_done_not_in_use = done
            .iter()
            .filter(|backup| !selected.contains(&backup.id) && !backup.in_use)
            .count();
        let kept_not_in_use = kept.iter().filter(|backup| !backup.in_use).count();
        prop_assert_eq!(remaining_done_not_in_use, kept_not_in_use);

        // Failed backups go only when older than the oldest kept done backup.
        let oldest_kept = kept.last();
        for backup in backups.iter().filter(|backup| backup.schedule_id == Some(1) && backup.status == BackupStatus::Failed) {
            let older_than_kept = oldest_kept.is_some_and(|kept| (backup.created_at, &backup.id) < (kept.created_at, &kept.id));
            prop_assert_eq!(selected.contains(&backup.id), older_than_kept && !backup.in_use, "failed {}", &backup.id);
        }

        // Oldest first, each once.
        let order: Vec<(DateTime<Utc>, &String)> = selected.iter().map(|id| (by_id(id).created_at, id)).collect();
        prop_assert!(order.windows(2).all(|pair| pair[0] < pair[1]));
    }
}

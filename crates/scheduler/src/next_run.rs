//! The next slot of a schedule, computed on the schedule's local calendar.

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::schedule::{Frequency, Schedule};

/// The first slot of `schedule` strictly after `after`.
///
/// A slot is the schedule's hour:minute, read on the local calendar of its time zone, on every
/// day the frequency names. Daylight saving time is handled as people expect of a backup:
///
/// - **A local time that does not exist** (02:30 in Europe/Paris on the last Sunday of March,
///   when clocks jump from 02:00 to 03:00) runs once, at the first instant after the gap: 03:00
///   local on that night. It is not skipped, and the next day's slot is at 02:30 again.
/// - **A local time that occurs twice** (02:30 on the last Sunday of October, when clocks go back
///   from 03:00 to 02:00) runs once, at its first occurrence (02:30 summer time). The second
///   occurrence is not a slot.
///
/// The result is always later than `after`, and no slot lies between the two.
///
/// # Panics
///
/// Only for an `after` within a day of the end of the range chrono can represent (the year
/// 262143), which no clock shows.
pub fn next_run_after(schedule: &Schedule, after: DateTime<Utc>) -> DateTime<Utc> {
    let zone = schedule.time_zone();
    let slot_time = NaiveTime::from_hms_opt(schedule.hour(), schedule.minute(), 0)
        .expect("a Schedule's hour and minute are checked when it is built");
    // The day before `after`'s local date is looked at too: a slot resolved forward out of a gap
    // can fall on the next local day (Pacific/Apia skipped all of 2011-12-30), and starting a day
    // early costs nothing while making "no slot is skipped" hold without case analysis.
    let mut candidate_date = after.with_timezone(&zone).date_naive() - chrono::Days::new(1);
    // Every frequency has a slot within 31 days, so this ends after at most 33 iterations.
    loop {
        if runs_on(schedule.frequency(), candidate_date) {
            let slot = resolve_local_slot(zone, candidate_date.and_time(slot_time));
            if slot > after {
                return slot;
            }
        }
        candidate_date = candidate_date
            .succ_opt()
            .expect("schedules end long before chrono's last representable date");
    }
}

/// Whether the frequency has a slot on this local date.
fn runs_on(frequency: Frequency, date: NaiveDate) -> bool {
    match frequency {
        Frequency::Daily => true,
        Frequency::Weekly(weekday) => date.weekday() == weekday,
        Frequency::Monthly(day_of_month) => date.day() == day_of_month,
    }
}

/// The instant a local wall-clock slot runs at: the time itself when it exists once, its first
/// occurrence when the clocks go back over it, the end of the gap when the clocks jump over it.
fn resolve_local_slot(zone: Tz, local_slot: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local_slot) {
        LocalResult::Single(instant) => instant.with_timezone(&Utc),
        LocalResult::Ambiguous(first_occurrence, _second_occurrence) => {
            first_occurrence.with_timezone(&Utc)
        }
        LocalResult::None => first_instant_after_gap(zone, local_slot),
    }
}

/// The transition instant that skipped `missing_local`: the first instant whose local time is
/// later than it. Found by bisection on whole seconds (tz transitions fall on whole seconds), as
/// chrono-tz does not expose the transition table.
fn first_instant_after_gap(zone: Tz, missing_local: NaiveDateTime) -> DateTime<Utc> {
    // UTC offsets lie within -12h and +14h (a little more in some 19th-century local mean
    // times), so read as UTC ± 26 hours the local time is certainly before, resp. after, the
    // missing one. Between the two bounds local time only passes `missing_local` by jumping
    // over it, so bisection converges on that jump.
    const MARGIN_SECONDS: i64 = 26 * 3600;
    let missing_as_utc = missing_local.and_utc().timestamp();
    let mut local_time_before = missing_as_utc - MARGIN_SECONDS;
    let mut local_time_after = missing_as_utc + MARGIN_SECONDS;
    let local_time_at = |timestamp: i64| {
        let instant = DateTime::from_timestamp(timestamp, 0)
            .expect("within a few days of a representable local date");
        zone.from_utc_datetime(&instant.naive_utc()).naive_local()
    };
    while local_time_after - local_time_before > 1 {
        let middle = local_time_before + (local_time_after - local_time_before) / 2;
        if local_time_at(middle) < missing_local {
            local_time_before = middle;
        } else {
            local_time_after = middle;
        }
    }
    DateTime::from_timestamp(local_time_after, 0)
        .expect("within a few days of a representable local date")
}

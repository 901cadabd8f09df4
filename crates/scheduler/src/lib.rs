//! When a tenant's scheduled backup is due, and which old backups its retention deletes.
//!
//! Pure arithmetic on dates: no clock, no I/O. The sidecar's tick reads the schedules from Odoo,
//! asks [`due`] for each, starts the due backups, and writes the decision's `next_run` back; after
//! a scheduled backup succeeds it asks [`select_for_deletion`] which backups of that schedule to
//! delete. Slots are computed on the schedule's local calendar ([`next_run_after`] documents the
//! daylight-saving rules): a 02:30 slot on a spring-forward night runs once, at 03:00, and a
//! fall-back night does not run twice.
//!
//! ```
//! use backup_scheduler::{Frequency, RawSchedule, Schedule, due, next_run_after};
//! use chrono::{TimeZone, Utc};
//!
//! // Values as the Odoo addon stores them: a weekly backup on Sundays ("6") at 03:00.
//! let raw = RawSchedule {
//!     id: 4,
//!     frequency: "weekly",
//!     weekday: Some("6"),
//!     day_of_month: None,
//!     hour: 3,
//!     minute: 0,
//!     time_zone: Some("Europe/Paris"),
//!     retention: 4,
//! };
//! let schedule = Schedule::from_raw(&raw, chrono_tz::Europe::Paris)?;
//! assert_eq!(schedule.frequency(), Frequency::Weekly(chrono::Weekday::Sun));
//!
//! // Friday 30 January 2026, 16:42 UTC: the next slot is Sunday 1 February, 03:00 in Paris.
//! let now = Utc.with_ymd_and_hms(2026, 1, 30, 16, 42, 0).unwrap();
//! let next_run = next_run_after(&schedule, now);
//! assert_eq!(next_run, Utc.with_ymd_and_hms(2026, 2, 1, 2, 0, 0).unwrap());
//!
//! // The sidecar was down over that Sunday: the tick on Tuesday runs it once, and waits for
//! // the Sunday after.
//! let tuesday = Utc.with_ymd_and_hms(2026, 2, 3, 9, 15, 0).unwrap();
//! let decision = due(&schedule, None, Some(next_run), tuesday);
//! assert!(decision.due);
//! assert_eq!(decision.next_run, Utc.with_ymd_and_hms(2026, 2, 8, 2, 0, 0).unwrap());
//! # Ok::<(), backup_scheduler::ScheduleError>(())
//! ```

mod due;
mod error;
mod next_run;
mod retention;
mod schedule;

pub use due::{Decision, due};
pub use error::{ScheduleError, ScheduleErrorKind};
pub use next_run::next_run_after;
pub use retention::{BackupStatus, RetainedBackup, select_for_deletion};
pub use schedule::{
    Frequency, RawSchedule, Schedule, ScheduleId, parse_frequency, parse_time_zone, parse_weekday,
};

//! Whether a schedule is due at a tick.

use chrono::{DateTime, Utc};

use crate::next_run::next_run_after;
use crate::schedule::Schedule;

/// What a tick decided for one schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Start a backup of the schedule now.
    pub due: bool,
    /// The slot to write back to the schedule's `next_run`; always later than the tick's `now`.
    /// When `due`, it is the slot after `now`, not after the missed slot: the catch-up run
    /// stands for every slot missed.
    pub next_run: DateTime<Utc>,
}

/// Decides at the tick `now` whether `schedule` is due, and when it runs next.
///
/// The rule, with `next_run` the slot stored on the record (only the sidecar computes it) and
/// `last_run` the start of the schedule's last run, scheduled or "run now", whatever its outcome:
///
/// 1. The slot awaited is the stored `next_run`. The addon has the sidecar recompute it
///    (`schedules.next_run`) when a schedule is created, edited or switched back on, so it always
///    reflects the current settings. When it is missing, or not later than `last_run` (a run
///    since then already stood for it, e.g. the write-back of `next_run` was lost), the awaited
///    slot is the first one after `last_run`. A schedule with neither awaits its first slot after
///    `now`, so it is not due: a schedule never run whose first slot is in the future waits for
///    it, and no run is invented for slots before the sidecar first saw it.
/// 2. The schedule is due when that slot is at or before `now`. However many slots passed since
///    (the sidecar was down for three days), it runs once, and `next_run` becomes the first slot
///    after `now`: the missed slots are not replayed one per tick.
/// 3. Otherwise it is not due, and `next_run` is the awaited slot.
///
/// A failed run counts as a run: it is not retried at every tick until the next slot ("run now"
/// is there for that). The caller starts the due run, then writes back `last_run = now` and the
/// decision's `next_run`.
pub fn due(
    schedule: &Schedule,
    last_run: Option<DateTime<Utc>>,
    next_run: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Decision {
    let awaited_slot = match (next_run, last_run) {
        (Some(stored_next_run), Some(last_run)) if stored_next_run <= last_run => {
            next_run_after(schedule, last_run)
        }
        (Some(stored_next_run), _) => stored_next_run,
        (None, Some(last_run)) => next_run_after(schedule, last_run),
        (None, None) => next_run_after(schedule, now),
    };
    if awaited_slot <= now {
        Decision {
            due: true,
            next_run: next_run_after(schedule, now),
        }
    } else {
        Decision {
            due: false,
            next_run: awaited_slot,
        }
    }
}

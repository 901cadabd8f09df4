//! Which backups a schedule's retention deletes.

use chrono::{DateTime, Utc};

use crate::schedule::ScheduleId;

/// Where a backup stands in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BackupStatus {
    Pending,
    Running,
    Done,
    Failed,
}

/// What retention needs to know of one backup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetainedBackup {
    /// The backup's id (`backup_id` in the sidecar API).
    pub id: String,
    /// The schedule that made it; `None` for manual and safety backups, which no retention
    /// ever deletes.
    pub schedule_id: Option<ScheduleId>,
    pub created_at: DateTime<Utc>,
    pub status: BackupStatus,
    /// Being downloaded or restored right now: never deleted, whatever its age.
    pub in_use: bool,
}

/// The backups that the retention of schedule `schedule_id`, keeping `keep`, deletes, oldest
/// first.
///
/// - Only backups made by that schedule are considered. Manual and safety backups
///   (`schedule_id: None`) and other schedules' backups are never selected.
/// - The `keep` newest *done* backups are kept; older done backups are selected. Failed,
///   pending and running backups do not count towards `keep`.
/// - A failed backup of the schedule is selected only when it is older than the oldest done
///   backup kept: a failure that a kept success came after is history, while a recent failure
///   stays listed (with its error) until successes push it out. Failed backups therefore never
///   pile up, and none is deleted while no done backup is kept.
/// - Pending and running backups, and any backup marked `in_use`, are never selected. An in-use
///   backup past the limit is left for the next retention run; it still does not count towards
///   `keep`, so the newest backups are never sacrificed for it.
///
/// Call it only right after a new backup of the schedule succeeded (the caller's job, as is
/// deleting the archive and its record): a failed run must never cause a deletion, and a
/// retention that ran before the new backup existed would delete one backup too many.
pub fn select_for_deletion(
    backups: &[RetainedBackup],
    schedule_id: ScheduleId,
    keep: u32,
) -> Vec<String> {
    let mut of_schedule: Vec<&RetainedBackup> = backups
        .iter()
        .filter(|backup| backup.schedule_id == Some(schedule_id))
        .collect();
    // Newest first; the id breaks ties so that the choice does not depend on the input order.
    of_schedule
        .sort_by(|left, right| (right.created_at, &right.id).cmp(&(left.created_at, &left.id)));

    let keep = usize::try_from(keep).unwrap_or(usize::MAX);
    let done_backups = of_schedule
        .iter()
        .filter(|backup| backup.status == BackupStatus::Done);
    let oldest_kept = done_backups.clone().take(keep).last().copied();
    let done_beyond_keep = done_backups.skip(keep).copied();

    let failed_before_oldest_kept = of_schedule.iter().copied().filter(|backup| {
        backup.status == BackupStatus::Failed
            && oldest_kept
                .is_some_and(|kept| (backup.created_at, &backup.id) < (kept.created_at, &kept.id))
    });

    let mut selected: Vec<&RetainedBackup> = done_beyond_keep
        .chain(failed_before_oldest_kept)
        .filter(|backup| !backup.in_use)
        .collect();
    selected.sort_by(|left, right| (left.created_at, &left.id).cmp(&(right.created_at, &right.id)));
    selected
        .into_iter()
        .map(|backup| backup.id.clone())
        .collect()
}

use std::fmt;

use crate::schedule::ScheduleId;

/// Why a schedule's values were refused. The message names the schedule (when known) and the
/// value, and says what is accepted, so it can be shown to the administrator as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleError {
    schedule_id: Option<ScheduleId>,
    kind: ScheduleErrorKind,
}

impl ScheduleError {
    pub(crate) fn for_schedule(schedule_id: ScheduleId, kind: ScheduleErrorKind) -> ScheduleError {
        ScheduleError {
            schedule_id: Some(schedule_id),
            kind,
        }
    }

    pub(crate) fn with_schedule(self, schedule_id: ScheduleId) -> ScheduleError {
        ScheduleError {
            schedule_id: Some(schedule_id),
            ..self
        }
    }

    /// The schedule whose values were refused, when the check knew it.
    pub fn schedule_id(&self) -> Option<ScheduleId> {
        self.schedule_id
    }

    /// Which value was refused, for callers that react differently to each.
    pub fn kind(&self) -> &ScheduleErrorKind {
        &self.kind
    }
}

impl From<ScheduleErrorKind> for ScheduleError {
    fn from(kind: ScheduleErrorKind) -> ScheduleError {
        ScheduleError {
            schedule_id: None,
            kind,
        }
    }
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.schedule_id {
            Some(schedule_id) => write!(formatter, "schedule {schedule_id}: {}", self.kind),
            None => write!(formatter, "{}", self.kind),
        }
    }
}

impl std::error::Error for ScheduleError {}

/// The value a [`ScheduleError`] refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleErrorKind {
    #[error("frequency must be \"daily\", \"weekly\" or \"monthly\", got {value:?}")]
    UnknownFrequency { value: String },

    #[error("a weekly schedule needs a day of the week (\"0\" = Monday to \"6\" = Sunday)")]
    MissingWeekday,

    #[error("day of the week must be \"0\" (Monday) to \"6\" (Sunday), got {value:?}")]
    InvalidWeekday { value: String },

    #[error("a monthly schedule needs a day of the month (1-28)")]
    MissingDayOfMonth,

    #[error(
        "day of month must be 1-28, got {day_of_month} (29-31 are missing from some months; \
         use 28 for a backup at the end of every month)"
    )]
    DayOfMonthOutOfRange { day_of_month: i64 },

    #[error("hour must be 0-23, got {hour}")]
    HourOutOfRange { hour: i64 },

    #[error("minute must be 0-59, got {minute}")]
    MinuteOutOfRange { minute: i64 },

    #[error(
        "unknown time zone {name:?}: use an IANA name such as \"Europe/Paris\", \
         \"America/New_York\" or \"UTC\""
    )]
    UnknownTimeZone { name: String },

    #[error(
        "retention must keep at least 1 backup, got {retention} (retention runs right after a \
         backup succeeds, and keeping none would delete that backup)"
    )]
    RetentionOutOfRange { retention: i64 },
}

//! A validated schedule, and the parsing of the raw values the Odoo addon stores.

use std::fmt;

use chrono::Weekday;
use chrono_tz::Tz;

use crate::error::{ScheduleError, ScheduleErrorKind};

/// The Odoo record id of a `quelyos.backup.schedule`.
pub type ScheduleId = i64;

/// How often a schedule runs. The time of day is in [`Schedule`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Frequency {
    /// Every day.
    Daily,
    /// Once a week, on this day.
    Weekly(Weekday),
    /// Once a month, on this day of the month. Only 1 to 28 is accepted, so that every month has
    /// the day: a "31st" would silently skip February, April, June, September and November.
    Monthly(u32),
}

impl fmt::Display for Frequency {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Frequency::Daily => formatter.write_str("daily"),
            Frequency::Weekly(weekday) => write!(formatter, "weekly on {weekday}"),
            Frequency::Monthly(day_of_month) => write!(formatter, "monthly on day {day_of_month}"),
        }
    }
}

/// One tenant's backup schedule, valid by construction: hour 0-23, minute 0-59, day of month
/// 1-28, a known time zone and a retention of at least one backup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    id: ScheduleId,
    frequency: Frequency,
    hour: u32,
    minute: u32,
    time_zone: Tz,
    retention: u32,
}

impl Schedule {
    /// Checks every value and builds the schedule; the error names the schedule and the value.
    ///
    /// A retention of 0 is refused: the retention runs right after a backup of the schedule
    /// succeeded, and keeping zero backups would delete the one just made.
    pub fn new(
        id: ScheduleId,
        frequency: Frequency,
        hour: u32,
        minute: u32,
        time_zone: Tz,
        retention: u32,
    ) -> Result<Schedule, ScheduleError> {
        let in_schedule = |kind| ScheduleError::for_schedule(id, kind);
        if hour > 23 {
            return Err(in_schedule(ScheduleErrorKind::HourOutOfRange {
                hour: hour.into(),
            }));
        }
        if minute > 59 {
            return Err(in_schedule(ScheduleErrorKind::MinuteOutOfRange {
                minute: minute.into(),
            }));
        }
        if let Frequency::Monthly(day_of_month) = frequency
            && !(1..=28).contains(&day_of_month)
        {
            return Err(in_schedule(ScheduleErrorKind::DayOfMonthOutOfRange {
                day_of_month: day_of_month.into(),
            }));
        }
        if retention == 0 {
            return Err(in_schedule(ScheduleErrorKind::RetentionOutOfRange {
                retention: 0,
            }));
        }
        Ok(Schedule {
            id,
            frequency,
            hour,
            minute,
            time_zone,
            retention,
        })
    }

    /// Builds a schedule from the values as the addon stores them (see [`RawSchedule`]).
    /// `default_time_zone` applies when the record has no zone (the company's, else
    /// Europe/Paris, is the service's choice).
    pub fn from_raw(
        raw: &RawSchedule<'_>,
        default_time_zone: Tz,
    ) -> Result<Schedule, ScheduleError> {
        let in_schedule = |error: ScheduleError| error.with_schedule(raw.id);
        let frequency =
            parse_frequency(raw.frequency, raw.weekday, raw.day_of_month).map_err(in_schedule)?;
        let time_zone = match raw.time_zone.map(str::trim) {
            None | Some("") => default_time_zone,
            Some(name) => parse_time_zone(name).map_err(in_schedule)?,
        };
        let hour = u32::try_from(raw.hour)
            .ok()
            .filter(|hour| *hour <= 23)
            .ok_or(ScheduleError::for_schedule(
                raw.id,
                ScheduleErrorKind::HourOutOfRange { hour: raw.hour },
            ))?;
        let minute = u32::try_from(raw.minute)
            .ok()
            .filter(|minute| *minute <= 59)
            .ok_or(ScheduleError::for_schedule(
                raw.id,
                ScheduleErrorKind::MinuteOutOfRange { minute: raw.minute },
            ))?;
        let retention = u32::try_from(raw.retention)
            .ok()
            .filter(|retention| *retention >= 1)
            .ok_or(ScheduleError::for_schedule(
                raw.id,
                ScheduleErrorKind::RetentionOutOfRange {
                    retention: raw.retention,
                },
            ))?;
        Schedule::new(raw.id, frequency, hour, minute, time_zone, retention)
    }

    pub fn id(&self) -> ScheduleId {
        self.id
    }

    pub fn frequency(&self) -> Frequency {
        self.frequency
    }

    /// The local hour of the slot, 0-23.
    pub fn hour(&self) -> u32 {
        self.hour
    }

    /// The local minute of the slot, 0-59.
    pub fn minute(&self) -> u32 {
        self.minute
    }

    /// The zone the slot's local time is read in.
    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// How many successful backups of this schedule to keep.
    pub fn retention(&self) -> u32 {
        self.retention
    }
}

/// A schedule's values exactly as the Odoo addon stores them, before any check: selection keys as
/// strings, integers as Odoo returns them. Fields that do not apply to the frequency (the weekday
/// of a daily schedule) are ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawSchedule<'a> {
    pub id: ScheduleId,
    /// `"daily"`, `"weekly"` or `"monthly"`.
    pub frequency: &'a str,
    /// Odoo's weekday selection: `"0"` (Monday) to `"6"` (Sunday). Needed when weekly.
    pub weekday: Option<&'a str>,
    /// 1 to 28. Needed when monthly.
    pub day_of_month: Option<i64>,
    pub hour: i64,
    pub minute: i64,
    /// An IANA zone name such as `"Europe/Paris"`; none or empty means the default zone.
    pub time_zone: Option<&'a str>,
    pub retention: i64,
}

/// Reads a frequency from the addon's selection value and, as it requires, the weekday
/// (`"0"`..`"6"`, Monday first) or the day of the month (1-28).
pub fn parse_frequency(
    frequency: &str,
    weekday: Option<&str>,
    day_of_month: Option<i64>,
) -> Result<Frequency, ScheduleError> {
    match frequency.trim() {
        "daily" => Ok(Frequency::Daily),
        "weekly" => {
            let weekday = weekday
                .filter(|value| !value.trim().is_empty())
                .ok_or(ScheduleError::from(ScheduleErrorKind::MissingWeekday))?;
            Ok(Frequency::Weekly(parse_weekday(weekday)?))
        }
        "monthly" => {
            let day_of_month =
                day_of_month.ok_or(ScheduleError::from(ScheduleErrorKind::MissingDayOfMonth))?;
            match u32::try_from(day_of_month) {
                Ok(day @ 1..=28) => Ok(Frequency::Monthly(day)),
                _ => Err(ScheduleErrorKind::DayOfMonthOutOfRange { day_of_month }.into()),
            }
        }
        other => Err(ScheduleErrorKind::UnknownFrequency {
            value: other.to_owned(),
        }
        .into()),
    }
}

/// Reads Odoo's weekday selection key: `"0"` is Monday, `"6"` is Sunday (Python's
/// `date.weekday()`, which the addon's selection follows).
pub fn parse_weekday(value: &str) -> Result<Weekday, ScheduleError> {
    let weekday = match value.trim() {
        "0" => Weekday::Mon,
        "1" => Weekday::Tue,
        "2" => Weekday::Wed,
        "3" => Weekday::Thu,
        "4" => Weekday::Fri,
        "5" => Weekday::Sat,
        "6" => Weekday::Sun,
        other => {
            return Err(ScheduleErrorKind::InvalidWeekday {
                value: other.to_owned(),
            }
            .into());
        }
    };
    Ok(weekday)
}

/// Reads an IANA time zone name (`"Europe/Paris"`, `"America/New_York"`, `"UTC"`).
pub fn parse_time_zone(name: &str) -> Result<Tz, ScheduleError> {
    name.trim().parse::<Tz>().map_err(|_| {
        ScheduleErrorKind::UnknownTimeZone {
            name: name.to_owned(),
        }
        .into()
    })
}

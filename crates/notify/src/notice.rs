//! What a notice says, independent of language and of how it is sent.

use std::fmt;
use std::str::FromStr;

use chrono::DateTime;
use chrono_tz::Tz;

/// The outcome of one backup, as the administrator is told of it.
///
/// Times carry their zone: pass them in the schedule's zone (`utc.with_timezone(&zone)`), or in
/// `chrono_tz::UTC` when there is none; the mail shows them in that zone and names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    Success {
        tenant_name: String,
        tenant_code: String,
        finished_at: DateTime<Tz>,
        size_bytes: u64,
        records: u64,
        file_name: String,
        /// The schedule's next slot; `None` for a manual backup.
        next_run: Option<DateTime<Tz>>,
    },
    Failure {
        tenant_name: String,
        tenant_code: String,
        failed_at: DateTime<Tz>,
        /// The error as a person should read it (no secrets: the service's errors have none).
        error: String,
        /// What to check, one item each ("that Odoo is reachable at https://…"). When empty, the
        /// mail points to the service's log.
        hints: Vec<String>,
    },
    /// A finished backup whose copy in a bucket failed; the backup itself is done and kept
    /// locally, and the copy is tried again.
    CopyFailed {
        tenant_name: String,
        tenant_code: String,
        file_name: String,
        /// The bucket's name in the configuration.
        store: String,
        failed_at: DateTime<Tz>,
        error: String,
        next_attempt: DateTime<Tz>,
    },
}

impl Notice {
    /// The code of the tenant the notice is about, for logs and errors.
    pub fn tenant_code(&self) -> &str {
        match self {
            Notice::Success { tenant_code, .. }
            | Notice::Failure { tenant_code, .. }
            | Notice::CopyFailed { tenant_code, .. } => tenant_code,
        }
    }
}

/// The language notices are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl fmt::Display for Lang {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        })
    }
}

/// The value named no language notices are written in.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("notice language must be \"fr\" or \"en\", got {value:?}")]
pub struct UnknownLang {
    pub value: String,
}

impl FromStr for Lang {
    type Err = UnknownLang;

    /// Accepts `fr` and `en`, and Odoo's and POSIX locale codes of those languages (`fr_FR`,
    /// `fr_BE`, `en_US`, `en-GB`), case-insensitively.
    fn from_str(value: &str) -> Result<Lang, UnknownLang> {
        let language = value
            .trim()
            .split(['_', '-', '.'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match language.as_str() {
            "fr" => Ok(Lang::Fr),
            "en" => Ok(Lang::En),
            _ => Err(UnknownLang {
                value: value.to_owned(),
            }),
        }
    }
}

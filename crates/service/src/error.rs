//! The service's errors, and the one mapping to JSON-RPC error objects (docs/API.md, "Errors").
//!
//! Every message says what went wrong and, where there is one, what to do. None carries a secret:
//! the Odoo client's errors never do, and the token is never put in an error.

use backup_engine::{ArchiveError, BackupError};
use jsonrpsee::types::ErrorObjectOwned;
use odoo_client::OdooError;
use tenant_restore::RestoreError;

/// The stable error codes of the API. Outside JSON-RPC's reserved range (-32768..-32000).
pub mod codes {
    pub const UNAUTHORIZED: i32 = 1001;
    pub const INVALID_PARAMS: i32 = 1002;
    pub const UNKNOWN_TENANT: i32 = 1003;
    pub const UNKNOWN_BACKUP: i32 = 1004;
    pub const UNKNOWN_JOB: i32 = 1005;
    pub const UNKNOWN_SCHEDULE: i32 = 1006;
    pub const ODOO_UNREACHABLE: i32 = 2001;
    pub const ODOO_CREDENTIALS: i32 = 2002;
    pub const ODOO_REFUSED: i32 = 2003;
    pub const ARCHIVE_INVALID: i32 = 3001;
    pub const ARCHIVE_OTHER_TENANT: i32 = 3002;
    pub const BACKUP_IN_USE: i32 = 3003;
    pub const ARCHIVE_NOT_TRUSTED: i32 = 3004;
    pub const INTERNAL: i32 = 5000;
    pub const SHUTTING_DOWN: i32 = 5001;
}

/// Why a call or a job failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    #[error(
        "unauthorized: send the header `Authorization: Bearer <token>` with the sidecar's token (BACKUPD_TOKEN)"
    )]
    Unauthorized,

    #[error("invalid parameter {param}: {reason}")]
    InvalidParams { param: String, reason: String },

    #[error("unknown tenant {selector}: {known}")]
    UnknownTenant { selector: String, known: String },

    #[error("unknown backup {backup_id:?}: `backup.list` gives the valid ids")]
    UnknownBackup { backup_id: String },

    #[error("unknown job {job_id:?}: job ids are kept for a while after they end")]
    UnknownJob { job_id: String },

    #[error(
        "unknown schedule {schedule_id}: no quelyos.backup.schedule with this id (is the addon installed?)"
    )]
    UnknownSchedule { schedule_id: i64 },

    #[error("Odoo unreachable: {message}; check the Odoo URL (ODOO_URL) and that Odoo runs")]
    OdooUnreachable { message: String },

    #[error("{message}")]
    OdooCredentials { message: String },

    #[error("Odoo refused the operation: {message}")]
    OdooRefused { message: String },

    #[error("archive invalid: {message}")]
    ArchiveInvalid { message: String },

    #[error("{message}")]
    ArchiveOtherTenant { message: String },

    /// No trusted key signed the archive, and the restore did not allow that.
    #[error("{message}")]
    ArchiveNotTrusted { message: String },

    #[error("backup {backup_id} is in use ({why}): retry once that has ended")]
    BackupInUse { backup_id: String, why: String },

    #[error("{message}")]
    Internal { message: String },

    #[error(
        "the sidecar is shutting down: it lets its running jobs end and takes no new one; retry once it is back"
    )]
    ShuttingDown,
}

impl ServiceError {
    /// The documented code (docs/API.md).
    pub fn code(&self) -> i32 {
        match self {
            ServiceError::Unauthorized => codes::UNAUTHORIZED,
            ServiceError::InvalidParams { .. } => codes::INVALID_PARAMS,
            ServiceError::UnknownTenant { .. } => codes::UNKNOWN_TENANT,
            ServiceError::UnknownBackup { .. } => codes::UNKNOWN_BACKUP,
            ServiceError::UnknownJob { .. } => codes::UNKNOWN_JOB,
            ServiceError::UnknownSchedule { .. } => codes::UNKNOWN_SCHEDULE,
            ServiceError::OdooUnreachable { .. } => codes::ODOO_UNREACHABLE,
            ServiceError::OdooCredentials { .. } => codes::ODOO_CREDENTIALS,
            ServiceError::OdooRefused { .. } => codes::ODOO_REFUSED,
            ServiceError::ArchiveInvalid { .. } => codes::ARCHIVE_INVALID,
            ServiceError::ArchiveOtherTenant { .. } => codes::ARCHIVE_OTHER_TENANT,
            ServiceError::ArchiveNotTrusted { .. } => codes::ARCHIVE_NOT_TRUSTED,
            ServiceError::BackupInUse { .. } => codes::BACKUP_IN_USE,
            ServiceError::Internal { .. } => codes::INTERNAL,
            ServiceError::ShuttingDown => codes::SHUTTING_DOWN,
        }
    }

    pub(crate) fn invalid(param: &str, reason: impl Into<String>) -> ServiceError {
        ServiceError::InvalidParams {
            param: param.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn internal(message: impl Into<String>) -> ServiceError {
        ServiceError::Internal {
            message: message.into(),
        }
    }

    /// An Odoo failure, with what the service was doing when it happened.
    pub(crate) fn odoo(step: &str, error: OdooError) -> ServiceError {
        let message = format!("{step}: {error}");
        classify_odoo(&error, message)
    }

    /// Whether the failure may be Odoo being down, rather than something about the request.
    pub fn is_odoo_unreachable(&self) -> bool {
        matches!(self, ServiceError::OdooUnreachable { .. })
    }
}

fn classify_odoo(error: &OdooError, message: String) -> ServiceError {
    match error {
        OdooError::Transport { .. } | OdooError::SessionExpired { .. } => {
            ServiceError::OdooUnreachable { message }
        }
        OdooError::Http { status, .. } if *status >= 500 || *status == 429 || *status == 404 => {
            ServiceError::OdooUnreachable { message }
        }
        OdooError::AccessDenied { .. } => ServiceError::OdooCredentials { message },
        _ => ServiceError::OdooRefused { message },
    }
}

impl From<OdooError> for ServiceError {
    fn from(error: OdooError) -> Self {
        let message = error.to_string();
        classify_odoo(&error, message)
    }
}

impl From<BackupError> for ServiceError {
    fn from(error: BackupError) -> Self {
        let message = error.to_string();
        match &error {
            BackupError::UnknownTenant { selector, known } => ServiceError::UnknownTenant {
                selector: selector.clone(),
                known: format!("the tenants are {known} (`tenants.list`)"),
            },
            BackupError::Odoo { source, .. } | BackupError::ModelUnreadable { source, .. } => {
                classify_odoo(source, message)
            }
            BackupError::Write { .. } => ServiceError::Internal { message },
            BackupError::PreviousArchive { .. } => ServiceError::ArchiveInvalid { message },
        }
    }
}

impl From<ArchiveError> for ServiceError {
    fn from(error: ArchiveError) -> Self {
        ServiceError::ArchiveInvalid {
            message: error.to_string(),
        }
    }
}

impl From<RestoreError> for ServiceError {
    fn from(error: RestoreError) -> Self {
        let message = error.to_string();
        match error {
            RestoreError::Archive { .. }
            | RestoreError::MalformedArchive { .. }
            | RestoreError::ArchiveChanged { .. } => ServiceError::ArchiveInvalid { message },
            RestoreError::WrongTenant { .. }
            | RestoreError::WrongDatabase { .. }
            | RestoreError::MissingDatabaseUuid { .. }
            | RestoreError::Tampered { .. } => ServiceError::ArchiveOtherTenant { message },
            RestoreError::NotTrusted { .. } => ServiceError::ArchiveNotTrusted { message },
            RestoreError::Odoo { source, .. } => classify_odoo(&source, message),
            // The tenant's state stops the restore until someone checks it, as Odoo's refusal
            // of a call would.
            RestoreError::Interrupted { .. } => ServiceError::OdooRefused { message },
            RestoreError::SafetyBackup { source, .. } => match ServiceError::from(*source) {
                ServiceError::OdooUnreachable { .. } => ServiceError::OdooUnreachable { message },
                ServiceError::OdooCredentials { .. } => ServiceError::OdooCredentials { message },
                ServiceError::OdooRefused { .. } => ServiceError::OdooRefused { message },
                _ => ServiceError::Internal { message },
            },
        }
    }
}

impl From<ServiceError> for ErrorObjectOwned {
    fn from(error: ServiceError) -> Self {
        ErrorObjectOwned::owned(error.code(), error.to_string(), None::<()>)
    }
}

/// A string that came from the network, cut to `max` characters for a log line or an error
/// message: a caller must not be able to make the service write or echo megabytes.
pub(crate) fn clip(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let length = text.chars().count();
    if length <= max {
        return std::borrow::Cow::Borrowed(text);
    }
    let kept: String = text.chars().take(max).collect();
    std::borrow::Cow::Owned(format!("{kept}… ({length} characters)"))
}

/// The `{"code", "message"}` object a job or a backup carries when it failed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ErrorInfo {
    pub code: i32,
    pub message: String,
}

impl From<&ServiceError> for ErrorInfo {
    fn from(error: &ServiceError) -> Self {
        ErrorInfo {
            code: error.code(),
            message: error.to_string(),
        }
    }
}

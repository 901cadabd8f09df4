//! Why a restore is refused or stops: where it happened (tenant, archive, model, record id,
//! entry) and what to do about it.
//!
//! Failures of single records are not errors: they are collected in the report
//! ([`crate::RecordFailure`]) and the restore goes on. The errors below stop the restore before
//! its first write (refusals of the archive, of the target, Odoo unreachable during planning) or
//! stop it where it is (Odoo unreachable while writing, a safety backup that failed).

use std::path::PathBuf;

use backup_engine::{ArchiveError, BackupError, SignatureCheck};
use odoo_client::OdooError;

/// Why a restore did not run, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// The archive is damaged, modified, unsafe to read or of an unknown format version.
    #[error("archive {path}: {source}; nothing was written")]
    Archive {
        path: PathBuf,
        #[source]
        source: Box<ArchiveError>,
    },

    /// No trusted key signed the archive, and the operator did not allow that.
    #[error(
        "archive {path} is {what}: nothing vouches that a sidecar of yours made it, so it is refused; \
         {how} nothing was written",
        what = signature.describe(),
        how = match signature {
            SignatureCheck::Untrusted { .. } => "if that key is yours, add its public key to trusted_keys in the [signing] table; to restore it anyway, allow it explicitly (--allow-unsigned, or allow_unsigned in restore.start);",
            _ => "archives made before signing are restored by allowing it explicitly (--allow-unsigned, or allow_unsigned in restore.start);",
        }
    )]
    NotTrusted {
        path: PathBuf,
        signature: SignatureCheck,
    },

    /// The archive is structurally readable but its content cannot be a tenant backup.
    #[error("archive {path}: {reason}; nothing was written")]
    MalformedArchive { path: PathBuf, reason: String },

    /// The archive belongs to another company than the one asked for.
    #[error(
        "archive {path} holds company {archive_company_id} ({archive_tenant}), not the target tenant {target}: \
         a backup can only be restored into the company it was taken from; nothing was written"
    )]
    WrongTenant {
        path: PathBuf,
        archive_company_id: i64,
        archive_tenant: String,
        target: String,
    },

    /// The archive was taken from another database (or a copy of it).
    #[error(
        "archive {path} comes from the database with uuid {archive_uuid}, this Odoo's database has uuid {target_uuid}: \
         record ids of one database mean nothing in another, so the archive is refused; nothing was written"
    )]
    WrongDatabase {
        path: PathBuf,
        archive_uuid: String,
        target_uuid: String,
    },

    /// One side has no database uuid, so the archive's origin cannot be proven.
    #[error(
        "{side} has no database uuid (ir.config_parameter database.uuid), so the archive's origin cannot be checked; \
         nothing was written"
    )]
    MissingDatabaseUuid { side: &'static str },

    /// The archive names records or references that are not the tenant's: it was modified, or
    /// it was assembled from another tenant's data. The whole archive is refused.
    #[error(
        "archive {path} was tampered with or is not this tenant's: {model} record {archive_id}: {reason}; \
         the whole archive is refused and nothing was written"
    )]
    Tampered {
        path: PathBuf,
        model: String,
        archive_id: i64,
        reason: String,
    },

    /// A call needed to plan or carry out the restore failed.
    #[error("tenant {tenant}: {step}: {source}")]
    Odoo {
        tenant: String,
        step: String,
        #[source]
        source: Box<OdooError>,
    },

    /// The safety backup failed, so no write was made.
    #[error(
        "tenant {tenant}: the safety backup into {directory} failed, so nothing was restored: {source}. \
         Fix the cause, or pass --no-safety-backup (safety_backup: disabled) to restore without one"
    )]
    SafetyBackup {
        tenant: String,
        directory: PathBuf,
        #[source]
        source: Box<BackupError>,
    },

    /// The archive changed between planning and execution.
    #[error(
        "archive {path} changed since the restore was planned ({what}): plan the restore again; nothing was written"
    )]
    ArchiveChanged { path: PathBuf, what: String },

    /// An earlier restore stopped between creating records and recording their ids, and the
    /// records it created cannot be told apart from others made since.
    #[error(
        "tenant {tenant}: an earlier restore was interrupted while creating {model} records ({archive_ids} of the archive) and did not record their ids; {found} such records were made since by the same user, so which are the restore's cannot be told. Check the tenant's {model} records made after {since} UTC, delete the restore's duplicates if any, then delete the ir.model.data rows of module __tenant_restore__ whose name holds \"pending\", and restore again; nothing was written"
    )]
    Interrupted {
        tenant: String,
        model: String,
        archive_ids: usize,
        found: usize,
        since: String,
    },
}

impl RestoreError {
    /// Turns a failed Odoo call of `tenant`'s restore into an error, `step` saying what the
    /// call was for.
    pub(crate) fn odoo(
        tenant: &str,
        step: String,
    ) -> impl FnOnce(OdooError) -> RestoreError + use<> {
        let tenant = tenant.to_owned();
        move |source| RestoreError::Odoo {
            tenant,
            step,
            source: Box::new(source),
        }
    }
}

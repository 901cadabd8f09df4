//! The engine's errors: where it happened (tenant, model, archive entry) and what to do about it.

use std::path::PathBuf;

use odoo_client::OdooError;

/// Why a backup failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The tenant asked for is not a company this user can see.
    #[error(
        "no company matches {selector:?}; the tenants this user can see are: {known} (run `tenant-backup tenants`)"
    )]
    UnknownTenant { selector: String, known: String },

    /// A call that the backup cannot do without failed.
    #[error("tenant {tenant}: {step}: {source}")]
    Odoo {
        tenant: String,
        step: String,
        #[source]
        source: OdooError,
    },

    /// A model that holds tenant data could not be read. Nothing is skipped in silence: either
    /// fix the cause (usually the backup user's access rights) or declare the model optional.
    #[error(
        "tenant {tenant}: model {model} cannot be read, so the backup would be incomplete: {source}. \
         Give the backup user read access to it, or, if this model may be left out of backups, \
         add it to `optional_models` in the [backup] table of the configuration file"
    )]
    ModelUnreadable {
        tenant: String,
        model: String,
        #[source]
        source: OdooError,
    },

    /// The archive could not be written.
    #[error("tenant {tenant}: {source}")]
    Write {
        tenant: String,
        #[source]
        source: WriteError,
    },
    /// A file the incremental read copies from the previous archive is damaged: it was sound
    /// when the backup began, so the store's disk is failing or the file was changed meanwhile.
    #[error(
        "tenant {tenant}: the previous archive {archive} turned out damaged while copying from it ({source}); check the store's disk, then back up again (a full read follows)"
    )]
    PreviousArchive {
        tenant: String,
        archive: std::path::PathBuf,
        #[source]
        source: ArchiveError,
    },
}

/// Why writing an archive failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot {action} {path}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error("archive entry {entry}: {source}")]
    Zip {
        entry: String,
        #[source]
        source: zip::result::ZipError,
    },

    #[error(
        "{model} record {id}, field {field}: Odoo sent a binary value that cannot be decoded: {reason}"
    )]
    BadBinary {
        model: String,
        id: i64,
        field: String,
        reason: String,
    },

    #[error(
        "{path} already exists: a backup of this tenant was made in the same second; try again"
    )]
    AlreadyExists { path: PathBuf },

    /// The reading side stopped before the archive was complete; its error is the one to report.
    #[error("the backup stopped before the archive was complete")]
    Aborted,

    #[error("cannot sign the archive: {reason}")]
    Signing { reason: String },
}

/// Why an archive is not sound, or cannot be read. The message names the entry and what is
/// wrong with it; the first problem found is the one reported.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "{path} is not a readable ZIP archive ({reason}): the file is truncated or is not a tenant backup"
    )]
    NotAZip { path: PathBuf, reason: String },

    #[error(
        "entry {entry:?} has an unsafe name (absolute, `..`, backslash or control character): refusing the archive"
    )]
    UnsafeEntryName { entry: String },

    #[error("entry {entry}: {reason}: refusing the archive")]
    SuspiciousEntry { entry: String, reason: String },

    #[error(
        "{path} is encrypted and no age identity is configured to open it: set identity_file in the \
         [encryption] table of the configuration file (or BACKUP_AGE_IDENTITY_FILE) to the identity \
         file of a key it was encrypted to"
    )]
    NeedsIdentity { path: PathBuf },

    #[error(
        "{path} is encrypted to none of the configured identities ({tried}), or its header was \
         modified or damaged: add to the identity file the key it was encrypted to (a key used \
         before a rotation, or the escrow key)"
    )]
    WrongIdentity { path: PathBuf, tried: String },

    #[error("{path} cannot be decrypted ({reason}): the encrypted file was modified or damaged")]
    Decryption { path: PathBuf, reason: String },

    #[error(
        "{entry}: the signature{by} does not match metadata.json ({reason}): the archive was modified \
         after it was signed, refusing it",
        by = key_id.as_ref().map(|id| format!(" by key {id}")).unwrap_or_default()
    )]
    BadSignature {
        entry: String,
        key_id: Option<String>,
        reason: String,
    },

    #[error("metadata.json is missing: this is not a tenant backup, or it was not finished")]
    MissingMetadata,

    #[error("metadata.json cannot be read: {reason}")]
    BadMetadata { reason: String },

    #[error(
        "metadata.json: format {found:?} is not a tenant backup (expected \"quelyos-tenant-backup\")"
    )]
    WrongFormat { found: String },

    #[error(
        "metadata.json: format version {found} is not supported by this tool (it reads versions {supported}): \
         use a newer tenant-backup"
    )]
    UnsupportedVersion { found: u32, supported: String },

    #[error("entry {entry} is listed in metadata.json but missing from the archive")]
    MissingEntry { entry: String },

    #[error(
        "entry {entry} is in the archive but not listed in metadata.json: the archive was modified"
    )]
    UnlistedEntry { entry: String },

    #[error(
        "entry {entry}: SHA-256 mismatch (metadata.json says {expected}, content is {actual}): the entry is damaged or was modified"
    )]
    ChecksumMismatch {
        entry: String,
        expected: String,
        actual: String,
    },

    #[error(
        "entry {entry}: size mismatch (metadata.json says {expected} bytes, content has {actual}): the entry is damaged or was modified"
    )]
    SizeMismatch {
        entry: String,
        expected: u64,
        actual: u64,
    },

    #[error("entry {entry} cannot be decompressed: {reason}: the archive is damaged")]
    CorruptEntry { entry: String, reason: String },

    #[error("data.json is not valid: {reason}")]
    BadData { reason: String },

    #[error("data.json: {model} has {actual} records but metadata.json counts {expected}")]
    CountMismatch {
        model: String,
        expected: u64,
        actual: u64,
    },

    #[error("data.json: {model} record {id}, field {field} refers to {file}, which {problem}")]
    BadFileReference {
        model: String,
        id: i64,
        field: String,
        file: String,
        problem: String,
    },
}

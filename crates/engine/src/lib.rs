//! Complete, verifiable backups of one company (tenant) of a multi-company Odoo.
//!
//! [`backup`] discovers the tenant's models from Odoo's own metadata, reads every record through
//! the external API (pinned to the tenant) and streams them into an archive of format version 3
//! (`docs/ARCHIVE_FORMAT.md`): `metadata.json`, `data.json` and `filestore/`. [`verify`] checks an
//! archive; [`read_archive`] opens one for a restore. The engine never writes to Odoo.
//!
//! ```no_run
//! # async fn example(client: odoo_client::OdooClient) -> Result<(), Box<dyn std::error::Error>> {
//! use backup_engine::{BackupOptions, BackupRequest, NoProgress, TenantSelector};
//!
//! let tenant = "boutique-sport".parse::<TenantSelector>()?;
//! let request = BackupRequest {
//!     tenant: backup_engine::resolve_tenant(&client, &tenant).await?,
//!     out_dir: "/var/backups/odoo".into(),
//!     options: BackupOptions::default(),
//! };
//! let report = backup_engine::backup(&client, &request, &NoProgress).await?;
//! println!("{} records in {}", report.record_count, report.archive.display());
//! let verified = backup_engine::verify(&report.archive)?;
//! assert_eq!(verified.metadata.record_count, report.record_count);
//! # Ok(())
//! # }
//! ```

mod archive;
pub mod config;
mod discovery;
mod error;
mod export;
pub mod incremental;
pub mod private_files;
mod progress;
pub mod protection;
mod report;
mod tenant;
mod verify;

pub use archive::format::{
    DATA_ENTRY, ENCRYPTED_SUFFIX, EXTERNAL_IDS_KEY, EntryDigest, ExcludedModel, FORMAT_NAME,
    FORMAT_VERSION, FileReference, Languages, METADATA_ENTRY, Metadata, ModuleInfo, OdooInfo,
    PreviousArchiveInfo, ReadInfo, ReadKind, SIGNATURE_ENTRY, SOURCE_LANGUAGE, SUPPORTED_VERSIONS,
    SkippedAttachment, SkippedModel, TRANSLATIONS_KEY, TenantInfo, UnresolvedReference,
    archive_file_name,
};
pub use archive::reader::{ArchiveReader, ExternalIds, ReadLimits, ZipBytes, read_archive};
pub use discovery::{
    DEFAULT_OPTIONAL_MODELS, DENIED_FIELDS, DENIED_MODELS, LINKED_MODELS, denied_reason,
    linked_model,
};
pub use error::{ArchiveError, BackupError, WriteError};
pub use export::{BackupOptions, BackupRequest, active_languages, backup, check_output_dir};
pub use progress::{NoProgress, Progress, ProgressSink};
pub use protection::{ArchiveKeys, Protection, SignatureCheck};
pub use report::BackupReport;
pub use tenant::{Tenant, TenantSelector, assign_codes, list_tenants, resolve_tenant, slug};
pub use verify::{VerifiedArchive, verify, verify_with, verify_with_records};

//! Where finished archives and the records that describe them are kept.
//!
//! [`BackupStore`] is what the service needs of a backend: keep a record per backup, take a
//! finished archive in, stream it out, hand a local file to verify and restore, delete both.
//! [`LocalStore`] keeps them in a directory on this machine: the primary copy, which every
//! backup is written to first. [`BucketStore`] keeps the same two objects per backup in an
//! S3-compatible bucket under a prefix (`<prefix><backup_id>/backup.json`, then
//! `<prefix><backup_id>/<file name>`), so that a bucket describes itself: a sidecar with an empty
//! disk lists and restores what it holds. `copies.rs` keeps, beside each local record, the state
//! of its copies in the buckets.
//!
//! Layout of the local directory:
//!
//! ```text
//! <store>/<backup_id>/backup.json                          the record (docs/API.md's Backup)
//! <store>/<backup_id>/backup_<code>_<YYYYmmdd_HHMMSS>.zip  the archive, once done
//! <store>/<backup_id>/copies.json                          its copies in buckets, if any
//! ```
//!
//! Every file is written under a hidden `.partial` name and renamed when complete, so a crash
//! leaves at most hidden files, which [`LocalStore::open`] removes.

mod bucket;
pub(crate) mod copies;
mod local;

pub use bucket::{BucketSettings, BucketStore, DEFAULT_PART_SIZE};
pub use local::LocalStore;
pub(crate) use local::write_atomically;

use std::path::{Path, PathBuf};
use std::pin::Pin;

use async_trait::async_trait;
use tokio::io::AsyncRead;

use crate::wire::{Backup, BackupCopy};

const RECORD_FILE: &str = "backup.json";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("backup store: cannot {action} {path}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error("backup store: {path} is not a backup record: {reason}")]
    BadRecord { path: PathBuf, reason: String },

    #[error("backup store: no backup {backup_id:?}")]
    NotFound { backup_id: String },

    #[error("backup store: backup {backup_id} has no archive (status {status})")]
    NoArchive { backup_id: String, status: String },

    /// A bucket refused or failed a request; `cause` is the object-storage client's message,
    /// which never holds the secret key.
    #[error("backup store {store:?}: cannot {action} {key}: {cause}")]
    Bucket {
        store: String,
        action: &'static str,
        key: String,
        cause: String,
    },
}

impl StoreError {
    /// A bucket refused the credentials or does not exist: the configuration is wrong, and no
    /// retry will change that.
    pub fn is_configuration_error(&self) -> bool {
        matches!(self, StoreError::Bucket { cause, .. } if bucket::is_configuration_problem(cause))
    }

    pub(crate) fn io(
        path: &Path,
        action: &'static str,
    ) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.to_owned();
        move |source| StoreError::Io {
            path,
            action,
            source,
        }
    }
}

/// An archive opened for streaming.
pub struct ArchiveStream {
    pub reader: Pin<Box<dyn AsyncRead + Send>>,
    pub size: u64,
    pub file_name: String,
}

/// An archive as a file on this machine, for verify and restore. A copy made for the purpose
/// (object storage) is removed when this is dropped; the local store's own file is not.
#[derive(Debug)]
pub struct LocalArchive {
    path: PathBuf,
    remove_when_dropped: bool,
}

impl LocalArchive {
    /// The store's own file, left in place.
    pub fn in_place(path: PathBuf) -> LocalArchive {
        LocalArchive {
            path,
            remove_when_dropped: false,
        }
    }

    /// A temporary copy, removed when dropped.
    pub fn temporary(path: PathBuf) -> LocalArchive {
        LocalArchive {
            path,
            remove_when_dropped: true,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LocalArchive {
    fn drop(&mut self) {
        if self.remove_when_dropped {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Keeps archives and their records. Implementations must make every write atomic: a reader
/// never sees half a record or half an archive.
#[async_trait]
pub trait BackupStore: Send + Sync + 'static {
    /// Creates or replaces the record of `backup.backup_id`.
    async fn save(&self, backup: &Backup) -> Result<(), StoreError>;

    async fn get(&self, backup_id: &str) -> Result<Option<Backup>, StoreError>;

    /// Every record, in no particular order.
    async fn list(&self) -> Result<Vec<Backup>, StoreError>;

    /// Takes the finished archive at `source` in as the archive of `backup_id` (the file is
    /// moved, or copied then removed) and returns its size.
    async fn put_archive(
        &self,
        backup_id: &str,
        file_name: &str,
        source: &Path,
    ) -> Result<u64, StoreError>;

    /// Opens the archive for streaming; the caller has checked the backup is done.
    async fn open_archive(&self, backup: &Backup) -> Result<ArchiveStream, StoreError>;

    /// The archive as a local file.
    async fn local_copy(&self, backup: &Backup) -> Result<LocalArchive, StoreError>;

    /// Deletes the archive and the record. Deleting what is not there is not an error.
    async fn delete(&self, backup_id: &str) -> Result<(), StoreError>;

    /// The state of the backup's copies in buckets, as [`BackupStore::save_copies`] left it.
    async fn copies(&self, _backup_id: &str) -> Result<Vec<BackupCopy>, StoreError> {
        Ok(Vec::new())
    }

    /// Records the state of the backup's copies in buckets, apart from its record.
    async fn save_copies(&self, backup_id: &str, _copies: &[BackupCopy]) -> Result<(), StoreError> {
        Err(StoreError::NotFound {
            backup_id: backup_id.to_owned(),
        })
    }
}

/// Whether `backup_id` can name a backup: what the service makes (`20260130T164220Z-code-3f9a`),
/// so that an id from a request can never name a path outside the store.
pub fn is_valid_backup_id(backup_id: &str) -> bool {
    !backup_id.is_empty()
        && backup_id.len() <= 160
        && !backup_id.starts_with(['.', '-'])
        && backup_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

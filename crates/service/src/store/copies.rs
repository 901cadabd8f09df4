//! The state of a backup's copies in buckets, kept beside its local record
//! (`<store>/<backup_id>/copies.json`). Only the replication writes it; the record itself stays
//! the service's, so that neither overwrites what the other wrote.

use std::path::Path;

use super::StoreError;
use super::local::write_atomically;
use crate::wire::BackupCopy;

pub(crate) const COPIES_FILE: &str = "copies.json";

/// The copies recorded for the backup in `dir`; none when nothing was recorded.
pub(crate) async fn read(dir: &Path) -> Result<Vec<BackupCopy>, StoreError> {
    let path = dir.join(COPIES_FILE);
    match tokio::fs::read(&path).await {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| StoreError::BadRecord {
            path,
            reason: error.to_string(),
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(error) => Err(StoreError::Io {
            path,
            action: "read",
            source: error,
        }),
    }
}

/// Replaces the copies recorded for the backup in `dir`, atomically.
pub(crate) async fn write(dir: &Path, copies: &[BackupCopy]) -> Result<(), StoreError> {
    let path = dir.join(COPIES_FILE);
    let bytes = serde_json::to_vec_pretty(copies).map_err(|error| StoreError::BadRecord {
        path: path.clone(),
        reason: error.to_string(),
    })?;
    tokio::task::spawn_blocking(move || {
        write_atomically(&path, &bytes).map_err(StoreError::io(&path, "write"))
    })
    .await
    .map_err(|error| StoreError::Io {
        path: dir.to_owned(),
        action: "write the copies of",
        source: std::io::Error::other(error.to_string()),
    })?
}

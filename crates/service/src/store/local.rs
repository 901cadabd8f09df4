//! The primary copy: archives and records in a directory on this machine.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use backup_engine::private_files::{create_private_dir_all, create_private_file};

use super::{
    ArchiveStream, BackupStore, LocalArchive, RECORD_FILE, StoreError, copies, is_valid_backup_id,
};
use crate::wire::{Backup, BackupCopy};

const DELETING_PREFIX: &str = ".deleting-";

/// Archives in a local directory.
#[derive(Clone, Debug)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// Opens (and creates) the directory, and removes what an interrupted write or delete left:
    /// hidden `.partial` files and half-deleted backups.
    pub fn open(root: impl Into<PathBuf>) -> Result<LocalStore, StoreError> {
        let root = root.into();
        create_private_dir_all(&root).map_err(StoreError::io(&root, "create the directory"))?;
        let entries = std::fs::read_dir(&root).map_err(StoreError::io(&root, "list"))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if name.starts_with(DELETING_PREFIX) {
                tracing::info!(path = %path.display(), "removing a backup whose deletion was interrupted");
                let _ = std::fs::remove_dir_all(&path);
            } else if is_valid_backup_id(&name) && path.is_dir() {
                remove_partial_files(&path);
            } else if name.ends_with(".partial") && path.is_file() {
                let _ = std::fs::remove_file(&path);
            }
        }
        Ok(LocalStore { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn dir(&self, backup_id: &str) -> Result<PathBuf, StoreError> {
        if !is_valid_backup_id(backup_id) {
            return Err(StoreError::NotFound {
                backup_id: backup_id.to_owned(),
            });
        }
        Ok(self.root.join(backup_id))
    }

    fn archive_path(&self, backup: &Backup) -> Result<PathBuf, StoreError> {
        if backup.file_name.contains(['/', '\\']) || backup.file_name.starts_with('.') {
            return Err(StoreError::BadRecord {
                path: self.dir(&backup.backup_id)?.join(RECORD_FILE),
                reason: format!("file name {:?} is not a plain name", backup.file_name),
            });
        }
        Ok(self.dir(&backup.backup_id)?.join(&backup.file_name))
    }
}

/// Removes the hidden `.partial` files of one backup directory.
fn remove_partial_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(".partial") {
            tracing::info!(path = %entry.path().display(), "removing an unfinished file");
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// For tests only (crates/tenant-backup/tests/serve.rs): when set, writing a file whose name
/// starts with its value stops for good once the hidden `.partial` copy is synced, so that a
/// test can kill the process at that point and check what a restart leaves.
const PAUSE_BEFORE_RENAME: &str = "BACKUPD_TEST_PAUSE_BEFORE_RENAME";

/// Writes `bytes` to `path` atomically: a hidden `.partial` sibling, synced, then renamed.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = dir.join(format!(".{name}.partial"));
    let mut file = create_private_file(&partial)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    if std::env::var(PAUSE_BEFORE_RENAME)
        .is_ok_and(|prefix| !prefix.is_empty() && name.starts_with(&prefix))
    {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
    std::fs::rename(&partial, path)?;
    // The rename is durable once the directory is synced; not every platform can open one.
    if let Ok(directory) = std::fs::File::open(dir) {
        let _ = directory.sync_all();
    }
    Ok(())
}

#[async_trait]
impl BackupStore for LocalStore {
    async fn save(&self, backup: &Backup) -> Result<(), StoreError> {
        let dir = self.dir(&backup.backup_id)?;
        let path = dir.join(RECORD_FILE);
        let bytes = serde_json::to_vec_pretty(backup).map_err(|error| StoreError::BadRecord {
            path: path.clone(),
            reason: error.to_string(),
        })?;
        tokio::task::spawn_blocking(move || {
            create_private_dir_all(&dir).map_err(StoreError::io(&dir, "create the directory"))?;
            write_atomically(&path, &bytes).map_err(StoreError::io(&path, "write"))
        })
        .await
        .map_err(|error| StoreError::Io {
            path: self.root.clone(),
            action: "write a record in",
            source: std::io::Error::other(error.to_string()),
        })?
    }

    async fn get(&self, backup_id: &str) -> Result<Option<Backup>, StoreError> {
        if !is_valid_backup_id(backup_id) {
            return Ok(None);
        }
        read_record(&self.root.join(backup_id).join(RECORD_FILE)).await
    }

    async fn list(&self) -> Result<Vec<Backup>, StoreError> {
        let mut entries = tokio::fs::read_dir(&self.root)
            .await
            .map_err(StoreError::io(&self.root, "list"))?;
        let mut backups = Vec::new();
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(StoreError::io(&self.root, "list"))?
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_valid_backup_id(&name) {
                continue;
            }
            match read_record(&entry.path().join(RECORD_FILE)).await {
                Ok(Some(backup)) => backups.push(backup),
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "skipping an unreadable backup record"),
            }
        }
        Ok(backups)
    }

    async fn put_archive(
        &self,
        backup_id: &str,
        file_name: &str,
        source: &Path,
    ) -> Result<u64, StoreError> {
        let dir = self.dir(backup_id)?;
        let target = dir.join(file_name);
        let source = source.to_owned();
        let file_name = file_name.to_owned();
        tokio::task::spawn_blocking(move || {
            create_private_dir_all(&dir).map_err(StoreError::io(&dir, "create the directory"))?;
            if std::fs::rename(&source, &target).is_err() {
                // Another file system: copy under a hidden name, sync, rename, then remove.
                let partial = dir.join(format!(".{file_name}.partial"));
                std::fs::copy(&source, &partial)
                    .map_err(StoreError::io(&partial, "copy the archive to"))?;
                std::fs::File::open(&partial)
                    .and_then(|file| file.sync_all())
                    .map_err(StoreError::io(&partial, "sync"))?;
                std::fs::rename(&partial, &target)
                    .map_err(StoreError::io(&target, "rename the archive to"))?;
                let _ = std::fs::remove_file(&source);
            }
            if let Ok(directory) = std::fs::File::open(&dir) {
                let _ = directory.sync_all();
            }
            std::fs::metadata(&target)
                .map(|metadata| metadata.len())
                .map_err(StoreError::io(&target, "read the size of"))
        })
        .await
        .map_err(|error| StoreError::Io {
            path: self.root.clone(),
            action: "store an archive in",
            source: std::io::Error::other(error.to_string()),
        })?
    }

    async fn open_archive(&self, backup: &Backup) -> Result<ArchiveStream, StoreError> {
        let path = self.archive_path(backup)?;
        let file = tokio::fs::File::open(&path).await.map_err(|error| {
            if error.kind() == std::io::ErrorKind::NotFound {
                StoreError::NoArchive {
                    backup_id: backup.backup_id.clone(),
                    status: format!("{:?}", backup.status).to_lowercase(),
                }
            } else {
                StoreError::Io {
                    path: path.clone(),
                    action: "open",
                    source: error,
                }
            }
        })?;
        let size = file
            .metadata()
            .await
            .map_err(StoreError::io(&path, "read the size of"))?
            .len();
        Ok(ArchiveStream {
            reader: Box::pin(file),
            size,
            file_name: backup.file_name.clone(),
        })
    }

    async fn local_copy(&self, backup: &Backup) -> Result<LocalArchive, StoreError> {
        let path = self.archive_path(backup)?;
        if tokio::fs::metadata(&path).await.is_err() {
            return Err(StoreError::NoArchive {
                backup_id: backup.backup_id.clone(),
                status: format!("{:?}", backup.status).to_lowercase(),
            });
        }
        Ok(LocalArchive::in_place(path))
    }

    async fn copies(&self, backup_id: &str) -> Result<Vec<BackupCopy>, StoreError> {
        copies::read(&self.dir(backup_id)?).await
    }

    async fn save_copies(&self, backup_id: &str, copies: &[BackupCopy]) -> Result<(), StoreError> {
        let dir = self.dir(backup_id)?;
        if tokio::fs::metadata(dir.join(RECORD_FILE)).await.is_err() {
            // Deleted meanwhile: its copies are no one's.
            return Err(StoreError::NotFound {
                backup_id: backup_id.to_owned(),
            });
        }
        copies::write(&dir, copies).await
    }

    async fn delete(&self, backup_id: &str) -> Result<(), StoreError> {
        let dir = self.dir(backup_id)?;
        // Renamed first, so that a crash mid-way leaves a hidden directory that `open` removes,
        // never a record whose archive is half gone.
        let doomed = self.root.join(format!("{DELETING_PREFIX}{backup_id}"));
        match tokio::fs::rename(&dir, &doomed).await {
            Ok(()) => tokio::fs::remove_dir_all(&doomed)
                .await
                .map_err(StoreError::io(&doomed, "remove")),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(StoreError::Io {
                path: dir,
                action: "delete",
                source: error,
            }),
        }
    }
}

async fn read_record(path: &Path) -> Result<Option<Backup>, StoreError> {
    match tokio::fs::read(path).await {
        Ok(bytes) => {
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|error| StoreError::BadRecord {
                    path: path.to_owned(),
                    reason: error.to_string(),
                })
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(StoreError::Io {
            path: path.to_owned(),
            action: "read",
            source: error,
        }),
    }
}

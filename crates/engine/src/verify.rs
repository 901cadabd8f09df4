//! Checks that an archive is sound: the first problem found is reported, naming the entry and
//! what is wrong with it.
//!
//! In order: a readable zip; safe entry names and plausible sizes; `metadata.json` present, of
//! this format and a supported version; every entry listed in it and every listed entry present;
//! every entry's size and SHA-256 as listed; `data.json` well-formed, its per-model counts as
//! listed, and every file it refers to present with the same checksum.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::archive::format::{self, DATA_ENTRY, FileReference, METADATA_ENTRY, Metadata};
use crate::archive::reader::{ArchiveReader, ReadLimits};
use crate::error::ArchiveError;

/// A sound archive.
#[derive(Clone, Debug)]
pub struct VerifiedArchive {
    pub path: PathBuf,
    pub metadata: Metadata,
    /// Entries checked, `metadata.json` included.
    pub entry_count: usize,
    /// The archive's size on disk.
    pub size: u64,
}

/// Verifies the archive at `path` with the default limits.
pub fn verify(path: impl AsRef<Path>) -> Result<VerifiedArchive, ArchiveError> {
    verify_with(path.as_ref(), ReadLimits::default())
}

pub fn verify_with(path: &Path, limits: ReadLimits) -> Result<VerifiedArchive, ArchiveError> {
    let mut reader = ArchiveReader::open(path, limits)?;
    let metadata = reader.metadata().clone();
    let names = reader.entry_names();

    for name in &names {
        if name != METADATA_ENTRY && !metadata.entries.contains_key(name) {
            return Err(ArchiveError::UnlistedEntry {
                entry: name.clone(),
            });
        }
    }
    for listed in metadata.entries.keys() {
        if !names.iter().any(|name| name == listed) {
            return Err(ArchiveError::MissingEntry {
                entry: listed.clone(),
            });
        }
    }

    for name in names.iter().filter(|name| *name != METADATA_ENTRY) {
        let expected = &metadata.entries[name];
        let (size, sha256) =
            digest(reader.open_entry(name)?).map_err(|error| ArchiveError::CorruptEntry {
                entry: name.clone(),
                reason: error.to_string(),
            })?;
        if size != expected.size {
            return Err(ArchiveError::SizeMismatch {
                entry: name.clone(),
                expected: expected.size,
                actual: size,
            });
        }
        if sha256 != expected.sha256 {
            return Err(ArchiveError::ChecksumMismatch {
                entry: name.clone(),
                expected: expected.sha256.clone(),
                actual: sha256,
            });
        }
    }

    if !metadata.entries.contains_key(DATA_ENTRY) {
        return Err(ArchiveError::MissingEntry {
            entry: DATA_ENTRY.into(),
        });
    }
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    reader.for_each_record(|model, record| {
        *counts.entry(model.to_owned()).or_default() += 1;
        for (field, value) in &record {
            let Some(reference) = FileReference::from_value(value) else {
                continue;
            };
            let problem = match metadata.entries.get(&reference.file) {
                None => Some("is not in the archive".to_owned()),
                Some(_) if !reference.file.starts_with(format::FILESTORE_PREFIX) => {
                    Some("is not under filestore/".to_owned())
                }
                Some(entry) if entry.sha256 != reference.sha256 || entry.size != reference.size => {
                    Some(format!(
                        "has SHA-256 {} and {} bytes, not {} and {} as the record says",
                        entry.sha256, entry.size, reference.sha256, reference.size
                    ))
                }
                Some(_) => None,
            };
            if let Some(problem) = problem {
                return Err(ArchiveError::BadFileReference {
                    model: model.to_owned(),
                    id: record
                        .get("id")
                        .and_then(serde_json::Value::as_i64)
                        .unwrap_or_default(),
                    field: field.clone(),
                    file: reference.file,
                    problem,
                });
            }
        }
        Ok(())
    })?;
    for (model, expected) in &metadata.models {
        let actual = counts.get(model).copied().unwrap_or(0);
        if actual != *expected {
            return Err(ArchiveError::CountMismatch {
                model: model.clone(),
                expected: *expected,
                actual,
            });
        }
    }
    if let Some((model, actual)) = counts
        .iter()
        .find(|(model, _)| !metadata.models.contains_key(*model))
    {
        return Err(ArchiveError::CountMismatch {
            model: model.clone(),
            expected: 0,
            actual: *actual,
        });
    }

    let size = std::fs::metadata(path)
        .map_err(|source| ArchiveError::Io {
            path: path.to_owned(),
            source,
        })?
        .len();
    Ok(VerifiedArchive {
        path: path.to_owned(),
        entry_count: names.len(),
        metadata,
        size,
    })
}

fn digest(mut reader: impl Read) -> io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0_u8; 256 * 1024];
    let mut size = 0_u64;
    loop {
        let read = reader.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    Ok((size, format::hex(&hasher.finalize())))
}

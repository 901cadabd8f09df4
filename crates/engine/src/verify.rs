//! Checks that an archive is sound: the first problem found is reported, naming the entry and
//! what is wrong with it.
//!
//! In order: decrypted when encrypted; a readable zip; safe entry names and plausible sizes; `metadata.json` present, of
//! this format and a supported version; its signature valid or by an untrusted key; every entry listed in it and every listed entry present;
//! every other entry's size and SHA-256 as listed; then `data.json` in one pass: its size and
//! SHA-256 as listed, well-formed, its per-model counts as listed, and every file it refers to
//! present with the same checksum.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use serde_json::{Map, Value};

use crate::archive::format::{
    self, DATA_ENTRY, EntryDigest, FileReference, METADATA_ENTRY, Metadata, SIGNATURE_ENTRY,
};
use crate::archive::reader::{ArchiveReader, ExternalIds, ReadLimits, walk_data, walk_data_slice};
use crate::error::ArchiveError;
use crate::protection::{ArchiveKeys, SignatureCheck};

/// The largest `data.json` parsed from memory rather than streamed.
const IN_MEMORY_DATA: u64 = 256 << 20;

/// A sound archive.
#[derive(Clone, Debug)]
pub struct VerifiedArchive {
    pub path: PathBuf,
    pub metadata: Metadata,
    /// Entries checked, `metadata.json` included.
    pub entry_count: usize,
    /// The archive's size on disk.
    pub size: u64,
    /// Who signed it, and whether that key is trusted here.
    pub signature: SignatureCheck,
    /// The public key (`age1…`) of the identity that decrypted it; `None` when stored in clear.
    pub opened_with: Option<String>,
}

/// Verifies the archive in clear at `path` with the default limits and no keys.
pub fn verify(path: impl AsRef<Path>) -> Result<VerifiedArchive, ArchiveError> {
    verify_with(
        path.as_ref(),
        &ArchiveKeys::default(),
        ReadLimits::default(),
    )
}

pub fn verify_with(
    path: &Path,
    keys: &ArchiveKeys,
    limits: ReadLimits,
) -> Result<VerifiedArchive, ArchiveError> {
    verify_with_records(path, keys, limits, |_, _| Ok(())).map(|(verified, _)| verified)
}

/// Verifies the archive like [`verify_with`] and hands every record of `data.json` to `visit`
/// on the way, so that a reader that needs the records decompresses and parses `data.json`
/// once: the records visited are the very bytes whose checksum is checked. An error from
/// `visit` stops the walk and is returned as is, unless `data.json` is damaged (damage is
/// reported first). Returns the external-id map too.
pub fn verify_with_records(
    path: &Path,
    keys: &ArchiveKeys,
    limits: ReadLimits,
    visit: impl FnMut(&str, Map<String, Value>) -> Result<(), ArchiveError>,
) -> Result<(VerifiedArchive, ExternalIds), ArchiveError> {
    verify_visiting(path, keys, limits, IN_MEMORY_DATA, visit)
}

/// [`verify_with_records`] that always parses `data.json` as it streams: records may be
/// visited before damage further on is found, for a visitor that drops everything on an
/// error (and must not hold `data.json` whole in memory).
pub(crate) fn verify_with_records_streamed(
    path: &Path,
    keys: &ArchiveKeys,
    limits: ReadLimits,
    visit: impl FnMut(&str, Map<String, Value>) -> Result<(), ArchiveError>,
) -> Result<(VerifiedArchive, ExternalIds), ArchiveError> {
    verify_visiting(path, keys, limits, 0, visit)
}

fn verify_visiting(
    path: &Path,
    keys: &ArchiveKeys,
    limits: ReadLimits,
    in_memory_limit: u64,
    mut visit: impl FnMut(&str, Map<String, Value>) -> Result<(), ArchiveError>,
) -> Result<(VerifiedArchive, ExternalIds), ArchiveError> {
    let mut reader = ArchiveReader::open(path, keys, limits)?;
    let metadata = reader.metadata().clone();
    let signature = reader.signature().clone();
    let opened_with = reader.opened_with().map(str::to_owned);
    let names = reader.entry_names();
    let unlisted = |name: &str| name == METADATA_ENTRY || name == SIGNATURE_ENTRY;

    for name in &names {
        if !unlisted(name) && !metadata.entries.contains_key(name) {
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
    let Some(data_expected) = metadata.entries.get(DATA_ENTRY) else {
        return Err(ArchiveError::MissingEntry {
            entry: DATA_ENTRY.into(),
        });
    };

    for name in names
        .iter()
        .filter(|name| !unlisted(name) && *name != DATA_ENTRY)
    {
        let (size, sha256) =
            digest(reader.open_entry(name)?).map_err(|error| ArchiveError::CorruptEntry {
                entry: name.clone(),
                reason: error.to_string(),
            })?;
        check_digest(name, &metadata.entries[name], size, sha256)?;
    }

    // data.json is decompressed once, its bytes hashed on the way. Up to IN_MEMORY_DATA bytes
    // it is read whole and parsed from memory once its checksum is checked; larger, it is
    // parsed as it streams and its checksum checked after.
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut count_and_visit = |model: &str, record: Map<String, Value>| {
        match counts.get_mut(model) {
            Some(count) => *count += 1,
            None => {
                counts.insert(model.to_owned(), 1);
            }
        }
        check_file_references(&metadata, model, &record)?;
        visit(model, record)
    };
    let mut data = Hashing::new(reader.open_entry(DATA_ENTRY)?);
    let mut in_memory = Vec::new();
    let streamed = if data_expected.size <= in_memory_limit {
        in_memory.reserve_exact(data_expected.size as usize);
        // One byte more than listed tells the size is wrong; a read error is kept by `data`.
        let _ = (&mut data)
            .take(data_expected.size + 1)
            .read_to_end(&mut in_memory);
        None
    } else {
        Some(walk_data(
            io::BufReader::with_capacity(256 * 1024, &mut data),
            &mut count_and_visit,
        ))
    };
    // Whatever a walk says, damage is reported as damage: the rest of the entry is hashed too.
    let drained = io::copy(&mut data, &mut io::sink());
    if let Some(reason) = data.failure.take() {
        return Err(ArchiveError::CorruptEntry {
            entry: DATA_ENTRY.into(),
            reason,
        });
    }
    if let Err(error) = drained {
        return Err(ArchiveError::CorruptEntry {
            entry: DATA_ENTRY.into(),
            reason: error.to_string(),
        });
    }
    let (size, sha256) = data.finish();
    check_digest(DATA_ENTRY, data_expected, size, sha256)?;
    let external_ids = match streamed {
        Some(walked) => walked?,
        None => walk_data_slice(&in_memory, &mut count_and_visit)?,
    };

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
    Ok((
        VerifiedArchive {
            path: path.to_owned(),
            entry_count: names.len(),
            metadata,
            size,
            signature,
            opened_with,
        },
        external_ids,
    ))
}

fn check_digest(
    name: &str,
    expected: &EntryDigest,
    size: u64,
    sha256: String,
) -> Result<(), ArchiveError> {
    if size != expected.size {
        return Err(ArchiveError::SizeMismatch {
            entry: name.to_owned(),
            expected: expected.size,
            actual: size,
        });
    }
    if sha256 != expected.sha256 {
        return Err(ArchiveError::ChecksumMismatch {
            entry: name.to_owned(),
            expected: expected.sha256.clone(),
            actual: sha256,
        });
    }
    Ok(())
}

/// Every file a record refers to is in the archive, under `filestore/`, with the same checksum.
fn check_file_references(
    metadata: &Metadata,
    model: &str,
    record: &Map<String, Value>,
) -> Result<(), ArchiveError> {
    for (field, value) in record {
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
                id: record.get("id").and_then(Value::as_i64).unwrap_or_default(),
                field: field.clone(),
                file: reference.file,
                problem,
            });
        }
    }
    Ok(())
}

/// A reader that hashes and counts what passes through it, and remembers the first read error
/// (a JSON parser reports it as its own).
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    size: u64,
    failure: Option<String>,
}

impl<R: Read> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            size: 0,
            failure: None,
        }
    }

    fn finish(self) -> (u64, String) {
        (self.size, format::hex(&self.hasher.finalize()))
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(read) => {
                self.hasher.update(&buf[..read]);
                self.size += read as u64;
                Ok(read)
            }
            Err(error) => {
                if self.failure.is_none() {
                    self.failure = Some(error.to_string());
                }
                Err(error)
            }
        }
    }
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

//! Reads archives, refusing what a restore must never trust: unsafe entry names, entries that
//! expand far beyond their compressed size, entries that produce more bytes than they declare,
//! a signature that does not match. Encrypted archives are decrypted as they are read, in place.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use zip::ZipArchive;

use super::format::{
    self, DATA_ENTRY, EXTERNAL_IDS_KEY, FORMAT_NAME, FileReference, METADATA_ENTRY, Metadata,
    SIGNATURE_ENTRY, SUPPORTED_VERSIONS,
};
use crate::error::ArchiveError;
use crate::protection::sealing::{OpenError, Source};
use crate::protection::{ArchiveKeys, SignatureCheck, signing};

/// The largest signature entry read (minisign's is about 300 bytes).
const MAX_SIGNATURE_SIZE: u64 = 4096;

/// Bounds a reader enforces on every entry.
#[derive(Clone, Copy, Debug)]
pub struct ReadLimits {
    /// Largest uncompressed/compressed ratio accepted for entries over 1 MiB. Deflate cannot do
    /// much better than 1,032:1; JSON of real records stays far below 100:1.
    pub max_ratio: u64,
    /// Largest uncompressed size of one entry.
    pub max_entry_size: u64,
    /// Largest `metadata.json`.
    pub max_metadata_size: u64,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_ratio: 1_000,
            max_entry_size: 64 << 30,
            max_metadata_size: 512 << 20,
        }
    }
}

/// An archive whose structure, entry names and metadata have been checked (not yet its
/// checksums: see [`crate::verify`]).
pub struct ArchiveReader {
    path: PathBuf,
    zip: ZipArchive<Source>,
    metadata: Metadata,
    signature: SignatureCheck,
    /// The public key of the identity that decrypted it; `None` for an archive in clear.
    opened_with: Option<String>,
}

impl std::fmt::Debug for ArchiveReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveReader")
            .field("path", &self.path)
            .field("tenant", &self.metadata.tenant)
            .finish()
    }
}

/// The external-id map of `data.json`: model → record id → `module.name`.
pub type ExternalIds = BTreeMap<String, BTreeMap<i64, String>>;

/// Opens an archive in clear with the default [`ReadLimits`] and no keys.
pub fn read_archive(path: impl AsRef<Path>) -> Result<ArchiveReader, ArchiveError> {
    ArchiveReader::open(
        path.as_ref(),
        &ArchiveKeys::default(),
        ReadLimits::default(),
    )
}

impl ArchiveReader {
    /// Opens an archive: decrypted with the keys' identities when it is encrypted, a readable
    /// zip, every entry name safe and every entry's size plausible, `metadata.json` present and
    /// of a supported format version, and its signature, when it has one, either valid or by a
    /// key that is not trusted here (a trusted key's signature that does not match is refused).
    pub fn open(
        path: &Path,
        keys: &ArchiveKeys,
        limits: ReadLimits,
    ) -> Result<ArchiveReader, ArchiveError> {
        let (source, opened_with) =
            Source::open(path, keys.identities()).map_err(|error| open_error(path, error))?;
        let encrypted = opened_with.is_some();
        let mut zip = ZipArchive::new(source).map_err(|error| {
            if encrypted {
                ArchiveError::Decryption {
                    path: path.to_owned(),
                    reason: error.to_string(),
                }
            } else {
                ArchiveError::NotAZip {
                    path: path.to_owned(),
                    reason: error.to_string(),
                }
            }
        })?;
        for index in 0..zip.len() {
            let name = zip.name_for_index(index).unwrap_or("?").to_owned();
            let entry = zip
                .by_index_raw(index)
                .map_err(|error| ArchiveError::CorruptEntry {
                    entry: name,
                    reason: error.to_string(),
                })?;
            check_entry(
                entry.name(),
                entry.size(),
                entry.compressed_size(),
                entry.is_dir(),
                &limits,
            )?;
        }
        if zip.index_for_name(METADATA_ENTRY).is_none() {
            return Err(ArchiveError::MissingMetadata);
        }
        let mut text = Vec::new();
        open_limited(&mut zip, METADATA_ENTRY, limits.max_metadata_size)?
            .read_to_end(&mut text)
            .map_err(|error| ArchiveError::CorruptEntry {
                entry: METADATA_ENTRY.into(),
                reason: error.to_string(),
            })?;
        let metadata = parse_metadata(&text)?;
        let signature = check_signature(&mut zip, &text, keys)?;
        Ok(ArchiveReader {
            path: path.to_owned(),
            zip,
            metadata,
            signature,
            opened_with,
        })
    }

    /// Who signed the archive, and whether that key is trusted.
    pub fn signature(&self) -> &SignatureCheck {
        &self.signature
    }

    /// The public key (`age1…`) of the identity that decrypted the archive; `None` when it is
    /// stored in clear.
    pub fn opened_with(&self) -> Option<&str> {
        self.opened_with.as_deref()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The archive's entry names, in the order they are stored.
    pub fn entry_names(&self) -> Vec<String> {
        self.zip.file_names().map(str::to_owned).collect()
    }

    /// The uncompressed content of an entry, as a stream that fails if the entry produces more
    /// bytes than it declares.
    pub fn open_entry(&mut self, name: &str) -> Result<impl Read + '_, ArchiveError> {
        open_limited(&mut self.zip, name, u64::MAX)
    }

    /// The bytes of a binary field, checked against the reference's size and SHA-256.
    pub fn read_file(&mut self, reference: &FileReference) -> Result<Vec<u8>, ArchiveError> {
        let mut content = Vec::with_capacity(reference.size.min(64 << 20) as usize);
        self.open_entry(&reference.file)?
            .read_to_end(&mut content)
            .map_err(|error| ArchiveError::CorruptEntry {
                entry: reference.file.clone(),
                reason: error.to_string(),
            })?;
        if content.len() as u64 != reference.size {
            return Err(ArchiveError::SizeMismatch {
                entry: reference.file.clone(),
                expected: reference.size,
                actual: content.len() as u64,
            });
        }
        let actual = format::hex(&Sha256::digest(&content));
        if actual != reference.sha256 {
            return Err(ArchiveError::ChecksumMismatch {
                entry: reference.file.clone(),
                expected: reference.sha256.clone(),
                actual,
            });
        }
        Ok(content)
    }

    /// Walks `data.json` one record at a time (memory holds one record, whatever the archive's
    /// size), calling `visit` with the model and the record; returns the external-id map.
    /// An error from `visit` stops the walk and is returned as is.
    pub fn for_each_record(
        &mut self,
        visit: impl FnMut(&str, Map<String, Value>) -> Result<(), ArchiveError>,
    ) -> Result<ExternalIds, ArchiveError> {
        let reader = io::BufReader::with_capacity(256 * 1024, self.open_entry(DATA_ENTRY)?);
        walk_data(reader, visit)
    }
}

fn open_error(path: &Path, error: OpenError) -> ArchiveError {
    match error {
        OpenError::Io(source) => ArchiveError::Io {
            path: path.to_owned(),
            source,
        },
        OpenError::NoIdentity => ArchiveError::NeedsIdentity {
            path: path.to_owned(),
        },
        OpenError::NoMatchingIdentity(tried) => ArchiveError::WrongIdentity {
            path: path.to_owned(),
            tried: tried.join(", "),
        },
        OpenError::BadHeader(reason) => ArchiveError::Decryption {
            path: path.to_owned(),
            reason,
        },
    }
}

/// The ZIP an archive file holds, as a byte stream: decrypted as it is read when the file is
/// encrypted (a changed byte fails the read), the file itself when it is in clear. For handing
/// the user guide's ZIP out of an encrypted store without a decrypted copy on disk.
pub struct ZipBytes {
    source: Source,
    len: u64,
}

impl ZipBytes {
    pub fn open(path: &Path, keys: &ArchiveKeys) -> Result<ZipBytes, ArchiveError> {
        let (mut source, _) =
            Source::open(path, keys.identities()).map_err(|error| open_error(path, error))?;
        let io_error = |source| ArchiveError::Io {
            path: path.to_owned(),
            source,
        };
        let len = io::Seek::seek(&mut source, io::SeekFrom::End(0)).map_err(io_error)?;
        io::Seek::rewind(&mut source).map_err(io_error)?;
        Ok(ZipBytes { source, len })
    }

    /// The ZIP's size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Read for ZipBytes {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.source.read(buf)
    }
}

/// The signature entry checked against `metadata.json`'s bytes and the trusted keys.
fn check_signature(
    zip: &mut ZipArchive<Source>,
    metadata_json: &[u8],
    keys: &ArchiveKeys,
) -> Result<SignatureCheck, ArchiveError> {
    if zip.index_for_name(SIGNATURE_ENTRY).is_none() {
        return Ok(SignatureCheck::Unsigned);
    }
    let mut text = String::new();
    open_limited(zip, SIGNATURE_ENTRY, MAX_SIGNATURE_SIZE)?
        .read_to_string(&mut text)
        .map_err(|error| ArchiveError::CorruptEntry {
            entry: SIGNATURE_ENTRY.into(),
            reason: error.to_string(),
        })?;
    signing::check(&text, metadata_json, keys.trusted()).map_err(|bad| ArchiveError::BadSignature {
        entry: SIGNATURE_ENTRY.into(),
        key_id: bad.key_id,
        reason: bad.reason,
    })
}

fn parse_metadata(text: &[u8]) -> Result<Metadata, ArchiveError> {
    // Check format and version before the rest, so a future version's new shape is reported as
    // "unsupported version", not as a parse error.
    let value: Value = serde_json::from_slice(text).map_err(|error| ArchiveError::BadMetadata {
        reason: format!("not JSON: {error}"),
    })?;
    let format = value
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if format != FORMAT_NAME {
        return Err(ArchiveError::WrongFormat {
            found: format.to_owned(),
        });
    }
    let version = value
        .get("format_version")
        .and_then(Value::as_u64)
        .ok_or_else(|| ArchiveError::BadMetadata {
            reason: "format_version is missing or not a number".into(),
        })?;
    if !SUPPORTED_VERSIONS.contains(&(version as u32)) || version > u32::MAX as u64 {
        return Err(ArchiveError::UnsupportedVersion {
            found: version.min(u32::MAX as u64) as u32,
            supported: SUPPORTED_VERSIONS
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    serde_json::from_value(value).map_err(|error| ArchiveError::BadMetadata {
        reason: error.to_string(),
    })
}

fn check_entry(
    name: &str,
    size: u64,
    compressed_size: u64,
    is_dir: bool,
    limits: &ReadLimits,
) -> Result<(), ArchiveError> {
    // A directory entry ("a/b/") is judged by its path without the final slash.
    let path = if is_dir {
        name.strip_suffix('/').unwrap_or(name)
    } else {
        name
    };
    let unsafe_name = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.chars().any(char::is_control)
        || (path.len() > 1 && path.as_bytes()[1] == b':')
        || path
            .split('/')
            .any(|component| component.is_empty() || component == "." || component == "..");
    if unsafe_name {
        return Err(ArchiveError::UnsafeEntryName {
            entry: name.to_owned(),
        });
    }
    if size > limits.max_entry_size {
        return Err(ArchiveError::SuspiciousEntry {
            entry: name.to_owned(),
            reason: format!(
                "declares {size} bytes, more than the {} accepted",
                limits.max_entry_size
            ),
        });
    }
    if size > 1 << 20 && size / compressed_size.max(1) > limits.max_ratio {
        return Err(ArchiveError::SuspiciousEntry {
            entry: name.to_owned(),
            reason: format!(
                "expands {compressed_size} bytes to {size} (more than {}:1): a zip bomb?",
                limits.max_ratio
            ),
        });
    }
    Ok(())
}

/// An entry's content, failing once it yields more than its declared size (or `cap`).
fn open_limited<'a>(
    zip: &'a mut ZipArchive<Source>,
    name: &str,
    cap: u64,
) -> Result<LimitedEntry<'a>, ArchiveError> {
    let entry = zip.by_name(name).map_err(|error| match error {
        zip::result::ZipError::FileNotFound => ArchiveError::MissingEntry {
            entry: name.to_owned(),
        },
        other => ArchiveError::CorruptEntry {
            entry: name.to_owned(),
            reason: other.to_string(),
        },
    })?;
    let declared = entry.size();
    if declared > cap {
        return Err(ArchiveError::SuspiciousEntry {
            entry: name.to_owned(),
            reason: format!("declares {declared} bytes, more than the {cap} accepted"),
        });
    }
    Ok(LimitedEntry {
        name: name.to_owned(),
        inner: entry,
        remaining: declared,
    })
}

struct LimitedEntry<'a> {
    name: String,
    inner: zip::read::ZipFile<'a, Source>,
    remaining: u64,
}

impl Read for LimitedEntry<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            // The declared size is reached: anything more is an attack or damage.
            let mut probe = [0_u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} yields more bytes than it declares", self.name),
                )),
            };
        }
        let allowed = buf
            .len()
            .min(self.remaining.min(usize::MAX as u64) as usize);
        let read = self.inner.read(&mut buf[..allowed])?;
        self.remaining -= read as u64;
        Ok(read)
    }
}

/// Streams `data.json`: one record in memory at a time.
pub(crate) fn walk_data<R: Read>(
    reader: R,
    visit: impl FnMut(&str, Map<String, Value>) -> Result<(), ArchiveError>,
) -> Result<ExternalIds, ArchiveError> {
    walk(serde_json::Deserializer::from_reader(reader), visit)
}

/// Walks `data.json` already in memory, visiting its records in order. A slice parses about
/// twice as fast as a stream, and the records are parsed on up to [`PARSE_THREADS`] threads, a
/// window of records at a time (memory holds one window of parsed records, whatever the size).
pub(crate) fn walk_data_slice(
    bytes: &[u8],
    mut visit: impl FnMut(&str, Map<String, Value>) -> Result<(), ArchiveError>,
) -> Result<ExternalIds, ArchiveError> {
    let bad = |error: serde_json::Error| ArchiveError::BadData {
        reason: error.to_string(),
    };
    // First where each record is (a scan, not a parse), then the records themselves.
    let top: RawTopLevel<'_> = serde_json::from_slice(bytes).map_err(bad)?;
    let mut external_ids = ExternalIds::new();
    let mut records: Vec<(&str, &RawValue)> = Vec::new();
    for (key, raw) in &top.0 {
        if key == EXTERNAL_IDS_KEY {
            external_ids = serde_json::from_str(raw.get()).map_err(bad)?;
        } else {
            let list: Vec<&RawValue> =
                serde_json::from_str(raw.get()).map_err(|error| ArchiveError::BadData {
                    reason: format!("{key}: {error}"),
                })?;
            records.extend(list.into_iter().map(|record| (key.as_str(), record)));
        }
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(PARSE_THREADS);
    for window in records.chunks(PARSE_WINDOW) {
        for ((model, _), record) in window.iter().zip(parse_records(window, threads)) {
            let record = record.map_err(|error| ArchiveError::BadData {
                reason: format!("a {model} record: {error}"),
            })?;
            visit(model, record)?;
        }
    }
    Ok(external_ids)
}

/// Most threads parsing records at once.
const PARSE_THREADS: usize = 4;
/// Records parsed before they are visited.
const PARSE_WINDOW: usize = 8_192;

/// Parses records in order, on `threads` threads for a window large enough to share.
fn parse_records(
    records: &[(&str, &RawValue)],
    threads: usize,
) -> Vec<Result<Map<String, Value>, serde_json::Error>> {
    let parse = |part: &[(&str, &RawValue)]| -> Vec<_> {
        part.iter()
            .map(|(_, raw)| serde_json::from_str(raw.get()))
            .collect()
    };
    if threads <= 1 || records.len() < 1_024 {
        return parse(records);
    }
    std::thread::scope(|scope| {
        let mut parts = records.chunks(records.len().div_ceil(threads));
        let first = parts.next().unwrap_or_default();
        let others: Vec<_> = parts.map(|part| scope.spawn(move || parse(part))).collect();
        let mut parsed = parse(first);
        for other in others {
            parsed.extend(
                other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        parsed
    })
}

/// The top-level object of `data.json`, each value left unparsed, in order.
struct RawTopLevel<'a>(Vec<(String, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for RawTopLevel<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = RawTopLevel<'de>;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("an object of models")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    entries.push(entry);
                }
                Ok(RawTopLevel(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

fn walk<'de, R: serde_json::de::Read<'de>>(
    mut deserializer: serde_json::Deserializer<R>,
    mut visit: impl FnMut(&str, Map<String, Value>) -> Result<(), ArchiveError>,
) -> Result<ExternalIds, ArchiveError> {
    let mut external_ids = ExternalIds::new();
    let mut stopped: Option<ArchiveError> = None;
    let seed = TopLevel {
        visit: &mut visit,
        external_ids: &mut external_ids,
        stopped: &mut stopped,
    };
    let result = seed
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end());
    if let Some(error) = stopped {
        return Err(error);
    }
    result.map_err(|error| ArchiveError::BadData {
        reason: error.to_string(),
    })?;
    Ok(external_ids)
}

type Visit<'a> = dyn FnMut(&str, Map<String, Value>) -> Result<(), ArchiveError> + 'a;

struct TopLevel<'a, 'v> {
    visit: &'a mut Visit<'v>,
    external_ids: &'a mut ExternalIds,
    stopped: &'a mut Option<ArchiveError>,
}

impl<'de> DeserializeSeed<'de> for TopLevel<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("an object of models")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == EXTERNAL_IDS_KEY {
                *self.external_ids = map.next_value()?;
            } else {
                map.next_value_seed(Records {
                    model: &key,
                    visit: &mut *self.visit,
                    stopped: &mut *self.stopped,
                })?;
            }
        }
        Ok(())
    }
}

struct Records<'a, 'v> {
    model: &'a str,
    visit: &'a mut Visit<'v>,
    stopped: &'a mut Option<ArchiveError>,
}

impl<'de> DeserializeSeed<'de> for Records<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Records<'_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(formatter, "a list of {} records", self.model)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(record) = seq.next_element::<Map<String, Value>>()? {
            if let Err(error) = (self.visit)(self.model, record) {
                *self.stopped = Some(error);
                return Err(A::Error::custom("stopped by the visitor"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_that_could_escape_are_refused() {
        let limits = ReadLimits::default();
        for name in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a\\b",
            "C:/x",
            "a//b",
            "./a",
            "",
        ] {
            assert!(
                matches!(
                    check_entry(name, 1, 1, false, &limits),
                    Err(ArchiveError::UnsafeEntryName { .. })
                ),
                "{name:?} accepted"
            );
        }
        check_entry("filestore/attachments/3/a.pdf", 1, 1, false, &limits).unwrap();
    }

    #[test]
    fn entries_that_expand_absurdly_are_refused() {
        let limits = ReadLimits::default();
        let error = check_entry("data.json", 10 << 30, 1 << 20, false, &limits).unwrap_err();
        assert!(error.to_string().contains("zip bomb"), "{error}");
        check_entry("data.json", 100 << 20, 2 << 20, false, &limits).unwrap();
    }

    #[test]
    fn data_walk_yields_records_and_external_ids() {
        let text = br#"{"res.partner":[{"id":1,"name":"A"},{"id":2,"name":"B"}],"sale.order":[],
            "__external_ids__":{"res.country":{"75":"base.fr"}}}"#;
        let mut seen = Vec::new();
        let external_ids = walk_data(&text[..], |model, record| {
            seen.push((model.to_owned(), record["id"].as_i64().unwrap()));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![("res.partner".to_owned(), 1), ("res.partner".to_owned(), 2)]
        );
        assert_eq!(external_ids["res.country"][&75], "base.fr");
    }

    #[test]
    fn data_walk_in_memory_visits_every_record_in_order() {
        // Enough records for several windows parsed on several threads.
        let partners: Vec<Value> = (1..=20_000)
            .map(|id| serde_json::json!({"id": id, "name": format!("P{id}")}))
            .collect();
        let text = serde_json::to_vec(&serde_json::json!({
            "res.partner": partners,
            "__external_ids__": {"res.country": {"75": "base.fr"}},
            "sale.order": [{"id": 3}],
        }))
        .unwrap();
        let mut seen = Vec::new();
        let external_ids = walk_data_slice(&text, |model, record| {
            seen.push((model.to_owned(), record["id"].as_i64().unwrap()));
            Ok(())
        })
        .unwrap();
        let expected: Vec<(String, i64)> = (1..=20_000)
            .map(|id| ("res.partner".to_owned(), id))
            .chain([("sale.order".to_owned(), 3)])
            .collect();
        assert_eq!(seen, expected);
        assert_eq!(external_ids["res.country"][&75], "base.fr");

        let error = walk_data_slice(br#"{"a":[{"id":1},{"id":]}"#, |_, _| Ok(())).unwrap_err();
        assert!(matches!(error, ArchiveError::BadData { .. }), "{error}");
        let error = walk_data_slice(br#"{"a":[1]}"#, |_, _| Ok(())).unwrap_err();
        assert!(matches!(error, ArchiveError::BadData { .. }), "{error}");
        let error = walk_data_slice(br#"{"a":[]} trailing"#, |_, _| Ok(())).unwrap_err();
        assert!(matches!(error, ArchiveError::BadData { .. }), "{error}");
    }

    #[test]
    fn data_walk_reports_garbage_after_the_object() {
        let error = walk_data(&br#"{"a":[]} trailing"#[..], |_, _| Ok(())).unwrap_err();
        assert!(matches!(error, ArchiveError::BadData { .. }), "{error}");
    }
}

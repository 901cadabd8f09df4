//! Writes an archive on a blocking thread, fed by a bounded channel.
//!
//! The async side reads Odoo and sends pages of records and binary contents; this side decodes
//! binaries, writes them as `filestore/` entries, serializes records into `data.json` and
//! compresses, so reading and compressing overlap. The channel's bound is what keeps memory flat:
//! a slow disk slows the reads down instead of piling pages up.
//!
//! A zip holds one open entry at a time, and `data.json` is written while binaries arrive. So
//! `data.json` goes to a spool (a one-entry zip next to the archive, hidden and named `.partial`)
//! and its compressed bytes are merged, not recompressed, into the archive at the end.
//! `metadata.json`, which lists every other entry's checksum, is written last, then its
//! signature when a signing key is configured.
//!
//! Both files are written as streams through a [`Sink`]: with encryption on, the archive is
//! encrypted to the configured recipients and the spool to a key that lives only in this
//! process, so no byte of tenant data reaches the disk in clear.
//!
//! The archive is written as `.backup_<code>_<ts>.zip.partial`, synced, then linked to its final
//! name (never over an existing file) and the directory synced: a crash at any point leaves
//! nothing named `backup_*.zip` that is not complete.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::format::{
    self, DATA_ENTRY, EXTERNAL_IDS_KEY, EntryDigest, FileReference, METADATA_ENTRY, Metadata,
    SIGNATURE_ENTRY,
};
use crate::error::WriteError;
use crate::protection::sealing::{Sink, Source};
use crate::protection::{ArchiveKeys, Protection};

/// How a relational field's value is kept and which records it refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RelationKind {
    /// `[id, "name"]` or `false` from Odoo; written as the id or `null`.
    Many2one,
    /// A list of ids, written as is.
    X2many,
    /// `"model,id"` or `false`, written as is.
    Reference,
}

#[derive(Clone, Debug)]
pub(crate) struct Relation {
    pub field: String,
    /// The co-model; empty for reference fields, whose model is in the value.
    pub comodel: String,
    pub kind: RelationKind,
}

/// What the writer needs to know about a model's records.
#[derive(Clone, Debug)]
pub(crate) struct ModelShape {
    pub model: String,
    pub relations: Vec<Relation>,
    pub binary_fields: Vec<String>,
}

/// Records referred to from the archive but not in it, by model.
#[derive(Clone, Debug, Default)]
pub(crate) struct OutsideReferences {
    pub ids: BTreeSet<i64>,
    /// `model.field` names that hold such references.
    pub referenced_by: BTreeSet<String>,
}

/// A binary field's content: base64 as Odoo sent it, or bytes copied from a previous archive.
pub(crate) enum BinaryContent {
    Base64(String),
    Bytes(Vec<u8>),
}

pub(crate) enum Command {
    BeginModel(ModelShape),
    /// One binary field value of a record of the current model. Sent before the page that
    /// holds the record.
    Binary {
        id: i64,
        field: String,
        /// The attachment's name, for `ir.attachment` contents.
        file_name: Option<String>,
        content: BinaryContent,
    },
    Records(Vec<Map<String, Value>>),
    EndModel,
    /// Answers the records referred to but not written, once every model is written.
    TakeReferences(oneshot::Sender<BTreeMap<String, OutsideReferences>>),
    /// Closes `data.json` with the external-id map, writes `metadata.json` (its counts and
    /// entries filled in here) and publishes the archive.
    Finish {
        external_ids: BTreeMap<String, BTreeMap<i64, String>>,
        metadata: Box<Metadata>,
    },
}

/// A finished, published archive.
#[derive(Debug)]
pub(crate) struct WrittenArchive {
    pub path: PathBuf,
    pub size: u64,
    pub metadata: Metadata,
    pub binary_count: u64,
    pub protection: Protection,
}

#[derive(Clone, Debug)]
pub(crate) struct WriterSettings {
    pub out_dir: PathBuf,
    pub code: String,
    pub created_at: DateTime<Utc>,
    /// Deflate level of `data.json` and other compressible entries (0-9).
    pub compression_level: i64,
    /// The ids the backup is about to write, by model: references to them are not collected
    /// (they are in the archive), which keeps the collection as small as the set of shared
    /// records referred to.
    pub planned: Arc<HashMap<String, Vec<i64>>>,
    /// Who the archive is encrypted to and signed by.
    pub keys: ArchiveKeys,
}

/// Starts the writer thread. It ends when `Finish` is done (Ok with the archive) or when the
/// sender is dropped first (Err(Aborted), the partial files removed).
/// The writer's inbox and its eventual result.
pub(crate) type WriterHandle = (
    mpsc::Sender<Command>,
    tokio::task::JoinHandle<Result<WrittenArchive, WriteError>>,
);

pub(crate) fn spawn(settings: WriterSettings, capacity: usize) -> Result<WriterHandle, WriteError> {
    let writer = ArchiveWriter::create(settings)?;
    let (sender, receiver) = mpsc::channel(capacity.max(1));
    let handle = tokio::task::spawn_blocking(move || writer.run(receiver));
    Ok((sender, handle))
}

/// Counts and hashes what goes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

type Zip = ZipWriter<StreamWriter<Sink>>;
type DataStream = BufWriter<Hashing<Zip>>;

struct CurrentModel {
    shape: ModelShape,
    written: u64,
    ids: Vec<i64>,
    pending: HashMap<(i64, String), FileReference>,
}

struct ArchiveWriter {
    settings: WriterSettings,
    partial_path: PathBuf,
    spool_path: PathBuf,
    archive: Option<Zip>,
    data: Option<DataStream>,
    /// The key of the spool's encryption, when encrypting: it never leaves this process.
    spool_identity: Option<age::x25519::Identity>,
    entries: BTreeMap<String, EntryDigest>,
    models: BTreeMap<String, u64>,
    model_count: usize,
    current: Option<CurrentModel>,
    /// Ids written, per model, ascending (pages come in id order).
    written_ids: HashMap<String, Vec<i64>>,
    referenced: BTreeMap<String, OutsideReferences>,
    binary_count: u64,
    published: bool,
}

impl ArchiveWriter {
    fn create(settings: WriterSettings) -> Result<ArchiveWriter, WriteError> {
        let out_dir = &settings.out_dir;
        crate::private_files::create_private_dir_all(out_dir).map_err(|source| WriteError::Io {
            path: out_dir.clone(),
            action: "create the output directory",
            source,
        })?;
        let partial_path = out_dir.join(format::partial_file_name(
            &settings.code,
            settings.created_at,
        ));
        let spool_path = out_dir.join(format::data_spool_file_name(
            &settings.code,
            settings.created_at,
        ));
        let open = |path: &Path| {
            crate::private_files::private_file_options()
                .read(true)
                .write(true)
                .create_new(true)
                .open(path)
                .map_err(|source| WriteError::Io {
                    path: path.to_owned(),
                    action: "create",
                    source,
                })
        };
        let archive_file = open(&partial_path)?;
        let spool_file = match open(&spool_path) {
            Ok(file) => file,
            Err(error) => {
                let _ = std::fs::remove_file(&partial_path);
                return Err(error);
            }
        };
        let spool_identity = settings
            .keys
            .encrypts()
            .then(age::x25519::Identity::generate);
        let spool_recipients: Vec<_> = spool_identity.iter().map(|key| key.to_public()).collect();
        let sinks = Sink::create(archive_file, settings.keys.recipients())
            .and_then(|archive| Ok((archive, Sink::create(spool_file, &spool_recipients)?)));
        let (archive_sink, spool_sink) = match sinks {
            Ok(sinks) => sinks,
            Err(source) => {
                let _ = std::fs::remove_file(&partial_path);
                let _ = std::fs::remove_file(&spool_path);
                return Err(WriteError::Io {
                    path: partial_path,
                    action: "start encrypting",
                    source,
                });
            }
        };
        let mut writer = ArchiveWriter {
            archive: Some(ZipWriter::new_stream(archive_sink)),
            data: None,
            spool_identity,
            partial_path,
            spool_path,
            entries: BTreeMap::new(),
            models: BTreeMap::new(),
            model_count: 0,
            current: None,
            written_ids: HashMap::new(),
            referenced: BTreeMap::new(),
            binary_count: 0,
            published: false,
            settings,
        };
        let mut spool = ZipWriter::new_stream(spool_sink);
        spool
            .start_file(DATA_ENTRY, writer.entry_options(true).large_file(true))
            .map_err(|source| WriteError::Zip {
                entry: DATA_ENTRY.into(),
                source,
            })?;
        let mut data = BufWriter::with_capacity(
            128 * 1024,
            Hashing {
                inner: spool,
                hasher: Sha256::new(),
                bytes: 0,
            },
        );
        data.write_all(b"{")
            .map_err(|source| writer.data_error(source))?;
        writer.data = Some(data);
        Ok(writer)
    }

    fn entry_options(&self, compress: bool) -> SimpleFileOptions {
        let modified =
            zip::DateTime::try_from(self.settings.created_at.naive_utc()).unwrap_or_default();
        let options = SimpleFileOptions::default()
            .last_modified_time(modified)
            .unix_permissions(0o644);
        // Level 0 means no compression: deflate has no level 0, the entry is stored.
        if compress && self.settings.compression_level > 0 {
            options
                .compression_method(CompressionMethod::Deflated)
                .compression_level(Some(self.settings.compression_level))
        } else {
            options.compression_method(CompressionMethod::Stored)
        }
    }

    fn data_error(&self, source: io::Error) -> WriteError {
        WriteError::Io {
            path: self.spool_path.clone(),
            action: "write data.json to",
            source,
        }
    }

    fn run(mut self, mut receiver: mpsc::Receiver<Command>) -> Result<WrittenArchive, WriteError> {
        while let Some(command) = receiver.blocking_recv() {
            match command {
                Command::Finish {
                    external_ids,
                    metadata,
                } => return self.finish(external_ids, *metadata),
                command => self.handle(command)?,
            }
        }
        // The reading side gave up (its error is the one to report); Drop removes the files.
        Err(WriteError::Aborted)
    }

    fn data(&mut self) -> &mut DataStream {
        self.data.as_mut().expect("data.json is open until finish")
    }

    fn handle(&mut self, command: Command) -> Result<(), WriteError> {
        match command {
            Command::BeginModel(shape) => {
                let separator = if self.model_count == 0 { "\n" } else { ",\n" };
                let key = serde_json::to_string(&shape.model).expect("a string serializes");
                let opening = format!("{separator}{key}:[");
                self.data()
                    .write_all(opening.as_bytes())
                    .map_err(|source| self.data_error(source))?;
                self.model_count += 1;
                self.current = Some(CurrentModel {
                    shape,
                    written: 0,
                    ids: Vec::new(),
                    pending: HashMap::new(),
                });
            }
            Command::Binary {
                id,
                field,
                file_name,
                content,
            } => self.write_binary(id, field, file_name.as_deref(), content)?,
            Command::Records(records) => {
                for record in records {
                    self.write_record(record)?;
                }
                if let Some(current) = self.current.as_mut() {
                    current.pending.clear();
                }
            }
            Command::EndModel => {
                let current = self.current.take().expect("EndModel follows BeginModel");
                self.data()
                    .write_all(b"\n]")
                    .map_err(|source| self.data_error(source))?;
                *self.models.entry(current.shape.model.clone()).or_default() += current.written;
                let mut ids = current.ids;
                ids.sort_unstable();
                self.written_ids.insert(current.shape.model, ids);
            }
            Command::TakeReferences(reply) => {
                let referenced = std::mem::take(&mut self.referenced);
                let outside = referenced
                    .into_iter()
                    .filter_map(|(model, mut references)| {
                        if let Some(written) = self.written_ids.get(&model) {
                            references
                                .ids
                                .retain(|id| written.binary_search(id).is_err());
                        }
                        (!references.ids.is_empty()).then_some((model, references))
                    })
                    .collect();
                let _ = reply.send(outside);
            }
            Command::Finish { .. } => unreachable!("handled by run"),
        }
        Ok(())
    }

    fn write_binary(
        &mut self,
        id: i64,
        field: String,
        file_name: Option<&str>,
        content: BinaryContent,
    ) -> Result<(), WriteError> {
        let model = self
            .current
            .as_ref()
            .map(|current| current.shape.model.clone())
            .unwrap_or_default();
        let content = match content {
            BinaryContent::Bytes(bytes) => bytes,
            BinaryContent::Base64(base64) => {
                decode_base64(&base64).map_err(|reason| WriteError::BadBinary {
                    model: model.clone(),
                    id,
                    field: field.clone(),
                    reason,
                })?
            }
        };
        let entry = format::binary_entry_name(&model, id, &field, file_name, &content);
        let options = self
            .entry_options(!format::is_precompressed(&content))
            .large_file(content.len() as u64 >= u32::MAX as u64 / 2);
        let archive = self.archive.as_mut().expect("archive open until finish");
        archive
            .start_file(entry.as_str(), options)
            .and_then(|()| archive.write_all(&content).map_err(Into::into))
            .map_err(|source| WriteError::Zip {
                entry: entry.clone(),
                source,
            })?;
        let sha256 = format::hex(&Sha256::digest(&content));
        let size = content.len() as u64;
        self.entries.insert(
            entry.clone(),
            EntryDigest {
                sha256: sha256.clone(),
                size,
            },
        );
        self.binary_count += 1;
        if let Some(current) = self.current.as_mut() {
            current.pending.insert(
                (id, field),
                FileReference {
                    file: entry,
                    sha256,
                    size,
                },
            );
        }
        Ok(())
    }

    fn write_record(&mut self, mut record: Map<String, Value>) -> Result<(), WriteError> {
        let current = self.current.as_mut().expect("records follow BeginModel");
        let id = record.get("id").and_then(Value::as_i64).unwrap_or_default();
        for field in &current.shape.binary_fields {
            let reference = current.pending.remove(&(id, field.clone()));
            let value = match reference {
                Some(reference) => serde_json::to_value(reference).expect("a reference serializes"),
                None => Value::Null,
            };
            record.insert(field.clone(), value);
        }
        for relation in &current.shape.relations {
            let Some(value) = record.get_mut(&relation.field) else {
                continue;
            };
            let referenced_by = || format!("{}.{}", current.shape.model, relation.field);
            let planned = &*self.settings.planned;
            match relation.kind {
                RelationKind::Many2one => {
                    let id = odoo_client::value::many2one_id(value);
                    *value = id.map_or(Value::Null, Value::from);
                    note_references(
                        &mut self.referenced,
                        planned,
                        &relation.comodel,
                        id,
                        referenced_by,
                    );
                }
                RelationKind::X2many => {
                    if let Value::Array(ids) = value {
                        let ids = ids.iter().filter_map(Value::as_i64);
                        note_references(
                            &mut self.referenced,
                            planned,
                            &relation.comodel,
                            ids,
                            referenced_by,
                        );
                    }
                }
                RelationKind::Reference => {
                    if let Some((model, id)) = value
                        .as_str()
                        .and_then(|text| text.split_once(','))
                        .and_then(|(model, id)| {
                            Some((model.to_owned(), id.trim().parse::<i64>().ok()?))
                        })
                        && id > 0
                    {
                        note_references(
                            &mut self.referenced,
                            planned,
                            &model,
                            Some(id),
                            referenced_by,
                        );
                    }
                }
            }
        }
        current.ids.push(id);
        let separator: &[u8] = if current.written == 0 { b"\n" } else { b",\n" };
        current.written += 1;
        let data = self.data.as_mut().expect("data.json is open until finish");
        data.write_all(separator)
            .and_then(|()| serde_json::to_writer(&mut *data, &record).map_err(io::Error::from))
            .map_err(|source| WriteError::Io {
                path: self.spool_path.clone(),
                action: "write data.json to",
                source,
            })
    }

    fn finish(
        mut self,
        external_ids: BTreeMap<String, BTreeMap<i64, String>>,
        mut metadata: Metadata,
    ) -> Result<WrittenArchive, WriteError> {
        // Close data.json: the external-id map last, as it is known only now.
        let mut tail = Vec::new();
        tail.extend_from_slice(if self.model_count == 0 { b"\n" } else { b",\n" });
        serde_json::to_writer(&mut tail, EXTERNAL_IDS_KEY).expect("a string serializes");
        tail.push(b':');
        serde_json::to_writer(&mut tail, &external_ids).expect("a map serializes");
        tail.extend_from_slice(b"\n}\n");
        self.data()
            .write_all(&tail)
            .map_err(|source| self.data_error(source))?;
        let data = self.data.take().expect("data.json open");
        let hashing = data.into_inner().map_err(|error| WriteError::Io {
            path: self.spool_path.clone(),
            action: "write data.json to",
            source: error.into_error(),
        })?;
        self.entries.insert(
            DATA_ENTRY.to_owned(),
            EntryDigest {
                sha256: format::hex(&hashing.hasher.finalize()),
                size: hashing.bytes,
            },
        );
        let spool_zip = |source| WriteError::Zip {
            entry: DATA_ENTRY.into(),
            source,
        };
        let spool_file = hashing.inner.finish().map_err(spool_zip)?;
        spool_file
            .into_inner()
            .finish()
            .map_err(|source| self.data_error(source))?;
        let (spool_source, _) = Source::open(&self.spool_path, self.spool_identity.as_slice())
            .map_err(|error| self.data_error(io::Error::other(format!("{error:?}"))))?;
        let spool = ZipArchive::new(spool_source).map_err(spool_zip)?;
        let archive = self.archive.as_mut().expect("archive open until finish");
        // The spool's one entry, its bytes as they are (a raw copy of one entry would lose the
        // data descriptor a streamed zip needs).
        archive.merge_archive(spool).map_err(spool_zip)?;
        let _ = std::fs::remove_file(&self.spool_path);

        // metadata.json: counts as written, every other entry's checksum.
        metadata.record_count = self.models.values().sum();
        metadata.attachment_count = self.models.get("ir.attachment").copied().unwrap_or(0);
        metadata.models = std::mem::take(&mut self.models);
        metadata.entries = std::mem::take(&mut self.entries);
        let metadata_json = serde_json::to_vec_pretty(&metadata).expect("metadata serializes");
        let options = self.entry_options(true);
        let mut archive = self.archive.take().expect("archive open until finish");
        let metadata_zip = |source| WriteError::Zip {
            entry: METADATA_ENTRY.into(),
            source,
        };
        archive
            .start_file(METADATA_ENTRY, options)
            .map_err(metadata_zip)?;
        archive
            .write_all(&metadata_json)
            .map_err(|source| WriteError::Zip {
                entry: METADATA_ENTRY.into(),
                source: source.into(),
            })?;
        let protection = self.settings.keys.protection();
        if let Some(key) = self.settings.keys.signing_key() {
            let comment = format!(
                "tenant:{} created_at:{}",
                self.settings.code,
                self.settings.created_at.format("%Y-%m-%dT%H:%M:%SZ")
            );
            let signature = key
                .sign(&metadata_json, &comment)
                .map_err(|reason| WriteError::Signing { reason })?;
            let signature_zip = |source| WriteError::Zip {
                entry: SIGNATURE_ENTRY.into(),
                source,
            };
            archive
                .start_file(SIGNATURE_ENTRY, self.entry_options(false))
                .map_err(signature_zip)?;
            archive
                .write_all(signature.as_bytes())
                .map_err(|source| signature_zip(source.into()))?;
        }
        let stream = archive.finish().map_err(|source| WriteError::Zip {
            entry: "(central directory)".into(),
            source,
        })?;
        let file = stream
            .into_inner()
            .finish()
            .map_err(|source| WriteError::Io {
                path: self.partial_path.clone(),
                action: "write",
                source,
            })?;
        file.sync_all().map_err(|source| WriteError::Io {
            path: self.partial_path.clone(),
            action: "sync",
            source,
        })?;
        let size = file
            .metadata()
            .map_err(|source| WriteError::Io {
                path: self.partial_path.clone(),
                action: "stat",
                source,
            })?
            .len();
        drop(file);
        let final_path = self.settings.out_dir.join(format::archive_file_name(
            &self.settings.code,
            self.settings.created_at,
            protection.is_encrypted(),
        ));
        publish(&self.partial_path, &final_path)?;
        self.published = true;
        sync_directory(&self.settings.out_dir)?;
        Ok(WrittenArchive {
            path: final_path,
            size,
            metadata,
            binary_count: self.binary_count,
            protection,
        })
    }
}

impl Drop for ArchiveWriter {
    fn drop(&mut self) {
        // Whatever went wrong, leave no half-written files behind (a kill -9 skips this, but
        // what it leaves is named `.partial`, never `backup_*.zip`).
        let _ = std::fs::remove_file(&self.spool_path);
        if !self.published {
            let _ = std::fs::remove_file(&self.partial_path);
        }
    }
}

/// Gives the finished file its final name without ever replacing an existing archive: a hard
/// link fails if the name is taken, and the `.partial` name is removed afterwards.
fn publish(partial: &Path, final_path: &Path) -> Result<(), WriteError> {
    match std::fs::hard_link(partial, final_path) {
        Ok(()) => {
            let _ = std::fs::remove_file(partial);
            Ok(())
        }
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            Err(WriteError::AlreadyExists {
                path: final_path.to_owned(),
            })
        }
        // File systems without hard links: rename, after checking the name is free.
        Err(_) if !final_path.exists() => {
            std::fs::rename(partial, final_path).map_err(|source| WriteError::Io {
                path: final_path.to_owned(),
                action: "rename the finished archive to",
                source,
            })
        }
        Err(_) => Err(WriteError::AlreadyExists {
            path: final_path.to_owned(),
        }),
    }
}

fn sync_directory(directory: &Path) -> Result<(), WriteError> {
    File::open(directory)
        .and_then(|handle| handle.sync_all())
        .map_err(|source| WriteError::Io {
            path: directory.to_owned(),
            action: "sync the directory",
            source,
        })
}

/// Remembers the referred ids that the archive will not hold.
fn note_references(
    referenced: &mut BTreeMap<String, OutsideReferences>,
    planned: &HashMap<String, Vec<i64>>,
    comodel: &str,
    ids: impl IntoIterator<Item = i64>,
    referenced_by: impl FnOnce() -> String,
) {
    let in_archive = planned.get(comodel);
    let mut outside = ids
        .into_iter()
        .filter(|id| in_archive.is_none_or(|planned| planned.binary_search(id).is_err()))
        .peekable();
    if outside.peek().is_none() {
        return;
    }
    let references = referenced.entry(comodel.to_owned()).or_default();
    references.ids.extend(outside);
    if references.referenced_by.len() < 32 {
        references.referenced_by.insert(referenced_by());
    }
}

fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let engine = &base64::engine::general_purpose::STANDARD;
    match engine.decode(text) {
        Ok(bytes) => Ok(bytes),
        // Some producers wrap base64 in lines.
        Err(_) if text.contains(['\n', '\r']) => {
            let joined: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            engine.decode(joined).map_err(|error| error.to_string())
        }
        Err(error) => Err(format!("not valid base64: {error}")),
    }
}

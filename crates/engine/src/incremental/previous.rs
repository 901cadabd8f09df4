//! The previous archive an incremental read copies unchanged records from: verified in full
//! (signature, every checksum), then judged against the server as it is now. Anything that
//! makes it unusable is a sentence, and the backup reads everything instead.

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::archive::format::{FORMAT_VERSION, FileReference, Languages, Metadata, OdooInfo};
use crate::archive::reader::{ArchiveReader, ReadLimits};
use crate::error::ArchiveError;
use crate::protection::{ArchiveKeys, SignatureCheck};

/// A sound previous archive. Its records wait as JSON text in an unnamed file of the backup's
/// directory (gone with the backup, crash or not): memory holds only where each one is, so a
/// tenant of a million records costs tens of megabytes, not gigabytes.
pub(crate) struct PreviousArchive {
    pub path: PathBuf,
    pub metadata: Metadata,
    /// Model → id → where the record is in `spool`.
    records: HashMap<String, HashMap<i64, Span>>,
    spool: std::fs::File,
    /// Fields of each model's records (from its first record).
    fields: HashMap<String, Vec<String>>,
    /// Records referred to but not in the archive, by model (external ids and unresolved).
    outside: HashMap<String, Vec<i64>>,
    /// For copying binary contents; reads are blocking.
    reader: Mutex<ArchiveReader>,
}

/// Where a record's JSON text is in the spool file.
#[derive(Clone, Copy)]
struct Span {
    offset: u64,
    len: u64,
}

impl std::fmt::Debug for PreviousArchive {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PreviousArchive")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl PreviousArchive {
    /// Verifies `path` in full and keeps its records, spooled in `spool_dir`. A trusted key's
    /// signature that does not match fails; so does an unsigned archive when this sidecar
    /// trusts signing keys (an archive anyone could have put in the store must not feed the
    /// next one).
    pub fn load(
        path: &Path,
        keys: &ArchiveKeys,
        limits: ReadLimits,
        spool_dir: &Path,
    ) -> Result<Self, String> {
        let spool = tempfile::tempfile_in(spool_dir).map_err(|error| {
            format!(
                "cannot make a spool file in {}: {error}",
                spool_dir.display()
            )
        })?;
        let mut writer = std::io::BufWriter::with_capacity(256 * 1024, &spool);
        let mut offset = 0_u64;
        let mut records: HashMap<String, HashMap<i64, Span>> = HashMap::new();
        let mut fields: HashMap<String, Vec<String>> = HashMap::new();
        let spool_error = |error: std::io::Error| ArchiveError::Io {
            path: spool_dir.to_owned(),
            source: error,
        };
        // Streamed: data.json is never held whole; a damaged archive fails the load anyway.
        let (verified, external_ids) =
            crate::verify::verify_with_records_streamed(path, keys, limits, |model, record| {
                let id = record.get("id").and_then(Value::as_i64).unwrap_or_default();
                if !fields.contains_key(model) {
                    let mut names: Vec<String> = record.keys().cloned().collect();
                    names.sort();
                    fields.insert(model.to_owned(), names);
                }
                let text =
                    serde_json::to_vec(&record).map_err(|error| ArchiveError::CorruptEntry {
                        entry: crate::archive::format::DATA_ENTRY.into(),
                        reason: error.to_string(),
                    })?;
                writer.write_all(&text).map_err(spool_error)?;
                let span = Span {
                    offset,
                    len: text.len() as u64,
                };
                offset += span.len;
                records
                    .entry(model.to_owned())
                    .or_default()
                    .insert(id, span);
                Ok(())
            })
            .map_err(|error| error.to_string())?;
        writer
            .flush()
            .map_err(|error| format!("cannot write its records to a spool file: {error}"))?;
        drop(writer);
        match &verified.signature {
            SignatureCheck::Trusted { .. } => {}
            _ if keys.trusted_key_ids().is_empty() => {}
            other => {
                return Err(format!(
                    "its signature is not one this sidecar trusts ({})",
                    other.describe()
                ));
            }
        }
        let reader = ArchiveReader::open(path, keys, limits).map_err(|error| error.to_string())?;
        let mut outside: HashMap<String, Vec<i64>> = HashMap::new();
        for (model, ids) in &external_ids {
            outside.entry(model.clone()).or_default().extend(ids.keys());
        }
        for reference in &verified.metadata.unresolved_references {
            outside
                .entry(reference.model.clone())
                .or_default()
                .push(reference.id);
        }
        Ok(PreviousArchive {
            path: path.to_owned(),
            metadata: verified.metadata,
            records,
            spool,
            fields,
            outside,
            reader: Mutex::new(reader),
        })
    }

    /// Why this archive cannot feed a backup of `tenant` on this server now, if it cannot.
    pub fn unusable_for(
        &self,
        company_id: i64,
        odoo: &OdooInfo,
        languages: &Languages,
        now: DateTime<Utc>,
    ) -> Option<String> {
        let metadata = &self.metadata;
        if metadata.tenant.company_id != company_id {
            return Some(format!(
                "it is company {}'s, not this tenant's",
                metadata.tenant.company_id
            ));
        }
        if metadata.format_version != FORMAT_VERSION {
            return Some(format!(
                "it is of format version {}, not {FORMAT_VERSION}",
                metadata.format_version
            ));
        }
        if metadata.odoo.database_uuid != odoo.database_uuid || odoo.database_uuid.is_none() {
            return Some("it comes from another database".into());
        }
        if metadata.odoo.modules != odoo.modules {
            return Some("the installed modules changed since".into());
        }
        if metadata.languages.as_ref() != Some(languages) {
            return Some("the active languages changed since".into());
        }
        if metadata.created_at > now {
            return Some("it was made after this backup started (check the clock)".into());
        }
        None
    }

    /// When the full read this archive descends from started.
    pub fn full_read_at(&self) -> DateTime<Utc> {
        self.metadata
            .read
            .as_ref()
            .map_or(self.metadata.created_at, |read| read.full_read_at)
    }

    /// The record fields of `model` in this archive, sorted; `None` when it has no records of it.
    pub fn fields_of(&self, model: &str) -> Option<&[String]> {
        self.fields.get(model).map(Vec::as_slice)
    }

    pub fn has_model(&self, model: &str) -> bool {
        self.metadata.models.contains_key(model)
    }

    /// The record `model`/`id` as the archive holds it. `None` when it has none, or when the
    /// spool cannot give it back (said in the log): the record is then read from Odoo.
    pub fn record(&self, model: &str, id: i64) -> Option<Map<String, Value>> {
        let span = *self.records.get(model)?.get(&id)?;
        let mut text = vec![0; span.len as usize];
        let read = self
            .spool
            .read_exact_at(&mut text, span.offset)
            .map_err(|error| error.to_string())
            .and_then(|()| serde_json::from_slice(&text).map_err(|error| error.to_string()));
        match read {
            Ok(record) => Some(record),
            Err(error) => {
                tracing::warn!(%model, id, %error, "a spooled record of the previous archive cannot be read back: reading it from Odoo");
                None
            }
        }
    }

    /// The ids of `model` in the archive.
    pub fn ids(&self, model: &str) -> impl Iterator<Item = i64> + '_ {
        self.records
            .get(model)
            .into_iter()
            .flat_map(|records| records.keys().copied())
    }

    /// Records referred to but not in the archive, by model.
    pub fn outside_references(&self) -> &HashMap<String, Vec<i64>> {
        &self.outside
    }

    pub fn contains(&self, model: &str, id: i64) -> bool {
        self.records
            .get(model)
            .is_some_and(|records| records.contains_key(&id))
    }

    /// A binary content, checked against its reference's size and SHA-256.
    pub fn file(&self, reference: &FileReference) -> Result<Vec<u8>, ArchiveError> {
        let mut reader = self
            .reader
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        reader.read_file(reference)
    }
}

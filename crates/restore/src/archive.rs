//! The archive as a restore needs it: verified, then loaded record by record with the checks
//! the engine's verify does not make because a backup never needs them (ids, duplicates, model
//! names, where binary references point).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use backup_engine::{
    ArchiveError, ArchiveKeys, ExternalIds, FileReference, Metadata, ReadLimits, SignatureCheck,
    TRANSLATIONS_KEY,
};
use odoo_client::Record;
use serde_json::Value;

use crate::error::RestoreError;

/// The records of one model in the archive, in ascending id order.
#[derive(Debug, Default)]
pub(crate) struct ArchiveModel {
    pub records: Vec<Record>,
    /// The id of each record, at the same position.
    ids: Vec<i64>,
    position_of_id: HashMap<i64, usize>,
    /// Archive id → language → the translatable values that differ from the record's own
    /// (`__translations__`, taken out of the record).
    pub translations: HashMap<i64, BTreeMap<String, Record>>,
}

impl ArchiveModel {
    pub fn get(&self, archive_id: i64) -> Option<&Record> {
        self.position_of_id
            .get(&archive_id)
            .map(|&position| &self.records[position])
    }

    pub fn contains(&self, archive_id: i64) -> bool {
        self.position_of_id.contains_key(&archive_id)
    }

    pub fn ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.ids.iter().copied()
    }

    /// Each record with its id.
    pub fn iter(&self) -> impl Iterator<Item = (i64, &Record)> + '_ {
        self.ids.iter().copied().zip(&self.records)
    }
}

/// A verified archive, loaded.
#[derive(Debug)]
pub(crate) struct LoadedArchive {
    pub path: PathBuf,
    pub metadata: Metadata,
    /// Models in `data.json` order.
    pub models: BTreeMap<String, ArchiveModel>,
    pub model_order: Vec<String>,
    pub external_ids: ExternalIds,
    /// Who signed the archive, and whether that key is trusted.
    pub signature: SignatureCheck,
    /// The public key of the identity that decrypted it; `None` when stored in clear.
    pub opened_with: Option<String>,
}

impl LoadedArchive {
    pub fn record(&self, model: &str, archive_id: i64) -> Option<&Record> {
        self.models.get(model)?.get(archive_id)
    }

    pub fn contains(&self, model: &str, archive_id: i64) -> bool {
        self.models
            .get(model)
            .is_some_and(|records| records.contains(archive_id))
    }
}

/// The id of a loaded record (checked present and positive when loading).
pub(crate) fn record_id(record: &Record) -> i64 {
    record.get("id").and_then(Value::as_i64).unwrap_or_default()
}

/// Verifies the archive (structure, entry names, sizes and compression ratios, format version,
/// every checksum, counts, file references) and loads its records.
pub(crate) fn load(
    path: &Path,
    keys: &ArchiveKeys,
    limits: ReadLimits,
) -> Result<LoadedArchive, RestoreError> {
    let archive_error = |source: ArchiveError| RestoreError::Archive {
        path: path.to_owned(),
        source: Box::new(source),
    };
    let mut models: BTreeMap<String, ArchiveModel> = BTreeMap::new();
    let mut model_order: Vec<String> = Vec::new();
    let mut malformed: Option<String> = None;
    // One pass: the records loaded are the very bytes whose checksum is verified. Checksums are
    // not signatures: they catch damage, not a deliberate edit (whoever can edit the archive can
    // recompute them). Isolation therefore never relies on them — every record loaded here is
    // checked against the tenant before any write.
    let (verified, external_ids) =
        backup_engine::verify_with_records(path, keys, limits, |model, mut record| {
            let translations = record.remove(TRANSLATIONS_KEY);
            if let Some(reason) = malformed_record(model, &record).or_else(|| {
                let translations = translations.as_ref()?;
                malformed_translations(model, &record, translations)
            }) {
                malformed = Some(reason);
                return Err(ArchiveError::BadData {
                    reason: "stopped".into(),
                });
            }
            let id = record_id(&record);
            if !models.contains_key(model) {
                model_order.push(model.to_owned());
                models.insert(model.to_owned(), ArchiveModel::default());
            }
            let entry = models.get_mut(model).expect("inserted above");
            if entry
                .position_of_id
                .insert(id, entry.records.len())
                .is_some()
            {
                malformed = Some(format!("{model} record {id} appears twice in data.json"));
                return Err(ArchiveError::BadData {
                    reason: "stopped".into(),
                });
            }
            entry.ids.push(id);
            entry.records.push(record);
            if let Some(Value::Object(translations)) = translations {
                let by_language = translations
                    .into_iter()
                    .filter_map(|(lang, values)| match values {
                        Value::Object(values) => Some((lang, values)),
                        _ => None,
                    })
                    .collect();
                entry.translations.insert(id, by_language);
            }
            Ok(())
        })
        .map_err(|error| match (malformed.take(), &error) {
            (Some(reason), ArchiveError::BadData { .. }) => RestoreError::MalformedArchive {
                path: path.to_owned(),
                reason,
            },
            _ => archive_error(error),
        })?;
    for model in verified.metadata.models.keys() {
        if !models.contains_key(model) {
            model_order.push(model.clone());
            models.insert(model.clone(), ArchiveModel::default());
        }
    }
    let languages: &[String] = verified
        .metadata
        .languages
        .as_ref()
        .map_or(&[], |languages| &languages.translations);
    for (model, records) in &models {
        for (id, translations) in &records.translations {
            if let Some(lang) = translations.keys().find(|lang| !languages.contains(lang)) {
                return Err(RestoreError::MalformedArchive {
                    path: path.to_owned(),
                    reason: format!(
                        "{model} record {id} has translations in {lang:?}, a language metadata.json does not list"
                    ),
                });
            }
        }
    }
    for (model, references) in &external_ids {
        if !valid_model_name(model) {
            return Err(RestoreError::MalformedArchive {
                path: path.to_owned(),
                reason: format!("the external-id map names {model:?}, which is not a model name"),
            });
        }
        if let Some((id, name)) = references
            .iter()
            .find(|(id, name)| **id <= 0 || !valid_external_id(name))
        {
            return Err(RestoreError::MalformedArchive {
                path: path.to_owned(),
                reason: format!(
                    "the external-id map gives {model} record {id} the external id {name:?}, which is not of the form module.name"
                ),
            });
        }
    }
    Ok(LoadedArchive {
        path: path.to_owned(),
        metadata: verified.metadata,
        models,
        model_order,
        external_ids,
        signature: verified.signature,
        opened_with: verified.opened_with,
    })
}

/// Why a record of `data.json` cannot be a record of a tenant backup, if it cannot.
fn malformed_record(model: &str, record: &Record) -> Option<String> {
    if !valid_model_name(model) {
        return Some(format!("data.json holds a model named {model:?}"));
    }
    let id = match record.get("id").and_then(Value::as_i64) {
        Some(id) if id > 0 => id,
        _ => return Some(format!("a {model} record has no positive integer id")),
    };
    for (field, value) in record {
        if !valid_field_name(field) {
            return Some(format!("{model} record {id} has a field named {field:?}"));
        }
        if let Some(reference) = FileReference::from_value(value)
            && !reference.file.starts_with("filestore/")
        {
            return Some(format!(
                "{model} record {id}, field {field} refers to {:?}, outside filestore/",
                reference.file
            ));
        }
    }
    None
}

/// Why a record's `__translations__` cannot be, if it cannot: an object of languages to objects
/// of the record's own fields (the languages are checked against metadata.json once loaded).
fn malformed_translations(model: &str, record: &Record, translations: &Value) -> Option<String> {
    let id = record_id(record);
    let Value::Object(translations) = translations else {
        return Some(format!(
            "{model} record {id} has translations that are not an object"
        ));
    };
    for (lang, values) in translations {
        let Value::Object(values) = values else {
            return Some(format!(
                "{model} record {id} has {lang} translations that are not an object"
            ));
        };
        if let Some(field) = values
            .keys()
            .find(|field| !valid_field_name(field) || !record.contains_key(*field))
        {
            return Some(format!(
                "{model} record {id} has a {lang} translation of {field:?}, which is not one of its fields"
            ));
        }
    }
    None
}

/// Odoo model names: lower-case letters, digits, `_` and `.`, starting with a letter.
pub(crate) fn valid_model_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
}

fn valid_field_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn valid_external_id(name: &str) -> bool {
    match name.split_once('.') {
        Some((module, rest)) => {
            !module.is_empty()
                && !rest.is_empty()
                && module
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !rest.chars().any(char::is_control)
        }
        None => false,
    }
}

//! The plan as a value: what a dry run prints and what [`crate::execute`] carries out.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use backup_engine::{ArchiveKeys, EntryDigest, SignatureCheck, Tenant};
use chrono::{DateTime, Utc};
use odoo_client::Record;
use serde::Serialize;
use serde_json::Value;

use crate::archive::LoadedArchive;
use crate::id_records::IdRecords;
use crate::keys::{ByModel, KeySet};
use crate::ownership::Key;
use crate::report::{ModelReport, Refusal, UnresolvedValue};
use crate::schema::ModelSchema;
use crate::values::Resolved;

/// A field whose value will change.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    /// The value now (many2one as an id).
    pub current: Value,
    /// The archive's value, with the archive's ids; binaries as their file in the archive.
    pub restored: Value,
}

/// An existing record and the fields that will be written to it.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedUpdate {
    pub archive_id: i64,
    pub target_id: i64,
    pub changes: BTreeMap<String, FieldChange>,
    /// The model fields of many2one_reference values (`res_model`), needed to remap `res_id`.
    #[serde(skip)]
    pub(crate) reference_models: Record,
}

/// A record of the archive that no longer exists and will be created.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedCreate {
    pub archive_id: i64,
    /// The values written, with the archive's ids (remapped when written).
    pub values: Record,
    /// The archive's values of the fields a restore never writes (read-only, related): compared
    /// after creation, to report what Odoo set otherwise.
    #[serde(skip)]
    pub(crate) unwritten: Record,
}

/// Translatable values written in another language than the source language, once the record
/// exists: `target_id` is `None` for a record the restore creates.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedTranslation {
    pub archive_id: i64,
    pub target_id: Option<i64>,
    pub lang: String,
    pub changes: BTreeMap<String, FieldChange>,
}

/// A field of the archive that a restore does not write, and on how many existing records its
/// value differs from the archive's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NotRestoredField {
    pub field: String,
    pub reason: &'static str,
    pub differing_records: u64,
}

/// A field the restore does not write whose value differs from the archive's on one existing
/// record (a read-only field, or one that follows another record).
#[derive(Clone, Debug, Serialize)]
pub struct UnwrittenDifference {
    pub archive_id: i64,
    pub target_id: i64,
    pub field: String,
    /// The archive's value, with the archive's ids.
    pub archived: Value,
    pub now: Value,
}

/// What the restore will do with one model's records.
#[derive(Clone, Debug, Serialize)]
pub struct ModelPlan {
    pub model: String,
    pub creates: Vec<PlannedCreate>,
    pub updates: Vec<PlannedUpdate>,
    /// Values in other languages, written after the creates and updates.
    pub translations: Vec<PlannedTranslation>,
    /// Records to re-create that Odoo's workflow will start over (an order as a quotation).
    pub state_changes: Vec<crate::report::StateChange>,
    pub unchanged: u64,
    pub refusals: Vec<Refusal>,
    /// Fields that differ on existing records but are never written (read-only, computed...).
    pub not_restored: Vec<NotRestoredField>,
    /// The same, record by record.
    #[serde(skip)]
    pub unwritten_differences: Vec<UnwrittenDifference>,
    /// Values that cannot be written because the record they refer to is gone.
    pub unresolved: Vec<UnresolvedValue>,
}

impl ModelPlan {
    /// Existing records whose only changes are translations: counted as updated, not unchanged.
    pub fn translated_only(&self) -> u64 {
        let updated: std::collections::HashSet<i64> = self
            .updates
            .iter()
            .map(|update| update.archive_id)
            .collect();
        let translated: std::collections::HashSet<i64> = self
            .translations
            .iter()
            .filter(|translation| translation.target_id.is_some())
            .map(|translation| translation.archive_id)
            .filter(|archive_id| !updated.contains(archive_id))
            .collect();
        translated.len() as u64
    }

    pub fn summary(&self) -> ModelReport {
        let translated_only = self.translated_only();
        ModelReport {
            model: self.model.clone(),
            created: self.creates.len() as u64,
            updated: self.updates.len() as u64 + translated_only,
            unchanged: self.unchanged.saturating_sub(translated_only),
            refused: self.refusals.len() as u64,
            failed: 0,
        }
    }
}

/// Everything a restore will write, in order. Built by [`plan`] (which only reads), inspected
/// or printed as a dry run, and carried out by [`crate::execute`].
#[derive(Debug, Serialize)]
pub struct RestorePlan {
    archive: PathBuf,
    data_digest: EntryDigest,
    tenant: Tenant,
    database_uuid: String,
    archive_created_at: DateTime<Utc>,
    /// Who signed the archive; a restore of one no trusted key signed was allowed explicitly.
    signature: SignatureCheck,
    /// The public key of the identity that decrypted the archive; `None` when stored in clear.
    opened_with: Option<String>,
    /// How the plan read (the keys it opened the archive with among them): the execution reads
    /// the archive again, and its check plans once more, alike.
    #[serde(skip)]
    options: super::PlanOptions,
    /// The language of the archive's translatable values (`en_US`); `None` for archives that
    /// hold them in the backup user's language (format 1 and 2).
    values_language: Option<String>,
    /// In the order they will be restored: a model after the models it points to.
    models: Vec<ModelPlan>,
    #[serde(skip)]
    pub(crate) internals: PlanInternals,
}

/// What execution needs beyond the public plan.
#[derive(Debug, Default)]
pub(crate) struct PlanInternals {
    pub schemas: BTreeMap<String, ModelSchema>,
    /// Records of the archive that exist now and are the tenant's: archive record → target id.
    pub existing: ByModel<i64>,
    /// Records the archive refers to but does not hold: where they are, or why they cannot be
    /// referred to.
    pub outside: HashMap<Key, Resolved>,
    /// Records of the archive that are refused.
    pub refused: KeySet,
    /// Records attached to a tenant record, whose own `company_id` is not trusted.
    pub attached: KeySet,
    /// The `ir.model.data` rows that record re-created records, and what to do with those that
    /// earlier restores left.
    pub id_records: IdRecords,
}

impl RestorePlan {
    /// The plan of `models`, for `archive` restored into `tenant`.
    pub(super) fn new(
        archive: &LoadedArchive,
        tenant: &Tenant,
        options: &super::PlanOptions,
        models: Vec<ModelPlan>,
        internals: PlanInternals,
    ) -> RestorePlan {
        let metadata = &archive.metadata;
        RestorePlan {
            archive: archive.path.clone(),
            data_digest: metadata.entries[backup_engine::DATA_ENTRY].clone(),
            tenant: tenant.clone(),
            database_uuid: metadata.odoo.database_uuid.clone().unwrap_or_default(),
            archive_created_at: metadata.created_at,
            signature: archive.signature.clone(),
            opened_with: archive.opened_with.clone(),
            options: options.clone(),
            values_language: metadata
                .languages
                .as_ref()
                .map(|languages| languages.values.clone()),
            models,
            internals,
        }
    }

    pub fn archive(&self) -> &Path {
        &self.archive
    }

    pub fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    pub fn database_uuid(&self) -> &str {
        &self.database_uuid
    }

    pub fn archive_created_at(&self) -> DateTime<Utc> {
        self.archive_created_at
    }

    /// Who signed the archive, and whether that key is trusted.
    pub fn signature(&self) -> &SignatureCheck {
        &self.signature
    }

    /// The public key (`age1…`) of the identity that decrypted the archive.
    pub fn opened_with(&self) -> Option<&str> {
        self.opened_with.as_deref()
    }

    pub(crate) fn keys(&self) -> &ArchiveKeys {
        &self.options.keys
    }

    pub(crate) fn options(&self) -> &super::PlanOptions {
        &self.options
    }

    /// The language the archive's records hold translatable values in, if it says.
    pub fn values_language(&self) -> Option<&str> {
        self.values_language.as_deref()
    }

    pub fn models(&self) -> &[ModelPlan] {
        &self.models
    }

    pub(crate) fn data_digest(&self) -> &EntryDigest {
        &self.data_digest
    }

    /// Per model, what a run of this plan would do (before Odoo's answers).
    pub fn summary(&self) -> Vec<ModelReport> {
        self.models.iter().map(ModelPlan::summary).collect()
    }

    /// Totals over every model.
    pub fn totals(&self) -> ModelReport {
        crate::report::sum(&self.summary())
    }

    /// Whether executing the plan would write nothing.
    pub fn writes_nothing(&self) -> bool {
        self.internals.id_records.pending_rows.is_empty()
            && self.models.iter().all(|model| {
                model.creates.is_empty()
                    && model.updates.is_empty()
                    && model.translations.is_empty()
            })
    }

    /// Records an interrupted restore had created without recording their ids, found again
    /// (compared like any existing record): `(model, archive id, target id)`.
    pub fn recovered(&self) -> &[(String, i64, i64)] {
        &self.internals.id_records.recovered
    }

    pub fn refusals(&self) -> impl Iterator<Item = &Refusal> {
        self.models.iter().flat_map(|model| model.refusals.iter())
    }

    /// Records to re-create that will come back in an earlier state of their workflow.
    pub fn state_changes(&self) -> impl Iterator<Item = &crate::report::StateChange> {
        self.models
            .iter()
            .flat_map(|model| model.state_changes.iter())
    }

    pub fn unresolved(&self) -> impl Iterator<Item = &UnresolvedValue> {
        self.models.iter().flat_map(|model| model.unresolved.iter())
    }
}

//! What a restore did, or — for a dry run — would do.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use backup_engine::Tenant;
use serde::{Deserialize, Serialize};

/// Per model: what was (or would be) done with the archive's records.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ModelReport {
    pub model: String,
    /// Records of the archive that did not exist and were created.
    pub created: u64,
    /// Existing records of which at least one field was written.
    pub updated: u64,
    /// Existing records already equal to the archive on every field a restore writes.
    pub unchanged: u64,
    /// Records not written because they do not belong to the tenant (now), or their model
    /// cannot be restored here.
    pub refused: u64,
    /// Records whose create or write Odoo refused.
    pub failed: u64,
}

/// A record of the archive that the restore does not touch, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub model: String,
    /// The record's id in the archive.
    pub archive_id: i64,
    /// The record's id now, when it exists.
    pub target_id: Option<i64>,
    pub reason: String,
}

/// What Odoo was asked to do with a record when it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Create,
    Update,
    /// Recording the id of a re-created record (in `ir.model.data`), so that a second run
    /// finds it instead of creating it again.
    RecordMapping,
}

/// A record Odoo refused to create or update, with Odoo's own message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordFailure {
    pub model: String,
    pub archive_id: i64,
    pub target_id: Option<i64>,
    pub operation: Operation,
    pub message: String,
}

/// A field value the restore could not write because the record it refers to cannot be
/// referred to (it no longer exists, or its own restore failed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnresolvedValue {
    pub model: String,
    pub archive_id: i64,
    pub field: String,
    pub reason: String,
}

/// A field a restore never writes (read-only, related, counters) whose value differs from the
/// archive's on some records after the restore: what the restore could not bring back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NotRestored {
    pub model: String,
    pub field: String,
    pub reason: &'static str,
    /// Records on which it differs.
    pub records: u64,
}

/// A re-created record that Odoo's workflow starts over — a confirmed order comes back as a
/// quotation, a posted invoice as a draft, a done transfer as a draft —, named as users know
/// it, with what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StateChange {
    pub model: String,
    pub archive_id: i64,
    /// The re-created record (in a report; `None` in a plan).
    pub target_id: Option<i64>,
    /// The record's own reference as the archive holds it (`S00042`, `FAC/2026/00042`).
    pub reference: String,
    /// The state in the archive, and its label in the source language.
    pub archived_state: String,
    pub archived_label: String,
    /// The state the record comes back in, and its label.
    pub restored_state: String,
    pub restored_label: String,
    /// What to do, in English (the addon says it in the user's language).
    pub action: &'static str,
}

impl StateChange {
    /// One line for people: `S00042: Sales Order in the backup, comes back as Quotation; …`.
    pub fn describe(&self) -> String {
        format!(
            "{}: {} in the backup, comes back as {}; {}",
            self.reference, self.archived_label, self.restored_label, self.action
        )
    }
}

/// A value that differs from the archive's once the restore is done — after its second pass —,
/// found when the restore read the tenant back: Odoo changed it as a consequence of the
/// restore's writes (an inverse field, a recomputation), or someone did meanwhile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    pub model: String,
    pub archive_id: i64,
    /// The record now (its re-created id for a re-created record); `None` when it is gone.
    pub target_id: Option<i64>,
    /// The field, with the language for a translation (`name (fr_FR)`); `id` for a record that
    /// is gone.
    pub field: String,
    /// The archive's value (relational values with the archive's ids).
    pub archived: serde_json::Value,
    pub now: serde_json::Value,
    pub likely_cause: LikelyCause,
}

impl Difference {
    pub fn describe(&self) -> String {
        format!(
            "{} {}.{}: {} in the archive, {} now; {}",
            self.model,
            self.target_id.map_or_else(
                || format!("(archive id {})", self.archive_id),
                |id| id.to_string()
            ),
            self.field,
            self.archived,
            self.now,
            self.likely_cause.describe()
        )
    }
}

/// What most likely changed a value after the restore wrote, from what the restore wrote and
/// how the records point to each other in the archive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LikelyCause {
    /// The restore wrote this record, and Odoo set another value afterwards (a computed field,
    /// or another record's inverse field).
    ChangedAfterWrite,
    /// Odoo changed it when the restore wrote a record whose `field` points to it (an inverse
    /// field, such as a lead's e-mail written to its customer).
    WriteOfLinkedRecord {
        model: String,
        archive_id: i64,
        field: String,
    },
    /// It follows the record its `field` points to (a computed field), which changed.
    FollowsLinkedRecord {
        model: String,
        archive_id: i64,
        field: String,
    },
    /// A field a restore never writes, which differed before the restore already.
    NeverWritten { reason: String },
    /// Nothing the restore wrote explains it: changed while the restore ran.
    Unexplained,
}

impl LikelyCause {
    pub fn describe(&self) -> String {
        match self {
            LikelyCause::ChangedAfterWrite => {
                "Odoo set another value after the restore wrote this record".into()
            }
            LikelyCause::WriteOfLinkedRecord {
                model,
                archive_id,
                field,
            } => format!(
                "Odoo changed it when the restore wrote {model} {archive_id} (archive id), whose {field} points to it"
            ),
            LikelyCause::FollowsLinkedRecord {
                model,
                archive_id,
                field,
            } => format!(
                "it follows {model} {archive_id} (archive id, through {field}), which changed"
            ),
            LikelyCause::NeverWritten { reason } => {
                format!("a restore does not write it ({reason}); it differed before the restore")
            }
            LikelyCause::Unexplained => {
                "nothing the restore wrote explains it: changed while the restore ran".into()
            }
        }
    }
}

/// Whether everything in the archive is back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestoreOutcome {
    /// Every record of the archive is restored with every field a restore writes, and reading
    /// the tenant back finds it equal to the archive.
    Complete,
    /// Everything was written, but reading the tenant back finds values that differ from the
    /// archive (listed in `differences`): Odoo changed them as a consequence of the writes.
    RestoredWithDifferences,
    /// Some records were refused or failed, or some values could not be restored: see the lists.
    Partial,
}

/// The outcome of a restore.
#[derive(Clone, Debug, Serialize)]
pub struct RestoreReport {
    pub tenant: Tenant,
    pub archive: PathBuf,
    /// Who signed the archive (a restore of one no trusted key signed was allowed explicitly).
    pub signature: backup_engine::SignatureCheck,
    pub outcome: RestoreOutcome,
    /// In the order the models were restored.
    pub models: Vec<ModelReport>,
    pub refusals: Vec<Refusal>,
    pub failures: Vec<RecordFailure>,
    pub unresolved: Vec<UnresolvedValue>,
    /// Fields never written that differ from the archive (on updated and re-created records):
    /// by design, not a failure — an order re-created as a quotation, say.
    pub not_restored: Vec<NotRestored>,
    /// Re-created records that came back in an earlier state of their workflow.
    pub state_changes: Vec<StateChange>,
    /// Values that differ from the archive once the restore is done, found by reading the
    /// tenant back (workflow states of re-created records are in `state_changes` instead).
    pub differences: Vec<Difference>,
    /// Values the restore's second pass set back after Odoo had changed them.
    pub set_back: u64,
    /// Re-created records: model → archive id → new id.
    pub recreated: BTreeMap<String, BTreeMap<i64, i64>>,
    /// `create` and `write` calls made (record mappings included).
    pub write_calls: u64,
    pub duration: Duration,
}

impl RestoreReport {
    pub fn totals(&self) -> ModelReport {
        sum(&self.models)
    }
}

pub(crate) fn sum(models: &[ModelReport]) -> ModelReport {
    models.iter().fold(
        ModelReport {
            model: "(all)".into(),
            ..ModelReport::default()
        },
        |mut total, model| {
            total.created += model.created;
            total.updated += model.updated;
            total.unchanged += model.unchanged;
            total.refused += model.refused;
            total.failed += model.failed;
            total
        },
    )
}

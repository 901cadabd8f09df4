//! The plan: everything a restore will write, worked out by reading only.
//!
//! In order: verify and load the archive; check that the target is the archive's tenant (same
//! company id, same database uuid); read the target's metadata of every model of the archive;
//! find where each record is now (its own id, or the id a previous restore gave it, recorded in
//! `ir.model.data`) and start reading those records as they are now, pinned to the tenant;
//! meanwhile check that every record of the archive is the tenant's (else the archive is refused
//! as tampered) and that every record the archive refers to but does not hold may be referred
//! to (shared, or the tenant's); refuse the records that are not the tenant's now; then compare
//! field by field and order the models so that records are created after the records they
//! point to.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use backup_engine::{EntryDigest, ReadLimits, Tenant};
use chrono::{DateTime, SubsecRound, Utc};
use futures::{StreamExt, TryStreamExt};
use odoo_client::{
    Context, Domain, FieldType, OdooClient, OdooError, Record, SearchOptions, value,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::archive::{self, ArchiveModel, LoadedArchive, record_id};
use crate::error::RestoreError;
use crate::id_records::{self, EarlierRestores, IdRecords};
use crate::keys::{ByModel, KeySet};
use crate::order::dependency_order;
use crate::ownership::{self, Facts, Key};
use crate::progress::{RestoreProgress, RestoreProgressSink};
use crate::reads::{CurrentRecords, ReadJob, read_current, read_current_many};
use crate::report::{ModelReport, Refusal, UnresolvedValue};
use crate::schema::{FieldSchema, ModelSchema, NotWritten, model_schema};
use crate::values::{Resolved, Resolver, Translated, file_reference, same_value, translate};

/// How a plan reads.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// Records per read.
    pub read_batch_size: usize,
    /// Reads in flight at once.
    pub concurrency: usize,
    /// Records per read of binary contents (images): small, so they never pile up in memory.
    pub binary_batch_size: usize,
    /// Bounds on the archive's entries (sizes, compression ratios).
    pub archive_limits: ReadLimits,
    /// Compare field by field even the records whose `write_date` shows they were not written
    /// since the backup. Odoo sets `write_date` on every write through its ORM; only a database
    /// changed behind Odoo's back (SQL) needs this.
    pub compare_unmodified_records: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            read_batch_size: 500,
            concurrency: 4,
            binary_batch_size: 8,
            archive_limits: ReadLimits::default(),
            compare_unmodified_records: false,
        }
    }
}

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

/// A field of the archive that a restore does not write, and on how many existing records its
/// value differs from the archive's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NotRestoredField {
    pub field: String,
    pub reason: &'static str,
    pub differing_records: u64,
}

/// What the restore will do with one model's records.
#[derive(Clone, Debug, Serialize)]
pub struct ModelPlan {
    pub model: String,
    pub creates: Vec<PlannedCreate>,
    pub updates: Vec<PlannedUpdate>,
    pub unchanged: u64,
    pub refusals: Vec<Refusal>,
    /// Fields that differ on existing records but are never written (read-only, computed...).
    pub not_restored: Vec<NotRestoredField>,
    /// Values that cannot be written because the record they refer to is gone.
    pub unresolved: Vec<UnresolvedValue>,
}

impl ModelPlan {
    pub fn summary(&self) -> ModelReport {
        ModelReport {
            model: self.model.clone(),
            created: self.creates.len() as u64,
            updated: self.updates.len() as u64,
            unchanged: self.unchanged,
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
            && self
                .models
                .iter()
                .all(|model| model.creates.is_empty() && model.updates.is_empty())
    }

    /// Records an interrupted restore had created without recording their ids, found again
    /// (compared like any existing record): `(model, archive id, target id)`.
    pub fn recovered(&self) -> &[(String, i64, i64)] {
        &self.internals.id_records.recovered
    }

    pub fn refusals(&self) -> impl Iterator<Item = &Refusal> {
        self.models.iter().flat_map(|model| model.refusals.iter())
    }

    pub fn unresolved(&self) -> impl Iterator<Item = &UnresolvedValue> {
        self.models.iter().flat_map(|model| model.unresolved.iter())
    }
}

/// Plans the restore of the archive at `archive_path` into the tenant `target` (as
/// [`resolve_tenant`](backup_engine::resolve_tenant) found it): reads only.
pub async fn plan(
    client: &OdooClient,
    archive_path: &Path,
    target: &Tenant,
    options: &PlanOptions,
    progress: &dyn RestoreProgressSink,
) -> Result<RestorePlan, RestoreError> {
    progress.report(RestoreProgress::Step("verifying the archive"));
    let path = archive_path.to_owned();
    let limits = options.archive_limits;
    let archive = tokio::task::spawn_blocking(move || archive::load(&path, limits))
        .await
        .map_err(|error| RestoreError::MalformedArchive {
            path: archive_path.to_owned(),
            reason: format!("the archive could not be loaded: {error}"),
        })??;

    progress.report(RestoreProgress::Step("checking the target tenant"));
    let tenant = target.clone();
    let scoped = client.with_context(Context::company(tenant.company_id).with_archived());
    let planner = Planner {
        client: scoped,
        tenant,
        archive,
        options: options.clone(),
    };
    planner.check_tenant().await?;
    planner.run(progress).await
}

struct Planner {
    /// Pinned to the tenant, archived records visible.
    client: OdooClient,
    tenant: Tenant,
    archive: LoadedArchive,
    options: PlanOptions,
}

impl Planner {
    fn odoo(&self, step: impl Into<String>) -> impl FnOnce(OdooError) -> RestoreError + '_ {
        RestoreError::odoo(&self.tenant.code, step.into())
    }

    fn tampered(&self, model: &str, archive_id: i64, reason: impl Into<String>) -> RestoreError {
        RestoreError::Tampered {
            path: self.archive.path.clone(),
            model: model.to_owned(),
            archive_id,
            reason: reason.into(),
        }
    }

    async fn database_uuid(&self) -> Result<Option<String>, RestoreError> {
        let rows = self
            .client
            .search_read(
                "ir.config_parameter",
                &Domain::leaf("key", "=", "database.uuid"),
                &["value".to_owned()],
                &SearchOptions::default(),
            )
            .await
            .map_err(self.odoo(
                "read the database uuid (ir.config_parameter; the user must be a Settings administrator)",
            ))?;
        Ok(rows
            .first()
            .and_then(|row| row.get("value"))
            .and_then(Value::as_str)
            .filter(|uuid| !uuid.is_empty())
            .map(str::to_owned))
    }

    async fn check_tenant(&self) -> Result<(), RestoreError> {
        let metadata = &self.archive.metadata;
        if metadata.tenant.company_id != self.tenant.company_id {
            return Err(RestoreError::WrongTenant {
                path: self.archive.path.clone(),
                archive_company_id: metadata.tenant.company_id,
                archive_tenant: format!("{} ({})", metadata.tenant.name, metadata.tenant.code),
                target: self.tenant.to_string(),
            });
        }
        let archive_uuid = metadata
            .odoo
            .database_uuid
            .clone()
            .filter(|uuid| !uuid.is_empty())
            .ok_or(RestoreError::MissingDatabaseUuid {
                side: "the archive",
            })?;
        let target_uuid = self
            .database_uuid()
            .await?
            .ok_or(RestoreError::MissingDatabaseUuid {
                side: "the target database",
            })?;
        if archive_uuid != target_uuid {
            return Err(RestoreError::WrongDatabase {
                path: self.archive.path.clone(),
                archive_uuid,
                target_uuid,
            });
        }
        Ok(())
    }

    async fn run(self, progress: &dyn RestoreProgressSink) -> Result<RestorePlan, RestoreError> {
        progress.report(RestoreProgress::Step("reading the models' metadata"));
        let (schemas, refused_models) = self.schemas().await?;
        let archive_models: BTreeSet<String> = self.archive.models.keys().cloned().collect();
        let tenant_data_models = ownership::tenant_data_models(&archive_models);

        let EarlierRestores {
            recorded,
            id_records,
        } = id_records::read_earlier(
            &self.client,
            &self.tenant.code,
            &self.archive.metadata.odoo.database_uuid,
            &archive_models,
        )
        .await?;
        // A record written before the second the backup started may turn out not written
        // since: it is read light first (what tells whether it was written and whom it belongs
        // to), and in full only if it was. The others are read in full at once.
        let backup_started = self.backup_started();
        let mut targets_by_model: Vec<(&String, HashMap<i64, i64>, Vec<i64>)> = Vec::new();
        let mut jobs: Vec<ReadJob> = Vec::new();
        for (model, records) in &self.archive.models {
            let Some(schema) = schemas.get(model) else {
                continue;
            };
            if records.records.is_empty() {
                continue;
            }
            let may_skip =
                !self.options.compare_unmodified_records && schema.has_field("write_date");
            let mut target_of: HashMap<i64, i64> = HashMap::with_capacity(records.records.len());
            let mut light_ids: Vec<i64> = Vec::new();
            let mut full_ids: Vec<i64> = Vec::new();
            for record in &records.records {
                let archive_id = record_id(record);
                let target = recorded
                    .get(model, archive_id)
                    .map_or(archive_id, |recorded| recorded.target);
                target_of.insert(archive_id, target);
                let written_before_backup = record
                    .get("write_date")
                    .and_then(value::parse_datetime)
                    .is_some_and(|date| date < backup_started);
                if may_skip && written_before_backup {
                    light_ids.push(target);
                } else {
                    full_ids.push(target);
                }
            }
            full_ids.sort_unstable();
            full_ids.dedup();
            light_ids.sort_unstable();
            light_ids.dedup();
            light_ids.retain(|id| full_ids.binary_search(id).is_err());
            let light_fields: Vec<String> = std::iter::once("id".to_owned())
                .chain(ownership::fields_judged_now(schema, &archive_models))
                .chain(may_skip.then(|| "write_date".to_owned()))
                .collect();
            jobs.push(ReadJob {
                model: model.clone(),
                ids: light_ids.clone(),
                fields: light_fields,
            });
            jobs.push(ReadJob {
                model: model.clone(),
                ids: full_ids,
                fields: self.fields_to_read(schema, &records.records),
            });
            targets_by_model.push((model, target_of, light_ids));
        }
        // These reads run on their own task while the archive's records are judged here: the
        // judgement needs nothing from them, and both take a while with a large tenant. Reads
        // write nothing; a refused archive stops them.
        let reads = {
            let client = self.client.clone();
            let (batch, concurrency) = (self.options.read_batch_size, self.options.concurrency);
            Ahead(tokio::spawn(async move {
                read_current_many(&client, &jobs, batch, concurrency).await
            }))
        };

        progress.report(RestoreProgress::Step(
            "checking that every record is the tenant's",
        ));
        let attached = self
            .check_archive_ownership(
                &schemas,
                &refused_models,
                &archive_models,
                &tenant_data_models,
            )
            .await?;
        let outside = self
            .resolve_outside_references(&schemas, &refused_models, &attached)
            .await?;

        progress.report(RestoreProgress::Step("reading the records as they are now"));
        let mut read = reads
            .join()
            .await
            .map_err(|(model, error)| {
                self.odoo(format!("read the current {model} records"))(error)
            })?
            .into_iter();
        let mut current_by_model: BTreeMap<String, (HashMap<i64, i64>, CurrentRecords)> =
            BTreeMap::new();
        let mut read_light: BTreeMap<&String, Vec<i64>> = BTreeMap::new();
        for (model, target_of, light_ids) in targets_by_model {
            let (Some(mut current), Some(full)) = (read.next(), read.next()) else {
                break;
            };
            current.rows.extend(full.rows);
            current.foreign.extend(full.foreign);
            read_light.insert(model, light_ids);
            current_by_model.insert(model.clone(), (target_of, current));
        }
        // A record whose write_date is the archive's may still differ: deleting a record it
        // points to clears or removes the link in the database, without a write. So a record
        // pointing to an archive record that is gone is compared too.
        let any_gone = current_by_model.values().any(|(target_of, current)| {
            target_of
                .values()
                .any(|target| !current.rows.contains_key(target))
        });
        let gone = |model: &str, archive_id: i64| {
            current_by_model
                .get(model)
                .is_some_and(|(target_of, current)| {
                    target_of
                        .get(&archive_id)
                        .is_none_or(|target| !current.rows.contains_key(target))
                })
        };
        let mut unmodified_by_model: BTreeMap<String, HashSet<i64>> = BTreeMap::new();
        for (model, (target_of, current)) in &current_by_model {
            let schema = &schemas[model];
            if self.options.compare_unmodified_records || !schema.has_field("write_date") {
                continue;
            }
            let records = &self.archive.models[model];
            let mut unmodified = self.unmodified(records, target_of, current);
            // Nothing is gone in the common case: then no record needs looking at again.
            let maybe_pointing_to_gone = if any_gone { &records.records[..] } else { &[] };
            for record in maybe_pointing_to_gone {
                let Some(target) = target_of.get(&record_id(record)) else {
                    continue;
                };
                if !unmodified.contains(target) {
                    continue;
                }
                let points_to_gone = record.iter().any(|(name, value)| {
                    schema.field(name).is_some_and(|field| {
                        field.is_given_on_create()
                            && crate::values::referenced_records(field, value, record)
                                .iter()
                                .any(|(model, id)| {
                                    self.archive.contains(model, *id) && gone(model, *id)
                                })
                    })
                });
                if points_to_gone {
                    unmodified.remove(target);
                }
            }
            unmodified_by_model.insert(model.clone(), unmodified);
        }
        let mut jobs: Vec<ReadJob> = Vec::new();
        for (model, (_, current)) in current_by_model.iter_mut() {
            current.unmodified = unmodified_by_model.remove(model).unwrap_or_default();
            let to_compare: Vec<i64> = read_light
                .remove(model)
                .unwrap_or_default()
                .into_iter()
                .filter(|id| current.rows.contains_key(id) && !current.unmodified.contains(id))
                .collect();
            if !to_compare.is_empty() {
                let schema = &schemas[model];
                jobs.push(ReadJob {
                    model: model.clone(),
                    ids: to_compare,
                    fields: self.fields_to_read(schema, &self.archive.models[model].records),
                });
            }
        }
        let full = self.read_many(&jobs).await?;
        for (job, full) in jobs.iter().zip(full) {
            if let Some((_, current)) = current_by_model.get_mut(&job.model) {
                current.rows.extend(full.rows);
                current.foreign.extend(full.foreign);
            }
        }
        drop(jobs);

        progress.report(RestoreProgress::Step(
            "checking that the records are the tenant's now",
        ));
        let refused_now = self
            .check_current_ownership(
                &schemas,
                &current_by_model,
                &archive_models,
                &tenant_data_models,
            )
            .await?;

        let mut internals = PlanInternals {
            outside,
            attached,
            id_records,
            ..PlanInternals::default()
        };
        let mut refusals: BTreeMap<String, Vec<Refusal>> = BTreeMap::new();
        for (model, records) in &self.archive.models {
            for archive_id in records.ids() {
                let refusal = if let Some(reason) = refused_models.get(model) {
                    Some((None, reason.clone()))
                } else if let Some((target_of, current)) = current_by_model.get(model) {
                    let target = target_of[&archive_id];
                    if current.foreign.contains(&target) {
                        Some((
                            Some(target),
                            format!(
                                "{model} {target} exists but Odoo refuses it to the tenant: it belongs to another company now"
                            ),
                        ))
                    } else if let Some(reason) = refused_now.get(model, target) {
                        Some((
                            Some(target),
                            format!("{model} {target} is not the tenant's now: {reason}"),
                        ))
                    } else if current.rows.contains_key(&target) {
                        internals.existing.insert(model, archive_id, target);
                        None
                    } else {
                        if let Some(recorded) = recorded.get(model, archive_id) {
                            internals
                                .id_records
                                .stale
                                .insert((model.clone(), archive_id), recorded.row);
                        }
                        None
                    }
                } else {
                    None
                };
                if let Some((target_id, reason)) = refusal {
                    internals.refused.add(model, archive_id);
                    refusals.entry(model.clone()).or_default().push(Refusal {
                        model: model.clone(),
                        archive_id,
                        target_id,
                        reason,
                    });
                }
            }
        }

        progress.report(RestoreProgress::Step("comparing the records"));
        let mut models = Vec::new();
        for model in dependency_order(&self.archive, &schemas) {
            let records = &self.archive.models[&model];
            let mut model_plan = ModelPlan {
                model: model.clone(),
                creates: Vec::new(),
                updates: Vec::new(),
                unchanged: 0,
                refusals: refusals.remove(&model).unwrap_or_default(),
                not_restored: Vec::new(),
                unresolved: Vec::new(),
            };
            if let (Some(schema), Some((_, current))) =
                (schemas.get(&model), current_by_model.get(&model))
            {
                self.compare_model(schema, records, current, &internals, &mut model_plan)
                    .await?;
            }
            models.push(model_plan);
        }
        internals.schemas = schemas;
        let metadata = &self.archive.metadata;
        let plan = RestorePlan {
            archive: self.archive.path.clone(),
            data_digest: metadata.entries[backup_engine::DATA_ENTRY].clone(),
            tenant: self.tenant.clone(),
            database_uuid: metadata.odoo.database_uuid.clone().unwrap_or_default(),
            archive_created_at: metadata.created_at,
            models,
            internals,
        };
        // The archive's records and the rows read are hundreds of thousands of values, which
        // take a while to free and which the plan no longer needs: freed off the caller's path.
        let done = (self.archive, current_by_model, recorded);
        tokio::task::spawn_blocking(move || drop(done));
        Ok(plan)
    }

    /// Reads several models' records as they are now, sharing the requests in flight.
    async fn read_many(&self, jobs: &[ReadJob]) -> Result<Vec<CurrentRecords>, RestoreError> {
        read_current_many(
            &self.client,
            jobs,
            self.options.read_batch_size,
            self.options.concurrency,
        )
        .await
        .map_err(|(model, error)| self.odoo(format!("read the current {model} records"))(error))
    }

    /// The target's metadata of every model of the archive; models that cannot be restored
    /// here, with the reason.
    async fn schemas(
        &self,
    ) -> Result<(BTreeMap<String, ModelSchema>, BTreeMap<String, String>), RestoreError> {
        let models: Vec<String> = self.archive.model_order.clone();
        let results: Vec<(String, Result<ModelSchema, OdooError>)> = futures::stream::iter(models)
            .map(|model| async move {
                let schema = model_schema(&self.client, &model).await;
                (model, schema)
            })
            .buffered(self.options.concurrency.max(1))
            .collect()
            .await;
        let mut schemas = BTreeMap::new();
        let mut refused = BTreeMap::new();
        for (model, result) in results {
            if let Some(reason) = backup_engine::denied_reason(&model) {
                refused.insert(model, format!("{reason}: never restored"));
                continue;
            }
            match result {
                Ok(schema) => {
                    schemas.insert(model, schema);
                }
                Err(OdooError::UnknownModel { .. }) => {
                    refused.insert(
                        model.clone(),
                        format!("model {model} is not installed in this database: install its module, then restore again"),
                    );
                }
                Err(error) => {
                    return Err(self.odoo(format!("read the fields of {model}"))(error));
                }
            }
        }
        Ok((schemas, refused))
    }

    /// Target ids of records not written since the backup: their `write_date` is the archive's,
    /// and earlier than the second the backup started (`write_date` has whole seconds, so a
    /// write in that second could carry the same value and is compared instead).
    fn unmodified(
        &self,
        records: &crate::archive::ArchiveModel,
        target_of: &HashMap<i64, i64>,
        current: &CurrentRecords,
    ) -> HashSet<i64> {
        let backup_started = self.backup_started();
        records
            .records
            .iter()
            .filter_map(|record| {
                let archived = value::parse_datetime(record.get("write_date")?)?;
                let target = target_of.get(&record_id(record))?;
                let now = value::parse_datetime(current.rows.get(target)?.get("write_date")?)?;
                (archived == now && archived < backup_started).then_some(*target)
            })
            .collect()
    }

    /// The second the backup started: `write_date` has whole seconds.
    fn backup_started(&self) -> DateTime<Utc> {
        self.archive.metadata.created_at.trunc_subsecs(0)
    }

    /// The fields read to compare and to judge ownership: the archive's fields that are compared
    /// (binaries apart, compared by size and content), and the fields the ownership judgement
    /// reads.
    fn fields_to_read(&self, schema: &ModelSchema, records: &[Record]) -> Vec<String> {
        let archive_models: BTreeSet<String> = self.archive.models.keys().cloned().collect();
        let mut fields = ownership::fields_judged_now(schema, &archive_models);
        fields.insert("id".into());
        if let Some(first) = records.first() {
            for name in first.keys() {
                if let Some(field) = schema.field(name)
                    && !field.info.field_type.is_binary()
                    && !matches!(
                        field.not_written,
                        Some(
                            NotWritten::Audit
                                | NotWritten::Technical
                                | NotWritten::NotStored
                                | NotWritten::One2many
                        )
                    )
                {
                    fields.insert(name.clone());
                }
            }
        }
        fields.into_iter().collect()
    }

    /// Refuses the archive unless every record in it is the tenant's. Returns the records that
    /// belong to the tenant by what they are attached to.
    async fn check_archive_ownership(
        &self,
        schemas: &BTreeMap<String, ModelSchema>,
        refused_models: &BTreeMap<String, String>,
        archive_models: &BTreeSet<String>,
        tenant_data_models: &BTreeSet<String>,
    ) -> Result<KeySet, RestoreError> {
        let tenant_partners =
            ownership::archive_tenant_partners(&self.archive, self.tenant.company_id);
        let facts = Facts {
            tenant: self.tenant.company_id,
            tenant_partners: &tenant_partners,
            tenant_data_models,
        };
        let judgement = ownership::judge_archive(
            &self.archive,
            schemas,
            refused_models,
            &facts,
            archive_models,
        )
        .map_err(|foreign| {
            let (model, id) = foreign.record;
            self.tampered(&model, id, foreign.reason)
        })?;
        let checked = self
            .strictly_tenant_now(judgement.verdicts.to_check())
            .await?;
        let judged = |model: &str, id: i64| {
            !refused_models.contains_key(model) && self.archive.contains(model, id)
        };
        let refused = judgement.verdicts.refusals(&judged, &checked);
        if let Some(((model, id), reason)) = refused.into_iter().min() {
            return Err(self.tampered(&model, id, reason));
        }
        Ok(judgement.attached)
    }

    /// For records outside a set: whether each is strictly the tenant's now (its company is the
    /// tenant). Deleted records, other companies' and records with no company are not.
    async fn strictly_tenant_now(
        &self,
        keys: BTreeSet<Key>,
    ) -> Result<HashMap<Key, bool>, RestoreError> {
        let mut by_model: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for (model, id) in keys {
            by_model.entry(model).or_default().push(id);
        }
        let mut checked = HashMap::new();
        for (model, ids) in by_model {
            let rows = self.company_fields_now(&model, &ids).await?;
            for id in ids {
                let owned = rows.rows.get(&id).is_some_and(|row| {
                    ownership::strictly_tenant_now(&model, id, row, self.tenant.company_id)
                });
                checked.insert((model.clone(), id), owned);
            }
        }
        Ok(checked)
    }

    /// Records read now with their company fields.
    async fn company_fields_now(
        &self,
        model: &str,
        ids: &[i64],
    ) -> Result<CurrentRecords, RestoreError> {
        let schema = match model_schema(&self.client, model).await {
            Ok(schema) => schema,
            Err(OdooError::UnknownModel { .. }) => return Ok(CurrentRecords::default()),
            Err(error) => return Err(self.odoo(format!("read the fields of {model}"))(error)),
        };
        let mut fields = vec!["id".to_owned()];
        for name in ["company_id", "company_ids", "record_company_id"] {
            if schema.has_field(name) {
                fields.push(name.to_owned());
            }
        }
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        read_current(
            &self.client,
            model,
            &ids,
            &fields,
            self.options.read_batch_size,
            self.options.concurrency,
        )
        .await
        .map_err(self.odoo(format!("read the companies of referenced {model} records")))
    }

    /// Finds every record the archive refers to without holding it, through the archive's
    /// external ids (shared records) or by id (same database), and refuses the archive if one is
    /// another tenant's.
    async fn resolve_outside_references(
        &self,
        schemas: &BTreeMap<String, ModelSchema>,
        refused_models: &BTreeMap<String, String>,
        attached: &KeySet,
    ) -> Result<HashMap<Key, Resolved>, RestoreError> {
        // The first record that refers to each outside record, for the error message.
        let mut referrers: BTreeMap<Key, (String, i64, String)> = BTreeMap::new();
        let mut seen: HashSet<(&str, i64)> = HashSet::new();
        for (model, records) in &self.archive.models {
            if refused_models.contains_key(model) {
                continue;
            }
            let schema = &schemas[model];
            let reference_fields: Vec<(&String, &FieldSchema)> = schema
                .fields
                .iter()
                .filter(|(_, field)| field.is_given_on_create() && holds_references(&field.info))
                .collect();
            let may_be_attached = !schema.attached_by.is_empty();
            for (id, record) in records.iter() {
                let is_attached = may_be_attached && attached.contains(model, id);
                for (name, field) in &reference_fields {
                    let Some(value) = record.get(*name) else {
                        continue;
                    };
                    // An attachment's own company is not trusted (Odoo stamps some wrongly) and
                    // is not written when it is not the tenant.
                    if is_attached && *name == "company_id" {
                        continue;
                    }
                    for (target_model, target) in
                        crate::values::referenced_records(field, value, record)
                    {
                        if !self.archive.contains(target_model, target)
                            && seen.insert((target_model, target))
                        {
                            referrers.insert(
                                (target_model.to_owned(), target),
                                (model.clone(), id, (*name).clone()),
                            );
                        }
                    }
                }
            }
        }
        let mut outside: HashMap<Key, Resolved> = HashMap::new();
        // Shared records by external id.
        let mut by_name: BTreeMap<String, Key> = BTreeMap::new();
        for key in referrers.keys() {
            if let Some(name) = self
                .archive
                .external_ids
                .get(&key.0)
                .and_then(|ids| ids.get(&key.1))
            {
                by_name.insert(name.clone(), key.clone());
            }
        }
        let names: Vec<String> = by_name.keys().cloned().collect();
        let found = self
            .client
            .resolve_external_ids(&names)
            .await
            .map_err(self.odoo("resolve the external ids of shared records"))?;
        let name_of: HashMap<&Key, &String> =
            by_name.iter().map(|(name, key)| (key, name)).collect();
        let installed = self.installed_modules().await?;
        let mut targets: BTreeMap<String, Vec<(Key, i64)>> = BTreeMap::new();
        for key in referrers.keys() {
            let Some(name) = name_of.get(key) else {
                targets
                    .entry(key.0.clone())
                    .or_default()
                    .push((key.clone(), key.1));
                continue;
            };
            match found.get(*name) {
                // Data a module defines (countries, currencies, units, OdooBot, the admin...)
                // is shared by every tenant, whatever company Odoo stamped on it. External ids
                // made at run time (`__export__`, `__import__`, a restore's own) prove nothing:
                // those records are checked by their company like records referred to by id.
                Some((model, target))
                    if *model == key.0 && ownership::is_module_data(name, &installed) =>
                {
                    outside.insert(key.clone(), Resolved::Target(*target));
                }
                Some((model, target)) if *model == key.0 => {
                    targets
                        .entry(key.0.clone())
                        .or_default()
                        .push((key.clone(), *target));
                }
                Some((model, _)) => {
                    outside.insert(
                        key.clone(),
                        Resolved::Unavailable(format!(
                            "external id {name} names a {model} record here, not a {}",
                            key.0
                        )),
                    );
                }
                None => {
                    outside.insert(
                        key.clone(),
                        Resolved::Unavailable(format!(
                            "external id {name} does not exist in this database"
                        )),
                    );
                }
            }
        }
        for (model, keys) in targets {
            let ids: Vec<i64> = keys.iter().map(|(_, target)| *target).collect();
            let rows = self.company_fields_now(&model, &ids).await?;
            for (key, target) in keys {
                let (referrer_model, referrer_id, field) = &referrers[&key];
                if rows.foreign.contains(&target) {
                    return Err(self.tampered(
                        referrer_model,
                        *referrer_id,
                        format!(
                            "field {field} refers to {model} {target}, which Odoo refuses to show to the tenant: another company's record"
                        ),
                    ));
                }
                match rows.rows.get(&target) {
                    Some(row) => {
                        if let Err(reason) = ownership::may_be_referenced(
                            &model,
                            target,
                            row,
                            self.tenant.company_id,
                        ) {
                            return Err(self.tampered(
                                referrer_model,
                                *referrer_id,
                                format!("field {field} refers to {model} {target}: {reason}"),
                            ));
                        }
                        outside.insert(key, Resolved::Target(target));
                    }
                    None => {
                        outside.insert(
                            key,
                            Resolved::Unavailable(format!("{model} {target} no longer exists")),
                        );
                    }
                }
            }
        }
        Ok(outside)
    }

    /// The modules installed in the target database.
    async fn installed_modules(&self) -> Result<HashSet<String>, RestoreError> {
        let rows = self
            .client
            .search_read(
                "ir.module.module",
                &Domain::leaf("state", "=", "installed"),
                &["name".to_owned()],
                &SearchOptions::default(),
            )
            .await
            .map_err(self.odoo("list the installed modules (ir.module.module)"))?;
        Ok(rows
            .iter()
            .filter_map(|row| row.get("name").and_then(Value::as_str).map(str::to_owned))
            .collect())
    }

    /// Judges the records that exist now, as they are now. Returns refusal reasons by target key.
    async fn check_current_ownership(
        &self,
        schemas: &BTreeMap<String, ModelSchema>,
        current_by_model: &BTreeMap<String, (HashMap<i64, i64>, CurrentRecords)>,
        archive_models: &BTreeSet<String>,
        tenant_data_models: &BTreeSet<String>,
    ) -> Result<ByModel<String>, RestoreError> {
        let tenant_partners = self.current_tenant_partners().await?;
        let facts = Facts {
            tenant: self.tenant.company_id,
            tenant_partners: &tenant_partners,
            tenant_data_models,
        };
        let in_set = |model: &str, id: i64| {
            current_by_model
                .get(model)
                .is_some_and(|(_, current)| current.rows.contains_key(&id))
        };
        let rows = current_by_model
            .iter()
            .map(|(model, (_, current))| (&schemas[model], &current.rows));
        let verdicts = ownership::judge_current(rows, &facts, archive_models, &in_set);
        let checked = self.strictly_tenant_now(verdicts.to_check()).await?;
        let mut refused = ByModel::default();
        for ((model, id), reason) in verdicts.refusals(&in_set, &checked) {
            refused.insert(&model, id, reason);
        }
        Ok(refused)
    }

    /// The tenant company's partner and its users' partners, as they are now.
    async fn current_tenant_partners(&self) -> Result<HashSet<i64>, RestoreError> {
        let company = self.tenant.company_id;
        let mut partners = HashSet::new();
        let rows = self
            .client
            .read("res.company", &[company], &["partner_id".to_owned()])
            .await
            .map_err(self.odoo("read the tenant company's partner"))?;
        partners.extend(
            rows.iter()
                .filter_map(|row| row.get("partner_id").and_then(value::many2one_id)),
        );
        let users = self
            .client
            .search_read(
                "res.users",
                &Domain::leaf("company_id", "=", company),
                &["partner_id".to_owned()],
                &SearchOptions::ordered_by("id"),
            )
            .await
            .map_err(self.odoo("read the tenant's users"))?;
        partners.extend(
            users
                .iter()
                .filter_map(|row| row.get("partner_id").and_then(value::many2one_id)),
        );
        Ok(partners)
    }

    /// Compares one model's archive records with their current state.
    async fn compare_model(
        &self,
        schema: &ModelSchema,
        records: &ArchiveModel,
        current: &CurrentRecords,
        internals: &PlanInternals,
        plan: &mut ModelPlan,
    ) -> Result<(), RestoreError> {
        let model = &schema.model;
        let resolver = PlanResolver {
            archive: &self.archive,
            internals,
        };
        let mut not_restored: BTreeMap<String, (NotWritten, u64)> = BTreeMap::new();
        let mut binary_candidates: Vec<(usize, i64)> = Vec::new();
        // The records of a model have the same fields: their schemas are looked up once, from
        // the first record, and again only for a record whose fields differ.
        let layout: Vec<(&String, Option<&FieldSchema>)> = records
            .records
            .first()
            .map(|first| {
                first
                    .keys()
                    .map(|name| (name, schema.field(name)))
                    .collect()
            })
            .unwrap_or_default();
        for (archive_id, record) in records.iter() {
            if internals.refused.contains(model, archive_id) {
                continue;
            }
            let attached = internals.attached.contains(model, archive_id);
            let Some(&target_id) = internals.existing.get(model, archive_id) else {
                let values = creatable_values(schema, record, attached, self.tenant.company_id);
                let unwritten = unwritten_values(schema, record);
                plan.creates.push(PlannedCreate {
                    archive_id,
                    values,
                    unwritten,
                });
                continue;
            };
            if current.unmodified.contains(&target_id) {
                plan.unchanged += 1;
                continue;
            }
            let row = &current.rows[&target_id];
            // Both are sorted by field name: the row is walked along with the record.
            let mut row_fields = row.iter().peekable();
            let mut now_of = |name: &str| loop {
                match row_fields.peek() {
                    Some((field, _)) if field.as_str() < name => {
                        row_fields.next();
                    }
                    Some((field, value)) if field.as_str() == name => break Some(*value),
                    _ => break None,
                }
            };
            let mut changes = BTreeMap::new();
            let mut has_binary = false;
            for (position, (name, value)) in record.iter().enumerate() {
                let field = match layout.get(position) {
                    Some((known, field)) if *known == name => *field,
                    _ => schema.field(name),
                };
                let Some(field) = field else {
                    continue;
                };
                if field.info.field_type.is_binary() {
                    has_binary |= field.is_written();
                    continue;
                }
                if let Some(reason) = field.not_written {
                    if matches!(
                        reason,
                        NotWritten::Readonly
                            | NotWritten::Related
                            | NotWritten::Denied
                            | NotWritten::FollowsOtherRecord
                    ) && let Some(now) = now_of(name)
                        && differs_now(field, now, value, record, &resolver)
                    {
                        not_restored.entry(name.clone()).or_insert((reason, 0)).1 += 1;
                    }
                    continue;
                }
                if attached
                    && name == "company_id"
                    && value.as_i64() != Some(self.tenant.company_id)
                {
                    continue;
                }
                let now = now_of(name);
                let unset = value::unset();
                let now_or_unset = now.unwrap_or(&unset);
                if !refers_by_id(&field.info) {
                    if !same_value(field, now_or_unset, value) {
                        changes.insert(
                            name.clone(),
                            FieldChange {
                                current: now_or_unset.clone(),
                                restored: value.clone(),
                            },
                        );
                    }
                    continue;
                }
                match translate(field, value, record, &resolver) {
                    Translated::Ready(restored) if same_value(field, now_or_unset, &restored) => {}
                    Translated::Ready(_) | Translated::Pending => {
                        changes.insert(
                            name.clone(),
                            FieldChange {
                                current: now_or_unset.clone(),
                                restored: value.clone(),
                            },
                        );
                    }
                    Translated::Unavailable(reason) => plan.unresolved.push(UnresolvedValue {
                        model: model.clone(),
                        archive_id,
                        field: name.clone(),
                        reason,
                    }),
                }
            }
            if changes.is_empty() && !has_binary {
                plan.unchanged += 1;
                continue;
            }
            let update = PlannedUpdate {
                archive_id,
                target_id,
                changes,
                reference_models: reference_models(schema, record),
            };
            if has_binary {
                binary_candidates.push((plan.updates.len(), archive_id));
            }
            plan.updates.push(update);
        }
        if !binary_candidates.is_empty() {
            self.compare_binaries(schema, &records.records, &binary_candidates, plan)
                .await?;
        }
        for update in std::mem::take(&mut plan.updates) {
            if update.changes.is_empty() {
                plan.unchanged += 1;
            } else {
                plan.updates.push(update);
            }
        }
        plan.not_restored = not_restored
            .into_iter()
            .map(|(field, (reason, differing_records))| NotRestoredField {
                field,
                reason: reason.describe(),
                differing_records,
            })
            .collect();
        // Unresolved values of records that will be created are found when they are written.
        for create in &plan.creates {
            for (name, value) in &create.values {
                let Some(field) = schema.field(name) else {
                    continue;
                };
                if let Translated::Unavailable(reason) =
                    translate(field, value, &create.values, &resolver)
                {
                    plan.unresolved.push(UnresolvedValue {
                        model: model.clone(),
                        archive_id: create.archive_id,
                        field: name.clone(),
                        reason,
                    });
                }
            }
        }
        Ok(())
    }

    /// Compares the binary fields of existing records: first by size (Odoo answers a binary
    /// by its size under `bin_size`), then, for values that are set on both sides, by content.
    async fn compare_binaries(
        &self,
        schema: &ModelSchema,
        records: &[Record],
        candidates: &[(usize, i64)],
        plan: &mut ModelPlan,
    ) -> Result<(), RestoreError> {
        let model = &schema.model;
        let binary_fields: Vec<String> = schema
            .written_fields()
            .filter(|(_, field)| field.info.field_type.is_binary())
            .map(|(name, _)| name.clone())
            .filter(|name| {
                records
                    .first()
                    .is_some_and(|record| record.contains_key(name))
            })
            .collect();
        if binary_fields.is_empty() {
            return Ok(());
        }
        let record_of: HashMap<i64, &Record> = records
            .iter()
            .map(|record| (record_id(record), record))
            .collect();
        let sized = self
            .client
            .with_context(self.client.context().clone().with("bin_size", true));
        let mut fields = binary_fields.clone();
        fields.push("id".into());
        let target_ids: Vec<i64> = candidates
            .iter()
            .map(|(index, _)| plan.updates[*index].target_id)
            .collect();
        let sizes = read_current(
            &sized,
            model,
            &target_ids,
            &fields,
            self.options.read_batch_size,
            self.options.concurrency,
        )
        .await
        .map_err(self.odoo(format!("read the sizes of {model} binaries")))?;
        let mut by_content: Vec<ContentCheck> = Vec::new();
        for (index, archive_id) in candidates {
            let record = record_of[archive_id];
            let target_id = plan.updates[*index].target_id;
            let Some(row) = sizes.rows.get(&target_id) else {
                continue;
            };
            for name in &binary_fields {
                let archived = record.get(name).and_then(file_reference);
                let now_set = row
                    .get(name)
                    .is_some_and(|current| !value::is_empty(current));
                match (archived, now_set) {
                    (None, false) => {}
                    (Some(reference), true) => {
                        by_content.push((*index, name.clone(), reference.sha256));
                    }
                    (archived, _) => {
                        plan.updates[*index].changes.insert(
                            name.clone(),
                            FieldChange {
                                current: row.get(name).cloned().unwrap_or_else(value::unset),
                                restored: archived.map_or_else(value::unset, |reference| {
                                    serde_json::to_value(reference).unwrap_or_default()
                                }),
                            },
                        );
                    }
                }
            }
        }
        let chunk_size = self.options.binary_batch_size.max(1);
        let chunks: Vec<Vec<ContentCheck>> =
            by_content.chunks(chunk_size).map(<[_]>::to_vec).collect();
        let results: Vec<(Vec<ContentCheck>, HashMap<i64, Record>)> = futures::stream::iter(chunks)
            .map(|chunk| {
                let ids: Vec<i64> = chunk
                    .iter()
                    .map(|(index, _, _)| plan.updates[*index].target_id)
                    .collect();
                let fields: Vec<String> = binary_fields.clone();
                async move {
                    let rows = self.client.read(model, &ids, &fields).await?;
                    let rows = rows
                        .into_iter()
                        .filter_map(|row| Some((row.get("id")?.as_i64()?, row)))
                        .collect();
                    Ok::<_, OdooError>((chunk, rows))
                }
            })
            .buffered(2)
            .try_collect()
            .await
            .map_err(self.odoo(format!("read the {model} binaries")))?;
        for (chunk, rows) in results {
            for (index, name, expected) in chunk {
                let update = &mut plan.updates[index];
                let content = rows
                    .get(&update.target_id)
                    .and_then(|row| row.get(&name))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let actual = sha256_of_base64(content);
                if actual.as_deref() != Some(expected.as_str()) {
                    let record = record_of[&update.archive_id];
                    update.changes.insert(
                        name.clone(),
                        FieldChange {
                            current: json!("(different content)"),
                            restored: record.get(&name).cloned().unwrap_or(Value::Null),
                        },
                    );
                }
            }
        }
        Ok(())
    }
}

/// Whether the current value is known to differ from the archive's value translated into the
/// target's ids (a value that cannot be translated yet is not).
fn differs_now(
    field: &FieldSchema,
    now: &Value,
    value: &Value,
    record: &Record,
    resolver: &dyn Resolver,
) -> bool {
    if !refers_by_id(&field.info) {
        return !same_value(field, now, value);
    }
    matches!(translate(field, value, record, resolver), Translated::Ready(ref restored) if !same_value(field, now, restored))
}

/// Whether a field's values hold ids, which [`translate`] maps to the target's: any other value
/// is its own translation.
fn refers_by_id(info: &odoo_client::FieldInfo) -> bool {
    holds_references(info) || info.field_type == FieldType::One2many
}

/// A binary value set both now and in the archive, compared by content: (index of the update,
/// field, the archive's SHA-256).
type ContentCheck = (usize, String, String);

/// Whether a field's values are references to records.
fn holds_references(info: &odoo_client::FieldInfo) -> bool {
    matches!(
        info.field_type,
        FieldType::Many2one
            | FieldType::Many2many
            | FieldType::Many2oneReference
            | FieldType::Reference
    )
}

/// The archive's values of the fields a restore writes, for a record to create.
fn creatable_values(schema: &ModelSchema, record: &Record, attached: bool, tenant: i64) -> Record {
    let mut values = Map::new();
    for (name, value) in record {
        let Some(field) = schema.field(name) else {
            continue;
        };
        let is_model_field = schema
            .attached_by
            .iter()
            .any(|(_, model_field)| model_field == name);
        if !field.is_given_on_create() && !is_model_field {
            continue;
        }
        // An attachment takes the tenant's company, not another one Odoo stamped it with.
        if attached && name == "company_id" && value.as_i64() != Some(tenant) {
            continue;
        }
        values.insert(name.clone(), value.clone());
    }
    values
}

/// The archive's values of the fields a restore does not write but that hold entered data
/// (read-only workflow fields such as an order's `state`, related and denied fields).
fn unwritten_values(schema: &ModelSchema, record: &Record) -> Record {
    record
        .iter()
        .filter(|(name, _)| {
            schema.field(name).is_some_and(|field| {
                !field.is_given_on_create()
                    && !field.info.field_type.is_binary()
                    && matches!(
                        field.not_written,
                        Some(NotWritten::Readonly | NotWritten::Related | NotWritten::Denied)
                    )
            })
        })
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// The values of the model fields of the record's many2one_reference fields.
fn reference_models(schema: &ModelSchema, record: &Record) -> Record {
    schema
        .attached_by
        .iter()
        .filter_map(|(_, model_field)| {
            Some((model_field.clone(), record.get(model_field)?.clone()))
        })
        .collect()
}

fn sha256_of_base64(text: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()?;
    Some(hex(&Sha256::digest(&bytes)))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

/// Resolves references while planning: records that exist, outside records, and records that
/// will be created (pending).
struct PlanResolver<'a> {
    archive: &'a LoadedArchive,
    internals: &'a PlanInternals,
}

impl Resolver for PlanResolver<'_> {
    fn resolve(&self, model: &str, archive_id: i64) -> Resolved {
        if self.archive.contains(model, archive_id) {
            if let Some(target) = self.internals.existing.get(model, archive_id) {
                return Resolved::Target(*target);
            }
            if self.internals.refused.contains(model, archive_id) {
                return Resolved::Unavailable(format!("{model} {archive_id} is refused"));
            }
            return Resolved::Pending;
        }
        self.internals
            .outside
            .get(&(model.to_owned(), archive_id))
            .cloned()
            .unwrap_or_else(|| Resolved::Unavailable(format!("{model} {archive_id} is unknown")))
    }
}

/// A task started ahead of the plan's need for its result, stopped if the plan ends without it
/// (a refused archive, an error).
struct Ahead<T>(tokio::task::JoinHandle<T>);

impl<T> Ahead<T> {
    async fn join(mut self) -> T {
        match (&mut self.0).await {
            Ok(result) => result,
            // It is only cancelled by dropping it, so this is a panic: passed on as one.
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }
}

impl<T> Drop for Ahead<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

//! Reading the tenant's records as they are now, each where it should be: its own id, or the id
//! an earlier restore re-created it under.
//!
//! A record written before the backup's cutoff may turn out not written since
//! (`backup_engine::incremental::changes`, the rule incremental backups follow too): it is read
//! light first (what tells whether it was written, whom it belongs to, and the fields
//! `write_date` does not cover), and in full only if it was. The others are read in full at once. These first reads run on a task of
//! their own while the archive's records are judged, which needs nothing from them: both take
//! a while with a large tenant. Reads write nothing; a refused archive stops them.

use std::collections::{BTreeMap, HashMap, HashSet};

use backup_engine::incremental::changes;
use chrono::{DateTime, Utc};
use odoo_client::{OdooError, Record, value};

use super::Planner;
use crate::archive::{ArchiveModel, record_id};
use crate::error::RestoreError;
use crate::id_records::RecordedId;
use crate::keys::ByModel;
use crate::ownership;
use crate::reads::{CurrentRecords, ReadJob, read_current_many};
use crate::schema::{ModelSchema, NotWritten};

/// One model's archive records as they are now.
#[derive(Debug)]
pub(super) struct CurrentModel {
    /// Archive id → the id the record is looked for under.
    pub target_of: HashMap<i64, i64>,
    pub now: CurrentRecords,
}

/// The first reads, in flight.
pub(super) struct CurrentReads {
    /// In the order of the reads: each model has a light read, then a full one.
    models: Vec<ModelReads>,
    task: Ahead<Result<Vec<CurrentRecords>, (String, OdooError)>>,
}

struct ModelReads {
    model: String,
    target_of: HashMap<i64, i64>,
    /// The records read light.
    light_ids: Vec<i64>,
}

impl Planner {
    /// Starts reading the archive's records as they are now (those of models this Odoo has),
    /// looking for those re-created by an earlier restore under their new id.
    pub(super) fn start_reading_current(
        &self,
        schemas: &BTreeMap<String, ModelSchema>,
        recorded: &ByModel<RecordedId>,
    ) -> CurrentReads {
        let backup_started = self.backup_started();
        let mut models: Vec<ModelReads> = Vec::new();
        let mut jobs: Vec<ReadJob> = Vec::new();
        for (model, records) in &self.archive.models {
            let Some(schema) = schemas.get(model) else {
                continue;
            };
            if records.records.is_empty() {
                continue;
            }
            let blind = blind_spots(schema, records);
            let may_skip = !self.options.compare_unmodified_records
                && schema.has_field("write_date")
                && !changes::always_read_in_full(model)
                && blind.is_some();
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
                    .is_some_and(|date| {
                        date < changes::cutoff(backup_started, changes::DEFAULT_MARGIN)
                    });
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
                .chain(ownership::fields_judged_now(schema, &self.archive_models))
                .chain(may_skip.then(|| "write_date".to_owned()))
                .chain(blind.into_iter().flatten())
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
            models.push(ModelReads {
                model: model.clone(),
                target_of,
                light_ids,
            });
        }
        let client = self.client.clone();
        let (batch, concurrency) = (self.options.read_batch_size, self.options.concurrency);
        let task = Ahead(tokio::spawn(async move {
            read_current_many(&client, &jobs, batch, concurrency).await
        }));
        CurrentReads { models, task }
    }

    /// Waits for the first reads, then reads in full the records read light that were written
    /// since the backup. Returns the archive's records as they are now, by model.
    pub(super) async fn finish_reading_current(
        &self,
        reads: CurrentReads,
        schemas: &BTreeMap<String, ModelSchema>,
    ) -> Result<BTreeMap<String, CurrentModel>, RestoreError> {
        let CurrentReads { models, task } = reads;
        let mut read = task
            .join()
            .await
            .map_err(|failure| self.current_read_failed(failure))?
            .into_iter();
        let mut current: BTreeMap<String, CurrentModel> = BTreeMap::new();
        let mut read_light: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for ModelReads {
            model,
            target_of,
            light_ids,
        } in models
        {
            let (Some(mut now), Some(full)) = (read.next(), read.next()) else {
                break;
            };
            now.rows.extend(full.rows);
            now.foreign.extend(full.foreign);
            read_light.insert(model.clone(), light_ids);
            current.insert(model, CurrentModel { target_of, now });
        }
        self.mark_unmodified(&mut current, schemas);
        self.read_modified_in_full(&mut current, read_light, schemas)
            .await?;
        Ok(current)
    }

    /// Sets aside the records not written since the backup ([`Planner::unmodified`]): they are
    /// compared no further.
    fn mark_unmodified(
        &self,
        current: &mut BTreeMap<String, CurrentModel>,
        schemas: &BTreeMap<String, ModelSchema>,
    ) {
        // A record whose write_date is the archive's may still differ: deleting a record it
        // points to clears or removes the link in the database, without a write. So a record
        // pointing to an archive record that is gone is compared too.
        let any_gone = current.values().any(|model| {
            model
                .target_of
                .values()
                .any(|target| !model.now.rows.contains_key(target))
        });
        let gone = |model: &str, archive_id: i64| {
            current.get(model).is_some_and(|records| {
                records
                    .target_of
                    .get(&archive_id)
                    .is_none_or(|target| !records.now.rows.contains_key(target))
            })
        };
        let mut unmodified_by_model: BTreeMap<String, HashSet<i64>> = BTreeMap::new();
        for (model, CurrentModel { target_of, now }) in current.iter() {
            let schema = &schemas[model];
            let records = &self.archive.models[model];
            let Some(blind) = blind_spots(schema, records) else {
                continue;
            };
            if self.options.compare_unmodified_records
                || !schema.has_field("write_date")
                || changes::always_read_in_full(model)
            {
                continue;
            }
            let mut unmodified = self.unmodified(records, target_of, now, &blind);
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
        for (model, records) in current.iter_mut() {
            records.now.unmodified = unmodified_by_model.remove(model).unwrap_or_default();
        }
    }

    /// Reads in full the records read light that were written since the backup.
    async fn read_modified_in_full(
        &self,
        current: &mut BTreeMap<String, CurrentModel>,
        mut read_light: BTreeMap<String, Vec<i64>>,
        schemas: &BTreeMap<String, ModelSchema>,
    ) -> Result<(), RestoreError> {
        let mut jobs: Vec<ReadJob> = Vec::new();
        for (model, records) in current.iter() {
            let now = &records.now;
            let to_compare: Vec<i64> = read_light
                .remove(model)
                .unwrap_or_default()
                .into_iter()
                .filter(|id| now.rows.contains_key(id) && !now.unmodified.contains(id))
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
            if let Some(records) = current.get_mut(&job.model) {
                records.now.rows.extend(full.rows);
                records.now.foreign.extend(full.foreign);
            }
        }
        Ok(())
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
        .map_err(|failure| self.current_read_failed(failure))
    }

    fn current_read_failed(&self, (model, error): (String, OdooError)) -> RestoreError {
        self.odoo(format!("read the current {model} records"))(error)
    }

    /// Target ids of records not written since the backup ([`changes::unchanged_since`]) whose
    /// fields that `write_date` does not cover are as the archive has them.
    fn unmodified(
        &self,
        records: &ArchiveModel,
        target_of: &HashMap<i64, i64>,
        current: &CurrentRecords,
        blind: &[String],
    ) -> HashSet<i64> {
        let backup_started = self.backup_started();
        records
            .records
            .iter()
            .filter_map(|record| {
                let target = target_of.get(&record_id(record))?;
                let row = current.rows.get(target)?;
                let date =
                    |record: &Record| record.get("write_date").and_then(value::parse_datetime);
                let unchanged = changes::unchanged_since(
                    date(record),
                    date(row),
                    backup_started,
                    changes::DEFAULT_MARGIN,
                ) && blind
                    .iter()
                    .all(|field| same_links(record.get(field), row.get(field)));
                unchanged.then_some(*target)
            })
            .collect()
    }

    /// When the backup started (the rule truncates to whole seconds, as `write_date` has).
    fn backup_started(&self) -> DateTime<Utc> {
        self.archive.metadata.created_at
    }

    /// The fields read to compare and to judge ownership: the archive's fields that are compared
    /// (binaries apart, compared by size and content), and the fields the ownership judgement
    /// reads.
    fn fields_to_read(&self, schema: &ModelSchema, records: &[Record]) -> Vec<String> {
        let mut fields = ownership::fields_judged_now(schema, &self.archive_models);
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

/// The archive's fields of a model that `write_date` does not cover, read light and compared
/// even on records not written since; `None` when the model's records must be compared in
/// full (translatable fields: their other languages are not read light).
fn blind_spots(schema: &ModelSchema, records: &ArchiveModel) -> Option<Vec<String>> {
    let first = records.records.first()?;
    let mut blind = Vec::new();
    for name in first.keys() {
        let Some(field) = schema.field(name) else {
            continue;
        };
        let many2many = field.info.field_type == odoo_client::FieldType::Many2many;
        if !changes::is_blind_spot(&schema.model, name, many2many, field.info.translate) {
            continue;
        }
        if field.info.translate {
            return None;
        }
        blind.push(name.clone());
    }
    Some(blind)
}

/// Equal values of a field read light: many2many ids in any order.
fn same_links(archived: Option<&serde_json::Value>, now: Option<&serde_json::Value>) -> bool {
    let sorted = |value: Option<&serde_json::Value>| -> Option<Vec<i64>> {
        let mut ids: Vec<i64> = value?
            .as_array()?
            .iter()
            .filter_map(|id| id.as_i64())
            .collect();
        ids.sort_unstable();
        Some(ids)
    };
    match (sorted(archived), sorted(now)) {
        (Some(a), Some(b)) => a == b,
        _ => archived == now,
    }
}

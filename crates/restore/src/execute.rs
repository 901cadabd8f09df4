//! Carrying out a plan: creates in dependency order (remapping every
//! reference to a re-created record), the links that had to wait for a record to exist, and the
//! updates, grouped so that records receiving the same values share one `write`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Instant;

use backup_engine::{ArchiveReader, ReadLimits};
use base64::Engine as _;
use odoo_client::value::{many2one_id, unset};
use odoo_client::{Context, Domain, FieldType, OdooClient, OdooError, Record, SearchOptions};
use serde_json::{Map, Value, json};

use crate::error::RestoreError;
use crate::id_records;
use crate::ownership::Key;
use crate::plan::{ModelPlan, PlannedCreate, RestorePlan};
use crate::progress::{RestoreProgress, RestoreProgressSink};
use crate::report::{
    ModelReport, NotRestored, Operation, RecordFailure, RestoreOutcome, RestoreReport,
    UnresolvedValue,
};
use crate::schema::ModelSchema;
use crate::values::{
    Resolved, Resolver, Translated, file_reference, sent_to_compared, sorted_ids, translate,
    write_value,
};

/// Records Odoo creates by itself along with another one, with the fields that tell each apart
/// among those of the same parent (the parent's field first): a product template comes with its
/// variants, an attribute line with its values. When a restore re-creates the parent, Odoo has
/// made them already; the restore adopts them, as if it had created them (mapped, then written
/// with the archive's values), instead of creating them a second time, which Odoo refuses.
const MADE_WITH_PARENT: &[(&str, &[&str])] = &[
    (
        "product.product",
        &["product_tmpl_id", "product_template_attribute_value_ids"],
    ),
    (
        "product.template.attribute.value",
        &["attribute_line_id", "product_attribute_value_id"],
    ),
];

/// How a plan is carried out.
#[derive(Clone, Debug)]
pub struct ExecuteOptions {
    /// Records per `create` call.
    pub create_batch_size: usize,
    /// Records per `write` call of identical values.
    pub write_batch_size: usize,
    /// Bounds on the archive's entries when binaries are read back from it.
    pub archive_limits: ReadLimits,
}

impl Default for ExecuteOptions {
    fn default() -> Self {
        ExecuteOptions {
            create_batch_size: 100,
            write_batch_size: 1_000,
            archive_limits: ReadLimits::default(),
        }
    }
}

/// Carries out `plan`: with [`crate::execute`]'s second pass, the only code of this crate that
/// writes to Odoo.
pub(crate) async fn carry_out(
    client: &OdooClient,
    plan: &RestorePlan,
    options: &ExecuteOptions,
    progress: &dyn RestoreProgressSink,
) -> Result<RestoreReport, RestoreError> {
    let started = Instant::now();
    let tenant = plan.tenant().clone();
    let mut archive = ArchiveReader::open(plan.archive(), plan.keys(), options.archive_limits)
        .map_err(|source| RestoreError::Archive {
            path: plan.archive().to_owned(),
            source: Box::new(source),
        })?;
    if archive.metadata().entries.get(backup_engine::DATA_ENTRY) != Some(plan.data_digest()) {
        return Err(RestoreError::ArchiveChanged {
            path: plan.archive().to_owned(),
            what: "data.json is not the one planned from".into(),
        });
    }
    let totals = plan.totals();
    progress.report(RestoreProgress::Planned {
        models: plan.models().len(),
        creates: totals.created,
        updates: totals.updated,
    });

    // Writes are pinned to the tenant like every read, and leave no trace of their own in the
    // chatter: no tracking messages, no "created" notes, no automatic followers.
    let mut context = Context::company(tenant.company_id)
        .with_archived()
        .with("tracking_disable", true)
        .with("mail_create_nolog", true)
        .with("mail_create_nosubscribe", true)
        .with("mail_notrack", true);
    if let Some(lang) = plan.values_language() {
        context = context.with_lang(lang);
    }
    let writer = client.with_context(context);
    let mut run = Run {
        plan,
        writer,
        archive: &mut archive,
        options,
        targets: Targets {
            plan,
            created: HashMap::new(),
            failed: HashMap::new(),
        },
        counts: plan
            .models()
            .iter()
            .map(|model| {
                (
                    model.model.clone(),
                    ModelReport {
                        model: model.model.clone(),
                        unchanged: model.unchanged,
                        refused: model.refusals.len() as u64,
                        ..ModelReport::default()
                    },
                )
            })
            .collect(),
        failures: Vec::new(),
        unresolved: Vec::new(),
        deferred: Vec::new(),
        sent: Vec::new(),
        not_restored: BTreeMap::new(),
        state_changes: Vec::new(),
        write_calls: 0,
        progress,
    };
    run.settle_interrupted().await?;
    // Models in dependency order; records whose required links point to records of a model
    // created later (a cycle) wait for the next round. When a round creates nothing, the rest
    // is created anyway and Odoo says what it refuses.
    let mut waiting: Vec<(&ModelPlan, Vec<&PlannedCreate>)> = plan
        .models()
        .iter()
        .filter(|model| !model.creates.is_empty())
        .map(|model| (model, model.creates.iter().collect()))
        .collect();
    let mut force = false;
    while !waiting.is_empty() {
        let before: usize = waiting.iter().map(|(_, creates)| creates.len()).sum();
        let mut next = Vec::new();
        for (model_plan, creates) in waiting {
            let left = run.create_model(model_plan, creates, force).await?;
            if !left.is_empty() {
                next.push((model_plan, left));
            }
        }
        let after: usize = next.iter().map(|(_, creates)| creates.len()).sum();
        force = after == before;
        waiting = next;
    }
    run.write_deferred().await?;
    run.settle_created().await?;
    for model_plan in plan.models() {
        if !model_plan.updates.is_empty() {
            run.update_model(model_plan).await?;
        }
    }
    for model_plan in plan.models() {
        if !model_plan.translations.is_empty() {
            run.translate_model(model_plan).await?;
        }
    }
    let Run {
        targets,
        counts,
        failures,
        unresolved,
        write_calls,
        not_restored: not_restored_created,
        state_changes,
        ..
    } = run;
    let mut not_restored_counts: BTreeMap<(String, String), (&'static str, u64)> = BTreeMap::new();
    for model in plan.models() {
        for field in &model.not_restored {
            not_restored_counts
                .entry((model.model.clone(), field.field.clone()))
                .or_insert((field.reason, 0))
                .1 += field.differing_records;
        }
    }
    for ((model, field), records) in not_restored_created {
        let reason = plan.internals.schemas[&model]
            .field(&field)
            .and_then(|schema| schema.not_written)
            .map_or("not written", crate::schema::NotWritten::describe);
        not_restored_counts
            .entry((model, field))
            .or_insert((reason, 0))
            .1 += records;
    }
    let not_restored: Vec<NotRestored> = not_restored_counts
        .into_iter()
        .map(|((model, field), (reason, records))| NotRestored {
            model,
            field,
            reason,
            records,
        })
        .collect();
    let mut recreated: BTreeMap<String, BTreeMap<i64, i64>> = BTreeMap::new();
    for ((model, archive_id), target) in targets.created {
        recreated
            .entry(model)
            .or_default()
            .insert(archive_id, target);
    }
    let refusals: Vec<_> = plan.refusals().cloned().collect();
    let mut counts = counts;
    let models: Vec<ModelReport> = plan
        .models()
        .iter()
        .filter_map(|model| counts.remove(&model.model))
        .collect();
    let outcome = if failures.is_empty() && refusals.is_empty() && unresolved.is_empty() {
        RestoreOutcome::Complete
    } else {
        RestoreOutcome::Partial
    };
    Ok(RestoreReport {
        tenant,
        archive: plan.archive().to_owned(),
        signature: plan.signature().clone(),
        outcome,
        models,
        refusals,
        failures,
        unresolved,
        not_restored,
        state_changes,
        differences: Vec::new(),
        set_back: 0,
        recreated,
        write_calls,
        duration: started.elapsed(),
    })
}

/// Where the archive's records and the records it refers to are, as the restore goes.
struct Targets<'a> {
    plan: &'a RestorePlan,
    created: HashMap<Key, i64>,
    /// Records whose creation failed: nothing may point to them.
    failed: HashMap<Key, String>,
}

impl Resolver for Targets<'_> {
    fn resolve(&self, model: &str, archive_id: i64) -> Resolved {
        let internals = &self.plan.internals;
        if let Some(target) = internals.existing.get(model, archive_id) {
            return Resolved::Target(*target);
        }
        let key = (model.to_owned(), archive_id);
        if let Some(target) = self.created.get(&key) {
            return Resolved::Target(*target);
        }
        if let Some(reason) = self.failed.get(&key) {
            return Resolved::Unavailable(reason.clone());
        }
        if internals.refused.contains(model, archive_id) {
            return Resolved::Unavailable(format!("{model} {archive_id} was refused"));
        }
        if let Some(resolved) = internals.outside.get(&key) {
            return resolved.clone();
        }
        Resolved::Pending
    }
}

/// Values written alike to records `(archive id, target id)`.
type WriteGroup = (Record, Vec<(i64, i64)>);

/// A created record: model, archive id, new id, the values sent, the archive's values of the
/// fields never written.
type SentRecord = (String, i64, i64, Record, Record);

/// Fields of a created record that wait for the record they point to.
struct Deferred {
    model: String,
    archive_id: i64,
    target_id: i64,
    values: Record,
    fields: Vec<String>,
}

struct Run<'a> {
    plan: &'a RestorePlan,
    writer: OdooClient,
    archive: &'a mut ArchiveReader,
    options: &'a ExecuteOptions,
    targets: Targets<'a>,
    counts: HashMap<String, ModelReport>,
    failures: Vec<RecordFailure>,
    unresolved: Vec<UnresolvedValue>,
    deferred: Vec<Deferred>,
    /// What was sent to create each record, and its archive values never written.
    sent: Vec<SentRecord>,
    /// Fields never written that differ after creation: (model, field) → records.
    not_restored: BTreeMap<(String, String), u64>,
    /// Re-created records that came back in an earlier state of their workflow.
    state_changes: Vec<crate::report::StateChange>,
    write_calls: u64,
    progress: &'a dyn RestoreProgressSink,
}

impl Run<'_> {
    fn schema(&self, model: &str) -> &ModelSchema {
        &self.plan.internals.schemas[model]
    }

    fn odoo_error(&self, step: String) -> impl FnOnce(OdooError) -> RestoreError + '_ {
        RestoreError::odoo(&self.plan.tenant().code, step)
    }

    /// The bytes of a binary value, base64-encoded as Odoo takes them; `false` for none.
    fn binary_value(&mut self, value: &Value) -> Result<Value, RestoreError> {
        let Some(reference) = file_reference(value) else {
            return Ok(unset());
        };
        let bytes = self
            .archive
            .read_file(&reference)
            .map_err(|source| RestoreError::Archive {
                path: self.plan.archive().to_owned(),
                source: Box::new(source),
            })?;
        Ok(Value::String(
            base64::engine::general_purpose::STANDARD.encode(bytes),
        ))
    }

    /// The values to send for `values` (archive ids): references remapped, binaries loaded.
    /// Returns the fields that wait for a record not created yet.
    fn values_to_send(
        &mut self,
        model: &str,
        archive_id: i64,
        values: &Record,
        context: &Record,
    ) -> Result<(Record, Vec<String>), RestoreError> {
        let mut sent = Map::new();
        let mut waiting = Vec::new();
        let plan = self.plan;
        let schema = &plan.internals.schemas[model];
        let mut context = context.clone();
        for (name, value) in values {
            context.entry(name.clone()).or_insert_with(|| value.clone());
        }
        for (name, value) in values {
            let Some(field) = schema.field(name) else {
                continue;
            };
            if field.info.field_type.is_binary() {
                let content = self.binary_value(value)?;
                sent.insert(name.clone(), content);
                continue;
            }
            match translate(field, value, &context, &self.targets) {
                Translated::Ready(translated) => {
                    sent.insert(name.clone(), write_value(field, translated));
                }
                Translated::Pending => waiting.push(name.clone()),
                Translated::Unavailable(reason) => self.unresolved.push(UnresolvedValue {
                    model: model.to_owned(),
                    archive_id,
                    field: name.clone(),
                    reason,
                }),
            }
        }
        Ok((sent, waiting))
    }

    /// Creates the records of `creates` that can be created now: those whose required links
    /// and links into their own model point to records that exist. Returns the others. With
    /// `force`, creates them all (the links that wait are written later; a required one that
    /// waits makes Odoo refuse the record, which is reported).
    async fn create_model<'p>(
        &mut self,
        model_plan: &ModelPlan,
        creates: Vec<&'p PlannedCreate>,
        force: bool,
    ) -> Result<Vec<&'p PlannedCreate>, RestoreError> {
        let model = model_plan.model.as_str();
        self.progress.report(RestoreProgress::Model {
            model,
            creates: creates.len() as u64,
            updates: 0,
        });
        let schema = self.schema(model).clone();
        // Links that must exist first: every many2one, not only the required ones (Odoo has
        // conditional requirements `required` does not show: a sale line needs its product),
        // fields pointing into the same model (a partner's parent), created level by level,
        // and what tells apart a record Odoo may have made already (a variant's attribute
        // values). A cycle among them is broken by `force`.
        let made_with_parent = MADE_WITH_PARENT
            .iter()
            .find(|(name, _)| *name == model)
            .map_or(&[][..], |(_, fields)| *fields);
        let waiting_fields: Vec<&String> = schema
            .create_fields()
            .filter(|(name, field)| {
                if made_with_parent.contains(&name.as_str()) {
                    return true;
                }
                let to_self = field.comodel() == Some(model)
                    && matches!(
                        field.info.field_type,
                        FieldType::Many2one | FieldType::Many2many
                    );
                to_self || field.info.field_type == FieldType::Many2one
            })
            .map(|(name, _)| name)
            .collect();
        let mut remaining = creates;
        let mut forced = false;
        while !remaining.is_empty() {
            let (mut ready, mut later): (Vec<&PlannedCreate>, Vec<&PlannedCreate>) =
                remaining.iter().partition(|create| {
                    waiting_fields.iter().all(|name| {
                        let Some(value) = create.values.get(*name) else {
                            return true;
                        };
                        let field = schema.field(name).expect("a field of the schema");
                        translate(field, value, &create.values, &self.targets)
                            != Translated::Pending
                    })
                });
            if ready.is_empty() {
                if !force || forced {
                    return Ok(later);
                }
                // A cycle: create them all, the links wait.
                ready = std::mem::take(&mut later);
                forced = true;
            }
            for batch in ready.chunks(self.options.create_batch_size.max(1)) {
                self.create_batch(model, batch).await?;
            }
            remaining = later;
        }
        Ok(Vec::new())
    }

    /// Creates a batch in one call. A failing batch was rolled back as a whole by Odoo (one call
    /// is one transaction), so nothing of it exists: creating its records again one by one
    /// repeats no write, and tells which record Odoo refuses and why.
    async fn create_batch(
        &mut self,
        model: &str,
        batch: &[&PlannedCreate],
    ) -> Result<(), RestoreError> {
        let mut prepared: Vec<(i64, Record, Vec<String>)> = Vec::new();
        for create in batch {
            let (values, waiting) =
                self.values_to_send(model, create.archive_id, &create.values, &Map::new())?;
            prepared.push((create.archive_id, values, waiting));
        }
        let adopted = self.adopt_made_by_odoo(model, &prepared).await?;
        let to_create: Vec<usize> = (0..prepared.len())
            .filter(|index| !adopted.contains_key(index))
            .collect();
        let values: Vec<Record> = to_create
            .iter()
            .map(|index| prepared[*index].1.clone())
            .collect();
        // A row per record is written first and deleted once the ids are recorded: should the
        // run stop in between (a crash, a lost answer), the next run finds the records it made.
        let pending_rows = self
            .write_pending_rows(
                model,
                to_create.iter().map(|index| prepared[*index].0).collect(),
            )
            .await?;
        let outcome = if values.is_empty() {
            Ok(Vec::new())
        } else {
            self.write_calls += 1;
            self.writer.create(model, values).await
        };
        let mut created: Vec<(usize, i64)> = match outcome {
            Ok(ids) => to_create.iter().copied().zip(ids).collect(),
            Err(error) if !is_record_error(&error) => {
                return Err(self.odoo_error(format!("create {model} records"))(error));
            }
            Err(error) if to_create.len() == 1 => {
                self.create_failed(model, prepared[to_create[0]].0, &error);
                Vec::new()
            }
            Err(_) => {
                let mut created = Vec::new();
                for index in to_create.iter().copied() {
                    let (archive_id, values, _) = &prepared[index];
                    self.write_calls += 1;
                    match self.writer.create(model, vec![values.clone()]).await {
                        Ok(ids) => created.push((index, ids[0])),
                        Err(error) if is_record_error(&error) => {
                            self.create_failed(model, *archive_id, &error)
                        }
                        Err(error) => {
                            return Err(self
                                .odoo_error(format!("create {model} record {archive_id}"))(
                                error
                            ));
                        }
                    }
                }
                created
            }
        };
        created.extend(adopted);
        let mut new_mappings: Vec<(i64, i64)> = Vec::new();
        for (index, target_id) in &created {
            let (archive_id, sent_values, waiting) = &prepared[*index];
            let mut sent_values = sent_values.clone();
            // Binaries are compared by the plan of a later run, not read back here.
            sent_values.retain(|name, _| {
                self.plan.internals.schemas[model]
                    .field(name)
                    .is_some_and(|field| !field.info.field_type.is_binary())
            });
            self.sent.push((
                model.to_owned(),
                *archive_id,
                *target_id,
                sent_values,
                batch[*index].unwritten.clone(),
            ));
            self.targets
                .created
                .insert((model.to_owned(), *archive_id), *target_id);
            new_mappings.push((*archive_id, *target_id));
            if !waiting.is_empty() {
                let values = batch[*index].values.clone();
                self.deferred.push(Deferred {
                    model: model.to_owned(),
                    archive_id: *archive_id,
                    target_id: *target_id,
                    values,
                    fields: waiting.clone(),
                });
            }
        }
        if let Some(counts) = self.counts.get_mut(model) {
            counts.created += created.len() as u64;
        }
        self.record_mappings(model, &new_mappings).await?;
        self.delete_id_rows(
            &pending_rows,
            format!("delete the notes of the {model} records created"),
        )
        .await?;
        self.progress.report(RestoreProgress::Records {
            model,
            count: batch.len() as u64,
        });
        Ok(())
    }

    /// The records of `prepared` (by position) that Odoo made already along with their parent
    /// ([`MADE_WITH_PARENT`]), each with the id of the record adopted: one of the parent's that
    /// no other archive record is, with the same distinguishing values.
    async fn adopt_made_by_odoo(
        &mut self,
        model: &str,
        prepared: &[(i64, Record, Vec<String>)],
    ) -> Result<HashMap<usize, i64>, RestoreError> {
        let Some((_, key_fields)) = MADE_WITH_PARENT.iter().find(|(name, _)| *name == model) else {
            return Ok(HashMap::new());
        };
        let schema = self.schema(model).clone();
        let parent_field = key_fields[0];
        if schema.field(parent_field).is_none() {
            return Ok(HashMap::new());
        }
        // Fields this Odoo lacks (a module not installed) tell nothing apart: left out.
        let key_fields: Vec<&str> = key_fields
            .iter()
            .copied()
            .filter(|name| schema.field(name).is_some())
            .collect();
        // A value that waits or could not be resolved tells nothing apart: not adopted on it.
        let key_of = |values: &Record| -> Option<Vec<Vec<i64>>> {
            key_fields
                .iter()
                .map(|name| {
                    let value = sent_to_compared(values.get(*name)?);
                    Some(match schema.field(name)?.info.field_type {
                        FieldType::Many2one => many2one_id(&value).into_iter().collect(),
                        _ => sorted_ids(&value),
                    })
                })
                .collect()
        };
        let parents: BTreeSet<i64> = prepared
            .iter()
            .filter_map(|(_, values, _)| many2one_id(values.get(parent_field)?))
            .collect();
        if parents.is_empty() {
            return Ok(HashMap::new());
        }
        let fields: Vec<String> = std::iter::once("id")
            .chain(key_fields.iter().copied())
            .map(str::to_owned)
            .collect();
        let found = self
            .writer
            .search_read(
                model,
                &Domain::leaf(parent_field, "in", json!(parents)),
                &fields,
                &SearchOptions::ordered_by("id"),
            )
            .await
            .map_err(self.odoo_error(format!(
                "look for the {model} records Odoo made along with their {parent_field}"
            )))?;
        let claimed: HashSet<i64> = self
            .plan
            .internals
            .existing
            .values_of(model)
            .copied()
            .chain(
                self.targets
                    .created
                    .iter()
                    .filter(|((created_model, _), _)| created_model == model)
                    .map(|(_, target)| *target),
            )
            .collect();
        let mut unclaimed: HashMap<Vec<Vec<i64>>, Vec<i64>> = HashMap::new();
        for row in &found {
            let Some(id) = row.get("id").and_then(Value::as_i64) else {
                continue;
            };
            if let (false, Some(key)) = (claimed.contains(&id), key_of(row)) {
                unclaimed.entry(key).or_default().push(id);
            }
        }
        let mut adopted = HashMap::new();
        for (index, (_, values, _)) in prepared.iter().enumerate() {
            let Some(ids) = key_of(values).and_then(|key| unclaimed.get_mut(&key)) else {
                continue;
            };
            if !ids.is_empty() {
                adopted.insert(index, ids.remove(0));
            }
        }
        Ok(adopted)
    }

    /// Writes the pending rows of the archive records about to be created, in their order.
    async fn write_pending_rows(
        &mut self,
        model: &str,
        archive_ids: Vec<i64>,
    ) -> Result<Vec<i64>, RestoreError> {
        if archive_ids.is_empty() {
            return Ok(Vec::new());
        }
        self.write_calls += 1;
        let id_records = &self.plan.internals.id_records;
        id_records
            .write_pending(&self.writer, model, &archive_ids)
            .await
            .map_err(self.odoo_error(format!(
                "note the {model} records about to be created (ir.model.data)"
            )))
    }

    /// Deletes `ir.model.data` rows of the restore's own module (`what` names them in an error).
    async fn delete_id_rows(&mut self, rows: &[i64], what: String) -> Result<(), RestoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        self.write_calls += 1;
        id_records::delete(&self.writer, rows)
            .await
            .map_err(self.odoo_error(format!("{what} (ir.model.data)")))
    }

    /// Records the ids of the records an interrupted restore created (found by the plan), then
    /// deletes the pending rows it left; pending rows go last, so that a crash meanwhile loses
    /// nothing.
    async fn settle_interrupted(&mut self) -> Result<(), RestoreError> {
        let id_records = &self.plan.internals.id_records;
        let superseded = id_records.superseded_rows.clone();
        self.delete_id_rows(
            &superseded,
            "delete outdated ids of records found again".into(),
        )
        .await?;
        let mut by_model: BTreeMap<&str, Vec<(i64, i64)>> = BTreeMap::new();
        for (model, archive_id, target) in &id_records.recovered {
            by_model
                .entry(model.as_str())
                .or_default()
                .push((*archive_id, *target));
        }
        for (model, recovered) in by_model {
            self.record_mappings(model, &recovered).await?;
        }
        let rows = id_records.pending_rows.clone();
        self.delete_id_rows(&rows, "delete the notes an interrupted restore left".into())
            .await
    }

    fn create_failed(&mut self, model: &str, archive_id: i64, error: &OdooError) {
        let message = odoo_message(error);
        self.targets.failed.insert(
            (model.to_owned(), archive_id),
            format!("{model} {archive_id} could not be re-created: {message}"),
        );
        if let Some(counts) = self.counts.get_mut(model) {
            counts.failed += 1;
        }
        self.failures.push(RecordFailure {
            model: model.to_owned(),
            archive_id,
            target_id: None,
            operation: Operation::Create,
            message,
        });
    }

    /// Records where each re-created record now is, in `ir.model.data`, so that a second run
    /// of the same restore finds it instead of creating it again.
    async fn record_mappings(
        &mut self,
        model: &str,
        created: &[(i64, i64)],
    ) -> Result<(), RestoreError> {
        // Rows of an earlier restore whose record is gone again give way to new ones: one
        // unlink for the batch rather than a write per row (each points elsewhere).
        let id_records = &self.plan.internals.id_records;
        let stale = id_records.stale_rows(model, created);
        self.delete_id_rows(
            &stale,
            format!("delete the outdated ids of {model} records"),
        )
        .await?;
        if created.is_empty() {
            return Ok(());
        }
        self.write_calls += 1;
        if let Err(error) = id_records
            .write_mappings(&self.writer, model, created)
            .await
        {
            if !is_record_error(&error) {
                return Err(self.odoo_error(format!(
                    "record the ids of re-created {model} records (ir.model.data)"
                ))(error));
            }
            for (archive_id, target_id) in created {
                self.mapping_failed(model, *archive_id, *target_id, &error);
            }
        }
        Ok(())
    }

    fn mapping_failed(&mut self, model: &str, archive_id: i64, target_id: i64, error: &OdooError) {
        self.failures.push(RecordFailure {
            model: model.to_owned(),
            archive_id,
            target_id: Some(target_id),
            operation: Operation::RecordMapping,
            message: format!(
                "re-created as {target_id}, but its id could not be recorded (a second run would create it again): {}",
                odoo_message(error)
            ),
        });
    }

    /// Reads the created records back and writes again the fields where Odoo kept a value of
    /// its own instead of the one given (a company-dependent default applied at creation, say):
    /// written on an existing record, the archive's value sticks, and a second run of the same
    /// restore then finds nothing to do.
    async fn settle_created(&mut self) -> Result<(), RestoreError> {
        let sent = std::mem::take(&mut self.sent);
        let mut by_model: BTreeMap<String, Vec<(i64, i64, Record, Record)>> = BTreeMap::new();
        for (model, archive_id, target_id, values, unwritten) in sent {
            by_model
                .entry(model)
                .or_default()
                .push((archive_id, target_id, values, unwritten));
        }
        for (model, records) in by_model {
            let schema = self.schema(&model).clone();
            let mut fields: Vec<String> = records
                .iter()
                .flat_map(|(_, _, values, unwritten)| {
                    values.keys().chain(unwritten.keys()).cloned()
                })
                .collect::<std::collections::BTreeSet<String>>()
                .into_iter()
                .collect();
            fields.push("id".into());
            let ids: Vec<i64> = records.iter().map(|(_, target, _, _)| *target).collect();
            let current = crate::reads::read_current(&self.writer, &model, &ids, &fields, 500, 2)
                .await
                .map_err(self.odoo_error(format!("read back the created {model} records")))?;
            let mut groups: BTreeMap<String, WriteGroup> = BTreeMap::new();
            for (archive_id, target_id, values, unwritten) in records {
                let Some(row) = current.rows.get(&target_id) else {
                    continue;
                };
                for (name, value) in &unwritten {
                    let Some(field) = schema.field(name) else {
                        continue;
                    };
                    let Translated::Ready(expected) =
                        translate(field, value, &unwritten, &self.targets)
                    else {
                        continue;
                    };
                    let now = row.get(name).cloned().unwrap_or_else(unset);
                    if !crate::values::same_value(field, &now, &expected) {
                        *self
                            .not_restored
                            .entry((model.clone(), name.clone()))
                            .or_default() += 1;
                        self.state_changes.extend(crate::states::observed(
                            &schema,
                            (archive_id, target_id),
                            &values,
                            &unwritten,
                            &now,
                        ));
                    }
                }
                let differing: Record = values
                    .into_iter()
                    .filter(|(name, value)| {
                        let Some(field) = schema.field(name) else {
                            return false;
                        };
                        let now = row.get(name).cloned().unwrap_or_else(unset);
                        !crate::values::same_value(
                            field,
                            &now,
                            &crate::values::sent_to_compared(value),
                        )
                    })
                    .collect();
                if differing.is_empty() {
                    continue;
                }
                let signature = serde_json::to_string(&differing).unwrap_or_default();
                groups
                    .entry(signature)
                    .or_insert_with(|| (differing, Vec::new()))
                    .1
                    .push((archive_id, target_id));
            }
            for (_, (values, records)) in groups {
                self.write_group(&model, values, &records, Operation::Create)
                    .await?;
            }
        }
        Ok(())
    }

    /// Writes the links of created records that pointed to records created after them.
    async fn write_deferred(&mut self) -> Result<(), RestoreError> {
        let deferred = std::mem::take(&mut self.deferred);
        let mut groups: BTreeMap<(String, String), WriteGroup> = BTreeMap::new();
        for item in deferred {
            let subset: Record = item
                .fields
                .iter()
                .filter_map(|name| Some((name.clone(), item.values.get(name)?.clone())))
                .collect();
            let (values, still_waiting) =
                self.values_to_send(&item.model, item.archive_id, &subset, &item.values)?;
            for name in still_waiting {
                self.unresolved.push(UnresolvedValue {
                    model: item.model.clone(),
                    archive_id: item.archive_id,
                    field: name,
                    reason: "the record it refers to was never created".into(),
                });
            }
            if values.is_empty() {
                continue;
            }
            let signature = serde_json::to_string(&values).unwrap_or_default();
            groups
                .entry((item.model.clone(), signature))
                .or_insert_with(|| (values, Vec::new()))
                .1
                .push((item.archive_id, item.target_id));
        }
        for ((model, _), (values, records)) in groups {
            // These records count as created: a failed link is a failure of the record.
            self.write_group(&model, values, &records, Operation::Create)
                .await?;
        }
        Ok(())
    }

    async fn update_model(&mut self, model_plan: &ModelPlan) -> Result<(), RestoreError> {
        let model = model_plan.model.as_str();
        self.progress.report(RestoreProgress::Model {
            model,
            creates: 0,
            updates: model_plan.updates.len() as u64,
        });
        let mut groups: BTreeMap<String, WriteGroup> = BTreeMap::new();
        for update in &model_plan.updates {
            let restored: Record = update
                .changes
                .iter()
                .map(|(name, change)| (name.clone(), change.restored.clone()))
                .collect();
            let (values, waiting) = self.values_to_send(
                model,
                update.archive_id,
                &restored,
                &update.reference_models,
            )?;
            for name in waiting {
                self.unresolved.push(UnresolvedValue {
                    model: model.to_owned(),
                    archive_id: update.archive_id,
                    field: name,
                    reason: "the record it refers to was never created".into(),
                });
            }
            if values.is_empty() {
                continue;
            }
            let signature = serde_json::to_string(&values).unwrap_or_default();
            groups
                .entry(signature)
                .or_insert_with(|| (values, Vec::new()))
                .1
                .push((update.archive_id, update.target_id));
        }
        for (_, (values, records)) in groups {
            let done = self
                .write_group(model, values, &records, Operation::Update)
                .await?;
            if let Some(counts) = self.counts.get_mut(model) {
                counts.updated += done;
            }
            self.progress.report(RestoreProgress::Records {
                model,
                count: records.len() as u64,
            });
        }
        Ok(())
    }

    /// Writes the values of other languages, once the records exist and hold their source
    /// values: alike values in one language in one call.
    async fn translate_model(&mut self, model_plan: &ModelPlan) -> Result<(), RestoreError> {
        let model = model_plan.model.as_str();
        let mut groups: BTreeMap<(String, String), WriteGroup> = BTreeMap::new();
        for translation in &model_plan.translations {
            let target = match translation.target_id {
                Some(target) => target,
                None => match self.targets.resolve(model, translation.archive_id) {
                    Resolved::Target(target) => target,
                    // Its creation failed, which the report already says.
                    _ => continue,
                },
            };
            let values: Record = translation
                .changes
                .iter()
                .map(|(name, change)| (name.clone(), change.restored.clone()))
                .collect();
            let signature = serde_json::to_string(&values).unwrap_or_default();
            groups
                .entry((translation.lang.clone(), signature))
                .or_insert_with(|| (values, Vec::new()))
                .1
                .push((translation.archive_id, target));
        }
        let base_writer = self.writer.clone();
        let translated_only = model_plan.translated_only();
        for ((lang, _), (values, records)) in groups {
            self.writer = base_writer.with_context(base_writer.context().clone().with_lang(lang));
            let written = self
                .write_group(model, values, &records, Operation::Update)
                .await;
            self.writer = base_writer.clone();
            written?;
        }
        if let Some(counts) = self.counts.get_mut(model) {
            counts.updated += translated_only;
            counts.unchanged = counts.unchanged.saturating_sub(translated_only);
        }
        Ok(())
    }

    /// Writes the same values to records `(archive id, target id)`, in chunks; a chunk Odoo
    /// refuses (rolled back as a whole) is written again record by record to find which one
    /// fails and why. Returns how many records were written.
    async fn write_group(
        &mut self,
        model: &str,
        values: Record,
        records: &[(i64, i64)],
        operation: Operation,
    ) -> Result<u64, RestoreError> {
        let mut written = 0;
        for chunk in records.chunks(self.options.write_batch_size.max(1)) {
            let ids: Vec<i64> = chunk.iter().map(|(_, target)| *target).collect();
            self.write_calls += 1;
            match self.writer.write(model, &ids, values.clone()).await {
                Ok(()) => written += chunk.len() as u64,
                Err(error) if !is_record_error(&error) => {
                    return Err(self.odoo_error(format!("write {model} records"))(error));
                }
                Err(error) if chunk.len() == 1 => {
                    self.write_failed(model, chunk[0], operation, &error);
                }
                Err(_) => {
                    for record in chunk {
                        self.write_calls += 1;
                        match self.writer.write(model, &[record.1], values.clone()).await {
                            Ok(()) => written += 1,
                            Err(error) if is_record_error(&error) => {
                                self.write_failed(model, *record, operation, &error)
                            }
                            Err(error) => {
                                return Err(self
                                    .odoo_error(format!("write {model} record {}", record.1))(
                                    error,
                                ));
                            }
                        }
                    }
                }
            }
        }
        Ok(written)
    }

    fn write_failed(
        &mut self,
        model: &str,
        (archive_id, target_id): (i64, i64),
        operation: Operation,
        error: &OdooError,
    ) {
        if let Some(counts) = self.counts.get_mut(model) {
            counts.failed += 1;
        }
        self.failures.push(RecordFailure {
            model: model.to_owned(),
            archive_id,
            target_id: Some(target_id),
            operation,
            message: odoo_message(error),
        });
    }
}

/// Whether Odoo refused this record (values, rules, access), as opposed to the server being
/// unreachable or the session gone, which stop the restore.
fn is_record_error(error: &OdooError) -> bool {
    matches!(
        error,
        OdooError::ValidationError { .. }
            | OdooError::UserError { .. }
            | OdooError::AccessError { .. }
            | OdooError::MissingError { .. }
            | OdooError::UnknownField { .. }
            | OdooError::Server { .. }
    ) && !error.is_transient()
}

/// Odoo's own message, without the call site the error's display adds.
fn odoo_message(error: &OdooError) -> String {
    match error {
        OdooError::ValidationError { message, .. }
        | OdooError::UserError { message, .. }
        | OdooError::AccessError { message, .. }
        | OdooError::MissingError { message, .. }
        | OdooError::UnknownField { message, .. } => message.clone(),
        OdooError::Server { name, message, .. } => format!("{name}: {message}"),
        other => other.to_string(),
    }
}

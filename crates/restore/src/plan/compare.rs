//! Comparing each archive record with its current state, field by field: a record that is gone
//! is created, one that differs is updated with only the fields that differ, the others are
//! unchanged. Also what cannot be given back: fields that differ but are never written, and
//! values that refer to records that cannot be referred to.

use std::collections::BTreeMap;

use odoo_client::{FieldInfo, FieldType, Record, value};
use serde_json::{Map, Value};

use super::Planner;
use super::current::CurrentModel;
use super::restore_plan::{
    FieldChange, ModelPlan, NotRestoredField, PlanInternals, PlannedCreate, PlannedUpdate,
    UnwrittenDifference,
};
use crate::archive::{ArchiveModel, LoadedArchive};
use crate::error::RestoreError;
use crate::order::dependency_order;
use crate::reads::CurrentRecords;
use crate::report::{Refusal, UnresolvedValue};
use crate::schema::{FieldSchema, ModelSchema, NotWritten};
use crate::values::{Resolved, Resolver, Translated, holds_references, same_value, translate};

impl Planner {
    /// Plans every model of the archive, in the order they will be restored (a model after the
    /// models it points to), with the refusals found before.
    pub(super) async fn compare(
        &self,
        schemas: &BTreeMap<String, ModelSchema>,
        current: &BTreeMap<String, CurrentModel>,
        internals: &PlanInternals,
        mut refusals: BTreeMap<String, Vec<Refusal>>,
    ) -> Result<Vec<ModelPlan>, RestoreError> {
        let mut models = Vec::new();
        for model in dependency_order(&self.archive, schemas) {
            let records = &self.archive.models[&model];
            let mut model_plan = ModelPlan {
                model: model.clone(),
                creates: Vec::new(),
                updates: Vec::new(),
                translations: Vec::new(),
                state_changes: Vec::new(),
                unchanged: 0,
                refusals: refusals.remove(&model).unwrap_or_default(),
                not_restored: Vec::new(),
                unwritten_differences: Vec::new(),
                unresolved: Vec::new(),
            };
            if let (Some(schema), Some(current)) = (schemas.get(&model), current.get(&model)) {
                self.compare_model(schema, records, &current.now, internals, &mut model_plan)
                    .await?;
            }
            models.push(model_plan);
        }
        Ok(models)
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
        let comparer = RecordComparer::new(schema, records, &resolver, self.tenant.company_id);
        let mut not_restored: BTreeMap<String, (NotWritten, u64)> = BTreeMap::new();
        let mut binary_candidates: Vec<(usize, i64)> = Vec::new();
        for (archive_id, record) in records.iter() {
            if internals.refused.contains(model, archive_id) {
                continue;
            }
            let attached = internals.attached.contains(model, archive_id);
            let Some(&target_id) = internals.existing.get(model, archive_id) else {
                let values = creatable_values(schema, record, attached, self.tenant.company_id);
                let unwritten = unwritten_values(schema, record);
                plan.state_changes
                    .extend(crate::states::foreseen(schema, archive_id, record));
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
            let RecordDiff {
                changes,
                has_binary,
                unwritten,
            } = comparer.diff(
                archive_id,
                record,
                row,
                attached,
                &mut not_restored,
                &mut plan.unresolved,
            );
            plan.unwritten_differences.extend(unwritten.into_iter().map(
                |(field, archived, now)| UnwrittenDifference {
                    archive_id,
                    target_id,
                    field,
                    archived,
                    now,
                },
            ));
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
        let unresolved_in_creates = unresolved_in_creates(schema, &plan.creates, &resolver);
        plan.unresolved.extend(unresolved_in_creates);
        Ok(())
    }
}

/// What comparing an existing record with its current state needs, the same for every record
/// of its model.
struct RecordComparer<'a> {
    schema: &'a ModelSchema,
    /// The records of a model have the same fields: their schemas are looked up once, from the
    /// first record, and again only for a record whose fields differ.
    layout: Vec<(&'a String, Option<&'a FieldSchema>)>,
    resolver: &'a PlanResolver<'a>,
    tenant: i64,
}

/// The fields of an existing record that differ from the archive's.
struct RecordDiff {
    changes: BTreeMap<String, FieldChange>,
    /// Whether it has binary fields that are written, compared apart by size and content.
    has_binary: bool,
    /// Fields never written that differ: (field, archive value, value now).
    unwritten: Vec<(String, Value, Value)>,
}

impl<'a> RecordComparer<'a> {
    fn new(
        schema: &'a ModelSchema,
        records: &'a ArchiveModel,
        resolver: &'a PlanResolver<'a>,
        tenant: i64,
    ) -> Self {
        let layout = records
            .records
            .first()
            .map(|first| {
                first
                    .keys()
                    .map(|name| (name, schema.field(name)))
                    .collect()
            })
            .unwrap_or_default();
        RecordComparer {
            schema,
            layout,
            resolver,
            tenant,
        }
    }

    /// Compares the archive's `record` with `row`, as it is now, field by field. Fields that
    /// differ but are never written are counted in `not_restored`; values that refer to records
    /// that cannot be referred to go to `unresolved`.
    fn diff(
        &self,
        archive_id: i64,
        record: &Record,
        row: &Record,
        attached: bool,
        not_restored: &mut BTreeMap<String, (NotWritten, u64)>,
        unresolved: &mut Vec<UnresolvedValue>,
    ) -> RecordDiff {
        let schema = self.schema;
        let resolver = self.resolver;
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
        let mut unwritten = Vec::new();
        for (position, (name, value)) in record.iter().enumerate() {
            let field = match self.layout.get(position) {
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
                        | NotWritten::Workflow
                        | NotWritten::Reference
                        | NotWritten::Related
                        | NotWritten::Denied
                        | NotWritten::FollowsOtherRecord
                ) && let Some(now) = now_of(name)
                    && differs_now(field, now, value, record, resolver)
                {
                    not_restored.entry(name.clone()).or_insert((reason, 0)).1 += 1;
                    unwritten.push((name.clone(), value.clone(), now.clone()));
                }
                continue;
            }
            if attached && name == "company_id" && value.as_i64() != Some(self.tenant) {
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
            match translate(field, value, record, resolver) {
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
                Translated::Unavailable(reason) => unresolved.push(UnresolvedValue {
                    model: schema.model.clone(),
                    archive_id,
                    field: name.clone(),
                    reason,
                }),
            }
        }
        RecordDiff {
            changes,
            has_binary,
            unwritten,
        }
    }
}

/// The values of records to create that refer to records that cannot be referred to. Those
/// that wait for a record to be created are found when they are written.
fn unresolved_in_creates(
    schema: &ModelSchema,
    creates: &[PlannedCreate],
    resolver: &dyn Resolver,
) -> Vec<UnresolvedValue> {
    let mut unresolved = Vec::new();
    for create in creates {
        for (name, value) in &create.values {
            let Some(field) = schema.field(name) else {
                continue;
            };
            if let Translated::Unavailable(reason) =
                translate(field, value, &create.values, resolver)
            {
                unresolved.push(UnresolvedValue {
                    model: schema.model.clone(),
                    archive_id: create.archive_id,
                    field: name.clone(),
                    reason,
                });
            }
        }
    }
    unresolved
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
fn refers_by_id(info: &FieldInfo) -> bool {
    holds_references(info) || info.field_type == FieldType::One2many
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
                        Some(
                            NotWritten::Readonly
                                | NotWritten::Workflow
                                | NotWritten::Related
                                | NotWritten::Denied
                        )
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

//! Translatable values in the archive's other languages (archive format 3): each record's
//! values are read as they are now in every language the archive keeps and this Odoo has
//! active, compared with the archive's, and planned as writes in that language, after the
//! records are created or updated in the source language.
//!
//! Where the archive holds no value of a record's own in a language, the record showed its
//! source value there: a current value equal to the current source value follows the source
//! value, which the update restores, and is left alone.

use std::collections::{BTreeMap, HashSet};

use odoo_client::{Context, FieldType, OdooClient, Record};
use serde_json::Value;

use super::Planner;
use super::current::CurrentModel;
use super::restore_plan::{
    FieldChange, ModelPlan, NotRestoredField, PlanInternals, PlannedTranslation,
};
use crate::archive::ArchiveModel;
use crate::error::RestoreError;
use crate::reads::read_current;
use crate::schema::{FieldSchema, ModelSchema};
use crate::values::same_value;

const LANGUAGE_INACTIVE: &str =
    "translation in a language that is not active in this Odoo: activate it, then restore again";
const TRANSLATED_BY_TERMS: &str = "translation of an HTML field that Odoo translates term by term: \
writing it would change the source text too; set it again in Odoo's translation dialog";

/// Where a record's translations go: a record that exists now, or one the restore creates.
enum Target {
    Existing(i64),
    Created,
}

impl Planner {
    /// Adds to each model's plan the translations to write, and what cannot be written.
    pub(super) async fn compare_translations(
        &self,
        schemas: &BTreeMap<String, ModelSchema>,
        current: &BTreeMap<String, CurrentModel>,
        internals: &PlanInternals,
        models: &mut [ModelPlan],
    ) -> Result<(), RestoreError> {
        let Some(languages) = &self.archive.metadata.languages else {
            return Ok(());
        };
        if languages.translations.is_empty() {
            return Ok(());
        }
        let active = self.active_languages().await?;
        for model_plan in models.iter_mut() {
            let model = model_plan.model.clone();
            let (Some(schema), Some(records)) =
                (schemas.get(&model), self.archive.models.get(&model))
            else {
                continue;
            };
            let fields: Vec<(&String, &FieldSchema)> = schema
                .written_fields()
                .filter(|(name, field)| {
                    field.info.translate
                        && records
                            .records
                            .first()
                            .is_some_and(|record| record.contains_key(*name))
                })
                .collect();
            if fields.is_empty() {
                continue;
            }
            let created: HashSet<i64> = model_plan
                .creates
                .iter()
                .map(|create| create.archive_id)
                .collect();
            let unmodified = current.get(&model).map(|current| &current.now.unmodified);
            let targets: Vec<(i64, Target)> = records
                .ids()
                .filter(|archive_id| !internals.refused.contains(&model, *archive_id))
                .filter_map(|archive_id| {
                    if created.contains(&archive_id) {
                        return Some((archive_id, Target::Created));
                    }
                    let target = *internals.existing.get(&model, archive_id)?;
                    let written_since = unmodified.is_none_or(|ids| !ids.contains(&target));
                    written_since.then_some((archive_id, Target::Existing(target)))
                })
                .collect();
            if targets.is_empty() {
                continue;
            }
            for lang in &languages.translations {
                if !active.contains(lang) {
                    let mut count = NotRestoredCount::default();
                    for (archive_id, _) in &targets {
                        if let Some(values) = translations_in(records, *archive_id, lang) {
                            for field in values.keys() {
                                count.add(field, lang);
                            }
                        }
                    }
                    count.into_plan(LANGUAGE_INACTIVE, model_plan);
                    continue;
                }
                self.compare_language(
                    schema, records, current, &fields, &targets, lang, model_plan,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// The languages calls may name here: Odoo refuses any other.
    async fn active_languages(&self) -> Result<Vec<String>, RestoreError> {
        backup_engine::active_languages(&self.client)
            .await
            .map_err(self.odoo("list the active languages (res.lang)"))
    }

    /// The client that reads and writes translatable values in `lang`.
    pub(super) fn in_language(&self, lang: &str) -> OdooClient {
        self.client.with_context(
            Context::company(self.tenant.company_id)
                .with_archived()
                .with_lang(lang),
        )
    }

    #[allow(clippy::too_many_arguments)]
    async fn compare_language(
        &self,
        schema: &ModelSchema,
        records: &ArchiveModel,
        current: &BTreeMap<String, CurrentModel>,
        fields: &[(&String, &FieldSchema)],
        targets: &[(i64, Target)],
        lang: &str,
        model_plan: &mut ModelPlan,
    ) -> Result<(), RestoreError> {
        let model = &schema.model;
        let existing: Vec<i64> = targets
            .iter()
            .filter_map(|(_, target)| match target {
                Target::Existing(id) => Some(*id),
                Target::Created => None,
            })
            .collect();
        let names: Vec<String> = std::iter::once("id".to_owned())
            .chain(fields.iter().map(|(name, _)| (*name).clone()))
            .collect();
        let now = read_current(
            &self.in_language(lang),
            model,
            &existing,
            &names,
            self.options.read_batch_size,
            self.options.concurrency,
        )
        .await
        .map_err(self.odoo(format!("read {model} records in {lang}")))?;
        let source_now = current.get(model).map(|current| &current.now.rows);
        let mut by_terms = NotRestoredCount::default();
        for (archive_id, target) in targets {
            let Some(record) = records.get(*archive_id) else {
                continue;
            };
            let own = translations_in(records, *archive_id, lang);
            let (row, source_row) = match target {
                Target::Existing(id) => match now.rows.get(id) {
                    Some(row) => (Some(row), source_now.and_then(|rows| rows.get(id))),
                    // Gone or another company's since: the record's own plan says so.
                    None => continue,
                },
                Target::Created => (None, None),
            };
            let mut changes = BTreeMap::new();
            for (name, field) in fields {
                let own_value = own.and_then(|values| values.get(*name));
                let wanted = own_value
                    .or_else(|| record.get(*name))
                    .unwrap_or(&Value::Null);
                let change = match row {
                    // Created in the source language: only the values of its own differ.
                    None => own_value.map(|value| FieldChange {
                        current: Value::Null,
                        restored: value.clone(),
                    }),
                    Some(row) => {
                        let value_now = row.get(*name).unwrap_or(&Value::Null);
                        let follows_source = own_value.is_none()
                            && source_row.and_then(|source| source.get(*name)) == Some(value_now);
                        (!follows_source && !same_value(field, value_now, wanted)).then(|| {
                            FieldChange {
                                current: value_now.clone(),
                                restored: wanted.clone(),
                            }
                        })
                    }
                };
                let Some(change) = change else { continue };
                if field.info.field_type == FieldType::Html {
                    by_terms.add(name, lang);
                } else {
                    changes.insert((*name).clone(), change);
                }
            }
            if !changes.is_empty() {
                model_plan.translations.push(PlannedTranslation {
                    archive_id: *archive_id,
                    target_id: match target {
                        Target::Existing(id) => Some(*id),
                        Target::Created => None,
                    },
                    lang: lang.to_owned(),
                    changes,
                });
            }
        }
        by_terms.into_plan(TRANSLATED_BY_TERMS, model_plan);
        Ok(())
    }
}

/// The archive's values of its own for a record in `lang`.
fn translations_in<'a>(
    records: &'a ArchiveModel,
    archive_id: i64,
    lang: &str,
) -> Option<&'a Record> {
    records.translations.get(&archive_id)?.get(lang)
}

/// Translations that cannot be written, counted per field and language.
#[derive(Default)]
struct NotRestoredCount(BTreeMap<String, u64>);

impl NotRestoredCount {
    fn add(&mut self, field: &str, lang: &str) {
        *self.0.entry(format!("{field} ({lang})")).or_default() += 1;
    }

    fn into_plan(self, reason: &'static str, plan: &mut ModelPlan) {
        for (field, differing_records) in self.0 {
            plan.not_restored.push(NotRestoredField {
                field,
                reason,
                differing_records,
            });
        }
    }
}

//! The restore checks its own result. Writing one record can make Odoo change others: a lead
//! written with an e-mail that differs from its customer's writes the customer's (an inverse
//! field), and every other lead of that customer then follows (a computed field). Such changes
//! happen inside Odoo, where a restore cannot see them as they happen; so once everything is
//! written, the tenant is read back and compared with the archive — the same comparison a plan
//! makes, so one rule decides what "equal to the archive" means. What differs is written once
//! more, in the plan's order (a second pass); what still differs after that is reported record
//! by record, field by field, with what most likely changed it, and the outcome says so.

use std::collections::{HashMap, HashSet};

use backup_engine::ArchiveReader;
use odoo_client::{FieldType, OdooClient};
use serde_json::{Value, json};

use crate::error::RestoreError;
use crate::execute::{ExecuteOptions, carry_out};
use crate::plan::{PlanOptions, RestorePlan};
use crate::progress::{NoRestoreProgress, RestoreProgress, RestoreProgressSink};
use crate::report::{Difference, LikelyCause, RestoreOutcome, RestoreReport};
use crate::schema::NotWritten;

/// A record of the archive: model and archive id.
type Key = (String, i64);

/// Carries out `plan`, then reads the tenant back and sets back, or reports, what Odoo changed
/// as a consequence: the only function of this crate that writes to Odoo. The safety backup,
/// when one is wanted, is taken before by [`safety_backup`](crate::safety_backup).
pub async fn execute(
    client: &OdooClient,
    plan: &RestorePlan,
    options: &ExecuteOptions,
    progress: &dyn RestoreProgressSink,
) -> Result<RestoreReport, RestoreError> {
    let mut report = carry_out(client, plan, options, progress).await?;
    progress.report(RestoreProgress::Step(
        "reading the tenant back to compare it with the archive",
    ));
    check(client, plan, options, &mut report).await?;
    progress.report(RestoreProgress::Finished);
    Ok(report)
}

async fn check(
    client: &OdooClient,
    plan: &RestorePlan,
    options: &ExecuteOptions,
    report: &mut RestoreReport,
) -> Result<(), RestoreError> {
    // The first plan decided whether the archive may be restored; the check only compares.
    let plan_options = PlanOptions {
        allow_unsigned: true,
        ..plan.options().clone()
    };
    let read_back = || {
        crate::plan::plan(
            client,
            plan.archive(),
            plan.tenant(),
            &plan_options,
            &NoRestoreProgress,
        )
    };
    let mut written = written_by(plan, report);
    let mut now = read_back().await?;
    if !now.writes_nothing() {
        let second = carry_out(client, &now, options, &NoRestoreProgress).await?;
        let totals = second.totals();
        report.set_back = totals.created + totals.updated;
        report.write_calls += second.write_calls;
        // A record that failed again is reported once.
        let failed: HashSet<Key> = report
            .failures
            .iter()
            .map(|failure| (failure.model.clone(), failure.archive_id))
            .collect();
        let known = report.failures.len();
        report.failures.extend(
            second
                .failures
                .iter()
                .filter(|failure| !failed.contains(&(failure.model.clone(), failure.archive_id)))
                .cloned(),
        );
        if report.failures.len() > known {
            report.outcome = RestoreOutcome::Partial;
        }
        report
            .state_changes
            .extend(second.state_changes.iter().cloned());
        for (model, ids) in &second.recreated {
            report
                .recreated
                .entry(model.clone())
                .or_default()
                .extend(ids.iter().map(|(archive, target)| (*archive, *target)));
        }
        written.extend(written_by(&now, &second));
        now = read_back().await?;
    }
    let before = differing_before(plan);
    let mut differences = remaining(&now, report, &before);
    if !differences.is_empty() {
        attribute_causes(plan, options, &written, &mut differences)?;
    }
    if report.outcome == RestoreOutcome::Complete && !differences.is_empty() {
        report.outcome = RestoreOutcome::RestoredWithDifferences;
    }
    report.differences = differences;
    Ok(())
}

/// The archive records a run of `plan` wrote to.
fn written_by(plan: &RestorePlan, report: &RestoreReport) -> HashSet<Key> {
    let mut written = HashSet::new();
    for model in plan.models() {
        let key = |archive_id: i64| (model.model.clone(), archive_id);
        written.extend(model.updates.iter().map(|update| key(update.archive_id)));
        written.extend(model.translations.iter().map(|t| key(t.archive_id)));
        if let Some(created) = report.recreated.get(&model.model) {
            written.extend(created.keys().map(|archive_id| key(*archive_id)));
        }
    }
    written
}

/// The fields a restore never writes that differed before the restore: (model, archive id,
/// field) → why they are not written.
fn differing_before(plan: &RestorePlan) -> HashMap<(String, i64, String), String> {
    let mut before = HashMap::new();
    for model in plan.models() {
        for difference in &model.unwritten_differences {
            let reason = model
                .not_restored
                .iter()
                .find(|field| field.field == difference.field)
                .map_or("not written", |field| field.reason);
            before.insert(
                (
                    model.model.clone(),
                    difference.archive_id,
                    difference.field.clone(),
                ),
                reason.to_owned(),
            );
        }
    }
    before
}

/// What still differs, from a plan made after the restore: what it would write, and the fields
/// it never writes that differ. Re-created records' workflow states are reported apart.
fn remaining(
    now: &RestorePlan,
    report: &RestoreReport,
    before: &HashMap<(String, i64, String), String>,
) -> Vec<Difference> {
    let started_over: HashSet<Key> = report
        .state_changes
        .iter()
        .map(|change| (change.model.clone(), change.archive_id))
        .collect();
    // Records and values the report gives already, with their own reason.
    let failed: HashSet<Key> = report
        .failures
        .iter()
        .map(|failure| (failure.model.clone(), failure.archive_id))
        .collect();
    let unresolved: HashSet<(String, i64, String)> = report
        .unresolved
        .iter()
        .map(|value| (value.model.clone(), value.archive_id, value.field.clone()))
        .collect();
    let mut differences = Vec::new();
    for model in now.models() {
        let difference = |archive_id: i64,
                          target_id: Option<i64>,
                          field: String,
                          archived: &Value,
                          now: &Value| {
            let likely_cause = match before.get(&(model.model.clone(), archive_id, field.clone())) {
                Some(reason) => LikelyCause::NeverWritten {
                    reason: reason.clone(),
                },
                None => LikelyCause::Unexplained,
            };
            Difference {
                model: model.model.clone(),
                archive_id,
                target_id,
                field,
                archived: archived.clone(),
                now: now.clone(),
                likely_cause,
            }
        };
        for update in &model.updates {
            for (field, change) in &update.changes {
                differences.push(difference(
                    update.archive_id,
                    Some(update.target_id),
                    field.clone(),
                    &change.restored,
                    &change.current,
                ));
            }
        }
        for translation in &model.translations {
            for (field, change) in &translation.changes {
                differences.push(difference(
                    translation.archive_id,
                    translation.target_id,
                    format!("{field} ({})", translation.lang),
                    &change.restored,
                    &change.current,
                ));
            }
        }
        for unwritten in &model.unwritten_differences {
            let key = (model.model.clone(), unwritten.archive_id);
            if unwritten.field == "state" && started_over.contains(&key) {
                continue;
            }
            differences.push(difference(
                unwritten.archive_id,
                Some(unwritten.target_id),
                unwritten.field.clone(),
                &unwritten.archived,
                &unwritten.now,
            ));
        }
        for create in &model.creates {
            differences.push(difference(
                create.archive_id,
                None,
                "id".into(),
                &json!(create.archive_id),
                &Value::Null,
            ));
        }
    }
    differences.retain(|difference| {
        let key = (difference.model.clone(), difference.archive_id);
        !failed.contains(&key) && !unresolved.contains(&(key.0, key.1, difference.field.clone()))
    });
    differences
}

/// Names, for each difference Odoo brought, what most likely changed it: a write of the record
/// itself, of a record that points to it, or of a record it follows. The archive tells which
/// records point to which (its many2one values, with the archive's ids).
fn attribute_causes(
    plan: &RestorePlan,
    options: &ExecuteOptions,
    written: &HashSet<Key>,
    differences: &mut [Difference],
) -> Result<(), RestoreError> {
    let differing: HashSet<Key> = differences
        .iter()
        .map(|difference| (difference.model.clone(), difference.archive_id))
        .collect();
    let wanted: HashSet<&Key> = written.iter().chain(&differing).collect();
    let links = archive_links(plan, options, &wanted)?;
    // Record pointed to → the written records that point to it, and through which field. The
    // company is pointed to by every record: it explains nothing.
    let mut pointed_by: HashMap<&Key, Vec<(&Key, &str)>> = HashMap::new();
    for writer in written {
        for (field, target) in links.get(writer).into_iter().flatten() {
            if target.0 != "res.company" {
                pointed_by.entry(target).or_default().push((writer, field));
            }
        }
    }
    for difference in differences.iter_mut() {
        if !matches!(difference.likely_cause, LikelyCause::Unexplained) {
            continue;
        }
        let key = (difference.model.clone(), difference.archive_id);
        let targets = links.get(&key).map(Vec::as_slice).unwrap_or_default();
        // What it points to that changed (written, or differing), else what another written
        // record of its model points to through the same field (another lead of the same
        // customer), else what any other written record points to.
        let rank = |field: &String, target: &Key| {
            let others = pointed_by
                .get(target)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter(|(writer, _)| *writer != &key);
            if differing.contains(target) || written.contains(target) {
                Some(0)
            } else if others
                .clone()
                .any(|(writer, through)| writer.0 == key.0 && through == field)
            {
                Some(1)
            } else if others.count() > 0 {
                Some(2)
            } else {
                None
            }
        };
        let followed = targets
            .iter()
            .filter(|(_, target)| target.0 != "res.company")
            .filter_map(|(field, target)| Some((rank(field, target)?, field, target)))
            .min_by_key(|(rank, _, _)| *rank)
            .map(|(_, field, target)| (field, target));
        difference.likely_cause = if let Some(((model, archive_id), field)) = pointed_by
            .get(&key)
            .and_then(|writers| writers.iter().find(|(writer, _)| *writer != &key))
        {
            LikelyCause::WriteOfLinkedRecord {
                model: model.clone(),
                archive_id: *archive_id,
                field: (*field).to_owned(),
            }
        } else if let Some((field, (model, archive_id))) = followed {
            LikelyCause::FollowsLinkedRecord {
                model: model.clone(),
                archive_id: *archive_id,
                field: field.clone(),
            }
        } else if written.contains(&key) {
            LikelyCause::ChangedAfterWrite
        } else {
            LikelyCause::Unexplained
        };
    }
    Ok(())
}

/// The many2one values of the `wanted` records of the archive: record → (field, record it
/// points to).
fn archive_links(
    plan: &RestorePlan,
    options: &ExecuteOptions,
    wanted: &HashSet<&Key>,
) -> Result<HashMap<Key, Vec<(String, Key)>>, RestoreError> {
    let archive_error = |source| RestoreError::Archive {
        path: plan.archive().to_owned(),
        source: Box::new(source),
    };
    let mut reader = ArchiveReader::open(plan.archive(), plan.keys(), options.archive_limits)
        .map_err(archive_error)?;
    let schemas = &plan.internals.schemas;
    let mut links: HashMap<Key, Vec<(String, Key)>> = HashMap::new();
    reader
        .for_each_record(|model, record| {
            let Some(id) = record.get("id").and_then(Value::as_i64) else {
                return Ok(());
            };
            let key = (model.to_owned(), id);
            if !wanted.contains(&key) {
                return Ok(());
            }
            let Some(schema) = schemas.get(model) else {
                return Ok(());
            };
            let targets = record
                .iter()
                .filter_map(|(field, value)| {
                    let field_schema = schema.field(field)?;
                    // Who created or last wrote a record explains none of its values.
                    if matches!(
                        field_schema.not_written,
                        Some(NotWritten::Audit | NotWritten::Technical)
                    ) {
                        return None;
                    }
                    let info = &field_schema.info;
                    let comodel = info.relation.as_deref()?;
                    (info.field_type == FieldType::Many2one)
                        .then(|| Some((field.clone(), (comodel.to_owned(), value.as_i64()?))))?
                })
                .collect();
            links.insert(key, targets);
            Ok(())
        })
        .map_err(archive_error)?;
    Ok(links)
}

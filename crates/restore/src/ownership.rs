//! Whether a record belongs to the tenant — judged the same way on the archive's records (a
//! failure means the archive was tampered with) and on the records as they are now in Odoo (a
//! failure means the record is refused).
//!
//! A record belongs to the tenant when:
//! - it is attached (`res_model`/`res_id`, `model`/`res_id`) to a record of a tenant-data model:
//!   that record belongs to the tenant, whatever the attachment's own `company_id` says (Odoo
//!   stamps some attachments with the wrong company);
//! - otherwise its `company_id` is the tenant — or it has none and is the tenant company's own
//!   partner or one of its users' partners; its `company_ids` are exactly the tenant; its
//!   `record_company_id` is the tenant; it is the tenant's `res.company`;
//! - a record with no company field of its own (an order line without a stored company, a
//!   variant, a calendar's hours) belongs to the tenant when one of the records it points to
//!   through a many2one does.
//!
//! Records are judged a set at a time ([`judge_archive`], [`judge_current`]), since one may
//! belong to the tenant through another. What a set leaves open, records outside it that some
//! depend on, is read by the plan and judged with [`strictly_tenant_now`]; then
//! [`Verdicts::refusals`] settles the set. A record the archive refers to without holding it
//! may be the tenant's or shared ([`may_be_referenced`], [`is_module_data`]). This module only
//! judges: the plan does every read.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use odoo_client::Record;
use serde_json::Value;

use crate::archive::LoadedArchive;
use crate::keys::KeySet;
use crate::schema::{ModelSchema, Ownership};
use odoo_client::value::many2one_id;

/// `(model, id)`: in archive ids for the archive side, in target ids for the current side.
pub(crate) type Key = (String, i64);

/// Which state a record is judged in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// As the archive holds it: only stored, non-related company fields are there.
    Archive,
    /// As Odoo holds it now: every company field can be read, related ones too.
    Current,
}

/// What one record's own fields say about its owner.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Verdict {
    Owned,
    Foreign(String),
    /// It belongs to the tenant if one of these records (of the same set) does.
    DependsOn(Vec<Key>),
    /// It belongs to the tenant if one of these records outside the set is the tenant's now.
    NeedsCheck(Vec<Key>),
}

/// What a judgement needs besides the record.
pub(crate) struct Facts<'a> {
    pub tenant: i64,
    /// The tenant company's partner and its users' partners (in the side's ids).
    pub tenant_partners: &'a HashSet<i64>,
    /// Models whose records are tenant data: an attachment on one of them belongs to that record.
    pub tenant_data_models: &'a BTreeSet<String>,
}

/// The models whose records are tenant data: every model of the archive but attachments and
/// messages, which are the tenant's by the record they hang on.
pub(crate) fn tenant_data_models(archive_models: &BTreeSet<String>) -> BTreeSet<String> {
    archive_models
        .iter()
        .filter(|model| *model != "ir.attachment" && *model != "mail.message")
        .cloned()
        .collect()
}

/// The tenant company's partner and its users' partners, as the archive holds them.
pub(crate) fn archive_tenant_partners(archive: &LoadedArchive, tenant: i64) -> HashSet<i64> {
    let mut partners = HashSet::new();
    if let Some(company) = archive
        .record("res.company", tenant)
        .and_then(|record| record.get("partner_id"))
        .and_then(Value::as_i64)
    {
        partners.insert(company);
    }
    if let Some(users) = archive.models.get("res.users") {
        partners.extend(
            users
                .records
                .iter()
                .filter_map(|user| user.get("partner_id").and_then(Value::as_i64)),
        );
    }
    partners
}

/// The verdicts on a set of records judged together, to be settled once the records outside
/// the set that some of them depend on are checked. Owned records, most of them, are left out:
/// settling counts them as owned.
#[derive(Debug, Default)]
pub(crate) struct Verdicts(HashMap<Key, Verdict>);

impl Verdicts {
    fn add(&mut self, key: Key, verdict: Verdict) {
        if verdict != Verdict::Owned {
            self.0.insert(key, verdict);
        }
    }

    /// The records outside the set whose company decides a verdict: read, then passed to
    /// [`Verdicts::refusals`] as strictly the tenant's now or not ([`strictly_tenant_now`]).
    pub fn to_check(&self) -> BTreeSet<Key> {
        self.0
            .values()
            .filter_map(|verdict| match verdict {
                Verdict::NeedsCheck(keys) => Some(keys.iter().cloned()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// The records that are not the tenant's, with why ([`settle`]).
    pub fn refusals(
        &self,
        judged: &dyn Fn(&str, i64) -> bool,
        checked: &HashMap<Key, bool>,
    ) -> HashMap<Key, String> {
        settle(&self.0, judged, checked)
    }
}

/// The archive's records, judged.
#[derive(Debug)]
pub(crate) struct ArchiveJudgement {
    pub verdicts: Verdicts,
    /// The records that belong to the tenant by the record they are attached to.
    pub attached: KeySet,
}

/// A record that is not the tenant's by its own fields.
#[derive(Debug)]
pub(crate) struct NotTheTenants {
    pub record: Key,
    pub reason: String,
}

/// Judges every record of the archive, those of `refused_models` apart. The first record that
/// is another's by its own fields is returned at once: the archive was tampered with.
pub(crate) fn judge_archive(
    archive: &LoadedArchive,
    schemas: &BTreeMap<String, ModelSchema>,
    refused_models: &BTreeMap<String, String>,
    facts: &Facts<'_>,
    archive_models: &BTreeSet<String>,
) -> Result<ArchiveJudgement, NotTheTenants> {
    let in_archive = |model: &str, id: i64| archive.contains(model, id);
    let mut verdicts = Verdicts::default();
    let mut attached = KeySet::default();
    for (model, records) in &archive.models {
        if refused_models.contains_key(model) {
            continue;
        }
        let schema = &schemas[model];
        for (id, record) in records.iter() {
            let verdict = judge(
                schema,
                id,
                record,
                Side::Archive,
                facts,
                archive_models,
                &in_archive,
            );
            if let Verdict::Foreign(reason) = verdict {
                return Err(NotTheTenants {
                    record: (model.clone(), id),
                    reason,
                });
            }
            if is_attached(schema, record, facts.tenant_data_models) {
                attached.add(model, id);
            }
            verdicts.add((model.clone(), id), verdict);
        }
    }
    Ok(ArchiveJudgement { verdicts, attached })
}

/// Judges records as they are now: `rows` by id, of each model. `in_set` tells whether a record
/// is one of those judged.
pub(crate) fn judge_current<'a>(
    rows: impl IntoIterator<Item = (&'a ModelSchema, &'a HashMap<i64, Record>)>,
    facts: &Facts<'_>,
    archive_models: &BTreeSet<String>,
    in_set: &dyn Fn(&str, i64) -> bool,
) -> Verdicts {
    let mut verdicts = Verdicts::default();
    for (schema, rows) in rows {
        for (id, row) in rows {
            let verdict = judge(
                schema,
                *id,
                row,
                Side::Current,
                facts,
                archive_models,
                in_set,
            );
            verdicts.add((schema.model.clone(), *id), verdict);
        }
    }
    verdicts
}

/// Whether the record hangs on a record of a tenant-data model (`res_model`/`res_id`).
fn is_attached(
    schema: &ModelSchema,
    record: &Record,
    tenant_data_models: &BTreeSet<String>,
) -> bool {
    schema.attached_by.iter().any(|(id_field, model_field)| {
        let model = record
            .get(model_field)
            .and_then(Value::as_str)
            .unwrap_or_default();
        let res_id = record.get(id_field).and_then(Value::as_i64).unwrap_or(0);
        res_id > 0 && tenant_data_models.contains(model)
    })
}

/// Judges one record. `in_set` tells whether a record is one of the records judged together.
fn judge(
    schema: &ModelSchema,
    id: i64,
    record: &Record,
    side: Side,
    facts: &Facts<'_>,
    archive_models: &BTreeSet<String>,
    in_set: &dyn Fn(&str, i64) -> bool,
) -> Verdict {
    for (id_field, model_field) in &schema.attached_by {
        let model = record
            .get(model_field)
            .and_then(Value::as_str)
            .filter(|model| !model.is_empty());
        let res_id = record
            .get(id_field)
            .and_then(Value::as_i64)
            .filter(|id| *id > 0);
        if let (Some(model), Some(res_id)) = (model, res_id)
            && facts.tenant_data_models.contains(model)
        {
            let key = (model.to_owned(), res_id);
            return if in_set(model, res_id) {
                Verdict::DependsOn(vec![key])
            } else {
                Verdict::NeedsCheck(vec![key])
            };
        }
    }
    match ownership_on(schema, side) {
        Ownership::TheCompany if id == facts.tenant => Verdict::Owned,
        Ownership::TheCompany => Verdict::Foreign(format!("it is company {id}, not the tenant")),
        Ownership::CompanyId => company_verdict(schema, id, record, "company_id", facts),
        Ownership::RecordCompany => company_verdict(schema, id, record, "record_company_id", facts),
        Ownership::CompanyIds => {
            let Some(companies) = record.get("company_ids").and_then(Value::as_array) else {
                return Verdict::Foreign("it has no company_ids".into());
            };
            let companies: BTreeSet<i64> = companies.iter().filter_map(Value::as_i64).collect();
            if companies.len() == 1 && companies.contains(&facts.tenant) {
                Verdict::Owned
            } else {
                Verdict::Foreign(format!(
                    "its companies are {companies:?}, not only the tenant {}",
                    facts.tenant
                ))
            }
        }
        Ownership::Inherited => {
            let mut inside = Vec::new();
            let mut outside = Vec::new();
            for (field, comodel) in schema.parent_links(archive_models) {
                for parent in linked_ids(record.get(field)) {
                    let key = (comodel.to_owned(), parent);
                    if in_set(comodel, parent) {
                        inside.push(key);
                    } else {
                        outside.push(key);
                    }
                }
            }
            if !inside.is_empty() {
                Verdict::DependsOn(inside)
            } else if !outside.is_empty() {
                Verdict::NeedsCheck(outside)
            } else {
                Verdict::Foreign(
                    "it has no company field and points to no record of the tenant".into(),
                )
            }
        }
    }
}

/// The ids a parent link holds: a many2one's one, or a linked model's many2many list.
fn linked_ids(value: Option<&Value>) -> Vec<i64> {
    match value {
        Some(Value::Array(ids)) if ids.iter().all(Value::is_i64) => {
            ids.iter().filter_map(Value::as_i64).collect()
        }
        Some(value) => many2one_id(value).into_iter().collect(),
        None => Vec::new(),
    }
}

/// How a record of `schema` proves its owner on `side`.
fn ownership_on(schema: &ModelSchema, side: Side) -> Ownership {
    match side {
        // Now, a related company field can be read too: an order line's company is its order's.
        Side::Current if schema.model != "res.company" && schema.has_field("company_id") => {
            Ownership::CompanyId
        }
        Side::Current
            if schema.model != "res.company"
                && schema.ownership == Ownership::Inherited
                && schema.has_field("company_ids") =>
        {
            Ownership::CompanyIds
        }
        _ => schema.ownership.clone(),
    }
}

/// The fields [`judge`] reads on a record as it is now: what it may be attached to, and the
/// fields of the one way it proves its owner. Reading only these keeps the first read of every
/// record light.
pub(crate) fn fields_judged_now(
    schema: &ModelSchema,
    archive_models: &BTreeSet<String>,
) -> BTreeSet<String> {
    let mut fields = BTreeSet::new();
    for (id_field, model_field) in &schema.attached_by {
        fields.insert(id_field.clone());
        if schema.has_field(model_field) {
            fields.insert(model_field.clone());
        }
    }
    match ownership_on(schema, Side::Current) {
        Ownership::TheCompany => {}
        Ownership::CompanyId => {
            fields.insert("company_id".into());
        }
        Ownership::RecordCompany => {
            fields.insert("record_company_id".into());
        }
        Ownership::CompanyIds => {
            fields.insert("company_ids".into());
        }
        Ownership::Inherited => {
            fields.extend(
                schema
                    .parent_links(archive_models)
                    .map(|(name, _)| name.clone()),
            );
        }
    }
    fields.retain(|name| schema.has_field(name));
    fields
}

fn company_verdict(
    schema: &ModelSchema,
    id: i64,
    record: &Record,
    field: &str,
    facts: &Facts<'_>,
) -> Verdict {
    let Some(value) = record.get(field) else {
        return Verdict::Foreign(format!("its {field} is missing"));
    };
    match many2one_id(value) {
        Some(company) if company == facts.tenant => Verdict::Owned,
        Some(company) => Verdict::Foreign(format!("its {field} is company {company}")),
        None if schema.model == "res.partner" && facts.tenant_partners.contains(&id) => {
            Verdict::Owned
        }
        None => Verdict::Foreign(format!(
            "its {field} is empty: it is shared by every company, not the tenant's"
        )),
    }
}

/// Settles verdicts that depend on each other: a record that depends on others belongs to the
/// tenant when one of them does. `checked` holds the outcome of the checks of records outside
/// the set. `verdicts` may leave out the records judged [`Verdict::Owned`] (most of them):
/// `judged` tells whether a record was judged at all, and a record judged but absent is owned.
/// Returns the refusal reason of every record of `verdicts` that does not belong to the tenant.
fn settle(
    verdicts: &HashMap<Key, Verdict>,
    judged: &dyn Fn(&str, i64) -> bool,
    checked: &HashMap<Key, bool>,
) -> HashMap<Key, String> {
    let owned_by_itself = |verdict: &Verdict| match verdict {
        Verdict::Owned => true,
        Verdict::NeedsCheck(candidates) => candidates
            .iter()
            .any(|candidate| checked.get(candidate).copied().unwrap_or(false)),
        _ => false,
    };
    // Only the records that depend on others are settled in rounds, until a round settles
    // nothing: every other verdict is final.
    let mut pending: Vec<(&Key, &[Key])> = verdicts
        .iter()
        .filter_map(|(key, verdict)| match verdict {
            Verdict::DependsOn(parents) => Some((key, parents.as_slice())),
            _ => None,
        })
        .collect();
    let mut owned_dependents: HashSet<&Key> = HashSet::new();
    loop {
        let before = pending.len();
        pending.retain(|(key, parents)| {
            let owned = parents.iter().any(|parent| match verdicts.get(parent) {
                Some(Verdict::DependsOn(_)) => owned_dependents.contains(parent),
                Some(verdict) => owned_by_itself(verdict),
                None => judged(&parent.0, parent.1),
            });
            if owned {
                owned_dependents.insert(key);
            }
            !owned
        });
        if pending.len() == before {
            break;
        }
    }
    verdicts
        .iter()
        .filter(|(key, verdict)| match verdict {
            Verdict::DependsOn(_) => !owned_dependents.contains(key),
            verdict => !owned_by_itself(verdict),
        })
        .map(|(key, verdict)| {
            let reason = match verdict {
                Verdict::Foreign(reason) => reason.clone(),
                Verdict::DependsOn(parents) => format!(
                    "the records it belongs to ({}) are not the tenant's",
                    describe(parents)
                ),
                Verdict::NeedsCheck(candidates) => format!(
                    "the records it belongs to ({}) are not the tenant's now",
                    describe(candidates)
                ),
                Verdict::Owned => unreachable!("owned records are filtered out"),
            };
            (key.clone(), reason)
        })
        .collect()
}

fn describe(keys: &[Key]) -> String {
    keys.iter()
        .take(3)
        .map(|(model, id)| format!("{model} {id}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a record read now (with its company fields) is strictly the tenant's: its company
/// is the tenant. Records with no company field cannot prove it.
pub(crate) fn strictly_tenant_now(model: &str, id: i64, record: &Record, tenant: i64) -> bool {
    if model == "res.company" {
        return id == tenant;
    }
    if let Some(value) = record.get("company_id") {
        return many2one_id(value) == Some(tenant);
    }
    if let Some(companies) = record.get("company_ids").and_then(Value::as_array) {
        return companies.iter().filter_map(Value::as_i64).eq([tenant]);
    }
    if let Some(value) = record.get("record_company_id") {
        return many2one_id(value) == Some(tenant);
    }
    false
}

/// Whether an external id is data of an installed module (`base.partner_root`), shared by every
/// tenant whatever company Odoo stamped on it, as opposed to one made at run time
/// (`__export__.res_partner_7`, a restore's own mapping), which proves nothing.
pub(crate) fn is_module_data(external_id: &str, installed: &HashSet<String>) -> bool {
    external_id
        .split_once('.')
        .is_some_and(|(module, _)| !module.starts_with("__") && installed.contains(module))
}

/// Whether a record the archive refers to (but does not hold) may be referred to from the
/// tenant's records: it is the tenant's, or shared by every company. `res.users` are judged
/// by the companies they may work in.
pub(crate) fn may_be_referenced(
    model: &str,
    id: i64,
    record: &Record,
    tenant: i64,
) -> Result<(), String> {
    if model == "res.company" {
        return if id == tenant {
            Ok(())
        } else {
            Err(format!("it is company {id}, another tenant"))
        };
    }
    if let Some(companies) = record.get("company_ids").and_then(Value::as_array)
        && model == "res.users"
    {
        let companies: Vec<i64> = companies.iter().filter_map(Value::as_i64).collect();
        return if companies.contains(&tenant) {
            Ok(())
        } else {
            Err(format!(
                "the user works for companies {companies:?}, not the tenant"
            ))
        };
    }
    if let Some(value) = record.get("company_id") {
        return match many2one_id(value) {
            None => Ok(()),
            Some(company) if company == tenant => Ok(()),
            Some(company) => Err(format!("it belongs to company {company}")),
        };
    }
    if let Some(companies) = record.get("company_ids").and_then(Value::as_array) {
        let companies: Vec<i64> = companies.iter().filter_map(Value::as_i64).collect();
        return if companies.is_empty() || companies.contains(&tenant) {
            Ok(())
        } else {
            Err(format!("it belongs to companies {companies:?}"))
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(model: &str, id: i64) -> Key {
        (model.to_owned(), id)
    }

    #[test]
    fn dependents_are_owned_through_any_chain_to_an_owned_record() {
        let verdicts: HashMap<Key, Verdict> = [
            (key("sale.order", 1), Verdict::Owned),
            (
                key("sale.order", 2),
                Verdict::Foreign("another company's".into()),
            ),
            (
                key("sale.order", 3),
                Verdict::NeedsCheck(vec![key("res.partner", 9)]),
            ),
            // A chain whose first link is listed after its dependents.
            (
                key("stock.move", 1),
                Verdict::DependsOn(vec![key("sale.order.line", 1)]),
            ),
            (
                key("sale.order.line", 1),
                Verdict::DependsOn(vec![key("sale.order", 2), key("sale.order", 1)]),
            ),
            (
                key("sale.order.line", 2),
                Verdict::DependsOn(vec![key("sale.order", 2)]),
            ),
            (
                key("sale.order.line", 3),
                Verdict::DependsOn(vec![key("sale.order", 3)]),
            ),
            (
                key("sale.order.line", 4),
                Verdict::DependsOn(vec![key("sale.order", 99)]),
            ),
            // A cycle that reaches no owned record.
            (
                key("account.move", 1),
                Verdict::DependsOn(vec![key("account.move", 2)]),
            ),
            (
                key("account.move", 2),
                Verdict::DependsOn(vec![key("account.move", 1)]),
            ),
        ]
        .into_iter()
        .collect();
        let checked = HashMap::from([(key("res.partner", 9), true)]);
        let judged = |model: &str, id: i64| verdicts.contains_key(&key(model, id));
        let refused = settle(&verdicts, &judged, &checked);
        let mut refused_keys: Vec<&Key> = refused.keys().collect();
        refused_keys.sort();
        assert_eq!(
            refused_keys,
            vec![
                &key("account.move", 1),
                &key("account.move", 2),
                &key("sale.order", 2),
                &key("sale.order.line", 2),
                &key("sale.order.line", 4),
            ]
        );
        assert_eq!(refused[&key("sale.order", 2)], "another company's");

        let unchecked = settle(&verdicts, &judged, &HashMap::new());
        assert!(unchecked.contains_key(&key("sale.order", 3)));
        assert!(unchecked.contains_key(&key("sale.order.line", 3)));

        // Records judged owned may be left out: they are owned all the same.
        let mut without_owned = verdicts.clone();
        without_owned.remove(&key("sale.order", 1));
        let judged_all =
            |model: &str, id: i64| judged(model, id) || (model, id) == ("sale.order", 1);
        assert_eq!(settle(&without_owned, &judged_all, &checked), refused);
    }
}

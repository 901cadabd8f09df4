//! Which models hold a tenant's data, and which of their fields a backup keeps — found from
//! Odoo's own metadata (`ir.model`, `ir.model.fields`, `fields_get`) at backup time, so a module
//! installed later is covered without a code change.
//!
//! A model is the tenant's when it is installed, not transient, not denied below, and:
//! - it has a stored many2one `company_id` to `res.company` (records with `company_id` = tenant);
//! - or, lacking that, a stored many2many `company_ids` (records whose `company_ids` holds the
//!   tenant: `account.account`);
//! - or it is `mail.message` (records whose `record_company_id` is the tenant, and those without
//!   one that hang on an exported record: see `export`);
//! - or it is reached by a one2many of a tenant model and has no company field of its own
//!   (order lines without a stored company, product variants, tracking values): its records are
//!   those whose inverse many2one points at an exported record;
//! - or it is one of the hand-reviewed [`LINKED_MODELS`] (`stock.reference` on Odoo 19): its
//!   records are those whose many2many fields hold an exported record.
//!
//! `res.company` contributes the tenant's own record, `res.partner` adds the company's partner
//! and its users' partners, and `ir.attachment` has a rule of its own (see `export`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::StreamExt;
use odoo_client::{Domain, FieldInfo, FieldType, Fields, OdooClient, OdooError, SearchOptions};
use serde_json::{Value, json};

use crate::archive::format::ExcludedModel;
use crate::archive::writer::{Relation, RelationKind};

/// Models that look like tenant data but must not be backed up (or restored), with the reason.
/// Reviewed by hand: add to it when a new module brings such a model, and say why.
pub const DENIED_MODELS: &[(&str, &str)] = &[
    // SQL views: read-only reports computed from other tables; no create right, nothing to restore.
    ("sale.report", "SQL-view report computed from sale orders"),
    (
        "account.invoice.report",
        "SQL-view report computed from invoices",
    ),
    (
        "report.stock.quantity",
        "SQL-view report computed from stock moves",
    ),
    (
        "crm.activity.report",
        "SQL-view report computed from CRM activities",
    ),
    (
        "purchase.report",
        "SQL-view report computed from purchase orders",
    ),
    ("stock.report", "SQL-view report computed from stock moves"),
    (
        "report.pos.order",
        "SQL-view report computed from point-of-sale orders",
    ),
    ("account.move.line.report", "SQL-view report"),
    ("hr.leave.report", "SQL-view report"),
    ("project.task.burndown.chart.report", "SQL-view report"),
    // Abstract models: no table; searching them raises AccessError.
    ("resource.mixin", "abstract mixin, no records of its own"),
    // Sessions, logs, queues, caches: runtime state, not business data.
    ("ir.logging", "server log lines"),
    ("bus.bus", "notification bus messages"),
    ("bus.presence", "users' online presence"),
    ("mail.presence", "users' online presence"),
    (
        "discuss.channel.rtc.session",
        "a call in progress: it ends with the call",
    ),
    ("ir.cron.progress", "progress of scheduled job runs"),
    ("ir.cron.trigger", "pending triggers of scheduled jobs"),
    ("res.users.log", "login log"),
    ("res.device", "login sessions and devices"),
    ("res.device.log", "login sessions and devices"),
    ("ir.profile", "profiling records"),
    (
        "mail.mail",
        "outgoing e-mail queue: restoring it would send mail again",
    ),
    (
        "mail.notification",
        "per-recipient delivery state of sent messages",
    ),
    (
        "mail.followers",
        "subscriptions, linked by res_model/res_id, not by company",
    ),
    (
        "mail.activity",
        "activities, linked by res_model/res_id, not by company",
    ),
    (
        "sms.sms",
        "outgoing SMS queue: restoring it would send SMS again",
    ),
    // Credentials: never copied out of the database.
    ("res.users.apikeys", "users' API keys (credentials)"),
    (
        "auth_totp.device",
        "users' two-factor trusted devices (credentials)",
    ),
    ("auth.passkey.key", "users' passkeys (credentials)"),
];

/// Name patterns of models never backed up.
const DENIED_PREFIXES: &[(&str, &str)] = &[
    ("report.", "SQL-view report (by naming convention)"),
    // The backup tool's own records (schedules, backup list, audit log): restoring them would
    // bring back old schedules and rows whose archives are gone.
    ("quelyos.backup", "the backup tool's own bookkeeping"),
];
const DENIED_SUFFIXES: &[(&str, &str)] = &[
    (".report", "SQL-view report (by naming convention)"),
    (".mixin", "abstract mixin, no records of its own"),
];

/// Fields never copied, with the reason.
pub const DENIED_FIELDS: &[(&str, &str, &str)] = &[
    ("res.users", "password", "credential"),
    ("res.users", "new_password", "credential"),
    ("res.users", "api_key_ids", "credentials (API keys)"),
    ("res.users", "totp_secret", "credential (two-factor secret)"),
    (
        "res.users",
        "totp_trusted_device_ids",
        "credentials (trusted devices)",
    ),
    ("res.users", "oauth_access_token", "credential"),
    (
        "res.partner",
        "signup_token",
        "credential (sign-up link token)",
    ),
    (
        "ir.attachment",
        "db_datas",
        "storage detail: the content is kept as `datas`",
    ),
    (
        "ir.attachment",
        "store_fname",
        "storage detail: a path in this server's filestore",
    ),
    // A many2many whose table is mail.notification's: a restore that wrote it would insert
    // notification rows without their required type, and Odoo refuses the whole message.
    (
        "mail.message",
        "notified_partner_ids",
        "delivery state: its rows are mail.notification records, which are not backed up",
    ),
];

/// Models with no company field whose records each serve one tenant's documents, and which
/// point at those documents through many2many fields of their own (no one2many leads to them,
/// so the child walk below does not find them). Reviewed by hand, with the reason. A record is
/// backed up with the tenant whose records it links to through any stored many2many to a
/// model the backup keeps; a restore judges it the tenant's the same way
/// ([`linked_model`]).
pub const LINKED_MODELS: &[(&str, &str)] = &[(
    "stock.reference",
    "Odoo 19: ties an order to its transfers (the order's name, its moves, its sales and \
     purchases); created for one company's documents, and a restore needs it to link them again",
)];

/// Whether `model` is one of [`LINKED_MODELS`].
pub fn linked_model(model: &str) -> bool {
    LINKED_MODELS.iter().any(|(name, _)| *name == model)
}

/// Models whose read failure is reported but does not fail the backup unless configured
/// otherwise: Odoo 18 refuses `account.analytic.applicability` to an administrator who lacks
/// the analytic accounting group.
pub const DEFAULT_OPTIONAL_MODELS: &[&str] = &["account.analytic.applicability"];

/// Why a model is denied, if it is.
pub fn denied_reason(model: &str) -> Option<&'static str> {
    DENIED_MODELS
        .iter()
        .find(|(name, _)| *name == model)
        .map(|(_, reason)| *reason)
        .or_else(|| {
            DENIED_PREFIXES
                .iter()
                .find(|(prefix, _)| model.starts_with(prefix))
                .map(|(_, reason)| *reason)
        })
        .or_else(|| {
            DENIED_SUFFIXES
                .iter()
                .find(|(suffix, _)| model.ends_with(suffix))
                .map(|(_, reason)| *reason)
        })
}

/// How the records of a model are selected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Rule {
    /// `company_id` = tenant.
    Company,
    /// `company_ids` holds the tenant.
    CompanyIds,
    /// `mail.message`: `record_company_id` = tenant, plus the unstamped messages of exported
    /// records (collected once the other models' ids are known).
    RecordCompany,
    /// `res.company`: the tenant's own record.
    TheCompany,
    /// `res.partner`: `company_id` = tenant, plus the company's partner and its users' partners.
    Partners,
    /// Reached through one2many fields: the inverse many2one points at an exported record; or
    /// a linked model ([`LINKED_MODELS`]): one of its many2many fields holds an exported record.
    Children(Vec<ChildLink>),
    /// `ir.attachment`: see `export::plan_attachments`.
    Attachments,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChildLink {
    pub parent: String,
    /// The field of the child that points at the parent: a many2one, or a linked model's
    /// many2many.
    pub inverse: String,
}

/// A model to back up and how.
#[derive(Clone, Debug)]
pub(crate) struct ModelPlan {
    pub model: String,
    pub rule: Rule,
    /// Fields read in pages (binary fields excluded), `id` first.
    pub fields: Vec<String>,
    /// Binary fields, read separately in small batches.
    pub binary_fields: Vec<String>,
    /// Translatable fields among `fields`, read again in every other active language.
    pub translated_fields: Vec<String>,
    pub relations: Vec<Relation>,
    /// Whether Odoo stamps its records' writes (`write_date`): only then can an incremental
    /// read copy them from a previous archive.
    pub has_write_date: bool,
}

/// The outcome of discovery.
#[derive(Debug, Default)]
pub(crate) struct Discovery {
    /// In export order: parents before the children reached through them.
    pub models: Vec<ModelPlan>,
    pub excluded: Vec<ExcludedModel>,
    /// Optional models whose metadata could not be read: (model, reason).
    pub skipped: Vec<(String, String)>,
}

/// What went wrong in discovery: the step, or the model, and Odoo's error.
#[derive(Debug)]
pub(crate) enum DiscoveryError {
    Step(&'static str, OdooError),
    Model(String, OdooError),
}

/// Discovers the tenant's models. `client` is pinned to the tenant.
pub(crate) async fn discover(
    client: &OdooClient,
    optional_models: &[String],
    concurrency: usize,
) -> Result<Discovery, DiscoveryError> {
    let models = installed_models(client).await?;
    let company_fields = company_fields(client).await?;

    let mut discovery = Discovery::default();
    let mut excluded: BTreeMap<String, String> = BTreeMap::new();
    let has_company_id: BTreeSet<&str> = company_fields
        .iter()
        .filter(|(_, field, kind)| field == "company_id" && kind == "many2one")
        .map(|(model, _, _)| model.as_str())
        .collect();
    let mut roots: BTreeMap<String, Rule> = BTreeMap::new();
    for (model, field, kind) in &company_fields {
        let rule = match (field.as_str(), kind.as_str()) {
            ("company_id", "many2one") => Rule::Company,
            ("company_ids", "many2many") if !has_company_id.contains(model.as_str()) => {
                Rule::CompanyIds
            }
            ("record_company_id", "many2one") if model == "mail.message" => Rule::RecordCompany,
            _ => continue,
        };
        roots.insert(model.clone(), rule);
    }
    roots.insert("res.company".into(), Rule::TheCompany);
    if roots.contains_key("res.partner") {
        roots.insert("res.partner".into(), Rule::Partners);
    }
    if roots.contains_key("ir.attachment") {
        roots.insert("ir.attachment".into(), Rule::Attachments);
    }

    let mut wanted: Vec<(String, Rule)> = Vec::new();
    for (model, rule) in roots {
        match models.get(&model) {
            None => continue,
            Some(true) => {
                excluded.insert(model, "transient model (wizard data)".into());
            }
            Some(false) => match denied_reason(&model) {
                Some(reason) => {
                    excluded.insert(model, reason.into());
                }
                None => wanted.push((model, rule)),
            },
        }
    }

    let mut fields_of = fields_of_models(
        client,
        wanted.iter().map(|(model, _)| model.clone()),
        optional_models,
        concurrency,
        &mut discovery.skipped,
    )
    .await?;
    let mut plans: Vec<(String, Rule)> = wanted
        .into_iter()
        .filter(|(model, _)| fields_of.contains_key(model))
        .collect();

    // Children, breadth first: one2many fields of tenant models towards models with no company
    // field of their own.
    let roots_and_company: BTreeSet<String> = company_fields
        .iter()
        .map(|(model, _, _)| model.clone())
        .collect();
    let mut child_links: BTreeMap<String, Vec<ChildLink>> = BTreeMap::new();
    let mut refused_links: BTreeMap<String, String> = BTreeMap::new();
    let mut frontier: Vec<String> = plans
        .iter()
        .filter(|(_, rule)| !matches!(rule, Rule::TheCompany | Rule::Attachments))
        .map(|(model, _)| model.clone())
        .collect();
    let mut child_order: Vec<String> = Vec::new();
    while !frontier.is_empty() {
        let mut candidates: BTreeMap<String, Vec<ChildLink>> = BTreeMap::new();
        for parent in &frontier {
            for (_, info) in fields_of[parent]
                .iter()
                .filter(|(_, info)| info.field_type == FieldType::One2many)
            {
                let (Some(comodel), Some(inverse)) =
                    (info.relation.as_deref(), info.relation_field.as_deref())
                else {
                    continue;
                };
                if roots_and_company.contains(comodel)
                    || matches!(comodel, "ir.attachment" | "mail.message" | "res.company")
                    || plans.iter().any(|(model, _)| model == comodel)
                {
                    continue;
                }
                match models.get(comodel) {
                    None => continue,
                    Some(true) => {
                        excluded
                            .entry(comodel.to_owned())
                            .or_insert_with(|| "transient model (wizard data)".into());
                        continue;
                    }
                    Some(false) => {}
                }
                if let Some(reason) = denied_reason(comodel) {
                    excluded
                        .entry(comodel.to_owned())
                        .or_insert_with(|| reason.into());
                    continue;
                }
                let link = ChildLink {
                    parent: parent.clone(),
                    inverse: inverse.to_owned(),
                };
                let links = candidates.entry(comodel.to_owned()).or_default();
                if !links.contains(&link) {
                    links.push(link);
                }
            }
        }
        let new_models: Vec<String> = candidates
            .keys()
            .filter(|model| !fields_of.contains_key(*model))
            .cloned()
            .collect();
        let fetched = fields_of_models(
            client,
            new_models.into_iter(),
            optional_models,
            concurrency,
            &mut discovery.skipped,
        )
        .await?;
        fields_of.extend(fetched);
        let mut next = Vec::new();
        for (child, links) in candidates {
            let Some(child_fields) = fields_of.get(&child) else {
                continue;
            };
            for link in links {
                let valid = child_fields.get(&link.inverse).is_some_and(|info| {
                    info.field_type == FieldType::Many2one
                        && info.store
                        && info.relation.as_deref() == Some(link.parent.as_str())
                });
                if !valid {
                    refused_links.entry(child.clone()).or_insert_with(|| {
                        format!(
                            "reached from {} through {}, which is not a stored many2one to it; not tenant data by company",
                            link.parent, link.inverse
                        )
                    });
                    continue;
                }
                let known = child_links.entry(child.clone()).or_default();
                if known.is_empty() {
                    child_order.push(child.clone());
                    next.push(child.clone());
                }
                if !known.contains(&link) {
                    known.push(link);
                }
            }
        }
        frontier = next;
    }
    for (model, reason) in refused_links {
        if !child_links.contains_key(&model) {
            excluded.entry(model).or_insert(reason);
        }
    }

    // Linked models: children through their own many2many fields.
    let kept: BTreeSet<String> = plans
        .iter()
        .map(|(model, _)| model.clone())
        .chain(child_links.keys().cloned())
        .collect();
    let linked: Vec<String> = LINKED_MODELS
        .iter()
        .map(|(model, _)| (*model).to_owned())
        .filter(|model| models.get(model) == Some(&false) && !kept.contains(model))
        .filter(|model| !roots_and_company.contains(model))
        .collect();
    let fetched = fields_of_models(
        client,
        linked
            .iter()
            .filter(|model| !fields_of.contains_key(*model))
            .cloned(),
        optional_models,
        concurrency,
        &mut discovery.skipped,
    )
    .await?;
    fields_of.extend(fetched);
    for model in linked {
        let Some(fields) = fields_of.get(&model) else {
            continue;
        };
        let links: Vec<ChildLink> = fields
            .iter()
            .filter(|(_, info)| info.field_type == FieldType::Many2many && info.store)
            .filter_map(|(name, info)| {
                let comodel = info.relation.as_deref()?;
                kept.contains(comodel).then(|| ChildLink {
                    parent: comodel.to_owned(),
                    inverse: name.clone(),
                })
            })
            .collect();
        if !links.is_empty() {
            excluded.remove(&model);
            child_order.push(model.clone());
            child_links.insert(model, links);
        }
    }

    // Export order: company-scoped models, then children in discovery order, messages and
    // attachments last (they hang on everything else).
    plans.sort_by_key(|(model, rule)| {
        let rank = match rule {
            Rule::TheCompany => 0,
            Rule::RecordCompany => 3,
            Rule::Attachments => 4,
            _ => 1,
        };
        (rank, model.clone())
    });
    let (tail, head): (Vec<_>, Vec<_>) = plans
        .into_iter()
        .partition(|(_, rule)| matches!(rule, Rule::RecordCompany | Rule::Attachments));
    let ordered = head
        .into_iter()
        .chain(child_order.into_iter().map(|model| {
            let links = child_links.remove(&model).unwrap_or_default();
            (model, Rule::Children(links))
        }))
        .chain(tail);
    for (model, rule) in ordered {
        let fields = &fields_of[&model];
        discovery.models.push(plan_model(&model, rule, fields));
    }
    discovery.excluded = excluded
        .into_iter()
        .map(|(model, reason)| ExcludedModel { model, reason })
        .collect();
    Ok(discovery)
}

/// Installed models: name → transient.
async fn installed_models(client: &OdooClient) -> Result<HashMap<String, bool>, DiscoveryError> {
    let rows = client
        .search_read(
            "ir.model",
            &Domain::all(),
            &["model".to_owned(), "transient".to_owned()],
            &SearchOptions::ordered_by("id"),
        )
        .await
        .map_err(|error| DiscoveryError::Step("list the installed models (ir.model)", error))?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            Some((
                row.get("model")?.as_str()?.to_owned(),
                row.get("transient")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            ))
        })
        .collect())
}

/// Stored company fields: (model, field name, type).
async fn company_fields(
    client: &OdooClient,
) -> Result<Vec<(String, String, String)>, DiscoveryError> {
    let domain = Domain::leaf("relation", "=", "res.company")
        .and(Domain::leaf("store", "=", true))
        .and(Domain::leaf(
            "name",
            "in",
            json!(["company_id", "company_ids", "record_company_id"]),
        ));
    let rows = client
        .search_read(
            "ir.model.fields",
            &domain,
            &["model".to_owned(), "name".to_owned(), "ttype".to_owned()],
            &SearchOptions::ordered_by("id"),
        )
        .await
        .map_err(|error| {
            DiscoveryError::Step("list the company fields (ir.model.fields)", error)
        })?;
    let mut fields: Vec<(String, String, String)> = rows
        .iter()
        .filter_map(|row| {
            Some((
                row.get("model")?.as_str()?.to_owned(),
                row.get("name")?.as_str()?.to_owned(),
                row.get("ttype")?.as_str()?.to_owned(),
            ))
        })
        .collect();
    fields.sort();
    fields.dedup();
    Ok(fields)
}

async fn fields_of_models(
    client: &OdooClient,
    models: impl Iterator<Item = String>,
    optional_models: &[String],
    concurrency: usize,
    skipped: &mut Vec<(String, String)>,
) -> Result<BTreeMap<String, Fields>, DiscoveryError> {
    let results: Vec<(String, Result<Fields, OdooError>)> = futures::stream::iter(models)
        .map(|model| async move {
            let fields = client.fields_get(&model).await;
            (model, fields)
        })
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let mut found = BTreeMap::new();
    for (model, result) in results {
        match result {
            Ok(fields) => {
                found.insert(model, fields);
            }
            Err(error) if optional_models.contains(&model) => {
                skipped.push((model, error.to_string()))
            }
            Err(error) => return Err(DiscoveryError::Model(model, error)),
        }
    }
    Ok(found)
}

/// Whether a field is kept in the archive: stored; not related; not computed unless the user can
/// edit it (Odoo 18 computes many editable fields — order line prices and quantities, a
/// product's taxes — and stores what the user typed over the computed value); not a one2many
/// (the child's many2one holds the link); not denied.
pub(crate) fn exported_field(model: &str, name: &str, info: &FieldInfo) -> bool {
    if name == "id" {
        return true;
    }
    let computed_readonly = !info.depends.is_empty() && info.readonly;
    info.store
        && info.related.is_none()
        && !computed_readonly
        && info.field_type != FieldType::One2many
        && !DENIED_FIELDS
            .iter()
            .any(|(denied_model, field, _)| *denied_model == model && *field == name)
}

fn plan_model(model: &str, rule: Rule, fields: &Fields) -> ModelPlan {
    let mut plan = ModelPlan {
        model: model.to_owned(),
        rule,
        fields: vec!["id".to_owned()],
        binary_fields: Vec::new(),
        translated_fields: Vec::new(),
        relations: Vec::new(),
        has_write_date: fields.contains_key("write_date"),
    };
    for (name, info) in fields {
        if name == "id" || !exported_field(model, name, info) {
            continue;
        }
        if info.field_type.is_binary() {
            plan.binary_fields.push(name.clone());
            continue;
        }
        plan.fields.push(name.clone());
        if info.translate {
            plan.translated_fields.push(name.clone());
        }
        let kind = match info.field_type {
            FieldType::Many2one => RelationKind::Many2one,
            FieldType::Many2many => RelationKind::X2many,
            FieldType::Reference => RelationKind::Reference,
            _ => continue,
        };
        plan.relations.push(Relation {
            field: name.clone(),
            comodel: info.relation.clone().unwrap_or_default(),
            kind,
        });
    }
    // An attachment's content is the computed `datas` (its storage fields are denied above).
    if model == "ir.attachment" && fields.contains_key("datas") {
        plan.binary_fields.push("datas".to_owned());
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backup_tools_own_models_are_never_tenant_data() {
        for model in [
            "quelyos.backup",
            "quelyos.backup.schedule",
            "quelyos.backup.audit",
        ] {
            assert!(denied_reason(model).is_some(), "{model} must be denied");
        }
        assert!(denied_reason("res.partner").is_none());
    }

    fn field(json: Value) -> FieldInfo {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn editable_computed_fields_are_kept_and_derived_ones_are_not() {
        let price_unit = field(
            json!({"type": "float", "store": true, "readonly": false, "depends": ["product_id"]}),
        );
        let subtotal = field(
            json!({"type": "monetary", "store": true, "readonly": true, "depends": ["price_unit"]}),
        );
        let related = field(
            json!({"type": "many2one", "store": true, "readonly": true, "related": "order_id.company_id", "depends": ["order_id.company_id"]}),
        );
        let state =
            field(json!({"type": "selection", "store": true, "readonly": true, "depends": []}));
        let lines = field(
            json!({"type": "one2many", "store": true, "relation": "sale.order.line", "relation_field": "order_id"}),
        );
        assert!(exported_field("sale.order.line", "price_unit", &price_unit));
        assert!(!exported_field(
            "sale.order.line",
            "price_subtotal",
            &subtotal
        ));
        assert!(!exported_field("sale.order.line", "company_id", &related));
        assert!(exported_field("sale.order", "state", &state));
        assert!(!exported_field("sale.order", "order_line", &lines));
    }

    #[test]
    fn credentials_are_never_exported() {
        let secret = field(json!({"type": "char", "store": true}));
        assert!(!exported_field("res.users", "totp_secret", &secret));
        assert!(exported_field("res.users", "login", &secret));
    }

    #[test]
    fn a_messages_notified_partners_are_delivery_state_not_data() {
        let partners =
            field(json!({"type": "many2many", "store": true, "relation": "res.partner"}));
        assert!(!exported_field(
            "mail.message",
            "notified_partner_ids",
            &partners
        ));
        assert!(exported_field("mail.message", "partner_ids", &partners));
    }

    #[test]
    fn reports_mixins_and_queues_are_denied_with_a_reason() {
        for model in [
            "sale.report",
            "report.stock.quantity",
            "resource.mixin",
            "mail.mail",
            "bus.bus",
            "discuss.channel.rtc.session",
            "x_custom.report",
        ] {
            assert!(denied_reason(model).is_some(), "{model} not denied");
        }
        for model in [
            "sale.order",
            "res.partner",
            "account.account",
            "report_line.x",
        ] {
            assert!(denied_reason(model).is_none(), "{model} denied");
        }
    }
}

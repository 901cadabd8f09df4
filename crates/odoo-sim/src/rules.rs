//! Who may see and change what: the call's environment (user, companies from
//! `allowed_company_ids`), access rights per model and Odoo's multi-company record rules, with
//! Odoo 18's error messages.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use crate::compute;
use crate::error::OdooException;
use crate::registry::{Access, CompanyRule, Model, Registry};
use crate::state::{Database, Record};

/// The environment of one call: `env.uid`, `env.companies`, `env.company`, `env.context`.
pub struct Env {
    pub uid: i64,
    /// `env.companies`: `allowed_company_ids`, or all the user's companies.
    pub companies: Vec<i64>,
    /// `env.company`: the first allowed company, or the user's main company.
    pub company: i64,
    pub context: Map<String, Value>,
    /// `active_test` from the context (true unless set to false).
    pub active_test: bool,
    /// The context's language when it is not `en_US`: translatable fields are read and written
    /// in it.
    pub lang: Option<String>,
    user_name: String,
    user_companies: Vec<i64>,
    /// Partners of internal users: the partner rule always lets them through.
    internal_partners: HashSet<i64>,
}

impl Env {
    /// Builds the environment of a call by `uid` with `context`, refusing companies the user
    /// does not belong to as Odoo does.
    pub fn new(db: &Database, uid: i64, context: Map<String, Value>) -> Result<Env, OdooException> {
        let user = db.get("res.users", uid);
        let user_companies = user.map(|u| u.many2many("company_ids")).unwrap_or_default();
        let main_company = user.and_then(|u| u.many2one("company_id")).unwrap_or(1);
        let allowed: Vec<i64> = match context.get("allowed_company_ids") {
            Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_i64).collect(),
            _ => Vec::new(),
        };
        let allowed_given = matches!(context.get("allowed_company_ids"), Some(Value::Array(ids)) if !ids.is_empty());
        if allowed_given
            && (allowed.len()
                != context["allowed_company_ids"]
                    .as_array()
                    .map_or(0, Vec::len)
                || allowed.iter().any(|id| !user_companies.contains(id)))
        {
            return Err(OdooException::access_error(
                "Access to unauthorized or invalid companies.",
            ));
        }
        let (companies, company) = if allowed_given {
            (allowed.clone(), allowed[0])
        } else {
            (user_companies.clone(), main_company)
        };
        let active_test = context
            .get("active_test")
            .map(|value| !matches!(value, Value::Bool(false)))
            .unwrap_or(true);
        let lang = match context.get("lang").and_then(Value::as_str) {
            None | Some("en_US") => None,
            Some(code) if db.language_active(code) => Some(code.to_owned()),
            Some(code) => {
                return Err(OdooException::user_error(format!(
                    "Invalid language code: {code}"
                )));
            }
        };
        let internal_partners = db
            .table("res.users")
            .values()
            .filter(|u| u.flag("active") && !u.flag("share"))
            .filter_map(|u| u.many2one("partner_id"))
            .collect();
        let user_name = user
            .and_then(|u| u.many2one("partner_id"))
            .map(|p| compute::display_name(db, "res.partner", p))
            .unwrap_or_else(|| "unknown".into());
        Ok(Env {
            uid,
            companies,
            company,
            context,
            active_test,
            lang,
            user_name,
            user_companies,
            internal_partners,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Read,
    Write,
    Create,
    Unlink,
}

impl Operation {
    fn word(self) -> &'static str {
        match self {
            Operation::Read => "read",
            Operation::Write => "write",
            Operation::Create => "create",
            Operation::Unlink => "unlink",
        }
    }
}

/// `ir.model.access`: may the admin do `operation` on `model` at all?
pub fn check_model_access(model: &Model, operation: Operation) -> Result<(), OdooException> {
    let allowed = match model.behaviour.access {
        Access::Full => true,
        Access::ReadOnly => operation == Operation::Read,
        Access::Nothing => false,
    };
    if allowed {
        return Ok(());
    }
    let header = match operation {
        Operation::Read => "You are not allowed to access",
        Operation::Write => "You are not allowed to modify",
        Operation::Create => "You are not allowed to create",
        Operation::Unlink => "You are not allowed to delete",
    };
    Err(OdooException::access_error(format!(
        "{header} '{}' ({}) records.\n\nNo group currently allows this operation.\n\nContact your administrator to request access if necessary.",
        model.def.description,
        model.name()
    )))
}

/// The company a record belongs to for the record rules (`product.product` follows its
/// template).
pub fn rule_company(db: &Database, model: &str, record: &Record) -> Option<i64> {
    match model {
        "product.product" => record
            .many2one("product_tmpl_id")
            .and_then(|t| db.get("product.template", t))
            .and_then(|t| t.many2one("company_id")),
        "mail.message" => record.many2one("record_company_id"),
        _ => record.many2one("company_id"),
    }
}

/// Whether the record rules of `model` let `env` touch `record`.
pub fn allowed(db: &Database, env: &Env, model: &Model, record: &Record) -> bool {
    match model.behaviour.rule {
        CompanyRule::None => true,
        CompanyRule::CompanyField | CompanyRule::RecordCompany => {
            match rule_company(db, model.name(), record) {
                None => true,
                Some(company) => env.companies.contains(&company),
            }
        }
        CompanyRule::Partner => {
            let id = record.many2one("id").unwrap_or_default();
            env.internal_partners.contains(&id)
                || match record.many2one("company_id") {
                    None => true,
                    Some(company) => env.companies.contains(&company),
                }
        }
        CompanyRule::CompanyIds => record
            .many2many("company_ids")
            .iter()
            .any(|company| env.companies.contains(company)),
        CompanyRule::Attachment => attachment_allowed(db, env, record),
    }
}

/// An attachment is visible when it is public, unattached (the admin is a system user), or
/// attached to a document the user can read.
fn attachment_allowed(db: &Database, env: &Env, record: &Record) -> bool {
    if record.flag("public") {
        return true;
    }
    let res_id = record.many2one("res_id").unwrap_or(0);
    let res_model = record.text("res_model").unwrap_or_default();
    if res_id == 0 || res_model.is_empty() {
        return true;
    }
    let Some(document_model) = Registry::get().model(res_model) else {
        return true;
    };
    if check_model_access(document_model, Operation::Read).is_err() {
        return false;
    }
    db.get(res_model, res_id)
        .is_some_and(|document| allowed(db, env, document_model, document))
}

/// Whether a `mail.message` found by a search is shown: as Odoo's `_search` does, after the
/// limit, a message on a document the user may not read (or that is gone) is dropped, so a page
/// may be shorter than the limit while more messages follow.
pub fn message_document_visible(db: &Database, env: &Env, record: &Record) -> bool {
    let res_id = record.many2one("res_id").unwrap_or(0);
    let model = record.text("model").unwrap_or_default();
    if res_id == 0 || model.is_empty() {
        return true;
    }
    let Some(document_model) = Registry::get().model(model) else {
        return true;
    };
    db.get(model, res_id)
        .is_some_and(|document| allowed(db, env, document_model, document))
}

/// The `AccessError` a record rule raises for `forbidden` ids.
pub fn rule_error(
    db: &Database,
    env: &Env,
    model: &Model,
    operation: Operation,
    forbidden: &[i64],
) -> OdooException {
    let mut message = format!(
        "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\nSorry, {} (id={}) doesn't have '{}' access to:\n- {} ({})\n\nIf you really, really need access, perhaps you can win over your friendly administrator with a batch of freshly baked cookies.",
        env.user_name,
        env.uid,
        operation.word(),
        model.def.description,
        model.name()
    );
    let company_related = matches!(
        model.behaviour.rule,
        CompanyRule::CompanyField | CompanyRule::Partner | CompanyRule::CompanyIds
    );
    let mut context = Map::new();
    if company_related {
        let mut suggested: Vec<i64> = forbidden
            .iter()
            .take(6)
            .filter_map(|id| db.get(model.name(), *id))
            .filter_map(|record| match model.behaviour.rule {
                CompanyRule::CompanyIds => record
                    .many2many("company_ids")
                    .into_iter()
                    .find(|c| env.user_companies.contains(c)),
                _ => rule_company(db, model.name(), record),
            })
            .collect();
        suggested.sort_unstable();
        suggested.dedup();
        match suggested.as_slice() {
            [] => {}
            [single] if env.user_companies.contains(single) => {
                let name = compute::display_name(db, "res.company", *single);
                message.push_str(&format!(
                    "\n\nThis seems to be a multi-company issue, you might be able to access the record by switching to the company: {name}."
                ));
                context.insert(
                    "suggested_company".into(),
                    json!({"id": single, "display_name": name}),
                );
            }
            [_] => message.push_str(
                "\n\nThis seems to be a multi-company issue, but you do not have access to the proper company to access the record anyhow.",
            ),
            _ => message.push_str(
                "\n\nNote: this might be a multi-company issue. Switching company may help - in Odoo, not in real life!",
            ),
        }
    }
    OdooException::access_error(message).with_context(context)
}

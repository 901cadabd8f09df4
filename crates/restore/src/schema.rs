//! What the target database says about the archive's models: their fields, which of them a
//! restore writes (and why the others are not written), how a record proves it belongs to a
//! tenant, and the relations that order the writes — all from `fields_get`, so a module
//! installed later is handled without a code change.

use std::collections::{BTreeMap, BTreeSet};

use odoo_client::{FieldInfo, FieldType, Fields, FieldsGetOptions, OdooClient, OdooError};

/// Fields Odoo maintains itself: never written, never compared.
const AUDIT_FIELDS: &[&str] = &[
    "create_date",
    "create_uid",
    "write_date",
    "write_uid",
    "__last_update",
];

/// Fields that are the ORM's bookkeeping, not data: never written.
const TECHNICAL_FIELDS: &[&str] = &[
    "id",
    "display_name",
    // Maintained by Odoo for hierarchies (`_parent_store`); written, it would corrupt the tree.
    "parent_path",
    "website_message_ids",
];

/// Field name prefixes of the mail thread and activity mixins: followers, messages and
/// activities are records of their own (restored as such where they are tenant data).
const TECHNICAL_PREFIXES: &[&str] = &["message_", "activity_"];

/// Fields that are data but must never be moved back to an older value, with the reason.
/// Reviewed by hand: add to it when a module brings such a field, and say why.
pub const NEVER_RESTORED_FIELDS: &[(&str, &str, &str)] = &[
    // Which companies and groups a user may work with is access control, not tenant data: a
    // restore must never widen a user's reach into another tenant, and the main company's users
    // legitimately list other companies, which would otherwise make its archive look tampered.
    (
        "res.users",
        "company_ids",
        "access rights: the companies a user may work in are never restored",
    ),
    (
        "res.users",
        "groups_id",
        "access rights: a user's groups are never restored",
    ),
    (
        "ir.sequence",
        "number_next",
        "a sequence counter: moving it back would hand out again numbers used since the backup",
    ),
    (
        "ir.sequence.date_range",
        "number_next",
        "a sequence counter: moving it back would hand out again numbers used since the backup",
    ),
];

/// Why a field of the archive is not written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotWritten {
    /// `create_date`, `write_uid`...: Odoo maintains them.
    Audit,
    /// `id`, `display_name`, `parent_path`, mail-thread fields.
    Technical,
    /// A related field: its value is the related record's.
    Related,
    /// Read-only (computed, or set by Odoo's own workflow such as an order's `state`).
    Readonly,
    /// A workflow's `state` (an order's, an invoice's): Odoo's own buttons move it on, and a
    /// re-created record starts its workflow over (Odoo refuses to create a posted invoice).
    Workflow,
    /// The record's own reference, read-only for users (a transfer's `name`): given when the
    /// record is re-created, so that it keeps its number; never written to an existing record.
    Reference,
    /// A one2many: the children's many2one carries the link.
    One2many,
    /// A resized copy of an image: Odoo derives it from the full-size image.
    ResizedImage,
    /// In [`NEVER_RESTORED_FIELDS`] or the engine's denied fields.
    Denied,
    /// The field does not exist in this database.
    Unknown,
    /// Neither stored nor computed: nothing to restore.
    NotStored,
    /// Computed from another record and written back to it (a lead's `email_from` follows its
    /// partner's e-mail): writing it would change that other record, and Odoo would then
    /// recompute it on every record that follows the same one. Given when a record is
    /// re-created, never written to an existing record.
    FollowsOtherRecord,
}

impl NotWritten {
    pub fn describe(self) -> &'static str {
        match self {
            NotWritten::Audit => "audit field maintained by Odoo",
            NotWritten::Technical => "technical field maintained by Odoo",
            NotWritten::Related => "related field: its value is another record's",
            NotWritten::Readonly => "read-only field: computed or set by Odoo's own workflow",
            NotWritten::Workflow => {
                "workflow state: set by Odoo's own buttons, which a restore does not press"
            }
            NotWritten::Reference => {
                "the record's reference: given when it is re-created, never changed afterwards"
            }
            NotWritten::One2many => "one2many: restored through the children's many2one",
            NotWritten::ResizedImage => "resized image: derived from the full-size image",
            NotWritten::Denied => {
                "never restored (credential, access right, storage detail or counter)"
            }
            NotWritten::Unknown => "field not in this database",
            NotWritten::NotStored => "field neither stored nor computed",
            NotWritten::FollowsOtherRecord => {
                "computed from another record, which writing it would change too"
            }
        }
    }
}

/// How a record shows which company it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ownership {
    /// `res.company`: the record is the company.
    TheCompany,
    /// A stored many2one `company_id`.
    CompanyId,
    /// A stored many2many `company_ids` (`account.account`).
    CompanyIds,
    /// `mail.message`'s `record_company_id`.
    RecordCompany,
    /// No company field of its own: the records it points to through its many2one fields
    /// (its parents) tell.
    Inherited,
}

/// One field of a target model.
#[derive(Clone, Debug)]
pub(crate) struct FieldSchema {
    pub info: FieldInfo,
    /// For a many2one_reference: the char field that names the model of the id.
    pub model_field: Option<String>,
    /// `None` when the restore writes the field.
    pub not_written: Option<NotWritten>,
}

impl FieldSchema {
    pub fn is_written(&self) -> bool {
        self.not_written.is_none()
    }

    /// Whether the field is given when a record is re-created: the written fields, and the
    /// read-only ones Odoo requires at creation and never computes (a journal item's entry,
    /// `move_id`): read-only only means the user cannot change them afterwards, and without
    /// them the record cannot exist. They are never written to an existing record.
    pub fn is_given_on_create(&self) -> bool {
        self.is_written()
            || self.not_written == Some(NotWritten::FollowsOtherRecord)
            || self.not_written == Some(NotWritten::Reference)
            || (self.not_written == Some(NotWritten::Readonly)
                && self.info.required
                && self.info.store
                && self.info.depends.is_empty()
                && self.info.related.is_none())
    }

    pub fn comodel(&self) -> Option<&str> {
        self.info
            .relation
            .as_deref()
            .filter(|name| !name.is_empty())
    }
}

/// A target model as the restore sees it.
#[derive(Clone, Debug)]
pub(crate) struct ModelSchema {
    pub model: String,
    pub fields: BTreeMap<String, FieldSchema>,
    pub ownership: Ownership,
    /// many2one_reference fields with their model field (`res_id` → `res_model`).
    pub attached_by: Vec<(String, String)>,
}

impl ModelSchema {
    pub fn field(&self, name: &str) -> Option<&FieldSchema> {
        self.fields.get(name)
    }

    /// Fields written on restore.
    pub fn written_fields(&self) -> impl Iterator<Item = (&String, &FieldSchema)> {
        self.fields.iter().filter(|(_, field)| field.is_written())
    }

    /// Fields given when a record is re-created.
    pub fn create_fields(&self) -> impl Iterator<Item = (&String, &FieldSchema)> {
        self.fields
            .iter()
            .filter(|(_, field)| field.is_given_on_create())
    }

    /// The stored fields through which a record of this model can belong to a record of
    /// `archive_models`: every stored many2one except the audit and company fields, and, for a
    /// linked model (`backup_engine::LINKED_MODELS`), its stored many2many fields too.
    pub fn parent_links<'a>(
        &'a self,
        archive_models: &'a BTreeSet<String>,
    ) -> impl Iterator<Item = (&'a String, &'a str)> + 'a {
        let linked = backup_engine::linked_model(&self.model);
        self.fields.iter().filter_map(move |(name, field)| {
            let comodel = field.comodel()?;
            let kind = &field.info.field_type;
            let candidate = (*kind == FieldType::Many2one
                || (linked && *kind == FieldType::Many2many))
                && field.info.store
                && !AUDIT_FIELDS.contains(&name.as_str())
                && comodel != "res.company"
                && archive_models.contains(comodel);
            candidate.then_some((name, comodel))
        })
    }

    /// The field holding the company, for reading a record's current owner.
    pub fn has_field(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }
}

/// Reads the schema of `model` from the target database.
pub(crate) async fn model_schema(
    client: &OdooClient,
    model: &str,
) -> Result<ModelSchema, OdooError> {
    let options = FieldsGetOptions { model_field: true };
    Ok(build_schema(
        model,
        client.fields_get_with(model, &options).await?,
    ))
}

fn build_schema(model: &str, infos: Fields) -> ModelSchema {
    let has_full_image = infos.contains_key("image_1920");
    let mut fields = BTreeMap::new();
    let mut attached_by = Vec::new();
    let names: BTreeSet<String> = infos.keys().cloned().collect();
    for (name, info) in infos {
        let mut model_field = info.model_field.clone();
        if info.field_type == FieldType::Many2oneReference && model_field.is_none() {
            // Servers that do not report `model_field`: Odoo's own models name it so
            // (`ir.attachment.res_model`, `mail.message.model`).
            model_field = ["res_model", "model"]
                .into_iter()
                .find(|candidate| *candidate != name && names.contains(*candidate))
                .map(str::to_owned);
        }
        if info.field_type == FieldType::Many2oneReference
            && info.store
            && let Some(model_field) = &model_field
        {
            attached_by.push((name.clone(), model_field.clone()));
        }
        let not_written = not_written(model, &name, &info, has_full_image);
        fields.insert(
            name,
            FieldSchema {
                info,
                model_field,
                not_written,
            },
        );
    }
    let own_company_field = |name: &str, kind: FieldType| {
        fields.get(name).is_some_and(|field: &FieldSchema| {
            field.info.field_type == kind
                && field.info.store
                && field.info.related.is_none()
                && field.comodel() == Some("res.company")
        })
    };
    let ownership = if model == "res.company" {
        Ownership::TheCompany
    } else if own_company_field("company_id", FieldType::Many2one) {
        Ownership::CompanyId
    } else if own_company_field("company_ids", FieldType::Many2many) {
        Ownership::CompanyIds
    } else if own_company_field("record_company_id", FieldType::Many2one) {
        Ownership::RecordCompany
    } else {
        Ownership::Inherited
    };
    ModelSchema {
        model: model.to_owned(),
        fields,
        ownership,
        attached_by,
    }
}

/// Why the restore does not write a field, or `None` when it does.
fn not_written(
    model: &str,
    name: &str,
    info: &FieldInfo,
    has_full_image: bool,
) -> Option<NotWritten> {
    if AUDIT_FIELDS.contains(&name) {
        return Some(NotWritten::Audit);
    }
    if TECHNICAL_FIELDS.contains(&name)
        || TECHNICAL_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
    {
        return Some(NotWritten::Technical);
    }
    let denied = NEVER_RESTORED_FIELDS
        .iter()
        .chain(backup_engine::DENIED_FIELDS)
        .any(|(denied_model, field, _)| *denied_model == model && *field == name);
    if denied {
        return Some(NotWritten::Denied);
    }
    if info.related.is_some() {
        return Some(NotWritten::Related);
    }
    if info.readonly && name == "state" && info.field_type == FieldType::Selection {
        return Some(NotWritten::Workflow);
    }
    if info.readonly && is_reference(name, info) {
        return Some(NotWritten::Reference);
    }
    if info.readonly {
        return Some(NotWritten::Readonly);
    }
    if info.field_type == FieldType::One2many {
        return Some(NotWritten::One2many);
    }
    if has_full_image && info.field_type.is_binary() && is_resized_image(name) {
        return Some(NotWritten::ResizedImage);
    }
    // A field that is neither stored nor computed holds nothing; a computed one that is not
    // read-only has an inverse (an attachment's `datas`) and is written.
    if !info.store && info.depends.is_empty() {
        return Some(NotWritten::NotStored);
    }
    if info.store && info.depends.iter().any(|path| path.contains('.')) {
        return Some(NotWritten::FollowsOtherRecord);
    }
    None
}

/// A record's own reference that Odoo numbers when the record is created without one (a
/// transfer's `WH/OUT/00042`): read-only for users, given when the record is re-created.
fn is_reference(name: &str, info: &FieldInfo) -> bool {
    name == "name"
        && info.field_type == FieldType::Char
        && info.store
        && info.depends.is_empty()
        && info.related.is_none()
}

/// `image_128`, `image_variant_512`...: the smaller copies Odoo makes of a full-size image.
fn is_resized_image(name: &str) -> bool {
    let Some(size) = name.rsplit('_').next() else {
        return false;
    };
    name.starts_with("image_") && matches!(size, "1024" | "512" | "256" | "128")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn schema(model: &str, fields: Value) -> ModelSchema {
        build_schema(model, serde_json::from_value(fields).unwrap())
    }

    #[test]
    fn only_entered_fields_are_written() {
        let order = schema(
            "sale.order",
            json!({
                "name": {"type": "char", "store": true},
                "state": {"type": "selection", "store": true, "readonly": true},
                "amount_total": {"type": "monetary", "store": true, "readonly": true, "depends": ["order_line"]},
                "partner_invoice_id": {"type": "many2one", "relation": "res.partner", "store": true, "depends": ["partner_id"]},
                "order_line": {"type": "one2many", "relation": "sale.order.line", "store": true},
                "company_id": {"type": "many2one", "relation": "res.company", "store": true},
                "create_uid": {"type": "many2one", "relation": "res.users", "store": true, "readonly": true},
                "message_follower_ids": {"type": "one2many", "relation": "mail.followers", "store": true},
                "currency_id": {"type": "many2one", "relation": "res.currency", "store": true, "related": "pricelist_id.currency_id"},
            }),
        );
        let written: Vec<&str> = order
            .written_fields()
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(written, ["company_id", "name", "partner_invoice_id"]);
        assert_eq!(order.ownership, Ownership::CompanyId);
        assert_eq!(
            order.fields["state"].not_written,
            Some(NotWritten::Workflow)
        );
        assert!(
            !order.fields["state"].is_given_on_create(),
            "a re-created order starts its workflow over"
        );
    }

    #[test]
    fn resized_images_and_counters_are_never_written() {
        let partner = schema(
            "res.partner",
            json!({
                "image_1920": {"type": "binary", "store": true},
                "image_128": {"type": "binary", "store": true},
            }),
        );
        assert!(partner.fields["image_1920"].is_written());
        assert_eq!(
            partner.fields["image_128"].not_written,
            Some(NotWritten::ResizedImage)
        );
        let sequence = schema(
            "ir.sequence",
            json!({"number_next": {"type": "integer", "store": false, "depends": ["number_next_actual"]}}),
        );
        assert_eq!(
            sequence.fields["number_next"].not_written,
            Some(NotWritten::Denied)
        );
    }

    #[test]
    fn ownership_follows_the_company_fields() {
        let line = schema(
            "sale.order.line",
            json!({
                "order_id": {"type": "many2one", "relation": "sale.order", "store": true},
                "company_id": {"type": "many2one", "relation": "res.company", "store": true, "related": "order_id.company_id"},
                "create_uid": {"type": "many2one", "relation": "res.users", "store": true},
            }),
        );
        assert_eq!(line.ownership, Ownership::Inherited);
        let archive_models: BTreeSet<String> =
            ["sale.order".to_owned(), "res.users".to_owned()].into();
        let links: Vec<&String> = line
            .parent_links(&archive_models)
            .map(|(name, _)| name)
            .collect();
        assert_eq!(links, ["order_id"]);
        let account = schema(
            "account.account",
            json!({"company_ids": {"type": "many2many", "relation": "res.company", "store": true}}),
        );
        assert_eq!(account.ownership, Ownership::CompanyIds);
    }
}

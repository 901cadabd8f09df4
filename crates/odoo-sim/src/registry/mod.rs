//! The models the simulator knows: their fields as `fields_get` describes them, and how each one
//! behaves (company rule, access rights, display name, order).
//!
//! The field metadata is data captured from a real Odoo 18 (`catalog/odoo18/`, one file per
//! model, read by `catalog.rs`); the behaviour below is what the ORM and the record rules of that
//! Odoo do with those models.

mod addon;
mod catalog;
mod odoo19;

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::{Map, Value, json};

/// Odoo's field types (`ttype`), as far as the simulated models use them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Char,
    Text,
    Html,
    Integer,
    Float,
    Monetary,
    Boolean,
    Date,
    Datetime,
    Selection,
    Binary,
    Many2one,
    One2many,
    Many2many,
    Many2oneReference,
    Reference,
}

impl FieldKind {
    /// The name Odoo gives the type in `fields_get` and `ir.model.fields.ttype`.
    pub fn odoo_name(self) -> &'static str {
        match self {
            FieldKind::Char => "char",
            FieldKind::Text => "text",
            FieldKind::Html => "html",
            FieldKind::Integer => "integer",
            FieldKind::Float => "float",
            FieldKind::Monetary => "monetary",
            FieldKind::Boolean => "boolean",
            FieldKind::Date => "date",
            FieldKind::Datetime => "datetime",
            FieldKind::Selection => "selection",
            FieldKind::Binary => "binary",
            FieldKind::Many2one => "many2one",
            FieldKind::One2many => "one2many",
            FieldKind::Many2many => "many2many",
            FieldKind::Many2oneReference => "many2one_reference",
            FieldKind::Reference => "reference",
        }
    }

    /// The type `fields_get` names `type`; `None` for one the simulator does not know.
    pub fn from_odoo_name(name: &str) -> Option<FieldKind> {
        const ALL: [FieldKind; 16] = [
            FieldKind::Char,
            FieldKind::Text,
            FieldKind::Html,
            FieldKind::Integer,
            FieldKind::Float,
            FieldKind::Monetary,
            FieldKind::Boolean,
            FieldKind::Date,
            FieldKind::Datetime,
            FieldKind::Selection,
            FieldKind::Binary,
            FieldKind::Many2one,
            FieldKind::One2many,
            FieldKind::Many2many,
            FieldKind::Many2oneReference,
            FieldKind::Reference,
        ];
        ALL.into_iter().find(|kind| kind.odoo_name() == name)
    }

    pub fn is_x2many(self) -> bool {
        matches!(self, FieldKind::One2many | FieldKind::Many2many)
    }
}

/// One field of a model, with the attributes `fields_get` reports and `index` from
/// `ir.model.fields`.
#[derive(Debug)]
pub struct FieldDef {
    pub name: &'static str,
    pub kind: FieldKind,
    pub string: &'static str,
    pub relation: Option<&'static str>,
    pub relation_field: Option<&'static str>,
    pub required: bool,
    pub readonly: bool,
    pub store: bool,
    pub company_dependent: bool,
    pub sortable: bool,
    pub groupable: bool,
    pub searchable: bool,
    pub index: bool,
    /// The dotted path of a related field.
    pub related: Option<&'static str>,
    /// What a computed field depends on; empty for plain fields.
    pub depends: &'static [&'static str],
    /// Present (as Odoo does) only on char, text and html fields.
    pub translate: Option<bool>,
    pub selection: Option<&'static [(&'static str, &'static str)]>,
    /// Decimal places a float field keeps (`digits=(16, 2)`): Odoo rounds what is written.
    pub digits: Option<u32>,
}

impl FieldDef {
    /// Computed or related: the value is derived by the ORM, never entered.
    pub fn is_computed(&self) -> bool {
        self.related.is_some() || !self.depends.is_empty()
    }

    /// Image fields and their resized copies live in `ir.attachment` rows (`res_field` set),
    /// not in the model's own table.
    pub fn in_attachment(&self) -> bool {
        self.kind == FieldKind::Binary && self.store
    }

    /// The resized copies of `image_1920` (`image_1024` ... `image_128`), regenerated whenever
    /// `image_1920` is written.
    pub fn is_resized_image(&self) -> bool {
        self.kind == FieldKind::Binary && self.related == Some("image_1920")
    }

    /// The attributes `fields_get` returns for this field, in Odoo's names.
    pub fn describe(&self, attributes: Option<&[String]>) -> Map<String, Value> {
        let mut all = Map::new();
        all.insert("change_default".into(), json!(false));
        all.insert("company_dependent".into(), json!(self.company_dependent));
        all.insert("depends".into(), json!(self.depends));
        all.insert("exportable".into(), json!(true));
        all.insert("groupable".into(), json!(self.groupable));
        all.insert("manual".into(), json!(false));
        all.insert("name".into(), json!(self.name));
        all.insert("readonly".into(), json!(self.readonly));
        all.insert("required".into(), json!(self.required));
        all.insert("searchable".into(), json!(self.searchable));
        all.insert("sortable".into(), json!(self.sortable));
        all.insert("store".into(), json!(self.store));
        all.insert("string".into(), json!(self.string));
        all.insert("type".into(), json!(self.kind.odoo_name()));
        if let Some(relation) = self.relation {
            all.insert("relation".into(), json!(relation));
            if self.kind == FieldKind::Many2one || self.kind.is_x2many() {
                all.insert("context".into(), json!({}));
                all.insert("domain".into(), json!([]));
            }
        }
        if let Some(relation_field) = self.relation_field {
            all.insert("relation_field".into(), json!(relation_field));
        }
        if let Some(related) = self.related {
            all.insert("related".into(), json!(related));
        }
        if let Some(translate) = self.translate {
            all.insert("translate".into(), json!(translate));
        }
        if let Some(selection) = self.selection {
            let pairs: Vec<Value> = selection.iter().map(|(k, v)| json!([k, v])).collect();
            all.insert("selection".into(), Value::Array(pairs));
        }
        match attributes {
            None => all,
            Some(wanted) => all
                .into_iter()
                .filter(|(key, _)| wanted.iter().any(|w| w == key))
                .collect(),
        }
    }
}

/// One model, as `ir.model` and `fields_get` describe it.
#[derive(Debug)]
pub struct ModelDef {
    pub name: &'static str,
    pub description: &'static str,
    pub transient: bool,
    pub modules: &'static str,
    /// The model's `_order`, used when a search gives none.
    pub order: &'static str,
    pub fields: &'static [FieldDef],
}

/// Which records of a model a user may see, as the model's multi-company record rule says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompanyRule {
    /// No company rule (shared data, or rights derived elsewhere).
    None,
    /// `['|', ('company_id', '=', False), ('company_id', 'in', company_ids)]`.
    CompanyField,
    /// `res.partner`: like `CompanyField`, but partners of internal users are always visible.
    Partner,
    /// `account.account`: `[('company_ids', 'in', company_ids)]`.
    CompanyIds,
    /// `ir.attachment`: visible when the document it is attached to is.
    Attachment,
    /// `mail.message`: `record_company_id` false or allowed.
    RecordCompany,
}

/// What the admin user may do with a model (its `ir.model.access` rows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Full,
    /// SQL-view reports: read only.
    ReadOnly,
    /// Abstract mixins: no access at all.
    Nothing,
}

/// How the simulator treats a model beyond its field list.
#[derive(Clone, Copy, Debug)]
pub struct Behaviour {
    pub rule: CompanyRule,
    pub access: Access,
    /// The field that names a record (`_rec_name`).
    pub rec_name: Option<&'static str>,
    /// Creating a record without `company_id` stamps the current company (`env.company`).
    pub default_company: bool,
    /// Abstract models are listed in `ir.model` but have no table.
    pub is_abstract: bool,
}

fn behaviour_of(model: &str) -> Behaviour {
    let mut behaviour = Behaviour {
        rule: CompanyRule::None,
        access: Access::Full,
        rec_name: Some("name"),
        default_company: false,
        is_abstract: false,
    };
    match model {
        "res.partner" => {
            behaviour.rule = CompanyRule::Partner;
            behaviour.rec_name = Some("complete_name");
        }
        "product.template"
        | "product.pricelist"
        | "stock.location"
        | "stock.quant"
        | "sale.order.line"
        | "account.move.line"
        | "product.pricelist.item" => {
            behaviour.rule = CompanyRule::CompanyField;
        }
        "sale.order"
        | "account.move"
        | "crm.lead"
        | "stock.warehouse"
        | "account.tax"
        | "account.journal"
        | "sale.advance.payment.inv" => {
            behaviour.rule = CompanyRule::CompanyField;
            behaviour.default_company = true;
        }
        "sale.report" => {
            behaviour.rule = CompanyRule::CompanyField;
            behaviour.access = Access::ReadOnly;
        }
        "account.account" => behaviour.rule = CompanyRule::CompanyIds,
        "ir.attachment" => {
            behaviour.rule = CompanyRule::Attachment;
            behaviour.default_company = true;
        }
        "mail.message" => {
            behaviour.rule = CompanyRule::RecordCompany;
            behaviour.rec_name = Some("subject");
        }
        "resource.mixin" => {
            behaviour.access = Access::Nothing;
            behaviour.is_abstract = true;
            behaviour.rec_name = None;
        }
        "res.users" => {
            behaviour.rule = CompanyRule::None;
        }
        "ir.model" | "ir.model.fields" | "ir.model.data" => {}
        "res.currency"
        | "res.country"
        | "res.lang"
        | "uom.uom"
        | "uom.category"
        | "product.category"
        | "crm.stage"
        | "res.partner.category"
        | "res.company" => {}
        "product.product" => behaviour.rule = CompanyRule::CompanyField,
        // The addon defines no record rule: its models are for administrators, who see every
        // tenant's backups and schedules.
        "quelyos.backup" => behaviour.rec_name = Some("file_name"),
        "quelyos.backup.schedule" => behaviour.rec_name = None,
        "quelyos.backup.audit" => behaviour.rec_name = Some("backup_ref"),
        _ => {}
    }
    if model == "ir.model.data" {
        behaviour.rec_name = Some("name");
    }
    if model == "ir.model" {
        behaviour.rec_name = Some("name");
    }
    behaviour
}

/// A model with its fields indexed by name.
pub struct Model {
    pub def: &'static ModelDef,
    pub behaviour: Behaviour,
    by_name: HashMap<&'static str, &'static FieldDef>,
}

impl Model {
    pub fn name(&self) -> &'static str {
        self.def.name
    }

    pub fn field(&self, name: &str) -> Option<&'static FieldDef> {
        self.by_name.get(name).copied()
    }

    pub fn fields(&self) -> &'static [FieldDef] {
        self.def.fields
    }

    pub fn has_field(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// Models with an `active` field hide archived rows unless told not to.
    pub fn has_active(&self) -> bool {
        self.has_field("active")
    }
}

/// Every simulated model, by name.
pub struct Registry {
    models: HashMap<&'static str, Model>,
    names: Vec<&'static str>,
    /// Models of modules a database has only once they are installed, to their module.
    optional: HashMap<&'static str, &'static str>,
}

impl Registry {
    /// What the models only Odoo 19 has are filed under instead of a module.
    pub const ODOO19: &'static str = odoo19::RELEASE;

    /// The registry is immutable and shared by every simulator in the process.
    pub fn get() -> &'static Registry {
        static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
            let mut models = HashMap::new();
            let mut names = Vec::new();
            let mut optional = HashMap::new();
            for def in catalog::models() {
                if addon::MODELS.contains(&def.name) {
                    optional.insert(def.name, addon::MODULE);
                }
                if odoo19::MODELS.contains(&def.name) {
                    optional.insert(def.name, odoo19::RELEASE);
                }
                let by_name = def.fields.iter().map(|field| (field.name, field)).collect();
                models.insert(
                    def.name,
                    Model {
                        def,
                        behaviour: behaviour_of(def.name),
                        by_name,
                    },
                );
                names.push(def.name);
            }
            names.sort_unstable();
            Registry {
                models,
                names,
                optional,
            }
        });
        &REGISTRY
    }

    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.get(name)
    }

    /// The module a model comes from when a database has it only once that module is installed
    /// (the backup addon's models, and Odoo 19's under [`Registry::ODOO19`]); `None` for the
    /// models every database has.
    pub fn optional_module(&self, name: &str) -> Option<&'static str> {
        self.optional.get(name).copied()
    }

    /// Model names in alphabetical order, optional ones included.
    pub fn model_names(&self) -> &[&'static str] {
        &self.names
    }

    /// The many2one fields that are the inverse of some one2many: the ORM keeps an index of
    /// them so that reading `order_line` does not scan every line.
    pub fn inverse_fields(&self) -> Vec<(&'static str, &'static str)> {
        let mut pairs = Vec::new();
        for model in self.models.values() {
            for field in model.fields() {
                if let (FieldKind::One2many, Some(comodel), Some(inverse)) =
                    (field.kind, field.relation, field.relation_field)
                {
                    let comodel = self.models.get(comodel).map(|m| m.def.name);
                    if let Some(comodel) = comodel
                        && let Some(inverse) = self.models[comodel].field(inverse)
                        && inverse.kind == FieldKind::Many2one
                    {
                        pairs.push((comodel, inverse.name));
                    }
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }
}

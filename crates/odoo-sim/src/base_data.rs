//! The records a fresh Odoo 18 database starts with: main company, admin user, currencies (EUR
//! inactive), a few countries, units of measure, product categories, CRM stages, shared stock
//! locations, and the metadata models (`ir.model`, `ir.model.fields`, `ir.model.data`) kept
//! consistent with the registry. Ids follow a real database where it is cheap to (USD is 1,
//! EUR 125, France 75, admin is user 2 with partner 3).

use serde_json::{Value, json};

use crate::SimConfig;
use crate::compute;
use crate::registry::Registry;
use crate::state::{Database, Record};

/// The admin's display name (the demo database's).
pub const ADMIN_NAME: &str = "Mitchell Admin";

fn put(db: &mut Database, model: &'static str, id: i64, values: Value, xmlid: Option<&str>) {
    let mut record = Record::default();
    let definition = Registry::get()
        .model(model)
        .expect("base data model is registered");
    if let Value::Object(values) = values {
        for (name, value) in values {
            let field = definition
                .field(&name)
                .unwrap_or_else(|| panic!("base data: unknown field {model}.{name}"));
            record.put(field.name, value);
        }
    }
    compute::fill_defaults(db, model, &mut record, None);
    db.insert_with_id(model, id, record);
    compute::after_change(db, model, &[id], None);
    if let Some(xmlid) = xmlid {
        add_external_id(db, xmlid, model, id, true);
    }
}

/// Adds an `ir.model.data` row naming a record.
pub fn add_external_id(
    db: &mut Database,
    full_name: &str,
    model: &str,
    res_id: i64,
    noupdate: bool,
) {
    let (module, name) = full_name
        .split_once('.')
        .expect("external ids are module.name");
    let mut record = Record::default();
    record.put("module", json!(module));
    record.put("name", json!(name));
    record.put("model", json!(model));
    record.put("res_id", json!(res_id));
    record.put("noupdate", json!(noupdate));
    record.put("complete_name", json!(full_name));
    compute::fill_defaults(db, "ir.model.data", &mut record, None);
    db.insert("ir.model.data", record);
}

pub fn load(db: &mut Database, config: &SimConfig) {
    db.database_uuid = "6f1a3c52-0d7e-4b8e-9a51-5d0c0de0b5ee".into();
    put(
        db,
        "res.currency",
        1,
        json!({"name": "USD", "full_name": "United States dollar", "symbol": "$", "position": "before", "rounding": 0.01, "decimal_places": 2, "active": true}),
        Some("base.USD"),
    );
    put(
        db,
        "res.currency",
        125,
        json!({"name": "EUR", "full_name": "Euro", "symbol": "€", "position": "after", "rounding": 0.01, "decimal_places": 2, "active": false}),
        Some("base.EUR"),
    );
    for (id, code, name, currency) in [
        (20, "BE", "Belgium", 125),
        (57, "DE", "Germany", 125),
        (75, "FR", "France", 125),
        (233, "US", "United States", 1),
    ] {
        let xmlid = format!("base.{}", code.to_lowercase());
        put(
            db,
            "res.country",
            id,
            json!({"name": name, "code": code, "currency_id": currency, "phone_code": 0}),
            Some(&xmlid),
        );
    }
    // Only English is active, as in a new database; tests activate French.
    for (id, code, name, active) in [
        (1, "en_US", "English (US)", true),
        (29, "fr_FR", "French / Français", false),
        (30, "de_DE", "German / Deutsch", false),
    ] {
        put(
            db,
            "res.lang",
            id,
            json!({"name": name, "code": code, "iso_code": &code[..2], "url_code": &code[..2], "active": active, "direction": "ltr"}),
            Some(&format!(
                "base.lang_{}",
                if code == "en_US" { "en" } else { &code[..2] }
            )),
        );
    }

    put(
        db,
        "res.partner",
        1,
        json!({"name": "My Company", "is_company": true, "company_id": false, "country_id": 233, "email": "info@yourcompany.com"}),
        Some("base.main_partner"),
    );
    put(
        db,
        "res.partner",
        2,
        json!({"name": "OdooBot", "active": false, "company_id": false}),
        Some("base.partner_root"),
    );
    put(
        db,
        "res.partner",
        3,
        json!({"name": ADMIN_NAME, "company_id": false, "email": "admin@yourcompany.example.com"}),
        Some("base.partner_admin"),
    );
    put(
        db,
        "res.company",
        1,
        json!({"name": "My Company", "partner_id": 1, "currency_id": 1, "sequence": 0, "country_id": 233, "active": true}),
        Some("base.main_company"),
    );
    put(
        db,
        "res.users",
        1,
        json!({"login": "__system__", "name": "OdooBot", "partner_id": 2, "company_id": 1, "company_ids": [1], "active": false, "share": false}),
        Some("base.user_root"),
    );
    put(
        db,
        "res.users",
        2,
        json!({"login": config.login, "name": ADMIN_NAME, "partner_id": 3, "company_id": 1, "company_ids": [1], "active": true, "share": false}),
        Some("base.user_admin"),
    );
    db.passwords
        .insert(config.login.clone(), (2, config.password.clone()));
    db.api_keys.insert(config.api_key.clone(), 2);

    put(
        db,
        "uom.category",
        1,
        json!({"name": "Unit"}),
        Some("uom.product_uom_categ_unit"),
    );
    put(
        db,
        "uom.category",
        2,
        json!({"name": "Weight"}),
        Some("uom.product_uom_categ_kgm"),
    );
    put(
        db,
        "uom.uom",
        1,
        json!({"name": "Units", "category_id": 1, "factor": 1.0, "rounding": 0.01, "uom_type": "reference"}),
        Some("uom.product_uom_unit"),
    );
    put(
        db,
        "uom.uom",
        2,
        json!({"name": "Dozens", "category_id": 1, "factor": 1.0 / 12.0, "rounding": 0.01, "uom_type": "bigger"}),
        Some("uom.product_uom_dozen"),
    );
    put(
        db,
        "uom.uom",
        3,
        json!({"name": "kg", "category_id": 2, "factor": 1.0, "rounding": 0.01, "uom_type": "reference"}),
        Some("uom.product_uom_kgm"),
    );

    put(
        db,
        "product.category",
        1,
        json!({"name": "All"}),
        Some("product.product_category_all"),
    );
    put(
        db,
        "product.category",
        2,
        json!({"name": "Saleable", "parent_id": 1}),
        Some("product.product_category_1"),
    );

    for (id, name, sequence, is_won) in [
        (1, "New", 1, false),
        (2, "Qualified", 2, false),
        (3, "Proposition", 3, false),
        (4, "Won", 70, true),
    ] {
        let xmlid = format!("crm.stage_lead{id}");
        put(
            db,
            "crm.stage",
            id,
            json!({"name": name, "sequence": sequence, "is_won": is_won, "fold": is_won}),
            Some(&xmlid),
        );
    }

    put(
        db,
        "stock.location",
        1,
        json!({"name": "Physical Locations", "usage": "view", "company_id": false}),
        Some("stock.stock_location_locations"),
    );
    put(
        db,
        "stock.location",
        2,
        json!({"name": "Partners", "usage": "view", "company_id": false}),
        Some("stock.stock_location_locations_partner"),
    );
    put(
        db,
        "stock.location",
        3,
        json!({"name": "Customers", "usage": "customer", "location_id": 2, "company_id": false}),
        Some("stock.stock_location_customers"),
    );
    put(
        db,
        "stock.location",
        4,
        json!({"name": "Vendors", "usage": "supplier", "location_id": 2, "company_id": false}),
        Some("stock.stock_location_suppliers"),
    );
    // What tools read to tell databases apart, as Odoo keeps it.
    let uuid = db.database_uuid.clone();
    put(
        db,
        "ir.config_parameter",
        1,
        json!({"key": "database.uuid", "value": uuid}),
        None,
    );
    for (id, name) in [
        "base", "web", "mail", "product", "sale", "stock", "account", "crm",
    ]
    .into_iter()
    .enumerate()
    {
        put(
            db,
            "ir.module.module",
            id as i64 + 1,
            json!({"name": name, "state": "installed", "latest_version": format!("18.0.1.{id}")}),
            None,
        );
    }

    load_metadata(db);
}

/// `ir.model` and `ir.model.fields` rows for every registered model, with their external ids
/// (`base.model_res_partner`, `base.field_res_partner__name`).
fn load_metadata(db: &mut Database) {
    let registry = Registry::get();
    for name in registry.model_names() {
        if registry.optional_module(name).is_none() {
            load_model_metadata(db, name);
        }
    }
}

/// Installs an optional module: its `ir.module.module` row and the metadata of its models.
pub(crate) fn install_module(db: &mut Database, module: &str) {
    let mut record = Record::default();
    record.put("name", json!(module));
    record.put("state", json!("installed"));
    record.put("latest_version", json!("18.0.1.0.0"));
    compute::fill_defaults(db, "ir.module.module", &mut record, None);
    db.insert("ir.module.module", record);
    load_models_of(db, module);
}

/// The metadata of the models filed under `module` in the registry.
pub(crate) fn load_models_of(db: &mut Database, module: &str) {
    let registry = Registry::get();
    for name in registry.model_names() {
        if registry.optional_module(name) == Some(module) {
            load_model_metadata(db, name);
        }
    }
}

/// The `ir.model` row of one model and the `ir.model.fields` rows of its fields.
fn load_model_metadata(db: &mut Database, name: &str) {
    let registry = Registry::get();
    {
        let model = registry.model(name).expect("listed model");
        let def = model.def;
        let module = def.modules.split(", ").next().unwrap_or("base").to_owned();
        let info = if model.behaviour.is_abstract {
            " The base model, which is implicitly inherited by all models. "
        } else if def.transient {
            " Model super-class for transient records, meant to be temporarily\n    persistent, and regularly vacuum-cleaned.\n    "
        } else {
            " Main super-class for regular database-persisted Odoo models.\n    "
        };
        let mut record = Record::default();
        record.put("model", json!(def.name));
        record.put("name", json!(def.description));
        record.put("transient", json!(def.transient));
        record.put("state", json!("base"));
        record.put("modules", json!(def.modules));
        record.put("info", json!(info));
        record.put("order", json!(def.order));
        compute::fill_defaults(db, "ir.model", &mut record, None);
        let model_id = db.insert("ir.model", record);
        let xml_name = def.name.replace('.', "_");
        add_external_id(
            db,
            &format!("{module}.model_{xml_name}"),
            "ir.model",
            model_id,
            false,
        );
        for field in def.fields {
            let mut row = Record::default();
            row.put("model", json!(def.name));
            row.put("model_id", json!(model_id));
            row.put("name", json!(field.name));
            row.put("field_description", json!(field.string));
            row.put("ttype", json!(field.kind.odoo_name()));
            row.put(
                "relation",
                field
                    .relation
                    .map(Value::from)
                    .unwrap_or(Value::Bool(false)),
            );
            row.put(
                "relation_field",
                field
                    .relation_field
                    .map(Value::from)
                    .unwrap_or(Value::Bool(false)),
            );
            row.put("store", json!(field.store));
            row.put("readonly", json!(field.readonly));
            row.put("required", json!(field.required));
            // Like Odoo, `compute` and `depends` are only filled for fields defined in the
            // database (manual fields); code-defined computed fields leave them empty.
            row.put("compute", Value::Bool(false));
            row.put("depends", Value::Bool(false));
            row.put(
                "related",
                field.related.map(Value::from).unwrap_or(Value::Bool(false)),
            );
            row.put("company_dependent", json!(field.company_dependent));
            row.put("state", json!("base"));
            row.put("translate", json!(field.translate.unwrap_or(false)));
            row.put("index", json!(field.index));
            compute::fill_defaults(db, "ir.model.fields", &mut row, None);
            let field_id = db.insert("ir.model.fields", row);
            add_external_id(
                db,
                &format!("{module}.field_{xml_name}__{}", field.name),
                "ir.model.fields",
                field_id,
                false,
            );
        }
    }
}

//! Derived values: defaults on create, stored computed and related fields kept up to date after
//! a change, non-stored fields computed on read, display names, and image fields kept in
//! `ir.attachment`.
//!
//! Only the computations a backup/restore can observe are modelled: order and invoice totals,
//! related company fields on lines, complete names, variants of a new template. Resized images
//! (`image_1024` ... `image_128`) keep the bytes of `image_1920`: the simulator does not resize.

use std::borrow::Cow;

use base64::Engine;
use serde_json::{Value, json};

use crate::registry::{FieldDef, FieldKind, Model, Registry};
use crate::rules::Env;
use crate::state::{Database, Record};

/// The fields regenerated from `image_1920` when it is written.
pub const RESIZED_IMAGES: &[&str] = &["image_1024", "image_512", "image_256", "image_128"];

/// A field's value as the domain evaluator and the reader see it, in storage form: many2one as
/// an id or `false`, x2many as a list of ids, binaries as base64 or `false`.
pub fn domain_value<'a>(
    db: &'a Database,
    model: &Model,
    record: &'a Record,
    field: &FieldDef,
) -> Cow<'a, Value> {
    if field.kind == FieldKind::One2many {
        return Cow::Owned(json!(one2many_ids(db, model, record, field)));
    }
    if field.in_attachment() {
        let id = record.many2one("id").unwrap_or_default();
        return Cow::Owned(
            db.binary(model.name(), id, field.name)
                .map(Value::from)
                .unwrap_or(Value::Bool(false)),
        );
    }
    if model.name() == "res.partner" && field.name == "partner_share" {
        return Cow::Owned(Value::Bool(partner_share(db, record)));
    }
    if field.store {
        return match record.get(field.name) {
            Some(value) => Cow::Borrowed(value),
            None => Cow::Owned(Value::Bool(false)),
        };
    }
    Cow::Owned(computed_value(db, model, record, field))
}

/// `partner_share`: false for the partner of an active internal user, true for every other
/// partner (customers, company partners). Derived on the fly, so it follows user changes.
fn partner_share(db: &Database, partner: &Record) -> bool {
    let id = partner.many2one("id").unwrap_or_default();
    let users = db
        .children("res.users", "partner_id", id)
        .unwrap_or_default();
    !users.iter().any(|user| {
        db.get("res.users", *user)
            .is_some_and(|user| user.flag("active") && !user.flag("share"))
    })
}

/// The ids a one2many holds: the co-model's records whose inverse many2one points here.
pub fn one2many_ids(db: &Database, model: &Model, record: &Record, field: &FieldDef) -> Vec<i64> {
    let (Some(comodel), Some(inverse)) = (field.relation, field.relation_field) else {
        return Vec::new();
    };
    let id = record.many2one("id").unwrap_or_default();
    let mut ids = match db.children(comodel, inverse, id) {
        Some(ids) => ids,
        None => db
            .table(comodel)
            .values()
            .filter(|child| child.many2one(inverse) == Some(id))
            .filter_map(|child| child.many2one("id"))
            .collect(),
    };
    // `invoice_line_ids` is the product lines of `line_ids`.
    if model.name() == "account.move" && field.name == "invoice_line_ids" {
        ids.retain(|line| {
            db.get("account.move.line", *line).is_some_and(|line| {
                matches!(
                    line.text("display_type"),
                    Some("product" | "line_section" | "line_note")
                )
            })
        });
    }
    ids
}

/// A non-stored field's value.
pub fn computed_value(db: &Database, model: &Model, record: &Record, field: &FieldDef) -> Value {
    let id = record.many2one("id").unwrap_or_default();
    if field.name == "display_name" {
        return Value::from(display_name(db, model.name(), id));
    }
    if let Some(path) = field.related {
        return related_value(db, model, record, path);
    }
    match (model.name(), field.name) {
        ("product.template", "currency_id") => {
            let company = record.many2one("company_id").unwrap_or(1);
            db.get("res.company", company)
                .and_then(|c| c.get("currency_id").cloned())
                .unwrap_or(Value::Bool(false))
        }
        ("product.template", "product_variant_count") => {
            let variants = db.children("product.product", "product_tmpl_id", id);
            Value::from(variants.map(|v| v.len()).unwrap_or(0))
        }
        ("product.template", "standard_price" | "barcode") => {
            let variants = db
                .children("product.product", "product_tmpl_id", id)
                .unwrap_or_default();
            let value = match variants.as_slice() {
                [single] => db
                    .get("product.product", *single)
                    .and_then(|v| v.get(field.name)),
                _ => None,
            };
            value.cloned().unwrap_or(if field.name == "standard_price" {
                json!(0.0)
            } else {
                Value::Bool(false)
            })
        }
        ("product.product", "lst_price") => record
            .many2one("product_tmpl_id")
            .and_then(|t| db.get("product.template", t))
            .and_then(|t| t.get("list_price").cloned())
            .unwrap_or(json!(0.0)),
        ("product.product", "image_1920") => db
            .binary("product.product", id, "image_variant_1920")
            .or_else(|| {
                let template = record.many2one("product_tmpl_id")?;
                db.binary("product.template", template, "image_1920")
            })
            .map(Value::from)
            .unwrap_or(Value::Bool(false)),
        ("account.account", "code") => record
            .get("code_store")
            .cloned()
            .unwrap_or(Value::Bool(false)),
        ("ir.attachment", "datas") => record.get("datas").cloned().unwrap_or(Value::Bool(false)),
        ("ir.model", "modules") => record.get("modules").cloned().unwrap_or(Value::Bool(false)),
        _ => match field.kind {
            FieldKind::Integer => json!(0),
            FieldKind::Float | FieldKind::Monetary => json!(0.0),
            FieldKind::One2many | FieldKind::Many2many => json!([]),
            _ => Value::Bool(false),
        },
    }
}

fn related_value(db: &Database, model: &Model, record: &Record, path: &str) -> Value {
    let registry = Registry::get();
    let mut current_model = model;
    let mut current: Cow<'_, Record> = Cow::Borrowed(record);
    let parts: Vec<&str> = path.split('.').collect();
    for (position, part) in parts.iter().enumerate() {
        let Some(field) = current_model.field(part) else {
            return Value::Bool(false);
        };
        let value = domain_value(db, current_model, &current, field).into_owned();
        if position + 1 == parts.len() {
            return value;
        }
        let Some(next_id) = value.as_i64() else {
            return Value::Bool(false);
        };
        let Some(next_model) = field.relation.and_then(|r| registry.model(r)) else {
            return Value::Bool(false);
        };
        let Some(next) = db.get(next_model.name(), next_id) else {
            return Value::Bool(false);
        };
        current = Cow::Owned(next.clone());
        current_model = next_model;
    }
    Value::Bool(false)
}

/// A record's `display_name`, as Odoo 18 computes it for the simulated models.
pub fn display_name(db: &Database, model: &str, id: i64) -> String {
    let Some(record) = db.get(model, id) else {
        return String::new();
    };
    let text = |field: &str| record.text(field).unwrap_or_default().to_owned();
    let with_code = |code: Option<&str>, name: String| match code {
        Some(code) if !code.is_empty() => format!("[{code}] {name}"),
        _ => name,
    };
    match model {
        "res.partner" => {
            let complete = text("complete_name");
            if complete.is_empty() {
                text("name")
            } else {
                complete
            }
        }
        "product.template" => with_code(record.text("default_code"), text("name")),
        "product.product" => {
            let name = record
                .many2one("product_tmpl_id")
                .and_then(|t| db.get("product.template", t))
                .and_then(|t| t.text("name"))
                .unwrap_or_default()
                .to_owned();
            with_code(record.text("default_code"), name)
        }
        "account.account" => format!("{} {}", text("code_store"), text("name"))
            .trim()
            .to_owned(),
        "product.category" | "stock.location" => {
            let complete = text("complete_name");
            if complete.is_empty() {
                text("name")
            } else {
                complete
            }
        }
        "sale.order.line" => {
            let order = record
                .many2one("order_id")
                .and_then(|o| db.get("sale.order", o))
                .and_then(|o| o.text("name"))
                .unwrap_or_default();
            let first_line = text("name").lines().next().unwrap_or_default().to_owned();
            format!("{order} - {first_line}")
        }
        "account.move.line" => {
            let name = text("name");
            if name.is_empty() {
                record
                    .many2one("move_id")
                    .and_then(|m| db.get("account.move", m))
                    .and_then(|m| m.text("name"))
                    .unwrap_or_default()
                    .to_owned()
            } else {
                name
            }
        }
        "stock.quant" => record
            .many2one("location_id")
            .map(|l| display_name(db, "stock.location", l))
            .unwrap_or_default(),
        "ir.model.data" => format!("{}.{}", text("module"), text("name")),
        "ir.model.fields" => format!("{} ({})", text("field_description"), text("model")),
        "mail.message" => text("subject"),
        "resource.mixin" => String::new(),
        _ => {
            let rec_name = Registry::get()
                .model(model)
                .and_then(|m| m.behaviour.rec_name)
                .unwrap_or("name");
            match record.get(rec_name) {
                Some(Value::String(name)) => name.clone(),
                _ => format!("{model},{id}"),
            }
        }
    }
}

/// Fills what Odoo fills on create when the caller leaves it out.
pub fn fill_defaults(db: &mut Database, model: &str, record: &mut Record, env: Option<&Env>) {
    let registry = Registry::get();
    let Some(definition) = registry.model(model) else {
        return;
    };
    let uid = env.map(|env| env.uid).unwrap_or(1);
    let company = env.map(|env| env.company).unwrap_or(1);
    let now = db.now();
    // A macro rather than a closure: the defaults below also read `record`.
    macro_rules! default {
        ($field:expr, $value:expr) => {
            set_default(definition, record, $field, $value)
        };
    }
    default!("create_date", Value::from(now.clone()));
    default!("write_date", Value::from(now.clone()));
    default!("create_uid", Value::from(uid));
    default!("write_uid", Value::from(uid));
    default!("active", Value::Bool(true));
    if definition.behaviour.default_company {
        default!("company_id", Value::from(company));
    }
    match model {
        "res.partner" => {
            default!("type", json!("contact"));
            default!("is_company", json!(false));
            default!("lang", json!("en_US"));
        }
        "product.template" => {
            let unit = db
                .resolve_external_id("uom.product_uom_unit")
                .map(|(_, id)| id);
            let category = db
                .resolve_external_id("product.product_category_all")
                .map(|(_, id)| id);
            default!("type", json!("consu"));
            default!("sale_ok", json!(true));
            default!("purchase_ok", json!(true));
            default!("list_price", json!(1.0));
            if let Some(unit) = unit {
                default!("uom_id", json!(unit));
            }
            if let Some(category) = category {
                default!("categ_id", json!(category));
            }
            let uom = record.get("uom_id").cloned();
            if let Some(uom) = uom {
                default!("uom_po_id", uom);
            }
        }
        "sale.order" => {
            let number = db.table("sale.order").len() + 1;
            default!("name", json!(format!("S{number:05}")));
            default!("state", json!("draft"));
            default!("date_order", Value::from(now.clone()));
            default!("user_id", json!(uid));
            let currency = company_currency(db, record.many2one("company_id").unwrap_or(company));
            default!("currency_id", currency);
        }
        "sale.order.line" => {
            default!("product_uom_qty", json!(1.0));
            default!("sequence", json!(10));
            default!("price_unit", json!(0.0));
            default!("discount", json!(0.0));
            if let Some(product) = record.many2one("product_id") {
                let name = display_name(db, "product.product", product);
                let uom = db
                    .get("product.product", product)
                    .and_then(|p| p.many2one("product_tmpl_id"))
                    .and_then(|t| db.get("product.template", t))
                    .and_then(|t| t.get("uom_id").cloned());
                default!("name", json!(name));
                if let Some(uom) = uom {
                    default!("product_uom", uom);
                }
            }
        }
        "account.move" => {
            default!("state", json!("draft"));
            default!("move_type", json!("entry"));
            default!("name", json!("/"));
            default!("date", json!(&now[..10]));
            let currency = company_currency(db, record.many2one("company_id").unwrap_or(company));
            default!("currency_id", currency);
        }
        "quelyos.backup" => {
            default!("origin", json!("manual"));
            default!("status", json!("pending"));
        }
        "quelyos.backup.schedule" => {
            default!("frequency", json!("daily"));
            default!("hour", json!(2));
            default!("minute", json!(0));
            default!("day_of_month", json!(1));
            default!("retention_count", json!(7));
            default!("last_status", json!("never"));
            // `_compute_tz`: the tenant's partner's time zone, else Europe/Paris.
            let tz = record
                .many2one("company_id")
                .and_then(|company| db.get("res.company", company))
                .and_then(|company| company.many2one("partner_id"))
                .and_then(|partner| db.get("res.partner", partner))
                .and_then(|partner| partner.text("tz").map(str::to_owned))
                .filter(|tz| !tz.is_empty())
                .unwrap_or_else(|| "Europe/Paris".to_owned());
            default!("tz", json!(tz));
        }
        "quelyos.backup.audit" => {
            default!("date", Value::from(now.clone()));
            default!("user_id", json!(uid));
        }
        "account.move.line" => {
            default!("display_type", json!("product"));
            default!("debit", json!(0.0));
            default!("credit", json!(0.0));
            default!("quantity", json!(1.0));
        }
        "crm.lead" => {
            default!("type", json!("lead"));
            default!("priority", json!("0"));
            default!("probability", json!(10.0));
        }
        "stock.location" => default!("usage", json!("internal")),
        "stock.quant" => {
            default!("reserved_quantity", json!(0.0));
            default!("quantity", json!(0.0));
        }
        "ir.attachment" => {
            default!("type", json!("binary"));
            default!("res_id", json!(0));
            default!("public", json!(false));
        }
        "mail.message" => {
            default!("message_type", json!("comment"));
            default!("date", Value::from(now.clone()));
        }
        "res.currency" => {
            default!("rounding", json!(0.01));
            default!("position", json!("after"));
        }
        "account.account" => default!("reconcile", json!(false)),
        _ => {}
    }
}

fn set_default(definition: &Model, record: &mut Record, field: &'static str, value: Value) {
    if definition.has_field(field) && record.get(field).is_none() {
        record.put(field, value);
    }
}

fn company_currency(db: &Database, company: i64) -> Value {
    db.get("res.company", company)
        .and_then(|c| c.get("currency_id").cloned())
        .unwrap_or(Value::Bool(false))
}

/// Runs what Odoo runs once after creating a record: a product template gets its variant.
pub fn after_create(db: &mut Database, model: &str, id: i64, env: Option<&Env>) {
    if model == "product.template"
        && db
            .children("product.product", "product_tmpl_id", id)
            .is_none_or(|variants| variants.is_empty())
    {
        let template = db.get(model, id).cloned().unwrap_or_default();
        let mut variant = Record::default();
        variant.put("product_tmpl_id", json!(id));
        variant.put(
            "active",
            template.get("active").cloned().unwrap_or(json!(true)),
        );
        if let Some(code) = template.get("default_code") {
            variant.put("default_code", code.clone());
        }
        variant.put("combination_indices", json!(""));
        variant.put("standard_price", json!(0.0));
        fill_defaults(db, "product.product", &mut variant, env);
        db.insert("product.product", variant);
    }
}

/// Brings stored computed and related fields up to date after `ids` of `model` changed, and
/// those of the records that depend on them (lines on their order, orders on their lines).
pub fn after_change(db: &mut Database, model: &str, ids: &[i64], env: Option<&Env>) {
    let _ = env;
    match model {
        "res.partner" => {
            for id in ids {
                refresh_partner(db, *id);
                for child in db
                    .children("res.partner", "parent_id", *id)
                    .unwrap_or_default()
                {
                    refresh_partner(db, child);
                }
            }
        }
        "product.category" | "stock.location" => {
            let model = if model == "product.category" {
                "product.category"
            } else {
                "stock.location"
            };
            for id in ids {
                refresh_complete_name(db, model, *id);
            }
        }
        "sale.order.line" => {
            let mut orders = Vec::new();
            for id in ids {
                refresh_sale_line(db, *id);
                if let Some(order) = db.get(model, *id).and_then(|l| l.many2one("order_id")) {
                    orders.push(order);
                }
            }
            orders.sort_unstable();
            orders.dedup();
            for order in orders {
                refresh_sale_order(db, order);
            }
        }
        "sale.order" => {
            for id in ids {
                for line in db
                    .children("sale.order.line", "order_id", *id)
                    .unwrap_or_default()
                {
                    refresh_sale_line(db, line);
                }
                refresh_sale_order(db, *id);
            }
        }
        "account.move.line" => {
            let mut moves = Vec::new();
            for id in ids {
                refresh_move_line(db, *id);
                if let Some(mv) = db.get(model, *id).and_then(|l| l.many2one("move_id")) {
                    moves.push(mv);
                }
            }
            moves.sort_unstable();
            moves.dedup();
            for mv in moves {
                refresh_move(db, mv);
            }
        }
        "account.move" => {
            for id in ids {
                for line in db
                    .children("account.move.line", "move_id", *id)
                    .unwrap_or_default()
                {
                    refresh_move_line(db, line);
                }
                refresh_move(db, *id);
            }
        }
        "product.pricelist.item" => {
            for id in ids {
                copy_from_parent(
                    db,
                    "product.pricelist.item",
                    *id,
                    "pricelist_id",
                    "product.pricelist",
                    &[("company_id", "company_id"), ("currency_id", "currency_id")],
                );
            }
        }
        "product.pricelist" => {
            for id in ids {
                for item in db
                    .children("product.pricelist.item", "pricelist_id", *id)
                    .unwrap_or_default()
                {
                    copy_from_parent(
                        db,
                        "product.pricelist.item",
                        item,
                        "pricelist_id",
                        "product.pricelist",
                        &[("company_id", "company_id"), ("currency_id", "currency_id")],
                    );
                }
            }
        }
        "stock.quant" => {
            for id in ids {
                copy_from_parent(
                    db,
                    "stock.quant",
                    *id,
                    "location_id",
                    "stock.location",
                    &[("company_id", "company_id")],
                );
            }
        }
        "product.template" => {
            // The template's default_code is its single variant's.
            for id in ids {
                let code = db
                    .get(model, *id)
                    .and_then(|t| t.get("default_code").cloned());
                let variants = db
                    .children("product.product", "product_tmpl_id", *id)
                    .unwrap_or_default();
                if let ([single], Some(code)) = (variants.as_slice(), code) {
                    db.set("product.product", *single, "default_code", code);
                }
                // A variant's write_date is computed from its template's (Odoo 18's
                // product.product._compute_write_date): writing a template moves them all.
                if let Some(written) = db
                    .get(model, *id)
                    .and_then(|t| t.get("write_date").cloned())
                {
                    for variant in variants {
                        db.set("product.product", variant, "write_date", written.clone());
                    }
                }
            }
        }
        _ => {}
    }
}

fn copy_from_parent(
    db: &mut Database,
    model: &'static str,
    id: i64,
    link: &str,
    parent_model: &str,
    pairs: &[(&'static str, &str)],
) {
    let Some(parent) = db.get(model, id).and_then(|r| r.many2one(link)) else {
        return;
    };
    let values: Vec<(&'static str, Value)> = pairs
        .iter()
        .map(|(target, source)| {
            let value = db
                .get(parent_model, parent)
                .and_then(|p| p.get(source).cloned())
                .unwrap_or(Value::Bool(false));
            (*target, value)
        })
        .collect();
    for (field, value) in values {
        db.set(model, id, field, value);
    }
}

fn refresh_partner(db: &mut Database, id: i64) {
    let Some(partner) = db.get("res.partner", id) else {
        return;
    };
    let name = partner.text("name").unwrap_or_default().to_owned();
    let is_company = partner.flag("is_company");
    let parent = partner.many2one("parent_id");
    let complete = match parent {
        Some(parent) if !is_company => {
            let parent_name = db
                .get("res.partner", parent)
                .and_then(|p| p.text("name"))
                .unwrap_or_default();
            if name.is_empty() {
                parent_name.to_owned()
            } else {
                format!("{parent_name}, {name}")
            }
        }
        _ => name,
    };
    // The commercial entity: the topmost company up the parent chain, or the partner itself.
    let mut commercial = id;
    let mut current = id;
    let mut guard = 0;
    while let Some(record) = db.get("res.partner", current) {
        if record.flag("is_company") {
            commercial = current;
            break;
        }
        match record.many2one("parent_id") {
            Some(next) if guard < 32 => {
                current = next;
                commercial = next;
                guard += 1;
            }
            _ => break,
        }
    }
    db.set("res.partner", id, "complete_name", json!(complete));
    db.set(
        "res.partner",
        id,
        "commercial_partner_id",
        json!(commercial),
    );
}

fn refresh_complete_name(db: &mut Database, model: &'static str, id: i64) {
    let Some(record) = db.get(model, id) else {
        return;
    };
    let name = record.text("name").unwrap_or_default().to_owned();
    let complete = match record
        .many2one("location_id")
        .or_else(|| record.many2one("parent_id"))
    {
        Some(parent) => {
            let parent_record = db.get(model, parent);
            let parent_name = parent_record
                .and_then(|p| p.text("complete_name").or_else(|| p.text("name")))
                .unwrap_or_default();
            let separator = if model == "product.category" {
                " / "
            } else {
                "/"
            };
            format!("{parent_name}{separator}{name}")
        }
        None => name,
    };
    db.set(model, id, "complete_name", json!(complete));
}

fn tax_rate(db: &Database, taxes: &[i64]) -> f64 {
    taxes
        .iter()
        .filter_map(|tax| db.get("account.tax", *tax))
        .filter(|tax| tax.text("amount_type").unwrap_or("percent") == "percent")
        .map(|tax| tax.number("amount"))
        .sum::<f64>()
        / 100.0
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn refresh_sale_line(db: &mut Database, id: i64) {
    let Some(line) = db.get("sale.order.line", id) else {
        return;
    };
    let subtotal = round2(
        line.number("product_uom_qty")
            * line.number("price_unit")
            * (1.0 - line.number("discount") / 100.0),
    );
    let total = round2(subtotal * (1.0 + tax_rate(db, &line.many2many("tax_id"))));
    db.set("sale.order.line", id, "price_subtotal", json!(subtotal));
    db.set("sale.order.line", id, "price_total", json!(total));
    copy_from_parent(
        db,
        "sale.order.line",
        id,
        "order_id",
        "sale.order",
        &[
            ("company_id", "company_id"),
            ("currency_id", "currency_id"),
            ("order_partner_id", "partner_id"),
            ("state", "state"),
        ],
    );
    sync_sale_report(db, id);
}

/// `sale.report` is an SQL view over order lines: one row per line, same id.
fn sync_sale_report(db: &mut Database, line_id: i64) {
    let Some(line) = db.get("sale.order.line", line_id).cloned() else {
        db.remove("sale.report", line_id);
        return;
    };
    let order = line
        .many2one("order_id")
        .and_then(|o| db.get("sale.order", o))
        .cloned()
        .unwrap_or_default();
    let mut row = Record::default();
    row.put(
        "name",
        order.get("name").cloned().unwrap_or(Value::Bool(false)),
    );
    row.put(
        "date",
        order
            .get("date_order")
            .cloned()
            .unwrap_or(Value::Bool(false)),
    );
    row.put(
        "partner_id",
        order
            .get("partner_id")
            .cloned()
            .unwrap_or(Value::Bool(false)),
    );
    row.put(
        "company_id",
        order
            .get("company_id")
            .cloned()
            .unwrap_or(Value::Bool(false)),
    );
    row.put(
        "state",
        order.get("state").cloned().unwrap_or(Value::Bool(false)),
    );
    row.put(
        "product_id",
        line.get("product_id")
            .cloned()
            .unwrap_or(Value::Bool(false)),
    );
    row.put(
        "product_uom_qty",
        line.get("product_uom_qty").cloned().unwrap_or(json!(0.0)),
    );
    row.put(
        "price_total",
        line.get("price_total").cloned().unwrap_or(json!(0.0)),
    );
    row.put(
        "order_reference",
        json!(format!(
            "sale.order,{}",
            order.many2one("id").unwrap_or_default()
        )),
    );
    db.remove("sale.report", line_id);
    db.insert_with_id("sale.report", line_id, row);
}

/// Removes the report row of a deleted order line.
pub fn forget_sale_line(db: &mut Database, line_id: i64) {
    db.remove("sale.report", line_id);
}

fn refresh_sale_order(db: &mut Database, id: i64) {
    let lines = db
        .children("sale.order.line", "order_id", id)
        .unwrap_or_default();
    let (mut untaxed, mut total) = (0.0, 0.0);
    for line in &lines {
        if let Some(line) = db.get("sale.order.line", *line) {
            untaxed += line.number("price_subtotal");
            total += line.number("price_total");
        }
    }
    db.set("sale.order", id, "amount_untaxed", json!(round2(untaxed)));
    db.set(
        "sale.order",
        id,
        "amount_tax",
        json!(round2(total - untaxed)),
    );
    db.set("sale.order", id, "amount_total", json!(round2(total)));
    for line in lines {
        sync_sale_report(db, line);
    }
}

fn refresh_move_line(db: &mut Database, id: i64) {
    let Some(line) = db.get("account.move.line", id) else {
        return;
    };
    let balance = round2(line.number("debit") - line.number("credit"));
    let subtotal = round2(line.number("quantity") * line.number("price_unit"));
    db.set("account.move.line", id, "balance", json!(balance));
    db.set("account.move.line", id, "price_subtotal", json!(subtotal));
    if db
        .get("account.move.line", id)
        .and_then(|l| l.get("amount_currency"))
        .is_none()
    {
        db.set("account.move.line", id, "amount_currency", json!(balance));
    }
    copy_from_parent(
        db,
        "account.move.line",
        id,
        "move_id",
        "account.move",
        &[
            ("company_id", "company_id"),
            ("date", "date"),
            ("currency_id", "currency_id"),
        ],
    );
}

fn refresh_move(db: &mut Database, id: i64) {
    let lines = db
        .children("account.move.line", "move_id", id)
        .unwrap_or_default();
    let (mut untaxed, mut tax) = (0.0, 0.0);
    for line in lines {
        if let Some(line) = db.get("account.move.line", line) {
            match line.text("display_type") {
                Some("product") => untaxed += line.number("price_subtotal"),
                Some("tax") => tax += line.number("balance").abs(),
                _ => {}
            }
        }
    }
    db.set("account.move", id, "amount_untaxed", json!(round2(untaxed)));
    db.set("account.move", id, "amount_tax", json!(round2(tax)));
    db.set(
        "account.move",
        id,
        "amount_total",
        json!(round2(untaxed + tax)),
    );
}

/// Stores (or clears) an attachment-backed binary field. Writing `image_1920` rewrites its
/// resized copies with the same bytes.
pub fn write_binary(
    db: &mut Database,
    model: &'static str,
    id: i64,
    field: &'static str,
    value: &Value,
    env: Option<&Env>,
) {
    let definition = Registry::get().model(model).expect("registered model");
    let mut targets = vec![field];
    if field == "image_1920" {
        targets.extend(
            RESIZED_IMAGES
                .iter()
                .filter_map(|name| definition.field(name).map(|f| f.name)),
        );
    }
    let content = match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        _ => None,
    };
    let company = match env {
        Some(env) => Some(env.company),
        None => db.get(model, id).and_then(|r| r.many2one("company_id")),
    };
    for target in targets {
        let existing = db.field_attachment(model, target, id);
        match (&content, existing) {
            (None, Some(attachment)) => {
                db.remove("ir.attachment", attachment);
            }
            (None, None) => {}
            (Some(content), Some(attachment)) => {
                for (name, value) in attachment_content(content) {
                    db.set("ir.attachment", attachment, name, value);
                }
            }
            (Some(content), None) => {
                let mut record = Record::default();
                record.put("name", json!(target));
                record.put("res_model", json!(model));
                record.put("res_field", json!(target));
                record.put("res_id", json!(id));
                record.put(
                    "company_id",
                    company.map(Value::from).unwrap_or(Value::Bool(false)),
                );
                for (name, value) in attachment_content(content) {
                    record.put(name, value);
                }
                fill_defaults(db, "ir.attachment", &mut record, env);
                db.insert("ir.attachment", record);
            }
        }
    }
}

/// The fields Odoo derives from an attachment's content: size, sha1 checksum, filestore path,
/// guessed mimetype.
pub fn attachment_content(base64_content: &str) -> Vec<(&'static str, Value)> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64_content.as_bytes())
        .unwrap_or_default();
    let checksum = sha1_smol::Sha1::from(&bytes).digest().to_string();
    let mimetype = guess_mimetype(&bytes);
    vec![
        ("datas", json!(base64_content)),
        ("file_size", json!(bytes.len())),
        (
            "store_fname",
            json!(format!("{}/{}", &checksum[..2], checksum)),
        ),
        ("checksum", json!(checksum)),
        ("mimetype", json!(mimetype)),
    ]
}

fn guess_mimetype(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        "image/jpeg"
    } else if bytes.starts_with(b"%PDF-") {
        "application/pdf"
    } else if bytes.is_empty() || std::str::from_utf8(bytes).is_ok() {
        "text/plain"
    } else {
        "application/octet-stream"
    }
}

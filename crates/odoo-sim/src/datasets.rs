//! Generated shop tenants: a company with its warehouse, customers, catalogue (with images),
//! pricelist, taxes, chart of accounts, sale orders, CRM leads, invoices, stock and files —
//! deterministic from a seed, sized from about 150 to 100,000 records.
//!
//! Like a real Odoo database, a few avatar attachments of the tenant's partners are stamped
//! with the main company (`company_id` = 1) although they belong to the tenant, and shared
//! records (countries, currencies, units, product categories, partner tags) stay company-less.

use base64::Engine;
use serde_json::{Value, json};

use crate::base_data::add_external_id;
use crate::state::Database;

/// How big a tenant is, in records with its company.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TenantSize {
    /// About 150 records.
    Small,
    /// About 3,000 records.
    Medium,
    /// About 100,000 records.
    Large,
    /// About this many records.
    Records(usize),
}

impl TenantSize {
    fn target(self) -> usize {
        match self {
            TenantSize::Small => 150,
            TenantSize::Medium => 3_000,
            TenantSize::Large => 100_000,
            TenantSize::Records(count) => count.max(60),
        }
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct TenantSpec {
    pub name: String,
    pub size: TenantSize,
    /// Product and partner images (small PNGs stored as `ir.attachment` rows with `res_field`).
    pub with_images: bool,
    pub seed: u64,
}

impl TenantSpec {
    /// A tenant with images.
    pub fn new(name: impl Into<String>, size: TenantSize, seed: u64) -> Self {
        TenantSpec {
            name: name.into(),
            size,
            with_images: true,
            seed,
        }
    }
}

/// What was generated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantInfo {
    pub company_id: i64,
    pub name: String,
    /// Records with this company across all tenant models, children (lines, variants,
    /// attachments of its records, whatever company they are stamped with) included.
    pub record_count: usize,
}

/// SplitMix64: a stable generator, so that a seed gives the same tenant on every version.
struct Generator(u64);

impl Generator {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn price(&mut self, low: u64, high: u64) -> f64 {
        let cents = low * 100 + self.next() % ((high - low) * 100).max(1);
        cents as f64 / 100.0
    }
}

const FIRST_NAMES: &[&str] = &[
    "Claire", "Emma", "Louis", "Hugo", "Chloé", "Jules", "Léa", "Arthur", "Manon", "Paul",
    "Camille", "Nathan", "Inès", "Lucas", "Zoé", "Gabriel",
];
const LAST_NAMES: &[&str] = &[
    "Leroy", "Dubois", "Martin", "Bernard", "Petit", "Durand", "Moreau", "Laurent", "Simon",
    "Michel", "Garcia", "Roux", "Fournier", "Girard",
];
const CITIES: &[(&str, &str)] = &[
    ("Paris", "75001"),
    ("Lyon", "69002"),
    ("Lille", "59000"),
    ("Nantes", "44000"),
    ("Bordeaux", "33000"),
    ("Marseille", "13001"),
];
const PRODUCT_WORDS: &[&str] = &[
    "Shirt", "Jacket", "Sneakers", "Cap", "Bag", "Scarf", "Jersey", "Shorts", "Socks", "Hoodie",
];
const PRODUCT_ADJECTIVES: &[&str] = &[
    "Classic", "Pro", "Light", "Winter", "Summer", "Urban", "Trail", "Slim", "Organic",
];

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// "2024-MM-DD" spread over a year.
fn date_in_2024(generator: &mut Generator) -> String {
    crate::clock::date_text(19_723 + generator.below(360) as i64)
}

/// The three shared partner tags, created once per database.
fn shared_tags(db: &mut Database) -> Vec<i64> {
    let existing = db.ids("res.partner.category");
    if !existing.is_empty() {
        return existing;
    }
    ["VIP", "Wholesale", "Retail"]
        .iter()
        .map(|name| {
            let id = db.insert_raw("res.partner.category", json!({"name": name, "color": 1}));
            add_external_id(
                db,
                &format!("__sim__.partner_tag_{}", name.to_lowercase()),
                "res.partner.category",
                id,
                false,
            );
            id
        })
        .collect()
}

/// Adds a generated shop tenant. Deterministic: the same spec on the same database state gives
/// the same records.
pub fn add_shop_tenant(db: &mut Database, spec: &TenantSpec) -> TenantInfo {
    let mut generator = Generator(spec.seed ^ 0x5EED);
    // One "unit" of tenant is about 150 records (170 with images).
    let per_unit = if spec.with_images { 175.0 } else { 155.0 };
    let units = (spec.size.target() as f64 / per_unit).max(0.4);
    let scaled = |per_unit: f64| ((per_unit * units).round() as usize).max(1);
    let tags = shared_tags(db);
    let eur = 125;
    let france = 75;
    let unit_uom = 1;
    let saleable = 2;

    // The company, its partner (company-less, as Odoo makes it) and the admin's access to it.
    let company_partner = db.insert_raw(
        "res.partner",
        json!({"name": spec.name, "is_company": true, "company_id": false, "country_id": france,
               "email": format!("contact@{}.example.com", slug(&spec.name))}),
    );
    let company_id = db.insert_raw(
        "res.company",
        json!({"name": spec.name, "partner_id": company_partner, "currency_id": eur,
               "country_id": france, "active": true, "sequence": 10}),
    );
    add_external_id(
        db,
        &format!("__sim__.company_{company_id}"),
        "res.company",
        company_id,
        true,
    );
    let mut admin_companies = db
        .get("res.users", 2)
        .map(|u| u.many2many("company_ids"))
        .unwrap_or_default();
    admin_companies.push(company_id);
    db.set_field("res.users", 2, "company_ids", json!(admin_companies));
    let code: String = spec
        .name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(3)
        .collect::<String>()
        .to_uppercase();
    let code = if code.is_empty() {
        format!("C{company_id}")
    } else {
        code
    };

    // Warehouse and its locations.
    let view = db.insert_raw(
        "stock.location",
        json!({"name": code, "usage": "view", "location_id": 1, "company_id": company_id}),
    );
    let stock = db.insert_raw("stock.location", json!({"name": "Stock", "usage": "internal", "location_id": view, "company_id": company_id}));
    db.insert_raw("stock.location", json!({"name": "Output", "usage": "internal", "location_id": view, "company_id": company_id}));
    let warehouse = db.insert_raw(
        "stock.warehouse",
        json!({"name": format!("{} Warehouse", spec.name), "code": code, "company_id": company_id,
               "partner_id": company_partner, "view_location_id": view, "lot_stock_id": stock}),
    );
    db.set_field("stock.location", view, "warehouse_id", json!(warehouse));
    db.set_field("stock.location", stock, "warehouse_id", json!(warehouse));

    // Taxes, chart of accounts, journals.
    let tax_standard = db.insert_raw("account.tax", json!({"name": "20%", "amount": 20.0, "amount_type": "percent", "type_tax_use": "sale", "company_id": company_id, "country_id": france, "sequence": 1}));
    let tax_reduced = db.insert_raw("account.tax", json!({"name": "5.5%", "amount": 5.5, "amount_type": "percent", "type_tax_use": "sale", "company_id": company_id, "country_id": france, "sequence": 2}));
    let mut account = |code: &str, name: &str, kind: &str| {
        db.insert_raw("account.account", json!({"code_store": code, "name": name, "account_type": kind, "company_ids": [company_id], "reconcile": kind.ends_with("receivable") || kind.ends_with("payable")}))
    };
    let receivable = account("411000", "Customers", "asset_receivable");
    account("401000", "Suppliers", "liability_payable");
    let income = account("707000", "Sales of goods", "income");
    account("607000", "Purchases of goods", "expense");
    let tax_account = account("445710", "VAT collected", "liability_current");
    account("512000", "Bank", "asset_cash");
    account("101000", "Capital", "equity");
    account("626000", "Postage and telecom", "expense");
    let sales_journal = db.insert_raw("account.journal", json!({"name": "Customer Invoices", "code": "INV", "type": "sale", "company_id": company_id, "currency_id": eur}));
    db.insert_raw("account.journal", json!({"name": "Bank", "code": "BNK1", "type": "bank", "company_id": company_id, "currency_id": eur}));

    // Customers: companies first, then people, some of them contacts of a company.
    let partner_count = scaled(30.0);
    let mut partners = Vec::with_capacity(partner_count);
    let mut company_partners = Vec::new();
    let mut avatar_partners = Vec::new();
    for index in 0..partner_count {
        let (city, zip) = *generator.pick(CITIES);
        let is_company = index % 4 == 0;
        let name = if is_company {
            format!(
                "{} {} {:03}",
                generator.pick(LAST_NAMES),
                if index % 8 == 0 { "SAS" } else { "SARL" },
                index
            )
        } else {
            format!(
                "{} {} ({} {})",
                generator.pick(FIRST_NAMES),
                generator.pick(LAST_NAMES),
                code,
                index
            )
        };
        let parent = if !is_company && !company_partners.is_empty() && generator.chance(20) {
            Some(*generator.pick(&company_partners))
        } else {
            None
        };
        let active = index % 10 != 9;
        let tag_ids: Vec<i64> = if generator.chance(40) {
            vec![*generator.pick(&tags)]
        } else {
            vec![]
        };
        let partner = db.insert_raw(
            "res.partner",
            json!({"name": name, "company_id": company_id, "is_company": is_company,
                   "parent_id": parent.map(Value::from).unwrap_or(Value::Bool(false)),
                   "type": "contact", "street": format!("{} rue de la Paix", 1 + index % 90), "city": city, "zip": zip,
                   "country_id": france, "email": format!("{}.{index}@{}.example.com", slug(&name), slug(&spec.name)),
                   "phone": format!("+33 1 {:02} {:02} {:02} {:02}", index % 100, (index / 7) % 100, 42, 17),
                   "active": active, "category_id": tag_ids, "lang": "en_US"}),
        );
        if spec.with_images && index % 10 == 3 {
            let image = base64(&crate::png::image(
                spec.seed.wrapping_mul(1_000_003) + partner as u64,
                24,
            ));
            db.set_field("res.partner", partner, "image_1920", json!(image));
            avatar_partners.push(partner);
        }
        if is_company {
            company_partners.push(partner);
        }
        if active {
            partners.push(partner);
        }
    }
    // Odoo stamps resized avatars with the company of whoever wrote them: the main company.
    for partner in &avatar_partners {
        for field in crate::compute::RESIZED_IMAGES {
            if let Some(attachment) = db.field_attachment("res.partner", field, *partner) {
                db.set_field("ir.attachment", attachment, "company_id", json!(1));
            }
        }
    }

    // Catalogue: templates (some archived, some with an image), their variants.
    let template_count = scaled(15.0);
    let mut variants = Vec::new();
    let mut templates = Vec::with_capacity(template_count);
    for index in 0..template_count {
        let name = format!(
            "{} {} {}",
            generator.pick(PRODUCT_ADJECTIVES),
            generator.pick(PRODUCT_WORDS),
            index + 1
        );
        let price = generator.price(5, 200);
        let template = db.insert_raw(
            "product.template",
            json!({"name": name, "company_id": company_id, "categ_id": saleable, "uom_id": unit_uom, "uom_po_id": unit_uom,
                   "list_price": price, "type": "consu", "default_code": format!("{code}-{:05}", index + 1),
                   "sale_ok": true, "purchase_ok": true, "active": index % 20 != 19,
                   "taxes_id": [tax_standard], "description": format!("<p>{name}</p>"), "sequence": 1}),
        );
        if spec.with_images && index % 5 == 0 {
            let image = base64(&crate::png::image(
                spec.seed.wrapping_mul(7_919) + template as u64,
                32,
            ));
            db.set_field("product.template", template, "image_1920", json!(image));
        }
        let mut template_variants = db
            .children("product.product", "product_tmpl_id", template)
            .unwrap_or_default();
        if index % 4 == 1 {
            let extra = db.insert_raw(
                "product.product",
                json!({"product_tmpl_id": template, "default_code": format!("{code}-{:05}-B", index + 1),
                       "barcode": format!("3{:011}{:01}", company_id * 1_000_000 + index as i64, index % 10),
                       "combination_indices": format!("{}", index + 1), "active": true, "standard_price": price / 2.0}),
            );
            template_variants.push(extra);
        }
        if index % 20 != 19 {
            variants.extend(template_variants);
        }
        templates.push((template, price));
    }

    // Pricelist with fixed prices for part of the catalogue.
    let pricelist = db.insert_raw("product.pricelist", json!({"name": format!("{} Public", spec.name), "company_id": company_id, "currency_id": eur, "active": true, "sequence": 1}));
    for (template, price) in templates.iter().step_by(3).take(scaled(5.0)) {
        db.insert_raw(
            "product.pricelist.item",
            json!({"pricelist_id": pricelist, "applied_on": "1_product", "product_tmpl_id": template,
                   "compute_price": "fixed", "fixed_price": (price * 0.9 * 100.0).round() / 100.0,
                   "min_quantity": 1.0, "base": "list_price"}),
        );
    }

    // Sale orders with their lines; totals are computed.
    let order_count = scaled(15.0);
    let mut orders = Vec::with_capacity(order_count);
    for index in 0..order_count {
        let partner = *generator.pick(&partners);
        let state = match generator.below(10) {
            0 => "cancel",
            1..=3 => "draft",
            _ => "sale",
        };
        let order = db.insert_raw(
            "sale.order",
            json!({"name": format!("{code}/S{:05}", index + 1), "company_id": company_id, "partner_id": partner,
                   "pricelist_id": pricelist, "state": state, "currency_id": eur, "warehouse_id": warehouse,
                   "date_order": format!("{} 09:{:02}:00", date_in_2024(&mut generator), index % 60), "user_id": 2,
                   "client_order_ref": format!("PO-{index}")}),
        );
        for line in 0..(1 + generator.below(4)) {
            let product = *generator.pick(&variants);
            let price = db
                .get("product.product", product)
                .and_then(|p| p.many2one("product_tmpl_id"))
                .and_then(|t| db.get("product.template", t))
                .map(|t| t.number("list_price"))
                .unwrap_or(10.0);
            db.insert_raw(
                "sale.order.line",
                json!({"order_id": order, "product_id": product, "product_uom_qty": (1 + generator.below(5)) as f64,
                       "product_uom": unit_uom, "price_unit": price, "discount": if line == 2 { 10.0 } else { 0.0 },
                       "tax_id": [if line == 1 { tax_reduced } else { tax_standard }], "sequence": 10 + line as i64,
                       "name": crate::compute::display_name(db, "product.product", product)}),
            );
        }
        orders.push(order);
        // Odoo 19 ties a confirmed order to its transfers through a reference named after it.
        if state == "sale" && db.has_model("stock.reference") {
            db.insert_raw(
                "stock.reference",
                json!({"name": format!("{code}/S{:05}", index + 1), "sale_ids": [order]}),
            );
        }
    }

    // CRM leads: their e-mail and phone are their customer's, as Odoo keeps them in step.
    for index in 0..scaled(8.0) {
        let partner = *generator.pick(&partners);
        let contact = |field: &str| {
            db.get("res.partner", partner)
                .and_then(|partner| partner.get(field))
                .cloned()
                .unwrap_or(Value::Bool(false))
        };
        let (email, phone) = (contact("email"), contact("phone"));
        db.insert_raw(
            "crm.lead",
            json!({"name": format!("Opportunity {} #{index}", generator.pick(PRODUCT_WORDS)), "company_id": company_id,
                   "partner_id": partner, "stage_id": 1 + generator.below(4) as i64, "type": "opportunity",
                   "expected_revenue": generator.price(100, 5000), "probability": 20.0, "priority": "1",
                   "email_from": email, "phone": phone, "active": index % 10 != 7, "user_id": 2}),
        );
    }

    // Customer invoices: two product lines, a tax line and the receivable line each.
    for index in 0..scaled(4.0) {
        let partner = *generator.pick(&partners);
        let date = date_in_2024(&mut generator);
        let invoice = db.insert_raw(
            "account.move",
            json!({"name": format!("INV/2024/{company_id}/{:05}", index + 1), "move_type": "out_invoice", "state": "posted",
                   "company_id": company_id, "partner_id": partner, "journal_id": sales_journal, "currency_id": eur,
                   "date": date, "invoice_date": date, "ref": format!("Order {index}")}),
        );
        let mut untaxed = 0.0;
        for _ in 0..2 {
            let product = *generator.pick(&variants);
            let quantity = (1 + generator.below(3)) as f64;
            let price = generator.price(5, 150);
            let subtotal = (quantity * price * 100.0).round() / 100.0;
            untaxed += subtotal;
            db.insert_raw(
                "account.move.line",
                json!({"move_id": invoice, "account_id": income, "partner_id": partner, "product_id": product,
                       "name": crate::compute::display_name(db, "product.product", product), "quantity": quantity,
                       "price_unit": price, "credit": subtotal, "debit": 0.0, "display_type": "product", "tax_ids": [tax_standard]}),
            );
        }
        let tax = (untaxed * 0.2 * 100.0).round() / 100.0;
        db.insert_raw("account.move.line", json!({"move_id": invoice, "account_id": tax_account, "partner_id": partner, "name": "20%", "credit": tax, "debit": 0.0, "display_type": "tax", "quantity": 0.0}));
        db.insert_raw("account.move.line", json!({"move_id": invoice, "account_id": receivable, "partner_id": partner, "name": format!("INV/2024/{company_id}/{:05}", index + 1), "debit": ((untaxed + tax) * 100.0).round() / 100.0, "credit": 0.0, "display_type": "payment_term", "quantity": 0.0}));
    }

    // Stock on hand.
    for variant in variants.iter().take(scaled(8.0)) {
        db.insert_raw("stock.quant", json!({"product_id": variant, "location_id": stock, "quantity": (5 + generator.below(100)) as f64, "inventory_quantity": 0.0}));
    }

    // Files attached to customers and orders, and chatter messages on orders.
    for index in 0..(4 + scaled(0.3)) {
        let (res_model, res_id, name, content) = if index % 2 == 0 {
            let partner = *generator.pick(&partners);
            (
                "res.partner",
                partner,
                format!("contract_{index}.txt"),
                format!("Contract {index} of {}\n", spec.name),
            )
        } else {
            let order = *generator.pick(&orders);
            (
                "sale.order",
                order,
                format!("quote_{index}.txt"),
                format!("Signed quote {index}\n"),
            )
        };
        db.insert_raw(
            "ir.attachment",
            json!({"name": name, "res_model": res_model, "res_id": res_id, "company_id": company_id, "type": "binary",
                   "datas": base64(content.as_bytes()), "mimetype": "text/plain"}),
        );
    }
    for index in 0..scaled(2.0) {
        let order = *generator.pick(&orders);
        // As on a real Odoo 18, an order's first notification is posted before its company is
        // known (no `record_company_id`), and later messages name it as their parent.
        let created = db.insert_raw(
            "mail.message",
            json!({"model": "sale.order", "res_id": order, "record_company_id": null, "body": "<p>Quotation created</p>",
                   "message_type": "notification", "author_id": 3}),
        );
        db.insert_raw(
            "mail.message",
            json!({"model": "sale.order", "res_id": order, "record_company_id": company_id, "body": format!("<p>Note {index}</p>"),
                   "message_type": "comment", "author_id": 3, "subject": format!("Follow-up {index}"), "parent_id": created}),
        );
    }

    TenantInfo {
        company_id,
        name: spec.name.clone(),
        record_count: tenant_record_count(db, company_id),
    }
}

/// Records with the company across tenant models, plus attachments of the tenant's records
/// stamped with another company.
pub(crate) fn tenant_record_count(db: &Database, company_id: i64) -> usize {
    let registry = crate::registry::Registry::get();
    let mut count = 0;
    for model in registry.model_names() {
        let definition = registry.model(model).expect("listed");
        if definition.def.transient
            || definition.behaviour.is_abstract
            || definition.behaviour.access != crate::registry::Access::Full
            || model.starts_with("ir.model")
        {
            continue;
        }
        count += db.count(model, company_id);
    }
    count
        + db.table("ir.attachment")
            .values()
            .filter(|attachment| attachment.many2one("company_id") != Some(company_id))
            .filter(|attachment| {
                let res_model = attachment.text("res_model").unwrap_or_default();
                let res_id = attachment.many2one("res_id").unwrap_or_default();
                res_id != 0
                    && db.get(res_model, res_id).is_some_and(|record| {
                        db.record_company_ids(res_model, record)
                            .contains(&company_id)
                    })
            })
            .count()
}

fn slug(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                Some(c.to_ascii_lowercase())
            } else if c == ' ' {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

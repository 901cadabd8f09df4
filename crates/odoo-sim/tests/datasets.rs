//! Generated tenants: sizes, determinism, isolation of shared data, images.

mod common;

use std::time::Instant;

use base64::Engine;
use common::{Wire, start};
use odoo_sim::datasets::{TenantSize, TenantSpec, add_shop_tenant};
use odoo_sim::{Database, SimConfig, Simulator};
use serde_json::{Value, json};

const TENANT_MODELS: &[&str] = &[
    "res.partner",
    "product.template",
    "product.product",
    "product.pricelist",
    "product.pricelist.item",
    "account.tax",
    "account.account",
    "account.journal",
    "account.move",
    "account.move.line",
    "sale.order",
    "sale.order.line",
    "stock.warehouse",
    "stock.location",
    "stock.quant",
    "crm.lead",
    "ir.attachment",
    "mail.message",
];

/// A tenant's records, without the timestamps that differ between runs.
/// Model, id and field values of one record.
type Row = (String, i64, Vec<(String, Value)>);

fn snapshot(db: &Database, company: i64) -> Vec<Row> {
    let mut rows = Vec::new();
    for model in TENANT_MODELS {
        for id in db.ids(model) {
            let record = db.get(model, id).unwrap();
            if db.count(model, company) == 0 {
                continue;
            }
            let values = record
                .iter()
                .filter(|(name, _)| {
                    !matches!(*name, "create_date" | "write_date" | "date_order" | "date")
                })
                .map(|(name, value)| (name.to_owned(), value.clone()))
                .collect();
            rows.push((model.to_string(), id, values));
        }
    }
    rows
}

#[tokio::test]
async fn a_small_tenant_has_about_150_records_of_every_kind() {
    let sim = start().await;
    let tenant = sim.with_db(|db| {
        add_shop_tenant(
            db,
            &TenantSpec::new("Boutique Sport", TenantSize::Small, 11),
        )
    });
    assert!(
        (120..=200).contains(&tenant.record_count),
        "{}",
        tenant.record_count
    );
    sim.with_db(|db| {
        for model in TENANT_MODELS {
            assert!(
                db.count(model, tenant.company_id) > 0 || *model == "ir.attachment",
                "{model} is empty"
            );
        }
        let external = db.resolve_external_id(&format!("__sim__.company_{}", tenant.company_id));
        assert_eq!(
            external,
            Some(("res.company".to_owned(), tenant.company_id))
        );
        let admin = db.get("res.users", 2).unwrap();
        assert!(admin.many2many("company_ids").contains(&tenant.company_id));
    });
}

#[tokio::test]
async fn a_medium_tenant_has_about_3000_records() {
    let sim = start().await;
    let tenant = sim
        .with_db(|db| add_shop_tenant(db, &TenantSpec::new("Marque Mode", TenantSize::Medium, 5)));
    assert!(
        (2_400..=3_600).contains(&tenant.record_count),
        "{}",
        tenant.record_count
    );
    let exact = TenantSize::Records(10_000);
    let sized = sim.with_db(|db| add_shop_tenant(db, &TenantSpec::new("Sized", exact, 6)));
    assert!(
        (8_500..=11_500).contains(&sized.record_count),
        "{}",
        sized.record_count
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_tenant() {
    let first = start().await;
    let second = start().await;
    let spec = TenantSpec::new("Boutique Sport", TenantSize::Records(600), 42);
    let a = first.with_db(|db| add_shop_tenant(db, &spec));
    let b = second.with_db(|db| add_shop_tenant(db, &spec));
    assert_eq!(a, b);
    let left = first.with_db(|db| snapshot(db, a.company_id));
    let right = second.with_db(|db| snapshot(db, b.company_id));
    assert_eq!(left.len(), right.len());
    assert!(left == right, "same seed, same records");
    let other = Simulator::start(SimConfig::default()).await.unwrap();
    let c = other.with_db(|db| {
        add_shop_tenant(
            db,
            &TenantSpec {
                seed: 43,
                ..spec.clone()
            },
        )
    });
    assert_ne!(
        other.with_db(|db| snapshot(db, c.company_id)),
        left,
        "another seed, other data"
    );
}

#[tokio::test]
async fn shared_records_stay_company_less() {
    let sim = start().await;
    sim.with_db(|db| add_shop_tenant(db, &TenantSpec::new("A", TenantSize::Small, 1)));
    sim.with_db(|db| {
        for model in [
            "res.country",
            "res.currency",
            "uom.uom",
            "product.category",
            "res.partner.category",
            "crm.stage",
        ] {
            assert!(!db.ids(model).is_empty(), "{model}");
            for id in db.ids(model) {
                assert!(
                    db.get(model, id).unwrap().many2one("company_id").is_none(),
                    "{model}({id}) has a company"
                );
            }
        }
    });
}

#[tokio::test]
async fn product_images_are_distinct_pngs_and_some_avatars_carry_the_main_company() {
    let sim = start().await;
    let tenant =
        sim.with_db(|db| add_shop_tenant(db, &TenantSpec::new("A", TenantSize::Records(1_500), 9)));
    let wire = Wire::new(&sim);
    let images = wire
        .ok(
            "product.template",
            "search_read",
            json!([[
                ["company_id", "=", tenant.company_id],
                ["image_1920", "!=", false]
            ]]),
            json!({"fields": ["image_1920"]}),
        )
        .await;
    let images: Vec<Vec<u8>> = images
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            base64::engine::general_purpose::STANDARD
                .decode(row["image_1920"].as_str().unwrap())
                .unwrap()
        })
        .collect();
    assert!(images.len() >= 5);
    for image in &images {
        assert!(
            image.starts_with(b"\x89PNG\r\n\x1a\n") && image.len() > 500 && image.len() < 10_000
        );
    }
    let mut distinct = images.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), images.len());
    let stamped = wire
        .ok(
            "ir.attachment",
            "search_count",
            json!([[
                ["res_model", "=", "res.partner"],
                ["res_field", "!=", false],
                ["company_id", "=", 1]
            ]]),
            json!({}),
        )
        .await;
    assert!(
        stamped.as_i64().unwrap() > 0,
        "avatars of tenant partners stamped with the main company"
    );
    let plain = wire
        .ok(
            "ir.attachment",
            "search_count",
            json!([[["company_id", "=", tenant.company_id]]]),
            json!({}),
        )
        .await;
    assert!(plain.as_i64().unwrap() >= 4, "plain files of the tenant");
}

#[tokio::test]
async fn a_large_tenant_is_generated_in_seconds_and_pages_quickly() {
    let sim = start().await;
    let started = Instant::now();
    let tenant =
        sim.with_db(|db| add_shop_tenant(db, &TenantSpec::new("Big", TenantSize::Large, 3)));
    let generated = started.elapsed();
    assert!(
        (85_000..=115_000).contains(&tenant.record_count),
        "{}",
        tenant.record_count
    );
    // Debug builds are several times slower than release; the bound is for either.
    assert!(generated.as_secs() < 60, "generation took {generated:?}");
    let wire = Wire::new(&sim);
    let started = Instant::now();
    let page = wire
        .ok("sale.order.line", "search_read", json!([[["company_id", "=", tenant.company_id], ["id", ">", 1000]]]), json!({"fields": [], "order": "id", "limit": 500, "context": {"allowed_company_ids": [tenant.company_id]}}))
        .await;
    assert_eq!(page.as_array().unwrap().len(), 500);
    assert!(
        started.elapsed().as_millis() < 2_000,
        "a 500-record page took {:?}",
        started.elapsed()
    );
}

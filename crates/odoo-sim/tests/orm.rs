//! ORM behaviour over the wire: company rules, domains, paging, values, x2many commands,
//! attachments, metadata and errors.

mod common;

use std::collections::BTreeSet;

use common::{Wire, pinned, start, two_tenants};
use serde_json::{Value, json};

fn ids(rows: &Value) -> Vec<i64> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_i64().unwrap_or_else(|| row.as_i64().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_call_pinned_to_one_company_never_sees_anothers_rows() {
    let (sim, a, b) = two_tenants().await;
    let wire = Wire::new(&sim);
    for model in [
        "res.partner",
        "sale.order",
        "sale.order.line",
        "product.template",
        "product.product",
        "account.move.line",
        "crm.lead",
        "stock.quant",
        "account.account",
        "ir.attachment",
    ] {
        let rows = wire
            .ok(model, "search_read", json!([[]]), json!({"fields": ["display_name"], "context": {"allowed_company_ids": [a.company_id], "active_test": false}}))
            .await;
        let seen: BTreeSet<i64> = ids(&rows).into_iter().collect();
        let b_rows: BTreeSet<i64> = sim.with_db(|db| {
            db.ids(model)
                .into_iter()
                .filter(|id| {
                    let record = db.get(model, *id).unwrap();
                    let company = match model {
                        "product.product" => record
                            .many2one("product_tmpl_id")
                            .and_then(|t| db.get("product.template", t))
                            .and_then(|t| t.many2one("company_id")),
                        "ir.attachment" => record
                            .text("res_model")
                            .and_then(|m| db.get(m, record.many2one("res_id")?))
                            .and_then(|doc| doc.many2one("company_id")),
                        _ => record.many2one("company_id"),
                    };
                    company == Some(b.company_id)
                        || (model == "account.account"
                            && record.many2many("company_ids") == vec![b.company_id])
                })
                .collect()
        });
        assert!(!b_rows.is_empty(), "{model}: tenant B has rows");
        assert!(
            seen.is_disjoint(&b_rows),
            "{model}: a call pinned to A saw B's rows"
        );
        assert!(!seen.is_empty(), "{model}: A sees its own rows");
    }
}

#[tokio::test]
async fn reading_another_companys_record_is_odoos_multi_company_access_error() {
    let (sim, a, b) = two_tenants().await;
    let wire = Wire::new(&sim);
    let b_order = sim.with_db(|db| {
        db.ids("sale.order")
            .into_iter()
            .find(|id| {
                db.get("sale.order", *id).unwrap().many2one("company_id") == Some(b.company_id)
            })
            .unwrap()
    });
    let error = wire
        .call(
            "sale.order",
            "read",
            json!([[b_order]]),
            json!({"fields": ["name"], "context": pinned(a.company_id)}),
        )
        .await
        .unwrap_err();
    assert_eq!(error["data"]["name"], "odoo.exceptions.AccessError");
    let message = error["data"]["message"].as_str().unwrap();
    assert!(message.starts_with("Uh-oh! Looks like you have stumbled upon some top-secret records.\n\nSorry, Mitchell Admin (id=2) doesn't have 'read' access to:\n- Sales Order (sale.order)"), "{message}");
    assert!(
        message.ends_with("switching to the company: Marque Mode."),
        "{message}"
    );
    assert_eq!(
        error["data"]["context"]["suggested_company"],
        json!({"id": b.company_id, "display_name": "Marque Mode"})
    );
    // Writing and deleting are refused the same way, and change nothing.
    let (name, _) = wire
        .fails(
            "sale.order",
            "write",
            json!([[b_order], {"note": "x"}]),
            json!({"context": pinned(a.company_id)}),
        )
        .await;
    assert_eq!(name, "odoo.exceptions.AccessError");
    let (name, _) = wire
        .fails(
            "sale.order",
            "unlink",
            json!([[b_order]]),
            json!({"context": pinned(a.company_id)}),
        )
        .await;
    assert_eq!(name, "odoo.exceptions.AccessError");
    assert!(sim.with_db(|db| db.get("sale.order", b_order).is_some()));
}

#[tokio::test]
async fn companies_the_user_lacks_are_refused_and_no_context_means_all_of_the_users() {
    let (sim, a, b) = two_tenants().await;
    let wire = Wire::new(&sim);
    assert_eq!(
        wire.fails(
            "res.partner",
            "search",
            json!([[]]),
            json!({"context": {"allowed_company_ids": [a.company_id, 999]}})
        )
        .await,
        (
            "odoo.exceptions.AccessError".into(),
            "Access to unauthorized or invalid companies.".into()
        )
    );
    // Like Odoo 18, env.companies defaults to all the user's companies, not the main one.
    let orders = wire
        .ok("sale.order", "search_count", json!([[]]), json!({}))
        .await;
    let total = sim
        .with_db(|db| db.count("sale.order", a.company_id) + db.count("sale.order", b.company_id));
    assert_eq!(orders, json!(total));
}

#[tokio::test]
async fn creating_a_record_for_a_company_outside_the_context_is_refused_and_rolled_back() {
    let (sim, a, b) = two_tenants().await;
    let wire = Wire::new(&sim);
    let before = sim.with_db(|db| db.ids("res.partner").len());
    let error = wire
        .call("res.partner", "create", json!([[{"name": "ok", "company_id": a.company_id}, {"name": "spy", "company_id": b.company_id}]]), json!({"context": pinned(a.company_id)}))
        .await
        .unwrap_err();
    assert_eq!(error["data"]["name"], "odoo.exceptions.AccessError");
    assert!(
        error["data"]["message"]
            .as_str()
            .unwrap()
            .contains("doesn't have 'create' access")
    );
    assert_eq!(
        sim.with_db(|db| db.ids("res.partner").len()),
        before,
        "the whole call rolled back"
    );
    // Without company_id, the record gets the context's company.
    let id = wire
        .ok(
            "sale.order",
            "create",
            json!([{"partner_id": 3}]),
            json!({"context": pinned(a.company_id)}),
        )
        .await;
    let company = sim.with_db(|db| {
        db.get("sale.order", id.as_i64().unwrap())
            .unwrap()
            .many2one("company_id")
    });
    assert_eq!(company, Some(a.company_id));
}

#[tokio::test]
async fn domains_support_odoos_operators_and_paths() {
    let (sim, a, _) = two_tenants().await;
    let wire = Wire::new(&sim);
    let count = |domain: Value| {
        let wire = &wire;
        async move {
            wire.ok(
                "product.product",
                "search_count",
                json!([domain]),
                json!({"context": {"active_test": false}}),
            )
            .await
            .as_i64()
            .unwrap()
        }
    };
    let variants_of_a = sim.with_db(|db| {
        db.ids("product.product")
            .into_iter()
            .filter(|id| {
                let template = db
                    .get("product.product", *id)
                    .unwrap()
                    .many2one("product_tmpl_id")
                    .unwrap();
                db.get("product.template", template)
                    .unwrap()
                    .many2one("company_id")
                    == Some(a.company_id)
            })
            .count() as i64
    });
    assert_eq!(
        count(json!([["product_tmpl_id.company_id", "=", a.company_id]])).await,
        variants_of_a
    );
    assert_eq!(
        count(json!([["company_id", "=", a.company_id]])).await,
        variants_of_a,
        "related non-stored field"
    );
    let all = count(json!([])).await;
    assert_eq!(
        count(json!([
            "!",
            ["product_tmpl_id.company_id", "=", a.company_id]
        ]))
        .await,
        all - variants_of_a
    );
    assert_eq!(count(json!(["|", ["id", "=", 1], ["id", "=", 2]])).await, 2);
    assert_eq!(
        count(json!([["id", "in", [1, 2, 3]], ["id", "not in", [2]]])).await,
        2
    );
    assert_eq!(
        count(json!([["default_code", "=like", "BOU-%-B"]])).await,
        sim.with_db(|db| db
            .ids("product.product")
            .into_iter()
            .filter(|id| db
                .get("product.product", *id)
                .unwrap()
                .text("default_code")
                .is_some_and(|c| c.starts_with("BOU-") && c.ends_with("-B")))
            .count() as i64)
    );
    let with_barcode = count(json!([["barcode", "!=", false]])).await;
    assert_eq!(
        count(json!([["barcode", "=", false]])).await,
        all - with_barcode
    );
    assert!(with_barcode > 0);
    let partners = wire
        .ok(
            "res.partner",
            "search_read",
            json!([[["name", "ilike", "sarl"], ["company_id", "=", a.company_id]]]),
            json!({"fields": ["name"]}),
        )
        .await;
    assert!(!ids(&partners).is_empty());
    assert!(
        partners
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["name"].as_str().unwrap().contains("SARL"))
    );
    assert_eq!(
        wire.fails(
            "res.partner",
            "search",
            json!([[["nofield", "=", 1]]]),
            json!({})
        )
        .await,
        (
            "builtins.ValueError".into(),
            "Invalid field res.partner.nofield in leaf ('nofield', '=', 1)".into()
        )
    );
    assert_eq!(
        wire.fails(
            "res.partner",
            "search",
            json!([[["name", "badop", 1]]]),
            json!({})
        )
        .await,
        (
            "builtins.ValueError".into(),
            "Invalid leaf ('name', 'badop', 1)".into()
        )
    );
    assert_eq!(
        wire.fails(
            "res.partner",
            "read",
            json!([[1]]),
            json!({"fields": ["nofield"]})
        )
        .await,
        (
            "builtins.ValueError".into(),
            "Invalid field 'nofield' on model 'res.partner'".into()
        )
    );
}

#[tokio::test]
async fn archived_rows_hide_unless_active_test_is_off_or_the_domain_names_active() {
    let (sim, a, _) = two_tenants().await;
    let wire = Wire::new(&sim);
    let domain = json!([["company_id", "=", a.company_id]]);
    let visible = wire
        .ok("res.partner", "search_count", json!([domain]), json!({}))
        .await
        .as_i64()
        .unwrap();
    let everything = wire
        .ok(
            "res.partner",
            "search_count",
            json!([domain]),
            json!({"context": {"active_test": false}}),
        )
        .await
        .as_i64()
        .unwrap();
    let archived = wire
        .ok(
            "res.partner",
            "search_count",
            json!([[["company_id", "=", a.company_id], ["active", "=", false]]]),
            json!({}),
        )
        .await
        .as_i64()
        .unwrap();
    assert!(archived > 0);
    assert_eq!(visible + archived, everything);
    assert_eq!(
        everything as usize,
        sim.with_db(|db| db.count("res.partner", a.company_id))
    );
}

#[tokio::test]
async fn paging_by_id_is_stable_and_complete_while_records_are_added() {
    let (sim, a, _) = two_tenants().await;
    let wire = Wire::new(&sim);
    let context = json!({"allowed_company_ids": [a.company_id], "active_test": false});
    let mut seen = Vec::new();
    let mut last = 0;
    loop {
        let page = wire
            .ok(
                "sale.order.line",
                "search_read",
                json!([[["company_id", "=", a.company_id], ["id", ">", last]]]),
                json!({"fields": ["order_id"], "order": "id", "limit": 7, "context": context}),
            )
            .await;
        let page = ids(&page);
        if page.is_empty() {
            break;
        }
        // Someone else adds a line to tenant A's first order during the walk.
        if seen.is_empty() {
            let order = sim.with_db(|db| {
                db.ids("sale.order")
                    .into_iter()
                    .find(|id| {
                        db.get("sale.order", *id).unwrap().many2one("company_id")
                            == Some(a.company_id)
                    })
                    .unwrap()
            });
            wire.ok("sale.order", "write", json!([[order], {"order_line": [[0, 0, {"product_id": 1, "name": "late", "price_unit": 1.0}]]}]), json!({"context": pinned(a.company_id)})).await;
        }
        last = *page.last().unwrap();
        seen.extend(page);
    }
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(seen, sorted, "ascending, no repeats");
    let expected = sim.with_db(|db| db.count("sale.order.line", a.company_id));
    assert_eq!(seen.len(), expected, "complete, the added line included");
}

#[tokio::test]
async fn orders_sort_by_several_keys() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    for (name, city) in [
        ("b", "Lyon"),
        ("a", "Paris"),
        ("b", "Agen"),
        ("c", false.to_string().as_str()),
    ] {
        let city = if city == "false" {
            json!(false)
        } else {
            json!(city)
        };
        wire.ok(
            "res.partner",
            "create",
            json!([{"name": name, "city": city, "ref": "sort"}]),
            json!({}),
        )
        .await;
    }
    let rows = wire
        .ok(
            "res.partner",
            "search_read",
            json!([[["ref", "=", "sort"]]]),
            json!({"fields": ["name", "city"], "order": "name desc, city"}),
        )
        .await;
    let pairs: Vec<(String, Value)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap().to_owned(), r["city"].clone()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("c".into(), json!(false)),
            ("b".into(), json!("Agen")),
            ("b".into(), json!("Lyon")),
            ("a".into(), json!("Paris"))
        ]
    );
    let (name, _) = wire
        .fails(
            "res.partner",
            "search",
            json!([[]]),
            json!({"order": "nofield"}),
        )
        .await;
    assert_eq!(name, "builtins.ValueError");
}

#[tokio::test]
async fn values_come_back_in_odoos_shapes() {
    let (sim, a, _) = two_tenants().await;
    let wire = Wire::new(&sim);
    let order = wire
        .ok("sale.order", "search_read", json!([[["company_id", "=", a.company_id]]]), json!({"fields": ["partner_id", "order_line", "amount_total", "date_order", "note", "company_id"], "limit": 1, "order": "id"}))
        .await[0]
        .clone();
    assert!(order["partner_id"][0].is_i64() && order["partner_id"][1].is_string());
    assert_eq!(order["company_id"], json!([a.company_id, "Boutique Sport"]));
    assert!(
        order["order_line"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_i64)
    );
    assert!(order["amount_total"].is_f64());
    let date = order["date_order"].as_str().unwrap();
    assert_eq!(date.len(), 19, "YYYY-MM-DD HH:MM:SS: {date}");
    assert_eq!(
        order["note"],
        json!(false),
        "missing values are false, not null"
    );
    assert_eq!(
        wire.ok(
            "res.partner",
            "read",
            json!([[999_999]]),
            json!({"fields": ["name"]})
        )
        .await,
        json!([])
    );
    assert_eq!(
        wire.fails(
            "res.partner",
            "write",
            json!([[999_999], {"name": "x"}]),
            json!({})
        )
        .await,
        (
            "odoo.exceptions.MissingError".into(),
            "Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)"
                .into()
        )
    );
}

#[tokio::test]
async fn x2many_commands_create_update_delete_and_link() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    let product = wire
        .ok(
            "product.template",
            "create",
            json!([{"name": "Ball", "list_price": 10.0}]),
            json!({}),
        )
        .await;
    let variant = wire
        .ok(
            "product.product",
            "search",
            json!([[["product_tmpl_id", "=", product]]]),
            json!({}),
        )
        .await[0]
        .clone();
    let tax = wire.ok("account.tax", "create", json!([{"name": "10%", "amount": 10.0, "amount_type": "percent", "type_tax_use": "sale"}]), json!({})).await;
    let order = wire
        .ok("sale.order", "create", json!([{"partner_id": 3, "order_line": [
            [0, 0, {"product_id": variant, "product_uom_qty": 2.0, "price_unit": 10.0}],
            [0, 0, {"product_id": variant, "product_uom_qty": 1.0, "price_unit": 5.0, "tax_id": [[6, 0, [tax]]]}],
        ]}]), json!({}))
        .await;
    let read = |fields: Value| {
        let wire = &wire;
        let order = order.clone();
        async move {
            wire.ok(
                "sale.order",
                "read",
                json!([[order]]),
                json!({"fields": fields}),
            )
            .await[0]
                .clone()
        }
    };
    let first = read(json!(["order_line", "amount_total", "amount_untaxed"])).await;
    let lines = ids(&first["order_line"]);
    assert_eq!(lines.len(), 2);
    assert_eq!(first["amount_untaxed"], json!(25.0));
    assert_eq!(
        first["amount_total"],
        json!(25.5),
        "computed from the lines and their tax"
    );
    let line = wire
        .ok(
            "sale.order.line",
            "read",
            json!([[lines[0]]]),
            json!({"fields": ["order_id", "company_id", "price_subtotal"]}),
        )
        .await[0]
        .clone();
    assert_eq!(line["order_id"][0], order, "the inverse is set");
    assert_eq!(
        line["company_id"][0], 1,
        "related stored company follows the order"
    );

    wire.ok(
        "sale.order",
        "write",
        json!([[order], {"order_line": [[1, lines[0], {"product_uom_qty": 3.0}], [2, lines[1]]]}]),
        json!({}),
    )
    .await;
    let second = read(json!(["order_line", "amount_total"])).await;
    assert_eq!(ids(&second["order_line"]), vec![lines[0]]);
    assert_eq!(second["amount_total"], json!(30.0));
    assert!(
        sim.with_db(|db| db.get("sale.order.line", lines[1]).is_none()),
        "(2, id) deletes"
    );

    let tag = wire
        .ok(
            "res.partner.category",
            "create",
            json!([{"name": "T"}]),
            json!({}),
        )
        .await;
    let partner = wire.ok("res.partner", "create", json!([{"name": "P", "category_id": [[4, tag]], "child_ids": [[0, 0, {"name": "Kid"}]]}]), json!({})).await;
    let read_partner = wire
        .ok(
            "res.partner",
            "read",
            json!([[partner]]),
            json!({"fields": ["category_id", "child_ids"]}),
        )
        .await[0]
        .clone();
    assert_eq!(read_partner["category_id"], json!([tag]));
    let kid = read_partner["child_ids"][0].clone();
    let kid_row = wire
        .ok(
            "res.partner",
            "read",
            json!([[kid]]),
            json!({"fields": ["parent_id", "display_name"]}),
        )
        .await[0]
        .clone();
    assert_eq!(kid_row["parent_id"][0], partner);
    assert_eq!(kid_row["display_name"], "P, Kid");
    wire.ok(
        "res.partner",
        "write",
        json!([[partner], {"category_id": [[5]], "child_ids": [[3, kid]]}]),
        json!({}),
    )
    .await;
    let cleared = wire
        .ok(
            "res.partner",
            "read",
            json!([[partner]]),
            json!({"fields": ["category_id", "child_ids"]}),
        )
        .await[0]
        .clone();
    assert_eq!(
        (cleared["category_id"].clone(), cleared["child_ids"].clone()),
        (json!([]), json!([]))
    );
    assert!(
        sim.with_db(|db| db.get("res.partner", kid.as_i64().unwrap()).is_some()),
        "(3, id) on a non-required inverse only unlinks"
    );
}

#[tokio::test]
async fn a_failing_nested_create_rolls_back_the_parent() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    let orders_before = sim.with_db(|db| db.ids("sale.order").len());
    let (name, _) = wire
        .fails(
            "sale.order",
            "create",
            json!([{"partner_id": 3, "order_line": [[0, 0, {"nofield": 1}]]}]),
            json!({}),
        )
        .await;
    assert_eq!(name, "builtins.ValueError");
    assert_eq!(sim.with_db(|db| db.ids("sale.order").len()), orders_before);
}

#[tokio::test]
async fn image_attachments_hide_from_plain_searches_and_follow_image_1920() {
    let (sim, a, _) = two_tenants().await;
    let wire = Wire::new(&sim);
    let plain = wire
        .ok(
            "ir.attachment",
            "search_read",
            json!([[]]),
            json!({"fields": ["res_field"]}),
        )
        .await;
    assert!(!ids(&plain).is_empty());
    assert!(
        plain
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["res_field"] == json!(false))
    );
    let images = wire
        .ok(
            "ir.attachment",
            "search_count",
            json!([[["res_field", "!=", false]]]),
            json!({}),
        )
        .await
        .as_i64()
        .unwrap();
    assert!(images > 0);
    let by_id = wire
        .ok(
            "ir.attachment",
            "search_count",
            json!([[["id", ">", 0]]]),
            json!({}),
        )
        .await
        .as_i64()
        .unwrap();
    assert_eq!(
        by_id,
        ids(&plain).len() as i64 + images,
        "a domain on id shows them too"
    );

    let template = wire
        .ok(
            "product.template",
            "search_read",
            json!([[
                ["company_id", "=", a.company_id],
                ["image_1920", "!=", false]
            ]]),
            json!({"fields": ["image_1920", "image_128"], "limit": 1}),
        )
        .await[0]
        .clone();
    let image = template["image_1920"].as_str().unwrap();
    assert!(image.starts_with("iVBORw0KGgo"), "a base64 PNG");
    let new_image = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    wire.ok(
        "product.template",
        "write",
        json!([[template["id"]], {"image_1920": new_image}]),
        json!({}),
    )
    .await;
    let after = wire
        .ok(
            "product.template",
            "read",
            json!([[template["id"]]]),
            json!({"fields": ["image_1920", "image_512", "image_128"]}),
        )
        .await[0]
        .clone();
    assert_eq!(after["image_1920"], new_image);
    assert_eq!(
        after["image_128"], new_image,
        "resized copies are regenerated (same bytes)"
    );
    let attachment = wire
        .ok(
            "ir.attachment",
            "search_read",
            json!([[
                ["res_model", "=", "product.template"],
                ["res_id", "=", template["id"]],
                ["res_field", "=", "image_1920"]
            ]]),
            json!({"fields": ["datas", "checksum", "file_size", "mimetype", "company_id"]}),
        )
        .await[0]
        .clone();
    assert_eq!(attachment["datas"], new_image);
    assert_eq!(attachment["mimetype"], "image/png");
    assert_eq!(attachment["checksum"].as_str().unwrap().len(), 40, "sha1");
    wire.ok(
        "product.template",
        "write",
        json!([[template["id"]], {"image_1920": false}]),
        json!({}),
    )
    .await;
    let removed = wire
        .ok(
            "ir.attachment",
            "search_count",
            json!([[
                ["res_model", "=", "product.template"],
                ["res_id", "=", template["id"]],
                ["res_field", "!=", false]
            ]]),
            json!({}),
        )
        .await;
    assert_eq!(removed, json!(0));
}

#[tokio::test]
async fn attachments_of_hidden_documents_are_hidden_whatever_their_company() {
    let (sim, a, b) = two_tenants().await;
    let wire = Wire::new(&sim);
    // Resized avatars of A's partners are stamped with the main company, yet belong to A.
    let stamped: Vec<(i64, i64)> = sim.with_db(|db| {
        db.ids("ir.attachment")
            .into_iter()
            .filter_map(|id| {
                let att = db.get("ir.attachment", id).unwrap();
                (att.text("res_model") == Some("res.partner")
                    && att.many2one("company_id") == Some(1)
                    && att.text("res_field").is_some())
                .then(|| (id, att.many2one("res_id").unwrap()))
            })
            .collect()
    });
    assert!(!stamped.is_empty());
    let of_b: Vec<i64> = sim.with_db(|db| {
        stamped
            .iter()
            .filter(|(_, partner)| {
                db.get("res.partner", *partner)
                    .unwrap()
                    .many2one("company_id")
                    == Some(b.company_id)
            })
            .map(|(id, _)| *id)
            .collect()
    });
    let visible_to_a = wire
        .ok(
            "ir.attachment",
            "search",
            json!([[["res_field", "!=", false]]]),
            json!({"context": pinned(a.company_id)}),
        )
        .await;
    let visible: BTreeSet<i64> = ids(&visible_to_a).into_iter().collect();
    assert!(
        of_b.iter().all(|id| !visible.contains(id)),
        "B's avatars stay hidden from A"
    );
}

#[tokio::test]
async fn fields_get_reports_odoos_metadata() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    let attributes = json!([
        "type",
        "string",
        "relation",
        "relation_field",
        "required",
        "readonly",
        "store",
        "company_dependent",
        "related",
        "depends",
        "translate",
        "selection"
    ]);
    let fields = wire
        .ok(
            "sale.order",
            "fields_get",
            json!([]),
            json!({"attributes": attributes}),
        )
        .await;
    assert_eq!(
        fields["amount_total"],
        json!({"company_dependent": false, "depends": ["order_line.price_subtotal", "currency_id", "company_id"], "readonly": true, "required": false, "store": true, "string": "Total", "type": "monetary"})
    );
    assert_eq!(fields["order_line"]["relation_field"], "order_id");
    assert_eq!(fields["order_line"]["store"], true);
    assert_eq!(fields["display_name"]["store"], false);
    assert_eq!(fields["create_date"]["readonly"], true);
    assert!(
        fields["state"]["selection"]
            .as_array()
            .unwrap()
            .contains(&json!(["sale", "Sales Order"]))
    );
    let variant = wire
        .ok(
            "product.product",
            "fields_get",
            json!([["company_id"]]),
            json!({"attributes": ["related", "store"]}),
        )
        .await;
    assert_eq!(
        variant,
        json!({"company_id": {"related": "product_tmpl_id.company_id", "store": false}})
    );
    let account = wire
        .ok(
            "account.account",
            "fields_get",
            json!([["company_ids", "code_store"]]),
            json!({"attributes": ["type", "relation", "company_dependent"]}),
        )
        .await;
    assert_eq!(
        account["company_ids"],
        json!({"type": "many2many", "relation": "res.company", "company_dependent": false})
    );
    assert_eq!(account["code_store"]["company_dependent"], true);
}

#[tokio::test]
async fn metadata_models_agree_with_the_registry() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    let transient = wire
        .ok(
            "ir.model",
            "search_read",
            json!([[["transient", "=", true]]]),
            json!({"fields": ["model"]}),
        )
        .await;
    assert_eq!(
        transient
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["model"].clone())
            .collect::<Vec<_>>(),
        vec![json!("sale.advance.payment.inv")]
    );
    let company_fields = wire
        .ok(
            "ir.model.fields",
            "search_read",
            json!([[
                ["name", "=", "company_id"],
                ["ttype", "=", "many2one"],
                ["relation", "=", "res.company"],
                ["store", "=", true]
            ]]),
            json!({"fields": ["model"]}),
        )
        .await;
    let models: BTreeSet<String> = company_fields
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["model"].as_str().unwrap().to_owned())
        .collect();
    for expected in [
        "sale.order",
        "sale.order.line",
        "res.partner",
        "resource.mixin",
        "sale.report",
        "ir.attachment",
    ] {
        assert!(
            models.contains(expected),
            "{expected} missing from {models:?}"
        );
    }
    assert!(
        !models.contains("product.product"),
        "its company_id is not stored"
    );
    let external = wire
        .ok(
            "ir.model.data",
            "search_read",
            json!([[
                ["module", "=", "base"],
                ["name", "in", ["main_company", "EUR"]]
            ]]),
            json!({"fields": ["model", "res_id"], "order": "name"}),
        )
        .await;
    assert_eq!(
        external,
        json!([{"id": external[0]["id"], "model": "res.currency", "res_id": 125}, {"id": external[1]["id"], "model": "res.company", "res_id": 1}])
    );
    let eur = wire
        .ok(
            "res.currency",
            "search_count",
            json!([[["name", "=", "EUR"]]]),
            json!({}),
        )
        .await;
    assert_eq!(eur, json!(0), "EUR is inactive in a fresh database");
}

#[tokio::test]
async fn reports_and_mixins_refuse_what_odoo_refuses() {
    let (sim, a, _) = two_tenants().await;
    let wire = Wire::new(&sim);
    assert_eq!(
        wire.fails("resource.mixin", "search", json!([[]]), json!({})).await,
        ("odoo.exceptions.AccessError".into(), "You are not allowed to access 'Resource Mixin' (resource.mixin) records.\n\nNo group currently allows this operation.\n\nContact your administrator to request access if necessary.".into())
    );
    let report = wire
        .ok(
            "sale.report",
            "search_read",
            json!([[["company_id", "=", a.company_id]]]),
            json!({"fields": ["company_id", "price_total"], "limit": 2}),
        )
        .await;
    assert_eq!(report.as_array().unwrap().len(), 2);
    let (name, message) = wire
        .fails("sale.report", "create", json!([{"name": "x"}]), json!({}))
        .await;
    assert_eq!(name, "odoo.exceptions.AccessError");
    assert!(
        message.starts_with(
            "You are not allowed to create 'Sales Analysis Report' (sale.report) records."
        ),
        "{message}"
    );
}

#[tokio::test]
async fn unlink_cascades_to_lines_and_attachments() {
    let (sim, a, _) = two_tenants().await;
    let wire = Wire::new(&sim);
    let order = sim.with_db(|db| {
        db.ids("sale.order")
            .into_iter()
            .find(|id| {
                db.get("sale.order", *id).unwrap().many2one("company_id") == Some(a.company_id)
            })
            .unwrap()
    });
    let lines = sim.with_db(|db| {
        db.ids("sale.order.line")
            .into_iter()
            .filter(|l| db.get("sale.order.line", *l).unwrap().many2one("order_id") == Some(order))
            .collect::<Vec<_>>()
    });
    wire.ok("sale.order", "unlink", json!([[order]]), json!({}))
        .await;
    sim.with_db(|db| {
        assert!(db.get("sale.order", order).is_none());
        assert!(lines.iter().all(
            |l| db.get("sale.order.line", *l).is_none() && db.get("sale.report", *l).is_none()
        ));
        assert!(db.ids("ir.attachment").iter().all(|id| {
            let att = db.get("ir.attachment", *id).unwrap();
            !(att.text("res_model") == Some("sale.order") && att.many2one("res_id") == Some(order))
        }));
    });
}

#[tokio::test]
async fn malformed_domains_fail_like_python_and_postgresql() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    assert_eq!(
        wire.fails(
            "res.partner",
            "search",
            json!([[["name", "=="]]]),
            json!({})
        )
        .await,
        (
            "builtins.ValueError".into(),
            "not enough values to unpack (expected 3, got 2)".into()
        )
    );
    assert_eq!(
        wire.fails(
            "res.partner",
            "search",
            json!([[["company_id", "=", {"x": 1}]]]),
            json!({})
        )
        .await,
        (
            "psycopg2.ProgrammingError".into(),
            "can't adapt type 'dict'".into()
        )
    );
}

#[tokio::test]
async fn load_other_than_classic_read_gives_bare_many2one_ids() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    let rows = wire
        .ok(
            "res.company",
            "search_read",
            json!([[["id", "=", 1]]]),
            json!({"fields": ["partner_id"], "load": ""}),
        )
        .await;
    assert_eq!(rows, json!([{"id": 1, "partner_id": 1}]));
    let classic = wire
        .ok(
            "res.company",
            "read",
            json!([[1], ["partner_id"]]),
            json!({}),
        )
        .await;
    assert_eq!(classic, json!([{"id": 1, "partner_id": [1, "My Company"]}]));
}

#[tokio::test]
async fn partner_hierarchies_refuse_cycles_and_foreign_writes_name_read_access() {
    let (sim, a, b) = two_tenants().await;
    let wire = Wire::new(&sim);
    let parent = wire
        .ok(
            "res.partner",
            "create",
            json!([{"name": "Parent", "is_company": true}]),
            json!({}),
        )
        .await;
    let child = wire
        .ok(
            "res.partner",
            "create",
            json!([{"name": "Child", "parent_id": parent}]),
            json!({}),
        )
        .await;
    assert_eq!(
        wire.fails(
            "res.partner",
            "write",
            json!([[parent], {"parent_id": child}]),
            json!({})
        )
        .await,
        (
            "odoo.exceptions.ValidationError".into(),
            "You cannot create recursive Partner hierarchies.".into()
        )
    );
    let b_partner = sim.with_db(|db| {
        db.ids("res.partner")
            .into_iter()
            .find(|id| {
                db.get("res.partner", *id).unwrap().many2one("company_id") == Some(b.company_id)
            })
            .unwrap()
    });
    let (name, message) = wire
        .fails(
            "res.partner",
            "write",
            json!([[b_partner], {"comment": "x"}]),
            json!({"context": pinned(a.company_id)}),
        )
        .await;
    assert_eq!(name, "odoo.exceptions.AccessError");
    assert!(
        message.contains("doesn't have 'read' access to:\n- Contact (res.partner)"),
        "{message}"
    );
}

#[tokio::test]
async fn a_failed_call_leaves_totals_and_lines_as_they_were() {
    let (sim, a, _) = two_tenants().await;
    let wire = Wire::new(&sim);
    let order = sim.with_db(|db| {
        db.ids("sale.order")
            .into_iter()
            .find(|id| {
                db.get("sale.order", *id).unwrap().many2one("company_id") == Some(a.company_id)
            })
            .unwrap()
    });
    let before = sim.with_db(|db| {
        (
            db.get("sale.order", order).cloned(),
            db.ids("sale.order.line"),
            db.ids("sale.report"),
        )
    });
    let line = before
        .1
        .iter()
        .copied()
        .find(|l| {
            sim.with_db(|db| {
                db.get("sale.order.line", *l).unwrap().many2one("order_id") == Some(order)
            })
        })
        .unwrap();
    // The first command changes the order, the second fails: nothing may stay changed.
    let (name, _) = wire
        .fails("sale.order", "write", json!([[order], {"order_line": [[1, line, {"product_uom_qty": 99.0}], [2, line], [0, 0, {"nofield": 1}]]}]), json!({}))
        .await;
    assert_eq!(name, "builtins.ValueError");
    let after = sim.with_db(|db| {
        (
            db.get("sale.order", order).cloned(),
            db.ids("sale.order.line"),
            db.ids("sale.report"),
        )
    });
    assert!(before == after, "order, lines and report rows restored");
    // A failed create of a new order with lines leaves no order, line or report row behind.
    let (name, _) = wire
        .fails("sale.order", "create", json!([{"partner_id": 3, "order_line": [[0, 0, {"product_id": 1, "price_unit": 2.0}], [0, 0, {"bogus": 1}]]}]), json!({}))
        .await;
    assert_eq!(name, "builtins.ValueError");
    let last = sim.with_db(|db| {
        (
            db.get("sale.order", order).cloned(),
            db.ids("sale.order.line"),
            db.ids("sale.report"),
        )
    });
    assert!(before == last);
}

#[tokio::test]
async fn a_missing_mandatory_field_names_the_field_like_odoo() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    assert_eq!(
        wire.fails("sale.order", "create", json!([{"note": "no customer"}]), json!({})).await,
        (
            "odoo.exceptions.ValidationError".into(),
            "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: Sales Order (sale.order)\nField: Customer (partner_id)\n".into()
        )
    );
    assert_eq!(
        wire.ok("res.partner", "create", json!([[]]), json!({}))
            .await,
        json!([])
    );
    let single = wire
        .ok("res.partner", "create", json!([{"name": "one"}]), json!({}))
        .await;
    assert!(single.is_i64(), "a dict answers a bare id: {single}");
}

#[tokio::test]
async fn partner_share_tells_internal_users_partners_from_customers() {
    let (sim, a, b) = two_tenants().await;
    let wire = Wire::new(&sim);
    let admin_partner = wire
        .ok(
            "res.partner",
            "read",
            json!([[3], ["partner_share"]]),
            json!({}),
        )
        .await;
    assert_eq!(admin_partner, json!([{"id": 3, "partner_share": false}]));
    let customers_of_b = wire
        .ok(
            "res.partner",
            "search_count",
            json!([[
                ["company_id", "=", b.company_id],
                ["partner_share", "=", true]
            ]]),
            json!({"context": pinned(a.company_id)}),
        )
        .await;
    assert_eq!(customers_of_b, json!(0), "B's customers stay hidden from A");
    let shared = wire
        .ok(
            "res.partner",
            "search_count",
            json!([[
                ["partner_share", "=", true],
                ["company_id", "=", a.company_id]
            ]]),
            json!({}),
        )
        .await;
    assert!(shared.as_i64().unwrap() > 0);
}

/// A product template's name read in `lang` by a call pinned to `company`.
async fn product_name(wire: &Wire, company: i64, id: i64, lang: &str) -> Value {
    wire.ok(
        "product.template",
        "read",
        json!([[id]]),
        json!({"fields": ["name"], "context": {"allowed_company_ids": [company], "lang": lang}}),
    )
    .await[0]["name"]
        .clone()
}

/// Creates a product template named `name` in `lang` for `company`; its id.
async fn create_product(wire: &Wire, company: i64, name: &str, lang: &str) -> i64 {
    wire.ok(
        "product.template",
        "create",
        json!([{"name": name, "company_id": company}]),
        json!({"context": {"allowed_company_ids": [company], "lang": lang}}),
    )
    .await
    .as_i64()
    .unwrap()
}

/// Names a product template `name` in `lang`.
async fn rename_product(wire: &Wire, company: i64, id: i64, name: &str, lang: &str) {
    wire.ok(
        "product.template",
        "write",
        json!([[id], {"name": name}]),
        json!({"context": {"allowed_company_ids": [company], "lang": lang}}),
    )
    .await;
}

#[tokio::test]
async fn translatable_fields_keep_a_value_per_active_language() {
    let (sim, a, _) = two_tenants().await;
    let wire = Wire::new(&sim);
    let in_lang = |lang: &str| json!({"allowed_company_ids": [a.company_id], "lang": lang});
    assert_eq!(
        wire.fails(
            "res.partner",
            "search_read",
            json!([[]]),
            json!({"fields": ["name"], "context": in_lang("fr_FR")})
        )
        .await,
        (
            "odoo.exceptions.UserError".into(),
            "Invalid language code: fr_FR".into()
        ),
        "a language that is not active is refused, as Odoo does"
    );
    sim.with_db(|db| db.activate_language("fr_FR"));
    let name_in = |id: i64, lang: &'static str| product_name(&wire, a.company_id, id, lang);

    let football = create_product(&wire, a.company_id, "Football (EN)", "en_US").await;
    assert_eq!(
        name_in(football, "fr_FR").await,
        json!("Football (EN)"),
        "without a value of its own, French reads the source value"
    );
    rename_product(&wire, a.company_id, football, "Ballon (FR)", "fr_FR").await;
    assert_eq!(name_in(football, "fr_FR").await, json!("Ballon (FR)"));
    assert_eq!(
        name_in(football, "en_US").await,
        json!("Football (EN)"),
        "writing French leaves English alone"
    );
    rename_product(&wire, a.company_id, football, "Soccer ball (EN)", "en_US").await;
    assert_eq!(
        name_in(football, "fr_FR").await,
        json!("Ballon (FR)"),
        "writing English leaves French alone"
    );
    let no_lang = wire
        .ok(
            "product.template",
            "read",
            json!([[football]]),
            json!({"fields": ["name"]}),
        )
        .await;
    assert_eq!(
        no_lang[0]["name"],
        json!("Soccer ball (EN)"),
        "no language in the context is the source language"
    );

    let made_in_french = create_product(&wire, a.company_id, "Créé en français", "fr_FR").await;
    assert_eq!(
        name_in(made_in_french, "en_US").await,
        json!("Créé en français"),
        "a record created in French has that value in English too"
    );
    assert_eq!(
        name_in(made_in_french, "fr_FR").await,
        json!("Créé en français")
    );
}

#[tokio::test]
async fn without_english_active_every_language_written_sets_the_source_value_too() {
    let (sim, a, _) = two_tenants().await;
    let wire = Wire::new(&sim);
    sim.with_db(|db| {
        db.activate_language("fr_FR");
        db.deactivate_language("en_US");
    });
    let name_in = |id: i64, lang: &'static str| product_name(&wire, a.company_id, id, lang);
    let football = create_product(&wire, a.company_id, "Football (EN)", "en_US").await;
    rename_product(&wire, a.company_id, football, "Ballon (FR)", "fr_FR").await;
    assert_eq!(
        name_in(football, "en_US").await,
        json!("Ballon (FR)"),
        "a database created in French keeps English in step with French, as Odoo does"
    );
    rename_product(&wire, a.company_id, football, "Football (EN)", "en_US").await;
    assert_eq!(
        (
            name_in(football, "en_US").await,
            name_in(football, "fr_FR").await
        ),
        (json!("Football (EN)"), json!("Ballon (FR)")),
        "writing English, even inactive, leaves French alone"
    );
}

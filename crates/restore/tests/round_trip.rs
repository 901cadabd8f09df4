//! Back up a tenant, damage it through the API (a sale order deleted with its lines, a partner
//! deleted with its contacts, an attachment deleted, values changed, records added), restore,
//! and check what a user would: every record of the archive is back with its values, the new
//! records are still there, every other tenant is exactly as before, the dry run announced what
//! the run did, and running the restore again writes nothing.
//!
//! Runs against the simulator, or against the real Odoo named by `ODOO_URL` (see
//! `support::world` for which tenant it damages there; it restores it before it ends).

mod support;

use std::collections::BTreeMap;

use odoo_client::{Domain, OdooClient, Record, SearchOptions};
use serde_json::{Value, json};
use support::{World, archive_records, differences, export, ids_of, world};
use tenant_restore::{ExecuteOptions, NoRestoreProgress, RestoreOutcome};

/// On a real Odoo both tests restore the same tenant: one at a time, or each sees the other's
/// records come and go.
static SAME_TENANT: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn values(value: Value) -> Record {
    value.as_object().expect("an object").clone()
}

/// Deletes the first candidate Odoo lets go of, children first; returns what was deleted.
async fn delete_family(
    client: &OdooClient,
    model: &str,
    candidates: &[i64],
    children_model: &str,
    children_field: &str,
) -> Option<(i64, Vec<i64>)> {
    for parent in candidates {
        let children = client
            .search(
                children_model,
                &Domain::leaf(children_field, "=", *parent),
                &SearchOptions::ordered_by("id"),
            )
            .await
            .expect("search children");
        if children.is_empty() {
            continue;
        }
        if client.unlink(children_model, &children).await.is_err() {
            continue;
        }
        if client.unlink(model, &[*parent]).await.is_ok() {
            return Some((*parent, children));
        }
    }
    None
}

async fn damage(world: &World, template: i64, family: i64) -> (Vec<String>, i64, Vec<i64>) {
    let tenant = world.tenant;
    let client = world.scoped(tenant);
    let mut done = Vec::new();

    // A sale order with its lines (one Odoo lets delete: a quotation).
    let orders = ids_of(
        &world.client,
        tenant,
        "sale.order",
        Domain::leaf("company_id", "=", tenant).and(Domain::leaf(
            "state",
            "in",
            json!(["draft", "sent", "cancel"]),
        )),
    )
    .await;
    let (order, lines) = delete_family(
        &client,
        "sale.order",
        &orders,
        "sale.order.line",
        "order_id",
    )
    .await
    .expect("a sale order with lines that can be deleted");
    done.push(format!(
        "deleted sale.order {order} and its lines {lines:?}"
    ));

    // A company partner with its contacts: the test's own, as a real tenant may have none.
    let (partner, contacts) = delete_family(
        &client,
        "res.partner",
        &[family],
        "res.partner",
        "parent_id",
    )
    .await
    .expect("a partner with contacts that can be deleted");
    done.push(format!(
        "deleted res.partner {partner} and its contacts {contacts:?}"
    ));

    // A product template with its variant: re-created, Odoo makes a variant of its own with
    // it, which the restore must take for the archive's, not add the archive's to it.
    let variants = ids_of(
        &world.client,
        tenant,
        "product.product",
        Domain::leaf("product_tmpl_id", "=", template),
    )
    .await;
    client
        .unlink("product.template", &[template])
        .await
        .expect("delete the product template");
    done.push(format!(
        "deleted product.template {template} and its variants {variants:?}"
    ));

    // An attachment.
    let attachments = ids_of(
        &world.client,
        tenant,
        "ir.attachment",
        Domain::leaf("company_id", "=", tenant).and(Domain::leaf("res_field", "=", false)),
    )
    .await;
    if let Some(attachment) = attachments.first() {
        client
            .unlink("ir.attachment", &[*attachment])
            .await
            .expect("delete an attachment");
        done.push(format!("deleted ir.attachment {attachment}"));
    }

    // Changed values.
    let partners = ids_of(
        &world.client,
        tenant,
        "res.partner",
        Domain::leaf("company_id", "=", tenant),
    )
    .await;
    // A name of this run: a database left damaged by an interrupted run holds the last one.
    let changed_name = format!(
        "Changed by the round trip {}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    for partner in partners.iter().take(3) {
        client
            .write(
                "res.partner",
                &[*partner],
                values(json!({"name": changed_name, "phone": "+33 0 00 00 00 00"})),
            )
            .await
            .expect("change a partner");
    }
    done.push(format!(
        "renamed partners {:?}",
        &partners[..3.min(partners.len())]
    ));
    let products = ids_of(
        &world.client,
        tenant,
        "product.template",
        Domain::leaf("company_id", "=", tenant),
    )
    .await;
    if let Some(product) = products.first() {
        client
            .write(
                "product.template",
                &[*product],
                values(json!({"list_price": 12345.5, "name": format!("Changed product {changed_name}")})),
            )
            .await
            .expect("change a product");
        done.push(format!("changed product.template {product}"));
    }

    // A record created after the backup.
    let new_partner = client
        .create(
            "res.partner",
            vec![values(
                json!({"name": "Created after the backup", "company_id": tenant}),
            )],
        )
        .await
        .expect("create a partner")[0];
    done.push(format!("created res.partner {new_partner}"));
    (done, new_partner, variants)
}

#[tokio::test]
async fn a_damaged_tenant_comes_back_exactly_and_the_others_are_untouched() {
    let _one_at_a_time = SAME_TENANT.lock().await;
    let world = world().await;
    let directory = tempfile::tempdir().unwrap();
    // A product as a user makes one, through the API: Odoo gives it its variant.
    let template = world
        .scoped(world.tenant)
        .create(
            "product.template",
            vec![values(json!({
                "name": "Produit de l'essai de restauration",
                "company_id": world.tenant,
                "default_code": "ESSAI-RESTAURATION",
            }))],
        )
        .await
        .expect("create a product")[0];
    // A company partner with two contacts, which the damage deletes.
    let family = world
        .scoped(world.tenant)
        .create(
            "res.partner",
            vec![values(json!({
                "name": "Société de l'essai de restauration",
                "is_company": true,
                "company_id": world.tenant,
            }))],
        )
        .await
        .expect("create a company partner")[0];
    world
        .scoped(world.tenant)
        .create(
            "res.partner",
            ["Alice", "Bruno"]
                .iter()
                .map(|name| {
                    values(json!({
                        "name": format!("{name}, contact de l'essai de restauration"),
                        "parent_id": family,
                        "company_id": world.tenant,
                    }))
                })
                .collect(),
        )
        .await
        .expect("create its contacts");
    let archive_path = world.backup(world.tenant, directory.path()).await;
    let archive = archive_records(&archive_path);

    let mut others_before = BTreeMap::new();
    for other in &world.others {
        others_before.insert(*other, export(&world, *other, directory.path()).await);
    }

    let (damage_done, new_partner, variants) = damage(&world, template, family).await;
    eprintln!("damage: {damage_done:#?}");

    // Dry run: a plan, no write.
    world.reset_stats();
    let selector = world.tenant.to_string().parse().unwrap();
    let target = backup_engine::resolve_tenant(&world.client, &selector)
        .await
        .expect("the tenant");
    let plan = tenant_restore::plan(
        &world.client,
        &archive_path,
        &target,
        &support::plan_options(),
        &NoRestoreProgress,
    )
    .await
    .expect("plan the restore");
    assert_eq!(world.writes().unwrap_or(0), 0, "planning wrote to Odoo");
    let announced = plan.summary();
    let totals = plan.totals();
    eprintln!("plan: {totals:?}");
    assert!(
        totals.created >= 3,
        "the plan re-creates the deleted records: {totals:?}"
    );
    assert!(
        totals.updated >= 2,
        "the plan updates the changed records: {totals:?}"
    );
    assert_eq!(
        totals.refused,
        0,
        "{:#?}",
        plan.refusals().collect::<Vec<_>>()
    );

    let safety = tempfile::tempdir().unwrap();
    let safety_backup = tenant_restore::safety_backup(
        &world.client,
        &plan,
        safety.path(),
        &support::backup_options(),
        &NoRestoreProgress,
    )
    .await
    .expect("safety backup")
    .expect("a safety backup before the first write");
    let report = tenant_restore::execute(
        &world.client,
        &plan,
        &ExecuteOptions::default(),
        &NoRestoreProgress,
    )
    .await
    .expect("restore");
    assert_eq!(
        report.outcome,
        RestoreOutcome::Complete,
        "failures {:#?}\nunresolved {:#?}",
        report.failures,
        report.unresolved
    );
    let safety_archive = &safety_backup.archive;
    assert!(safety_archive.starts_with(safety.path()) && safety_archive.exists());
    assert_eq!(
        report.models, announced,
        "the dry run announced what the run did"
    );

    // Every record of the archive is back with its values.
    let problems = differences(&world.client, world.tenant, &archive, &report.recreated).await;
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // The deleted template is back with its variants, each once.
    let new_template = report.recreated["product.template"][&template];
    let variants_now = ids_of(
        &world.client,
        world.tenant,
        "product.product",
        Domain::leaf("product_tmpl_id", "=", new_template),
    )
    .await;
    assert_eq!(
        variants_now.len(),
        variants.len(),
        "product.template {template} had the variants {variants:?}, re-created as {new_template} it has {variants_now:?}"
    );
    // The record created after the backup is still there.
    let still_there = world
        .scoped(world.tenant)
        .read("res.partner", &[new_partner], &["name".to_owned()])
        .await
        .unwrap();
    assert_eq!(
        still_there.len(),
        1,
        "a record not in the archive was removed"
    );

    // Every other tenant is as before.
    for (other, before) in &others_before {
        let after = export(&world, *other, directory.path()).await;
        if world.simulator.is_some() {
            assert_eq!(&after, before, "tenant {other} changed");
        } else {
            // Other suites work in these tenants at the same time on a real Odoo: compare the
            // records that exist in both.
            for (model, records) in before {
                for (id, record) in records {
                    if let Some(now) = after.get(model).and_then(|records| records.get(id)) {
                        assert_eq!(now, record, "tenant {other}: {model} {id} changed");
                    }
                }
            }
        }
    }

    // Running the same restore again changes nothing.
    world.reset_stats();
    let again = tenant_restore::plan(
        &world.client,
        &archive_path,
        &target,
        &support::plan_options(),
        &NoRestoreProgress,
    )
    .await
    .expect("plan again");
    let leftovers: Vec<String> =
        again
            .models()
            .iter()
            .flat_map(|model| {
                model
                    .updates
                    .iter()
                    .map(move |update| {
                        format!(
                            "{} {}: {:?}",
                            model.model, update.archive_id, update.changes
                        )
                    })
                    .chain(model.creates.iter().map(move |create| {
                        format!("{} {} to create", model.model, create.archive_id)
                    }))
            })
            .collect();
    assert!(
        leftovers.is_empty(),
        "a second run would write:\n{}",
        leftovers.join("\n")
    );
    let second_safety_backup = tenant_restore::safety_backup(
        &world.client,
        &again,
        safety.path(),
        &support::backup_options(),
        &NoRestoreProgress,
    )
    .await
    .expect("safety backup again");
    assert!(
        second_safety_backup.is_none(),
        "nothing to write, no safety backup"
    );
    let second = tenant_restore::execute(
        &world.client,
        &again,
        &ExecuteOptions::default(),
        &NoRestoreProgress,
    )
    .await
    .expect("restore again");
    assert_eq!(second.write_calls, 0);
    if let Some(writes) = world.writes() {
        assert_eq!(writes, 0, "the second run wrote to Odoo");
    }

    if world.simulator.is_none() {
        world
            .scoped(world.tenant)
            .unlink("res.partner", &[new_partner])
            .await
            .expect("remove the partner the test created");
        world
            .scoped(world.tenant)
            .unlink("product.template", &[new_template])
            .await
            .expect("remove the product the test created");
    }
}

/// The plan of restoring `archive` into the world's tenant.
async fn plan_restore(world: &World, archive: &std::path::Path) -> tenant_restore::RestorePlan {
    let target = world.tenant_of(world.tenant).await;
    tenant_restore::plan(
        &world.client,
        archive,
        &target,
        &support::plan_options(),
        &NoRestoreProgress,
    )
    .await
    .expect("plan the restore")
}

/// Carries `plan` out, the check included.
async fn restore(
    world: &World,
    plan: &tenant_restore::RestorePlan,
) -> tenant_restore::RestoreReport {
    tenant_restore::execute(
        &world.client,
        plan,
        &ExecuteOptions::default(),
        &NoRestoreProgress,
    )
    .await
    .expect("restore")
}

/// The name of a product template in `lang`.
async fn name_in(world: &World, template: i64, lang: &str) -> Value {
    let reader = world.client.with_context(
        odoo_client::Context::company(world.tenant)
            .with_archived()
            .with_lang(lang),
    );
    let rows = reader
        .read("product.template", &[template], &["name".to_owned()])
        .await
        .expect("read a product's name");
    rows.first().map_or(Value::Null, |row| row["name"].clone())
}

#[tokio::test]
async fn names_typed_in_french_come_back_with_the_english_ones() {
    let _one_at_a_time = SAME_TENANT.lock().await;
    let world = world().await;
    let Some(simulator) = &world.simulator else {
        // A real database as it is: English active, or not (created in French).
        return french_names_round_trip(&world, || ()).await;
    };
    simulator.with_db(|db| db.activate_language("fr_FR"));
    french_names_round_trip(&world, || ()).await;
    // A database created in French has English inactive, with values loaded in English by
    // modules: every write in French then sets the English value too, which the restore must
    // set back.
    french_names_round_trip(&world, || {
        simulator.with_db(|db| db.deactivate_language("en_US"));
    })
    .await;
    simulator.with_db(|db| db.activate_language("en_US"));
}

/// Two products named in English, then in French; `before_backup` runs; after the backup one is
/// renamed in French and the other deleted. The restore brings back both names of both as
/// Odoo held them when the backup was made, and a second restore would write nothing.
async fn french_names_round_trip(world: &World, before_backup: impl FnOnce()) {
    let directory = tempfile::tempdir().unwrap();
    let in_lang = |lang: &str| {
        world.client.with_context(
            odoo_client::Context::company(world.tenant)
                .with_archived()
                .with_lang(lang),
        )
    };
    let (english, french) = (in_lang("en_US"), in_lang("fr_FR"));
    let suffix = format!("{}", std::process::id());
    let mut products = Vec::new();
    for (en, fr) in [
        ("Football (EN)", "Ballon de football (FR)"),
        ("Water bottle (EN)", "Gourde isotherme (FR)"),
    ] {
        let id = english
            .create(
                "product.template",
                vec![values(
                    json!({"name": format!("{en} {suffix}"), "company_id": world.tenant}),
                )],
            )
            .await
            .expect("create a product in English")[0];
        french
            .write(
                "product.template",
                &[id],
                values(json!({"name": format!("{fr} {suffix}")})),
            )
            .await
            .expect("name it in French");
        products.push(id);
    }
    before_backup();
    // What Odoo holds: on a database without English, English follows French.
    let mut expected = Vec::new();
    for id in &products {
        expected.push((
            name_in(world, *id, "en_US").await,
            name_in(world, *id, "fr_FR").await,
        ));
    }
    let archive_path = world.backup(world.tenant, directory.path()).await;

    // After the backup: the first product's French name is changed, the second is deleted.
    let (changed, deleted) = (products[0], products[1]);
    french
        .write(
            "product.template",
            &[changed],
            values(json!({"name": "Ballon renommé"})),
        )
        .await
        .expect("rename in French");
    english
        .unlink("product.template", &[deleted])
        .await
        .expect("delete a product");

    let plan = plan_restore(world, &archive_path).await;
    let report = restore(world, &plan).await;
    assert_eq!(
        report.outcome,
        RestoreOutcome::Complete,
        "failures {:#?}\nunresolved {:#?}\ndifferences {:#?}",
        report.failures,
        report.unresolved,
        report.differences
    );
    let recreated = report.recreated["product.template"][&deleted];
    for ((en, fr), now) in expected.iter().zip([changed, recreated]) {
        assert_eq!(
            (
                &name_in(world, now, "en_US").await,
                &name_in(world, now, "fr_FR").await
            ),
            (en, fr),
            "English and French names of {now}"
        );
    }

    // Restored, the tenant is the archive: a second plan writes nothing.
    world.reset_stats();
    let again = plan_restore(world, &archive_path).await;
    assert!(
        again.writes_nothing(),
        "a second run would write: {:#?}",
        again
            .models()
            .iter()
            .filter(|model| !model.updates.is_empty() || !model.translations.is_empty())
            .map(|model| (&model.model, &model.updates, &model.translations))
            .collect::<Vec<_>>()
    );
    english
        .unlink("product.template", &[changed, recreated])
        .await
        .expect("clean up");
}

/// A confirmed order and a posted invoice of the tenant. On a real Odoo they are made for the
/// test through Odoo's own buttons; the simulator's shops have some.
async fn confirmed_order_and_posted_invoice(world: &World) -> (i64, i64) {
    confirmed_order_and_posted_invoice_of(world, Domain::leaf("sale_ok", "=", true)).await
}

/// [`confirmed_order_and_posted_invoice`], of a product that `products` finds first.
async fn confirmed_order_and_posted_invoice_of(world: &World, products: Domain) -> (i64, i64) {
    let client = world.scoped(world.tenant);
    if world.simulator.is_some() {
        let first = |model: &'static str, state: &'static str| {
            let client = client.clone();
            async move {
                let domain = Domain::leaf("company_id", "=", world.tenant)
                    .and(Domain::leaf("state", "=", state));
                client
                    .search(model, &domain, &SearchOptions::ordered_by("id").limit(1))
                    .await
                    .expect("search")[0]
            }
        };
        return (
            first("sale.order", "sale").await,
            first("account.move", "posted").await,
        );
    }
    let partner = ids_of(
        &world.client,
        world.tenant,
        "res.partner",
        Domain::leaf("company_id", "=", world.tenant),
    )
    .await[0];
    let product = ids_of(&world.client, world.tenant, "product.product", products).await[0];
    let line = json!([0, 0, {"product_id": product, "product_uom_qty": 1.0}]);
    let order = client
        .create(
            "sale.order",
            vec![values(
                json!({"partner_id": partner, "company_id": world.tenant, "order_line": [line]}),
            )],
        )
        .await
        .expect("create an order")[0];
    press(&client, "sale.order", "action_confirm", order).await;
    let invoice_line = json!([0, 0, {"product_id": product, "quantity": 1.0, "price_unit": 42.0}]);
    let invoice = client
        .create(
            "account.move",
            vec![values(json!({"move_type": "out_invoice", "partner_id": partner, "company_id": world.tenant, "invoice_line_ids": [invoice_line]}))],
        )
        .await
        .expect("create an invoice")[0];
    press(&client, "account.move", "action_post", invoice).await;
    (order, invoice)
}

/// Presses one of Odoo's buttons (a public method of a record) on one record.
async fn press(client: &OdooClient, model: &str, method: &str, id: i64) {
    client
        .call(
            model,
            method,
            Some(&[id]),
            Default::default(),
            odoo_client::CallKind::Write,
        )
        .await
        .unwrap_or_else(|error| panic!("{model}.{method}: {error}"));
}

/// Deletes them as a user must: the order cancelled first, the invoice reset to draft.
async fn delete_order_and_invoice(world: &World, order: i64, invoice: i64) {
    let client = world.scoped(world.tenant);
    if world.simulator.is_none() {
        // Without it, cancelling a confirmed order opens a confirmation wizard instead.
        let client = client.with_context(
            odoo_client::Context::company(world.tenant)
                .with_archived()
                .with("disable_cancel_warning", true),
        );
        press(&client, "sale.order", "action_cancel", order).await;
        press(&client, "account.move", "button_draft", invoice).await;
    }
    client
        .unlink("sale.order", &[order])
        .await
        .expect("delete the order");
    client
        .unlink("account.move", &[invoice])
        .await
        .expect("delete the invoice");
}

#[tokio::test]
async fn a_confirmed_order_and_a_posted_invoice_are_named_by_their_reference_with_what_to_do() {
    let _one_at_a_time = SAME_TENANT.lock().await;
    let world = world().await;
    let directory = tempfile::tempdir().unwrap();
    let (order, invoice) = confirmed_order_and_posted_invoice(&world).await;
    let client = world.scoped(world.tenant);
    let name_of = |model: &'static str, id: i64| {
        let client = client.clone();
        async move {
            let rows = client
                .read(model, &[id], &["name".to_owned()])
                .await
                .unwrap();
            rows[0]["name"].as_str().unwrap().to_owned()
        }
    };
    let order_name = name_of("sale.order", order).await;
    let invoice_name = name_of("account.move", invoice).await;
    let archive_path = world.backup(world.tenant, directory.path()).await;
    delete_order_and_invoice(&world, order, invoice).await;

    let plan = plan_restore(&world, &archive_path).await;
    let described = |changes: Vec<&tenant_restore::StateChange>| -> Vec<String> {
        changes.iter().map(|change| change.describe()).collect()
    };
    let foreseen = described(plan.state_changes().collect());
    for expected in [
        format!(
            "{order_name}: Sales Order in the backup, comes back as Quotation; check it, then confirm it again"
        ),
        format!(
            "{invoice_name}: Posted in the backup, comes back as Draft; check it, then post it again: it keeps its number"
        ),
    ] {
        assert!(
            foreseen.contains(&expected),
            "the dry run says {foreseen:#?}, not {expected:?}"
        );
    }

    let report = restore(&world, &plan).await;
    let observed = described(report.state_changes.iter().collect());
    assert!(
        foreseen.iter().all(|line| observed.contains(line)),
        "the report says {observed:#?}, the dry run said {foreseen:#?}"
    );
    let new_order = report.recreated["sale.order"][&order];
    let new_invoice = report.recreated["account.move"][&invoice];
    assert!(
        report
            .state_changes
            .iter()
            .any(|change| change.target_id == Some(new_order))
    );
    assert_eq!(
        name_of("sale.order", new_order).await,
        order_name,
        "the order keeps its number"
    );
    assert_eq!(
        name_of("account.move", new_invoice).await,
        invoice_name,
        "the invoice keeps its number"
    );
    // Re-created as a quotation and a draft, they go as such.
    client
        .unlink("sale.order", &[new_order])
        .await
        .expect("delete the quotation");
    client
        .unlink("account.move", &[new_invoice])
        .await
        .expect("delete the draft");
}

/// A lead whose e-mail differs from its customer's (a state Odoo allows), whose customer has
/// other leads. On a real Odoo the database must hold one already: over the API Odoo writes a
/// lead's e-mail through to its customer, so such a lead cannot be made there.
async fn lead_with_its_own_email(world: &World) -> (i64, i64) {
    let client = world.scoped(world.tenant);
    let leads = |domain: Domain| {
        let client = client.clone();
        async move {
            client
                .search_read(
                    "crm.lead",
                    &domain,
                    &["partner_id".to_owned(), "email_from".to_owned()],
                    &SearchOptions::ordered_by("id").bare_many2one(),
                )
                .await
                .expect("read leads")
        }
    };
    let all = leads(
        Domain::leaf("company_id", "=", world.tenant).and(Domain::leaf("partner_id", "!=", false)),
    )
    .await;
    let mut by_partner: BTreeMap<i64, Vec<&Record>> = BTreeMap::new();
    for lead in &all {
        by_partner
            .entry(lead["partner_id"].as_i64().unwrap())
            .or_default()
            .push(lead);
    }
    let partners = client
        .read(
            "res.partner",
            &by_partner.keys().copied().collect::<Vec<_>>(),
            &["email".to_owned()],
        )
        .await
        .expect("read customers");
    let email_of: BTreeMap<i64, Value> = partners
        .iter()
        .map(|partner| (partner["id"].as_i64().unwrap(), partner["email"].clone()))
        .collect();
    for (partner, leads) in &by_partner {
        if leads.len() < 2 || !email_of[partner].is_string() {
            continue;
        }
        if let Some(simulator) = &world.simulator {
            // What an import or a module's SQL leaves: a lead with an e-mail of its own.
            let lead = leads[0]["id"].as_i64().unwrap();
            simulator.with_db(|db| {
                db.set_field("crm.lead", lead, "email_from", json!("propre@exemple.fr"));
            });
            return (lead, *partner);
        }
        if let Some(lead) = leads
            .iter()
            .find(|lead| lead["email_from"] != email_of[partner])
        {
            return (lead["id"].as_i64().unwrap(), *partner);
        }
    }
    panic!(
        "the tenant needs a customer with two leads, one of them with an e-mail of its own \
         (on a real Odoo, set one with SQL or odoo-bin shell)"
    );
}

#[tokio::test]
async fn restoring_a_lead_reports_every_value_odoo_changed_through_its_customer() {
    let _one_at_a_time = SAME_TENANT.lock().await;
    let world = world().await;
    let directory = tempfile::tempdir().unwrap();
    let (lead, partner) = lead_with_its_own_email(&world).await;
    let archive_path = world.backup(world.tenant, directory.path()).await;
    let archive = archive_records(&archive_path);
    world
        .scoped(world.tenant)
        .unlink("crm.lead", &[lead])
        .await
        .expect("delete the lead");

    let plan = plan_restore(&world, &archive_path).await;
    let report = restore(&world, &plan).await;
    for difference in &report.differences {
        eprintln!("{}", difference.describe());
    }
    assert_eq!(
        report.outcome,
        RestoreOutcome::RestoredWithDifferences,
        "Odoo wrote the lead's e-mail to its customer: failures {:#?}",
        report.failures
    );

    // Every value of the customer and of its leads that differs from the archive now is
    // reported, with a cause.
    let new_lead = report.recreated["crm.lead"][&lead];
    let now_of = |id: i64| if id == lead { new_lead } else { id };
    let client = world.scoped(world.tenant);
    let mut unreported = Vec::new();
    let mut compared = 0;
    let leads_of_partner: Vec<i64> = archive["crm.lead"]
        .iter()
        .filter(|(_, record)| record["partner_id"] == json!(partner))
        .map(|(id, _)| *id)
        .collect();
    for (model, ids, fields) in [
        ("res.partner", vec![partner], ["email", "phone"]),
        ("crm.lead", leads_of_partner, ["email_from", "phone"]),
    ] {
        for id in ids {
            let row = &client
                .read(model, &[now_of(id)], &fields.map(str::to_owned))
                .await
                .expect("read back")[0];
            for field in fields {
                compared += 1;
                let (archived, now) = (&archive[model][&id][field], &row[field]);
                let differs = archived != now
                    && !(odoo_client::value::is_empty(archived)
                        && odoo_client::value::is_empty(now));
                let reported = report.differences.iter().any(|difference| {
                    difference.model == model
                        && difference.archive_id == id
                        && difference.field == field
                        && !matches!(
                            difference.likely_cause,
                            tenant_restore::LikelyCause::Unexplained
                        )
                });
                if differs && !reported {
                    unreported.push(format!(
                        "{model} {id}.{field}: {archived} in the archive, {now} now"
                    ));
                }
            }
        }
    }
    assert!(
        compared >= 6,
        "the customer and at least two leads were compared"
    );
    assert!(
        unreported.is_empty(),
        "differences the report does not give with a cause:\n{}",
        unreported.join("\n")
    );
}

/// A tag given to a partner from the tag's side changes the relation table only: the partner's
/// write_date stays. The restore must still see it and take it back, as the backup must.
#[tokio::test]
async fn a_link_changed_without_a_write_on_the_record_is_set_back() {
    let _one_at_a_time = SAME_TENANT.lock().await;
    let world = world().await;
    let directory = tempfile::tempdir().unwrap();
    let tag = world
        .scoped(world.tenant)
        .create(
            "res.partner.category",
            vec![values(
                json!({"name": "Étiquette de l'essai de restauration"}),
            )],
        )
        .await
        .expect("create a tag")[0];
    let partner = ids_of(
        &world.client,
        world.tenant,
        "res.partner",
        Domain::leaf("company_id", "=", world.tenant),
    )
    .await[0];
    let read_tags = || async {
        let rows = world
            .scoped(world.tenant)
            .read("res.partner", &[partner], &["category_id".to_owned()])
            .await
            .expect("read the partner's tags");
        rows[0]["category_id"].clone()
    };
    let before = read_tags().await;
    let archive = world.backup(world.tenant, directory.path()).await;

    match &world.simulator {
        Some(simulator) => simulator.with_db(|db| {
            let mut tags: Vec<i64> = db
                .get("res.partner", partner)
                .unwrap()
                .many2many("category_id");
            tags.push(tag);
            db.set_field("res.partner", partner, "category_id", json!(tags));
        }),
        None => world
            .scoped(world.tenant)
            .write(
                "res.partner.category",
                &[tag],
                values(json!({"partner_ids": [[4, partner]]})),
            )
            .await
            .expect("tag the partner from the tag's side"),
    }
    assert_ne!(read_tags().await, before, "the tag was given");

    let plan = plan_restore(&world, &archive).await;
    let report = restore(&world, &plan).await;
    assert_eq!(report.outcome, RestoreOutcome::Complete, "{report:#?}");
    assert_eq!(
        read_tags().await,
        before,
        "the partner's tags are as backed up"
    );
    world
        .scoped(world.tenant)
        .unlink("res.partner.category", &[tag])
        .await
        .expect("remove the tag the test created");
}

/// The stock references of a tenant's order, and their names.
async fn references_of(world: &World, order: i64) -> BTreeMap<i64, String> {
    world
        .scoped(world.tenant)
        .search_read(
            "stock.reference",
            &Domain::leaf("sale_ids", "in", json!([order])),
            &["name".to_owned()],
            &SearchOptions::ordered_by("id"),
        )
        .await
        .expect("read the order's stock references")
        .iter()
        .map(|row| {
            let name = row["name"].as_str().unwrap_or_default().to_owned();
            (row["id"].as_i64().unwrap(), name)
        })
        .collect()
}

/// Odoo 19 ties a confirmed order to its transfers through a `stock.reference`, which has no
/// company field. The backup keeps the tenant's (and no other's), and restoring a deleted order
/// links its reference to it again (re-created first on the simulator, where it can be
/// deleted).
#[tokio::test]
async fn on_odoo_19_an_orders_stock_reference_comes_back_with_it() {
    let _one_at_a_time = SAME_TENANT.lock().await;
    let world = support::world_on(odoo_sim::OdooVersion::V19).await;
    let has_references = world
        .client
        .search_count("ir.model", &Domain::leaf("model", "=", "stock.reference"))
        .await
        .expect("look for stock.reference");
    if has_references == 0 {
        assert!(
            world.simulator.is_none(),
            "the simulated 19 has stock.reference"
        );
        eprintln!("this Odoo has no stock.reference (it came with Odoo 19): nothing to check");
        return;
    }
    let directory = tempfile::tempdir().unwrap();
    // Goods, not a service: only a delivery gets a reference.
    let goods = Domain::leaf("sale_ok", "=", true).and(Domain::leaf("type", "=", "consu"));
    let (order, invoice) = confirmed_order_and_posted_invoice_of(&world, goods).await;
    let references = references_of(&world, order).await;
    assert!(
        !references.is_empty(),
        "a confirmed order has a stock reference"
    );
    let archive_path = world.backup(world.tenant, directory.path()).await;

    let archived = archive_records(&archive_path);
    let kept = archived.get("stock.reference").cloned().unwrap_or_default();
    for id in references.keys() {
        assert!(
            kept.contains_key(id),
            "stock.reference {id} is not in the archive"
        );
    }
    let orders = &archived["sale.order"];
    for (id, reference) in &kept {
        let linked: Vec<i64> = reference["sale_ids"]
            .as_array()
            .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        assert!(
            linked.iter().all(|order| orders.contains_key(order)),
            "stock.reference {id} links orders that are not the tenant's: {linked:?}"
        );
    }
    let metadata = backup_engine::verify_with(
        &archive_path,
        &support::archive_keys(),
        backup_engine::ReadLimits::default(),
    )
    .expect("the archive verifies")
    .metadata;
    assert!(
        !metadata
            .unresolved_references
            .iter()
            .any(|reference| reference.model == "stock.reference"),
        "{:?}",
        metadata.unresolved_references
    );

    delete_order_and_invoice(&world, order, invoice).await;
    if world.simulator.is_some() {
        // Odoo 19 lets no one delete a reference: it outlives its order, still tied to the
        // order's moves, and the restore links it again. Deleted here, it is re-created.
        let ids: Vec<i64> = references.keys().copied().collect();
        world
            .scoped(world.tenant)
            .unlink("stock.reference", &ids)
            .await
            .expect("delete the order's stock references");
    }

    let plan = plan_restore(&world, &archive_path).await;
    let report = restore(&world, &plan).await;
    // The order and its invoice come back as a quotation and a draft (on a real Odoo some of
    // the invoice's lines too): what matters here is the reference.
    let about_references = |model: &str| model == "stock.reference";
    assert!(
        !report
            .refusals
            .iter()
            .any(|refusal| about_references(&refusal.model))
            && !report
                .failures
                .iter()
                .any(|failure| about_references(&failure.model))
            && !report
                .differences
                .iter()
                .any(|difference| about_references(&difference.model)),
        "{report:#?}"
    );
    let new_order = report.recreated["sale.order"][&order];
    let back = references_of(&world, new_order).await;
    assert_eq!(
        back.values().collect::<Vec<_>>(),
        references.values().collect::<Vec<_>>(),
        "the restored order's stock references"
    );
    let recreated = report
        .recreated
        .get("stock.reference")
        .cloned()
        .unwrap_or_default();
    if world.simulator.is_some() {
        assert_eq!(recreated.len(), references.len(), "{recreated:?}");
    }
    for (old, new) in &recreated {
        assert!(references.contains_key(old) && back.contains_key(new));
    }

    let client = world.scoped(world.tenant);
    client
        .unlink("sale.order", &[new_order])
        .await
        .expect("delete the quotation");
    client
        .unlink(
            "account.move",
            &[report.recreated["account.move"][&invoice]],
        )
        .await
        .expect("delete the draft");
}

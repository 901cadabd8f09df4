//! The Odoo contract: what the product relies on Odoo to do, pinned call by call.
//!
//! Runs against the simulator (Odoo 18 and 19 flavours) in CI, and against a real Odoo through
//! `tests/live`. When the two disagree, the simulator is wrong. Records created on a real Odoo
//! carry a unique name and are removed by the test that made them.

use base64::Engine as _;
use futures::TryStreamExt;
use odoo_client::{
    Context, Domain, FieldType, OdooClient, OdooError, PageOptions, Protocol, Record, SearchOptions,
};
use serde_json::{Value, json};
use suite::{OdooTarget, TINY_PNG, unique_name};

fn values(pairs: Value) -> Record {
    pairs
        .as_object()
        .expect("an object of field values")
        .clone()
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

fn many2one_id(value: &Value) -> Option<i64> {
    value
        .as_array()
        .and_then(|pair| pair.first())
        .and_then(Value::as_i64)
}

/// Runs `check` once per target and protocol, naming both when it fails.
macro_rules! for_each_protocol {
    (|$target:ident, $client:ident| $body:block) => {
        for $target in OdooTarget::all().await {
            for protocol in $target.protocols() {
                let $client = $target.connect(protocol).await;
                let outcome = async { $body }.await;
                let _: () = outcome;
                eprintln!("ok: {} over {protocol}", $target.label);
            }
        }
    };
}

#[tokio::test]
async fn version_is_answered_without_logging_in() {
    for target in OdooTarget::all().await {
        let version = OdooClient::probe_version(&target.config_for(None))
            .await
            .expect("version");
        assert!(version.major >= 16, "{}: version {version:?}", target.label);
        assert!(
            version
                .server_version
                .starts_with(&version.major.to_string()),
            "{version:?}"
        );
        if version.major < 19 {
            assert_eq!(
                version.protocol_version,
                Some(1),
                "{}: {version:?}",
                target.label
            );
        }
    }
}

#[tokio::test]
async fn protocol_detection_picks_a_working_protocol() {
    for target in OdooTarget::all().await {
        let client = OdooClient::connect(target.config_for(None))
            .await
            .expect("connect with detection");
        assert!(client.uid() > 0);
        assert!(
            target.protocols().contains(&client.protocol()),
            "{}: picked {}",
            target.label,
            client.protocol()
        );
    }
}

#[tokio::test]
async fn wrong_credentials_are_access_denied_on_every_protocol() {
    for target in OdooTarget::all().await {
        for protocol in target.protocols() {
            let mut config = target.config_for(Some(protocol));
            let wrong = "not-the-secret-4711";
            config.credential = match config.credential {
                odoo_client::Credential::Password(_) => {
                    odoo_client::Credential::Password(odoo_client::Secret::new(wrong))
                }
                odoo_client::Credential::ApiKey(_) => {
                    odoo_client::Credential::ApiKey(odoo_client::Secret::new(wrong))
                }
            };
            config.retry.max_attempts = 1;
            let error = OdooClient::connect(config)
                .await
                .expect_err("a wrong secret must be refused");
            assert!(
                matches!(error, OdooError::AccessDenied { .. }),
                "{} over {protocol}: {error:?}",
                target.label
            );
            assert!(
                !format!("{error} {error:?}").contains(wrong),
                "the secret leaked into the error"
            );
        }
    }
}

#[tokio::test]
async fn fields_get_describes_storage_relations_and_binaries() {
    for_each_protocol!(|target, client| {
        let partner = client
            .fields_get("res.partner")
            .await
            .expect("fields_get res.partner");
        let name = &partner["name"];
        assert_eq!(name.field_type, FieldType::Char);
        assert!(name.store && !name.is_computed());
        let parent = &partner["parent_id"];
        assert_eq!(parent.field_type, FieldType::Many2one);
        assert_eq!(parent.relation.as_deref(), Some("res.partner"));
        let children = &partner["child_ids"];
        assert_eq!(children.field_type, FieldType::One2many);
        assert_eq!(children.relation_field.as_deref(), Some("parent_id"));
        let company = &partner["company_id"];
        assert_eq!(
            (company.field_type.clone(), company.relation.as_deref()),
            (FieldType::Many2one, Some("res.company"))
        );
        assert!(company.store);
        let tags = &partner["category_id"];
        assert_eq!(tags.field_type, FieldType::Many2many);
        assert!(
            !partner["display_name"].store,
            "{}: display_name is not stored",
            target.label
        );
        assert!(partner["create_date"].readonly);
        let image = &partner["image_1920"];
        assert!(
            image.field_type.is_binary() && image.store,
            "{}: image_1920 {image:?}",
            target.label
        );
        let image_128 = &partner["image_128"];
        assert!(
            image_128.is_computed(),
            "{}: image_128 is derived from image_1920",
            target.label
        );

        let attachment = client
            .fields_get("ir.attachment")
            .await
            .expect("fields_get ir.attachment");
        assert_eq!(attachment["datas"].field_type, FieldType::Binary);
        for field in ["res_model", "res_id", "res_field", "company_id", "mimetype"] {
            assert!(
                attachment.contains_key(field),
                "{}: ir.attachment.{field} missing",
                target.label
            );
        }
    });
}

#[tokio::test]
async fn unknown_model_field_and_method_are_told_apart() {
    for_each_protocol!(|target, client| {
        let error = client
            .search_count("no.such.model", &Domain::all())
            .await
            .unwrap_err();
        assert!(
            matches!(error, OdooError::UnknownModel { .. }),
            "{}: {error:?}",
            target.label
        );

        let error = client
            .search_count("res.partner", &Domain::leaf("no_such_field", "=", 1))
            .await
            .unwrap_err();
        assert!(
            matches!(error, OdooError::UnknownField { .. }),
            "{}: {error:?}",
            target.label
        );

        let error = client
            .search_read(
                "res.partner",
                &Domain::all(),
                &strings(&["name", "no_such_field"]),
                &SearchOptions::default().limit(1),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(error, OdooError::UnknownField { .. }),
            "{}: {error:?}",
            target.label
        );

        let error = client
            .call(
                "res.partner",
                "no_such_method",
                None,
                Default::default(),
                odoo_client::CallKind::Read,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(error, OdooError::UnknownMethod { .. }),
            "{}: {error:?}",
            target.label
        );
    });
}

#[tokio::test]
async fn a_call_pinned_to_one_company_never_sees_another_tenants_rows() {
    for_each_protocol!(|target, client| {
        let (first, second) = target.two_tenants(&client).await;
        let in_first = client.with_context(Context::company(first.id).with_archived());
        let rows = in_first
            .search_read(
                "product.template",
                &Domain::all(),
                &strings(&["company_id"]),
                &SearchOptions::ordered_by("id"),
            )
            .await
            .expect("read products pinned to the first company");
        assert!(!rows.is_empty());
        for row in &rows {
            let company = many2one_id(&row["company_id"]);
            assert!(
                company.is_none() || company == Some(first.id),
                "{}: saw {row:?} while pinned to {first:?}",
                target.label
            );
        }

        // A record of the second company, asked for by id, is refused rather than returned.
        let in_second = client.with_context(Context::company(second.id).with_archived());
        let foreign = in_second
            .search(
                "product.template",
                &Domain::leaf("company_id", "=", second.id),
                &SearchOptions::default().limit(1),
            )
            .await
            .expect("find a product of the second company");
        let error = in_first
            .read("product.template", &foreign, &strings(&["name"]))
            .await
            .unwrap_err();
        assert!(
            matches!(error, OdooError::AccessError { .. }),
            "{}: {error:?}",
            target.label
        );

        // The domain alone is not the guard: the company pin is.
        let leaked = in_first
            .search_count(
                "product.template",
                &Domain::leaf("company_id", "=", second.id),
            )
            .await
            .expect("count");
        assert_eq!(
            leaked, 0,
            "{}: the second company's products are visible while pinned to the first",
            target.label
        );
    });
}

/// Odoo's partner rule lets every company see the partners of internal users
/// (`partner_share = false`) whatever their company: a pinned context alone does not make a
/// partner read tenant-only, the `company_id` domain must too. Customers stay hidden.
#[tokio::test]
async fn pinned_partner_reads_show_only_shared_or_internal_users_partners_of_others() {
    for_each_protocol!(|target, client| {
        let (first, second) = target.two_tenants(&client).await;
        let in_first = client.with_context(Context::company(first.id).with_archived());
        let rows = in_first
            .search_read(
                "res.partner",
                &Domain::all(),
                &strings(&["company_id", "partner_share"]),
                &SearchOptions::ordered_by("id"),
            )
            .await
            .expect("read partners pinned to the first company");
        for row in &rows {
            let company = many2one_id(&row["company_id"]);
            let own_or_shared = company.is_none() || company == Some(first.id);
            assert!(
                own_or_shared || row["partner_share"] == json!(false),
                "{}: saw another company's customer {row:?} while pinned to {first:?}",
                target.label
            );
        }
        let customers_of_second = in_first
            .search_count(
                "res.partner",
                &Domain::leaf("company_id", "=", second.id).and(Domain::leaf(
                    "partner_share",
                    "=",
                    true,
                )),
            )
            .await
            .expect("count");
        assert_eq!(customers_of_second, 0, "{}", target.label);
    });
}

#[tokio::test]
async fn a_company_the_user_may_not_use_is_refused() {
    for_each_protocol!(|target, client| {
        let scoped = client.with_context(Context::company(987_654));
        let error = scoped
            .search_count("res.partner", &Domain::all())
            .await
            .unwrap_err();
        assert!(
            matches!(error, OdooError::AccessError { .. }),
            "{}: {error:?}",
            target.label
        );
    });
}

#[tokio::test]
async fn archived_records_are_seen_only_with_active_test_off() {
    for_each_protocol!(|target, client| {
        let (tenant, _) = target.two_tenants(&client).await;
        let scoped = client.with_context(Context::company(tenant.id));
        let name = unique_name("contract archived");
        let ids = scoped
            .create(
                "res.partner",
                vec![values(
                    json!({"name": name, "company_id": tenant.id, "active": false}),
                )],
            )
            .await
            .expect("create an archived partner");
        let by_name = Domain::leaf("name", "=", name.as_str());
        let hidden = scoped.search_count("res.partner", &by_name).await.unwrap();
        let shown = client
            .with_context(Context::company(tenant.id).with_archived())
            .search_count("res.partner", &by_name)
            .await
            .unwrap();
        scoped.unlink("res.partner", &ids).await.expect("clean up");
        assert_eq!((hidden, shown), (0, 1), "{}", target.label);
    });
}

#[tokio::test]
async fn paging_by_id_reads_every_record_once() {
    for_each_protocol!(|target, client| {
        let (tenant, _) = target.two_tenants(&client).await;
        let scoped = client.with_context(Context::company(tenant.id).with_archived());
        let domain = Domain::leaf("company_id", "=", tenant.id);
        let expected = scoped
            .search("res.partner", &domain, &SearchOptions::ordered_by("id"))
            .await
            .unwrap();
        assert!(
            expected.len() > 7,
            "{}: need more than one page of partners",
            target.label
        );

        let pages: Vec<Vec<Record>> = scoped
            .search_read_batches("res.partner", domain.clone(), strings(&["name"]), 7)
            .try_collect()
            .await
            .expect("walk by id");
        assert!(pages.iter().all(|page| page.len() <= 7));
        let walked: Vec<i64> = pages
            .iter()
            .flatten()
            .map(|row| row["id"].as_i64().unwrap())
            .collect();
        assert_eq!(walked, expected, "{}: id walk", target.label);

        let concurrent: Vec<Vec<Record>> = scoped
            .search_read_concurrent(
                "res.partner",
                domain,
                strings(&["name"]),
                PageOptions {
                    batch_size: 5,
                    concurrency: 3,
                },
            )
            .try_collect()
            .await
            .expect("concurrent walk");
        let walked: Vec<i64> = concurrent
            .iter()
            .flatten()
            .map(|row| row["id"].as_i64().unwrap())
            .collect();
        assert_eq!(
            walked, expected,
            "{}: concurrent walk keeps id order",
            target.label
        );
    });
}

#[tokio::test]
async fn create_write_read_unlink_round_trip() {
    for_each_protocol!(|target, client| {
        let (tenant, _) = target.two_tenants(&client).await;
        let scoped = client.with_context(Context::company(tenant.id).with_archived());
        let name = unique_name("contract crud");
        let batch: Vec<Record> = (0..3)
            .map(|index| values(json!({"name": format!("{name} {index}"), "company_id": tenant.id, "comment": "<p>x</p>"})))
            .collect();
        let ids = scoped
            .create("res.partner", batch)
            .await
            .expect("batched create");
        assert_eq!(ids.len(), 3);
        assert!(
            ids.windows(2).all(|pair| pair[0] < pair[1]),
            "{}: ids in the order given",
            target.label
        );

        scoped
            .write("res.partner", &ids[..2], values(json!({"ref": "CT-1"})))
            .await
            .expect("write to two");
        let rows = scoped
            .read(
                "res.partner",
                &ids,
                &strings(&["name", "ref", "company_id", "write_date"]),
            )
            .await
            .unwrap();
        let refs: Vec<&Value> = rows.iter().map(|row| &row["ref"]).collect();
        assert_eq!(
            refs,
            [&json!("CT-1"), &json!("CT-1"), &json!(false)],
            "{}",
            target.label
        );
        assert_eq!(many2one_id(&rows[0]["company_id"]), Some(tenant.id));
        let write_date = rows[0]["write_date"].as_str().expect("datetime as text");
        assert_eq!(
            write_date.len(),
            "2026-01-30 16:42:20".len(),
            "{}: {write_date}",
            target.label
        );

        scoped.unlink("res.partner", &ids).await.expect("unlink");
        // Odoo 18 reads deleted ids as nothing, but refuses to write them.
        let after = scoped
            .read("res.partner", &ids[..1], &strings(&["name"]))
            .await
            .unwrap();
        assert!(
            after.is_empty(),
            "{}: read a deleted record: {after:?}",
            target.label
        );
        let error = scoped
            .write("res.partner", &ids[..1], values(json!({"ref": "gone"})))
            .await
            .unwrap_err();
        assert!(
            matches!(error, OdooError::MissingError { .. }),
            "{}: {error:?}",
            target.label
        );
        let gone = scoped
            .search_count("res.partner", &Domain::leaf("id", "in", json!(ids)))
            .await
            .unwrap();
        assert_eq!(gone, 0);
    });
}

#[tokio::test]
async fn creating_in_a_company_outside_the_pin_is_refused() {
    for_each_protocol!(|target, client| {
        let (first, second) = target.two_tenants(&client).await;
        let in_first = client.with_context(Context::company(first.id));
        let name = unique_name("contract foreign");
        let outcome = in_first
            .create(
                "res.partner",
                vec![values(json!({"name": name, "company_id": second.id}))],
            )
            .await;
        if let Ok(ids) = &outcome {
            client
                .with_context(Context::companies(vec![first.id, second.id]))
                .unlink("res.partner", ids)
                .await
                .ok();
        }
        let error =
            outcome.expect_err("a record of another company must not be created while pinned");
        assert!(
            matches!(error, OdooError::AccessError { .. }),
            "{}: {error:?}",
            target.label
        );
    });
}

#[tokio::test]
async fn a_broken_constraint_is_a_validation_error_with_odoos_message() {
    for_each_protocol!(|target, client| {
        let (tenant, _) = target.two_tenants(&client).await;
        let scoped = client.with_context(Context::company(tenant.id));
        let ids = scoped
            .create(
                "res.partner",
                vec![values(
                    json!({"name": unique_name("contract loop"), "company_id": tenant.id}),
                )],
            )
            .await
            .unwrap();
        let outcome = scoped
            .write("res.partner", &ids, values(json!({"parent_id": ids[0]})))
            .await;
        scoped.unlink("res.partner", &ids).await.expect("clean up");
        let error = outcome.expect_err("a partner cannot be its own parent");
        assert!(
            matches!(error, OdooError::ValidationError { .. }),
            "{}: {error:?}",
            target.label
        );
        // Odoo words it in the user's language: "recursive" in English, "récursive" in French.
        let message = error.to_string().to_lowercase();
        assert!(
            message.contains("recursive") || message.contains("récursive"),
            "{}: {error}",
            target.label
        );
    });
}

#[tokio::test]
async fn external_ids_name_shared_records_both_ways() {
    for_each_protocol!(|target, client| {
        let resolved = client
            .resolve_external_ids(&strings(&[
                "base.main_company",
                "base.fr",
                "base.EUR",
                "base.no_such_record",
            ]))
            .await
            .expect("resolve");
        assert_eq!(resolved["base.main_company"].0, "res.company");
        let (model, france) = &resolved["base.fr"];
        assert_eq!(model, "res.country");
        assert!(!resolved.contains_key("base.no_such_record"));
        let names = client
            .external_ids("res.country", &[*france])
            .await
            .expect("external ids");
        assert_eq!(
            names.get(france).map(String::as_str),
            Some("base.fr"),
            "{}",
            target.label
        );
    });
}

#[tokio::test]
async fn binaries_round_trip_and_image_attachments_hide_from_plain_searches() {
    for_each_protocol!(|target, client| {
        let (tenant, _) = target.two_tenants(&client).await;
        let scoped = client.with_context(Context::company(tenant.id).with_archived());
        let image = base64::engine::general_purpose::STANDARD.encode(TINY_PNG);
        let partner = scoped
            .create("res.partner", vec![values(json!({"name": unique_name("contract image"), "company_id": tenant.id, "image_1920": image}))])
            .await
            .expect("create a partner with an image")[0];
        let payload: Vec<u8> = (0..150_000_u32)
            .map(|index| (index * 7 % 251) as u8)
            .collect();
        let attachment = scoped
            .create(
                "ir.attachment",
                vec![values(json!({
                    "name": "contract.bin",
                    "res_model": "res.partner",
                    "res_id": partner,
                    "datas": base64::engine::general_purpose::STANDARD.encode(&payload),
                }))],
            )
            .await
            .expect("create an attachment")[0];

        let read_back = scoped
            .read(
                "ir.attachment",
                &[attachment],
                &strings(&["datas", "file_size", "res_field"]),
            )
            .await
            .unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(read_back[0]["datas"].as_str().unwrap())
            .unwrap();
        assert!(
            bytes == payload,
            "{}: attachment bytes changed",
            target.label
        );
        assert_eq!(read_back[0]["file_size"], json!(payload.len()));

        let image_back = scoped
            .read("res.partner", &[partner], &strings(&["image_1920"]))
            .await
            .unwrap();
        let image_bytes = base64::engine::general_purpose::STANDARD
            .decode(image_back[0]["image_1920"].as_str().unwrap())
            .unwrap();
        assert_eq!(
            &image_bytes[..8],
            &TINY_PNG[..8],
            "{}: the image is still a PNG",
            target.label
        );

        let on_partner =
            Domain::leaf("res_model", "=", "res.partner").and(Domain::leaf("res_id", "=", partner));
        let plain = scoped
            .search_count("ir.attachment", &on_partner)
            .await
            .unwrap();
        let with_fields = scoped
            .search_count(
                "ir.attachment",
                &on_partner
                    .clone()
                    .and(Domain::leaf("res_field", "!=", false)),
            )
            .await
            .unwrap();
        scoped
            .unlink("res.partner", &[partner])
            .await
            .expect("clean up the partner");
        scoped.unlink("ir.attachment", &[attachment]).await.ok();
        assert_eq!(
            plain, 1,
            "{}: a plain search shows the file attachment only",
            target.label
        );
        assert!(
            with_fields >= 1,
            "{}: mentioning res_field shows the image attachments",
            target.label
        );
    });
}

#[tokio::test]
async fn every_protocol_reads_the_same_records() {
    for target in OdooTarget::all().await {
        let mut answers = Vec::new();
        for protocol in target.protocols() {
            let client = target.connect(protocol).await;
            let (tenant, _) = target.two_tenants(&client).await;
            let scoped = client.with_context(Context::company(tenant.id).with_archived());
            let rows = scoped
                .search_read(
                    "res.partner",
                    &Domain::leaf("company_id", "=", tenant.id),
                    &strings(&["name", "parent_id", "category_id", "active", "company_id"]),
                    &SearchOptions::ordered_by("id").limit(50),
                )
                .await
                .unwrap();
            answers.push((protocol, rows));
        }
        let (first_protocol, first_rows) = &answers[0];
        for (protocol, rows) in &answers[1..] {
            assert_eq!(
                rows, first_rows,
                "{}: {protocol} and {first_protocol} disagree",
                target.label
            );
        }
    }
}

#[tokio::test]
async fn the_pinned_company_is_checked_on_writes_too() {
    for_each_protocol!(|target, client| {
        let (first, second) = target.two_tenants(&client).await;
        let in_second = client.with_context(Context::company(second.id).with_archived());
        let foreign = in_second
            .search(
                "res.partner",
                &Domain::leaf("company_id", "=", second.id),
                &SearchOptions::default().limit(1),
            )
            .await
            .unwrap();
        let in_first = client.with_context(Context::company(first.id));
        let error = in_first
            .write(
                "res.partner",
                &foreign,
                values(json!({"ref": "should-not-land"})),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(error, OdooError::AccessError { .. }),
            "{}: {error:?}",
            target.label
        );
        let still = in_second
            .read("res.partner", &foreign, &strings(&["ref"]))
            .await
            .unwrap();
        assert_ne!(still[0]["ref"], json!("should-not-land"));
    });
}

/// Protocol names stay stable: configuration files and the service's health output use them.
#[test]
fn protocol_names_parse_back() {
    for protocol in [Protocol::Json2, Protocol::JsonRpc, Protocol::WebSession] {
        assert_eq!(protocol.name().parse::<Protocol>().unwrap(), protocol);
    }
    assert!(
        "soap"
            .parse::<Protocol>()
            .unwrap_err()
            .contains("json2, jsonrpc, web-session")
    );
}

/// Odoo 16-18's `call_kw` reads `create`'s first positional argument to shape its answer, so
/// `vals_list` given by name fails (and creates nothing). The client sends it by position.
#[tokio::test]
async fn create_needs_its_values_by_position_outside_json2() {
    for_each_protocol!(|target, client| {
        if client.protocol() == Protocol::Json2 {
            return;
        }
        let (tenant, _) = target.two_tenants(&client).await;
        let scoped = client.with_context(Context::company(tenant.id));
        let name = unique_name("contract named vals_list");
        let mut kwargs = serde_json::Map::new();
        kwargs.insert(
            "vals_list".into(),
            json!([{"name": name, "company_id": tenant.id}]),
        );
        let error = scoped
            .call(
                "res.partner",
                "create",
                None,
                kwargs,
                odoo_client::CallKind::Write,
            )
            .await
            .expect_err("a named vals_list is refused");
        assert!(
            matches!(&error, OdooError::Server { name, .. } if name.ends_with("IndexError")),
            "{}: {error:?}",
            target.label
        );
        let created = scoped
            .search_count("res.partner", &Domain::leaf("name", "=", name.as_str()))
            .await
            .unwrap();
        assert_eq!(
            created, 0,
            "{}: the failed create left a record",
            target.label
        );
    });
}

/// Some models override `write` with its argument named `values` (ir.model.data, res.users on
/// Odoo 18): `vals` given by name is a TypeError there. The client sends it by position, so a
/// restore can move its id mappings and write any model.
#[tokio::test]
async fn write_takes_its_values_by_position_even_where_odoo_renames_them() {
    for_each_protocol!(|target, client| {
        if client.protocol() == Protocol::Json2 {
            return;
        }
        let (tenant, _) = target.two_tenants(&client).await;
        let scoped = client.with_context(Context::company(tenant.id));
        // No record of the tenant is made: other tests count the tenant's partners meanwhile.
        let mapping_name = unique_name("contract write values").replace(' ', "_");
        let partner = 42;
        let mapping = scoped
            .create(
                "ir.model.data",
                vec![values(json!({
                    "module": "__contract__", "name": mapping_name, "model": "res.partner",
                    "res_id": 0, "noupdate": true,
                }))],
            )
            .await
            .unwrap()[0];
        let written = scoped
            .write(
                "ir.model.data",
                &[mapping],
                values(json!({"res_id": partner})),
            )
            .await;
        let read = scoped
            .read("ir.model.data", &[mapping], &strings(&["res_id"]))
            .await;
        scoped.unlink("ir.model.data", &[mapping]).await.unwrap();
        written.unwrap_or_else(|error| panic!("{}: {error:?}", target.label));
        assert_eq!(
            read.unwrap()[0]["res_id"],
            json!(partner),
            "{}: the mapping was not moved",
            target.label
        );
    });
}

/// A language other than Odoo's source language that the target has active (the simulator's
/// French is activated here; a real Odoo must have one installed).
async fn another_active_language(target: &OdooTarget, client: &OdooClient) -> String {
    if let Some(simulator) = target.simulator() {
        simulator.with_db(|db| db.activate_language("fr_FR"));
    }
    let rows = client
        .search_read(
            "res.lang",
            &Domain::leaf("active", "=", true),
            &strings(&["code"]),
            &SearchOptions::ordered_by("code"),
        )
        .await
        .expect("list the active languages");
    rows.iter()
        .filter_map(|row| row["code"].as_str())
        .find(|code| *code != "en_US")
        .unwrap_or_else(|| {
            panic!(
                "{}: the suites need a language other than English installed (French, say)",
                target.label
            )
        })
        .to_owned()
}

/// Whether English is active in the database: a database created in another language (French,
/// say) has it inactive, and Odoo then keeps the source value in step with every language
/// written.
async fn english_active(client: &OdooClient) -> bool {
    let rows = client
        .with_context(Context::new().with_archived())
        .search_read(
            "res.lang",
            &Domain::leaf("code", "=", "en_US"),
            &strings(&["active"]),
            &SearchOptions::default(),
        )
        .await
        .expect("read English's state");
    rows.first().and_then(|row| row["active"].as_bool()) == Some(true)
}

#[tokio::test]
async fn translatable_values_are_read_and_written_per_language() {
    for_each_protocol!(|target, client| {
        let (tenant, _) = target.two_tenants(&client).await;
        let lang = another_active_language(&target, &client).await;
        let fields = client.fields_get("product.template").await.unwrap();
        assert!(
            fields["name"].translate,
            "{}: product names are translatable",
            target.label
        );
        let in_lang = |code: &str| {
            client.with_context(Context::company(tenant.id).with_archived().with_lang(code))
        };
        let (source, translated) = (in_lang("en_US"), in_lang(&lang));
        let name_in = |reader: &OdooClient, id: i64| {
            let reader = reader.clone();
            async move {
                reader
                    .read("product.template", &[id], &strings(&["name"]))
                    .await
                    .unwrap()[0]["name"]
                    .clone()
            }
        };
        let name = unique_name("contract translation");
        let ids = source
            .create(
                "product.template",
                vec![values(
                    json!({"name": format!("{name} (EN)"), "company_id": tenant.id}),
                )],
            )
            .await
            .expect("create in the source language");
        let id = ids[0];
        assert_eq!(
            name_in(&translated, id).await,
            json!(format!("{name} (EN)")),
            "{}: a value without a translation of its own reads as the source value",
            target.label
        );
        translated
            .write(
                "product.template",
                &ids,
                values(json!({"name": format!("{name} (FR)")})),
            )
            .await
            .expect("write in the other language");
        assert_eq!(
            name_in(&translated, id).await,
            json!(format!("{name} (FR)")),
            "{}",
            target.label
        );
        if english_active(&client).await {
            assert_eq!(
                name_in(&source, id).await,
                json!(format!("{name} (EN)")),
                "{}: writing one language leaves the source value alone",
                target.label
            );
        } else {
            assert_eq!(
                name_in(&source, id).await,
                json!(format!("{name} (FR)")),
                "{}: without English active, writing a language sets the source value too",
                target.label
            );
        }
        source
            .write(
                "product.template",
                &ids,
                values(json!({"name": format!("{name} (EN 2)")})),
            )
            .await
            .expect("write in the source language");
        assert_eq!(
            name_in(&translated, id).await,
            json!(format!("{name} (FR)")),
            "{}: writing the source value leaves a translation alone",
            target.label
        );
        let plain = client.with_context(Context::company(tenant.id));
        assert_eq!(
            name_in(&plain, id).await,
            json!(format!("{name} (EN 2)")),
            "{}: without a language in the context, the external API reads the source value",
            target.label
        );
        let inactive = client.with_context(Context::company(tenant.id).with_lang("de_DE"));
        let error = inactive
            .read("product.template", &ids, &strings(&["name"]))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, OdooError::UserError { message, .. } if message.contains("Invalid language code")),
            "{}: a language that is not active is refused: {error:?}",
            target.label
        );
        source
            .unlink("product.template", &ids)
            .await
            .expect("unlink");
    });
}

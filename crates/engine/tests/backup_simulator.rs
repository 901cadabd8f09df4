//! End-to-end: back up tenants of a simulated multi-company Odoo and check what a user would
//! check — the archive holds exactly the tenant's records, nothing of the others, binaries
//! byte for byte, and a model that cannot be read fails the backup unless it is optional.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use backup_engine::{
    BackupError, BackupOptions, BackupReport, BackupRequest, FileReference, NoProgress,
    TenantSelector,
};
use base64::Engine;
use odoo_client::{ClientConfig, Context, Credential, Domain, OdooClient, SearchOptions, Secret};
use odoo_sim::datasets::{TenantInfo, TenantSize, TenantSpec, add_shop_tenant};
use odoo_sim::{SimConfig, Simulator};
use serde_json::{Map, Value, json};

/// A tenant the tests back up.
struct Tenant {
    company_id: i64,
    name: String,
}

/// The Odoo the tests run against: a simulator with three shop tenants, or the real Odoo named
/// by `ODOO_URL` (`ODOO_DB`, `ODOO_LOGIN`, `ODOO_PASSWORD` or `ODOO_API_KEY`) and up to three of its companies
/// that hold partners. Only reads are made on a real Odoo.
struct World {
    /// Keeps the simulator serving while the test runs.
    _simulator: Option<Simulator>,
    url: String,
    database: String,
    login: String,
    credential: Credential,
    tenants: Vec<Tenant>,
}

/// The live Odoo's password, or its API key (Odoo 19's JSON-2 takes only a key).
fn live_credential() -> Credential {
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    match (var("ODOO_PASSWORD"), var("ODOO_API_KEY")) {
        (Some(password), _) => Credential::Password(Secret::new(password)),
        (None, Some(key)) => Credential::ApiKey(Secret::new(key)),
        (None, None) => panic!("ODOO_URL is set: set ODOO_PASSWORD or ODOO_API_KEY too"),
    }
}

async fn world() -> World {
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    if let Some(url) = var("ODOO_URL") {
        let mut world = World {
            _simulator: None,
            url,
            database: var("ODOO_DB").expect("ODOO_DB"),
            login: var("ODOO_LOGIN").expect("ODOO_LOGIN"),
            credential: live_credential(),
            tenants: Vec::new(),
        };
        let client = world.client().await;
        let mut by_size = Vec::new();
        for tenant in backup_engine::list_tenants(&client).await.unwrap() {
            let scoped = client.with_context(Context::company(tenant.company_id).with_archived());
            let partners = scoped
                .search_count(
                    "res.partner",
                    &Domain::leaf("company_id", "=", tenant.company_id),
                )
                .await
                .unwrap();
            if partners > 0 {
                by_size.push((partners, tenant));
            }
        }
        // The largest first: the tests that need a shop look at the first tenant.
        by_size.sort_by_key(|(partners, tenant)| (std::cmp::Reverse(*partners), tenant.company_id));
        world.tenants = by_size
            .into_iter()
            .take(3)
            .map(|(_, tenant)| Tenant {
                company_id: tenant.company_id,
                name: tenant.name,
            })
            .collect();
        assert!(
            world.tenants.len() >= 2,
            "the live Odoo needs two companies with partners"
        );
        return world;
    }
    let simulator = Simulator::start(SimConfig::default())
        .await
        .expect("start the simulator");
    let tenants: Vec<TenantInfo> = simulator.with_db(|db| {
        ["Boutique Sport", "Marque Mode", "Café Thé"]
            .into_iter()
            .enumerate()
            .map(|(seed, name)| {
                add_shop_tenant(
                    db,
                    &TenantSpec {
                        name: name.into(),
                        size: TenantSize::Small,
                        with_images: true,
                        seed: seed as u64 + 1,
                    },
                )
            })
            .collect()
    });
    let config = simulator.config().clone();
    World {
        url: simulator.url(),
        database: config.database.clone(),
        login: config.login.clone(),
        credential: Credential::Password(Secret::new(config.password.clone())),
        _simulator: Some(simulator),
        tenants: tenants
            .into_iter()
            .map(|tenant| Tenant {
                company_id: tenant.company_id,
                name: tenant.name,
            })
            .collect(),
    }
}

impl World {
    fn config(&self, url: &str) -> ClientConfig {
        ClientConfig::new(
            url.parse().unwrap(),
            self.database.clone(),
            self.login.clone(),
            self.credential.clone(),
        )
    }

    async fn client(&self) -> OdooClient {
        OdooClient::connect(self.config(&self.url))
            .await
            .expect("connect")
    }
}

async fn backup(
    client: &OdooClient,
    company_id: i64,
    out_dir: &Path,
    options: BackupOptions,
) -> Result<BackupReport, BackupError> {
    let request = BackupRequest {
        tenant: backup_engine::resolve_tenant(client, &TenantSelector::Id(company_id)).await?,
        out_dir: out_dir.to_owned(),
        options,
    };
    backup_engine::backup(client, &request, &NoProgress).await
}

/// Every record of the archive, by model.
fn records_of(archive: &Path) -> BTreeMap<String, Vec<Map<String, Value>>> {
    let mut reader = backup_engine::read_archive(archive).unwrap();
    let mut records: BTreeMap<String, Vec<Map<String, Value>>> = BTreeMap::new();
    reader
        .for_each_record(|model, record| {
            records.entry(model.to_owned()).or_default().push(record);
            Ok(())
        })
        .unwrap();
    records
}

fn ids(records: &[Map<String, Value>]) -> BTreeSet<i64> {
    records
        .iter()
        .filter_map(|record| record["id"].as_i64())
        .collect()
}

/// The ids a direct query finds for a tenant: what the archive must hold, model by model.
async fn direct_ids(client: &OdooClient, model: &str, company_id: i64) -> Option<BTreeSet<i64>> {
    let scoped = client.with_context(Context::company(company_id).with_archived());
    let fields = scoped.fields_get(model).await.ok()?;
    let domain = if fields.get("company_id").is_some_and(|field| field.store) {
        Domain::leaf("company_id", "=", company_id)
    } else if model == "account.account" {
        Domain::leaf("company_ids", "in", json!([company_id]))
    } else {
        return None;
    };
    let found = scoped
        .search(model, &domain, &SearchOptions::ordered_by("id"))
        .await
        .ok()?;
    Some(found.into_iter().collect())
}

/// The tenant's messages: those stamped with its company, and those Odoo left unstamped on
/// one of the records the archive holds (`archived`: ids per model), which the other models'
/// checks vouch for.
async fn tenant_messages(
    scoped: &OdooClient,
    company_id: i64,
    archived: &dyn Fn(&str) -> BTreeSet<i64>,
) -> BTreeSet<i64> {
    let order = SearchOptions::ordered_by("id");
    let mut found: BTreeSet<i64> = scoped
        .search(
            "mail.message",
            &Domain::leaf("record_company_id", "=", company_id),
            &order,
        )
        .await
        .unwrap()
        .into_iter()
        .collect();
    let unstamped = scoped
        .search_read(
            "mail.message",
            &Domain::leaf("record_company_id", "=", false),
            &["model".to_owned(), "res_id".to_owned()],
            &order,
        )
        .await
        .unwrap();
    for message in unstamped {
        let (Some(model), Some(res_id)) = (
            message.get("model").and_then(Value::as_str),
            message.get("res_id").and_then(Value::as_i64),
        ) else {
            continue;
        };
        if model != "mail.message" && archived(model).contains(&res_id) {
            found.insert(message["id"].as_i64().unwrap());
        }
    }
    found
}

#[tokio::test]
async fn the_archive_holds_exactly_the_tenants_records_and_nothing_of_the_others() {
    let world = world().await;
    let client = world.client().await;
    let out = tempfile::tempdir().unwrap();
    let mut archives = BTreeMap::new();
    for tenant in &world.tenants {
        let report = backup(
            &client,
            tenant.company_id,
            out.path(),
            BackupOptions::default(),
        )
        .await
        .unwrap();
        let verified = backup_engine::verify(&report.archive).unwrap();
        assert_eq!(verified.metadata.record_count, report.record_count);
        assert_eq!(verified.metadata.tenant.company_id, tenant.company_id);
        let unzip = std::process::Command::new("unzip")
            .arg("-t")
            .arg(&report.archive)
            .output()
            .expect("unzip installed");
        assert!(
            unzip.status.success(),
            "unzip -t: {}",
            String::from_utf8_lossy(&unzip.stdout)
        );
        archives.insert(tenant.company_id, (report, records_of(&verified.path)));
    }

    for tenant in &world.tenants {
        let (report, records) = &archives[&tenant.company_id];
        // Per model, the archive holds what a direct search of the tenant finds.
        for (model, count) in &report.models {
            let archived = ids(records.get(model).map(Vec::as_slice).unwrap_or_default());
            assert_eq!(archived.len() as u64, *count, "{model}: metadata count");
            if model == "ir.attachment" {
                continue; // Checked below by what they are attached to.
            }
            let expected = if model == "mail.message" {
                let scoped =
                    client.with_context(Context::company(tenant.company_id).with_archived());
                let archived_ids =
                    |model: &str| ids(records.get(model).map(Vec::as_slice).unwrap_or_default());
                tenant_messages(&scoped, tenant.company_id, &archived_ids).await
            } else {
                let Some(expected) = direct_ids(&client, model, tenant.company_id).await else {
                    continue;
                };
                expected
            };
            if model == "res.partner" {
                // Plus the company's own partner and its users' partners.
                assert!(
                    archived.is_superset(&expected),
                    "res.partner: a partner of the tenant is missing"
                );
                continue;
            }
            assert_eq!(
                archived, expected,
                "{model}: archive vs direct search of company {}",
                tenant.company_id
            );
        }
        // The shop's main models are there and not empty (the first tenant is a shop).
        let shop_models = [
            "res.partner",
            "product.template",
            "product.product",
            "sale.order",
            "sale.order.line",
        ];
        for model in shop_models
            .iter()
            .filter(|_| tenant.company_id == world.tenants[0].company_id)
        {
            assert!(
                report.models.get(*model).copied().unwrap_or(0) > 0,
                "{model} missing from {}",
                tenant.name
            );
        }
        let empty = Vec::new();
        let variants: BTreeSet<i64> = records
            .get("product.template")
            .unwrap_or(&empty)
            .iter()
            .filter_map(|r| r["id"].as_i64())
            .collect();
        for variant in records.get("product.product").unwrap_or(&empty) {
            let template = variant["product_tmpl_id"].as_i64().unwrap();
            assert!(
                variants.contains(&template),
                "variant {} of a template not in the archive",
                variant["id"]
            );
        }

        // Attachments hang on the tenant's records (or on none), whatever their company says.
        for attachment in records
            .get("ir.attachment")
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let res_model = attachment["res_model"].as_str().unwrap_or_default();
            let res_id = attachment["res_id"].as_i64().unwrap_or(0);
            if !res_model.is_empty() && res_id != 0 && records.contains_key(res_model) {
                assert!(
                    ids(&records[res_model]).contains(&res_id),
                    "attachment {} hangs on {res_model},{res_id}, not in the archive",
                    attachment["id"]
                );
            }
        }

        // Nothing of another tenant: no record id that a direct search gives to another company.
        for other in world
            .tenants
            .iter()
            .filter(|other| other.company_id != tenant.company_id)
        {
            for (model, archived) in records
                .iter()
                .filter(|(model, _)| *model != "ir.attachment")
            {
                let Some(theirs) = direct_ids(&client, model, other.company_id).await else {
                    continue;
                };
                let leaked: Vec<_> = ids(archived).intersection(&theirs).copied().collect();
                assert!(
                    leaked.is_empty(),
                    "{model} records {leaked:?} of {} in the archive of {}",
                    other.name,
                    tenant.name
                );
            }
            for record in records.values().flatten() {
                if let Some(company) = record.get("company_id").and_then(Value::as_i64) {
                    assert_ne!(
                        company, other.company_id,
                        "a record of {} in the archive of {}: {record:?}",
                        other.name, tenant.name
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn binaries_come_back_byte_for_byte() {
    let world = world().await;
    let client = world.client().await;
    let out = tempfile::tempdir().unwrap();
    let tenant = &world.tenants[0];
    let report = backup(
        &client,
        tenant.company_id,
        out.path(),
        BackupOptions::default(),
    )
    .await
    .unwrap();
    let mut reader = backup_engine::read_archive(&report.archive).unwrap();
    let mut references = Vec::new();
    reader
        .for_each_record(|model, record| {
            for (field, value) in &record {
                if let Some(reference) = FileReference::from_value(value) {
                    references.push((
                        model.to_owned(),
                        record["id"].as_i64().unwrap(),
                        field.clone(),
                        reference,
                    ));
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(
        references
            .iter()
            .any(|(model, ..)| model == "product.template"),
        "the tenant has product images"
    );
    let scoped = client.with_context(Context::company(tenant.company_id).with_archived());
    for (model, id, field, reference) in &references {
        let archived = reader.read_file(reference).unwrap();
        let rows = scoped
            .read(model, &[*id], std::slice::from_ref(field))
            .await
            .unwrap();
        let original = base64::engine::general_purpose::STANDARD
            .decode(rows[0][field].as_str().expect("Odoo has the content"))
            .unwrap();
        assert!(
            archived == original,
            "{model} {id} {field}: {} bytes archived, {} in Odoo",
            archived.len(),
            original.len()
        );
    }
    assert_eq!(report.file_count as usize, references.len());
}

/// A proxy in front of the simulator that answers every call on `model` with Odoo's AccessError.
async fn refusing_proxy(upstream: String, model: &'static str) -> SocketAddr {
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, Method, Uri};
    use axum::response::IntoResponse;

    async fn forward(
        State((upstream, model, http)): State<(String, &'static str, reqwest::Client)>,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> axum::response::Response {
        let text = String::from_utf8_lossy(&body);
        let calls_model =
            text.contains(&format!("\"{model}\"")) || uri.path().contains(&format!("/{model}/"));
        let describes = text.contains("fields_get") || uri.path().ends_with("/fields_get");
        if calls_model && !describes {
            let refusal = json!({"name": "odoo.exceptions.AccessError",
                "message": format!("You are not allowed to access ({model}) records."),
                "arguments": [], "context": {}});
            // JSON-2 answers an error with its HTTP status; JSON-RPC inside a 200.
            if uri.path().starts_with("/json/2/") {
                return (axum::http::StatusCode::FORBIDDEN, axum::Json(refusal)).into_response();
            }
            let error = json!({"jsonrpc": "2.0", "id": null, "error": {"code": 200,
                "message": "Odoo Server Error", "data": refusal}});
            return axum::Json(error).into_response();
        }
        let mut request = http.request(
            method,
            format!(
                "{upstream}{}",
                uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
            ),
        );
        for (name, value) in &headers {
            if name != "host" && name != "content-length" {
                request = request.header(name, value);
            }
        }
        let response = request.body(body.to_vec()).send().await.unwrap();
        let status = response.status();
        let response_headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let mut answer = (status, bytes).into_response();
        for (name, value) in &response_headers {
            if name != "content-length" && name != "transfer-encoding" {
                answer.headers_mut().insert(name, value.clone());
            }
        }
        answer
    }

    let app = axum::Router::new().fallback(forward).with_state((
        upstream.trim_end_matches('/').to_owned(),
        model,
        reqwest::Client::new(),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

#[tokio::test]
async fn a_model_that_cannot_be_read_fails_the_backup_unless_it_is_optional() {
    let world = world().await;
    let proxy = refusing_proxy(world.url.clone(), "crm.lead").await;
    let client = OdooClient::connect(world.config(&format!("http://{proxy}")))
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let tenant = &world.tenants[0];

    let error = backup(
        &client,
        tenant.company_id,
        out.path(),
        BackupOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, BackupError::ModelUnreadable { model, .. } if model == "crm.lead"),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("crm.lead") && message.contains("optional_models"),
        "{message}"
    );
    let left: Vec<PathBuf> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert!(left.is_empty(), "a failed backup left {left:?}");

    let mut options = BackupOptions::default();
    options.optional_models.push("crm.lead".into());
    let report = backup(&client, tenant.company_id, out.path(), options)
        .await
        .unwrap();
    let skipped: Vec<_> = report
        .skipped_models
        .iter()
        .filter(|skipped| skipped.model == "crm.lead")
        .collect();
    assert_eq!(skipped.len(), 1, "{:?}", report.skipped_models);
    assert!(
        skipped[0].reason.contains("not allowed"),
        "{}",
        skipped[0].reason
    );
    let verified = backup_engine::verify(&report.archive).unwrap();
    assert!(!verified.metadata.models.contains_key("crm.lead"));
    assert_eq!(verified.metadata.skipped_models, report.skipped_models);
}

#[tokio::test]
async fn shared_records_are_referenced_by_external_id_not_copied() {
    let world = world().await;
    let client = world.client().await;
    let out = tempfile::tempdir().unwrap();
    let report = backup(
        &client,
        world.tenants[0].company_id,
        out.path(),
        BackupOptions::default(),
    )
    .await
    .unwrap();
    let mut reader = backup_engine::read_archive(&report.archive).unwrap();
    let mut currencies = BTreeSet::new();
    let external_ids = reader
        .for_each_record(|model, record| {
            if model == "res.partner" || model == "sale.order" || model == "res.company" {
                if let Some(currency) = record.get("currency_id").and_then(Value::as_i64) {
                    currencies.insert(currency);
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(
        !report.models.contains_key("res.currency"),
        "shared currencies are not copied"
    );
    assert!(
        !currencies.is_empty(),
        "the tenant's records refer to a currency"
    );
    for currency in currencies {
        let named = external_ids
            .get("res.currency")
            .and_then(|ids| ids.get(&currency));
        let listed = report
            .unresolved_references
            .iter()
            .any(|reference| reference.model == "res.currency" && reference.id == currency);
        assert!(
            named.is_some() || listed,
            "currency {currency} is neither named by external id nor reported"
        );
    }
}

#[tokio::test]
async fn translatable_values_are_kept_in_every_active_language() {
    let world = world().await;
    let tenant = &world.tenants[0];
    if let Some(simulator) = &world._simulator {
        simulator.with_db(|db| {
            db.activate_language("fr_FR");
            let products: Vec<i64> = db
                .ids("product.template")
                .into_iter()
                .filter(|id| {
                    db.get("product.template", *id)
                        .unwrap()
                        .many2one("company_id")
                        == Some(tenant.company_id)
                })
                .take(2)
                .collect();
            db.set_translation(
                "product.template",
                products[0],
                "name",
                "fr_FR",
                json!("Ballon de football (FR)"),
            );
            // A translation equal to the source value tells nothing: not kept.
            let source = db
                .get("product.template", products[1])
                .unwrap()
                .text("name")
                .unwrap()
                .to_owned();
            db.set_translation(
                "product.template",
                products[1],
                "name",
                "fr_FR",
                json!(source),
            );
        });
    }
    let client = world.client().await;
    let out = tempfile::tempdir().unwrap();
    let report = backup(
        &client,
        tenant.company_id,
        out.path(),
        BackupOptions::default(),
    )
    .await
    .unwrap();
    let verified = backup_engine::verify(&report.archive).unwrap();
    let scoped = client.with_context(Context::company(tenant.company_id).with_archived());
    let active: Vec<String> = scoped
        .search_read(
            "res.lang",
            &Domain::leaf("active", "=", true),
            &["code".to_owned()],
            &SearchOptions::ordered_by("code"),
        )
        .await
        .unwrap()
        .iter()
        .filter_map(|row| row["code"].as_str())
        .filter(|code| *code != "en_US")
        .map(str::to_owned)
        .collect();
    let languages = verified
        .metadata
        .languages
        .clone()
        .expect("the archive names its languages");
    assert_eq!(languages.values, "en_US");
    assert_eq!(languages.translations, active);
    assert!(!active.is_empty(), "the test needs a second language");

    // Every product as each language shows it, against the archive.
    let records = records_of(&verified.path);
    let products = &records["product.template"];
    let ids: Vec<i64> = products
        .iter()
        .map(|record| record["id"].as_i64().unwrap())
        .collect();
    let mut translated = 0;
    for lang in std::iter::once("en_US".to_owned()).chain(active.iter().cloned()) {
        let reader = client.with_context(
            Context::company(tenant.company_id)
                .with_archived()
                .with_lang(&lang),
        );
        let rows = reader
            .read("product.template", &ids, &["name".to_owned()])
            .await
            .unwrap();
        let now: BTreeMap<i64, Value> = rows
            .iter()
            .map(|row| (row["id"].as_i64().unwrap(), row["name"].clone()))
            .collect();
        for record in products {
            let id = record["id"].as_i64().unwrap();
            let kept = record
                .get("__translations__")
                .and_then(|translations| translations.get(&lang))
                .and_then(|values| values.get("name"));
            if kept.is_some() {
                translated += 1;
                assert_ne!(
                    kept,
                    record.get("name"),
                    "only translations that differ are kept"
                );
            }
            let archived = kept.unwrap_or(&record["name"]);
            assert_eq!(archived, &now[&id], "product.template {id} in {lang}");
        }
    }
    // The simulator's tenant has one; a real Odoo's may have none (then only the reads above
    // are checked).
    assert!(
        translated > 0 || world._simulator.is_none(),
        "no product has a name of its own in another language"
    );
}

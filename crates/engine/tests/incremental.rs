//! Incremental reading, checked the only way that convinces: after a day of changes of every
//! kind, a backup that read only what changed and a full backup taken at the same moment hold
//! the same records and the same files. Against the simulator, or the real Odoo named by
//! `ODOO_URL` (`ODOO_DB`, `ODOO_LOGIN`, `ODOO_PASSWORD` or `ODOO_API_KEY`), where the changes are made through
//! Odoo's own methods in the largest tenant, on records the test creates.

use std::path::Path;

use backup_engine::incremental::{IncrementalOptions, compare_archives};
use backup_engine::{
    BackupOptions, BackupReport, BackupRequest, NoProgress, ReadKind, ReadLimits, TenantSelector,
};
use base64::Engine;
use odoo_client::{ClientConfig, Context, Credential, Domain, OdooClient, SearchOptions, Secret};
use odoo_sim::datasets::{TenantSize, TenantSpec, add_shop_tenant};
use odoo_sim::{SimConfig, Simulator};
use serde_json::{Map, Value, json};

const DAY: i64 = 86_400;

struct World {
    simulator: Option<Simulator>,
    client: OdooClient,
    company_id: i64,
    /// The `write_date` margin: the default on the simulator, whose data is two days old; a
    /// few seconds on a real Odoo, whose test data may be younger than an hour (the sidecar
    /// and that Odoo share a clock here, and the test's writes are committed before it backs up).
    margin: chrono::Duration,
}

async fn world() -> World {
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    if let Some(url) = var("ODOO_URL") {
        let client = OdooClient::connect(ClientConfig::new(
            url.parse().unwrap(),
            var("ODOO_DB").expect("ODOO_DB"),
            var("ODOO_LOGIN").expect("ODOO_LOGIN"),
            // A password, or an API key (Odoo 19's JSON-2 takes only a key).
            match (var("ODOO_PASSWORD"), var("ODOO_API_KEY")) {
                (Some(password), _) => Credential::Password(Secret::new(password)),
                (None, Some(key)) => Credential::ApiKey(Secret::new(key)),
                (None, None) => panic!("ODOO_URL is set: set ODOO_PASSWORD or ODOO_API_KEY too"),
            },
        ))
        .await
        .expect("connect");
        // The tenant with the most partners (the tenants of a test Odoo; the demo company has
        // few of its own).
        let mut best = (0, 0);
        for tenant in backup_engine::list_tenants(&client).await.unwrap() {
            let partners = client
                .with_context(Context::company(tenant.company_id).with_archived())
                .search_count(
                    "res.partner",
                    &Domain::leaf("company_id", "=", tenant.company_id),
                )
                .await
                .unwrap();
            best = best.max((partners, tenant.company_id));
        }
        return World {
            simulator: None,
            client,
            company_id: best.1,
            margin: chrono::Duration::seconds(5),
        };
    }
    let simulator = Simulator::start(SimConfig::default()).await.unwrap();
    // The tenant's data was written two days ago.
    let tenant = simulator.with_db(|db| {
        db.activate_language("fr_FR");
        db.set_clock_offset(-2 * DAY);
        add_shop_tenant(
            db,
            &TenantSpec {
                name: "Boutique Sport".into(),
                size: TenantSize::Small,
                with_images: true,
                seed: 7,
            },
        )
    });
    let config = simulator.config().clone();
    let client = OdooClient::connect(ClientConfig::new(
        simulator.url().parse().unwrap(),
        config.database.clone(),
        config.login.clone(),
        Credential::Password(Secret::new(config.password.clone())),
    ))
    .await
    .unwrap();
    World {
        simulator: Some(simulator),
        client,
        company_id: tenant.company_id,
        margin: IncrementalOptions::default().margin,
    }
}

impl World {
    fn scoped(&self) -> OdooClient {
        self.client
            .with_context(Context::company(self.company_id).with_archived())
    }

    async fn backup(&self, out_dir: &Path, incremental: IncrementalOptions) -> BackupReport {
        let request = BackupRequest {
            tenant: backup_engine::resolve_tenant(
                &self.client,
                &TenantSelector::Id(self.company_id),
            )
            .await
            .unwrap(),
            out_dir: out_dir.to_owned(),
            options: BackupOptions {
                incremental,
                ..BackupOptions::default()
            },
        };
        backup_engine::backup(&self.client, &request, &NoProgress)
            .await
            .expect("backup")
    }

    fn on_simulator(&self, change: impl FnOnce(&mut odoo_sim::Database)) {
        if let Some(simulator) = &self.simulator {
            simulator.with_db(change);
        }
    }

    async fn create(&self, model: &str, values: Value) -> i64 {
        let Value::Object(values) = values else {
            unreachable!()
        };
        self.scoped().create(model, vec![values]).await.unwrap()[0]
    }

    async fn write(&self, model: &str, ids: &[i64], values: Value) {
        let Value::Object(values) = values else {
            unreachable!()
        };
        self.scoped().write(model, ids, values).await.unwrap();
    }

    async fn some(&self, model: &str, count: u64) -> Vec<i64> {
        self.scoped()
            .search(
                model,
                &Domain::leaf("company_id", "=", self.company_id),
                &SearchOptions::ordered_by("id").limit(count),
            )
            .await
            .unwrap()
    }
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl World {
    fn since(&self, previous: &BackupReport) -> IncrementalOptions {
        IncrementalOptions {
            previous: Some(previous.archive.clone()),
            margin: self.margin,
            ..IncrementalOptions::default()
        }
    }
}

#[tokio::test]
async fn after_a_day_of_changes_an_incremental_read_holds_what_a_full_read_holds() {
    let world = world().await;
    let company = world.company_id;
    let dir = tempfile::tempdir().unwrap();

    // Records the day's changes will touch, written before the first backup.
    let doomed = world
        .create(
            "res.partner",
            json!({"name": "Incremental: doomed", "company_id": company}),
        )
        .await;
    let tag = world
        .create("res.partner.category", json!({"name": "Incremental: tag"}))
        .await;
    let other_tag = world
        .create(
            "res.partner.category",
            json!({"name": "Incremental: other tag"}),
        )
        .await;
    let tagged = world
        .create(
            "res.partner",
            json!({"name": "Incremental: tagged", "company_id": company, "category_id": [[6, 0, [tag]]]}),
        )
        .await;
    let renamed_file = world
        .create(
            "ir.attachment",
            json!({"name": "notes.txt", "datas": base64(b"same content"), "res_model": "res.partner", "res_id": tagged, "company_id": company}),
        )
        .await;
    let rewritten_file = world
        .create(
            "ir.attachment",
            json!({"name": "draft.txt", "datas": base64(b"first draft"), "res_model": "res.partner", "res_id": tagged, "company_id": company}),
        )
        .await;
    world.on_simulator(|db| db.set_clock_offset(0));
    let first = world
        .backup(&dir.path().join("first"), IncrementalOptions::default())
        .await;
    assert_eq!(first.read.kind, ReadKind::Full);

    // A day of changes.
    let partners = world.some("res.partner", 5).await;
    world
        .write(
            "res.partner",
            &partners[..2],
            json!({"comment": "<p>Rappeler lundi</p>"}),
        )
        .await;
    world
        .write("res.partner", &partners[2..3], json!({"active": false}))
        .await;
    world
        .create(
            "res.partner",
            json!({"name": "Incremental: new", "company_id": company}),
        )
        .await;
    world
        .scoped()
        .unlink("res.partner", &[doomed])
        .await
        .unwrap();
    let templates = world.some("product.template", 3).await;
    // A translation written by a user, where French is installed.
    let languages = backup_engine::active_languages(&world.client)
        .await
        .unwrap();
    if languages.iter().any(|lang| lang == "fr_FR") {
        world
            .client
            .with_context(Context::company(company).with_archived().with_lang("fr_FR"))
            .write(
                "product.template",
                &templates[..1],
                json!({"name": "Nom changé en français"})
                    .as_object()
                    .unwrap()
                    .clone(),
            )
            .await
            .unwrap();
    } else {
        eprintln!("French is not installed: no translation written");
    }
    let png = odoo_sim::png::image(99, 24);
    world
        .write(
            "product.template",
            &templates[1..2],
            json!({"image_1920": base64(&png)}),
        )
        .await;
    world
        .write(
            "ir.attachment",
            &[renamed_file],
            json!({"name": "notes-renamed.txt"}),
        )
        .await;
    world
        .write(
            "ir.attachment",
            &[rewritten_file],
            json!({"datas": base64(b"second draft")}),
        )
        .await;
    world
        .create(
            "ir.attachment",
            json!({"name": "new.txt", "datas": base64(b"new"), "res_model": "res.partner", "res_id": partners[0], "company_id": company}),
        )
        .await;
    // Changes Odoo makes without moving the partner's or the template's write_date: a tag
    // deleted (its links go with it, in SQL), a tag given from the tag's side, a translation
    // loaded by SQL, two quants merged by SQL.
    let quants = world.some("stock.quant", 2).await;
    match &world.simulator {
        Some(simulator) => simulator.with_db(|db| {
            let merged: f64 = quants
                .iter()
                .map(|quant| db.get("stock.quant", *quant).unwrap().number("quantity"))
                .sum();
            db.set_field("stock.quant", quants[0], "quantity", json!(merged));
            db.remove_raw("stock.quant", quants[1]);
            db.remove_raw("res.partner.category", tag);
            db.set_field("res.partner", tagged, "category_id", json!([]));
            db.set_field(
                "res.partner",
                partners[3],
                "category_id",
                json!([other_tag]),
            );
            // Written from the tag's side: the tag's write_date moves, not the partner's.
            db.touch("res.partner.category", other_tag);
            db.set_translation(
                "product.template",
                templates[2],
                "name",
                "fr_FR",
                json!("Traduction chargée"),
            );
        }),
        None => {
            world
                .scoped()
                .unlink("res.partner.category", &[tag])
                .await
                .unwrap();
            world
                .write(
                    "res.partner.category",
                    &[other_tag],
                    json!({"partner_ids": [[4, partners[3]]]}),
                )
                .await;
        }
    }

    let incremental = world
        .backup(&dir.path().join("incremental"), world.since(&first))
        .await;
    let full = world
        .backup(&dir.path().join("full"), IncrementalOptions::default())
        .await;

    assert_eq!(
        incremental.read.kind,
        ReadKind::Incremental,
        "{:?}",
        incremental.read
    );
    assert_eq!(full.read.kind, ReadKind::Full);
    let differences = compare_archives(
        &incremental.archive,
        &full.archive,
        &Default::default(),
        ReadLimits::default(),
    )
    .unwrap();
    assert!(
        differences.is_empty(),
        "the incremental archive differs from the full one:\n{}",
        differences
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let read = &incremental.read;
    assert_eq!(
        read.records_read + read.records_copied,
        incremental.record_count
    );
    assert!(
        read.records_copied > read.records_read,
        "most records are copied, not read: {read:?}"
    );
    assert!(read.files_copied > 0, "{read:?}");
    let previous = read
        .previous
        .as_ref()
        .expect("the previous archive is named");
    assert_eq!(previous.created_at, first.created_at);
    // The deleted partner is gone, the new one is there, the tag link is gone.
    let ids = |report: &BackupReport| -> Vec<i64> {
        let mut ids = Vec::new();
        let mut reader = backup_engine::read_archive(&report.archive).unwrap();
        reader
            .for_each_record(|model, record: Map<String, Value>| {
                if model == "res.partner" {
                    ids.push(record["id"].as_i64().unwrap());
                }
                Ok(())
            })
            .unwrap();
        ids
    };
    assert!(!ids(&incremental).contains(&doomed));
}

#[tokio::test]
async fn a_previous_archive_that_cannot_be_trusted_or_is_too_old_means_a_full_read() {
    let world = world().await;
    let dir = tempfile::tempdir().unwrap();
    let first = world
        .backup(&dir.path().join("first"), IncrementalOptions::default())
        .await;
    world.on_simulator(|db| db.set_clock_offset(0));

    // A week after the last full read, everything is read again.
    let weekly = world
        .backup(
            &dir.path().join("weekly"),
            IncrementalOptions {
                full_read_every: chrono::Duration::zero(),
                ..world.since(&first)
            },
        )
        .await;
    assert_eq!(weekly.read.kind, ReadKind::Full);
    let reason = weekly.read.full_read_reason.clone().unwrap();
    assert!(reason.contains("last full read"), "{reason}");

    // A damaged previous archive is not copied from.
    let damaged = dir.path().join("damaged.zip");
    let mut bytes = std::fs::read(&first.archive).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&damaged, bytes).unwrap();
    let after_damage = world
        .backup(
            &dir.path().join("after-damage"),
            IncrementalOptions {
                previous: Some(damaged),
                ..IncrementalOptions::default()
            },
        )
        .await;
    assert_eq!(after_damage.read.kind, ReadKind::Full);
    let reason = after_damage.read.full_read_reason.clone().unwrap();
    assert!(
        reason.contains("damaged.zip cannot be used"),
        "the reason names the archive: {reason}"
    );
    // Every record read from Odoo (on a real Odoo the other test of this file may be adding
    // records to the tenant meanwhile: the counts of two backups need not match).
    assert_eq!(after_damage.read.records_read, after_damage.record_count);
    assert_eq!(after_damage.read.records_copied, 0);
}

//! What the restore suites share: the Odoo they run against (the simulator, or the real Odoo
//! named by `ODOO_URL`), backups, and a comparison of the archive with the database that does not
//! rely on the crate under test.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use backup_engine::{
    ArchiveKeys, BackupOptions, BackupRequest, FileReference, NoProgress, Tenant, TenantSelector,
};
use base64::Engine as _;
use odoo_client::{
    ClientConfig, Context, Credential, Domain, FieldInfo, FieldType, OdooClient, Record,
    SearchOptions, Secret,
};
use odoo_sim::datasets::{TenantSize, TenantSpec, add_shop_tenant};
use odoo_sim::{OdooVersion, SimConfig, Simulator};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tenant_restore::PlanOptions;

/// The Odoo a suite runs against.
pub struct World {
    pub simulator: Option<Simulator>,
    pub client: OdooClient,
    /// The tenant the round trip damages and restores.
    pub tenant: i64,
    /// The other tenants, which must come out untouched.
    pub others: Vec<i64>,
}

/// The sidecar's keys in these suites: archives encrypted to a test identity and signed by a
/// test key, both made once per test process as `tenant-backup keygen` makes them.
pub fn archive_keys() -> ArchiveKeys {
    static KEYS: std::sync::OnceLock<ArchiveKeys> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let directory = tempfile::tempdir().expect("a key directory").keep();
        let identity_file = directory.join("age.key");
        backup_engine::protection::generate_identity_file(&identity_file).expect("age key");
        let key_file = directory.join("signing.key");
        backup_engine::protection::generate_signing_key_file(&key_file).expect("signing key");
        ArchiveKeys::load(
            &backup_engine::protection::EncryptionSection {
                identity_file: Some(identity_file),
                recipients: Vec::new(),
            },
            &backup_engine::protection::SigningSection {
                key_file: Some(key_file),
                trusted_keys: Vec::new(),
            },
        )
        .expect("the test keys load")
    })
    .clone()
}

/// Backups as the sidecar makes them: encrypted and signed.
pub fn backup_options() -> BackupOptions {
    BackupOptions {
        keys: archive_keys(),
        ..BackupOptions::default()
    }
}

/// Restores as the sidecar plans them: with its keys, unsigned archives refused.
pub fn plan_options() -> PlanOptions {
    PlanOptions {
        keys: archive_keys(),
        ..PlanOptions::default()
    }
}

/// A simulator with three small shop tenants; the second is restored.
pub async fn simulated_world(size: TenantSize) -> World {
    simulated_world_on(OdooVersion::V18, size).await
}

/// [`simulated_world`] on a simulated Odoo of `version`; a 19 one is reached as its
/// documentation recommends, over JSON-2 with an API key only.
pub async fn simulated_world_on(version: OdooVersion, size: TenantSize) -> World {
    let simulator = Simulator::start(SimConfig {
        version,
        ..SimConfig::default()
    })
    .await
    .expect("start the simulator");
    let tenants: Vec<i64> = simulator.with_db(|db| {
        // The shops' data was entered two days ago: backups read incrementally copy it.
        db.set_clock_offset(-2 * 86_400);
        let tenants = ["Boutique Sport", "Marque Mode", "Café Thé"]
            .into_iter()
            .enumerate()
            .map(|(seed, name)| {
                let size = if seed == 1 { size } else { TenantSize::Small };
                let spec = TenantSpec {
                    name: name.into(),
                    size,
                    with_images: true,
                    seed: seed as u64 + 11,
                };
                add_shop_tenant(db, &spec).company_id
            })
            .collect();
        db.set_clock_offset(0);
        tenants
    });
    // Data entered before the backup, as in life: the backup's second is later than every
    // record's write_date (a restore trusts write_date only for records written earlier).
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let config = simulator.config().clone();
    let client = connect(ClientConfig::new(
        simulator.url().parse().unwrap(),
        config.database.clone(),
        config.login.clone(),
        match version {
            OdooVersion::V18 => Credential::Password(Secret::new(config.password.clone())),
            OdooVersion::V19 => Credential::ApiKey(Secret::new(config.api_key.clone())),
        },
    ))
    .await;
    World {
        simulator: Some(simulator),
        client,
        tenant: tenants[1],
        others: vec![tenants[0], tenants[2]],
    }
}

/// The real Odoo named by `ODOO_URL` when set, else a simulator. On a real Odoo the tenant is
/// `RESTORE_TENANT` (a company id), else the company holding the fewest partners among those
/// after the first two (which the other live suites use).
pub async fn world() -> World {
    world_on(OdooVersion::V18).await
}

/// [`world`], with a simulated Odoo of `version` when no real one is named.
pub async fn world_on(version: OdooVersion) -> World {
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let Some(url) = var("ODOO_URL") else {
        return simulated_world_on(version, TenantSize::Small).await;
    };
    let credential = match (var("ODOO_PASSWORD"), var("ODOO_API_KEY")) {
        (Some(password), _) => Credential::Password(Secret::new(password)),
        (None, Some(key)) => Credential::ApiKey(Secret::new(key)),
        (None, None) => panic!("ODOO_URL is set but neither ODOO_PASSWORD nor ODOO_API_KEY"),
    };
    let client = connect(ClientConfig::new(
        url.parse().expect("ODOO_URL"),
        var("ODOO_DB").expect("ODOO_DB"),
        var("ODOO_LOGIN").expect("ODOO_LOGIN"),
        credential,
    ))
    .await;
    let mut holding_partners = Vec::new();
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
            holding_partners.push((tenant.company_id, partners));
        }
    }
    let tenant = match var("RESTORE_TENANT") {
        Some(id) => id.parse().expect("RESTORE_TENANT is a company id"),
        None => holding_partners
            .iter()
            .skip(2)
            .min_by_key(|(_, partners)| *partners)
            .map(|(id, _)| *id)
            .expect(
                "the live Odoo needs a third company holding partners for the round trip \
                 (or RESTORE_TENANT=<company id> to name the one to restore)",
            ),
    };
    let others = holding_partners
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| *id != tenant)
        .collect();
    World {
        simulator: None,
        client,
        tenant,
        others,
    }
}

pub async fn connect(config: ClientConfig) -> OdooClient {
    OdooClient::connect(config).await.expect("connect")
}

impl World {
    pub fn writes(&self) -> Option<u64> {
        self.simulator.as_ref().map(|sim| sim.stats().writes())
    }

    pub fn reset_stats(&self) {
        if let Some(simulator) = &self.simulator {
            simulator.reset_stats();
        }
    }

    pub fn scoped(&self, company: i64) -> OdooClient {
        self.client
            .with_context(Context::company(company).with_archived())
    }

    /// The tenant of a company, as a restore or a backup is given it.
    pub async fn tenant_of(&self, company: i64) -> Tenant {
        backup_engine::resolve_tenant(&self.client, &TenantSelector::Id(company))
            .await
            .expect("the company is a tenant")
    }

    /// A backup as the sidecar makes it: encrypted and signed, and read incrementally from a
    /// full read of a moment before, so that every round trip restores an archive whose
    /// unchanged records were copied, not read.
    pub async fn backup(&self, company: i64, directory: &Path) -> PathBuf {
        let full_read = tempfile::tempdir().unwrap();
        let previous = self
            .backup_with(company, full_read.path(), backup_options())
            .await;
        let mut options = backup_options();
        options.incremental.previous = Some(previous);
        if self.simulator.is_none() {
            // A real Odoo's test data may be younger than the hour's margin: a few seconds
            // still copy it (the sidecar and that Odoo share a clock here).
            options.incremental.margin = chrono::Duration::seconds(5);
        }
        let path = self.backup_with(company, directory, options).await;
        let read = backup_engine::ArchiveReader::open(&path, &archive_keys(), Default::default())
            .expect("open the archive")
            .metadata()
            .read
            .clone()
            .expect("how the archive was read");
        assert_eq!(
            read.kind,
            backup_engine::ReadKind::Incremental,
            "{:?}",
            read.full_read_reason
        );
        assert!(read.records_copied > 0, "{read:?}");
        path
    }

    /// A backup in clear and unsigned, for suites that edit archives as an attacker would.
    pub async fn backup_in_clear(&self, company: i64, directory: &Path) -> PathBuf {
        self.backup_with(company, directory, BackupOptions::default())
            .await
    }

    async fn backup_with(&self, company: i64, directory: &Path, options: BackupOptions) -> PathBuf {
        let request = BackupRequest {
            tenant: self.tenant_of(company).await,
            out_dir: directory.to_owned(),
            options,
        };
        // Archive names carry the second: two backups of a tenant in one second would collide.
        let report = loop {
            match backup_engine::backup(&self.client, &request, &NoProgress).await {
                Err(backup_engine::BackupError::Write {
                    source: backup_engine::WriteError::AlreadyExists { .. },
                    ..
                }) => tokio::time::sleep(std::time::Duration::from_millis(300)).await,
                other => break other.expect("back up"),
            }
        };
        report.archive
    }
}

/// `data.json` of an archive: model → id → record; and the external-id map.
pub fn archive_records(path: &Path) -> BTreeMap<String, BTreeMap<i64, Record>> {
    let mut reader = backup_engine::ArchiveReader::open(path, &archive_keys(), Default::default())
        .expect("open the archive");
    let mut records: BTreeMap<String, BTreeMap<i64, Record>> = BTreeMap::new();
    for model in reader.metadata().models.keys() {
        records.entry(model.clone()).or_default();
    }
    reader
        .for_each_record(|model, record| {
            let id = record["id"].as_i64().unwrap();
            records
                .entry(model.to_owned())
                .or_default()
                .insert(id, record);
            Ok(())
        })
        .expect("read data.json");
    records
}

/// Fields a restore is expected to bring back: stored (or computed with an inverse), entered
/// rather than derived, not one2many, not audit or technical.
pub fn restorable(name: &str, info: &FieldInfo) -> bool {
    const SKIPPED: &[&str] = &[
        "id",
        "display_name",
        "create_date",
        "create_uid",
        "write_date",
        "write_uid",
        "__last_update",
        "parent_path",
        "website_message_ids",
    ];
    !SKIPPED.contains(&name)
        && !name.starts_with("message_")
        && !name.starts_with("activity_")
        && !info.readonly
        && info.related.is_none()
        && info.field_type != FieldType::One2many
        && (info.store || !info.depends.is_empty())
        // Computed from another record (a lead's e-mail from its partner's): it follows that
        // record, a restore does not write it to an existing one.
        && !(info.store && info.depends.iter().any(|path| path.contains('.')))
        && !tenant_restore::NEVER_RESTORED_FIELDS
            .iter()
            .any(|(_, field, _)| *field == name)
        // Resized copies of an image are derived from the full-size one.
        && (!name.starts_with("image_") || name.ends_with("1920"))
}

/// Compares every record of the archive with the database, field by field on the fields a
/// restore writes, through `recreated` (model → archive id → new id). Returns the differences.
pub async fn differences(
    client: &OdooClient,
    tenant: i64,
    archive: &BTreeMap<String, BTreeMap<i64, Record>>,
    recreated: &BTreeMap<String, BTreeMap<i64, i64>>,
) -> Vec<String> {
    let in_language =
        |lang: &str| client.with_context(Context::company(tenant).with_archived().with_lang(lang));
    let scoped = in_language("en_US");
    let target = |model: &str, id: i64| -> i64 {
        recreated
            .get(model)
            .and_then(|ids| ids.get(&id))
            .copied()
            .unwrap_or(id)
    };
    let mut problems = Vec::new();
    for (model, records) in archive {
        if records.is_empty() {
            continue;
        }
        let fields = scoped.fields_get(model).await.expect("fields_get");
        let first = records.values().next().unwrap();
        let compared: Vec<String> = first
            .keys()
            .filter(|name| fields.get(*name).is_some_and(|info| restorable(name, info)))
            .cloned()
            .collect();
        let ids: Vec<i64> = records.keys().map(|id| target(model, *id)).collect();
        let mut wanted = compared.clone();
        wanted.push("id".into());
        let mut current: HashMap<i64, Record> = HashMap::new();
        for chunk in ids.chunks(200) {
            let rows = scoped
                .search_read(
                    model,
                    &Domain::leaf("id", "in", json!(chunk)),
                    &wanted,
                    &SearchOptions::default().bare_many2one(),
                )
                .await
                .expect("read back");
            for row in rows {
                current.insert(row["id"].as_i64().unwrap(), row);
            }
        }
        for (id, record) in records {
            let Some(row) = current.get(&target(model, *id)) else {
                problems.push(format!("{model} {id} is missing"));
                continue;
            };
            for name in &compared {
                let info = &fields[name];
                let expected = expected_value(info, &record[name], record, &target);
                let actual = &row[name];
                if !same(info, actual, &expected) {
                    problems.push(format!(
                        "{model} {id}.{name}: archive {expected} (as {}), now {actual}",
                        record[name]
                    ));
                }
            }
        }
        // Translatable values, in every language the archive keeps.
        let translated: Vec<String> = compared
            .iter()
            .filter(|name| fields[*name].translate)
            .cloned()
            .collect();
        if translated.is_empty() {
            continue;
        }
        for lang in archive_languages(records) {
            let reader = in_language(&lang);
            let mut wanted = translated.clone();
            wanted.push("id".into());
            let ids: Vec<i64> = records.keys().map(|id| target(model, *id)).collect();
            let mut now: HashMap<i64, Record> = HashMap::new();
            for chunk in ids.chunks(200) {
                for row in reader
                    .read(model, chunk, &wanted)
                    .await
                    .expect("read back in another language")
                {
                    now.insert(row["id"].as_i64().unwrap(), row);
                }
            }
            for (id, record) in records {
                let Some(row) = now.get(&target(model, *id)) else {
                    continue;
                };
                let own = record
                    .get("__translations__")
                    .and_then(|translations| translations.get(&lang));
                for name in &translated {
                    let expected = own
                        .and_then(|values| values.get(name))
                        .unwrap_or(&record[name]);
                    if !same(&fields[name], &row[name], expected) {
                        problems.push(format!(
                            "{model} {id}.{name} in {lang}: archive {expected}, now {}",
                            row[name]
                        ));
                    }
                }
            }
        }
    }
    problems
}

/// The languages of the translations a model's records hold.
fn archive_languages(records: &BTreeMap<i64, Record>) -> std::collections::BTreeSet<String> {
    records
        .values()
        .filter_map(|record| record.get("__translations__")?.as_object())
        .flat_map(|translations| translations.keys().cloned())
        .collect()
}

fn expected_value(
    info: &FieldInfo,
    value: &Value,
    record: &Record,
    target: &dyn Fn(&str, i64) -> i64,
) -> Value {
    match info.field_type {
        FieldType::Many2one => match (value.as_i64(), &info.relation) {
            (Some(id), Some(comodel)) => json!(target(comodel, id)),
            _ => json!(false),
        },
        FieldType::Many2many => {
            let comodel = info.relation.clone().unwrap_or_default();
            let mut ids: Vec<i64> = value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_i64)
                .map(|id| target(&comodel, id))
                .collect();
            ids.sort_unstable();
            json!(ids)
        }
        FieldType::Many2oneReference => {
            let model = record
                .get("res_model")
                .or_else(|| record.get("model"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            match value.as_i64() {
                Some(id) if id > 0 && !model.is_empty() => json!(target(model, id)),
                _ => value.clone(),
            }
        }
        FieldType::Binary | FieldType::Image => match FileReference::from_value(value) {
            Some(reference) => json!(reference.sha256),
            None => json!(false),
        },
        _ => value.clone(),
    }
}

fn same(info: &FieldInfo, actual: &Value, expected: &Value) -> bool {
    let empty = odoo_client::value::is_empty;
    match info.field_type {
        FieldType::Many2many => {
            let mut ids: Vec<i64> = actual
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_i64)
                .collect();
            ids.sort_unstable();
            json!(ids) == *expected
        }
        FieldType::Binary | FieldType::Image => {
            let digest = actual.as_str().filter(|text| !text.is_empty()).map(|text| {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .unwrap_or_default();
                json!(hex(&Sha256::digest(bytes)))
            });
            digest.unwrap_or(json!(false)) == *expected
        }
        FieldType::Float | FieldType::Monetary => match (actual.as_f64(), expected.as_f64()) {
            (Some(a), Some(b)) => (a - b).abs() < 1e-6,
            _ => empty(actual) && empty(expected),
        },
        _ => actual == expected || (empty(actual) && empty(expected)),
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A full export of a tenant through a backup: model → id → record (audit fields included, so
/// any write shows).
pub async fn export(
    world: &World,
    company: i64,
    directory: &Path,
) -> BTreeMap<String, BTreeMap<i64, Record>> {
    let path = world.backup(company, directory).await;
    let records = archive_records(&path);
    std::fs::remove_file(path).ok();
    records
}

/// Ids of a model's records of the tenant.
pub async fn ids_of(client: &OdooClient, tenant: i64, model: &str, domain: Domain) -> Vec<i64> {
    client
        .with_context(Context::company(tenant).with_archived())
        .search(model, &domain, &SearchOptions::ordered_by("id"))
        .await
        .expect("search")
}

/// The record ids of every model of an export, for comparing sets.
pub fn id_sets(
    export: &BTreeMap<String, BTreeMap<i64, Record>>,
) -> BTreeMap<String, BTreeSet<i64>> {
    export
        .iter()
        .map(|(model, records)| (model.clone(), records.keys().copied().collect()))
        .collect()
}

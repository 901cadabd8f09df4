//! Archives that must never be restored: each one is refused before the first write, and the
//! simulator's write counter proves that nothing was written (not assumed).
//!
//! The tampered archives are made from a real backup of a simulated tenant. Where the attack is
//! a deliberate edit, the checksums in metadata.json are recomputed, as an attacker would:
//! checksums catch damage, the ownership checks catch tampering.

mod support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use backup_engine::{ArchiveError, BackupOptions, ReadLimits};
use odoo_client::Domain;
use odoo_sim::datasets::TenantSize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::{World, hex, ids_of, simulated_world};
use tenant_restore::{ExecuteOptions, NoRestoreProgress, PlanOptions, RestoreError, RestorePlan};

/// The entries of an archive, by name, in order.
fn entries(path: &Path) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|index| {
            let mut entry = zip.by_index(index).unwrap();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            (entry.name().to_owned(), content)
        })
        .collect()
}

/// Writes `entries` as a new archive. `recompute` lists every entry but metadata.json in it
/// with its real checksum and size, as someone who edits an archive on purpose would.
fn write_archive(path: &Path, mut entries: Vec<(String, Vec<u8>)>, recompute: bool) {
    if recompute {
        let mut digests = serde_json::Map::new();
        for (name, content) in &entries {
            if name != "metadata.json" {
                digests.insert(
                    name.clone(),
                    json!({"sha256": hex(&Sha256::digest(content)), "size": content.len()}),
                );
            }
        }
        let metadata = entries
            .iter_mut()
            .find(|(name, _)| name == "metadata.json")
            .unwrap();
        let mut value: Value = serde_json::from_slice(&metadata.1).unwrap();
        value["entries"] = Value::Object(digests);
        metadata.1 = serde_json::to_vec(&value).unwrap();
    }
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, content) in entries {
        zip.start_file(name, options).unwrap();
        zip.write_all(&content).unwrap();
    }
    zip.finish().unwrap();
}

/// A copy of the archive with data.json and metadata.json edited.
fn edited(
    original: &Path,
    directory: &Path,
    name: &str,
    recompute: bool,
    edit: impl FnOnce(&mut Value, &mut Value, &mut Vec<(String, Vec<u8>)>),
) -> PathBuf {
    let mut entries = entries(original);
    let mut metadata: Value = serde_json::from_slice(
        &entries
            .iter()
            .find(|(name, _)| name == "metadata.json")
            .unwrap()
            .1,
    )
    .unwrap();
    let mut data: Value = serde_json::from_slice(
        &entries
            .iter()
            .find(|(name, _)| name == "data.json")
            .unwrap()
            .1,
    )
    .unwrap();
    let original_data = data.clone();
    edit(&mut metadata, &mut data, &mut entries);
    for (entry, content) in entries.iter_mut() {
        if entry == "metadata.json" {
            *content = serde_json::to_vec(&metadata).unwrap();
        } else if entry == "data.json" && data != original_data {
            *content = serde_json::to_vec(&data).unwrap();
        }
    }
    let path = directory.join(name);
    write_archive(&path, entries, recompute);
    path
}

struct Setup {
    world: World,
    archive: PathBuf,
    directory: tempfile::TempDir,
}

async fn setup() -> Setup {
    let world = simulated_world(TenantSize::Small).await;
    let directory = tempfile::tempdir().unwrap();
    let archive = world.backup_in_clear(world.tenant, directory.path()).await;
    Setup {
        world,
        archive,
        directory,
    }
}

impl Setup {
    /// Plans (and, if the plan is made, executes) the restore of `archive` into `tenant`;
    /// returns the plan or the refusal, after checking that nothing was written.
    async fn restore(
        &self,
        archive: &Path,
        tenant: i64,
        options: &PlanOptions,
    ) -> Result<RestorePlan, RestoreError> {
        self.world.reset_stats();
        let target = self.world.tenant_of(tenant).await;
        let outcome = tenant_restore::plan(
            &self.world.client,
            archive,
            &target,
            options,
            &NoRestoreProgress,
        )
        .await;
        if let Ok(plan) = &outcome {
            tenant_restore::execute(
                &self.world.client,
                plan,
                &ExecuteOptions::default(),
                &NoRestoreProgress,
            )
            .await
            .expect("execute");
        }
        assert_eq!(
            self.world.writes(),
            Some(0),
            "{} was written to Odoo",
            archive.display()
        );
        outcome
    }

    async fn other_tenant_record(&self, model: &str) -> i64 {
        let other = self.world.others[0];
        ids_of(
            &self.world.client,
            other,
            model,
            Domain::leaf("company_id", "=", other),
        )
        .await[0]
    }
}

/// The archives of this suite are edited as an attacker would, so they are unsigned: the
/// operator allows that here, and what follows shows what still stands between a crafted
/// archive and another tenant's data once a signature no longer does.
fn in_clear() -> PlanOptions {
    PlanOptions {
        allow_unsigned: true,
        ..PlanOptions::default()
    }
}

#[tokio::test]
async fn an_archive_no_trusted_key_signed_is_refused_before_anything_is_read_unless_allowed() {
    let setup = setup().await;
    let error = setup
        .restore(&setup.archive, setup.world.tenant, &PlanOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RestoreError::NotTrusted { signature, .. } if *signature == backup_engine::SignatureCheck::Unsigned),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("not signed")
            && message.contains("--allow-unsigned")
            && message.contains("nothing was written"),
        "{message}"
    );
    // Allowed explicitly, the plan is made, and says it was unsigned.
    let plan = setup
        .restore(&setup.archive, setup.world.tenant, &in_clear())
        .await
        .unwrap();
    assert_eq!(plan.signature(), &backup_engine::SignatureCheck::Unsigned);
}

fn first_record<'a>(data: &'a mut Value, model: &str) -> &'a mut Value {
    &mut data[model][0]
}

#[tokio::test]
async fn a_record_of_another_company_is_refused_as_tampering() {
    let setup = setup().await;
    let other = setup.world.others[0];
    let path = edited(
        &setup.archive,
        setup.directory.path(),
        "foreign-company.zip",
        true,
        |_, data, _| first_record(data, "sale.order")["company_id"] = json!(other),
    );
    let error = setup
        .restore(&path, setup.world.tenant, &in_clear())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RestoreError::Tampered { model, reason, .. } if model == "sale.order" && reason.contains(&format!("company {other}"))),
        "{error}"
    );
}

#[tokio::test]
async fn a_reference_to_another_tenants_record_is_refused_as_tampering() {
    let setup = setup().await;
    let foreign_partner = setup.other_tenant_record("res.partner").await;
    let path = edited(
        &setup.archive,
        setup.directory.path(),
        "foreign-reference.zip",
        true,
        |_, data, _| first_record(data, "sale.order")["partner_id"] = json!(foreign_partner),
    );
    let error = setup
        .restore(&path, setup.world.tenant, &in_clear())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RestoreError::Tampered { reason, .. } if reason.contains(&format!("res.partner {foreign_partner}"))),
        "{error}"
    );
}

#[tokio::test]
async fn a_record_whose_id_is_another_tenants_record_is_refused_and_not_written() {
    let setup = setup().await;
    let foreign_partner = setup.other_tenant_record("res.partner").await;
    let path = edited(
        &setup.archive,
        setup.directory.path(),
        "foreign-id.zip",
        true,
        |_, data, _| {
            let partner = data["res.partner"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|partner| partner["company_id"].is_i64())
                .unwrap();
            partner["id"] = json!(foreign_partner);
            partner["name"] = json!("Overwritten by a tampered archive");
        },
    );
    let before = setup
        .world
        .scoped(setup.world.others[0])
        .read("res.partner", &[foreign_partner], &["name".to_owned()])
        .await
        .unwrap();
    let plan = setup
        .restore(&path, setup.world.tenant, &in_clear())
        .await
        .expect("the rest of the archive is the tenant's");
    let refusals: Vec<_> = plan.refusals().collect();
    assert_eq!(refusals.len(), 1, "{refusals:#?}");
    assert_eq!(refusals[0].target_id, Some(foreign_partner));
    let after = setup
        .world
        .scoped(setup.world.others[0])
        .read("res.partner", &[foreign_partner], &["name".to_owned()])
        .await
        .unwrap();
    assert_eq!(before, after);
}

#[tokio::test]
async fn an_entry_escaping_the_archive_is_refused() {
    let setup = setup().await;
    let path = edited(
        &setup.archive,
        setup.directory.path(),
        "escape.zip",
        true,
        |_, _, entries| {
            entries.push((
                "filestore/../../../etc/cron.d/evil".into(),
                b"* * * * * root id".to_vec(),
            ))
        },
    );
    let error = setup
        .restore(&path, setup.world.tenant, &in_clear())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RestoreError::Archive { source, .. } if matches!(**source, ArchiveError::UnsafeEntryName { .. })),
        "{error}"
    );
}

#[tokio::test]
async fn an_entry_that_does_not_match_its_checksum_is_refused() {
    let setup = setup().await;
    let path = edited(
        &setup.archive,
        setup.directory.path(),
        "checksum.zip",
        false,
        |_, data, _| first_record(data, "res.partner")["name"] = json!("Edited"),
    );
    let error = setup
        .restore(&path, setup.world.tenant, &in_clear())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RestoreError::Archive { source, .. } if matches!(**source, ArchiveError::ChecksumMismatch { .. } | ArchiveError::SizeMismatch { .. })),
        "{error}"
    );
}

#[tokio::test]
async fn an_endlessly_compressing_entry_is_refused() {
    let setup = setup().await;
    let path = edited(
        &setup.archive,
        setup.directory.path(),
        "bomb.zip",
        true,
        |_, _, entries| {
            entries.push((
                "filestore/binaries/res.partner/1/image_1920".into(),
                vec![0_u8; 256 << 20],
            ))
        },
    );
    let error = setup
        .restore(&path, setup.world.tenant, &in_clear())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RestoreError::Archive { source, .. } if matches!(**source, ArchiveError::SuspiciousEntry { .. })),
        "{error}"
    );
}

#[tokio::test]
async fn an_oversized_entry_is_refused() {
    let setup = setup().await;
    let noise: Vec<u8> = (0..(3_u32 << 20))
        .map(|index| (index.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let path = edited(
        &setup.archive,
        setup.directory.path(),
        "oversized.zip",
        true,
        |_, _, entries| entries.push(("filestore/binaries/res.partner/1/image_1920".into(), noise)),
    );
    let options = PlanOptions {
        archive_limits: ReadLimits {
            max_entry_size: 2 << 20,
            ..ReadLimits::default()
        },
        ..in_clear()
    };
    let error = setup
        .restore(&path, setup.world.tenant, &options)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RestoreError::Archive { source, .. } if matches!(**source, ArchiveError::SuspiciousEntry { .. })),
        "{error}"
    );
}

#[tokio::test]
async fn an_archive_of_another_tenant_is_refused() {
    let setup = setup().await;
    let other = setup.world.others[0];
    let error = setup
        .restore(&setup.archive, other, &in_clear())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RestoreError::WrongTenant { archive_company_id, .. } if *archive_company_id == setup.world.tenant),
        "{error}"
    );
}

#[tokio::test]
async fn an_archive_of_another_database_is_refused() {
    let setup = setup().await;
    let path = edited(
        &setup.archive,
        setup.directory.path(),
        "other-database.zip",
        false,
        |metadata, _, _| {
            metadata["odoo"]["database_uuid"] = json!("00000000-0000-0000-0000-000000000000")
        },
    );
    let error = setup
        .restore(&path, setup.world.tenant, &in_clear())
        .await
        .unwrap_err();
    assert!(
        matches!(error, RestoreError::WrongDatabase { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn an_unknown_format_version_is_refused() {
    let setup = setup().await;
    let path = edited(
        &setup.archive,
        setup.directory.path(),
        "version-4.zip",
        false,
        |metadata, _, _| metadata["format_version"] = json!(4),
    );
    let error = setup
        .restore(&path, setup.world.tenant, &in_clear())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RestoreError::Archive { source, .. } if matches!(**source, ArchiveError::UnsupportedVersion { found: 4, .. })),
        "{error}"
    );
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_an_unchanged_tenant_needs_no_write() {
    let setup = setup().await;
    setup.world.reset_stats();
    let plan = tenant_restore::plan(
        &setup.world.client,
        &setup.archive,
        &setup.world.tenant_of(setup.world.tenant).await,
        &in_clear(),
        &NoRestoreProgress,
    )
    .await
    .unwrap();
    assert!(plan.writes_nothing(), "{:?}", plan.totals());
    let safety_backup = tenant_restore::safety_backup(
        &setup.world.client,
        &plan,
        setup.directory.path(),
        &BackupOptions::default(),
        &NoRestoreProgress,
    )
    .await
    .unwrap();
    assert!(safety_backup.is_none());
    tenant_restore::execute(
        &setup.world.client,
        &plan,
        &ExecuteOptions::default(),
        &NoRestoreProgress,
    )
    .await
    .unwrap();
    assert_eq!(setup.world.writes(), Some(0));
    let serialized = serde_json::to_value(&plan).unwrap();
    let models: BTreeMap<String, Value> = serialized["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|model| (model["model"].as_str().unwrap().to_owned(), model.clone()))
        .collect();
    assert!(
        models.contains_key("res.partner"),
        "the dry run lists every model"
    );
}

/// Regression: the main company's users legitimately list other companies in `company_ids`
/// (Odoo adds every new company to the superuser's), which once made every archive of such a
/// tenant look tampered. Which companies a user may work in is access control and is never
/// restored, so it neither refuses the archive nor gets written.
#[tokio::test]
async fn a_user_allowed_in_other_companies_does_not_make_the_archive_look_tampered() {
    let world = simulated_world(TenantSize::Small).await;
    let other = world.others[0];
    let tenant = world.tenant;
    world.simulator.as_ref().unwrap().with_db(|db| {
        let partner = db.insert_raw(
            "res.partner",
            json!({"name": "Tenant clerk", "company_id": tenant}),
        );
        db.insert_raw(
            "res.users",
            json!({"login": "clerk", "name": "Tenant clerk", "partner_id": partner,
                    "company_id": tenant, "company_ids": [tenant, other], "active": true, "share": false}),
        );
    });
    let directory = tempfile::tempdir().unwrap();
    let archive = world.backup_in_clear(tenant, directory.path()).await;
    let data = support::archive_records(&archive);
    assert!(
        data.get("res.users").is_some_and(|users| !users.is_empty()),
        "the tenant's user is in its archive"
    );
    world.reset_stats();
    let plan = tenant_restore::plan(
        &world.client,
        &archive,
        &world.tenant_of(tenant).await,
        &in_clear(),
        &NoRestoreProgress,
    )
    .await
    .expect("a user's other companies are not tampering");
    assert!(plan.writes_nothing(), "{:?}", plan.summary());
    assert_eq!(world.writes(), Some(0));
}

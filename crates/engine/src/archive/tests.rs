//! The archive as its readers see it: written by the writer, checked by verify, damaged in the
//! ways a disk, a transfer or a person damages files.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use zip::write::SimpleFileOptions;
use zip::{ZipArchive, ZipWriter};

use super::format::{FORMAT_NAME, FORMAT_VERSION, FileReference, Metadata, OdooInfo, TenantInfo};
use super::writer::{
    self, BinaryContent, Command, ModelShape, Relation, RelationKind, WriterSettings,
};
use crate::error::{ArchiveError, WriteError};
use crate::{read_archive, verify};

const IMAGE: &[u8] = b"\x89PNG\r\n\x1a\nnot really an image, but it starts like one";

fn created_at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-06-01T02:03:04Z")
        .unwrap()
        .to_utc()
}

fn record(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn metadata() -> Metadata {
    Metadata {
        format: FORMAT_NAME.into(),
        format_version: FORMAT_VERSION,
        tenant: TenantInfo {
            company_id: 3,
            code: "boutique-sport".into(),
            name: "Boutique Sport".into(),
        },
        created_at: created_at(),
        tool_version: "test".into(),
        odoo: OdooInfo {
            server_version: "18.0".into(),
            database_uuid: Some("uuid".into()),
            modules: Vec::new(),
        },
        models: BTreeMap::new(),
        record_count: 0,
        attachment_count: 0,
        skipped_models: Vec::new(),
        excluded_models: Vec::new(),
        unresolved_references: Vec::new(),
        skipped_attachments: Vec::new(),
        entries: BTreeMap::new(),
        languages: None,
        read: None,
    }
}

/// Writes a small archive: two templates (one with an image), one attachment, references to a
/// shared country and uom.
async fn write_sample(out_dir: &Path) -> PathBuf {
    write_sample_with(out_dir, crate::ArchiveKeys::default()).await
}

/// [`write_sample`], encrypted and signed as `keys` say.
pub(super) async fn write_sample_with(out_dir: &Path, keys: crate::ArchiveKeys) -> PathBuf {
    let settings = WriterSettings {
        out_dir: out_dir.to_owned(),
        code: "boutique-sport".into(),
        created_at: created_at(),
        compression_level: 6,
        planned: Default::default(),
        keys,
    };
    let (sender, handle) = writer::spawn(settings, 2).unwrap();
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let commands = vec![
        Command::BeginModel(ModelShape {
            model: "product.template".into(),
            relations: vec![Relation {
                field: "uom_id".into(),
                comodel: "uom.uom".into(),
                kind: RelationKind::Many2one,
            }],
            binary_fields: vec!["image_1920".into()],
        }),
        Command::Binary {
            id: 10,
            field: "image_1920".into(),
            file_name: None,
            content: BinaryContent::Base64(b64(IMAGE)),
        },
        Command::Records(vec![
            record(json!({"id": 10, "name": "Ball", "uom_id": [1, "Units"], "list_price": 9.5})),
            record(
                json!({"id": 11, "name": "Net", "uom_id": false, "create_date": "2025-01-02 03:04:05"}),
            ),
        ]),
        Command::EndModel,
        Command::BeginModel(ModelShape {
            model: "ir.attachment".into(),
            relations: Vec::new(),
            binary_fields: vec!["datas".into()],
        }),
        Command::Binary {
            id: 5,
            field: "datas".into(),
            file_name: Some("../../etc/notes.txt".into()),
            content: BinaryContent::Base64(b64(b"hello")),
        },
        Command::Records(vec![record(
            json!({"id": 5, "name": "../../etc/notes.txt", "res_model": "product.template", "res_id": 10}),
        )]),
        Command::EndModel,
    ];
    for command in commands {
        sender.send(command).await.unwrap();
    }
    let (reply, answer) = tokio::sync::oneshot::channel();
    sender.send(Command::TakeReferences(reply)).await.unwrap();
    let outside = answer.await.unwrap();
    assert_eq!(
        outside["uom.uom"].ids.iter().copied().collect::<Vec<_>>(),
        vec![1]
    );
    let mut external_ids = BTreeMap::new();
    external_ids.insert(
        "uom.uom".to_owned(),
        BTreeMap::from([(1, "uom.product_uom_unit".to_owned())]),
    );
    sender
        .send(Command::Finish {
            external_ids,
            metadata: Box::new(metadata()),
        })
        .await
        .unwrap();
    handle.await.unwrap().unwrap().path
}

/// Rewrites an archive entry by entry: `edit` gets each name and content and returns what to
/// write (None drops the entry); `extra` entries are appended.
/// Renames the sample's product in `data.json` without updating its checksum.
fn change_a_record_name(path: &Path) {
    rewrite(
        path,
        |name, content| {
            Some(if name == "data.json" {
                String::from_utf8(content)
                    .unwrap()
                    .replace("Ball", "Bell")
                    .into_bytes()
            } else {
                content
            })
        },
        &[],
    );
}

pub(super) fn rewrite(
    path: &Path,
    mut edit: impl FnMut(&str, Vec<u8>) -> Option<Vec<u8>>,
    extra: &[(&str, &[u8])],
) {
    let mut source = ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut entries = Vec::new();
    for index in 0..source.len() {
        let mut entry = source.by_index(index).unwrap();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        entries.push((entry.name().to_owned(), content));
    }
    let mut target = ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, content) in entries {
        if let Some(content) = edit(&name, content) {
            target
                .start_file(name, SimpleFileOptions::default())
                .unwrap();
            target.write_all(&content).unwrap();
        }
    }
    for (name, content) in extra {
        target
            .start_file(*name, SimpleFileOptions::default())
            .unwrap();
        target.write_all(content).unwrap();
    }
    target.finish().unwrap();
}

#[tokio::test]
async fn a_written_archive_verifies_and_reads_back_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_sample(dir.path()).await;
    assert_eq!(
        path.file_name().unwrap(),
        "backup_boutique-sport_20250601_020304.zip"
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec!["backup_boutique-sport_20250601_020304.zip"],
        "no partial file left"
    );

    let verified = verify(&path).unwrap();
    assert_eq!(verified.metadata.record_count, 3);
    assert_eq!(verified.metadata.attachment_count, 1);
    assert_eq!(verified.metadata.models["product.template"], 2);

    let mut reader = read_archive(&path).unwrap();
    let mut records = Vec::new();
    let external_ids = reader
        .for_each_record(|model, record| {
            records.push((model.to_owned(), record));
            Ok(())
        })
        .unwrap();
    assert_eq!(external_ids["uom.uom"][&1], "uom.product_uom_unit");
    let ball = &records[0].1;
    assert_eq!(ball["uom_id"], json!(1), "many2one kept as its id");
    assert_eq!(records[1].1["uom_id"], Value::Null);
    assert_eq!(records[1].1["image_1920"], Value::Null);
    assert_eq!(records[1].1["create_date"], json!("2025-01-02 03:04:05"));
    let image = FileReference::from_value(&ball["image_1920"]).unwrap();
    assert_eq!(
        image.file,
        "filestore/product_images/product.template/10/image_1920.png"
    );
    assert_eq!(reader.read_file(&image).unwrap(), IMAGE);
    let attachment = FileReference::from_value(&records[2].1["datas"]).unwrap();
    assert_eq!(
        attachment.file,
        "filestore/attachments/5/_._.._etc_notes.txt"
    );
    assert_eq!(reader.read_file(&attachment).unwrap(), b"hello");
}

#[tokio::test]
async fn unzip_accepts_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_sample(dir.path()).await;
    let output = std::process::Command::new("unzip")
        .arg("-t")
        .arg(&path)
        .output()
        .expect("unzip is installed (apt-get install unzip)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[tokio::test]
async fn a_flipped_byte_in_data_json_fails_verify_naming_data_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_sample(dir.path()).await;
    let (start, length) = {
        let mut zip = ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let entry = zip.by_name("data.json").unwrap();
        (entry.data_start().unwrap(), entry.compressed_size())
    };
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[(start + length / 2) as usize] ^= 0x20;
    std::fs::write(&path, bytes).unwrap();
    let error = verify(&path).unwrap_err();
    assert!(error.to_string().contains("data.json"), "{error}");
    assert!(
        matches!(
            error,
            ArchiveError::CorruptEntry { .. } | ArchiveError::ChecksumMismatch { .. }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_changed_record_fails_verify_with_a_checksum_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_sample(dir.path()).await;
    change_a_record_name(&path);
    let error = verify(&path).unwrap_err();
    assert!(
        matches!(&error, ArchiveError::ChecksumMismatch { entry, .. } if entry == "data.json"),
        "{error}"
    );
}

#[tokio::test]
async fn verify_with_records_hands_over_every_record_and_reports_damage_before_visit_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_sample(dir.path()).await;
    let mut seen = Vec::new();
    let (verified, external_ids) = crate::verify_with_records(
        &path,
        &Default::default(),
        Default::default(),
        |model, record| {
            seen.push((model.to_owned(), record["id"].as_i64().unwrap()));
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(verified.metadata.record_count, 3);
    assert_eq!(seen.len(), 3);
    assert_eq!(external_ids["uom.uom"][&1], "uom.product_uom_unit");

    change_a_record_name(&path);
    let stop = || ArchiveError::BadData {
        reason: "stopped".into(),
    };
    let error =
        crate::verify_with_records(&path, &Default::default(), Default::default(), |_, _| {
            Err(stop())
        })
        .unwrap_err();
    assert!(
        matches!(&error, ArchiveError::ChecksumMismatch { entry, .. } if entry == "data.json"),
        "{error}"
    );
}

#[tokio::test]
async fn a_missing_entry_fails_verify_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_sample(dir.path()).await;
    rewrite(
        &path,
        |name, content| (!name.starts_with("filestore/attachments/")).then_some(content),
        &[],
    );
    let error = verify(&path).unwrap_err();
    assert!(
        matches!(&error, ArchiveError::MissingEntry { entry } if entry == "filestore/attachments/5/_._.._etc_notes.txt"),
        "{error}"
    );
}

#[tokio::test]
async fn an_extra_entry_fails_verify_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_sample(dir.path()).await;
    rewrite(
        &path,
        |_, content| Some(content),
        &[("filestore/attachments/99/intruder.txt", b"x")],
    );
    let error = verify(&path).unwrap_err();
    assert!(
        matches!(&error, ArchiveError::UnlistedEntry { entry } if entry == "filestore/attachments/99/intruder.txt"),
        "{error}"
    );
}

#[tokio::test]
async fn an_unknown_format_version_fails_verify_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_sample(dir.path()).await;
    rewrite(
        &path,
        |name, content| {
            if name != "metadata.json" {
                return Some(content);
            }
            let mut metadata: Value = serde_json::from_slice(&content).unwrap();
            metadata["format_version"] = json!(4);
            Some(serde_json::to_vec(&metadata).unwrap())
        },
        &[],
    );
    let error = verify(&path).unwrap_err();
    assert!(
        matches!(error, ArchiveError::UnsupportedVersion { found: 4, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("format version 4"), "{error}");
}

#[tokio::test]
async fn a_truncated_archive_fails_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_sample(dir.path()).await;
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let error = verify(&path).unwrap_err();
    assert!(matches!(error, ArchiveError::NotAZip { .. }), "{error}");
    assert!(error.to_string().contains("truncated"), "{error}");
}

#[tokio::test]
async fn a_path_escaping_entry_is_refused_before_anything_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_sample(dir.path()).await;
    rewrite(
        &path,
        |_, content| Some(content),
        &[("filestore/../../evil.sh", b"rm -rf /")],
    );
    let error = read_archive(&path).unwrap_err();
    assert!(
        matches!(error, ArchiveError::UnsafeEntryName { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn a_record_pointing_at_a_missing_file_fails_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_sample(dir.path()).await;
    // Rename the file in data.json and fix the listed checksum, as a careless edit would.
    let mut new_data = Vec::new();
    rewrite(
        &path,
        |name, content| {
            if name == "data.json" {
                new_data = String::from_utf8(content)
                    .unwrap()
                    .replace("10/image_1920.png", "12/image_1920.png")
                    .into_bytes();
                return Some(new_data.clone());
            }
            Some(content)
        },
        &[],
    );
    let digest = super::format::hex(&<sha2::Sha256 as sha2::Digest>::digest(&new_data));
    let size = new_data.len();
    rewrite(
        &path,
        |name, content| {
            if name != "metadata.json" {
                return Some(content);
            }
            let mut metadata: Value = serde_json::from_slice(&content).unwrap();
            metadata["entries"]["data.json"] = json!({"sha256": digest, "size": size});
            Some(serde_json::to_vec(&metadata).unwrap())
        },
        &[],
    );
    let error = verify(&path).unwrap_err();
    assert!(
        matches!(&error, ArchiveError::BadFileReference { model, id: 10, .. } if model == "product.template"),
        "{error}"
    );
}

#[tokio::test]
async fn an_abandoned_backup_leaves_no_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let settings = WriterSettings {
        out_dir: dir.path().to_owned(),
        code: "marque-mode".into(),
        created_at: created_at(),
        compression_level: 6,
        planned: Default::default(),
        keys: Default::default(),
    };
    let (sender, handle) = writer::spawn(settings, 2).unwrap();
    sender
        .send(Command::BeginModel(ModelShape {
            model: "res.partner".into(),
            relations: Vec::new(),
            binary_fields: Vec::new(),
        }))
        .await
        .unwrap();
    sender
        .send(Command::Records(vec![record(json!({"id": 1}))]))
        .await
        .unwrap();
    drop(sender);
    assert!(matches!(handle.await.unwrap(), Err(WriteError::Aborted)));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

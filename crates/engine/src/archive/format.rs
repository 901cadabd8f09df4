//! The archive's format, version 3: entry names and the contents of `metadata.json`.
//!
//! `docs/ARCHIVE_FORMAT.md` describes the same thing for people; keep the two in step.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The `format` value of every archive this tool writes.
pub const FORMAT_NAME: &str = "quelyos-tenant-backup";
/// The version this tool writes.
pub const FORMAT_VERSION: u32 = 3;
/// The versions this tool reads. Version 2 added the signature entry and the encrypted file,
/// version 3 the translations of translatable fields.
pub const SUPPORTED_VERSIONS: &[u32] = &[1, 2, 3];

pub const METADATA_ENTRY: &str = "metadata.json";
/// The minisign signature of `metadata.json` (version 2; absent from unsigned archives).
pub const SIGNATURE_ENTRY: &str = "metadata.json.minisig";
/// What an encrypted archive's file name adds to the ZIP's.
pub const ENCRYPTED_SUFFIX: &str = ".age";
pub const DATA_ENTRY: &str = "data.json";
pub const FILESTORE_PREFIX: &str = "filestore/";

/// The key of `data.json` that holds the external ids of the records the archive refers to but
/// does not contain. Model names never start with `__`, so it cannot collide with a model.
pub const EXTERNAL_IDS_KEY: &str = "__external_ids__";

/// The key of a record that holds its translatable fields' values in the other languages
/// (version 3): language → field → value, only where the value differs from the record's own.
/// Field names never start with `__`, so it cannot collide with a field.
pub const TRANSLATIONS_KEY: &str = "__translations__";

/// The language of the records' translatable values, and the other languages they are kept in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Languages {
    /// The language of every translatable field's value in the records (`en_US`, Odoo's
    /// source language, which every database has).
    pub values: String,
    /// The other languages active in the database when the backup was made; a record's
    /// `__translations__` holds, for each of them, the values that differ from its own.
    pub translations: Vec<String>,
}

/// The language Odoo keeps every translatable value in, whatever the languages installed.
pub const SOURCE_LANGUAGE: &str = "en_US";

/// The contents of `metadata.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    pub format: String,
    pub format_version: u32,
    pub tenant: TenantInfo,
    /// When the backup started, UTC.
    pub created_at: DateTime<Utc>,
    /// The version of the tool that wrote the archive.
    pub tool_version: String,
    pub odoo: OdooInfo,
    /// Records per model in `data.json` (`ir.attachment` included).
    pub models: BTreeMap<String, u64>,
    /// Records in `data.json`, all models.
    pub record_count: u64,
    /// `ir.attachment` records in `data.json`.
    pub attachment_count: u64,
    /// Models that could not be read and were configured optional: not in the archive.
    #[serde(default)]
    pub skipped_models: Vec<SkippedModel>,
    /// Models that look like tenant data but are deliberately not backed up, with the reason.
    #[serde(default)]
    pub excluded_models: Vec<ExcludedModel>,
    /// Records the archive refers to that are neither in it nor named by an external id: a
    /// restore into another database cannot resolve them.
    #[serde(default)]
    pub unresolved_references: Vec<UnresolvedReference>,
    /// Attachments carrying this company that hang on another tenant's record: not in the
    /// archive.
    #[serde(default)]
    pub skipped_attachments: Vec<SkippedAttachment>,
    /// Every entry of the archive except `metadata.json`, with its SHA-256 and size.
    pub entries: BTreeMap<String, EntryDigest>,
    /// The languages of translatable values (version 3). Older archives hold translatable
    /// fields in the backup user's language only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<Languages>,
    /// How the records were read from Odoo: all of them, or only those that changed since a
    /// previous archive, the others copied from it. Older archives were all read in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<ReadInfo>,
}

/// How a backup read the tenant (see `docs/ARCHIVE_FORMAT.md`). Either way the archive is
/// complete: an incrementally read archive holds every record, not a difference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadInfo {
    pub kind: ReadKind,
    /// Why every record was read (a full read), in a sentence; `None` for an incremental read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_read_reason: Option<String>,
    /// The archive the unchanged records were copied from (incremental reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<PreviousArchiveInfo>,
    /// When the full read this archive descends from started: the archive's own start for a
    /// full read. A full read is forced once this is older than the configured period.
    pub full_read_at: DateTime<Utc>,
    /// Records read from Odoo.
    pub records_read: u64,
    /// Records copied from the previous archive (their fields that `write_date` does not
    /// cover read again: see `docs/ARCHITECTURE.md`).
    pub records_copied: u64,
    /// Binary contents copied from the previous archive instead of being read again.
    pub files_copied: u64,
    /// A digest of the default values (`ir.default`) when the backup started: they stand in
    /// for every company-dependent field a record has no value of its own for, so a change
    /// of one forces the next backup to read in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults_digest: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadKind {
    Full,
    Incremental,
}

impl ReadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReadKind::Full => "full",
            ReadKind::Incremental => "incremental",
        }
    }
}

/// The previous archive an incremental read copied from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousArchiveInfo {
    /// Its file name.
    pub archive: String,
    pub created_at: DateTime<Utc>,
}

/// The company an archive belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantInfo {
    pub company_id: i64,
    pub code: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OdooInfo {
    pub server_version: String,
    /// `ir.config_parameter` `database.uuid`: tells the database a backup came from.
    pub database_uuid: Option<String>,
    /// The installed modules (`ir.module.module`, state installed), by name.
    pub modules: Vec<ModuleInfo>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleInfo {
    pub name: String,
    /// The installed version, e.g. `18.0.1.2`; `None` when Odoo reports none.
    pub version: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedModel {
    pub model: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcludedModel {
    pub model: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnresolvedReference {
    pub model: String,
    pub id: i64,
    /// The record's name as Odoo shows it, or why it could not be read.
    pub display_name: String,
    /// The fields (`model.field`) that refer to records of this model.
    pub referenced_by: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedAttachment {
    pub id: i64,
    pub res_model: String,
    pub res_id: i64,
    pub reason: String,
}

/// The checksum and size of one entry's uncompressed content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryDigest {
    /// Lower-case hex SHA-256.
    pub sha256: String,
    pub size: u64,
}

/// What `data.json` holds in place of a binary field's base64: the entry with the bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileReference {
    pub file: String,
    pub sha256: String,
    pub size: u64,
}

impl FileReference {
    /// Recognises a reference in a field value of `data.json`.
    pub fn from_value(value: &serde_json::Value) -> Option<FileReference> {
        let object = value.as_object()?;
        if object.len() != 3 {
            return None;
        }
        Some(FileReference {
            file: object.get("file")?.as_str()?.to_owned(),
            sha256: object.get("sha256")?.as_str()?.to_owned(),
            size: object.get("size")?.as_u64()?,
        })
    }
}

/// Lower-case hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

/// The file name of a finished archive: `backup_<code>_<YYYYmmdd_HHMMSS>.zip` (UTC).
/// `encrypted` archives are the same ZIP wrapped in age, named `….zip.age`.
pub fn archive_file_name(code: &str, created_at: DateTime<Utc>, encrypted: bool) -> String {
    let suffix = if encrypted { ENCRYPTED_SUFFIX } else { "" };
    format!(
        "backup_{code}_{}.zip{suffix}",
        created_at.format("%Y%m%d_%H%M%S")
    )
}

/// The name an archive has while it is being written: hidden, and ending in `.partial`, so that
/// nothing that lists `backup_*.zip` ever takes it for a finished backup.
pub(crate) fn partial_file_name(code: &str, created_at: DateTime<Utc>) -> String {
    format!(
        ".backup_{code}_{}.zip.partial",
        created_at.format("%Y%m%d_%H%M%S")
    )
}

/// The spool for `data.json` while the archive is written (see the writer).
pub(crate) fn data_spool_file_name(code: &str, created_at: DateTime<Utc>) -> String {
    format!(
        ".backup_{code}_{}.data.partial",
        created_at.format("%Y%m%d_%H%M%S")
    )
}

/// Where a binary field's bytes go inside the archive.
///
/// - `ir.attachment` contents: `filestore/attachments/<id>/<sanitized name>`;
/// - image fields of product models: `filestore/product_images/<model>/<id>/<field>.<ext>`;
/// - any other binary field: `filestore/binaries/<model>/<id>/<field>`.
pub(crate) fn binary_entry_name(
    model: &str,
    id: i64,
    field: &str,
    attachment_name: Option<&str>,
    content: &[u8],
) -> String {
    if model == "ir.attachment" && field == "datas" {
        let name = sanitize_file_name(attachment_name.unwrap_or_default());
        return format!("{FILESTORE_PREFIX}attachments/{id}/{name}");
    }
    if let (true, Some(extension)) = (model.starts_with("product."), image_extension(content)) {
        return format!("{FILESTORE_PREFIX}product_images/{model}/{id}/{field}.{extension}");
    }
    format!("{FILESTORE_PREFIX}binaries/{model}/{id}/{field}")
}

/// The extension of a known image format, from its first bytes.
pub(crate) fn image_extension(content: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"\xff\xd8\xff", "jpg"),
        (b"GIF87a", "gif"),
        (b"GIF89a", "gif"),
    ];
    if content.len() >= 12 && &content[0..4] == b"RIFF" && &content[8..12] == b"WEBP" {
        return Some("webp");
    }
    if let Some((_, extension)) = SIGNATURES
        .iter()
        .find(|(magic, _)| content.starts_with(magic))
    {
        return Some(extension);
    }
    let head = &content[..content.len().min(256)];
    let head = String::from_utf8_lossy(head);
    let head = head.trim_start();
    if head.starts_with("<svg") || (head.starts_with("<?xml") && head.contains("<svg")) {
        return Some("svg");
    }
    None
}

/// Whether deflating these bytes is wasted effort (they are already compressed).
pub(crate) fn is_precompressed(content: &[u8]) -> bool {
    matches!(
        image_extension(content),
        Some("png" | "jpg" | "gif" | "webp")
    ) || content.starts_with(b"PK\x03\x04")
        || content.starts_with(b"\x1f\x8b")
}

/// A file name that is safe as one path component: letters, digits, `.`, `-` and `_` kept,
/// anything else (separators, `..`, control and non-ASCII characters) replaced by `_`, at most
/// 100 characters, never empty and never starting with a dot.
pub(crate) fn sanitize_file_name(name: &str) -> String {
    let mut clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    while clean.starts_with('.') {
        clean.replace_range(0..1, "_");
    }
    if clean.len() > 100 {
        // Keep the extension, which tells what the file is.
        let extension = clean
            .rfind('.')
            .map(|dot| clean[dot..].to_owned())
            .filter(|ext| ext.len() <= 16);
        let extension = extension.unwrap_or_default();
        clean.truncate(100 - extension.len());
        clean.push_str(&extension);
    }
    if clean.is_empty() {
        "file".to_owned()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_never_escape_their_directory() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "_._.._etc_passwd");
        assert_eq!(sanitize_file_name(".hidden"), "_hidden");
        assert_eq!(sanitize_file_name(""), "file");
        assert_eq!(
            sanitize_file_name("Facture n°12 (copie).pdf"),
            "Facture_n_12__copie_.pdf"
        );
        let long = format!("{}.pdf", "x".repeat(300));
        let clean = sanitize_file_name(&long);
        assert_eq!(clean.len(), 100);
        assert!(clean.ends_with(".pdf"));
    }

    #[test]
    fn binary_entries_follow_the_documented_layout() {
        let png = b"\x89PNG\r\n\x1a\n rest";
        assert_eq!(
            binary_entry_name("product.template", 7, "image_1920", None, png),
            "filestore/product_images/product.template/7/image_1920.png"
        );
        assert_eq!(
            binary_entry_name("res.partner", 7, "image_1920", None, png),
            "filestore/binaries/res.partner/7/image_1920"
        );
        assert_eq!(
            binary_entry_name(
                "ir.attachment",
                12,
                "datas",
                Some("report/2024.pdf"),
                b"%PDF"
            ),
            "filestore/attachments/12/report_2024.pdf"
        );
    }

    #[test]
    fn archive_names_sort_by_time_and_partial_names_do_not_look_finished() {
        let at = DateTime::parse_from_rfc3339("2025-03-04T05:06:07Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            archive_file_name("boutique-sport", at, false),
            "backup_boutique-sport_20250304_050607.zip"
        );
        let partial = partial_file_name("boutique-sport", at);
        assert!(partial.starts_with('.') && !partial.ends_with(".zip"));
    }
}

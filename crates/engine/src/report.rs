//! What a backup did: what is in the archive, and what was left out and why.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::archive::format::{ExcludedModel, SkippedAttachment, SkippedModel, UnresolvedReference};
use crate::tenant::Tenant;

/// The outcome of a successful backup. The lists of what was left out are also in the archive's
/// `metadata.json`.
#[derive(Clone, Debug)]
pub struct BackupReport {
    /// The finished archive.
    pub archive: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    pub tenant: Tenant,
    pub created_at: DateTime<Utc>,
    pub duration: Duration,
    /// Records per model in the archive.
    pub models: BTreeMap<String, u64>,
    pub record_count: u64,
    /// `ir.attachment` records in the archive.
    pub attachment_count: u64,
    /// Files under `filestore/` (attachment contents and binary fields).
    pub file_count: u64,
    /// Optional models that could not be read, with Odoo's reason.
    pub skipped_models: Vec<SkippedModel>,
    /// Models deliberately not backed up (deny-list, transient...), with the reason.
    pub excluded_models: Vec<ExcludedModel>,
    /// Records referred to that are neither in the archive nor named by an external id.
    pub unresolved_references: Vec<UnresolvedReference>,
    /// Attachments of this company hanging on another tenant's record.
    pub skipped_attachments: Vec<SkippedAttachment>,
    /// Who the archive is encrypted to and who signed it.
    pub protection: crate::protection::Protection,
    /// How the records were read: in full, or only what changed since a previous archive.
    pub read: crate::archive::format::ReadInfo,
}

impl BackupReport {
    /// Human-readable lines about what was left out, for a command line or an e-mail.
    pub fn warnings(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if self.protection.signed_by.is_none() {
            lines.push(
                "the archive is not signed (no signing key configured): a restore will have to allow unsigned archives explicitly"
                    .to_owned(),
            );
        }
        for skipped in &self.skipped_models {
            lines.push(format!(
                "optional model {} skipped: {}",
                skipped.model, skipped.reason
            ));
        }
        if !self.unresolved_references.is_empty() {
            let mut by_model: BTreeMap<&str, usize> = BTreeMap::new();
            for reference in &self.unresolved_references {
                *by_model.entry(reference.model.as_str()).or_default() += 1;
            }
            let summary = by_model
                .iter()
                .map(|(model, count)| format!("{model}: {count}"))
                .collect::<Vec<_>>()
                .join(", ");
            lines.push(format!(
                "{} referenced records outside the archive have no external id ({summary}); they are listed in metadata.json",
                self.unresolved_references.len()
            ));
        }
        if !self.skipped_attachments.is_empty() {
            lines.push(format!(
                "{} attachments of this company hang on another tenant's records and were left out; they are listed in metadata.json",
                self.skipped_attachments.len()
            ));
        }
        lines
    }
}

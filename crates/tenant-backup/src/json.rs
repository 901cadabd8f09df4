//! `--json`: one JSON document on standard output for `backup`, `verify`, `inspect` and
//! `restore`, for scripts and monitoring; the human text goes to standard error instead. Field
//! names and shapes follow the service API's (docs/API.md), so one parser reads both: a backup
//! as the API's Backup, a verification as `backup.verify`'s answer, a restore as the restore
//! report of a job. README's "Reports for scripts" lists them; they only ever gain fields.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;
use backup_engine::{BackupReport, Tenant};
use backup_service::{RestoreReportView, format_utc};
use serde::Serialize;
use serde_json::{Value, json};

/// Whether this run prints JSON on stdout, and so its human text on stderr.
static JSON_OUTPUT: AtomicBool = AtomicBool::new(false);
/// Whether the run's document was printed: there is one, never two.
static PRINTED: AtomicBool = AtomicBool::new(false);

pub fn enable() {
    JSON_OUTPUT.store(true, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    JSON_OUTPUT.load(Ordering::Relaxed)
}

pub fn printed() -> bool {
    PRINTED.load(Ordering::Relaxed)
}

/// Where the human text goes: stdout, or stderr when stdout carries JSON.
pub fn human() -> Box<dyn std::io::Write> {
    if enabled() {
        Box::new(std::io::stderr().lock())
    } else {
        Box::new(std::io::stdout().lock())
    }
}

/// Prints the run's one JSON document, when `--json` asked for it.
pub fn print(document: &impl Serialize) -> Result<()> {
    if enabled() && !PRINTED.swap(true, Ordering::Relaxed) {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, document)?;
        writeln!(out)?;
        out.flush()?;
    }
    Ok(())
}

/// A command that failed before it had a result: `{"error": {"message": …}}`.
pub fn failure(message: &str) -> Value {
    json!({ "error": { "message": message } })
}

/// `backup`: the API's Backup fields, with the archive's path and the warnings.
pub fn backup(report: &BackupReport) -> Value {
    json!({
        "archive": report.archive,
        "file_name": report.archive.file_name().map(|name| name.to_string_lossy()),
        "tenant": report.tenant,
        "status": "done",
        "size_bytes": report.size,
        "records": report.record_count,
        "attachments": report.attachment_count,
        "files": report.file_count,
        "duration_ms": report.duration.as_millis() as u64,
        "models": report.models,
        "created_at": format_utc(&report.created_at),
        "warnings": report.warnings(),
        "protection": report.protection,
        "read": report.read,
    })
}

/// `verify`: `backup.verify`'s `{ok, problem}`, and what was checked.
pub fn verified(
    path: &Path,
    verified: Option<&backup_engine::VerifiedArchive>,
    problem: Option<String>,
) -> Value {
    let metadata = verified.map(|verified| &verified.metadata);
    json!({
        "archive": path,
        "ok": problem.is_none(),
        "problem": problem,
        "tenant": metadata.map(|metadata| &metadata.tenant),
        "records": metadata.map(|metadata| metadata.record_count),
        "attachments": metadata.map(|metadata| metadata.attachment_count),
        "entries_checked": verified.map_or(0, |verified| verified.entry_count),
        "signature": verified.map(|verified| &verified.signature),
        "opened_with": verified.and_then(|verified| verified.opened_with.as_deref()),
    })
}

/// `inspect`: the archive's metadata as `backup.get` gives a backup, without the checksums.
pub fn inspected(path: &Path, reader: &backup_engine::ArchiveReader) -> Value {
    let metadata = reader.metadata();
    json!({
        "signature": reader.signature(),
        "opened_with": reader.opened_with(),
        "archive": path,
        "format": metadata.format,
        "format_version": metadata.format_version,
        "tenant": metadata.tenant,
        "created_at": format_utc(&metadata.created_at),
        "tool_version": metadata.tool_version,
        "odoo": {
            "server_version": metadata.odoo.server_version,
            "modules": metadata.odoo.modules.len(),
            "database_uuid": metadata.odoo.database_uuid,
        },
        "records": metadata.record_count,
        "attachments": metadata.attachment_count,
        "files": metadata.entries.keys().filter(|name| name.starts_with("filestore/")).count(),
        "models": metadata.models,
        "skipped_models": metadata.skipped_models,
        "unresolved_references": metadata.unresolved_references.len(),
        "skipped_attachments": metadata.skipped_attachments.len(),
        "read": metadata.read,
    })
}

/// `restore` (and `restore --dry-run`): the service's restore report, and what only the command
/// line knows.
#[derive(Serialize)]
pub struct Restored<'a> {
    #[serde(flatten)]
    pub report: RestoreReportView,
    pub tenant: &'a Tenant,
    pub archive: &'a Path,
    /// The safety backup's archive, when one was taken.
    pub safety_backup: Option<&'a Path>,
    pub unresolved: Vec<&'a tenant_restore::UnresolvedValue>,
    /// Fields a restore never writes that differ from the archive: model → field → records.
    pub not_restored: BTreeMap<String, BTreeMap<String, u64>>,
    pub write_calls: Option<u64>,
    pub duration_ms: Option<u64>,
}

//! The API's objects as they travel (docs/API.md, "Objects"): the boundary between JSON-RPC and
//! the service. Times are UTC and serialize as `2026-01-30T16:42:20Z`.

use std::collections::BTreeMap;

use backup_engine::{Protection, SignatureCheck, Tenant, TenantSelector};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ErrorInfo;

/// How a request names a tenant: its company id, or its code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TenantParam {
    Id(i64),
    Code(String),
}

impl TenantParam {
    pub fn selector(&self) -> TenantSelector {
        match self {
            TenantParam::Id(id) => TenantSelector::Id(*id),
            // A code made of digits is taken as the id, as the command line does.
            TenantParam::Code(code) => code.parse().expect("infallible"),
        }
    }
}

impl From<i64> for TenantParam {
    fn from(id: i64) -> Self {
        TenantParam::Id(id)
    }
}

impl From<&str> for TenantParam {
    fn from(code: &str) -> Self {
        TenantParam::Code(code.to_owned())
    }
}

/// Where a backup is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackupStatus {
    Pending,
    Running,
    Done,
    Failed,
}

impl BackupStatus {
    /// The status as the API writes it.
    pub fn name(self) -> &'static str {
        match self {
            BackupStatus::Pending => "pending",
            BackupStatus::Running => "running",
            BackupStatus::Done => "done",
            BackupStatus::Failed => "failed",
        }
    }
}

/// Why a backup was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Origin {
    Manual,
    Schedule {
        schedule_id: i64,
    },
    /// Taken by a restore before its first write.
    Safety,
}

impl Origin {
    pub fn schedule_id(&self) -> Option<i64> {
        match self {
            Origin::Schedule { schedule_id } => Some(*schedule_id),
            _ => None,
        }
    }
}

/// One backup, as `backup.list` and `backup.get` describe it and as the store keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Backup {
    pub backup_id: String,
    pub file_name: String,
    pub tenant: Tenant,
    pub status: BackupStatus,
    pub origin: Origin,
    pub size_bytes: u64,
    pub records: u64,
    pub attachments: u64,
    #[serde(with = "utc")]
    pub created_at: DateTime<Utc>,
    pub duration_ms: Option<u64>,
    pub job_id: Option<String>,
    pub error: Option<ErrorInfo>,
    /// Records per model; given by `backup.get`, left out of `backup.list`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub models: Option<BTreeMap<String, u64>>,
    /// Who the archive is encrypted to (the keys that open it) and who signed it.
    #[serde(default)]
    pub protection: Protection,
    /// Where the archive is kept: the local store (`"local"`), then each bucket. Filled in when
    /// a record is read; the stores keep it apart from the record (`store/copies.rs`).
    #[serde(default)]
    pub copies: Vec<BackupCopy>,
    /// How the records were read from Odoo; absent for backups made before incremental
    /// reading, or not made yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<BackupRead>,
}

/// How a backup read the tenant: in full, or only what changed since a previous backup (the
/// archive is complete either way).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupRead {
    /// `full` or `incremental`.
    pub kind: String,
    /// Why every record was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_read_reason: Option<String>,
    /// The archive an incremental read copied unchanged records from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_file_name: Option<String>,
    #[serde(with = "utc")]
    pub full_read_at: DateTime<Utc>,
    pub records_read: u64,
    pub records_copied: u64,
    pub files_copied: u64,
}

impl From<&backup_engine::ReadInfo> for BackupRead {
    fn from(read: &backup_engine::ReadInfo) -> Self {
        BackupRead {
            kind: read.kind.as_str().to_owned(),
            full_read_reason: read.full_read_reason.clone(),
            previous_file_name: read
                .previous
                .as_ref()
                .map(|previous| previous.archive.clone()),
            full_read_at: read.full_read_at,
            records_read: read.records_read,
            records_copied: read.records_copied,
            files_copied: read.files_copied,
        }
    }
}

/// One copy of a backup's archive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackupCopy {
    /// `"local"`, or the name of a bucket in the configuration.
    pub store: String,
    pub status: CopyStatus,
    /// Why the last attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Attempts made so far (0 while the first is waiting).
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, with = "utc_option", skip_serializing_if = "Option::is_none")]
    pub stored_at: Option<DateTime<Utc>>,
    /// When a failed copy is tried again.
    #[serde(default, with = "utc_option", skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Where one copy stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CopyStatus {
    Stored,
    /// Waiting for its first attempt, or being made.
    Pending,
    /// The last attempt failed; it is tried again at `next_attempt_at`.
    Failed,
    /// Not in this store (a backup listed from a bucket by a sidecar that never had it locally).
    Missing,
}

/// What a job does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    Backup,
    Restore,
}

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Done,
    /// A restore that wrote everything, but after which reading the tenant back found values
    /// that Odoo changed as a consequence: they are listed in the result.
    #[serde(rename = "done_with_differences")]
    DoneWithDifferences,
    /// A restore of which some records failed; they are listed in the result.
    Partial,
    Failed,
    /// The sidecar stopped while the job ran.
    Interrupted,
}

impl JobState {
    pub const ALL: [JobState; 7] = [
        JobState::Queued,
        JobState::Running,
        JobState::Done,
        JobState::DoneWithDifferences,
        JobState::Partial,
        JobState::Failed,
        JobState::Interrupted,
    ];

    pub fn is_final(self) -> bool {
        !matches!(self, JobState::Queued | JobState::Running)
    }

    pub fn name(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::DoneWithDifferences => "done_with_differences",
            JobState::Partial => "partial",
            JobState::Failed => "failed",
            JobState::Interrupted => "interrupted",
        }
    }
}

/// Whether the notice e-mail of a job went out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationStatus {
    pub to: String,
    pub sent: bool,
    /// Why it could not be sent (the backup itself is not affected).
    pub error: Option<String>,
}

/// A backup or restore job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub job_id: String,
    pub kind: JobKind,
    pub tenant: Tenant,
    pub state: JobState,
    pub phase: Option<String>,
    pub records_done: u64,
    pub records_total: u64,
    #[serde(with = "utc")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "utc_option")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(with = "utc_option")]
    pub finished_at: Option<DateTime<Utc>>,
    pub result: Option<JobResult>,
    pub error: Option<ErrorInfo>,
    /// The backup a backup job makes, or the one a restore job restores.
    pub backup_id: Option<String>,
    /// The notice e-mail, once the job has ended and one was due.
    #[serde(default)]
    pub notification: Option<NotificationStatus>,
}

/// What a job leaves once it is over: a backup job its backup, a restore job its report
/// (serialised as the one or the other, untagged).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
// Boxed: a job row holds one or the other, and both are large.
#[serde(untagged)]
pub enum JobResult {
    Backup(Box<Backup>),
    Restore(Box<RestoreReportView>),
}

/// `health`'s answer. Without the token, only `status` and `odoo.reachable` are given: the
/// rest (versions, Odoo's address in its errors, jobs) is for authenticated callers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// `ok`; `degraded` when Odoo cannot be used; `stopping` while a shutdown lets the last
    /// jobs end (no new job is taken).
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub odoo: OdooHealth,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addon: Option<AddonHealth>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jobs: Option<JobCounts>,
    /// How new archives are protected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archives: Option<ArchivesHealth>,
    /// Each bucket that holds copies: whether it answers now, and the copies it still lacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stores: Option<Vec<StoreHealth>>,
}

/// One bucket, as `health` found it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreHealth {
    pub name: String,
    /// The bucket was listed with the configured key.
    pub reachable: bool,
    /// What failed and what to fix, when it was not.
    pub error: Option<String>,
    /// Copies not made yet (pending, or failed and to be tried again).
    pub copies_waiting: u64,
}

/// How new archives are protected, and a plain warning when they are stored in clear.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivesHealth {
    pub encrypted: bool,
    /// The age recipients of new archives.
    pub recipients: Vec<String>,
    /// The key id of the key that signs new archives.
    pub signed_by: Option<String>,
    pub warning: Option<String>,
}

impl ArchivesHealth {
    pub fn of(keys: &backup_engine::ArchiveKeys) -> ArchivesHealth {
        let protection = keys.protection();
        ArchivesHealth {
            encrypted: protection.is_encrypted(),
            warning: (!protection.is_encrypted()).then(|| {
                "archives are stored in clear (not encrypted): configure the [encryption] table to encrypt them"
                    .to_owned()
            }),
            recipients: protection.recipients,
            signed_by: protection.signed_by,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OdooHealth {
    pub reachable: bool,
    pub server_version: Option<String>,
    pub protocol: Option<String>,
    pub error: Option<String>,
}

/// Whether the Odoo addon's models are installed: without them, schedules are not read and job
/// states are not mirrored into `quelyos.backup` (the API still has them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddonHealth {
    pub installed: Option<bool>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCounts {
    pub queued: u64,
    pub running: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TenantList {
    pub tenants: Vec<Tenant>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupStarted {
    pub job_id: String,
    pub backup_id: String,
    /// The tenant already had a backup queued or running: this is that one, and no other was
    /// queued.
    #[serde(default)]
    pub already_started: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobStarted {
    pub job_id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackupList {
    pub backups: Vec<Backup>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    pub ok: bool,
    pub problem: Option<String>,
    /// Who signed the archive and whether that key is trusted; `None` when it could not be read.
    #[serde(default)]
    pub signature: Option<SignatureCheck>,
    /// The public key (`age1…`) of the identity that decrypted it; `None` when stored in clear.
    #[serde(default)]
    pub opened_with: Option<String>,
    /// The copy that was read: `"local"` or a bucket's name.
    #[serde(default)]
    pub store: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deleted {
    pub deleted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartedSchedule {
    pub schedule_id: i64,
    pub job_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextRun {
    pub schedule_id: i64,
    /// `null` for a schedule that is switched off.
    #[serde(with = "utc_option")]
    pub next_run: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedSchedule {
    pub schedule_id: i64,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TickResult {
    pub started: Vec<StartedSchedule>,
    pub next_runs: Vec<NextRun>,
    /// Schedules whose values cannot be used (the reason names the value).
    #[serde(default)]
    pub skipped: Vec<SkippedSchedule>,
}

/// A restore job's result (docs/API.md, "Restore report").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreReportView {
    pub dry_run: bool,
    /// Who signed the archive; a restore of one no trusted key signed was allowed explicitly.
    #[serde(default)]
    pub signature: Option<SignatureCheck>,
    pub safety_backup_id: Option<String>,
    pub models: Vec<RestoreModelLine>,
    pub refused: Vec<RestoreRefusal>,
    pub failed: Vec<RestoreFailure>,
    /// Re-created records that come back in an earlier state of their workflow (a confirmed
    /// order as a quotation), by their reference: what the user has to do again.
    #[serde(default)]
    pub state_changes: Vec<RestoreStateChange>,
    /// `complete`, `restored_with_differences` or `partial`; `null` for a dry run.
    #[serde(default)]
    pub outcome: Option<tenant_restore::RestoreOutcome>,
    /// Values that differ from the archive once the restore is done, found by reading the
    /// tenant back, with what most likely changed them.
    #[serde(default)]
    pub differences: Vec<tenant_restore::Difference>,
    /// Values the restore's second pass set back after Odoo had changed them.
    #[serde(default)]
    pub set_back: u64,
    /// The copy of the archive the restore read: `"local"` or a bucket's name.
    #[serde(default)]
    pub archive_store: Option<String>,
    /// Why it was not the local copy (missing, or failing its checks), when it was not.
    #[serde(default)]
    pub fallback: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreStateChange {
    pub model: String,
    /// The record's id in the archive.
    pub record_id: i64,
    /// The re-created record's id (after the restore; `null` in a dry run).
    pub new_id: Option<i64>,
    /// Its own reference, as users know it (`S00042`).
    pub reference: String,
    pub archived_state: String,
    pub archived_label: String,
    pub restored_state: String,
    pub restored_label: String,
    /// What to do, in English.
    pub action: String,
}

impl From<&tenant_restore::StateChange> for RestoreStateChange {
    fn from(change: &tenant_restore::StateChange) -> Self {
        RestoreStateChange {
            model: change.model.clone(),
            record_id: change.archive_id,
            new_id: change.target_id,
            reference: change.reference.clone(),
            archived_state: change.archived_state.clone(),
            archived_label: change.archived_label.clone(),
            restored_state: change.restored_state.clone(),
            restored_label: change.restored_label.clone(),
            action: change.action.to_owned(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreModelLine {
    pub model: String,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub refused: u64,
    pub failed: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreRefusal {
    pub model: String,
    pub record_id: i64,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreFailure {
    pub model: String,
    pub record_id: i64,
    pub message: String,
}

impl RestoreReportView {
    /// A dry run's report: what the plan would do.
    pub fn of_plan(plan: &tenant_restore::RestorePlan) -> RestoreReportView {
        RestoreReportView {
            dry_run: true,
            signature: Some(plan.signature().clone()),
            safety_backup_id: None,
            models: plan.summary().iter().map(RestoreModelLine::from).collect(),
            refused: plan.refusals().map(RestoreRefusal::from).collect(),
            failed: Vec::new(),
            state_changes: plan.state_changes().map(RestoreStateChange::from).collect(),
            outcome: None,
            differences: Vec::new(),
            set_back: 0,
            archive_store: None,
            fallback: None,
        }
    }

    /// An executed restore's report; `safety_backup_id` is the safety backup's id, if any.
    pub fn of_restore(
        report: &tenant_restore::RestoreReport,
        safety_backup_id: Option<String>,
    ) -> RestoreReportView {
        RestoreReportView {
            dry_run: false,
            signature: Some(report.signature.clone()),
            safety_backup_id,
            models: report.models.iter().map(RestoreModelLine::from).collect(),
            refused: report.refusals.iter().map(RestoreRefusal::from).collect(),
            failed: report.failures.iter().map(RestoreFailure::from).collect(),
            state_changes: report
                .state_changes
                .iter()
                .map(RestoreStateChange::from)
                .collect(),
            outcome: Some(report.outcome),
            differences: report.differences.clone(),
            set_back: report.set_back,
            archive_store: None,
            fallback: None,
        }
    }
}

impl From<&tenant_restore::ModelReport> for RestoreModelLine {
    fn from(report: &tenant_restore::ModelReport) -> Self {
        RestoreModelLine {
            model: report.model.clone(),
            created: report.created,
            updated: report.updated,
            unchanged: report.unchanged,
            refused: report.refused,
            failed: report.failed,
        }
    }
}

impl From<&tenant_restore::Refusal> for RestoreRefusal {
    fn from(refusal: &tenant_restore::Refusal) -> Self {
        RestoreRefusal {
            model: refusal.model.clone(),
            record_id: refusal.archive_id,
            reason: refusal.reason.clone(),
        }
    }
}

impl From<&tenant_restore::RecordFailure> for RestoreFailure {
    fn from(failure: &tenant_restore::RecordFailure) -> Self {
        RestoreFailure {
            model: failure.model.clone(),
            record_id: failure.archive_id,
            message: failure.message.clone(),
        }
    }
}

/// Formats a time as the API does: UTC, seconds, `Z`.
pub fn format_utc(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(crate) mod utc {
    use super::*;

    pub fn serialize<S: Serializer>(
        time: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_utc(time))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|time| time.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

pub(crate) mod utc_option {
    use super::*;

    pub fn serialize<S: Serializer>(
        time: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match time {
            Some(time) => serializer.serialize_str(&format_utc(time)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?;
        text.map(|text| {
            DateTime::parse_from_rfc3339(&text)
                .map(|time| time.with_timezone(&Utc))
                .map_err(serde::de::Error::custom)
        })
        .transpose()
    }
}

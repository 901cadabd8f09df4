//! What the service does, behind the API: start and run jobs, answer about backups, tick the
//! schedules, apply retention, send notices. The API module only translates calls to this.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backup_engine::{
    BackupOptions, BackupReport, BackupRequest, Progress, ProgressSink, Tenant, TenantSelector,
};
use backup_notify::{Notice, Notifier};
use backup_scheduler::{BackupStatus as RetentionStatus, RawSchedule, RetainedBackup, Schedule};
use chrono::{DateTime, SubsecRound, Utc};
use chrono_tz::Tz;
use tenant_restore::{
    ExecuteOptions, PlanOptions, RestoreOutcome, RestoreProgress, RestoreProgressSink,
};
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::error::{ErrorInfo, ServiceError};
use crate::jobs::{BackupTask, JobFile, JobTable, RestoreTask, ScheduleSnapshot, Task};
use crate::metrics::{JobSnapshot, Metrics};
use crate::mirror::Mirror;
use crate::odoo::Odoo;
use crate::replication::Replication;
use crate::schedules::{LastStatus, ScheduleRecord, ScheduleSource, ScheduleUpdate};
use crate::store::{BackupStore, LocalArchive, is_valid_backup_id};
use crate::wire::{
    AddonHealth, Backup, BackupRead, BackupStarted, BackupStatus, Health, Job, JobCounts, JobKind,
    JobResult, JobState, NextRun, NotificationStatus, OdooHealth, Origin, RestoreReportView,
    SkippedSchedule, StartedSchedule, TickResult, Verified,
};

/// Backups being downloaded, restored, verified or copied: retention and `backup.delete` leave
/// them.
#[derive(Default)]
pub(crate) struct InUse(Mutex<HashMap<String, Vec<&'static str>>>);

pub(crate) struct InUseGuard {
    registry: Arc<InUse>,
    backup_id: String,
    why: &'static str,
}

impl InUse {
    pub(crate) fn acquire(self: &Arc<Self>, backup_id: &str, why: &'static str) -> InUseGuard {
        self.0
            .lock()
            .expect("in-use lock")
            .entry(backup_id.to_owned())
            .or_default()
            .push(why);
        InUseGuard {
            registry: self.clone(),
            backup_id: backup_id.to_owned(),
            why,
        }
    }

    /// Why the backup is in use, if it is.
    pub(crate) fn why(&self, backup_id: &str) -> Option<&'static str> {
        self.0
            .lock()
            .expect("in-use lock")
            .get(backup_id)
            .and_then(|reasons| reasons.first().copied())
    }
}

impl Drop for InUseGuard {
    fn drop(&mut self) {
        let mut uses = self.registry.0.lock().expect("in-use lock");
        if let Some(reasons) = uses.get_mut(&self.backup_id) {
            if let Some(position) = reasons.iter().position(|why| *why == self.why) {
                reasons.remove(position);
            }
            if reasons.is_empty() {
                uses.remove(&self.backup_id);
            }
        }
    }
}

/// Settings the core needs from the configuration.
pub(crate) struct CoreSettings {
    pub(crate) backup: BackupOptions,
    pub(crate) default_time_zone: Tz,
    pub(crate) state_dir: PathBuf,
    /// Who gets notices when the schedule names no address.
    pub(crate) mail_default_to: Option<String>,
}

/// What a core is made of.
pub(crate) struct CoreParts {
    pub(crate) settings: CoreSettings,
    pub(crate) odoo: Arc<Odoo>,
    pub(crate) store: Arc<dyn BackupStore>,
    pub(crate) schedules: Arc<dyn ScheduleSource>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) mirror: Mirror,
    pub(crate) notifier: Option<Notifier>,
    pub(crate) jobs: JobTable,
    pub(crate) replication: Arc<Replication>,
    pub(crate) metrics: Arc<Metrics>,
    /// Shared with the replication, which holds a backup while it copies it.
    pub(crate) in_use: Arc<InUse>,
}

pub(crate) struct Core {
    pub(crate) settings: CoreSettings,
    pub(crate) odoo: Arc<Odoo>,
    pub(crate) store: Arc<dyn BackupStore>,
    pub(crate) schedules: Arc<dyn ScheduleSource>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) mirror: Mirror,
    pub(crate) notifier: Option<Notifier>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) jobs: JobTable,
    /// The copies in buckets: made after each backup, read when the local copy fails.
    pub(crate) replication: Arc<Replication>,
    pub(crate) in_use: Arc<InUse>,
    tick_lock: tokio::sync::Mutex<()>,
    /// Held while `backup.start` looks for a running backup and queues one.
    start_lock: tokio::sync::Mutex<()>,
    /// The time the last backup of each tenant code was named after.
    last_named: Mutex<HashMap<String, DateTime<Utc>>>,
    tasks: Mutex<HashMap<String, tokio::task::AbortHandle>>,
    /// Signalled whenever a job ends.
    pub(crate) job_ended: Notify,
    /// Odoo's state for `health`, and when it was asked.
    odoo_status: tokio::sync::Mutex<Option<(std::time::Instant, OdooStatus)>>,
}

/// How long `health` trusts its last look at Odoo: a flood of `health` calls costs Odoo one
/// request per period, not one per call.
pub(crate) const HEALTH_TTL: Duration = Duration::from_secs(5);

/// What `health` says of Odoo and of the addon.
#[derive(Clone, Debug)]
struct OdooStatus {
    odoo: OdooHealth,
    addon: AddonHealth,
}

impl Core {
    pub(crate) fn new(parts: CoreParts) -> Core {
        Core {
            settings: parts.settings,
            odoo: parts.odoo,
            store: parts.store,
            schedules: parts.schedules,
            clock: parts.clock,
            mirror: parts.mirror,
            notifier: parts.notifier,
            metrics: parts.metrics,
            jobs: parts.jobs,
            replication: parts.replication,
            in_use: parts.in_use,
            tick_lock: tokio::sync::Mutex::new(()),
            start_lock: tokio::sync::Mutex::new(()),
            last_named: Mutex::new(HashMap::new()),
            tasks: Mutex::new(HashMap::new()),
            job_ended: Notify::new(),
            odoo_status: tokio::sync::Mutex::new(None),
        }
    }

    pub(crate) fn work_root(&self) -> PathBuf {
        self.settings.state_dir.join("work")
    }

    fn work_dir(&self, job_id: &str) -> PathBuf {
        self.work_root().join(job_id)
    }

    // ---- jobs ------------------------------------------------------------------------------

    /// Starts every queued job that may start now.
    pub(crate) fn dispatch(self: &Arc<Self>) {
        for file in self.jobs.take_startable() {
            let core = self.clone();
            let job_id = file.job.job_id.clone();
            let (_, running, _) = self.jobs.counts();
            self.metrics.running(running);
            let mut tasks = self.tasks.lock().expect("tasks lock");
            let handle = tokio::spawn(async move { core.run(file).await });
            tasks.insert(job_id, handle.abort_handle());
        }
    }

    async fn run(self: Arc<Self>, file: JobFile) {
        let started = Instant::now();
        let job_id = file.job.job_id.clone();
        tracing::info!(%job_id, kind = ?file.job.kind, tenant = %file.job.tenant.code, "job started");
        let work_dir = self.work_dir(&job_id);
        let outcome = match &file.task {
            Task::Backup(task) => self.run_backup(&file.job, task, &work_dir).await,
            Task::Restore(task) => self.run_restore(&file.job, *task, &work_dir).await,
        };
        let _ = tokio::fs::remove_dir_all(&work_dir).await;
        let JobOutcome {
            state,
            result,
            error,
            notification,
        } = outcome;
        match &error {
            Some(error) => {
                tracing::warn!(%job_id, state = state.name(), error = %error.message, "job ended")
            }
            None => {
                tracing::info!(%job_id, state = state.name(), seconds = started.elapsed().as_secs_f64(), "job ended")
            }
        }
        self.jobs.finish(&job_id, |job| {
            job.state = state;
            job.result = result;
            job.error = error;
            job.notification = notification;
            job.phase = Some(state.name().into());
        });
        self.metrics
            .job_finished(file.job.kind, state, started.elapsed().as_secs_f64());
        self.tasks.lock().expect("tasks lock").remove(&job_id);
        self.job_ended.notify_waiters();
        self.dispatch();
    }

    fn progress(self: &Arc<Self>, job_id: &str) -> JobProgress {
        JobProgress {
            core: self.clone(),
            job_id: job_id.to_owned(),
        }
    }

    /// Makes a new backup record and queues its job.
    pub(crate) fn queue_backup(
        self: &Arc<Self>,
        tenant: Tenant,
        origin: Origin,
        schedule: Option<ScheduleSnapshot>,
        record_run_on_schedule: bool,
    ) -> impl std::future::Future<Output = Result<BackupStarted, ServiceError>> + Send + 'static
    {
        let core = self.clone();
        async move {
            if !core.jobs.accepting() {
                return Err(ServiceError::ShuttingDown);
            }
            let created_at = core.name_time(&tenant.code);
            let backup_id = new_backup_id(&tenant.code, created_at);
            let job_id = new_job_id();
            let backup = Backup {
                backup_id: backup_id.clone(),
                file_name: backup_engine::archive_file_name(
                    &tenant.code,
                    created_at,
                    core.settings.backup.keys.encrypts(),
                ),
                tenant: tenant.clone(),
                status: BackupStatus::Pending,
                origin,
                size_bytes: 0,
                records: 0,
                attachments: 0,
                created_at,
                duration_ms: None,
                job_id: Some(job_id.clone()),
                error: None,
                models: None,
                copies: Vec::new(),
                protection: core.settings.backup.keys.protection(),
                read: None,
            };
            core.store.save(&backup).await.map_err(store_error)?;
            let job = new_job(&job_id, JobKind::Backup, tenant, Some(backup_id.clone()));
            core.jobs.enqueue(JobFile {
                job,
                task: Task::Backup(BackupTask {
                    origin,
                    schedule,
                    record_run_on_schedule,
                }),
            })?;
            core.mirror.upsert_detached(&backup);
            tracing::info!(%job_id, %backup_id, "backup queued");
            core.jobs.prune();
            core.dispatch();
            Ok(BackupStarted {
                job_id,
                backup_id,
                already_started: false,
            })
        }
    }

    /// `backup.start`: queues a backup of the tenant, or answers the backup already queued or
    /// running for it (`already_started`), so that repeated clicks make one backup.
    pub(crate) async fn start_backup(
        self: &Arc<Self>,
        tenant: Tenant,
        origin: Origin,
        schedule: Option<ScheduleSnapshot>,
        record_run_on_schedule: bool,
    ) -> Result<BackupStarted, ServiceError> {
        let _one_start_at_a_time = self.start_lock.lock().await;
        if let Some(job) = self.jobs.active_backup(tenant.company_id)
            && let Some(backup_id) = job.backup_id
        {
            tracing::info!(job_id = %job.job_id, %backup_id, "backup already started for this tenant");
            return Ok(BackupStarted {
                job_id: job.job_id,
                backup_id,
                already_started: true,
            });
        }
        self.queue_backup(tenant, origin, schedule, record_run_on_schedule)
            .await
    }

    /// The time a new backup of `code` is named after: now to the second, but always later
    /// than the tenant's last one, so that two archives of a tenant never share a file name.
    fn name_time(&self, code: &str) -> DateTime<Utc> {
        let now = Utc::now().trunc_subsecs(0);
        let mut last = self.last_named.lock().expect("names lock");
        let time = match last.get(code) {
            Some(previous) if *previous >= now => *previous + chrono::Duration::seconds(1),
            _ => now,
        };
        last.insert(code.to_owned(), time);
        time
    }

    /// Remembers the newest backup time of each tenant in the store (at start).
    pub(crate) fn seed_names(&self, backups: &[Backup]) {
        let mut last = self.last_named.lock().expect("names lock");
        for backup in backups {
            let entry = last
                .entry(backup.tenant.code.clone())
                .or_insert(backup.created_at);
            *entry = (*entry).max(backup.created_at);
        }
    }

    pub(crate) async fn queue_restore(
        self: &Arc<Self>,
        backup_id: &str,
        tenant: &TenantSelector,
        task: RestoreTask,
    ) -> Result<String, ServiceError> {
        if !self.jobs.accepting() {
            return Err(ServiceError::ShuttingDown);
        }
        let backup = self.backup(backup_id).await?;
        if backup.status != BackupStatus::Done {
            return Err(ServiceError::invalid(
                "backup_id",
                format!(
                    "backup {backup_id} is {}, only a finished (done) backup can be restored",
                    backup.status.name()
                ),
            ));
        }
        let target = self.odoo.resolve(tenant).await?;
        if target.company_id != backup.tenant.company_id {
            return Err(ServiceError::ArchiveOtherTenant {
                message: format!(
                    "backup {backup_id} holds tenant {} (company {}), not {} (company {}): restore it into its own tenant",
                    backup.tenant.code, backup.tenant.company_id, target.code, target.company_id
                ),
            });
        }
        let job_id = new_job_id();
        let job = new_job(
            &job_id,
            JobKind::Restore,
            target,
            Some(backup_id.to_owned()),
        );
        self.jobs.enqueue(JobFile {
            job,
            task: Task::Restore(task),
        })?;
        tracing::info!(
            %job_id,
            %backup_id,
            dry_run = task.dry_run,
            safety_backup = task.safety_backup,
            allow_unsigned = task.allow_unsigned,
            "restore queued"
        );
        self.dispatch();
        Ok(job_id)
    }

    pub(crate) fn job(&self, job_id: &str) -> Result<Job, ServiceError> {
        self.jobs
            .get(job_id)
            .ok_or_else(|| ServiceError::UnknownJob {
                job_id: job_id.to_owned(),
            })
    }

    // ---- backups ---------------------------------------------------------------------------

    pub(crate) async fn backup(&self, backup_id: &str) -> Result<Backup, ServiceError> {
        if !is_valid_backup_id(backup_id) {
            return Err(ServiceError::UnknownBackup {
                backup_id: backup_id.to_owned(),
            });
        }
        let mut backup = self
            .store
            .get(backup_id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| ServiceError::UnknownBackup {
                backup_id: backup_id.to_owned(),
            })?;
        backup.copies = self.replication.copies_of(&backup).await;
        Ok(backup)
    }

    /// Every backup, newest first, optionally of one tenant.
    pub(crate) async fn backups(
        &self,
        tenant: Option<&TenantSelector>,
    ) -> Result<Vec<Backup>, ServiceError> {
        let mut backups = self.store.list().await.map_err(store_error)?;
        if let Some(selector) = tenant {
            backups.retain(|backup| selector.matches(&backup.tenant));
            // No backup: a tenant without any yet, or a name that is no tenant at all.
            if backups.is_empty() {
                self.odoo.resolve(selector).await?;
            }
        }
        backups.sort_by(|a, b| (b.created_at, &b.backup_id).cmp(&(a.created_at, &a.backup_id)));
        for backup in &mut backups {
            backup.copies = self.replication.copies_of(backup).await;
        }
        Ok(backups)
    }

    /// Reads a copy back completely and checks every checksum: the one in `store` (`"local"` or
    /// a bucket's name), else the first there is, local first.
    pub(crate) async fn verify(
        &self,
        backup_id: &str,
        store: Option<&str>,
    ) -> Result<Verified, ServiceError> {
        let backup = self.backup(backup_id).await?;
        let failed = |problem: String, store: Option<String>| Verified {
            ok: false,
            problem: Some(problem),
            signature: None,
            opened_with: None,
            store,
        };
        if backup.status != BackupStatus::Done {
            return Ok(failed(
                format!(
                    "the backup is {} and has no archive",
                    format!("{:?}", backup.status).to_lowercase()
                ),
                None,
            ));
        }
        let _guard = self.in_use.acquire(backup_id, "being verified");
        let (local, store) = match store {
            Some(name) => match self.copy_in(&backup, name).await {
                Ok(local) => (local, name.to_owned()),
                Err(error) => return Ok(failed(error, Some(name.to_owned()))),
            },
            None => {
                let (local, store, _) = self.readable_copy(&backup, false).await?;
                (local, store)
            }
        };
        let verified = self.check_copy(&backup, local.path()).await;
        Ok(match verified {
            Ok(archive) => Verified {
                ok: true,
                problem: None,
                signature: Some(archive.signature),
                opened_with: archive.opened_with,
                store: Some(store),
            },
            Err(problem) => failed(problem, Some(store)),
        })
    }

    /// The archive of one store as a local file: the local store's own, or a bucket's
    /// downloaded.
    async fn copy_in(&self, backup: &Backup, store: &str) -> Result<LocalArchive, String> {
        if store == "local" {
            return self
                .store
                .local_copy(backup)
                .await
                .map_err(|error| error.to_string());
        }
        let Some(bucket) = self.replication.bucket(store) else {
            let mut names = vec!["local".to_owned()];
            names.extend(
                self.replication
                    .buckets()
                    .iter()
                    .map(|b| b.name().to_owned()),
            );
            return Err(format!(
                "no store is named {store:?}: this sidecar has {}",
                names.join(", ")
            ));
        };
        bucket
            .local_copy(backup)
            .await
            .map_err(|error| error.to_string())
    }

    /// Opens the archive at `path` and checks every checksum and the signature; the problem
    /// found, if any.
    async fn check_copy(
        &self,
        backup: &Backup,
        path: &Path,
    ) -> Result<backup_engine::VerifiedArchive, String> {
        let keys = self.settings.backup.keys.clone();
        let path = path.to_owned();
        let company_id = backup.tenant.company_id;
        tokio::task::spawn_blocking(move || {
            backup_engine::verify_with(&path, &keys, backup_engine::ReadLimits::default())
        })
        .await
        .map_err(|error| format!("verify stopped: {error}"))?
        .map_err(|error| error.to_string())
        .and_then(|archive| {
            if archive.metadata.tenant.company_id != company_id {
                Err(format!(
                    "the archive holds company {}, but the backup is of company {company_id}",
                    archive.metadata.tenant.company_id
                ))
            } else {
                Ok(archive)
            }
        })
    }

    /// The first copy of the archive that is there (and, when `checked`, passes every check),
    /// local first; with the store it came from and, when that is not the local one, why.
    pub(crate) async fn readable_copy(
        &self,
        backup: &Backup,
        checked: bool,
    ) -> Result<(LocalArchive, String, Option<String>), ServiceError> {
        // Without buckets the local copy is all there is: the restore's own checks name what
        // is wrong with it.
        let checked = checked && !self.replication.buckets().is_empty();
        let mut problems = Vec::new();
        let mut first_found: Option<(LocalArchive, String)> = None;
        let stores = std::iter::once("local".to_owned()).chain(
            self.replication
                .buckets()
                .iter()
                .map(|b| b.name().to_owned()),
        );
        for store in stores {
            let local = match self.copy_in(backup, &store).await {
                Ok(local) => local,
                Err(problem) => {
                    problems.push(format!("{store}: {problem}"));
                    continue;
                }
            };
            if checked && let Err(problem) = self.check_copy(backup, local.path()).await {
                problems.push(format!("{store}: {problem}"));
                first_found.get_or_insert((local, store));
                continue;
            }
            let fallback = (!problems.is_empty()).then(|| problems.join("; "));
            if let Some(fallback) = &fallback {
                tracing::warn!(backup_id = %backup.backup_id, %store, %fallback, "archive read from another copy");
            }
            return Ok((local, store, fallback));
        }
        // Every copy fails its checks: the first one goes on, and what reads it refuses it
        // with the precise reason.
        if let Some((local, store)) = first_found {
            return Ok((local, store, None));
        }
        Err(ServiceError::internal(format!(
            "no copy of backup {} can be read: {}",
            backup.backup_id,
            problems.join("; ")
        )))
    }

    /// The archive streamed from the local store, else from the first bucket that has it.
    pub(crate) async fn open_archive(
        &self,
        backup: &Backup,
    ) -> Result<crate::store::ArchiveStream, ServiceError> {
        let local = match self.store.open_archive(backup).await {
            Ok(archive) => return Ok(archive),
            Err(error) => error,
        };
        for bucket in self.replication.buckets() {
            match bucket.open_archive(backup).await {
                Ok(archive) => {
                    tracing::warn!(backup_id = %backup.backup_id, store = bucket.name(), problem = %local, "archive downloaded from a bucket");
                    return Ok(archive);
                }
                Err(error) => {
                    tracing::warn!(backup_id = %backup.backup_id, store = bucket.name(), %error, "archive not in this bucket")
                }
            }
        }
        Err(store_error(local))
    }

    /// Reads back, every `every`, each bucket's copy of the backups of the last `days` and
    /// checks every checksum; a copy that fails is marked failed, reported and made again.
    pub(crate) async fn scrub_forever(self: Arc<Self>, every: Duration, days: u32) {
        loop {
            tokio::time::sleep(every).await;
            let damaged = self.scrub(days).await;
            tracing::info!(damaged, "scrub of the buckets' copies done");
        }
    }

    /// One scrub; the number of damaged copies found.
    pub(crate) async fn scrub(&self, days: u32) -> usize {
        let since = Utc::now() - chrono::Duration::days(i64::from(days));
        let backups = match self.backups(None).await {
            Ok(backups) => backups,
            Err(error) => {
                tracing::error!(%error, "scrub skipped: the store cannot be listed");
                return 0;
            }
        };
        let mut damaged = 0;
        for backup in backups.iter().filter(|b| b.created_at >= since) {
            for copy in &backup.copies {
                if copy.store == "local" || copy.status != crate::wire::CopyStatus::Stored {
                    continue;
                }
                let Some(bucket) = self.replication.bucket(&copy.store) else {
                    continue;
                };
                let _guard = self.in_use.acquire(&backup.backup_id, "being scrubbed");
                let problem = match bucket.local_copy(backup).await {
                    Ok(local) => self.check_copy(backup, local.path()).await.err(),
                    Err(missing @ crate::store::StoreError::NoArchive { .. }) => {
                        Some(missing.to_string())
                    }
                    // Not a damaged copy: the bucket did not answer; the next scrub tries.
                    Err(error) => {
                        tracing::warn!(backup_id = %backup.backup_id, store = %copy.store, %error, "copy not scrubbed");
                        None
                    }
                };
                if let Some(problem) = problem {
                    damaged += 1;
                    self.replication
                        .copy_went_bad(backup, &copy.store, &problem)
                        .await;
                }
            }
        }
        damaged
    }

    /// After each attempt at a copy: its state goes to the backup's mirror in Odoo, and a copy
    /// that failed for the first time is mailed (to the default recipient), besides the log
    /// and `/metrics`.
    pub(crate) fn report_copies(self: &Arc<Self>) {
        let core = Arc::downgrade(self);
        self.replication
            .on_attempt(Box::new(move |backup, copy, first_failure| {
                let Some(core) = core.upgrade() else { return };
                tokio::spawn(async move {
                    if first_failure {
                        core.notify_copy_failed(&backup, &copy).await;
                    }
                    if let Ok(current) = core.backup(&backup.backup_id).await {
                        core.mirror.upsert(&current).await;
                    }
                });
            }));
    }

    pub(crate) async fn delete(&self, backup_id: &str) -> Result<(), ServiceError> {
        let backup = self.backup(backup_id).await?;
        if let Some(why) = self.in_use.why(backup_id) {
            return Err(ServiceError::BackupInUse {
                backup_id: backup_id.to_owned(),
                why: why.into(),
            });
        }
        if matches!(backup.status, BackupStatus::Pending | BackupStatus::Running) {
            return Err(ServiceError::BackupInUse {
                backup_id: backup_id.to_owned(),
                why: "being made".into(),
            });
        }
        self.delete_everywhere(&backup).await?;
        tracing::info!(%backup_id, "backup deleted");
        self.mirror.delete(backup_id).await;
        Ok(())
    }

    /// Deletes the copies in buckets, then the local one: a bucket that cannot be reached keeps
    /// the record, so that the deletion can be done again.
    async fn delete_everywhere(&self, backup: &Backup) -> Result<(), ServiceError> {
        self.replication
            .delete_copies(backup)
            .await
            .map_err(store_error)?;
        self.store
            .delete(&backup.backup_id)
            .await
            .map_err(store_error)
    }

    // ---- running a backup ------------------------------------------------------------------

    async fn run_backup(
        self: &Arc<Self>,
        job: &Job,
        task: &BackupTask,
        work_dir: &Path,
    ) -> JobOutcome {
        let BackupTask {
            origin,
            schedule,
            record_run_on_schedule,
        } = task;
        let job_id = &job.job_id;
        let backup_id = job.backup_id.clone().unwrap_or_default();
        let mut backup = match self.backup(&backup_id).await {
            Ok(backup) => backup,
            Err(error) => return JobOutcome::failed(&error, None),
        };
        backup.status = BackupStatus::Running;
        if let Err(error) = self.store.save(&backup).await {
            tracing::warn!(%backup_id, %error, "backup record not updated");
        }
        self.mirror.upsert_detached(&backup);
        if *record_run_on_schedule && let Some(schedule) = schedule {
            let update = ScheduleUpdate {
                last_run: Some(self.clock.now()),
                last_status: Some(LastStatus::Running),
                ..ScheduleUpdate::default()
            };
            if let Err(error) = self.schedules.update(schedule.id, &update).await {
                tracing::warn!(schedule_id = schedule.id, %error, "schedule run not recorded");
            }
        }

        let started = Instant::now();
        let made = self.make_archive(job, work_dir).await;
        backup.duration_ms = Some(started.elapsed().as_millis() as u64);
        let error = match made {
            Ok(report) => {
                // Named after the backup's own time (never shared within a tenant), `.zip.age`
                // when the engine encrypted it.
                backup.file_name = backup_engine::archive_file_name(
                    &backup.tenant.code,
                    backup.created_at,
                    report.protection.is_encrypted(),
                );
                backup.protection = report.protection.clone();
                match self
                    .store
                    .put_archive(&backup_id, &backup.file_name, &report.archive)
                    .await
                {
                    Ok(size) => {
                        backup.status = BackupStatus::Done;
                        backup.size_bytes = size;
                        backup.records = report.record_count;
                        backup.attachments = report.attachment_count;
                        backup.models = Some(report.models.clone());
                        backup.read = Some(BackupRead::from(&report.read));
                        for warning in report.warnings() {
                            tracing::warn!(%job_id, %backup_id, %warning, "backup made with a warning");
                        }
                        None
                    }
                    Err(error) => Some(store_error(error)),
                }
            }
            Err(error) => Some(error),
        };
        if let Some(error) = &error {
            backup.status = BackupStatus::Failed;
            backup.error = Some(error.into());
        }
        if let Err(error) = self.store.save(&backup).await {
            tracing::error!(%backup_id, %error, "backup record not saved");
        }
        if backup.status == BackupStatus::Done {
            self.replication.copy_later(&backup).await;
            backup.copies = self.replication.copies_of(&backup).await;
            self.metrics.backup_succeeded(
                &backup.tenant.code,
                Utc::now().timestamp(),
                backup.size_bytes,
            );
        }

        // The notice goes first: it needs nothing from Odoo, which may be the thing that failed.
        let notification = self
            .notify_backup(&backup, schedule.as_ref(), error.as_ref())
            .await;
        self.mirror.upsert(&backup).await;
        if let Origin::Schedule { schedule_id } = origin {
            let update = ScheduleUpdate {
                last_status: Some(if error.is_none() {
                    LastStatus::Success
                } else {
                    LastStatus::Failed
                }),
                last_backup_id: Some(backup_id.clone()),
                ..ScheduleUpdate::default()
            };
            if let Err(error) = self.schedules.update(*schedule_id, &update).await {
                tracing::warn!(schedule_id, %error, "schedule outcome not written back");
            }
            if error.is_none() {
                let retention = match self.schedules.schedule(*schedule_id).await {
                    Ok(Some(current)) => Some(current.retention_count),
                    _ => schedule.as_ref().map(|snapshot| snapshot.retention_count),
                };
                if let Some(keep) = retention {
                    self.apply_retention(*schedule_id, keep).await;
                }
            }
        }

        let mut listed = backup.clone();
        listed.models = None;
        JobOutcome {
            state: if error.is_none() {
                JobState::Done
            } else {
                JobState::Failed
            },
            result: Some(JobResult::Backup(Box::new(listed))),
            error: error.as_ref().map(ErrorInfo::from),
            notification,
        }
    }

    /// The newest finished backup of the job's tenant whose archive is in the local store.
    async fn previous_backup(&self, job: &Job) -> Option<(String, LocalArchive)> {
        let backups = match self.store.list().await {
            Ok(backups) => backups,
            Err(error) => {
                tracing::warn!(%error, "cannot list the backups: this backup reads every record");
                return None;
            }
        };
        let newest = backups
            .into_iter()
            .filter(|backup| {
                backup.tenant.company_id == job.tenant.company_id
                    && backup.status == BackupStatus::Done
                    && Some(&backup.backup_id) != job.backup_id.as_ref()
            })
            .max_by_key(|backup| backup.created_at)?;
        match self.store.local_copy(&newest).await {
            Ok(archive) => Some((newest.backup_id, archive)),
            Err(error) => {
                tracing::info!(backup_id = %newest.backup_id, %error, "the previous backup's archive is not in the local store: this backup reads every record");
                None
            }
        }
    }

    async fn make_archive(
        self: &Arc<Self>,
        job: &Job,
        work_dir: &Path,
    ) -> Result<backup_engine::BackupReport, ServiceError> {
        create_private_dir(work_dir).await.map_err(|error| {
            ServiceError::internal(format!("cannot create {}: {error}", work_dir.display()))
        })?;
        // The tenant's newest backup in the store, read only for what changed since (kept
        // from deletion meanwhile); the engine reads in full when it cannot be used.
        let previous = self.previous_backup(job).await;
        let _reading = previous
            .as_ref()
            .map(|(backup_id, _)| self.in_use.acquire(backup_id, "being read by a backup"));
        let mut options = self.settings.backup.clone();
        options.incremental.previous = previous
            .as_ref()
            .map(|(_, archive)| archive.path().to_owned());
        let request = BackupRequest {
            tenant: job.tenant.clone(),
            out_dir: work_dir.to_owned(),
            options,
        };
        let progress = self.progress(&job.job_id);
        self.odoo
            .with_client(|client| async move {
                on_engine_thread(move || async move {
                    backup_engine::backup(&client, &request, &progress)
                        .await
                        .map_err(ServiceError::from)
                })
                .await
            })
            .await
    }

    /// Deletes the backups of the schedule beyond its retention, oldest first.
    async fn apply_retention(&self, schedule_id: i64, keep: i64) {
        let Ok(keep) = u32::try_from(keep) else {
            return;
        };
        if keep == 0 {
            return;
        }
        let backups = match self.store.list().await {
            Ok(backups) => backups,
            Err(error) => {
                tracing::warn!(schedule_id, %error, "retention skipped");
                return;
            }
        };
        let candidates: Vec<RetainedBackup> = backups
            .iter()
            .map(|backup| RetainedBackup {
                id: backup.backup_id.clone(),
                schedule_id: backup.origin.schedule_id(),
                created_at: backup.created_at,
                status: match backup.status {
                    BackupStatus::Pending => RetentionStatus::Pending,
                    BackupStatus::Running => RetentionStatus::Running,
                    BackupStatus::Done => RetentionStatus::Done,
                    BackupStatus::Failed => RetentionStatus::Failed,
                },
                in_use: self.in_use.why(&backup.backup_id).is_some(),
            })
            .collect();
        let doomed = backup_scheduler::select_for_deletion(&candidates, schedule_id, keep);
        let mut deleted = 0;
        for backup_id in doomed {
            // Checked again: a download may have started since the selection.
            if self.in_use.why(&backup_id).is_some() {
                continue;
            }
            let Some(backup) = backups.iter().find(|backup| backup.backup_id == backup_id) else {
                continue;
            };
            match self.delete_everywhere(backup).await {
                Ok(()) => {
                    deleted += 1;
                    tracing::info!(schedule_id, %backup_id, keep, "backup deleted by retention");
                    self.mirror.delete(&backup_id).await;
                }
                Err(error) => {
                    tracing::warn!(schedule_id, %backup_id, %error, "retention could not delete")
                }
            }
        }
        self.metrics.retention_deleted(deleted);
    }

    async fn notify_backup(
        &self,
        backup: &Backup,
        schedule: Option<&ScheduleSnapshot>,
        error: Option<&ServiceError>,
    ) -> Option<NotificationStatus> {
        let notifier = self.notifier.as_ref()?;
        let schedule_address = schedule.and_then(|snapshot| snapshot.notification_email.clone());
        let recipient = schedule_address
            .clone()
            .or_else(|| self.settings.mail_default_to.clone())?;
        let zone = schedule
            .and_then(|snapshot| snapshot.tz.as_deref())
            .and_then(|name| name.parse::<Tz>().ok())
            .unwrap_or(self.settings.default_time_zone);
        let now = Utc::now().with_timezone(&zone);
        let notice = match error {
            None => Notice::Success {
                tenant_name: backup.tenant.name.clone(),
                tenant_code: backup.tenant.code.clone(),
                finished_at: now,
                size_bytes: backup.size_bytes,
                records: backup.records,
                file_name: backup.file_name.clone(),
                next_run: schedule
                    .and_then(|snapshot| {
                        snapshot_schedule(snapshot, self.settings.default_time_zone)
                    })
                    .map(|schedule| {
                        backup_scheduler::next_run_after(&schedule, self.clock.now())
                            .with_timezone(&zone)
                    }),
            },
            Some(error) => Notice::Failure {
                tenant_name: backup.tenant.name.clone(),
                tenant_code: backup.tenant.code.clone(),
                failed_at: now,
                error: error.to_string(),
                hints: hints_for(error, self.odoo.config().url.as_str()),
            },
        };
        let sent = notifier.send(&notice, schedule_address.as_deref()).await;
        self.metrics.mail(sent.is_ok());
        Some(match sent {
            Ok(()) => {
                tracing::info!(backup_id = %backup.backup_id, to = %recipient, "notice e-mail sent");
                NotificationStatus {
                    to: recipient,
                    sent: true,
                    error: None,
                }
            }
            Err(error) => {
                tracing::warn!(backup_id = %backup.backup_id, to = %recipient, %error, "notice e-mail not sent; the backup is not affected");
                NotificationStatus {
                    to: recipient,
                    sent: false,
                    error: Some(error.to_string()),
                }
            }
        })
    }

    async fn notify_copy_failed(&self, backup: &Backup, copy: &crate::wire::BackupCopy) {
        let Some(notifier) = self.notifier.as_ref() else {
            return;
        };
        let Some(recipient) = self.settings.mail_default_to.clone() else {
            return;
        };
        let zone = self.settings.default_time_zone;
        let now = Utc::now();
        let notice = Notice::CopyFailed {
            tenant_name: backup.tenant.name.clone(),
            tenant_code: backup.tenant.code.clone(),
            file_name: backup.file_name.clone(),
            store: copy.store.clone(),
            failed_at: now.with_timezone(&zone),
            error: copy.error.clone().unwrap_or_default(),
            next_attempt: copy.next_attempt_at.unwrap_or(now).with_timezone(&zone),
        };
        let sent = notifier.send(&notice, None).await;
        self.metrics.mail(sent.is_ok());
        match sent {
            Ok(()) => {
                tracing::info!(backup_id = %backup.backup_id, store = %copy.store, to = %recipient, "copy failure e-mail sent")
            }
            Err(error) => {
                tracing::warn!(backup_id = %backup.backup_id, store = %copy.store, to = %recipient, %error, "copy failure e-mail not sent")
            }
        }
    }

    // ---- running a restore -----------------------------------------------------------------

    async fn run_restore(
        self: &Arc<Self>,
        job: &Job,
        task: RestoreTask,
        work_dir: &Path,
    ) -> JobOutcome {
        let backup_id = job.backup_id.clone().unwrap_or_default();
        let _guard = self.in_use.acquire(&backup_id, "being restored");
        let mut report = RestoreReportView {
            dry_run: task.dry_run,
            signature: None,
            safety_backup_id: None,
            models: Vec::new(),
            refused: Vec::new(),
            failed: Vec::new(),
            state_changes: Vec::new(),
            outcome: None,
            differences: Vec::new(),
            set_back: 0,
            archive_store: None,
            fallback: None,
        };
        match self
            .restore(job, &backup_id, task, work_dir, &mut report)
            .await
        {
            Ok(state) => JobOutcome {
                state,
                result: Some(JobResult::Restore(Box::new(report))),
                error: None,
                notification: None,
            },
            // A safety backup taken is the way back: the result names it whatever happened next.
            Err(error) => JobOutcome::failed(
                &error,
                report
                    .safety_backup_id
                    .is_some()
                    .then_some(JobResult::Restore(Box::new(report))),
            ),
        }
    }

    /// Plans the restore, and unless it is a dry run takes the safety backup and executes the
    /// plan. `report` is filled as it goes, so that a failure still names the safety backup.
    async fn restore(
        self: &Arc<Self>,
        job: &Job,
        backup_id: &str,
        task: RestoreTask,
        work_dir: &Path,
        report: &mut RestoreReportView,
    ) -> Result<JobState, ServiceError> {
        let backup = self.backup(backup_id).await?;
        let (local, archive_store, fallback) = self.readable_copy(&backup, true).await?;
        let client = self.odoo.client().await?;
        let options = PlanOptions {
            keys: self.settings.backup.keys.clone(),
            allow_unsigned: task.allow_unsigned,
            ..PlanOptions::default()
        };
        let planned = {
            let (client, tenant) = (client.clone(), job.tenant.clone());
            let archive_path = local.path().to_owned();
            let progress = self.progress(&job.job_id);
            on_engine_thread(move || async move {
                tenant_restore::plan(&client, &archive_path, &tenant, &options, &progress)
                    .await
                    .map(Arc::new)
            })
            .await
        };
        let plan = self.through_odoo(planned).await?;
        if !plan.signature().is_trusted() {
            // The operator's explicit choice, kept in the log for whoever audits restores.
            tracing::warn!(
                target: "audit",
                job_id = %job.job_id,
                %backup_id,
                tenant = %job.tenant.code,
                signature = %plan.signature().describe(),
                dry_run = task.dry_run,
                "restore of an archive no trusted key signed, allowed explicitly (allow_unsigned)"
            );
        }
        if task.dry_run {
            *report = RestoreReportView::of_plan(&plan);
            report.archive_store = Some(archive_store);
            report.fallback = fallback;
            return Ok(JobState::Done);
        }

        if task.safety_backup {
            create_private_dir(work_dir).await.map_err(|error| {
                ServiceError::internal(format!("cannot create {}: {error}", work_dir.display()))
            })?;
            let taken = {
                let (client, plan) = (client.clone(), plan.clone());
                let (directory, options) = (work_dir.to_owned(), self.settings.backup.clone());
                let progress = self.progress(&job.job_id);
                on_engine_thread(move || async move {
                    tenant_restore::safety_backup(&client, &plan, &directory, &options, &progress)
                        .await
                })
                .await
            };
            if let Some(taken) = self.through_odoo(taken).await? {
                report.safety_backup_id = self.store_safety_backup(job, &taken).await;
            }
        }

        let executed = {
            let plan = plan.clone();
            let progress = self.progress(&job.job_id);
            on_engine_thread(move || async move {
                tenant_restore::execute(&client, &plan, &ExecuteOptions::default(), &progress).await
            })
            .await
        };
        let executed = self.through_odoo(executed).await?;
        *report = RestoreReportView::of_restore(&executed, report.safety_backup_id.take());
        report.archive_store = Some(archive_store);
        report.fallback = fallback;
        Ok(match executed.outcome {
            RestoreOutcome::Complete => JobState::Done,
            RestoreOutcome::RestoredWithDifferences => JobState::DoneWithDifferences,
            RestoreOutcome::Partial => JobState::Partial,
        })
    }

    /// A restore step's result as the service's; a failure that a new connection may not have
    /// (Odoo restarted, the session expired) drops the connection.
    async fn through_odoo<T>(
        &self,
        result: Result<T, tenant_restore::RestoreError>,
    ) -> Result<T, ServiceError> {
        match result {
            Ok(value) => Ok(value),
            Err(error) => {
                let error = ServiceError::from(error);
                self.odoo.forget_after(&error).await;
                Err(error)
            }
        }
    }

    /// Puts a restore's safety backup into the store, as its engine reported it.
    async fn store_safety_backup(&self, job: &Job, taken: &BackupReport) -> Option<String> {
        let file_name = taken.archive.file_name()?.to_string_lossy().into_owned();
        let backup_id = new_backup_id(&job.tenant.code, taken.created_at);
        let mut backup = Backup {
            backup_id: backup_id.clone(),
            file_name: file_name.clone(),
            tenant: job.tenant.clone(),
            status: BackupStatus::Done,
            origin: Origin::Safety,
            size_bytes: 0,
            records: taken.record_count,
            attachments: taken.attachment_count,
            created_at: taken.created_at,
            duration_ms: Some(taken.duration.as_millis() as u64),
            job_id: Some(job.job_id.clone()),
            error: None,
            models: Some(taken.models.clone()),
            copies: Vec::new(),
            protection: taken.protection.clone(),
            read: Some(BackupRead::from(&taken.read)),
        };
        match self
            .store
            .put_archive(&backup_id, &file_name, &taken.archive)
            .await
        {
            Ok(size) => backup.size_bytes = size,
            Err(error) => {
                tracing::error!(%error, "safety backup not stored");
                return None;
            }
        }
        if let Err(error) = self.store.save(&backup).await {
            tracing::error!(%error, "safety backup record not saved");
            return None;
        }
        tracing::info!(%backup_id, job_id = %job.job_id, "safety backup stored");
        self.replication.copy_later(&backup).await;
        backup.copies = self.replication.copies_of(&backup).await;
        self.mirror.upsert_detached(&backup);
        Some(backup_id)
    }

    // ---- schedules -------------------------------------------------------------------------

    /// Starts the due scheduled backups and writes every schedule's next run back.
    pub(crate) async fn tick(self: &Arc<Self>) -> Result<TickResult, ServiceError> {
        let _one_tick_at_a_time = self.tick_lock.lock().await;
        let now = self.clock.now();
        let schedules = self.schedules.active_schedules().await?;
        let mut result = TickResult {
            started: Vec::new(),
            next_runs: Vec::new(),
            skipped: Vec::new(),
        };
        for record in schedules {
            let schedule = match schedule_of(&record, self.settings.default_time_zone) {
                Ok(schedule) => schedule,
                Err(reason) => {
                    tracing::warn!(schedule_id = record.id, %reason, "schedule skipped");
                    result.skipped.push(SkippedSchedule {
                        schedule_id: record.id,
                        reason,
                    });
                    continue;
                }
            };
            let decision = backup_scheduler::due(&schedule, record.last_run, record.next_run, now);
            let mut update = ScheduleUpdate::default();
            if decision.due {
                if self.jobs.schedule_busy(record.id) {
                    tracing::info!(
                        schedule_id = record.id,
                        "due, but its previous backup has not ended; this slot is skipped"
                    );
                } else {
                    let tenant = self.tenant_for_schedule(record.company_id).await;
                    let started = self
                        .queue_backup(
                            tenant,
                            Origin::Schedule {
                                schedule_id: record.id,
                            },
                            Some(snapshot_of(&record)),
                            false,
                        )
                        .await;
                    match started {
                        Ok(started) => {
                            update.last_run = Some(now);
                            update.last_status = Some(LastStatus::Running);
                            result.started.push(StartedSchedule {
                                schedule_id: record.id,
                                job_id: started.job_id,
                            });
                        }
                        Err(error) => {
                            tracing::error!(schedule_id = record.id, %error, "scheduled backup not started");
                            result.skipped.push(SkippedSchedule {
                                schedule_id: record.id,
                                reason: error.to_string(),
                            });
                            continue;
                        }
                    }
                }
            }
            if record.next_run != Some(decision.next_run) || decision.due {
                update.next_run = Some(Some(decision.next_run));
            }
            if update != ScheduleUpdate::default()
                && let Err(error) = self.schedules.update(record.id, &update).await
            {
                tracing::warn!(schedule_id = record.id, %error, "schedule not written back");
            }
            result.next_runs.push(NextRun {
                schedule_id: record.id,
                next_run: Some(decision.next_run),
            });
        }
        Ok(result)
    }

    /// Computes a schedule's next run from now and writes it back.
    pub(crate) async fn next_run(&self, schedule_id: i64) -> Result<NextRun, ServiceError> {
        let record = self
            .schedules
            .schedule(schedule_id)
            .await?
            .ok_or(ServiceError::UnknownSchedule { schedule_id })?;
        let next_run = if record.active {
            let schedule = schedule_of(&record, self.settings.default_time_zone)
                .map_err(|reason| ServiceError::invalid("schedule_id", reason))?;
            Some(backup_scheduler::next_run_after(
                &schedule,
                self.clock.now(),
            ))
        } else {
            None
        };
        self.schedules
            .update(
                schedule_id,
                &ScheduleUpdate {
                    next_run: Some(next_run),
                    ..ScheduleUpdate::default()
                },
            )
            .await?;
        Ok(NextRun {
            schedule_id,
            next_run,
        })
    }

    /// The schedule a "run now" names, checked against the tenant.
    pub(crate) async fn schedule_for_run_now(
        &self,
        schedule_id: i64,
        tenant: &Tenant,
    ) -> Result<ScheduleSnapshot, ServiceError> {
        let record = self
            .schedules
            .schedule(schedule_id)
            .await?
            .ok_or(ServiceError::UnknownSchedule { schedule_id })?;
        if record.company_id != tenant.company_id {
            return Err(ServiceError::invalid(
                "schedule_id",
                format!(
                    "schedule {schedule_id} is company {}'s, not {}'s",
                    record.company_id, tenant.code
                ),
            ));
        }
        Ok(snapshot_of(&record))
    }

    /// The schedule's tenant; when Odoo cannot say, a stand-in named after the company id, so
    /// the run still happens (and fails, and its failure is mailed).
    async fn tenant_for_schedule(&self, company_id: i64) -> Tenant {
        match self.odoo.resolve(&TenantSelector::Id(company_id)).await {
            Ok(tenant) => tenant,
            Err(error) => {
                tracing::warn!(company_id, %error, "tenant of a schedule not resolved");
                Tenant {
                    company_id,
                    code: format!("company-{company_id}"),
                    name: format!("company {company_id}"),
                }
            }
        }
    }

    // ---- health and metrics ----------------------------------------------------------------

    /// `health`'s answer. Odoo's state is asked at most once per [`HEALTH_TTL`], whoever asks
    /// and however often; callers without the token learn only whether Odoo is reachable.
    pub(crate) async fn health(&self, authorized: bool) -> Health {
        let OdooStatus { odoo, addon } = self.odoo_status().await;
        let stores = self.replication.health(HEALTH_TTL).await;
        let status = if !self.jobs.accepting() {
            "stopping"
        } else if odoo.reachable && odoo.error.is_none() && stores.iter().all(|s| s.reachable) {
            "ok"
        } else {
            "degraded"
        };
        if !authorized {
            return Health {
                status: status.into(),
                version: None,
                odoo: OdooHealth {
                    reachable: odoo.reachable,
                    server_version: None,
                    protocol: None,
                    error: None,
                },
                addon: None,
                jobs: None,
                archives: None,
                stores: None,
            };
        }
        let (_, running, queued) = self.jobs.counts();
        Health {
            status: status.into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
            odoo,
            addon: Some(addon),
            jobs: Some(JobCounts {
                queued: queued as u64,
                running: running as u64,
            }),
            archives: Some(crate::wire::ArchivesHealth::of(&self.settings.backup.keys)),
            stores: (!stores.is_empty()).then_some(stores),
        }
    }

    /// Odoo's state as last asked, asked again once older than [`HEALTH_TTL`]. Callers that
    /// come while it is being asked wait for that answer instead of asking too.
    async fn odoo_status(&self) -> OdooStatus {
        let mut cached = self.odoo_status.lock().await;
        if let Some((asked_at, status)) = cached.as_ref()
            && asked_at.elapsed() < HEALTH_TTL
        {
            return status.clone();
        }
        let status = self.ask_odoo_status().await;
        *cached = Some((std::time::Instant::now(), status.clone()));
        status
    }

    async fn ask_odoo_status(&self) -> OdooStatus {
        const TIMEOUT: Duration = Duration::from_secs(5);
        let mut odoo = OdooHealth {
            reachable: false,
            server_version: None,
            protocol: None,
            error: None,
        };
        match self.odoo.probe(TIMEOUT).await {
            Ok(version) => {
                odoo.reachable = true;
                odoo.server_version = Some(version);
                match tokio::time::timeout(TIMEOUT, self.odoo.client()).await {
                    Ok(Ok(client)) => odoo.protocol = Some(client.protocol().to_string()),
                    Ok(Err(error)) => odoo.error = Some(error.to_string()),
                    Err(_) => odoo.error = Some("logging in to Odoo took too long".into()),
                }
            }
            Err(error) => odoo.error = Some(error.to_string()),
        }
        let addon = if odoo.reachable && odoo.error.is_none() {
            match tokio::time::timeout(TIMEOUT, self.odoo.addon_installed()).await {
                Ok(Ok(installed)) => AddonHealth {
                    installed: Some(installed),
                    note: (!installed).then(|| "the addon quelyos_tenant_backup is not installed: schedules are not read and backups are not mirrored into Odoo".into()),
                },
                Ok(Err(error)) => AddonHealth {
                    installed: None,
                    note: Some(error.to_string()),
                },
                Err(_) => AddonHealth {
                    installed: None,
                    note: Some("Odoo took too long to say".into()),
                },
            }
        } else {
            AddonHealth {
                installed: self.odoo.addon_known(),
                note: Some("Odoo cannot be asked now".into()),
            }
        };
        OdooStatus { odoo, addon }
    }

    pub(crate) fn render_metrics(&self) -> String {
        let (by_kind_and_state, running, _) = self.jobs.counts();
        self.metrics.render(&JobSnapshot {
            by_kind_and_state,
            running,
            limit: self.jobs.limit(),
        })
    }

    // ---- shutdown --------------------------------------------------------------------------

    /// Lets running jobs end within `grace`, then interrupts the others. Queued jobs stay
    /// queued for the next start. Returns the ids of the interrupted jobs.
    pub(crate) async fn shutdown(&self, grace: Duration) -> Vec<String> {
        self.jobs.stop_accepting();
        let deadline = tokio::time::Instant::now() + grace;
        loop {
            let ended = self.job_ended.notified();
            if self.jobs.running_ids().is_empty() {
                return Vec::new();
            }
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                break;
            }
        }
        let interrupted = self.jobs.running_ids();
        for job_id in &interrupted {
            if let Some(handle) = self.tasks.lock().expect("tasks lock").remove(job_id) {
                handle.abort();
            }
            let file = self.jobs.finish(job_id, |job| {
                job.state = JobState::Interrupted;
                job.phase = Some("interrupted".into());
                job.error = Some(ErrorInfo {
                    code: crate::error::codes::INTERNAL,
                    message: format!(
                        "the sidecar was stopped and this job did not end within the {} s grace period; start it again",
                        grace.as_secs()
                    ),
                });
            });
            let _ = tokio::fs::remove_dir_all(self.work_dir(job_id)).await;
            if let Some(file) = file {
                self.after_interruption(&file).await;
            }
            tracing::warn!(%job_id, "job interrupted by the shutdown");
        }
        interrupted
    }

    /// A backup whose job was interrupted failed: its record says so.
    pub(crate) async fn after_interruption(&self, file: &JobFile) {
        let Some(backup_id) = &file.job.backup_id else {
            return;
        };
        if file.job.kind != JobKind::Backup {
            return;
        }
        if let Ok(Some(mut backup)) = self.store.get(backup_id).await
            && backup.status != BackupStatus::Done
        {
            backup.status = BackupStatus::Failed;
            backup.error = file.job.error.clone();
            if let Err(error) = self.store.save(&backup).await {
                tracing::warn!(%backup_id, %error, "interrupted backup's record not updated");
            }
            self.mirror.upsert_detached(&backup);
            if let Origin::Schedule { schedule_id } = backup.origin {
                let update = ScheduleUpdate {
                    last_status: Some(LastStatus::Failed),
                    ..ScheduleUpdate::default()
                };
                if let Err(error) = self.schedules.update(schedule_id, &update).await {
                    tracing::warn!(schedule_id, %error, "schedule outcome not written back");
                }
            }
        }
    }
}

/// How a job ended: what `job.get` reports once it is over.
struct JobOutcome {
    state: JobState,
    result: Option<JobResult>,
    error: Option<ErrorInfo>,
    notification: Option<NotificationStatus>,
}

impl JobOutcome {
    fn failed(error: &ServiceError, result: Option<JobResult>) -> JobOutcome {
        JobOutcome {
            state: JobState::Failed,
            result,
            error: Some(error.into()),
            notification: None,
        }
    }
}

/// Progress of a job, kept in memory for `job.get`.
pub(crate) struct JobProgress {
    core: Arc<Core>,
    job_id: String,
}

impl ProgressSink for JobProgress {
    fn report(&self, progress: Progress<'_>) {
        self.core.jobs.update(&self.job_id, |job| match progress {
            Progress::Step(step) => job.phase = Some(step.to_owned()),
            Progress::Planned { records, .. } => job.records_total = records,
            Progress::Model { model, .. } => job.phase = Some(format!("exporting {model}")),
            Progress::Records { count, .. } => job.records_done += count,
            Progress::Finishing => job.phase = Some("finishing the archive".into()),
        });
    }
}

impl RestoreProgressSink for JobProgress {
    fn report(&self, progress: RestoreProgress<'_>) {
        self.core.jobs.update(&self.job_id, |job| match progress {
            RestoreProgress::Step(step) => job.phase = Some(step.to_owned()),
            RestoreProgress::Planned {
                creates, updates, ..
            } => job.records_total = creates + updates,
            RestoreProgress::SafetyBackup => job.phase = Some("taking the safety backup".into()),
            RestoreProgress::Model { model, .. } => job.phase = Some(format!("restoring {model}")),
            RestoreProgress::Records { count, .. } => job.records_done += count,
            RestoreProgress::Finished => job.phase = Some("finished".into()),
        });
    }
}

fn new_job(job_id: &str, kind: JobKind, tenant: Tenant, backup_id: Option<String>) -> Job {
    Job {
        job_id: job_id.to_owned(),
        kind,
        tenant,
        state: JobState::Queued,
        phase: Some("queued".into()),
        records_done: 0,
        records_total: 0,
        created_at: Utc::now(),
        started_at: None,
        finished_at: None,
        result: None,
        error: None,
        backup_id,
        notification: None,
    }
}

fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

fn new_job_id() -> String {
    format!("j-{}", random_hex(6))
}

fn new_backup_id(code: &str, created_at: DateTime<Utc>) -> String {
    format!(
        "{}-{code}-{}",
        created_at.format("%Y%m%dT%H%M%SZ"),
        random_hex(3)
    )
}

fn store_error(error: crate::store::StoreError) -> ServiceError {
    match error {
        crate::store::StoreError::NotFound { backup_id } => {
            ServiceError::UnknownBackup { backup_id }
        }
        other => ServiceError::internal(other.to_string()),
    }
}

fn snapshot_of(record: &ScheduleRecord) -> ScheduleSnapshot {
    ScheduleSnapshot {
        id: record.id,
        frequency: record.frequency.clone(),
        weekday: record.weekday.clone(),
        day_of_month: record.day_of_month,
        hour: record.hour,
        minute: record.minute,
        tz: record.tz.clone(),
        retention_count: record.retention_count,
        notification_email: record.notification_email.clone(),
    }
}

fn schedule_of(record: &ScheduleRecord, default_time_zone: Tz) -> Result<Schedule, String> {
    let raw = RawSchedule {
        id: record.id,
        frequency: &record.frequency,
        weekday: record.weekday.as_deref(),
        day_of_month: record.day_of_month,
        hour: record.hour,
        minute: record.minute,
        time_zone: record.tz.as_deref(),
        retention: record.retention_count,
    };
    Schedule::from_raw(&raw, default_time_zone).map_err(|error| error.to_string())
}

fn snapshot_schedule(snapshot: &ScheduleSnapshot, default_time_zone: Tz) -> Option<Schedule> {
    let raw = RawSchedule {
        id: snapshot.id,
        frequency: &snapshot.frequency,
        weekday: snapshot.weekday.as_deref(),
        day_of_month: snapshot.day_of_month,
        hour: snapshot.hour,
        minute: snapshot.minute,
        time_zone: snapshot.tz.as_deref(),
        retention: snapshot.retention_count,
    };
    Schedule::from_raw(&raw, default_time_zone).ok()
}

/// What to check, for a failure mail.
fn hints_for(error: &ServiceError, odoo_url: &str) -> Vec<String> {
    match error {
        ServiceError::OdooUnreachable { .. } => vec![
            format!("that Odoo runs and is reachable at {odoo_url}"),
            "the sidecar's ODOO_URL setting".into(),
        ],
        ServiceError::OdooCredentials { .. } => {
            vec!["the sidecar's ODOO_LOGIN and its password or API key".into()]
        }
        ServiceError::OdooRefused { .. } => vec![
            "the backup user's access rights in Odoo".into(),
            "the sidecar's log for the model named in the error".into(),
        ],
        _ => vec![
            "the sidecar's log".into(),
            "free space in the backup store".into(),
        ],
    }
}

/// Runs an engine future to its end on a blocking thread of the runtime.
///
/// The engine's and the restore's futures are not provably `Send` to today's compiler (a known
/// limitation with higher-ranked lifetimes in async closures), so they cannot be spawned as
/// tasks; driving each on its own blocking thread with the runtime's handle sidesteps that,
/// and jobs are few (bounded by the concurrency limit).
async fn on_engine_thread<T, F, Fut>(make: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = T>,
{
    let handle = tokio::runtime::Handle::current();
    match tokio::task::spawn_blocking(move || handle.block_on(make())).await {
        Ok(value) => value,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => panic!("engine thread cancelled: {error}"),
    }
}

/// Creates a job's work directory, the owner's only (blocking work, off the runtime).
async fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || backup_engine::private_files::create_private_dir_all(&path))
        .await
        .map_err(std::io::Error::other)?
}

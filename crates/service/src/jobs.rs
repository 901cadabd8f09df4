//! The job table: what is queued, running and finished, persisted one file per job so that a
//! restart knows what was interrupted and what is still to do.
//!
//! Scheduling rule: a job starts when fewer than `limit` jobs run and no job of its tenant runs
//! (a backup and a restore of one tenant never overlap). Jobs are taken in the order they were
//! queued, but a job whose tenant is busy does not hold back other tenants' jobs behind it.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{ErrorInfo, ServiceError, codes};
use crate::store::write_atomically;
use crate::wire::{Job, JobKind, JobState, Origin};

/// How long finished jobs stay known to `job.get`.
const FINISHED_JOB_KEPT: chrono::Duration = chrono::Duration::days(14);

/// A schedule as it was when its backup was started: enough to write back, apply retention and
/// address the mail even if Odoo is gone by the time the backup ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ScheduleSnapshot {
    pub(crate) id: i64,
    pub(crate) frequency: String,
    pub(crate) weekday: Option<String>,
    pub(crate) day_of_month: Option<i64>,
    pub(crate) hour: i64,
    pub(crate) minute: i64,
    pub(crate) tz: Option<String>,
    pub(crate) retention_count: i64,
    pub(crate) notification_email: Option<String>,
}

/// What a job does, persisted with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Task {
    Backup(BackupTask),
    Restore(RestoreTask),
}

/// A backup job's own settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct BackupTask {
    pub(crate) origin: Origin,
    pub(crate) schedule: Option<ScheduleSnapshot>,
    /// A "run now" of a schedule: the job itself records the run on the schedule.
    pub(crate) record_run_on_schedule: bool,
}

/// A restore job's own settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RestoreTask {
    pub(crate) dry_run: bool,
    pub(crate) safety_backup: bool,
    /// Restore even if no trusted key signed the archive (the caller said so).
    #[serde(default)]
    pub(crate) allow_unsigned: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct JobFile {
    pub(crate) job: Job,
    pub(crate) task: Task,
}

struct Table {
    jobs: HashMap<String, JobFile>,
    queue: VecDeque<String>,
    running: HashSet<String>,
    busy_tenants: HashSet<i64>,
    accepting: bool,
}

/// Jobs in memory, mirrored to `<state>/jobs/<job_id>.json`.
pub(crate) struct JobTable {
    table: Mutex<Table>,
    dir: PathBuf,
    limit: usize,
}

/// What [`JobTable::recover`] found on disk.
pub(crate) struct Recovered {
    pub(crate) interrupted: Vec<JobFile>,
    pub(crate) requeued: usize,
}

impl JobTable {
    /// Loads the jobs of a previous run: a job that was running is interrupted (never done),
    /// queued jobs are queued again in their order.
    pub(crate) fn recover(dir: &Path, limit: usize) -> Result<(JobTable, Recovered), ServiceError> {
        backup_engine::private_files::create_private_dir_all(dir).map_err(|error| {
            ServiceError::internal(format!(
                "cannot create the job directory {}: {error}",
                dir.display()
            ))
        })?;
        let mut jobs = HashMap::new();
        let mut interrupted = Vec::new();
        let now = Utc::now();
        let entries = std::fs::read_dir(dir).map_err(|error| {
            ServiceError::internal(format!("cannot list {}: {error}", dir.display()))
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                // A job file whose write was interrupted: the previous version is still there.
                let _ = std::fs::remove_file(&path);
                continue;
            }
            if !name.ends_with(".json") {
                continue;
            }
            let file: JobFile = match std::fs::read(&path)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            {
                Some(file) => file,
                None => {
                    tracing::warn!(path = %path.display(), "skipping an unreadable job file");
                    continue;
                }
            };
            let mut file = file;
            if file.job.state.is_final()
                && file
                    .job
                    .finished_at
                    .is_some_and(|finished| now - finished > FINISHED_JOB_KEPT)
            {
                let _ = std::fs::remove_file(&path);
                continue;
            }
            if file.job.state == JobState::Running {
                file.job.state = JobState::Interrupted;
                file.job.finished_at = Some(now);
                file.job.error = Some(ErrorInfo {
                    code: codes::INTERNAL,
                    message: "the sidecar stopped while this job ran; its unfinished files were removed. Start it again".into(),
                });
                file.job.phase = Some("interrupted".into());
                write_job(dir, &file)?;
                interrupted.push(file.clone());
            }
            jobs.insert(file.job.job_id.clone(), file);
        }
        let mut queued: Vec<&JobFile> = jobs
            .values()
            .filter(|file| file.job.state == JobState::Queued)
            .collect();
        queued.sort_by(|a, b| {
            (a.job.created_at, &a.job.job_id).cmp(&(b.job.created_at, &b.job.job_id))
        });
        let queue: VecDeque<String> = queued.iter().map(|file| file.job.job_id.clone()).collect();
        let requeued = queue.len();
        let table = JobTable {
            table: Mutex::new(Table {
                jobs,
                queue,
                running: HashSet::new(),
                busy_tenants: HashSet::new(),
                accepting: true,
            }),
            dir: dir.to_owned(),
            limit,
        };
        Ok((
            table,
            Recovered {
                interrupted,
                requeued,
            },
        ))
    }

    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Persists and queues a new job.
    pub(crate) fn enqueue(&self, file: JobFile) -> Result<(), ServiceError> {
        if !self.accepting() {
            return Err(ServiceError::ShuttingDown);
        }
        write_job(&self.dir, &file)?;
        let mut table = self.table.lock().expect("job table lock");
        table.queue.push_back(file.job.job_id.clone());
        table.jobs.insert(file.job.job_id.clone(), file);
        Ok(())
    }

    /// The jobs to start now, marked running (and persisted as such).
    pub(crate) fn take_startable(&self) -> Vec<JobFile> {
        let mut started = Vec::new();
        {
            let mut table = self.table.lock().expect("job table lock");
            if !table.accepting {
                return started;
            }
            let mut index = 0;
            while index < table.queue.len() && table.running.len() < self.limit {
                let job_id = table.queue[index].clone();
                let company_id = table.jobs[&job_id].job.tenant.company_id;
                if table.busy_tenants.contains(&company_id) {
                    index += 1;
                    continue;
                }
                table.queue.remove(index);
                table.busy_tenants.insert(company_id);
                table.running.insert(job_id.clone());
                let file = table.jobs.get_mut(&job_id).expect("queued job is known");
                file.job.state = JobState::Running;
                file.job.started_at = Some(Utc::now());
                file.job.phase = Some("starting".into());
                started.push(file.clone());
            }
        }
        for file in &started {
            if let Err(error) = write_job(&self.dir, file) {
                tracing::warn!(job_id = %file.job.job_id, %error, "job state not persisted");
            }
        }
        started
    }

    /// Changes a job in memory only (progress).
    pub(crate) fn update(&self, job_id: &str, change: impl FnOnce(&mut Job)) {
        let mut table = self.table.lock().expect("job table lock");
        if let Some(file) = table.jobs.get_mut(job_id) {
            change(&mut file.job);
        }
    }

    /// Records a job's end and frees its tenant.
    pub(crate) fn finish(&self, job_id: &str, change: impl FnOnce(&mut Job)) -> Option<JobFile> {
        let file = {
            let mut table = self.table.lock().expect("job table lock");
            let file = table.jobs.get_mut(job_id)?;
            change(&mut file.job);
            if file.job.finished_at.is_none() {
                file.job.finished_at = Some(Utc::now());
            }
            let file = file.clone();
            table.running.remove(job_id);
            table.busy_tenants.remove(&file.job.tenant.company_id);
            file
        };
        if let Err(error) = write_job(&self.dir, &file) {
            tracing::warn!(%job_id, %error, "job state not persisted");
        }
        Some(file)
    }

    pub(crate) fn get(&self, job_id: &str) -> Option<Job> {
        let table = self.table.lock().expect("job table lock");
        table.jobs.get(job_id).map(|file| file.job.clone())
    }

    /// Whether a backup of this schedule is queued or running.
    pub(crate) fn schedule_busy(&self, schedule_id: i64) -> bool {
        let table = self.table.lock().expect("job table lock");
        table.jobs.values().any(|file| {
            !file.job.state.is_final()
                && matches!(
                    &file.task,
                    Task::Backup(BackupTask { origin: Origin::Schedule { schedule_id: id }, .. }) if *id == schedule_id
                )
        })
    }

    /// Whether a job of the tenant is queued or running.
    pub(crate) fn counts(&self) -> (BTreeMap<(JobKind, JobState), u64>, usize, usize) {
        let table = self.table.lock().expect("job table lock");
        let mut counts = BTreeMap::new();
        for file in table.jobs.values() {
            *counts.entry((file.job.kind, file.job.state)).or_insert(0) += 1;
        }
        (counts, table.running.len(), table.queue.len())
    }

    /// The tenant's backup job that is queued or running, if any.
    pub(crate) fn active_backup(&self, company_id: i64) -> Option<Job> {
        let table = self.table.lock().expect("job table lock");
        table
            .jobs
            .values()
            .map(|file| &file.job)
            .find(|job| {
                job.kind == JobKind::Backup
                    && !job.state.is_final()
                    && job.tenant.company_id == company_id
            })
            .cloned()
    }

    /// Whether new jobs are taken (false once a shutdown began).
    pub(crate) fn accepting(&self) -> bool {
        self.table.lock().expect("job table lock").accepting
    }

    /// Stops starting jobs (shutdown); queued jobs stay queued on disk for the next start.
    pub(crate) fn stop_accepting(&self) {
        self.table.lock().expect("job table lock").accepting = false;
    }

    pub(crate) fn running_ids(&self) -> Vec<String> {
        let table = self.table.lock().expect("job table lock");
        table.running.iter().cloned().collect()
    }

    /// Forgets finished jobs older than the keeping time.
    pub(crate) fn prune(&self) {
        let now = Utc::now();
        let mut removed = Vec::new();
        {
            let mut table = self.table.lock().expect("job table lock");
            table.jobs.retain(|job_id, file| {
                let old = file.job.state.is_final()
                    && file
                        .job
                        .finished_at
                        .is_some_and(|finished: DateTime<Utc>| now - finished > FINISHED_JOB_KEPT);
                if old {
                    removed.push(job_id.clone());
                }
                !old
            });
        }
        for job_id in removed {
            let _ = std::fs::remove_file(self.dir.join(format!("{job_id}.json")));
        }
    }
}

fn write_job(dir: &Path, file: &JobFile) -> Result<(), ServiceError> {
    let path = dir.join(format!("{}.json", file.job.job_id));
    let bytes = serde_json::to_vec_pretty(file).map_err(|error| {
        ServiceError::internal(format!("cannot encode job {}: {error}", file.job.job_id))
    })?;
    write_atomically(&path, &bytes).map_err(|error| {
        ServiceError::internal(format!("cannot write {}: {error}", path.display()))
    })
}

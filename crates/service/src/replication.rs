//! Copies of every finished backup in each configured bucket, made in the background.
//!
//! A backup is done once its archive is in the local store; its copies follow. Each copy's state
//! (pending, stored, failed with its cause) is kept beside the local record, so that a restart
//! picks up what was not copied yet. A failed copy is tried again after `copy_retry`, doubling
//! up to [`MAX_RETRY_WAIT`]; it never fails the backup, but it is logged, counted in `/metrics`
//! and reported once to whoever the service tells (a notice). Its times are the system's:
//! the service's clock is for schedule decisions only.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::core::InUse;
use crate::metrics::Metrics;
use crate::store::{BackupStore, BucketStore, LocalArchive, StoreError};
use crate::wire::{Backup, BackupCopy, BackupStatus, CopyStatus, StoreHealth};

/// The longest wait between two attempts of a failed copy.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(3600);
/// How often the queue is looked at when nothing wakes it.
const IDLE_WAIT: Duration = Duration::from_secs(60);

/// What the service is told after each attempt at a copy: the backup, the copy as it now
/// stands, and whether it is the copy's first failure.
pub(crate) type CopyReport = Box<dyn Fn(Backup, BackupCopy, bool) + Send + Sync>;

pub(crate) struct Replication {
    primary: Arc<dyn BackupStore>,
    buckets: Vec<BucketStore>,
    first_retry: Duration,
    metrics: Arc<Metrics>,
    /// A backup being copied is in use: `backup.delete` and retention leave it meanwhile.
    in_use: Arc<InUse>,
    /// Backups with copies to make, and when.
    queue: Mutex<BTreeMap<String, DateTime<Utc>>>,
    wake: tokio::sync::Notify,
    on_attempt: Mutex<Option<CopyReport>>,
    /// Copies waiting per bucket, as last counted.
    waiting: Mutex<BTreeMap<String, u64>>,
    /// The last look at the buckets for `health`, and when.
    checked: tokio::sync::Mutex<Option<(std::time::Instant, Vec<StoreHealth>)>>,
}

impl Replication {
    pub(crate) fn new(
        primary: Arc<dyn BackupStore>,
        buckets: Vec<BucketStore>,
        first_retry: Duration,
        metrics: Arc<Metrics>,
        in_use: Arc<InUse>,
    ) -> Replication {
        let names: Vec<String> = buckets.iter().map(|b| b.name().to_owned()).collect();
        metrics.buckets(&names);
        Replication {
            primary,
            buckets,
            first_retry,
            metrics,
            in_use,
            queue: Mutex::new(BTreeMap::new()),
            wake: tokio::sync::Notify::new(),
            on_attempt: Mutex::new(None),
            waiting: Mutex::new(BTreeMap::new()),
            checked: tokio::sync::Mutex::new(None),
        }
    }

    pub(crate) fn buckets(&self) -> &[BucketStore] {
        &self.buckets
    }

    pub(crate) fn bucket(&self, name: &str) -> Option<&BucketStore> {
        self.buckets.iter().find(|bucket| bucket.name() == name)
    }

    pub(crate) fn on_attempt(&self, report: CopyReport) {
        *self.on_attempt.lock().expect("replication lock") = Some(report);
    }

    /// Marks every copy of a backup that just finished as pending and queues it.
    pub(crate) async fn copy_later(&self, backup: &Backup) {
        if self.buckets.is_empty() || backup.status != BackupStatus::Done {
            return;
        }
        let copies: Vec<BackupCopy> = self
            .buckets
            .iter()
            .map(|bucket| pending(bucket.name()))
            .collect();
        if let Err(error) = self.primary.save_copies(&backup.backup_id, &copies).await {
            tracing::error!(backup_id = %backup.backup_id, %error, "copies not recorded; they are made anyway");
        }
        self.queue(&backup.backup_id, Utc::now());
    }

    fn queue(&self, backup_id: &str, at: DateTime<Utc>) {
        let mut queue = self.queue.lock().expect("replication lock");
        let due = queue.entry(backup_id.to_owned()).or_insert(at);
        *due = (*due).min(at);
        drop(queue);
        self.wake.notify_one();
    }

    /// At start: adopts the backups that only a bucket holds (a sidecar on a new disk lists
    /// them and can restore them), and queues every copy not made yet.
    pub(crate) async fn resume(&self) {
        let local = match self.primary.list().await {
            Ok(backups) => backups,
            Err(error) => {
                tracing::error!(%error, "the store cannot be listed: copies not resumed");
                return;
            }
        };
        let mut known: BTreeMap<String, Backup> = local
            .into_iter()
            .map(|backup| (backup.backup_id.clone(), backup))
            .collect();
        for bucket in &self.buckets {
            let listed = match bucket.list().await {
                Ok(listed) => listed,
                Err(error) => {
                    tracing::error!(store = bucket.name(), %error, "bucket not listed: the backups only it holds are not shown until the next start");
                    continue;
                }
            };
            for backup in listed {
                if known.contains_key(&backup.backup_id) {
                    continue;
                }
                if let Err(error) = self.adopt(bucket, &backup).await {
                    tracing::error!(store = bucket.name(), backup_id = %backup.backup_id, %error, "backup of the bucket not adopted");
                    continue;
                }
                tracing::info!(store = bucket.name(), backup_id = %backup.backup_id, tenant = %backup.tenant.code, "backup found in the bucket only: listed, served from the bucket");
                known.insert(backup.backup_id.clone(), backup);
            }
        }
        for backup in known.values() {
            if backup.status != BackupStatus::Done {
                continue;
            }
            let copies = self.recorded_copies(&backup.backup_id).await;
            let missing: Vec<&BucketStore> = self
                .buckets
                .iter()
                .filter(|bucket| {
                    !copies.iter().any(|copy| {
                        copy.store == bucket.name() && copy.status == CopyStatus::Stored
                    })
                })
                .collect();
            if missing.is_empty() {
                continue;
            }
            // A backup made before this bucket was configured, or not copied yet.
            let due = copies
                .iter()
                .filter_map(|copy| copy.next_attempt_at)
                .min()
                .unwrap_or_else(Utc::now);
            self.queue(&backup.backup_id, due);
        }
        self.count_waiting().await;
    }

    /// Keeps a backup that only `bucket` holds: its record locally, marked as stored there.
    async fn adopt(&self, bucket: &BucketStore, backup: &Backup) -> Result<(), StoreError> {
        let mut record = backup.clone();
        record.copies.clear();
        self.primary.save(&record).await?;
        let stored = BackupCopy {
            status: CopyStatus::Stored,
            stored_at: Some(Utc::now()),
            ..pending(bucket.name())
        };
        self.primary.save_copies(&backup.backup_id, &[stored]).await
    }

    /// Makes the copies that are due, then sleeps until the next is (or something is queued).
    pub(crate) async fn run(self: Arc<Self>) {
        loop {
            let now = Utc::now();
            let due: Vec<String> = {
                let queue = self.queue.lock().expect("replication lock");
                queue
                    .iter()
                    .filter(|(_, at)| **at <= now)
                    .map(|(id, _)| id.clone())
                    .collect()
            };
            for backup_id in due {
                self.queue
                    .lock()
                    .expect("replication lock")
                    .remove(&backup_id);
                self.copy(&backup_id).await;
            }
            self.count_waiting().await;
            let wait = {
                let queue = self.queue.lock().expect("replication lock");
                queue
                    .values()
                    .min()
                    .map(|at| (*at - Utc::now()).to_std().unwrap_or_default())
                    .unwrap_or(IDLE_WAIT)
                    .min(IDLE_WAIT)
            };
            let _ = tokio::time::timeout(wait, self.wake.notified()).await;
        }
    }

    /// Makes every copy of one backup that is not stored yet.
    async fn copy(&self, backup_id: &str) {
        let _guard = self.in_use.acquire(backup_id, "being copied to a bucket");
        let backup = match self.primary.get(backup_id).await {
            Ok(Some(backup)) if backup.status == BackupStatus::Done => backup,
            // Deleted, or not finished: nothing to copy.
            Ok(_) => return,
            Err(error) => {
                tracing::error!(%backup_id, %error, "backup record unreadable: copies wait");
                self.queue(
                    backup_id,
                    Utc::now() + chrono::Duration::from_std(self.first_retry).unwrap_or_default(),
                );
                return;
            }
        };
        let mut copies = self.recorded_copies(backup_id).await;
        let local = match self.primary.local_copy(&backup).await {
            Ok(local) => Some(local),
            Err(error) => {
                tracing::error!(%backup_id, %error, "the local archive is gone: no copy can be made of it");
                None
            }
        };
        let mut next: Option<DateTime<Utc>> = None;
        for bucket in &self.buckets {
            let index = match copies.iter().position(|copy| copy.store == bucket.name()) {
                Some(index) => index,
                None => {
                    copies.push(pending(bucket.name()));
                    copies.len() - 1
                }
            };
            if copies[index].status == CopyStatus::Stored {
                continue;
            }
            let Some(local) = &local else { continue };
            let outcome = self.copy_to(bucket, &backup, local).await;
            if let Err(StoreError::NotFound { .. }) = outcome {
                tracing::info!(%backup_id, store = bucket.name(), "backup deleted while it was copied");
                return;
            }
            let copy = &mut copies[index];
            copy.attempts += 1;
            let first_failure = match outcome {
                Ok(size) => {
                    tracing::info!(%backup_id, store = bucket.name(), size, attempts = copy.attempts, "copy stored");
                    copy.status = CopyStatus::Stored;
                    copy.error = None;
                    copy.next_attempt_at = None;
                    copy.stored_at = Some(Utc::now());
                    self.metrics.copy_stored(bucket.name());
                    false
                }
                Err(error) => {
                    let wait = retry_wait(self.first_retry, copy.attempts);
                    let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                    tracing::error!(%backup_id, store = bucket.name(), attempts = copy.attempts, retry_in_secs = wait.as_secs(), %error, "copy failed; the backup itself is done and kept locally");
                    let first_failure = copy.status != CopyStatus::Failed;
                    copy.status = CopyStatus::Failed;
                    copy.error = Some(error.to_string());
                    copy.next_attempt_at = Some(at);
                    self.metrics.copy_failed(bucket.name());
                    next = Some(next.map_or(at, |next| next.min(at)));
                    first_failure
                }
            };
            if let Err(error) = self.primary.save_copies(backup_id, &copies).await {
                // Deleted while it was copied: the delete removed the copies too.
                tracing::warn!(%backup_id, %error, "copy state not recorded");
                return;
            }
            if let Some(report) = &*self.on_attempt.lock().expect("replication lock") {
                report(backup.clone(), copies[index].clone(), first_failure);
            }
        }
        if let Some(at) = next {
            self.queue(backup_id, at);
        }
    }

    /// The archive, then the record: a bucket lists a backup only once its archive is whole.
    async fn copy_to(
        &self,
        bucket: &BucketStore,
        backup: &Backup,
        local: &LocalArchive,
    ) -> Result<u64, StoreError> {
        let size = bucket
            .upload_archive(&backup.backup_id, &backup.file_name, local.path())
            .await?;
        // Deleted while its archive went up (a deletion that had looked before the copy held
        // the backup): the record is not written, and the archive goes again.
        if !matches!(self.primary.get(&backup.backup_id).await, Ok(Some(_))) {
            bucket.delete(backup).await?;
            return Err(StoreError::NotFound {
                backup_id: backup.backup_id.clone(),
            });
        }
        bucket.save(backup).await?;
        Ok(size)
    }

    async fn count_waiting(&self) {
        if self.buckets.is_empty() {
            return;
        }
        let ids: Vec<String> = self
            .queue
            .lock()
            .expect("replication lock")
            .keys()
            .cloned()
            .collect();
        let mut waiting: BTreeMap<&str, u64> = self
            .buckets
            .iter()
            .map(|bucket| (bucket.name(), 0))
            .collect();
        for backup_id in ids {
            for copy in self.recorded_copies(&backup_id).await {
                if copy.status != CopyStatus::Stored
                    && let Some(count) = waiting.get_mut(copy.store.as_str())
                {
                    *count += 1;
                }
            }
        }
        let mut counted = self.waiting.lock().expect("replication lock");
        for (bucket, count) in waiting {
            self.metrics.copies_waiting(bucket, count);
            counted.insert(bucket.to_owned(), count);
        }
    }

    /// Each bucket listed once, at most every `ttl`: a flood of `health` calls costs a bucket
    /// one request per period.
    pub(crate) async fn health(&self, ttl: Duration) -> Vec<StoreHealth> {
        let mut checked = self.checked.lock().await;
        let stale = checked.as_ref().is_none_or(|(at, _)| at.elapsed() >= ttl);
        if stale {
            let mut stores = Vec::new();
            for bucket in &self.buckets {
                let problem = bucket.check().await.err();
                stores.push(StoreHealth {
                    name: bucket.name().to_owned(),
                    reachable: problem.is_none(),
                    error: problem.map(|problem| problem.to_string()),
                    copies_waiting: 0,
                });
            }
            *checked = Some((std::time::Instant::now(), stores));
        }
        let waiting = self.waiting.lock().expect("replication lock").clone();
        let mut stores = checked
            .as_ref()
            .map(|(_, stores)| stores.clone())
            .unwrap_or_default();
        for store in &mut stores {
            store.copies_waiting = waiting.get(&store.name).copied().unwrap_or(0);
        }
        stores
    }

    /// A copy that the scrub found damaged: failed with the problem, and made again at once
    /// from the local copy.
    pub(crate) async fn copy_went_bad(&self, backup: &Backup, store: &str, problem: &str) {
        let mut copies = self.recorded_copies(&backup.backup_id).await;
        let Some(copy) = copies.iter_mut().find(|copy| copy.store == store) else {
            return;
        };
        tracing::error!(backup_id = %backup.backup_id, %store, %problem, "a copy in a bucket went bad: it is made again");
        copy.status = CopyStatus::Failed;
        copy.error = Some(format!("the copy failed its checks: {problem}"));
        copy.next_attempt_at = Some(Utc::now());
        let copy = copy.clone();
        self.metrics.copy_failed(store);
        if let Err(error) = self.primary.save_copies(&backup.backup_id, &copies).await {
            tracing::warn!(backup_id = %backup.backup_id, %error, "copy state not recorded");
            return;
        }
        if let Some(report) = &*self.on_attempt.lock().expect("replication lock") {
            report(backup.clone(), copy, true);
        }
        self.queue(&backup.backup_id, Utc::now());
    }

    /// The copies of a backup, the local one first, as `backup.get` shows them.
    pub(crate) async fn copies_of(&self, backup: &Backup) -> Vec<BackupCopy> {
        let local = if backup.status != BackupStatus::Done {
            None
        } else {
            Some(match self.primary.local_copy(backup).await {
                Ok(_) => BackupCopy {
                    status: CopyStatus::Stored,
                    ..pending("local")
                },
                Err(_) => BackupCopy {
                    status: CopyStatus::Missing,
                    ..pending("local")
                },
            })
        };
        let recorded = self.recorded_copies(&backup.backup_id).await;
        local
            .into_iter()
            .chain(self.buckets.iter().filter_map(|bucket| {
                recorded
                    .iter()
                    .find(|copy| copy.store == bucket.name())
                    .cloned()
                    .or_else(|| {
                        (backup.status == BackupStatus::Done).then(|| pending(bucket.name()))
                    })
            }))
            .collect()
    }

    /// Deletes the copies in every bucket; the first failure stops and is returned, so that the
    /// local record stays and a later delete finishes the work.
    pub(crate) async fn delete_copies(&self, backup: &Backup) -> Result<(), StoreError> {
        for bucket in &self.buckets {
            bucket.delete(backup).await?;
        }
        self.queue
            .lock()
            .expect("replication lock")
            .remove(&backup.backup_id);
        Ok(())
    }
}

impl Replication {
    /// The copies recorded for a backup; none, said in the log, when they cannot be read (the
    /// copies are then made again).
    async fn recorded_copies(&self, backup_id: &str) -> Vec<BackupCopy> {
        self.primary
            .copies(backup_id)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%backup_id, %error, "copies unreadable: taken as not made");
                Vec::new()
            })
    }
}

fn pending(store: &str) -> BackupCopy {
    BackupCopy {
        store: store.to_owned(),
        status: CopyStatus::Pending,
        error: None,
        attempts: 0,
        stored_at: None,
        next_attempt_at: None,
    }
}

/// `first`, doubled after each further failed attempt, up to [`MAX_RETRY_WAIT`].
fn retry_wait(first: Duration, attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(16);
    first
        .saturating_mul(1 << doublings)
        .min(MAX_RETRY_WAIT.max(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_copy_waits_twice_as_long_each_time_up_to_an_hour() {
        let first = Duration::from_secs(60);
        assert_eq!(retry_wait(first, 1), Duration::from_secs(60));
        assert_eq!(retry_wait(first, 2), Duration::from_secs(120));
        assert_eq!(retry_wait(first, 4), Duration::from_secs(480));
        assert_eq!(retry_wait(first, 7), Duration::from_secs(3600));
        assert_eq!(retry_wait(first, 40), Duration::from_secs(3600));
    }
}

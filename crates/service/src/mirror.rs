//! Mirrors backups into the addon's `quelyos.backup` records, so Odoo's list shows them.
//!
//! One worker applies the changes in the order they were made (a backup is never set back from
//! running to pending by a late write). Mirroring is best effort: when Odoo is unreachable or
//! the addon is not installed, the change is logged and dropped — the API stays the source of
//! truth, and the addon's "Refresh" reads it again from `backup.list`.

use std::sync::Arc;
use std::time::Duration;

use odoo_client::{Context, Domain, SearchOptions, value};
use serde_json::{Map, Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::error::ServiceError;
use crate::odoo::{BACKUP_MODEL, Odoo};
use crate::wire::{Backup, BackupStatus, Origin};

/// Longest wait for a mirrored change before a job goes on without it.
const ACK_TIMEOUT: Duration = Duration::from_secs(60);

enum Change {
    Upsert(Box<Backup>),
    Delete(String),
}

type Queued = (Change, Option<oneshot::Sender<()>>);

#[derive(Clone)]
pub(crate) struct Mirror {
    sender: mpsc::UnboundedSender<Queued>,
}

impl Mirror {
    /// Starts the worker; with no Odoo, every change is dropped.
    pub(crate) fn start(odoo: Option<Arc<Odoo>>) -> Mirror {
        let (sender, mut receiver) = mpsc::unbounded_channel::<Queued>();
        tokio::spawn(async move {
            while let Some((change, ack)) = receiver.recv().await {
                if let Some(odoo) = &odoo
                    && let Err(error) = apply(odoo, &change).await
                {
                    let backup_id = match &change {
                        Change::Upsert(backup) => backup.backup_id.clone(),
                        Change::Delete(backup_id) => backup_id.clone(),
                    };
                    odoo.forget_after(&error).await;
                    tracing::warn!(%backup_id, %error, "backup not mirrored into Odoo's quelyos.backup");
                }
                if let Some(ack) = ack {
                    let _ = ack.send(());
                }
            }
        });
        Mirror { sender }
    }

    /// Queues the change and goes on.
    pub(crate) fn upsert_detached(&self, backup: &Backup) {
        let _ = self
            .sender
            .send((Change::Upsert(Box::new(backup.clone())), None));
    }

    /// Queues the change and waits until it is applied (or given up).
    pub(crate) async fn upsert(&self, backup: &Backup) {
        self.wait(Change::Upsert(Box::new(backup.clone()))).await;
    }

    pub(crate) async fn delete(&self, backup_id: &str) {
        self.wait(Change::Delete(backup_id.to_owned())).await;
    }

    async fn wait(&self, change: Change) {
        let (ack, acked) = oneshot::channel();
        if self.sender.send((change, Some(ack))).is_ok() {
            let _ = tokio::time::timeout(ACK_TIMEOUT, acked).await;
        }
    }
}

async fn apply(odoo: &Odoo, change: &Change) -> Result<(), ServiceError> {
    if !odoo.addon_installed().await? {
        return Ok(());
    }
    match change {
        Change::Upsert(backup) => {
            let backup = backup.clone();
            let keeps_reads = backup.read.is_some() && odoo.addon_keeps_reads().await?;
            odoo.with_client(|client| async move {
                let client = client.with_context(Context::company(backup.tenant.company_id));
                let mut values = values_of(&backup);
                if keeps_reads {
                    let read = serde_json::to_string(&backup.read).expect("a read serializes");
                    values.insert("read_json".into(), json!(read));
                }
                let find = Domain::leaf("backup_id", "=", backup.backup_id.as_str());
                let existing = client
                    .search(BACKUP_MODEL, &find, &SearchOptions::default())
                    .await
                    .map_err(|error| ServiceError::odoo("find the mirrored backup", error))?;
                if !existing.is_empty() {
                    return client
                        .write(BACKUP_MODEL, &existing, values)
                        .await
                        .map_err(|error| ServiceError::odoo("update the mirrored backup", error));
                }
                match client.create(BACKUP_MODEL, vec![values.clone()]).await {
                    Ok(_) => Ok(()),
                    Err(create_error) => {
                        // The addon may have created the same backup meanwhile (unique
                        // backup_id): then its row is updated instead.
                        let existing = client
                            .search(BACKUP_MODEL, &find, &SearchOptions::default())
                            .await
                            .map_err(|error| {
                                ServiceError::odoo("find the mirrored backup", error)
                            })?;
                        if existing.is_empty() {
                            return Err(ServiceError::odoo("mirror the backup", create_error));
                        }
                        client
                            .write(BACKUP_MODEL, &existing, values)
                            .await
                            .map_err(|error| {
                                ServiceError::odoo("update the mirrored backup", error)
                            })
                    }
                }
            })
            .await
        }
        Change::Delete(backup_id) => {
            let backup_id = backup_id.clone();
            odoo.with_client(|client| async move {
                let find = Domain::leaf("backup_id", "=", backup_id.as_str());
                let existing = client
                    .search(BACKUP_MODEL, &find, &SearchOptions::default())
                    .await
                    .map_err(|error| ServiceError::odoo("find the mirrored backup", error))?;
                if existing.is_empty() {
                    return Ok(());
                }
                client
                    .unlink(BACKUP_MODEL, &existing)
                    .await
                    .map_err(|error| ServiceError::odoo("delete the mirrored backup", error))
            })
            .await
        }
    }
}

fn values_of(backup: &Backup) -> Map<String, Value> {
    let mut values = Map::new();
    values.insert("backup_id".into(), json!(backup.backup_id));
    values.insert("company_id".into(), json!(backup.tenant.company_id));
    values.insert("file_name".into(), json!(backup.file_name));
    let (origin, schedule_id) = match backup.origin {
        Origin::Manual => ("manual", value::unset()),
        Origin::Schedule { schedule_id } => ("schedule", json!(schedule_id)),
        Origin::Safety => ("safety", value::unset()),
    };
    values.insert("origin".into(), json!(origin));
    values.insert("schedule_id".into(), schedule_id);
    let status = match backup.status {
        BackupStatus::Pending => "pending",
        BackupStatus::Running => "running",
        BackupStatus::Done => "done",
        BackupStatus::Failed => "failed",
    };
    values.insert("status".into(), json!(status));
    values.insert("size".into(), json!(backup.size_bytes as f64));
    values.insert("records".into(), json!(backup.records));
    values.insert("attachments".into(), json!(backup.attachments));
    values.insert(
        "duration".into(),
        json!(backup.duration_ms.unwrap_or(0) as f64 / 1000.0),
    );
    values.insert(
        "error".into(),
        backup
            .error
            .as_ref()
            .map_or_else(value::unset, |error| json!(error.message)),
    );
    values.insert(
        "job_id".into(),
        backup
            .job_id
            .as_ref()
            .map_or_else(value::unset, |id| json!(id)),
    );
    values.insert("created_at".into(), value::datetime(&backup.created_at));
    // Only with buckets configured, so that an addon from before copies still takes the rest.
    if backup.copies.iter().any(|copy| copy.store != "local")
        && let Ok(copies) = serde_json::to_string(&backup.copies)
    {
        values.insert("copies_json".into(), json!(copies));
    }
    values
}

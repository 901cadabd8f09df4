//! The safety backup before a restore's first write: a backup of the plan's tenant through the
//! engine. The caller (the command line, the service) takes it between [`plan`](crate::plan) and
//! [`execute`](crate::execute), and so holds the backup's own report — its archive, size,
//! duration and counts — rather than finding the archive again on disk.

use std::path::Path;

use backup_engine::{BackupOptions, BackupReport, BackupRequest};
use odoo_client::OdooClient;

use crate::error::RestoreError;
use crate::plan::RestorePlan;
use crate::progress::{RestoreProgress, RestoreProgressSink, SafetyBackupProgress};

/// Backs the plan's tenant up into `directory` before `plan` is executed. A plan that writes
/// nothing needs no way back: it takes none (`Ok(None)`). A failure means nothing may be written.
pub async fn safety_backup(
    client: &OdooClient,
    plan: &RestorePlan,
    directory: &Path,
    options: &BackupOptions,
    progress: &dyn RestoreProgressSink,
) -> Result<Option<BackupReport>, RestoreError> {
    if plan.writes_nothing() {
        return Ok(None);
    }
    progress.report(RestoreProgress::SafetyBackup);
    let request = BackupRequest {
        tenant: plan.tenant().clone(),
        out_dir: directory.to_owned(),
        options: options.clone(),
    };
    backup_engine::backup(client, &request, &SafetyBackupProgress(progress))
        .await
        .map(Some)
        .map_err(|source| RestoreError::SafetyBackup {
            tenant: plan.tenant().code.clone(),
            directory: directory.to_owned(),
            source: Box::new(source),
        })
}

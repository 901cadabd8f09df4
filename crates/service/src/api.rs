//! The JSON-RPC API, declared once (docs/API.md): the server side is implemented here over the
//! core; the generated client ([`BackupApiClient`]) is what tests and other Rust services call.

use std::sync::Arc;

use jsonrpsee::Extensions;
use jsonrpsee::core::{RpcResult, async_trait};
use jsonrpsee::proc_macros::rpc;

use crate::auth::Authorized;
use crate::core::Core;
use crate::jobs::RestoreTask;
use crate::wire::{
    Backup, BackupList, BackupStarted, Deleted, Health, Job, JobStarted, NextRun, TenantList,
    TenantParam, TickResult, Verified,
};

/// The sidecar's methods. Parameters are named (`param_kind = map`): the names below are part
/// of the contract.
#[rpc(server, client)]
pub trait BackupApi {
    /// Status, version, and whether Odoo can be reached. The only method open without a token.
    #[method(name = "health", param_kind = map, with_extensions)]
    async fn health(&self) -> RpcResult<Health>;

    #[method(name = "tenants.list", param_kind = map)]
    async fn tenants_list(&self) -> RpcResult<TenantList>;

    /// Queues a backup; `schedule_id` marks a "run now" of that schedule.
    #[method(name = "backup.start", param_kind = map)]
    async fn backup_start(
        &self,
        tenant: TenantParam,
        schedule_id: Option<i64>,
    ) -> RpcResult<BackupStarted>;

    /// Queues a restore of a backup into its own tenant (dry run: plan only).
    #[method(name = "restore.start", param_kind = map)]
    async fn restore_start(
        &self,
        backup_id: String,
        tenant: TenantParam,
        dry_run: Option<bool>,
        safety_backup: Option<bool>,
        allow_unsigned: Option<bool>,
    ) -> RpcResult<JobStarted>;

    #[method(name = "job.get", param_kind = map)]
    async fn job_get(&self, job_id: String) -> RpcResult<Job>;

    #[method(name = "backup.list", param_kind = map)]
    async fn backup_list(&self, tenant: Option<TenantParam>) -> RpcResult<BackupList>;

    #[method(name = "backup.get", param_kind = map)]
    async fn backup_get(&self, backup_id: String) -> RpcResult<Backup>;

    #[method(name = "backup.verify", param_kind = map)]
    async fn backup_verify(&self, backup_id: String, store: Option<String>) -> RpcResult<Verified>;

    #[method(name = "backup.delete", param_kind = map)]
    async fn backup_delete(&self, backup_id: String) -> RpcResult<Deleted>;

    /// Starts the due scheduled backups; Odoo's cron calls it every 15 minutes.
    #[method(name = "schedules.tick", param_kind = map)]
    async fn schedules_tick(&self) -> RpcResult<TickResult>;

    /// Computes a schedule's next run and writes it back to Odoo.
    #[method(name = "schedules.next_run", param_kind = map)]
    async fn schedules_next_run(&self, schedule_id: i64) -> RpcResult<NextRun>;
}

pub(crate) struct Api {
    pub(crate) core: Arc<Core>,
}

#[async_trait]
impl BackupApiServer for Api {
    async fn health(&self, extensions: &Extensions) -> RpcResult<Health> {
        let authorized = extensions
            .get::<Authorized>()
            .is_some_and(|authorized| authorized.0);
        Ok(self.core.health(authorized).await)
    }

    async fn tenants_list(&self) -> RpcResult<TenantList> {
        let tenants = self.core.odoo.tenants().await?;
        Ok(TenantList { tenants })
    }

    async fn backup_start(
        &self,
        tenant: TenantParam,
        schedule_id: Option<i64>,
    ) -> RpcResult<BackupStarted> {
        let tenant = self.core.odoo.resolve(&tenant.selector()).await?;
        let (origin, schedule) = match schedule_id {
            Some(schedule_id) => (
                crate::wire::Origin::Schedule { schedule_id },
                Some(self.core.schedule_for_run_now(schedule_id, &tenant).await?),
            ),
            None => (crate::wire::Origin::Manual, None),
        };
        let record_run = schedule.is_some();
        Ok(self
            .core
            .start_backup(tenant, origin, schedule, record_run)
            .await?)
    }

    async fn restore_start(
        &self,
        backup_id: String,
        tenant: TenantParam,
        dry_run: Option<bool>,
        safety_backup: Option<bool>,
        allow_unsigned: Option<bool>,
    ) -> RpcResult<JobStarted> {
        let task = RestoreTask {
            dry_run: dry_run.unwrap_or(false),
            safety_backup: safety_backup.unwrap_or(true),
            allow_unsigned: allow_unsigned.unwrap_or(false),
        };
        let job_id = self
            .core
            .queue_restore(&backup_id, &tenant.selector(), task)
            .await?;
        Ok(JobStarted { job_id })
    }

    async fn job_get(&self, job_id: String) -> RpcResult<Job> {
        Ok(self.core.job(&job_id)?)
    }

    async fn backup_list(&self, tenant: Option<TenantParam>) -> RpcResult<BackupList> {
        let selector = tenant.map(|tenant| tenant.selector());
        let backups = self
            .core
            .backups(selector.as_ref())
            .await?
            .into_iter()
            .map(|mut backup| {
                backup.models = None;
                backup
            })
            .collect();
        Ok(BackupList { backups })
    }

    async fn backup_get(&self, backup_id: String) -> RpcResult<Backup> {
        let mut backup = self.core.backup(&backup_id).await?;
        backup.models.get_or_insert_with(Default::default);
        Ok(backup)
    }

    async fn backup_verify(&self, backup_id: String, store: Option<String>) -> RpcResult<Verified> {
        Ok(self.core.verify(&backup_id, store.as_deref()).await?)
    }

    async fn backup_delete(&self, backup_id: String) -> RpcResult<Deleted> {
        self.core.delete(&backup_id).await?;
        Ok(Deleted { deleted: true })
    }

    async fn schedules_tick(&self) -> RpcResult<TickResult> {
        Ok(self.core.tick().await?)
    }

    async fn schedules_next_run(&self, schedule_id: i64) -> RpcResult<NextRun> {
        Ok(self.core.next_run(schedule_id).await?)
    }
}

/// Turns a call's error into the service's, for callers of the generated client.
pub fn error_code(error: &jsonrpsee::core::ClientError) -> Option<i32> {
    match error {
        jsonrpsee::core::ClientError::Call(object) => Some(object.code()),
        _ => None,
    }
}

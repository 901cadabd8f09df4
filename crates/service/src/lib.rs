//! The tenant backup sidecar (`tenant-backup serve`): the long-running service that Odoo's addon
//! and other services call to back up and restore one tenant at a time.
//!
//! - A JSON-RPC 2.0 API over HTTP (jsonrpsee, declared once in [`BackupApi`]; docs/API.md),
//!   behind a bearer token compared in constant time (only `health` is open).
//! - Background jobs: a backup and a restore of one tenant never overlap, other tenants run in
//!   parallel up to the configured limit, further work queues. Job states are files in the state
//!   directory: after a restart, a job that was running is `interrupted`, its unfinished files
//!   are removed, and queued jobs resume.
//! - Archives in a [`BackupStore`] ([`LocalStore`] by default), streamed out by
//!   `GET /backups/<backup_id>/download` without buffering.
//! - Schedules read from Odoo's `quelyos.backup.schedule` (or any [`ScheduleSource`]), decided by
//!   `backup-scheduler`; retention after a scheduled backup succeeds; e-mail through
//!   `backup-notify`; job states mirrored into `quelyos.backup` when the addon is installed.
//! - `/metrics` in Prometheus' text format, `tracing` logs (text or JSON), graceful shutdown.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use backup_service::{BackupApiClient, LoadOptions, ServiceBuilder};
//! use jsonrpsee::http_client::HttpClientBuilder;
//!
//! let config = backup_service::load_config(&LoadOptions::default(), &|name| std::env::var(name).ok())?;
//! let token = config.token.expose().to_owned();
//! let service = ServiceBuilder::new(config).start().await?;
//!
//! let mut headers = http::HeaderMap::new();
//! headers.insert("authorization", format!("Bearer {token}").parse()?);
//! let client = HttpClientBuilder::default().set_headers(headers).build(service.url())?;
//! let started = client.backup_start("boutique-sport".into(), None).await?;
//! println!("job {} makes backup {}", started.job_id, started.backup_id);
//! service.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod api;
mod auth;
mod clock;
mod config;
mod core;
#[cfg(feature = "demo")]
mod demo;
mod error;
mod http;
mod jobs;
mod logging;
mod metrics;
mod mirror;
mod odoo;
mod params;
mod replication;
mod schedules;
mod service;
mod store;
mod wire;

pub use api::{BackupApiClient, BackupApiServer, error_code};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    ConfigError, DEFAULT_LISTEN, LoadOptions, LogFormat, MIN_TOKEN_LENGTH, ServiceConfig,
    load as load_config,
};
#[cfg(feature = "demo")]
pub use demo::{DEMO_ODOO_LISTEN, DEMO_TENANTS, Demo};
pub use error::{ErrorInfo, ServiceError, codes};
pub use logging::{colour_on_stderr, init_logging};
pub use schedules::{
    InMemorySchedules, LastStatus, ScheduleRecord, ScheduleSource, ScheduleUpdate,
};
pub use service::{RunningService, ServiceBuilder, Shutdown, StartError};
pub use store::{
    ArchiveStream, BackupStore, BucketSettings, BucketStore, DEFAULT_PART_SIZE, LocalArchive,
    LocalStore, StoreError, is_valid_backup_id,
};
pub use wire::{
    AddonHealth, ArchivesHealth, Backup, BackupCopy, BackupList, BackupStarted, BackupStatus,
    CopyStatus, Deleted, Health, Job, JobCounts, JobKind, JobResult, JobStarted, JobState, NextRun,
    NotificationStatus, OdooHealth, Origin, RestoreFailure, RestoreModelLine, RestoreRefusal,
    RestoreReportView, SkippedSchedule, StartedSchedule, StoreHealth, TenantList, TenantParam,
    TickResult, Verified, format_utc,
};

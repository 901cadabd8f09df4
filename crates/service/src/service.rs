//! Putting the service together: the store, the job table (recovered from disk), the Odoo
//! connection, the mailer, the HTTP server with its middleware; and taking it down gracefully.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use backup_notify::{Notifier, NotifyError};
use jsonrpsee::server::middleware::rpc::RpcServiceBuilder;
use jsonrpsee::server::{BatchRequestConfig, Server, ServerConfig, ServerHandle};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;

use crate::api::{Api, BackupApiServer};
use crate::auth::RequireToken;
use crate::clock::{Clock, SystemClock};
use crate::config::ServiceConfig;
use crate::core::{Core, CoreParts, CoreSettings, InUse};
use crate::error::clip;
use crate::http::HttpLayer;
use crate::jobs::JobTable;
use crate::mirror::Mirror;
use crate::odoo::Odoo;
use crate::replication::Replication;
use crate::schedules::{OdooSchedules, ScheduleSource};
use crate::store::{BackupStore, BucketStore, LocalStore, StoreError};
use crate::wire::BackupStatus;

/// The largest request body: every call of the API fits in a few hundred bytes.
const MAX_REQUEST_BYTES: u32 = 256 * 1024;
/// The most calls one batch may hold; a longer batch is refused whole, before any call runs.
pub(crate) const MAX_BATCH_LENGTH: u32 = 50;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(
        "no Odoo is configured: set ODOO_URL, ODOO_DB, ODOO_LOGIN and ODOO_PASSWORD or ODOO_API_KEY (or use --demo)"
    )]
    NoOdoo,

    #[error(transparent)]
    Store(#[from] StoreError),

    #[error("state directory {path}: {reason}; set BACKUPD_STATE to a writable directory")]
    State { path: PathBuf, reason: String },

    #[error("cannot listen on {address}: {source}; set BACKUPD_LISTEN to a free address:port")]
    Bind {
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },

    #[error("SMTP settings: {0}")]
    Mail(#[from] NotifyError),
}

/// Builds and starts the service; the parts a test replaces are optional.
pub struct ServiceBuilder {
    config: ServiceConfig,
    schedules: Option<Arc<dyn ScheduleSource>>,
    clock: Arc<dyn Clock>,
    store: Option<Arc<dyn BackupStore>>,
}

impl ServiceBuilder {
    pub fn new(config: ServiceConfig) -> ServiceBuilder {
        ServiceBuilder {
            config,
            schedules: None,
            clock: Arc::new(SystemClock),
            store: None,
        }
    }

    /// Where schedules are read and written back (default: the addon's records in Odoo).
    pub fn schedules(mut self, schedules: Arc<dyn ScheduleSource>) -> ServiceBuilder {
        self.schedules = Some(schedules);
        self
    }

    /// The clock schedule ticks read (default: the system's).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> ServiceBuilder {
        self.clock = clock;
        self
    }

    /// Where archives are kept (default: a [`LocalStore`] in the configured directory).
    pub fn store(mut self, store: Arc<dyn BackupStore>) -> ServiceBuilder {
        self.store = Some(store);
        self
    }

    /// Recovers the jobs of a previous run, binds the address and starts serving. Queued work
    /// resumes at once.
    pub async fn start(self) -> Result<RunningService, StartError> {
        let mut config = self.config;
        if let Some(path) = config.signing_key_to_make.take() {
            config.backup.keys = make_signing_key(&path, &config.backup.keys)?;
        }
        let odoo = Arc::new(Odoo::new(config.odoo.clone().ok_or(StartError::NoOdoo)?));
        let store: Arc<dyn BackupStore> = match self.store {
            Some(store) => store,
            None => Arc::new(LocalStore::open(&config.store_dir)?),
        };
        let state_error = |path: &std::path::Path| {
            let path = path.to_owned();
            move |error: std::io::Error| StartError::State {
                path,
                reason: error.to_string(),
            }
        };
        let work_root = config.state_dir.join("work");
        // Whatever is in the work directory belongs to jobs of a previous run that did not end.
        if work_root.exists() {
            std::fs::remove_dir_all(&work_root).map_err(state_error(&work_root))?;
        }
        backup_engine::private_files::create_private_dir_all(&work_root)
            .map_err(state_error(&work_root))?;
        let jobs_dir = config.state_dir.join("jobs");
        let (jobs, recovered) =
            JobTable::recover(&jobs_dir, config.concurrency).map_err(|error| {
                StartError::State {
                    path: jobs_dir.clone(),
                    reason: error.to_string(),
                }
            })?;
        let schedules = self.schedules.unwrap_or_else(|| {
            Arc::new(OdooSchedules { odoo: odoo.clone() }) as Arc<dyn ScheduleSource>
        });
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let buckets = open_buckets(&config).await?;
        let in_use = Arc::new(InUse::default());
        let replication = Arc::new(Replication::new(
            store.clone(),
            buckets,
            config.copy_retry,
            metrics.clone(),
            in_use.clone(),
        ));
        let notifier = match &config.smtp {
            Some(settings) => Some(Notifier::new(settings.clone())?.with_language(config.lang)),
            None => None,
        };
        let core = Arc::new(Core::new(CoreParts {
            settings: CoreSettings {
                backup: config.backup.clone(),
                default_time_zone: config.default_time_zone,
                state_dir: config.state_dir.clone(),
                mail_default_to: config
                    .smtp
                    .as_ref()
                    .and_then(|smtp| smtp.default_to.clone()),
            },
            odoo: odoo.clone(),
            store: store.clone(),
            schedules,
            clock: self.clock,
            mirror: Mirror::start(Some(odoo)),
            notifier,
            jobs,
            replication: replication.clone(),
            metrics,
            in_use,
        }));
        core.report_copies();
        if let Some(every) = config.scrub_every
            && !config.buckets.is_empty()
        {
            tokio::spawn(core.clone().scrub_forever(every, config.scrub_days));
        }
        // Backups only a bucket holds are adopted, then copies not made yet are resumed; in the
        // background, so that a large bucket does not hold the start.
        tokio::spawn(async move {
            replication.resume().await;
            replication.run().await;
        });
        for file in &recovered.interrupted {
            tracing::warn!(job_id = %file.job.job_id, "job interrupted by the previous stop");
            core.after_interruption(file).await;
        }
        if let Ok(backups) = store.list().await {
            core.seed_names(&backups);
            for backup in backups.iter().filter(|b| b.status == BackupStatus::Done) {
                let finished =
                    backup.created_at.timestamp() + (backup.duration_ms.unwrap_or(0) / 1000) as i64;
                core.metrics
                    .seed_success(&backup.tenant.code, finished, backup.size_bytes);
            }
        }

        let http_middleware = tower::ServiceBuilder::new()
            .layer(SetSensitiveRequestHeadersLayer::new([
                http::header::AUTHORIZATION,
            ]))
            // The request line comes from the network: its path is cut short in the log.
            .layer(
                TraceLayer::new_for_http().make_span_with(|request: &http::Request<_>| {
                    tracing::debug_span!(
                        "request",
                        method = %request.method(),
                        path = %clip(request.uri().path(), 120),
                    )
                }),
            )
            .layer(HttpLayer {
                core: core.clone(),
                token: Arc::new(config.token.clone()),
            });
        let rpc_middleware = RpcServiceBuilder::new().layer_fn(|inner| RequireToken { inner });
        let server = Server::builder()
            .set_config(
                ServerConfig::builder()
                    .http_only()
                    .max_connections(1_000)
                    .max_request_body_size(MAX_REQUEST_BYTES)
                    .set_batch_request_config(BatchRequestConfig::Limit(MAX_BATCH_LENGTH))
                    .build(),
            )
            .set_http_middleware(http_middleware)
            .set_rpc_middleware(rpc_middleware)
            .build(config.listen)
            .await
            .map_err(|source| StartError::Bind {
                address: config.listen,
                source,
            })?;
        let address = server.local_addr().map_err(|source| StartError::Bind {
            address: config.listen,
            source,
        })?;
        let handle = server.start(Api { core: core.clone() }.into_rpc());
        tracing::info!(
            %address,
            store = %config.store_dir.display(),
            concurrency = config.concurrency,
            requeued = recovered.requeued,
            interrupted = recovered.interrupted.len(),
            "tenant backup sidecar listening"
        );
        let keys = &config.backup.keys;
        if keys.encrypts() {
            tracing::info!(
                recipients = %keys.recipient_names().join(", "),
                signed_by = keys.protection().signed_by.unwrap_or_default(),
                "archives are encrypted and signed"
            );
        } else {
            tracing::warn!(
                "archives are stored in clear (not encrypted): set identity_file in the [encryption] table (or BACKUP_AGE_IDENTITY_FILE) to encrypt them"
            );
        }
        core.dispatch();
        Ok(RunningService {
            core,
            handle,
            address,
            grace: config.shutdown_grace,
        })
    }
}

/// The configured buckets, each asked once: one that refuses the credentials or does not exist
/// stops the start (a copy could never be made); one that does not answer is only warned of, as
/// backups go on locally and copies wait for it.
async fn open_buckets(config: &ServiceConfig) -> Result<Vec<BucketStore>, StartError> {
    let mut buckets = Vec::new();
    for settings in &config.buckets {
        let bucket = BucketStore::new(settings, config.state_dir.join("downloads"))?;
        match bucket.check().await {
            Ok(()) => {
                tracing::info!(store = bucket.name(), bucket = %settings.bucket, "bucket reachable: every backup is copied there")
            }
            Err(error) if error.is_configuration_error() => return Err(error.into()),
            Err(error) => {
                tracing::error!(store = bucket.name(), %error, "bucket not reachable now: backups go on locally, their copies wait for it")
            }
        }
        buckets.push(bucket);
    }
    Ok(buckets)
}

/// What a shutdown did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shutdown {
    /// Jobs that did not end within the grace period, now `interrupted`.
    pub interrupted: Vec<String>,
}

/// A started service. Dropping it does not stop the jobs: call [`RunningService::shutdown`].
pub struct RunningService {
    core: Arc<Core>,
    handle: ServerHandle,
    address: SocketAddr,
    grace: Duration,
}

impl RunningService {
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// `http://<address>`, the JSON-RPC endpoint.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The most jobs seen running at once since the start.
    pub fn max_running_jobs(&self) -> usize {
        self.core.metrics.max_running()
    }

    /// Takes no new job, lets running jobs end within the configured grace period and
    /// interrupts the others, then stops serving; queued jobs stay queued for the next start.
    /// Until the last job ended the API keeps answering: `health` says `stopping`, `job.get`
    /// follows the jobs, and starts are refused with 5001.
    pub async fn shutdown(self) -> Shutdown {
        let grace = self.grace;
        self.shutdown_within(grace).await
    }

    pub async fn shutdown_within(self, grace: Duration) -> Shutdown {
        tracing::info!(
            grace_secs = grace.as_secs(),
            "shutting down: no new job; running jobs may end"
        );
        let interrupted = self.core.shutdown(grace).await;
        let _ = self.handle.stop();
        self.handle.clone().stopped().await;
        tracing::info!(interrupted = interrupted.len(), "sidecar stopped");
        Shutdown { interrupted }
    }

    /// Serves until SIGTERM or Ctrl-C, then shuts down gracefully.
    pub async fn run_until_signalled(self) -> Shutdown {
        wait_for_signal().await;
        self.shutdown().await
    }
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Makes the sidecar's own signing key (no key was configured and the state directory has none
/// yet) and returns the keys that sign with it.
fn make_signing_key(
    path: &std::path::Path,
    keys: &backup_engine::ArchiveKeys,
) -> Result<backup_engine::ArchiveKeys, StartError> {
    let state_error = |reason: String| StartError::State {
        path: path.to_owned(),
        reason,
    };
    if !path.exists() {
        if let Some(directory) = path.parent() {
            backup_engine::private_files::create_private_dir_all(directory)
                .map_err(|error| state_error(error.to_string()))?;
        }
        let (_, key_id) = backup_engine::protection::generate_signing_key_file(path)
            .map_err(|error| state_error(error.to_string()))?;
        tracing::info!(path = %path.display(), %key_id, "signing key made: archives are signed with it");
    }
    keys.with_signing_key_file(path)
        .map_err(|error| state_error(error.to_string()))
}

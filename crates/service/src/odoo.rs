//! The service's connection to Odoo: opened on first use and again after Odoo was unreachable,
//! with the tenants it last listed kept so that a backup can still be started (and fail with a
//! mail) while Odoo is down.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use backup_engine::{Tenant, TenantSelector};
use odoo_client::{ClientConfig, Domain, OdooClient};
use serde_json::json;

use crate::error::ServiceError;

/// The addon's models the service reads and writes.
pub(crate) const SCHEDULE_MODEL: &str = "quelyos.backup.schedule";
pub(crate) const BACKUP_MODEL: &str = "quelyos.backup";

/// How long the answer to "is the addon installed" is trusted.
const ADDON_CHECK_TTL: Duration = Duration::from_secs(60);

pub(crate) struct Odoo {
    config: ClientConfig,
    client: tokio::sync::Mutex<Option<OdooClient>>,
    tenants: Mutex<Vec<Tenant>>,
    addon: Mutex<Option<(bool, Instant)>>,
    addon_logged: std::sync::atomic::AtomicBool,
    /// Whether the addon's `quelyos.backup` has `read_json` (added after its first release).
    read_field: Mutex<Option<(bool, Instant)>>,
}

impl Odoo {
    pub(crate) fn new(config: ClientConfig) -> Odoo {
        Odoo {
            config,
            client: tokio::sync::Mutex::new(None),
            tenants: Mutex::new(Vec::new()),
            addon: Mutex::new(None),
            addon_logged: std::sync::atomic::AtomicBool::new(false),
            read_field: Mutex::new(None),
        }
    }

    pub(crate) fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The connection, opened if needed.
    pub(crate) async fn client(&self) -> Result<OdooClient, ServiceError> {
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref() {
            return Ok(client.clone());
        }
        let client = OdooClient::connect(self.config.clone())
            .await
            .map_err(|error| {
                ServiceError::odoo(&format!("connect to Odoo at {}", self.config.url), error)
            })?;
        *slot = Some(client.clone());
        Ok(client)
    }

    /// Drops the connection after a failure that a new one may not have (Odoo restarted, the
    /// session expired), so the next call connects again.
    pub(crate) async fn forget_after(&self, error: &ServiceError) {
        if matches!(
            error,
            ServiceError::OdooUnreachable { .. } | ServiceError::OdooCredentials { .. }
        ) {
            *self.client.lock().await = None;
        }
    }

    /// Runs `call` on the connection; an unreachable Odoo drops it.
    pub(crate) async fn with_client<T, F, Fut>(&self, call: F) -> Result<T, ServiceError>
    where
        F: FnOnce(OdooClient) -> Fut,
        Fut: std::future::Future<Output = Result<T, ServiceError>>,
    {
        let client = self.client().await?;
        let result = call(client).await;
        if let Err(error) = &result {
            self.forget_after(error).await;
        }
        result
    }

    /// The tenants, listed again from Odoo.
    pub(crate) async fn tenants(&self) -> Result<Vec<Tenant>, ServiceError> {
        let tenants = self
            .with_client(|client| async move {
                backup_engine::list_tenants(&client)
                    .await
                    .map_err(ServiceError::from)
            })
            .await?;
        *self.tenants.lock().expect("tenants lock") = tenants.clone();
        Ok(tenants)
    }

    /// The tenant a request names. When Odoo is unreachable, the tenants listed last are used,
    /// so that the job can start and report (and mail) the failure.
    pub(crate) async fn resolve(&self, selector: &TenantSelector) -> Result<Tenant, ServiceError> {
        let tenants = match self.tenants().await {
            Ok(tenants) => tenants,
            Err(error) if error.is_odoo_unreachable() => match self.cached(selector) {
                Some(tenant) => return Ok(tenant),
                None => return Err(error),
            },
            Err(error) => return Err(error),
        };
        selector.find_in(&tenants).map_err(ServiceError::from)
    }

    /// A tenant from the last listing.
    pub(crate) fn cached(&self, selector: &TenantSelector) -> Option<Tenant> {
        let tenants = self.tenants.lock().expect("tenants lock");
        tenants
            .iter()
            .find(|tenant| selector.matches(tenant))
            .cloned()
    }

    /// Whether the addon's models are installed (asked at most once a minute).
    pub(crate) async fn addon_installed(&self) -> Result<bool, ServiceError> {
        if let Some((installed, at)) = *self.addon.lock().expect("addon lock")
            && at.elapsed() < ADDON_CHECK_TTL
        {
            return Ok(installed);
        }
        let count = self
            .with_client(|client| async move {
                client
                    .search_count(
                        "ir.model",
                        &Domain::leaf("model", "in", json!([SCHEDULE_MODEL, BACKUP_MODEL])),
                    )
                    .await
                    .map_err(|error| ServiceError::odoo("look for the addon's models", error))
            })
            .await?;
        let installed = count >= 2;
        *self.addon.lock().expect("addon lock") = Some((installed, Instant::now()));
        let was_logged = self
            .addon_logged
            .swap(true, std::sync::atomic::Ordering::Relaxed);
        if !installed && !was_logged {
            tracing::warn!(
                "the Odoo addon quelyos_tenant_backup is not installed: schedules are not read and backups are not mirrored into quelyos.backup (the API still reports them)"
            );
        }
        Ok(installed)
    }

    /// Whether the installed addon keeps how a backup was read (`quelyos.backup.read_json`): an
    /// older addon does not, and a value for it would make Odoo refuse the whole write.
    pub(crate) async fn addon_keeps_reads(&self) -> Result<bool, ServiceError> {
        if let Some((present, at)) = *self.read_field.lock().expect("read field lock")
            && at.elapsed() < ADDON_CHECK_TTL
        {
            return Ok(present);
        }
        let count = self
            .with_client(|client| async move {
                client
                    .search_count(
                        "ir.model.fields",
                        &Domain::leaf("model", "=", BACKUP_MODEL).and(Domain::leaf(
                            "name",
                            "=",
                            "read_json",
                        )),
                    )
                    .await
                    .map_err(|error| ServiceError::odoo("look for the addon's fields", error))
            })
            .await?;
        let present = count > 0;
        *self.read_field.lock().expect("read field lock") = Some((present, Instant::now()));
        Ok(present)
    }

    /// The last answer about the addon, without asking.
    pub(crate) fn addon_known(&self) -> Option<bool> {
        self.addon
            .lock()
            .expect("addon lock")
            .map(|(installed, _)| installed)
    }

    /// The server's version without logging in, bounded in time (for `health`).
    pub(crate) async fn probe(&self, timeout: Duration) -> Result<String, ServiceError> {
        match tokio::time::timeout(timeout, OdooClient::probe_version(&self.config)).await {
            Ok(Ok(version)) => Ok(version.server_version),
            Ok(Err(error)) => Err(ServiceError::odoo("ask Odoo's version", error)),
            Err(_) => Err(ServiceError::OdooUnreachable {
                message: format!(
                    "Odoo at {} did not answer within {} s",
                    self.config.url,
                    timeout.as_secs()
                ),
            }),
        }
    }
}

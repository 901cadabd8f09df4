//! A stateful, in-process stand-in for an Odoo 18/19 server's external API, for tests that
//! cannot run a real Odoo.
//!
//! It speaks the same wire as Odoo — `/jsonrpc` (`common`, `object.execute_kw`, `db`), the web
//! session (`/web/session/authenticate` then `/web/dataset/call_kw`), and in Odoo 19 mode JSON-2
//! (`/json/2/<model>/<method>`) and `/web/version` — with Odoo's error shapes and messages, and
//! keeps an in-memory database with Odoo's multi-company record rules, domains, `active_test`,
//! x2many commands, image fields stored as `ir.attachment`, and metadata models (`ir.model`,
//! `ir.model.fields`, `ir.model.data`). [`datasets`] fills it with generated shop tenants.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use odoo_sim::datasets::{TenantSize, TenantSpec, add_shop_tenant};
//! use odoo_sim::{SimConfig, Simulator};
//!
//! let sim = Simulator::start(SimConfig::default()).await?;
//! let tenant = sim.with_db(|db| {
//!     add_shop_tenant(db, &TenantSpec::new("Boutique Sport", TenantSize::Small, 7))
//! });
//! println!("{} at {} has {} records", tenant.name, sim.url(), tenant.record_count);
//! // ... point the client under test at sim.url() with database "sim", admin/admin ...
//! assert_eq!(sim.stats().writes(), 0);
//! # Ok(())
//! # }
//! ```
//!
//! Fidelity is kept honest by the contract suite, which runs the same tests against this
//! simulator and against a real Odoo 18. Known differences are listed in the crate README.

mod base_data;
mod clock;
mod compute;
pub mod datasets;
mod domain;
mod error;
mod orm;
pub mod png;
mod registry;
mod rules;
mod server;
mod state;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

pub use state::{Database, Record};

/// Which Odoo the simulator pretends to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OdooVersion {
    /// `/jsonrpc` and the web session; no JSON-2, no `/web/version`.
    V18,
    /// Adds JSON-2 (API keys only), `GET /web/version` and the models Odoo 19 added
    /// (`stock.reference`).
    V19,
}

/// The simulated server's identity and credentials.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub version: OdooVersion,
    pub database: String,
    pub login: String,
    pub password: String,
    /// Accepted by `/jsonrpc` in place of the password and by JSON-2; refused by the web login.
    pub api_key: String,
    /// Starts with the backup addon (`quelyos_tenant_backup`) installed: its models
    /// `quelyos.backup`, `quelyos.backup.schedule` and `quelyos.backup.audit` exist. Off by
    /// default, as on a fresh database; [`Database::install_backup_addon`] installs it later.
    pub with_backup_addon: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            version: OdooVersion::V18,
            database: "sim".into(),
            login: "admin".into(),
            password: "admin".into(),
            api_key: "sim-api-key".into(),
            with_backup_addon: false,
        }
    }
}

/// Counts of ORM calls received (over any protocol), failed ones included.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallStats {
    pub total: u64,
    pub per_method: BTreeMap<String, u64>,
}

impl CallStats {
    pub(crate) fn record(&mut self, method: &str) {
        self.total += 1;
        *self.per_method.entry(method.to_owned()).or_default() += 1;
    }

    /// Calls of one method (`"search_read"`, `"write"`, ...).
    pub fn count(&self, method: &str) -> u64 {
        self.per_method.get(method).copied().unwrap_or(0)
    }

    /// Calls that can change data: `create`, `write`, `unlink` and `copy`.
    pub fn writes(&self) -> u64 {
        ["create", "write", "unlink", "copy"]
            .iter()
            .map(|method| self.count(method))
            .sum()
    }
}

/// A running simulated Odoo on `127.0.0.1:<free port>`. Stops when dropped.
pub struct Simulator {
    shared: Arc<server::Shared>,
    address: std::net::SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Simulator {
    /// Starts a server with the base data of a fresh database loaded. Must be called within a
    /// Tokio runtime.
    pub async fn start(config: SimConfig) -> std::io::Result<Simulator> {
        Simulator::start_on(config, ([127, 0, 0, 1], 0).into()).await
    }

    /// [`Simulator::start`] on a given address (port 0: a free one).
    pub async fn start_on(
        config: SimConfig,
        address: std::net::SocketAddr,
    ) -> std::io::Result<Simulator> {
        let mut database = Database::empty();
        base_data::load(&mut database, &config);
        if config.version == OdooVersion::V19 {
            database.add_odoo19_models();
        }
        if config.with_backup_addon {
            database.install_backup_addon();
        }
        let shared = Arc::new(server::Shared {
            config,
            db: RwLock::new(database),
            sessions: Mutex::new(HashMap::new()),
            stats: Mutex::new(CallStats::default()),
            withhold: Mutex::new(None),
        });
        let listener = tokio::net::TcpListener::bind(address).await?;
        let address = listener.local_addr()?;
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = server::router(shared.clone());
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "odoo simulator stopped");
            }
        });
        tracing::debug!(%address, "odoo simulator listening");
        Ok(Simulator {
            shared,
            address,
            shutdown: Some(shutdown),
            task,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn config(&self) -> &SimConfig {
        &self.shared.config
    }

    /// Direct access to the state, for test setup and inspection; not counted in [`stats`].
    ///
    /// [`stats`]: Simulator::stats
    pub fn with_db<R>(&self, f: impl FnOnce(&mut Database) -> R) -> R {
        let mut database = self.shared.db.write().expect("database lock");
        f(&mut database)
    }

    pub fn stats(&self) -> CallStats {
        self.shared.stats.lock().expect("stats lock").clone()
    }

    pub fn reset_stats(&self) {
        *self.shared.stats.lock().expect("stats lock") = CallStats::default();
    }

    /// The next `method` call on `model` (web session or JSON-2) is carried out and committed,
    /// but its answer is never sent: the client waits until it gives up or is killed, as when
    /// it crashes or loses the connection between Odoo's commit and the answer.
    pub fn withhold_next_answer(&self, model: &str, method: &str) {
        *self.shared.withhold.lock().expect("withhold lock") =
            Some((model.to_owned(), method.to_owned()));
    }

    /// Forgets every web session, as a server restart does: the next `call_kw` with an old
    /// cookie gets `SessionExpiredException`.
    pub fn expire_sessions(&self) {
        self.shared.sessions.lock().expect("sessions lock").clear();
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.task.abort();
    }
}

//! `serve --demo`: the built-in Odoo simulator with three generated shop tenants, so that every
//! call can be tried without an Odoo at hand.

use std::net::SocketAddr;

use odoo_client::{ClientConfig, Credential, Secret};
use odoo_sim::datasets::{TenantSize, TenantSpec, add_shop_tenant};
use odoo_sim::{SimConfig, Simulator};

/// Where the demo's simulator listens unless told otherwise: a fixed port, so that the command
/// line can be pointed at it (`ODOO_URL`) from one run to the next.
pub const DEMO_ODOO_LISTEN: &str = "127.0.0.1:8766";

/// The tenants a demo starts with.
pub const DEMO_TENANTS: [&str; 3] = ["Boutique Sport", "Marque Mode", "Admin Quelyos"];

/// A running simulator loaded with the demo tenants. Stops when dropped.
pub struct Demo {
    simulator: Simulator,
    /// `(company id, name, records)` of each generated tenant.
    pub tenants: Vec<(i64, String, usize)>,
}

impl Demo {
    /// Starts the simulator on `address` (port 0: a free one).
    pub async fn start(address: SocketAddr) -> std::io::Result<Demo> {
        let simulator = Simulator::start_on(SimConfig::default(), address).await?;
        let tenants = simulator.with_db(|db| {
            DEMO_TENANTS
                .iter()
                .enumerate()
                .map(|(index, name)| {
                    let info = add_shop_tenant(
                        db,
                        &TenantSpec::new(*name, TenantSize::Small, 7 + index as u64),
                    );
                    (info.company_id, info.name, info.record_count)
                })
                .collect()
        });
        Ok(Demo { simulator, tenants })
    }

    /// How the service reaches the simulator.
    pub fn client_config(&self) -> ClientConfig {
        let config = self.simulator.config();
        ClientConfig::new(
            self.simulator
                .url()
                .parse()
                .expect("the simulator's URL parses"),
            config.database.clone(),
            config.login.clone(),
            Credential::Password(Secret::new(config.password.clone())),
        )
    }

    pub fn url(&self) -> String {
        self.simulator.url()
    }

    /// The `ODOO_*` settings that point the command line at the simulator, as shell
    /// assignments.
    pub fn odoo_environment(&self) -> String {
        let config = self.simulator.config();
        format!(
            "ODOO_URL={} ODOO_DB={} ODOO_LOGIN={} ODOO_PASSWORD={}",
            self.simulator.url(),
            config.database,
            config.login,
            config.password
        )
    }
}

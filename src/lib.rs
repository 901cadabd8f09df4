//! Shared harness of the cross-crate suites in `tests/`.
//!
//! Every suite runs against an [`OdooTarget`]: the simulator in CI, or the real Odoo named by
//! `ODOO_URL`, `ODOO_DB`, `ODOO_LOGIN` and `ODOO_PASSWORD` and/or `ODOO_API_KEY` (what
//! `tests/live` sets). The same assertions hold for both; that is what keeps the simulator honest.

use odoo_client::{
    ClientConfig, Context, Credential, Domain, OdooClient, Protocol, SearchOptions, Secret,
};
use odoo_sim::datasets::{TenantSize, TenantSpec, add_shop_tenant};
use odoo_sim::{OdooVersion, SimConfig, Simulator};
use serde_json::Value;

/// Where the suites send their calls.
pub struct OdooTarget {
    /// `"simulator 18"`, `"live http://host:8069"`: printed with every failure.
    pub label: String,
    url: String,
    database: String,
    login: String,
    password: Option<String>,
    api_key: Option<String>,
    major_version: u32,
    simulator: Option<Simulator>,
}

/// The settings of a real Odoo, read from the environment.
pub struct LiveSettings {
    pub url: String,
    pub database: String,
    pub login: String,
    pub password: Option<String>,
    pub api_key: Option<String>,
}

impl LiveSettings {
    /// `None` when `ODOO_URL` is unset; an error naming what is missing when it is set but
    /// incomplete.
    pub fn from_env() -> Option<Result<LiveSettings, String>> {
        let url = std::env::var("ODOO_URL")
            .ok()
            .filter(|url| !url.is_empty())?;
        let read = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let settings = (|| {
            let database =
                read("ODOO_DB").ok_or("ODOO_URL is set but ODOO_DB is not: name the database")?;
            let login = read("ODOO_LOGIN")
                .ok_or("ODOO_URL is set but ODOO_LOGIN is not: name the user to log in as")?;
            let password = read("ODOO_PASSWORD");
            let api_key = read("ODOO_API_KEY");
            if password.is_none() && api_key.is_none() {
                return Err(
                    "ODOO_URL is set but neither ODOO_PASSWORD nor ODOO_API_KEY is".to_owned(),
                );
            }
            Ok(LiveSettings {
                url: url.clone(),
                database,
                login,
                password,
                api_key,
            })
        })();
        Some(settings)
    }
}

impl OdooTarget {
    /// The targets a suite runs against: the real Odoo when `ODOO_URL` is set, otherwise two
    /// simulators (Odoo 18 and Odoo 19, so every protocol is exercised), each loaded with shop
    /// tenants.
    pub async fn all() -> Vec<OdooTarget> {
        match LiveSettings::from_env() {
            Some(settings) => {
                vec![OdooTarget::live(settings.unwrap_or_else(|problem| panic!("{problem}"))).await]
            }
            None => vec![
                OdooTarget::simulated(OdooVersion::V18).await,
                OdooTarget::simulated(OdooVersion::V19).await,
            ],
        }
    }

    /// One target: the real Odoo when `ODOO_URL` is set, else an Odoo 18 simulator.
    pub async fn one() -> OdooTarget {
        match LiveSettings::from_env() {
            Some(settings) => {
                OdooTarget::live(settings.unwrap_or_else(|problem| panic!("{problem}"))).await
            }
            None => OdooTarget::simulated(OdooVersion::V18).await,
        }
    }

    pub async fn live(settings: LiveSettings) -> OdooTarget {
        let mut target = OdooTarget {
            label: format!("live {}", settings.url),
            url: settings.url,
            database: settings.database,
            login: settings.login,
            password: settings.password,
            api_key: settings.api_key,
            major_version: 0,
            simulator: None,
        };
        let version = OdooClient::probe_version(&target.config_for(None))
            .await
            .unwrap_or_else(|error| panic!("cannot reach the Odoo at {}: {error}", target.url));
        target.major_version = version.major;
        target
    }

    /// A fresh simulator with three shop tenants.
    pub async fn simulated(version: OdooVersion) -> OdooTarget {
        let config = SimConfig {
            version,
            ..SimConfig::default()
        };
        let simulator = Simulator::start(config)
            .await
            .expect("start the Odoo simulator");
        simulator.with_db(|db| {
            for (seed, name) in ["Boutique Sport", "Marque Mode", "Admin Quelyos"]
                .into_iter()
                .enumerate()
            {
                let spec = TenantSpec {
                    name: name.into(),
                    size: TenantSize::Small,
                    with_images: true,
                    seed: seed as u64,
                };
                add_shop_tenant(db, &spec);
            }
        });
        let sim_config = simulator.config().clone();
        let major_version = match version {
            OdooVersion::V18 => 18,
            OdooVersion::V19 => 19,
        };
        OdooTarget {
            label: format!("simulator {major_version}"),
            url: simulator.url(),
            database: sim_config.database,
            login: sim_config.login,
            password: Some(sim_config.password),
            api_key: Some(sim_config.api_key),
            major_version,
            simulator: Some(simulator),
        }
    }

    pub fn is_live(&self) -> bool {
        self.simulator.is_none()
    }

    pub fn simulator(&self) -> Option<&Simulator> {
        self.simulator.as_ref()
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The protocols this target can be reached by with the credentials at hand.
    pub fn protocols(&self) -> Vec<Protocol> {
        let mut protocols = vec![Protocol::JsonRpc];
        if self.password.is_some() {
            protocols.push(Protocol::WebSession);
        }
        if self.api_key.is_some() && self.major_version >= 19 {
            protocols.push(Protocol::Json2);
        }
        protocols
    }

    /// A configuration for `protocol` (or detection when `None`) with the right credential.
    pub fn config_for(&self, protocol: Option<Protocol>) -> ClientConfig {
        let password = || {
            self.password
                .clone()
                .map(|password| Credential::Password(Secret::new(password)))
        };
        let api_key = || {
            self.api_key
                .clone()
                .map(|key| Credential::ApiKey(Secret::new(key)))
        };
        let credential = match protocol {
            Some(Protocol::Json2) => api_key(),
            Some(Protocol::WebSession) | None => password().or_else(api_key),
            Some(Protocol::JsonRpc) => password().or_else(api_key),
        }
        .unwrap_or_else(|| panic!("{}: no credential for {protocol:?}", self.label));
        let config = ClientConfig::new(
            self.url.parse().expect("target URL"),
            &self.database,
            &self.login,
            credential,
        );
        match protocol {
            Some(protocol) => config.with_protocol(protocol),
            None => config,
        }
    }

    pub async fn connect(&self, protocol: Protocol) -> OdooClient {
        OdooClient::connect(self.config_for(Some(protocol)))
            .await
            .unwrap_or_else(|error| panic!("{}: connect over {protocol}: {error}", self.label))
    }

    /// Two companies that hold partners: the tenants the contract suite works in.
    pub async fn two_tenants(&self, client: &OdooClient) -> (Company, Company) {
        let mut with_partners: Vec<(Company, u64)> = self
            .companies_with_partner_counts(client)
            .await
            .into_iter()
            .filter(|(_, partners)| *partners > 0)
            .collect();
        assert!(
            with_partners.len() >= 2,
            "{}: the suites need two companies that hold partners",
            self.label
        );
        // The two fullest tenants: enough records for paging tests, on a real Odoo too.
        with_partners.sort_by_key(|(_, partners)| std::cmp::Reverse(*partners));
        let second = with_partners.remove(1).0;
        (with_partners.remove(0).0, second)
    }

    /// Every company the user may see, by id, with how many partners it holds (archived ones
    /// too): the suites pick their tenants by it.
    pub async fn companies_with_partner_counts(&self, client: &OdooClient) -> Vec<(Company, u64)> {
        let mut counted = Vec::new();
        for company in self.companies(client).await {
            let partners = client
                .with_context(Context::company(company.id).with_archived())
                .search_count("res.partner", &Domain::leaf("company_id", "=", company.id))
                .await
                .unwrap_or_else(|error| panic!("{}: count partners: {error}", self.label));
            counted.push((company, partners));
        }
        counted
    }

    /// Every company the user may see, by id.
    pub async fn companies(&self, client: &OdooClient) -> Vec<Company> {
        let user = client
            .read("res.users", &[client.uid()], &["company_ids".to_owned()])
            .await
            .expect("read the user's companies");
        let allowed: Vec<i64> = user[0]["company_ids"]
            .as_array()
            .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        let scoped = client.with_context(Context::companies(allowed));
        let rows = scoped
            .search_read(
                "res.company",
                &Domain::all(),
                &["name".to_owned()],
                &SearchOptions::ordered_by("id"),
            )
            .await
            .expect("list companies");
        rows.iter()
            .map(|row| Company {
                id: row["id"].as_i64().unwrap(),
                name: row["name"].as_str().unwrap_or_default().to_owned(),
            })
            .collect()
    }
}

/// A company as the suites name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Company {
    pub id: i64,
    pub name: String,
}

/// A name no earlier run used, for records the suites create on a real Odoo and remove again.
pub fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix} {nanos}")
}

/// A valid 1×1 PNG: Odoo refuses image fields whose bytes are not an image.
pub const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

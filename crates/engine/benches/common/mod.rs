//! What the engine's benchmarks share: the Odoo they connect to, and how they read a child
//! backup's peak memory.

use odoo_client::{ClientConfig, Credential, Secret};

/// The environment variables that name the Odoo, handed to child backups.
pub const ODOO_VARIABLES: [&str; 5] = [
    "ODOO_URL",
    "ODOO_DB",
    "ODOO_LOGIN",
    "ODOO_PASSWORD",
    "ODOO_API_KEY",
];

/// The Odoo named by `ODOO_URL`, `ODOO_DB`, `ODOO_LOGIN` and `ODOO_PASSWORD` or `ODOO_API_KEY`.
pub fn config_from_env() -> ClientConfig {
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let credential = match (var("ODOO_PASSWORD"), var("ODOO_API_KEY")) {
        (Some(password), _) => Credential::Password(Secret::new(password)),
        (None, Some(key)) => Credential::ApiKey(Secret::new(key)),
        (None, None) => panic!("set ODOO_PASSWORD or ODOO_API_KEY"),
    };
    ClientConfig::new(
        var("ODOO_URL")
            .expect("ODOO_URL")
            .parse()
            .expect("ODOO_URL is a URL"),
        var("ODOO_DB").expect("ODOO_DB"),
        var("ODOO_LOGIN").expect("ODOO_LOGIN"),
        credential,
    )
}

/// The `ODOO_*` variables set here, as (name, value) pairs for a child process.
pub fn odoo_env() -> Vec<(String, String)> {
    ODOO_VARIABLES
        .iter()
        .filter_map(|name| Some(((*name).to_owned(), std::env::var(name).ok()?)))
        .collect()
}

/// This process's peak resident memory so far (VmHWM), in KB.
pub fn vm_hwm_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The calls the simulator answered since its stats were reset: the total, then per method.
pub fn simulator_calls(simulator: &odoo_sim::Simulator) -> String {
    let stats = simulator.stats();
    let detail: Vec<String> = stats
        .per_method
        .iter()
        .map(|(method, count)| format!("{method} {count}"))
        .collect();
    format!("{} ({})", stats.total, detail.join(", "))
}

pub fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

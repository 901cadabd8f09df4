//! Runs a simulated Odoo with generated shop tenants, for manual tries with a real client.

use odoo_sim::datasets::{TenantSize, TenantSpec, add_shop_tenant};
use odoo_sim::{OdooVersion, SimConfig, Simulator};

const USAGE: &str =
    "usage: odoo-sim [--port 8069] [--tenants 2] [--records 3000] [--seed 1] [--v19]

Runs a simulated Odoo (external API only) with generated shop tenants.
  --port     port to listen on, on 127.0.0.1
  --tenants  how many shop tenants to generate
  --records  about how many records per tenant
  --seed     seed of the generated data
  --v19      pretend to be Odoo 19 (JSON-2, /web/version) instead of 18";

struct Options {
    port: u16,
    tenants: usize,
    records: usize,
    seed: u64,
    v19: bool,
}

/// Four numeric options and a flag: not worth a command-line parsing dependency.
fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        port: 8069,
        tenants: 2,
        records: 3000,
        seed: 1,
        v19: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                options.port = value("--port")?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?
            }
            "--tenants" => {
                options.tenants = value("--tenants")?
                    .parse()
                    .map_err(|e| format!("--tenants: {e}"))?
            }
            "--records" => {
                options.records = value("--records")?
                    .parse()
                    .map_err(|e| format!("--records: {e}"))?
            }
            "--seed" => {
                options.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--v19" => options.v19 = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let options = match parse_options() {
        Ok(options) => options,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("odoo-sim: {problem}");
            }
            eprintln!("{USAGE}");
            std::process::exit(if problem.is_empty() { 0 } else { 2 });
        }
    };
    let config = SimConfig {
        version: if options.v19 {
            OdooVersion::V19
        } else {
            OdooVersion::V18
        },
        ..SimConfig::default()
    };
    let simulator = Simulator::start(config.clone()).await?;
    for index in 0..options.tenants {
        let spec = TenantSpec::new(
            format!("Shop {}", index + 1),
            TenantSize::Records(options.records),
            options.seed + index as u64,
        );
        let tenant = simulator.with_db(|db| add_shop_tenant(db, &spec));
        println!(
            "tenant {:>3}  {:<12} {} records",
            tenant.company_id, tenant.name, tenant.record_count
        );
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await?;
    println!("url       http://{}", listener.local_addr()?);
    println!("database  {}", config.database);
    println!("login     {} / password {}", config.login, config.password);
    println!("api key   {}", config.api_key);
    let backend = simulator.url().trim_start_matches("http://").to_owned();
    loop {
        let (mut inbound, _) = listener.accept().await?;
        let backend = backend.clone();
        tokio::spawn(async move {
            if let Ok(mut outbound) = tokio::net::TcpStream::connect(&backend).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

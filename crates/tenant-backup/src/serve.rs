//! `serve` and `config check`: glue over the `backup-service` library, which holds the behaviour.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use backup_service::{LoadOptions, ServiceBuilder};

/// The built-in Odoo simulator of `--demo`; a build without the `demo` feature has none.
#[cfg(feature = "demo")]
type DemoOdoo = backup_service::Demo;
#[cfg(not(feature = "demo"))]
type DemoOdoo = std::convert::Infallible;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Serve against the built-in Odoo simulator loaded with three generated shop tenants
    /// (Boutique Sport, Marque Mode, Admin Quelyos): every call can be tried without an Odoo.
    #[arg(long)]
    demo: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print the effective configuration of `serve` with secrets masked; exit 1 when a setting
    /// is missing or wrong (the message names it).
    Check {
        /// Check it as `serve --demo` reads it.
        #[arg(long)]
        demo: bool,
    },
}

fn load(config_file: &Option<PathBuf>, demo: bool) -> Result<backup_service::ServiceConfig> {
    let options = LoadOptions {
        config_file: config_file.clone(),
        demo,
    };
    backup_service::load_config(&options, &|name| std::env::var(name).ok())
        .context("the sidecar's configuration is not usable")
}

pub fn config(config_file: &Option<PathBuf>, command: &ConfigCommand) -> Result<()> {
    let ConfigCommand::Check { demo } = command;
    let config = load(config_file, *demo)?;
    let mut out = std::io::stdout().lock();
    write!(out, "{}", config.describe())?;
    writeln!(out, "configuration OK")?;
    Ok(())
}

pub async fn serve(config_file: &Option<PathBuf>, args: &ServeArgs) -> Result<()> {
    let mut config = load(config_file, args.demo)?;
    backup_service::init_logging(config.log_format);
    let demo = if args.demo {
        Some(start_demo(&mut config).await?)
    } else {
        None
    };
    let token_shown = if config.generated_token {
        config.token.expose().to_owned()
    } else {
        "$BACKUPD_TOKEN".to_owned()
    };
    let service = ServiceBuilder::new(config.clone())
        .start()
        .await
        .context("the sidecar cannot start")?;
    if let Some(demo) = &demo {
        print_demo(demo, &service.url(), &config, &token_shown)?;
    }
    let shutdown = service.run_until_signalled().await;

    if !shutdown.interrupted.is_empty() {
        eprintln!(
            "stopped; {} job(s) interrupted (they will read `interrupted`): {}",
            shutdown.interrupted.len(),
            shutdown.interrupted.join(", ")
        );
    }
    // The simulator stops only once the service has.
    #[cfg(feature = "demo")]
    drop(demo);
    Ok(())
}

#[cfg(feature = "demo")]
async fn start_demo(config: &mut backup_service::ServiceConfig) -> Result<DemoOdoo> {
    let demo = backup_service::Demo::start()
        .await
        .context("cannot start the built-in Odoo simulator")?;
    config.odoo = Some(demo.client_config());
    Ok(demo)
}

#[cfg(not(feature = "demo"))]
async fn start_demo(_config: &mut backup_service::ServiceConfig) -> Result<DemoOdoo> {
    anyhow::bail!(
        "this build has no built-in Odoo simulator (it was built without the `demo` feature): name an Odoo with ODOO_URL instead"
    )
}

#[cfg(feature = "demo")]
fn print_demo(
    demo: &DemoOdoo,
    url: &str,
    config: &backup_service::ServiceConfig,
    token_shown: &str,
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "tenant backup sidecar (demo) on {url}")?;
    writeln!(
        out,
        "  Odoo simulator: {} (database sim, admin/admin)",
        demo.url()
    )?;
    for (company_id, name, records) in &demo.tenants {
        writeln!(out, "  tenant {company_id}: {name} ({records} records)")?;
    }
    writeln!(out, "  store: {}", config.store_dir.display())?;
    writeln!(out, "  token: {token_shown}")?;
    writeln!(out, "try:")?;
    writeln!(
        out,
        "  curl -s {url} -H 'Authorization: Bearer {token_shown}' -H 'Content-Type: application/json' \\\n    -d '{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"backup.start\",\"params\":{{\"tenant\":\"boutique-sport\"}}}}'"
    )?;
    out.flush()?;
    Ok(())
}

#[cfg(not(feature = "demo"))]
fn print_demo(
    demo: &DemoOdoo,
    _url: &str,
    _config: &backup_service::ServiceConfig,
    _token_shown: &str,
) -> Result<()> {
    match *demo {}
}

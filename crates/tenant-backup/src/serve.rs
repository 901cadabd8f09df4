//! `serve` and `config check`: glue over the `backup-service` library, which holds the behaviour.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use backup_service::{LoadOptions, ServiceBuilder, ServiceConfig};

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
    #[cfg(feature = "demo")]
    /// Where the demo's simulator listens: a fixed port, so that the command line can be pointed
    /// at it (port 0: any free one).
    #[arg(long, env = "BACKUPD_DEMO_ODOO_LISTEN", default_value = backup_service::DEMO_ODOO_LISTEN, value_name = "ADDRESS:PORT")]
    demo_odoo_listen: std::net::SocketAddr,
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
    // From here on, a demo's temporary store goes when `serve` returns, served or not.
    let _temporary_store = TemporaryStore(config.temporary_store.then(|| config.store_dir.clone()));
    backup_service::init_logging(config.log_format);
    let demo = if args.demo {
        Some(start_demo(args, &mut config).await?)
    } else {
        None
    };
    let service = ServiceBuilder::new(config.clone())
        .start()
        .await
        .context("the sidecar cannot start")?;
    if let Some(demo) = &demo {
        print_demo_banner(&config, demo, &service.url())?;
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
async fn start_demo(args: &ServeArgs, config: &mut ServiceConfig) -> Result<DemoOdoo> {
    let demo = backup_service::Demo::start(args.demo_odoo_listen)
        .await
        .with_context(|| {
            format!(
                "cannot start the built-in Odoo simulator on {}; set BACKUPD_DEMO_ODOO_LISTEN to a free address:port",
                args.demo_odoo_listen
            )
        })?;
    config.odoo = Some(demo.client_config());
    Ok(demo)
}

#[cfg(not(feature = "demo"))]
async fn start_demo(_args: &ServeArgs, _config: &mut ServiceConfig) -> Result<DemoOdoo> {
    anyhow::bail!(
        "this build has no built-in Odoo simulator (it was built without the `demo` feature): name an Odoo with ODOO_URL instead"
    )
}

#[cfg(not(feature = "demo"))]
fn print_demo_banner(_config: &ServiceConfig, demo: &DemoOdoo, _url: &str) -> Result<()> {
    match *demo {}
}

/// What to paste to try the demo: every command works as printed, in another shell.
#[cfg(feature = "demo")]
fn print_demo_banner(config: &ServiceConfig, demo: &DemoOdoo, url: &str) -> Result<()> {
    // A token the user set is in their environment; one generated for this run is shown.
    let token_shown = if config.generated_token {
        config.token.expose().to_owned()
    } else {
        "$BACKUPD_TOKEN".to_owned()
    };
    let binary = std::env::current_exe()
        .map(|path| path.display().to_string())
        .unwrap_or_else(|_| "tenant-backup".into());
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
    if config.temporary_store {
        writeln!(
            out,
            "  store: {} (temporary: removed when the sidecar stops; set BACKUPD_STORE to keep the backups)",
            config.store_dir.display()
        )?;
    } else {
        writeln!(out, "  store: {}", config.store_dir.display())?;
    }
    if config.generated_token {
        writeln!(out, "  token: {token_shown}")?;
    } else {
        writeln!(out, "  token: the one in BACKUPD_TOKEN")?;
    }
    writeln!(out, "try, from another shell:")?;
    writeln!(
        out,
        "  curl -s {url} -H \"Authorization: Bearer {token_shown}\" -H 'Content-Type: application/json' \\\n    -d '{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"backup.start\",\"params\":{{\"tenant\":\"boutique-sport\"}}}}'"
    )?;
    writeln!(out, "the command line against the same simulator:")?;
    writeln!(out, "  export {}", demo.odoo_environment())?;
    writeln!(out, "  {binary} tenants")?;
    out.flush()?;
    Ok(())
}

/// A directory removed when dropped.
struct TemporaryStore(Option<PathBuf>);

impl Drop for TemporaryStore {
    fn drop(&mut self) {
        if let Some(path) = &self.0 {
            let _ = std::fs::remove_dir_all(path);
        }
    }
}

//! `serve` and `config check`: glue over the `backup-service` library, which holds the behaviour.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use backup_service::{Demo, LoadOptions, ServiceBuilder};

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
        let demo = Demo::start()
            .await
            .context("cannot start the built-in Odoo simulator")?;
        config.odoo = Some(demo.client_config());
        Some(demo)
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
        let url = service.url();
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
    }
    let shutdown = service.run_until_signalled().await;
    if !shutdown.interrupted.is_empty() {
        eprintln!(
            "stopped; {} job(s) interrupted (they will read `interrupted`): {}",
            shutdown.interrupted.len(),
            shutdown.interrupted.join(", ")
        );
    }
    drop(demo);
    Ok(())
}

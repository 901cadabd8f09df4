//! `tenant-backup`: back up one company (tenant) of a multi-company Odoo, and check backups.
//!
//! ```text
//! tenant-backup tenants                                  # companies with id, code and name
//! tenant-backup backup --tenant boutique-sport --out /var/backups
//! tenant-backup verify /var/backups/backup_boutique-sport_20250101_020000.zip
//! tenant-backup inspect /var/backups/backup_boutique-sport_20250101_020000.zip
//! tenant-backup restore /var/backups/backup_boutique-sport_20250101_020000.zip --tenant boutique-sport --dry-run
//! tenant-backup keygen --out /etc/tenant-backup/age.key     # an age identity for [encryption]
//! tenant-backup keygen --signing --out /etc/tenant-backup/signing.key   # a key for [signing]
//! ```
//!
//! Settings come from flags, then `ODOO_*` environment variables, then the TOML file named by
//! `--config` or `BACKUP_CONFIG` (see `backup_engine::config`). Exit status: 0 on success, 1 on
//! failure (and for an archive that is not sound, or a partial restore), 2 for a usage error, 3
//! for a restore that wrote everything but after which the tenant differs from the archive. With `--json`, `backup`,
//! `verify`, `inspect` and `restore` print one JSON document on stdout (see `json`).

mod json;
mod progress;
mod restore;
mod serve;

/// Prints a line of the human report: on standard output, or on standard error when `--json`
/// gives stdout to the JSON document. A closed pipe (`| head`) ends the command quietly.
macro_rules! say {
    ($($arg:tt)*) => {
        writeln!(crate::json::human(), $($arg)*)?
    };
}

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

// Backups and restores hold hundreds of thousands of small JSON values, built and freed from
// several threads: mimalloc does that markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use backup_engine::config::{self, Overrides};
use backup_engine::{BackupRequest, TenantSelector};
use clap::{Parser, Subcommand};
use odoo_client::OdooClient;

#[derive(Parser, Debug)]
#[command(
    name = "tenant-backup",
    version,
    about = "Per-company backups of a multi-company Odoo"
)]
struct Cli {
    /// TOML configuration file ([odoo] and [backup] tables); default: $BACKUP_CONFIG.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Odoo address, e.g. https://erp.example.com (default: $ODOO_URL, then the file).
    #[arg(long, global = true)]
    url: Option<String>,
    /// Database name (default: $ODOO_DB, then the file).
    #[arg(long, global = true)]
    db: Option<String>,
    /// Login of the backup user (default: $ODOO_LOGIN, then the file). The password or API key
    /// is read from $ODOO_PASSWORD / $ODOO_API_KEY or the file, never from the command line.
    #[arg(long, global = true)]
    login: Option<String>,
    /// json2, jsonrpc or web-session (default: $ODOO_PROTOCOL, then detected).
    #[arg(long, global = true)]
    protocol: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the companies (tenants) with their id, code and name.
    Tenants,
    /// Back up one tenant into a new archive.
    Backup {
        /// The tenant: its company id or its code (see `tenants`).
        #[arg(long)]
        tenant: String,
        /// The directory that receives backup_<code>_<YYYYmmdd_HHMMSS>.zip.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Pages read at the same time (default 4, or [backup] concurrency).
        #[arg(long)]
        concurrency: Option<usize>,
        /// Read only what changed since this archive of the tenant, and copy the rest from it
        /// (a full read when it cannot be used, or when the last full read is older than
        /// [backup] full_read_days). The new archive is complete either way.
        #[arg(long, value_name = "ARCHIVE", conflicts_with = "incremental")]
        since: Option<PathBuf>,
        /// Like --since, with the tenant's newest archive in the output directory.
        #[arg(long)]
        incremental: bool,
        #[command(flatten)]
        output: JsonFlag,
    },
    /// Compare the records and files of two archives (e.g. an incremental and a full backup
    /// taken at the same moment): both are verified, then every record is compared field by
    /// field. Exit 0 only if they hold the same data.
    Compare { first: PathBuf, second: PathBuf },
    /// Check an archive: structure, format version, every checksum. Exit 0 only if sound.
    Verify {
        archive: PathBuf,
        #[command(flatten)]
        output: JsonFlag,
    },
    /// Summarize an archive: tenant, date, models and counts (checksums are not checked).
    Inspect {
        archive: PathBuf,
        #[command(flatten)]
        output: JsonFlag,
    },
    /// Restore an archive into its tenant (UPSERT): update what changed, re-create what is
    /// missing, keep what is new. Exit 0 only for a complete restore.
    Restore(restore::RestoreArgs),
    /// Run the sidecar: the JSON-RPC API the Odoo addon calls, background jobs, schedules.
    Serve(serve::ServeArgs),
    /// The sidecar's configuration.
    #[command(subcommand)]
    Config(serve::ConfigCommand),
    /// Write a new key file (readable by its owner only) and print its public key: an age
    /// identity for the [encryption] table, or with --signing a minisign key for [signing].
    Keygen {
        /// The file to create; it must not exist.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// A signing key (minisign, with FILE.pub beside it) instead of an age identity.
        #[arg(long)]
        signing: bool,
    },
}

/// `--json`, shared by the commands that report.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct JsonFlag {
    /// Print one JSON document on stdout (the human text goes to stderr); for scripts.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json_asked = match &cli.command {
        Command::Backup { output, .. }
        | Command::Verify { output, .. }
        | Command::Inspect { output, .. } => output.json,
        Command::Restore(args) => args.output.json,
        _ => false,
    };
    if json_asked {
        json::enable();
    }
    // The sidecar sets up its own log (text or JSON) from its configuration.
    let serving = matches!(cli.command, Command::Serve(_));
    if !serving {
        tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
            )
            .with_writer(std::io::stderr)
            .with_ansi(backup_service::colour_on_stderr())
            .init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            let line = one_line(&error);
            eprintln!("error: {line}");
            // A command that printed its JSON already (a verification that failed) is done;
            // any other gives the failure as its document, so that stdout always parses.
            if json::enabled() && !json::printed() {
                let _ = json::print(&json::failure(&line));
            }
            if error.is::<restore::RestoredWithDifferences>() {
                return ExitCode::from(restore::RestoredWithDifferences::EXIT_STATUS);
            }
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each cause once. The product's errors carry their
/// cause in their own message (the service shows that message alone, as the API's error), so a
/// cause whose text the line already holds is not printed again.
fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

async fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Serve(args) => serve::serve(&cli.config, args).await,
        Command::Config(command) => serve::config(&cli.config, command),
        Command::Verify { archive, .. } => verify(archive, &archive_keys(&cli)?),
        Command::Inspect { archive, .. } => inspect(archive, &archive_keys(&cli)?),
        Command::Compare { first, second } => compare(first, second, &archive_keys(&cli)?),
        Command::Keygen { out, signing } => keygen(out, *signing),
        Command::Restore(args) => {
            let (client, settings) = connect(&cli, None).await?;
            restore::run(&client, settings, args).await
        }
        Command::Tenants => {
            let (client, _) = connect(&cli, None).await?;
            let tenants = backup_engine::list_tenants(&client).await?;
            say!("{:>6}  {:<28}  NAME", "ID", "CODE");
            for tenant in tenants {
                say!(
                    "{:>6}  {:<28}  {}",
                    tenant.company_id,
                    tenant.code,
                    tenant.name
                );
            }
            Ok(())
        }
        Command::Backup {
            tenant,
            out,
            concurrency,
            since,
            incremental,
            ..
        } => {
            let (client, settings) = connect(&cli, *concurrency).await?;
            let out_dir = out.clone().or(settings.out_dir).context(
                "no output directory: pass --out DIR or set out_dir in the [backup] table of the configuration file",
            )?;
            // Checked before the tenant is looked up: no Odoo work for an archive with nowhere to go.
            backup_engine::check_output_dir(&out_dir)?;
            let selector = tenant.parse::<TenantSelector>().expect("infallible");
            let tenant = backup_engine::resolve_tenant(&client, &selector).await?;
            let mut options = settings.backup;
            options.incremental.previous = match (since, incremental) {
                (Some(previous), _) => Some(previous.clone()),
                (None, true) => backup_engine::incremental::newest_archive(&out_dir, &tenant.code)?,
                (None, false) => None,
            };
            let request = BackupRequest {
                tenant,
                out_dir,
                options,
            };
            let sink = progress::CliProgress::new(std::io::stderr().is_terminal());
            let report = backup_engine::backup(&client, &request, &sink).await;
            sink.finish();
            let report = report?;
            say!("archive:     {}", report.archive.display());
            say!(
                "tenant:      {} (id {}, {})",
                report.tenant.name,
                report.tenant.company_id,
                report.tenant.code
            );
            say!(
                "records:     {} in {} models",
                report.record_count,
                report.models.len()
            );
            say!(
                "attachments: {} ({} files)",
                report.attachment_count,
                report.file_count
            );
            say!("size:        {}", human_size(report.size));
            say!("duration:    {:.1} s", report.duration.as_secs_f64());
            say!("read:        {}", describe_read(&report.read));
            for warning in report.warnings() {
                eprintln!("warning: {warning}");
            }
            json::print(&json::backup(&report))
        }
    }
}

async fn connect(cli: &Cli, concurrency: Option<usize>) -> Result<(OdooClient, config::Settings)> {
    let overrides = Overrides {
        config_file: cli.config.clone(),
        url: cli.url.clone(),
        database: cli.db.clone(),
        login: cli.login.clone(),
        protocol: cli.protocol.clone(),
        concurrency,
    };
    let settings = config::load(&overrides, &|name| std::env::var(name).ok())?;
    let client = OdooClient::connect(settings.client.clone())
        .await
        .with_context(|| format!("cannot connect to Odoo at {}", settings.client.url))?;
    Ok((client, settings))
}

/// The archive keys of the configuration file and the environment, for the commands that read
/// archives without Odoo.
fn archive_keys(cli: &Cli) -> Result<backup_engine::ArchiveKeys> {
    let env = |name: &str| std::env::var(name).ok();
    let file = match cli
        .config
        .clone()
        .or_else(|| env("BACKUP_CONFIG").map(PathBuf::from))
    {
        Some(path) => config::read_file(&path)?,
        None => config::ConfigFile::default(),
    };
    Ok(config::load_keys(&env, file.encryption, file.signing)?)
}

fn keygen(out: &std::path::Path, signing: bool) -> Result<()> {
    if signing {
        let (public, key_id) = backup_engine::protection::generate_signing_key_file(out)?;
        say!("{public}");
        eprintln!(
            "signing key {key_id} written to {} (public key in {}.pub); set key_file in the [signing] table",
            out.display(),
            out.display()
        );
    } else {
        let public = backup_engine::protection::generate_identity_file(out)?;
        say!("{public}");
        eprintln!(
            "age identity written to {}; set identity_file in the [encryption] table (keep a copy offline: without it, the archives cannot be read)",
            out.display()
        );
    }
    Ok(())
}

/// The lines that say how an archive is protected.
fn say_protection(
    signature: &backup_engine::SignatureCheck,
    opened_with: Option<&str>,
) -> Result<()> {
    match opened_with {
        Some(key) => say!("encryption:   age, opened with the identity of {key}"),
        None => say!("encryption:   none (stored in clear)"),
    }
    say!("signature:    {}", signature.describe());
    Ok(())
}

fn verify(path: &std::path::Path, keys: &backup_engine::ArchiveKeys) -> Result<()> {
    let verified =
        match backup_engine::verify_with(path, keys, backup_engine::ReadLimits::default()) {
            Ok(verified) => verified,
            Err(error) => {
                // The problem is the document's answer: `ok: false` says it, stdout still parses.
                json::print(&json::verified(path, None, Some(error.to_string())))?;
                return Err(error)
                    .with_context(|| format!("{} is not a sound backup", path.display()));
            }
        };
    let metadata = &verified.metadata;
    say!(
        "OK: {} — tenant {} ({}), {} records, {} attachments, {} entries checked",
        path.display(),
        metadata.tenant.name,
        metadata.tenant.code,
        metadata.record_count,
        metadata.attachment_count,
        verified.entry_count
    );
    say_protection(&verified.signature, verified.opened_with.as_deref())?;
    json::print(&json::verified(path, Some(&verified), None))
}

fn inspect(path: &std::path::Path, keys: &backup_engine::ArchiveKeys) -> Result<()> {
    // The archive's errors name it when the file itself is the problem; the others say what in
    // it is wrong, and the context says which archive that is.
    let reader =
        backup_engine::ArchiveReader::open(path, keys, backup_engine::ReadLimits::default())
            .with_context(|| format!("cannot inspect {}", path.display()))?;
    let metadata = reader.metadata();
    say!("archive:      {}", path.display());
    say!(
        "format:       {} v{}",
        metadata.format,
        metadata.format_version
    );
    say!(
        "tenant:       {} (company id {}, code {})",
        metadata.tenant.name,
        metadata.tenant.company_id,
        metadata.tenant.code
    );
    say!(
        "created:      {}",
        metadata.created_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    say!("tool:         tenant-backup {}", metadata.tool_version);
    say!(
        "odoo:         {} ({} modules), database {}",
        metadata.odoo.server_version,
        metadata.odoo.modules.len(),
        metadata.odoo.database_uuid.as_deref().unwrap_or("?")
    );
    say_protection(reader.signature(), reader.opened_with())?;
    if let Some(read) = &metadata.read {
        say!("read:         {}", describe_read(read));
    }
    say!("records:      {}", metadata.record_count);
    say!("attachments:  {}", metadata.attachment_count);
    say!(
        "files:        {}",
        metadata
            .entries
            .keys()
            .filter(|name| name.starts_with("filestore/"))
            .count()
    );
    say!("models:");
    for (model, count) in &metadata.models {
        say!("  {count:>9}  {model}");
    }
    for skipped in &metadata.skipped_models {
        say!("skipped:      {} ({})", skipped.model, skipped.reason);
    }
    if !metadata.unresolved_references.is_empty() {
        say!(
            "unresolved:   {} references without external id",
            metadata.unresolved_references.len()
        );
    }
    if !metadata.skipped_attachments.is_empty() {
        say!(
            "attachments left out: {}",
            metadata.skipped_attachments.len()
        );
    }
    say!("(checksums not checked: run `tenant-backup verify`)");
    json::print(&json::inspected(path, &reader))
}

/// How an archive's records were read, in a line.
fn describe_read(read: &backup_engine::ReadInfo) -> String {
    match (&read.previous, &read.full_read_reason) {
        (Some(previous), _) => format!(
            "incremental, from {} ({} records read, {} copied, {} files copied; last full read {})",
            previous.archive,
            read.records_read,
            read.records_copied,
            read.files_copied,
            read.full_read_at.format("%Y-%m-%d %H:%M UTC")
        ),
        (None, Some(reason)) => format!("full ({reason})"),
        (None, None) => "full".to_owned(),
    }
}

fn compare(
    first: &std::path::Path,
    second: &std::path::Path,
    keys: &backup_engine::ArchiveKeys,
) -> Result<()> {
    let differences = backup_engine::incremental::compare_archives(
        first,
        second,
        keys,
        backup_engine::ReadLimits::default(),
    )?;
    if differences.is_empty() {
        say!(
            "same data: {} and {} hold the same records and files",
            first.display(),
            second.display()
        );
        return Ok(());
    }
    const SHOWN: usize = 50;
    for difference in differences.iter().take(SHOWN) {
        say!("{difference}");
    }
    if differences.len() > SHOWN {
        say!("… and {} more", differences.len() - SHOWN);
    }
    let count = match differences.len() {
        1 => "1 difference".to_owned(),
        many => format!("{many} differences"),
    };
    anyhow::bail!(
        "{} and {} differ: {count}, listed above",
        first.display(),
        second.display()
    )
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|error| error.kind() == std::io::ErrorKind::BrokenPipe)
}

fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {} ({bytes} bytes)", UNITS[unit])
    }
}

//! `tenant-backup restore`: restore an archive into its tenant (UPSERT), or show what a restore
//! would do (`--dry-run`). The work is `tenant_restore`'s; this is the command line around it:
//! options, a progress bar on a terminal, and the report per model.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use backup_engine::config::Settings;
use backup_service::RestoreReportView;
use odoo_client::OdooClient;
use tenant_restore::{
    ExecuteOptions, ModelReport, PlanOptions, RestoreOutcome, RestorePlan, TenantSelector,
};

use crate::json;
use crate::progress::CliProgress;

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    /// The archive (backup_<code>_<YYYYmmdd_HHMMSS>.zip).
    archive: PathBuf,
    /// The tenant: its company id or its code. Must be the archive's own tenant.
    #[arg(long)]
    tenant: String,
    /// Show what the restore would create and update, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Do not back the tenant up before the first write (the restore cannot be undone then).
    #[arg(long, conflicts_with = "safety_dir")]
    no_safety_backup: bool,
    /// Where the safety backup goes (default: [backup] out_dir, else the archive's directory).
    #[arg(long, value_name = "DIR")]
    safety_dir: Option<PathBuf>,
    /// Restore even if no trusted key signed the archive (archives made before signing). The
    /// choice is logged.
    #[arg(long)]
    allow_unsigned: bool,
    #[command(flatten)]
    pub output: crate::JsonFlag,
}

pub async fn run(client: &OdooClient, settings: Settings, args: &RestoreArgs) -> Result<()> {
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let sink = CliProgress::new(terminal);
    let selector: TenantSelector = args.tenant.parse().expect("infallible");
    let tenant = backup_engine::resolve_tenant(client, &selector)
        .await
        .context("the restore was refused")?;
    let options = PlanOptions {
        keys: settings.backup.keys.clone(),
        allow_unsigned: args.allow_unsigned,
        ..PlanOptions::default()
    };
    let plan = tenant_restore::plan(client, &args.archive, &tenant, &options, &sink).await;
    let plan = match plan {
        Ok(plan) => plan,
        Err(error) => {
            sink.finish();
            return Err(error).context("the restore was refused");
        }
    };
    if !plan.signature().is_trusted() {
        tracing::warn!(
            target: "audit",
            archive = %args.archive.display(),
            tenant = %tenant.code,
            signature = %plan.signature().describe(),
            "restore of an archive no trusted key signed, allowed explicitly (--allow-unsigned)"
        );
        eprintln!(
            "warning: the archive is {}; restoring it because --allow-unsigned was given",
            plan.signature().describe()
        );
    }
    if args.dry_run {
        sink.finish();
        print_plan(&plan)?;
        json::print(&json::Restored {
            report: RestoreReportView::of_plan(&plan),
            tenant: plan.tenant(),
            archive: plan.archive(),
            safety_backup: None,
            unresolved: plan.unresolved().collect(),
            not_restored: plan
                .models()
                .iter()
                .flat_map(|model| {
                    model.not_restored.iter().map(|field| {
                        (
                            model.model.as_str(),
                            field.field.as_str(),
                            field.differing_records,
                        )
                    })
                })
                .fold(BTreeMap::new(), not_restored_entry),
            write_calls: None,
            duration_ms: None,
        })?;
        let refused = plan.refusals().count();
        let unresolved = plan.unresolved().count();
        if refused + unresolved > 0 {
            bail!(
                "dry run: {refused} records would be refused and {unresolved} values could not be restored (listed above)"
            );
        }
        return Ok(());
    }
    let safety_backup = if args.no_safety_backup {
        Ok(None)
    } else {
        let directory = safety_directory(args, &settings);
        tenant_restore::safety_backup(client, &plan, &directory, &settings.backup, &sink).await
    };
    let report = match safety_backup {
        Ok(safety_backup) => {
            tenant_restore::execute(client, &plan, &ExecuteOptions::default(), &sink)
                .await
                .map(|report| (report, safety_backup))
        }
        Err(error) => Err(error),
    };
    sink.finish();
    let (report, safety_backup) = report.context("the restore stopped")?;
    let mut out = json::human();
    writeln!(
        out,
        "tenant:        {} (id {}, {})",
        report.tenant.name, report.tenant.company_id, report.tenant.code
    )?;
    writeln!(out, "archive:       {}", report.archive.display())?;
    match &safety_backup {
        Some(backup) => writeln!(out, "safety backup: {}", backup.archive.display())?,
        None if args.no_safety_backup => writeln!(out, "safety backup: none (--no-safety-backup)")?,
        None => writeln!(out, "safety backup: none (nothing to write)")?,
    }
    print_counts(&mut out, &report.models, &report.totals())?;
    if !plan.recovered().is_empty() {
        writeln!(
            out,
            "recovered:     {} records an interrupted restore had created without recording their ids (recorded now, not created again)",
            plan.recovered().len()
        )?;
    }
    for refusal in &report.refusals {
        writeln!(
            out,
            "refused: {} {}: {}",
            refusal.model, refusal.archive_id, refusal.reason
        )?;
    }
    for failure in &report.failures {
        writeln!(
            out,
            "failed:  {} {} ({:?}): {}",
            failure.model, failure.archive_id, failure.operation, failure.message
        )?;
    }
    for change in &report.state_changes {
        writeln!(out, "in another state: {}", change.describe())?;
    }
    if report.set_back > 0 {
        writeln!(
            out,
            "set back:      {} records Odoo had changed as a consequence of the restore",
            report.set_back
        )?;
    }
    for difference in &report.differences {
        writeln!(out, "differs:       {}", difference.describe())?;
    }
    for field in &report.not_restored {
        writeln!(
            out,
            "not written:  {}.{} differs from the archive on {} records ({})",
            field.model, field.field, field.records, field.reason
        )?;
    }
    for value in &report.unresolved {
        writeln!(
            out,
            "not restored: {} {}.{}: {}",
            value.model, value.archive_id, value.field, value.reason
        )?;
    }
    writeln!(
        out,
        "result:        {} in {:.1} s ({} write calls)",
        match report.outcome {
            RestoreOutcome::Complete => "complete",
            RestoreOutcome::RestoredWithDifferences => "restored with differences",
            RestoreOutcome::Partial => "partial",
        },
        report.duration.as_secs_f64(),
        report.write_calls
    )?;
    drop(out);
    json::print(&json::Restored {
        report: RestoreReportView::of_restore(&report, None),
        tenant: &report.tenant,
        archive: &report.archive,
        safety_backup: safety_backup
            .as_ref()
            .map(|backup| backup.archive.as_path()),
        unresolved: report.unresolved.iter().collect(),
        not_restored: report
            .not_restored
            .iter()
            .map(|field| (field.model.as_str(), field.field.as_str(), field.records))
            .fold(BTreeMap::new(), not_restored_entry),
        write_calls: Some(report.write_calls),
        duration_ms: Some(report.duration.as_millis() as u64),
    })?;
    if report.outcome == RestoreOutcome::RestoredWithDifferences {
        return Err(RestoredWithDifferences(report.differences.len()).into());
    }
    if report.outcome == RestoreOutcome::Partial {
        bail!(
            "the restore is partial: {} refused, {} failed, {} values not restored (listed above)",
            report.refusals.len(),
            report.failures.len(),
            report.unresolved.len()
        );
    }
    Ok(())
}

/// A restore that wrote everything, after which the tenant read back differs from the archive:
/// neither a success nor a failure, it has an exit status of its own.
#[derive(Debug)]
pub struct RestoredWithDifferences(usize);

impl RestoredWithDifferences {
    /// The exit status of a restore with differences.
    pub const EXIT_STATUS: u8 = 3;
}

impl std::fmt::Display for RestoredWithDifferences {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "restored with differences: {} values differ from the archive after the restore (listed above)",
            self.0
        )
    }
}

impl std::error::Error for RestoredWithDifferences {}

fn safety_directory(args: &RestoreArgs, settings: &Settings) -> PathBuf {
    args.safety_dir
        .clone()
        .or_else(|| settings.out_dir.clone())
        .unwrap_or_else(|| {
            args.archive
                .parent()
                .filter(|parent| !parent.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_owned()
        })
}

/// Folds `(model, field, records)` into model → field → records.
fn not_restored_entry(
    mut map: BTreeMap<String, BTreeMap<String, u64>>,
    (model, field, records): (&str, &str, u64),
) -> BTreeMap<String, BTreeMap<String, u64>> {
    map.entry(model.to_owned())
        .or_default()
        .insert(field.to_owned(), records);
    map
}

fn print_plan(plan: &RestorePlan) -> Result<()> {
    let mut out = json::human();
    writeln!(
        out,
        "dry run: restore of {} (taken {}) into {}; nothing was written",
        plan.archive().display(),
        plan.archive_created_at().format("%Y-%m-%d %H:%M:%S UTC"),
        plan.tenant()
    )?;
    print_counts(&mut out, &plan.summary(), &plan.totals())?;
    for model in plan.models() {
        for update in &model.updates {
            let fields: Vec<String> = update
                .changes
                .iter()
                .map(|(field, change)| {
                    format!("{field}: {} -> {}", change.current, change.restored)
                })
                .collect();
            writeln!(
                out,
                "update: {} {} ({})",
                model.model,
                update.target_id,
                fields.join(", ")
            )?;
        }
        for create in &model.creates {
            writeln!(
                out,
                "create: {} {} (archive id)",
                model.model, create.archive_id
            )?;
        }
        for field in &model.not_restored {
            writeln!(
                out,
                "not written: {}.{} differs on {} records ({})",
                model.model, field.field, field.differing_records, field.reason
            )?;
        }
    }
    for change in plan.state_changes() {
        writeln!(out, "comes back in another state: {}", change.describe())?;
    }
    for refusal in plan.refusals() {
        writeln!(
            out,
            "refused: {} {}: {}",
            refusal.model, refusal.archive_id, refusal.reason
        )?;
    }
    for value in plan.unresolved() {
        writeln!(
            out,
            "not restorable: {} {}.{}: {}",
            value.model, value.archive_id, value.field, value.reason
        )?;
    }
    Ok(())
}

fn print_counts(out: &mut impl Write, models: &[ModelReport], totals: &ModelReport) -> Result<()> {
    writeln!(
        out,
        "{:<40} {:>8} {:>8} {:>9} {:>8} {:>7}",
        "MODEL", "CREATED", "UPDATED", "UNCHANGED", "REFUSED", "FAILED"
    )?;
    for model in models.iter().chain(std::iter::once(totals)) {
        let touched = model.created + model.updated + model.refused + model.failed;
        if touched == 0 && model.model != totals.model {
            continue;
        }
        writeln!(
            out,
            "{:<40} {:>8} {:>8} {:>9} {:>8} {:>7}",
            model.model, model.created, model.updated, model.unchanged, model.refused, model.failed
        )?;
    }
    Ok(())
}

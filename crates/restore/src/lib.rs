//! UPSERT restore of one tenant's backup archive (format 1) into its company of a multi-company
//! Odoo, through the external API — never reading, writing or deleting anything of another
//! tenant, not even with a tampered archive.
//!
//! A restore is a plan, then its execution, so that what it will do can be looked at first:
//!
//! 1. [`plan`] only reads. It verifies the archive (entry names, sizes and compression ratios,
//!    format version, every checksum), checks that the target is the archive's tenant (same
//!    company id and database uuid), that every record of the archive is the tenant's (else
//!    the archive is refused as tampered, before any write), that every record that exists now
//!    is the tenant's now (else it is refused), and that every record the archive refers to
//!    without holding it is shared or the tenant's. It then compares each record with its
//!    current state and returns a [`RestorePlan`]: per model, in dependency order, the records to
//!    create, the records to update with only the fields that differ, the unchanged ones and the
//!    refusals. A dry run prints the plan and stops there.
//! 2. [`safety_backup`] backs the tenant up (unless the caller does without one), through the
//!    engine, when the plan writes anything.
//! 3. [`execute`] re-checks the archive against the plan, creates the missing records in
//!    batches, remapping every reference to them, writes the links that had to wait for a
//!    record of a cycle, then updates the existing records, grouping those that receive the
//!    same values into one `write`. A record Odoo refuses is reported with Odoo's message
//!    and the restore goes on; the [`RestoreReport`] says `Complete` or `Partial`.
//!
//! Re-created records are recorded in `ir.model.data` (module [`MAPPING_MODULE`]), so running
//! the same restore again finds them and writes nothing.
//!
//! ```no_run
//! # async fn example(client: odoo_client::OdooClient) -> Result<(), tenant_restore::RestoreError> {
//! use backup_engine::BackupOptions;
//! use tenant_restore::{ExecuteOptions, NoRestoreProgress, PlanOptions};
//!
//! let archive = std::path::Path::new("/var/backups/backup_marque-mode_20250601_020304.zip");
//! let selector = "marque-mode".parse().expect("infallible");
//! let tenant = backup_engine::resolve_tenant(&client, &selector).await.expect("a tenant");
//! let plan = tenant_restore::plan(&client, archive, &tenant, &PlanOptions::default(), &NoRestoreProgress).await?;
//! for model in plan.summary() {
//!     println!("{}: {} to create, {} to update", model.model, model.created, model.updated);
//! }
//! let safety = std::path::Path::new("/var/backups/safety");
//! let safety = tenant_restore::safety_backup(&client, &plan, safety, &BackupOptions::default(), &NoRestoreProgress).await?;
//! let report = tenant_restore::execute(&client, &plan, &ExecuteOptions::default(), &NoRestoreProgress).await?;
//! println!("{:?}, safety backup {:?}", report.outcome, safety.map(|backup| backup.archive));
//! # Ok(())
//! # }
//! ```

mod archive;
mod check;
mod error;
mod execute;
mod id_records;
mod keys;
mod order;
mod ownership;
mod plan;
mod progress;
mod reads;
mod report;
mod safety;
mod schema;
mod states;
mod values;

pub use backup_engine::{Tenant, TenantSelector};
pub use check::execute;
pub use error::RestoreError;
pub use execute::ExecuteOptions;
pub use id_records::MAPPING_MODULE;
pub use plan::{
    FieldChange, ModelPlan, NotRestoredField, PlanOptions, PlannedCreate, PlannedTranslation,
    PlannedUpdate, RestorePlan, UnwrittenDifference, plan,
};
pub use progress::{NoRestoreProgress, RestoreProgress, RestoreProgressSink};
pub use report::{
    Difference, LikelyCause, ModelReport, NotRestored, Operation, RecordFailure, Refusal,
    RestoreOutcome, RestoreReport, StateChange, UnresolvedValue,
};
pub use safety::safety_backup;
pub use schema::{NEVER_RESTORED_FIELDS, NotWritten};

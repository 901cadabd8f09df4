//! The plan: everything a restore will write, worked out by reading only.
//!
//! [`Planner::run`] is the recipe; each step has a module of its own. In order: verify and load
//! the archive; check that the target is the archive's tenant (same company id, same database
//! uuid) and read the target's metadata of every model of the archive (`target`); read the id
//! records of earlier restores and find again what an interrupted one created
//! ([`crate::id_records`]); start reading every archive record as it is now, pinned to the
//! tenant, where it should be: its own id, or the id an earlier restore re-created it under
//! (`current`); meanwhile check that every record of the archive is the tenant's, else the
//! archive is refused as tampered (`owner_checks`, judged by [`crate::ownership`]), and that
//! every record the archive refers to but does not hold may be referred to: shared, or the
//! tenant's (`outside`); refuse the records that are not the tenant's now (`owner_checks`,
//! `matching`); then compare field by field (`compare`, `binaries`), in an order of the models
//! that creates records after the records they point to. The result is a [`RestorePlan`]
//! (`restore_plan`).

mod binaries;
mod compare;
mod current;
mod matching;
mod outside;
mod owner_checks;
mod restore_plan;
mod target;
mod translations;

use std::collections::BTreeSet;
use std::path::Path;

use backup_engine::{ArchiveKeys, ReadLimits, Tenant};
use odoo_client::{Context, OdooClient, OdooError};

use crate::archive::{self, LoadedArchive};
use crate::error::RestoreError;
use crate::id_records::{self, EarlierRestores};
use crate::ownership;
use crate::progress::{RestoreProgress, RestoreProgressSink};

pub(crate) use restore_plan::PlanInternals;
pub use restore_plan::{
    FieldChange, ModelPlan, NotRestoredField, PlannedCreate, PlannedTranslation, PlannedUpdate,
    RestorePlan, UnwrittenDifference,
};
use target::TargetModels;

/// How a plan reads.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// Records per read.
    pub read_batch_size: usize,
    /// Reads in flight at once.
    pub concurrency: usize,
    /// Records per read of binary contents (images): small, so they never pile up in memory.
    pub binary_batch_size: usize,
    /// Bounds on the archive's entries (sizes, compression ratios).
    pub archive_limits: ReadLimits,
    /// Compare field by field even the records whose `write_date` shows they were not written
    /// since the backup. Odoo sets `write_date` on every write through its ORM; only a database
    /// changed behind Odoo's back (SQL) needs this.
    pub compare_unmodified_records: bool,
    /// The identities that open encrypted archives and the keys whose signatures are trusted.
    pub keys: ArchiveKeys,
    /// Restore an archive that no trusted key signed (archives made before signing): the
    /// operator's explicit choice, recorded in the plan.
    pub allow_unsigned: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            read_batch_size: 500,
            concurrency: 4,
            binary_batch_size: 8,
            archive_limits: ReadLimits::default(),
            compare_unmodified_records: false,
            keys: ArchiveKeys::default(),
            allow_unsigned: false,
        }
    }
}

/// Plans the restore of the archive at `archive_path` into the tenant `target` (as
/// [`resolve_tenant`](backup_engine::resolve_tenant) found it): reads only.
pub async fn plan(
    client: &OdooClient,
    archive_path: &Path,
    target: &Tenant,
    options: &PlanOptions,
    progress: &dyn RestoreProgressSink,
) -> Result<RestorePlan, RestoreError> {
    progress.report(RestoreProgress::Step("verifying the archive"));
    let path = archive_path.to_owned();
    let limits = options.archive_limits;
    let keys = options.keys.clone();
    let archive = tokio::task::spawn_blocking(move || archive::load(&path, &keys, limits))
        .await
        .map_err(|error| RestoreError::MalformedArchive {
            path: archive_path.to_owned(),
            reason: format!("the archive could not be loaded: {error}"),
        })??;
    // Before anything is read from Odoo: an archive nothing trusted vouches for is refused,
    // unless the operator allows it.
    if !archive.signature.is_trusted() && !options.allow_unsigned {
        return Err(RestoreError::NotTrusted {
            path: archive_path.to_owned(),
            signature: archive.signature.clone(),
        });
    }

    progress.report(RestoreProgress::Step("checking the target tenant"));
    let tenant = target.clone();
    // Translatable values are compared and written in the language the archive holds them in.
    let mut context = Context::company(tenant.company_id).with_archived();
    if let Some(languages) = &archive.metadata.languages {
        context = context.with_lang(languages.values.clone());
    }
    let scoped = client.with_context(context);
    let archive_models: BTreeSet<String> = archive.models.keys().cloned().collect();
    let planner = Planner {
        client: scoped,
        tenant,
        tenant_data_models: ownership::tenant_data_models(&archive_models),
        archive_models,
        archive,
        options: options.clone(),
    };
    planner.check_tenant().await?;
    planner.run(progress).await
}

struct Planner {
    /// Pinned to the tenant, archived records visible.
    client: OdooClient,
    tenant: Tenant,
    archive: LoadedArchive,
    /// The models of the archive.
    archive_models: BTreeSet<String>,
    /// The models of the archive whose records are tenant data ([`ownership::tenant_data_models`]).
    tenant_data_models: BTreeSet<String>,
    options: PlanOptions,
}

impl Planner {
    fn odoo(&self, step: impl Into<String>) -> impl FnOnce(OdooError) -> RestoreError + '_ {
        RestoreError::odoo(&self.tenant.code, step.into())
    }

    fn tampered(&self, model: &str, archive_id: i64, reason: impl Into<String>) -> RestoreError {
        RestoreError::Tampered {
            path: self.archive.path.clone(),
            model: model.to_owned(),
            archive_id,
            reason: reason.into(),
        }
    }

    /// The recipe of a plan, once the target is known to be the archive's tenant.
    async fn run(self, progress: &dyn RestoreProgressSink) -> Result<RestorePlan, RestoreError> {
        progress.report(RestoreProgress::Step("reading the models' metadata"));
        let TargetModels {
            schemas,
            refused: refused_models,
        } = self.target_models().await?;
        let EarlierRestores {
            recorded,
            id_records,
        } = self.earlier_restores().await?;
        let reads = self.start_reading_current(&schemas, &recorded);

        progress.report(RestoreProgress::Step(
            "checking that every record is the tenant's",
        ));
        let attached = self
            .check_archive_ownership(&schemas, &refused_models)
            .await?;
        let outside = self
            .resolve_outside_references(&schemas, &refused_models, &attached)
            .await?;

        progress.report(RestoreProgress::Step("reading the records as they are now"));
        let current = self.finish_reading_current(reads, &schemas).await?;

        progress.report(RestoreProgress::Step(
            "checking that the records are the tenant's now",
        ));
        let refused_now = self.check_current_ownership(&schemas, &current).await?;
        let mut internals = PlanInternals {
            outside,
            attached,
            id_records,
            ..PlanInternals::default()
        };
        let refusals = self.match_records(
            &refused_models,
            &current,
            &refused_now,
            &recorded,
            &mut internals,
        );

        progress.report(RestoreProgress::Step("comparing the records"));
        let mut models = self
            .compare(&schemas, &current, &internals, refusals)
            .await?;
        self.compare_translations(&schemas, &current, &internals, &mut models)
            .await?;
        internals.schemas = schemas;
        let plan = RestorePlan::new(
            &self.archive,
            &self.tenant,
            &self.options,
            models,
            internals,
        );
        // The archive's records and the rows read are hundreds of thousands of values, which
        // take a while to free and which the plan no longer needs: freed off the caller's path.
        let done = (self.archive, current, recorded);
        tokio::task::spawn_blocking(move || drop(done));
        Ok(plan)
    }

    /// The id records earlier restores left for the archive's models.
    async fn earlier_restores(&self) -> Result<EarlierRestores, RestoreError> {
        let database_uuid = &self.archive.metadata.odoo.database_uuid;
        id_records::read_earlier(
            &self.client,
            &self.tenant.code,
            database_uuid,
            &self.archive_models,
        )
        .await
    }
}

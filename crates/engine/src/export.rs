//! Reads a tenant's records out of Odoo and feeds them to the archive writer.
//!
//! Planning first: discovery names the models, then every model's record ids are collected (a
//! snapshot: ids only, a few bytes per record), children included, so the total is known before
//! the first page is read. Then, model by model, pages of records are read several at a time
//! (bounded, in id order) and sent to the writer thread; binary fields are read apart, a few
//! records at a time, so a page of large images never sits in memory at once. Translatable
//! fields are read in Odoo's source language, and each page again in every other active language.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::{SubsecRound, Utc};
use futures::{StreamExt, TryStreamExt};
use odoo_client::{Context, Domain, OdooClient, OdooError, Record, SearchOptions, value};
use serde_json::{Map, Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::archive::format::{
    FORMAT_NAME, FORMAT_VERSION, FileReference, Languages, Metadata, ModuleInfo, OdooInfo,
    SOURCE_LANGUAGE, SkippedAttachment, SkippedModel, TRANSLATIONS_KEY, TenantInfo,
    UnresolvedReference,
};
use crate::archive::format::{PreviousArchiveInfo, ReadInfo, ReadKind};
use crate::archive::reader::ReadLimits;
use crate::archive::writer::{
    self, BinaryContent, Command, ModelShape, OutsideReferences, WriterSettings,
};
use crate::discovery::{self, DEFAULT_OPTIONAL_MODELS, DiscoveryError, ModelPlan, Rule};
use crate::error::{ArchiveError, BackupError, WriteError};
use crate::incremental::previous::PreviousArchive;
use crate::incremental::{IncrementalOptions, changes};
use crate::progress::{Progress, ProgressSink};
use crate::report::BackupReport;
use crate::tenant::Tenant;

/// How a backup reads and writes.
#[derive(Clone, Debug)]
pub struct BackupOptions {
    /// Pages of one model read at the same time.
    pub concurrency: usize,
    /// Records per page.
    pub batch_size: usize,
    /// Most records per binary read.
    pub binary_batch_size: usize,
    /// Most bytes of binary content per read, from the sizes Odoo reports (`bin_size`): a page
    /// of small thumbnails is read in one call, large files a few at a time (one alone if it is
    /// larger), so memory holds at most about `2 ×` this much binary content, whatever the sizes.
    pub binary_batch_bytes: u64,
    /// Models whose read failure is reported instead of failing the backup.
    pub optional_models: Vec<String>,
    /// Deflate level (0-9) of `data.json` and of binaries that are not already compressed.
    pub compression_level: i64,
    /// Who archives are encrypted to and signed by (none by default: in clear, unsigned).
    pub keys: crate::protection::ArchiveKeys,
    /// Whether to read only what changed since a previous archive.
    pub incremental: IncrementalOptions,
}

impl Default for BackupOptions {
    fn default() -> Self {
        BackupOptions {
            concurrency: 4,
            batch_size: 500,
            binary_batch_size: 100,
            binary_batch_bytes: 8 << 20,
            optional_models: DEFAULT_OPTIONAL_MODELS
                .iter()
                .map(|model| (*model).to_owned())
                .collect(),
            compression_level: 6,
            keys: crate::protection::ArchiveKeys::default(),
            incremental: IncrementalOptions::default(),
        }
    }
}

/// What to back up and where.
#[derive(Clone, Debug)]
pub struct BackupRequest {
    /// The tenant, as [`resolve_tenant`](crate::resolve_tenant) or a listing found it.
    pub tenant: Tenant,
    /// The directory that receives `backup_<code>_<YYYYmmdd_HHMMSS>.zip`.
    pub out_dir: PathBuf,
    pub options: BackupOptions,
}

/// Ids per `search` when collecting a model's ids.
const ID_PAGE: usize = 50_000;
/// Ids at most per `in` domain when collecting children.
const CHILD_QUERY_CHUNK: usize = 5_000;
/// Pages and binaries queued towards the writer thread.
const WRITER_QUEUE: usize = 8;
/// Binary reads in flight at once.
const BINARY_CONCURRENCY: usize = 2;

/// Creates `directory` if needed and writes (then removes) a hidden file in it: whether a backup
/// can be written there, known before Odoo is read.
pub fn check_output_dir(directory: &std::path::Path) -> Result<(), WriteError> {
    let io_error = |source| WriteError::Io {
        path: directory.to_owned(),
        action: "write in the output directory",
        source,
    };
    crate::private_files::create_private_dir_all(directory).map_err(io_error)?;
    static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let probe = directory.join(format!(
        ".write-check-{}-{}.partial",
        std::process::id(),
        PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::File::create(&probe).map_err(io_error)?;
    std::fs::remove_file(&probe).map_err(io_error)
}

/// Backs up one tenant into a new archive in `request.out_dir`.
pub async fn backup(
    client: &OdooClient,
    request: &BackupRequest,
    progress: &dyn ProgressSink,
) -> Result<BackupReport, BackupError> {
    let started = Instant::now();
    let created_at = Utc::now().trunc_subsecs(0);
    // A directory that cannot take the archive fails the backup before Odoo is read, not after
    // the whole export.
    check_output_dir(&request.out_dir).map_err(|source| BackupError::Write {
        tenant: request.tenant.to_string(),
        source,
    })?;
    let exporter = Exporter::new(client, request.tenant.clone(), &request.options);
    // The previous archive is verified while Odoo is asked for the tenant's description.
    let previous = request.options.incremental.previous.clone().map(|path| {
        let keys = request.options.keys.clone();
        let spool_dir = request.out_dir.clone();
        tokio::task::spawn_blocking(move || {
            PreviousArchive::load(&path, &keys, ReadLimits::default(), &spool_dir)
                .map_err(|reason| (path, reason))
        })
    });

    progress.report(Progress::Step("reading the server's description"));
    let odoo = exporter.odoo_info().await?;
    let languages = exporter.languages().await?;
    progress.report(Progress::Step("discovering the tenant's models"));
    let mut plan = exporter.plan(progress).await?;
    let records: u64 = plan.ids.values().map(|ids| ids.len() as u64).sum();
    let (reuse, mut read) = exporter
        .choose_reading(previous, &odoo, &languages, created_at, &plan, progress)
        .await?;
    progress.report(Progress::Planned {
        models: plan.models.len(),
        records,
    });

    let settings = WriterSettings {
        out_dir: request.out_dir.clone(),
        code: exporter.tenant.code.clone(),
        created_at,
        compression_level: request.options.compression_level.clamp(0, 9),
        planned: plan.ids.clone(),
        keys: request.options.keys.clone(),
    };
    let (sender, handle) =
        writer::spawn(settings, WRITER_QUEUE).map_err(|source| exporter.write_error(source))?;
    let counts = ReadCounts::default();
    let outcome = exporter
        .export(
            &mut plan,
            &reuse,
            &counts,
            &languages,
            sender.clone(),
            progress,
        )
        .await;
    read.records_read = counts.read.load(Ordering::Relaxed);
    read.records_copied = counts.copied.load(Ordering::Relaxed);
    read.files_copied = counts.files_copied.load(Ordering::Relaxed);
    let outcome = match outcome {
        Ok(references) => {
            progress.report(Progress::Finishing);
            let metadata = exporter
                .metadata(created_at, odoo, languages, &plan, references, read)
                .await;
            match metadata {
                Ok((metadata, external_ids)) => sender
                    .send(Command::Finish {
                        external_ids,
                        metadata: Box::new(metadata),
                    })
                    .await
                    .map_err(|_| Failure::WriterGone),
                Err(failure) => Err(failure),
            }
        }
        Err(failure) => Err(failure),
    };
    drop(sender);
    let written = handle.await.map_err(|error| {
        exporter.write_error(WriteError::Io {
            path: request.out_dir.clone(),
            action: "write the archive in",
            source: std::io::Error::other(error.to_string()),
        })
    })?;
    match (outcome, written) {
        (Ok(()), Ok(archive)) => {
            let metadata = archive.metadata;
            Ok(BackupReport {
                archive: archive.path,
                size: archive.size,
                tenant: exporter.tenant.clone(),
                created_at,
                duration: started.elapsed(),
                record_count: metadata.record_count,
                attachment_count: metadata.attachment_count,
                file_count: archive.binary_count,
                models: metadata.models,
                skipped_models: metadata.skipped_models,
                excluded_models: metadata.excluded_models,
                unresolved_references: metadata.unresolved_references,
                skipped_attachments: metadata.skipped_attachments,
                protection: archive.protection,
                read: metadata
                    .read
                    .expect("every new archive says how it was read"),
            })
        }
        // The writer's own failure explains a closed channel.
        (_, Err(error)) if !matches!(error, WriteError::Aborted) => {
            Err(exporter.write_error(error))
        }
        (Err(Failure::Backup(error)), _) => Err(error),
        (Err(Failure::WriterGone), _) | (Ok(()), Err(_)) => {
            Err(exporter.write_error(WriteError::Aborted))
        }
    }
}

/// Why the export loop stopped.
enum Failure {
    Backup(BackupError),
    /// The writer thread ended early; its result says why.
    WriterGone,
}

impl From<BackupError> for Failure {
    fn from(error: BackupError) -> Self {
        Failure::Backup(error)
    }
}

/// How many records and files came from Odoo and from the previous archive.
#[derive(Default)]
struct ReadCounts {
    read: AtomicU64,
    copied: AtomicU64,
    files_copied: AtomicU64,
}

/// What an incremental read of one model takes from the previous archive.
struct ModelReuse {
    previous: Arc<PreviousArchive>,
    /// Ids read from Odoo: written since the previous backup's cutoff. The other ids the
    /// previous archive holds are copied from it; ids it lacks are read.
    written: HashSet<i64>,
    /// Fields `write_date` does not cover: read again for the copied records.
    blind: Vec<String>,
    /// The model's links to other records.
    relations: Vec<writer::Relation>,
    /// Records the previous archive refers to that are gone since: deleting a record clears
    /// the links to it in the database (`ON DELETE SET NULL`), and merging partners moves
    /// them, without a write. A record linked to one of them is read again.
    gone: Arc<HashMap<String, HashSet<i64>>>,
    /// Many2many fields whose changes are found through the other side's `write_date`
    /// instead of being read again for every record (see [`OtherSides`]).
    watched: Vec<String>,
    other_sides: Arc<OtherSides>,
}

/// A many2many link written from the other side (a category's partners) changes the relation
/// table only, but moves the other record's `write_date`. For a many2many field whose comodel
/// keeps `write_date`, the records of that comodel written since the cutoff are listed; a
/// record that linked to one of them, or links to one now, is read again. A comodel whose
/// writes cannot be listed leaves its fields blind: read again for every record.
#[derive(Default)]
struct OtherSides {
    /// Comodel → its records written (or created) since the cutoff.
    written: HashMap<String, HashSet<i64>>,
}

impl OtherSides {
    fn written(&self, model: &str, id: i64) -> bool {
        self.written.get(model).is_some_and(|ids| ids.contains(&id))
    }
}

impl ModelReuse {
    fn copies(&self, model: &str, id: i64) -> bool {
        !self.written.contains(&id) && self.previous.contains(model, id)
    }

    /// Whether a record the previous archive holds must be read again all the same: it links to
    /// a record that is gone, or through a watched many2many to one written since.
    fn must_read_again(&self, record: &Record) -> bool {
        self.links_to_gone(record) || self.links_to_other_side_written(record)
    }

    fn links_to_other_side_written(&self, record: &Record) -> bool {
        self.relations
            .iter()
            .filter(|relation| self.watched.contains(&relation.field))
            .any(|relation| {
                record
                    .get(&relation.field)
                    .and_then(Value::as_array)
                    .is_some_and(|ids| {
                        ids.iter()
                            .filter_map(Value::as_i64)
                            .any(|id| self.other_sides.written(&relation.comodel, id))
                    })
            })
    }

    /// Whether a copied record links to a record that is gone.
    fn links_to_gone(&self, record: &Record) -> bool {
        let gone = |model: &str, id: i64| self.gone.get(model).is_some_and(|ids| ids.contains(&id));
        self.relations.iter().any(|relation| {
            let Some(value) = record.get(&relation.field) else {
                return false;
            };
            match relation.kind {
                writer::RelationKind::Many2one => {
                    value::many2one_id(value).is_some_and(|id| gone(&relation.comodel, id))
                }
                writer::RelationKind::X2many => value.as_array().is_some_and(|ids| {
                    ids.iter()
                        .filter_map(Value::as_i64)
                        .any(|id| gone(&relation.comodel, id))
                }),
                writer::RelationKind::Reference => value
                    .as_str()
                    .and_then(|text| text.split_once(','))
                    .and_then(|(model, id)| Some((model, id.trim().parse::<i64>().ok()?)))
                    .is_some_and(|(model, id)| gone(model, id)),
            }
        })
    }
}

/// The models and ids to export.
struct Plan {
    models: Vec<ModelPlan>,
    /// Ids per model, ascending.
    ids: Arc<HashMap<String, Vec<i64>>>,
    excluded: Vec<crate::archive::format::ExcludedModel>,
    skipped: Vec<SkippedModel>,
    skipped_attachments: Vec<SkippedAttachment>,
}

struct Exporter<'a> {
    /// Pinned to the tenant, archived records visible.
    scoped: OdooClient,
    /// The same, with binary fields answered by their size (`bin_size`).
    sized: OdooClient,
    tenant: Tenant,
    options: &'a BackupOptions,
}

impl<'a> Exporter<'a> {
    fn new(client: &OdooClient, tenant: Tenant, options: &'a BackupOptions) -> Self {
        // Translatable values are read in Odoo's source language, whatever the user's; the other
        // languages are read apart (`translators`).
        let context = Context::company(tenant.company_id)
            .with_archived()
            .with_lang(SOURCE_LANGUAGE);
        Exporter {
            scoped: client.with_context(context.clone()),
            sized: client.with_context(context.with("bin_size", true)),
            tenant,
            options,
        }
    }

    fn odoo_error(&self, step: impl Into<String>) -> impl FnOnce(OdooError) -> BackupError + '_ {
        let step = step.into();
        move |source| BackupError::Odoo {
            tenant: self.tenant.code.clone(),
            step,
            source,
        }
    }

    fn unreadable(&self, model: &str, source: OdooError) -> BackupError {
        BackupError::ModelUnreadable {
            tenant: self.tenant.code.clone(),
            model: model.to_owned(),
            source,
        }
    }

    fn write_error(&self, source: WriteError) -> BackupError {
        BackupError::Write {
            tenant: self.tenant.code.clone(),
            source,
        }
    }

    fn is_optional(&self, model: &str) -> bool {
        self.options
            .optional_models
            .iter()
            .any(|optional| optional == model)
    }

    /// The server's version, the database uuid and the installed modules. A server without
    /// `ir.config_parameter` or `ir.module.module` (a stripped-down test double) gives no uuid
    /// and no modules; any other failure fails the backup.
    async fn odoo_info(&self) -> Result<OdooInfo, BackupError> {
        let absent_model = |result: Result<Vec<Record>, OdooError>| match result {
            Err(OdooError::UnknownModel { call, .. }) => {
                tracing::warn!(model = %call.model, "the server has no such model; metadata.json leaves it out");
                Ok(Vec::new())
            }
            other => other,
        };
        let uuid = absent_model(
            self.scoped
                .search_read(
                    "ir.config_parameter",
                    &Domain::leaf("key", "=", "database.uuid"),
                    &["value".to_owned()],
                    &SearchOptions::default(),
                )
                .await,
        )
        .map_err(self.odoo_error(
            "read the database uuid (ir.config_parameter; the backup user must be a Settings administrator)",
        ))?;
        let database_uuid = uuid
            .first()
            .and_then(|row| row.get("value"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let modules = absent_model(
            self.scoped
                .search_read(
                    "ir.module.module",
                    &Domain::leaf("state", "=", "installed"),
                    &["name".to_owned(), "latest_version".to_owned()],
                    &SearchOptions::ordered_by("name"),
                )
                .await,
        )
        .map_err(self.odoo_error("list the installed modules (ir.module.module)"))?;
        let modules = modules
            .iter()
            .filter_map(|row| {
                Some(ModuleInfo {
                    name: row.get("name")?.as_str()?.to_owned(),
                    version: row
                        .get("latest_version")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                })
            })
            .collect();
        Ok(OdooInfo {
            server_version: self.scoped.server_version().server_version.clone(),
            database_uuid,
            modules,
        })
    }

    /// The languages active in the database: translatable values are kept in each.
    async fn languages(&self) -> Result<Languages, BackupError> {
        let translations = active_languages(&self.scoped)
            .await
            .map_err(self.odoo_error("list the active languages (res.lang)"))?
            .into_iter()
            .filter(|code| code != SOURCE_LANGUAGE)
            .collect();
        Ok(Languages {
            values: SOURCE_LANGUAGE.to_owned(),
            translations,
        })
    }

    async fn plan(&self, progress: &dyn ProgressSink) -> Result<Plan, BackupError> {
        let discovery = discovery::discover(
            &self.scoped,
            &self.options.optional_models,
            self.options.concurrency,
        )
        .await
        .map_err(|error| match error {
            DiscoveryError::Step(step, source) => self.odoo_error(step)(source),
            DiscoveryError::Model(model, source) => self.unreadable(&model, source),
        })?;
        let mut plan = Plan {
            models: Vec::new(),
            ids: Arc::new(HashMap::new()),
            excluded: discovery.excluded,
            skipped: discovery
                .skipped
                .into_iter()
                .map(|(model, reason)| SkippedModel { model, reason })
                .collect(),
            skipped_attachments: Vec::new(),
        };

        progress.report(Progress::Step("collecting record ids"));
        // Models selected by a company field, concurrently.
        let direct: Vec<&ModelPlan> = discovery
            .models
            .iter()
            .filter(|model| !matches!(model.rule, Rule::Children(_) | Rule::Attachments))
            .collect();
        let results: Vec<(String, Result<Vec<i64>, OdooError>)> = futures::stream::iter(direct)
            .map(|model| async move { (model.model.clone(), self.direct_ids(model).await) })
            .buffered(self.options.concurrency.max(1))
            .collect()
            .await;
        let mut unreadable: BTreeSet<String> = BTreeSet::new();
        for (model, result) in results {
            match result {
                Ok(mut ids) => {
                    ids.sort_unstable();
                    ids.dedup();
                    Arc::make_mut(&mut plan.ids).insert(model, ids);
                }
                Err(error) if self.is_optional(&model) => {
                    plan.skipped.push(SkippedModel {
                        model: model.clone(),
                        reason: error.to_string(),
                    });
                    unreadable.insert(model);
                }
                Err(error) => return Err(self.unreadable(&model, error)),
            }
        }
        let mut models: Vec<ModelPlan> = discovery
            .models
            .into_iter()
            .filter(|model| !unreadable.contains(&model.model))
            .collect();

        self.collect_children(&mut models, &mut plan).await?;
        // Messages of the tenant's records that Odoo left without a `record_company_id` (the
        // first notification of an order is posted before its company is known): without them
        // the replies that name them as parent could not be restored. Before the attachments,
        // which may be attached to these messages.
        if let Some(messages) = models
            .iter()
            .find(|model| model.rule == Rule::RecordCompany)
        {
            let unstamped = self
                .attached_to_archive(
                    &messages.model,
                    "model",
                    Domain::leaf("record_company_id", "=", false),
                    &models,
                    &plan,
                )
                .await?;
            let ids = Arc::make_mut(&mut plan.ids)
                .entry(messages.model.clone())
                .or_default();
            ids.extend(unstamped);
            ids.sort_unstable();
            ids.dedup();
        }
        if let Some(attachments) = models.iter().find(|model| model.rule == Rule::Attachments) {
            progress.report(Progress::Step("collecting attachments"));
            let attachment_ids = self.attachment_ids(&models, &mut plan).await?;
            Arc::make_mut(&mut plan.ids).insert(attachments.model.clone(), attachment_ids);
        }
        models.retain(|model| plan.ids.contains_key(&model.model));
        plan.models = models;
        Ok(plan)
    }

    /// Decides between a full and an incremental read, and for an incremental one what each
    /// model takes from the previous archive. Returns, per planned model, its reuse (`None`:
    /// read in full) and the archive's `read` entry (counts filled in after the export).
    async fn choose_reading(
        &self,
        previous: Option<tokio::task::JoinHandle<Result<PreviousArchive, (PathBuf, String)>>>,
        odoo: &OdooInfo,
        languages: &Languages,
        created_at: chrono::DateTime<Utc>,
        plan: &Plan,
        progress: &dyn ProgressSink,
    ) -> Result<(Vec<Option<Arc<ModelReuse>>>, ReadInfo), BackupError> {
        let settings = &self.options.incremental;
        let defaults_digest = self.defaults_digest().await?;
        let full = |reason: String| {
            tracing::info!(tenant = %self.tenant.code, %reason, "reading every record");
            (
                Vec::new(),
                ReadInfo {
                    kind: ReadKind::Full,
                    full_read_reason: Some(reason),
                    previous: None,
                    full_read_at: created_at,
                    records_read: 0,
                    records_copied: 0,
                    files_copied: 0,
                    defaults_digest: defaults_digest.clone(),
                },
            )
        };
        let Some(previous) = previous else {
            return Ok(full("no previous archive to read from".into()));
        };
        let previous = match previous.await {
            Ok(Ok(previous)) => previous,
            Ok(Err((path, reason))) => {
                return Ok(full(format!(
                    "the previous archive {} cannot be used: {reason}",
                    file_name(&path)
                )));
            }
            Err(error) => {
                return Ok(full(format!(
                    "the previous archive could not be read: {error}"
                )));
            }
        };
        let name = file_name(&previous.path);
        if let Some(reason) =
            previous.unusable_for(self.tenant.company_id, odoo, languages, created_at)
        {
            return Ok(full(format!(
                "the previous archive {name} cannot be used: {reason}"
            )));
        }
        let previous_digest = previous
            .metadata
            .read
            .as_ref()
            .and_then(|read| read.defaults_digest.clone());
        if previous_digest != defaults_digest {
            return Ok(full(format!(
                "the previous archive {name} cannot be used: the default values (ir.default) changed since"
            )));
        }
        let full_read_at = previous.full_read_at();
        if created_at - full_read_at >= settings.full_read_every {
            return Ok(full(format!(
                "the last full read, on {}, is older than {} days",
                full_read_at.format("%Y-%m-%d %H:%M UTC"),
                settings.full_read_every.num_days()
            )));
        }

        progress.report(Progress::Step(
            "finding what changed since the previous backup",
        ));
        let previous = Arc::new(previous);
        let since = changes::cutoff(previous.metadata.created_at, settings.margin);
        let since_text = value::datetime(&since);
        let gone = Arc::new(self.gone_since(&previous, plan).await?);
        let blind: Vec<Option<Vec<String>>> = plan
            .models
            .iter()
            .map(|model| self.reusable(model, &previous))
            .collect();
        // The records written since, once per model that copies from the previous archive;
        // the other sides of many2many fields reuse them.
        let written_searches = plan.models.iter().zip(&blind).map(|(model, blind)| {
            let since_text = since_text.clone();
            async move {
                if blind.is_none() {
                    return Ok(None);
                }
                let domain = Domain::leaf("write_date", ">=", since_text);
                let written: HashSet<i64> = self
                    .ids_where(&model.model, domain)
                    .await
                    .map_err(|error| self.unreadable(&model.model, error))?
                    .into_iter()
                    .collect();
                Ok::<_, BackupError>(Some(written))
            }
        });
        let written: Vec<Option<HashSet<i64>>> = futures::stream::iter(written_searches)
            .buffered(self.options.concurrency.max(1))
            .try_collect()
            .await?;
        let other_sides = Arc::new(
            self.other_sides_written(plan, &blind, &written, &since_text)
                .await?,
        );
        let searches =
            plan.models
                .iter()
                .zip(blind)
                .zip(written)
                .map(|((model, blind), written)| {
                    let previous = previous.clone();
                    let gone = gone.clone();
                    let other_sides = other_sides.clone();
                    async move {
                        let (Some(mut blind), Some(mut written)) = (blind, written) else {
                            return Ok(None);
                        };
                        // Many2many fields whose other side keeps `write_date` are no longer blind:
                        // the records linking now to a record written on that side are read again
                        // (those that linked to one before are found in the previous archive).
                        let mut watched = Vec::new();
                        for relation in &model.relations {
                            let Some(touched) = other_sides.written.get(&relation.comodel) else {
                                continue;
                            };
                            if relation.kind != writer::RelationKind::X2many
                                || !blind.contains(&relation.field)
                            {
                                continue;
                            }
                            let touched: Vec<i64> = touched.iter().copied().collect();
                            for chunk in touched.chunks(CHILD_QUERY_CHUNK) {
                                let domain = Domain::leaf(&relation.field, "in", json!(chunk));
                                written.extend(
                                    self.ids_where(&model.model, domain)
                                        .await
                                        .map_err(|error| self.unreadable(&model.model, error))?,
                                );
                            }
                            blind.retain(|field| field != &relation.field);
                            watched.push(relation.field.clone());
                        }
                        Ok::<_, BackupError>(Some(Arc::new(ModelReuse {
                            previous,
                            written,
                            blind,
                            relations: model.relations.clone(),
                            gone,
                            watched,
                            other_sides,
                        })))
                    }
                });
        let reuse: Vec<Option<Arc<ModelReuse>>> = futures::stream::iter(searches)
            .buffered(self.options.concurrency.max(1))
            .try_collect()
            .await?;
        let read = ReadInfo {
            kind: ReadKind::Incremental,
            full_read_reason: None,
            previous: Some(PreviousArchiveInfo {
                archive: name,
                created_at: previous.metadata.created_at,
            }),
            full_read_at,
            records_read: 0,
            records_copied: 0,
            files_copied: 0,
            defaults_digest,
        };
        Ok((reuse, read))
    }

    /// For the comodels of the blind many2many fields of `blind` (per planned model), the records
    /// written since `since`: taken from `written` for a comodel copied from the previous
    /// archive, searched otherwise. A comodel that has no `write_date`, is always read in full,
    /// or cannot be searched is left out, and its fields stay blind.
    async fn other_sides_written(
        &self,
        plan: &Plan,
        blind: &[Option<Vec<String>>],
        written: &[Option<HashSet<i64>>],
        since: &Value,
    ) -> Result<OtherSides, BackupError> {
        let mut other_sides = OtherSides::default();
        let planned: HashMap<&str, &ModelPlan> = plan
            .models
            .iter()
            .map(|model| (model.model.as_str(), model))
            .collect();
        let mut comodels: BTreeSet<&str> = BTreeSet::new();
        for (model, blind) in plan.models.iter().zip(blind) {
            let Some(blind) = blind else { continue };
            for relation in &model.relations {
                if relation.kind == writer::RelationKind::X2many
                    && blind.contains(&relation.field)
                    && !changes::always_read_in_full(&relation.comodel)
                    && planned
                        .get(relation.comodel.as_str())
                        .is_none_or(|comodel| comodel.has_write_date)
                {
                    comodels.insert(&relation.comodel);
                }
            }
        }
        // A comodel that is itself copied from the previous archive was searched already.
        for (model, written) in plan.models.iter().zip(written) {
            if let Some(written) = written
                && comodels.remove(model.model.as_str())
            {
                other_sides
                    .written
                    .insert(model.model.clone(), written.clone());
            }
        }
        let found: Vec<(&str, Result<Vec<i64>, OdooError>)> = futures::stream::iter(comodels)
            .map(|comodel| async move {
                let domain = Domain::leaf("write_date", ">=", since.clone());
                (comodel, self.ids_where(comodel, domain).await)
            })
            .buffered(self.options.concurrency.max(1))
            .collect()
            .await;
        for (comodel, result) in found {
            match result {
                Ok(ids) => {
                    other_sides
                        .written
                        .insert(comodel.to_owned(), ids.into_iter().collect());
                }
                // Outside the tenant's models: it may have no `write_date`, or not be
                // searchable from the tenant; the links to it are read again for every record.
                Err(error) if !planned.contains_key(comodel) => {
                    tracing::info!(%comodel, %error, "cannot list the records written on the other side; reading the links to it again");
                }
                Err(error) => return Err(self.unreadable(comodel, error)),
            }
        }
        Ok(other_sides)
    }

    /// The records the previous archive holds or refers to that are gone now: its records no
    /// longer in the tenant's ids, and the records outside it it refers to that no longer exist
    /// (or can no longer be seen from the tenant).
    async fn gone_since(
        &self,
        previous: &PreviousArchive,
        plan: &Plan,
    ) -> Result<HashMap<String, HashSet<i64>>, BackupError> {
        let mut gone: HashMap<String, HashSet<i64>> = HashMap::new();
        for (model, ids) in plan.ids.iter() {
            let missing: HashSet<i64> = previous
                .ids(model)
                .filter(|id| ids.binary_search(id).is_err())
                .collect();
            if !missing.is_empty() {
                gone.insert(model.clone(), missing);
            }
        }
        let outside: Vec<(&String, &Vec<i64>)> = previous
            .outside_references()
            .iter()
            .filter(|(model, _)| !plan.ids.contains_key(*model))
            .collect();
        let found: Vec<(String, Result<Vec<i64>, OdooError>)> = futures::stream::iter(outside)
            .map(|(model, ids)| async move {
                let mut existing = Vec::new();
                for chunk in ids.chunks(CHILD_QUERY_CHUNK) {
                    let domain = Domain::leaf("id", "in", json!(chunk));
                    match self.ids_where(model, domain).await {
                        Ok(ids) => existing.extend(ids),
                        Err(error) => return (model.clone(), Err(error)),
                    }
                }
                (model.clone(), Ok(existing))
            })
            .buffered(self.options.concurrency.max(1))
            .collect()
            .await;
        for (model, result) in found {
            let ids = &previous.outside_references()[&model];
            let existing: HashSet<i64> = match result {
                Ok(existing) => existing.into_iter().collect(),
                // A model the tenant can no longer search: every link to it is read again.
                Err(error) => {
                    tracing::info!(%model, %error, "cannot tell which referenced records still exist; reading the links to them again");
                    HashSet::new()
                }
            };
            let missing: HashSet<i64> = ids
                .iter()
                .copied()
                .filter(|id| !existing.contains(id))
                .collect();
            if !missing.is_empty() {
                gone.insert(model, missing);
            }
        }
        Ok(gone)
    }

    /// A digest of every default value's id and `write_date`: it changes when one is set,
    /// changed or removed. `None` on a server without `ir.default`.
    async fn defaults_digest(&self) -> Result<Option<String>, BackupError> {
        use sha2::{Digest, Sha256};
        let rows = match self
            .scoped
            .search_read(
                "ir.default",
                &Domain::all(),
                &["write_date".to_owned()],
                &SearchOptions::ordered_by("id"),
            )
            .await
        {
            Err(OdooError::UnknownModel { .. }) => return Ok(None),
            other => other.map_err(self.odoo_error("read the default values (ir.default)"))?,
        };
        let mut digest = Sha256::new();
        for row in rows {
            digest.update(row.get("id").map(Value::to_string).unwrap_or_default());
            digest.update(
                row.get("write_date")
                    .map(Value::to_string)
                    .unwrap_or_default(),
            );
            digest.update(b";");
        }
        Ok(Some(crate::archive::format::hex(&digest.finalize())))
    }

    /// Whether a model's records can be copied from the previous archive, and if so the fields
    /// read again for every record: a model without `write_date`, or whose fields differ from
    /// the previous archive's records, is read in full.
    fn reusable(&self, model: &ModelPlan, previous: &PreviousArchive) -> Option<Vec<String>> {
        if !model.has_write_date
            || changes::always_read_in_full(&model.model)
            || !previous.has_model(&model.model)
        {
            return None;
        }
        if let Some(archived) = previous.fields_of(&model.model) {
            let mut fields: Vec<String> = model
                .fields
                .iter()
                .chain(model.binary_fields.iter())
                .cloned()
                .collect();
            fields.sort();
            fields.dedup();
            let archived: Vec<String> = archived
                .iter()
                .filter(|field| field.as_str() != TRANSLATIONS_KEY)
                .cloned()
                .collect();
            if fields != archived {
                return None;
            }
        }
        let many2many: HashSet<&str> = model
            .relations
            .iter()
            .filter(|relation| relation.kind == writer::RelationKind::X2many)
            .map(|relation| relation.field.as_str())
            .collect();
        Some(
            model
                .fields
                .iter()
                .filter(|field| {
                    changes::is_blind_spot(
                        &model.model,
                        field,
                        many2many.contains(field.as_str()),
                        model.translated_fields.contains(field),
                    )
                })
                .cloned()
                .collect(),
        )
    }

    /// Every id of `model` that `domain` selects in the tenant's view, walked in pages by id.
    async fn ids_where(&self, model: &str, domain: Domain) -> Result<Vec<i64>, OdooError> {
        let mut ids = Vec::new();
        let mut last = 0_i64;
        loop {
            let page_domain = domain.clone().and(Domain::leaf("id", ">", last));
            let options = SearchOptions::ordered_by("id").limit(ID_PAGE as u64);
            let page = self.scoped.search(model, &page_domain, &options).await?;
            let Some(&page_last) = page.last() else {
                return Ok(ids);
            };
            last = page_last;
            ids.extend(page);
        }
    }

    async fn direct_ids(&self, model: &ModelPlan) -> Result<Vec<i64>, OdooError> {
        let company = self.tenant.company_id;
        let order = SearchOptions::ordered_by("id");
        // Ids in pages walked by id, so that a model of millions of records never arrives as
        // one answer. Only an empty page ends the walk: some models (`mail.message`) drop what
        // the user may not see after the limit, so a short page is not the last one.
        let search = |domain: Domain| async move {
            let mut ids = Vec::new();
            let mut last = 0_i64;
            loop {
                let page_domain = domain.clone().and(Domain::leaf("id", ">", last));
                let options = SearchOptions::ordered_by("id").limit(ID_PAGE as u64);
                let page = self
                    .scoped
                    .search(&model.model, &page_domain, &options)
                    .await?;
                let Some(&page_last) = page.last() else {
                    return Ok(ids);
                };
                last = page_last;
                ids.extend(page);
            }
        };
        match &model.rule {
            Rule::Company => search(Domain::leaf("company_id", "=", company)).await,
            Rule::CompanyIds => search(Domain::leaf("company_ids", "in", json!([company]))).await,
            Rule::RecordCompany => search(Domain::leaf("record_company_id", "=", company)).await,
            Rule::TheCompany => search(Domain::leaf("id", "=", company)).await,
            Rule::Partners => {
                let mut ids = search(Domain::leaf("company_id", "=", company)).await?;
                let company_partner = self
                    .scoped
                    .read("res.company", &[company], &["partner_id".to_owned()])
                    .await?;
                let users = self
                    .scoped
                    .search_read(
                        "res.users",
                        &Domain::leaf("company_id", "=", company),
                        &["partner_id".to_owned()],
                        &order,
                    )
                    .await?;
                ids.extend(
                    company_partner
                        .iter()
                        .chain(users.iter())
                        .filter_map(|row| row.get("partner_id").and_then(value::many2one_id)),
                );
                Ok(ids)
            }
            Rule::Children(_) | Rule::Attachments => Ok(Vec::new()),
        }
    }

    /// Collects children until nothing new turns up: a child found through one link may be the
    /// parent of another (or of itself, for trees).
    async fn collect_children(
        &self,
        models: &mut Vec<ModelPlan>,
        plan: &mut Plan,
    ) -> Result<(), BackupError> {
        let children: Vec<(String, Vec<discovery::ChildLink>)> = models
            .iter()
            .filter_map(|model| match &model.rule {
                Rule::Children(links) => Some((model.model.clone(), links.clone())),
                _ => None,
            })
            .collect();
        if children.is_empty() {
            return Ok(());
        }
        // Append-only lists of ids per model, and how far each link has read its parent's list.
        let mut found: HashMap<String, BTreeSet<i64>> = HashMap::new();
        let mut added: HashMap<String, Vec<i64>> = plan
            .ids
            .iter()
            .map(|(model, ids)| (model.clone(), ids.clone()))
            .collect();
        let mut offsets: HashMap<(String, String, String), usize> = HashMap::new();
        let mut failed: BTreeSet<String> = BTreeSet::new();
        loop {
            let mut progressed = false;
            for (child, links) in &children {
                if failed.contains(child) {
                    continue;
                }
                for link in links {
                    let key = (child.clone(), link.parent.clone(), link.inverse.clone());
                    let start = offsets.get(&key).copied().unwrap_or(0);
                    let parents: Vec<i64> = added
                        .get(&link.parent)
                        .map(|ids| ids[start..].to_vec())
                        .unwrap_or_default();
                    offsets.insert(key, start + parents.len());
                    if parents.is_empty() {
                        continue;
                    }
                    progressed = true;
                    let order = SearchOptions::ordered_by("id");
                    let result: Result<Vec<Vec<i64>>, OdooError> =
                        futures::stream::iter(parents.chunks(CHILD_QUERY_CHUNK))
                            .map(|chunk| {
                                let domain = Domain::leaf(&link.inverse, "in", json!(chunk));
                                let order = order.clone();
                                async move { self.scoped.search(child, &domain, &order).await }
                            })
                            .buffered(self.options.concurrency.max(1))
                            .try_collect()
                            .await;
                    match result {
                        Ok(batches) => {
                            let known = found.entry(child.clone()).or_default();
                            let list = added.entry(child.clone()).or_default();
                            for id in batches.into_iter().flatten() {
                                if known.insert(id) {
                                    list.push(id);
                                }
                            }
                        }
                        Err(error) if self.is_optional(child) => {
                            plan.skipped.push(SkippedModel {
                                model: child.clone(),
                                reason: error.to_string(),
                            });
                            failed.insert(child.clone());
                            break;
                        }
                        Err(error) => return Err(self.unreadable(child, error)),
                    }
                }
            }
            if !progressed {
                break;
            }
        }
        for (child, _) in &children {
            if failed.contains(child) {
                continue;
            }
            let ids: Vec<i64> = found
                .remove(child)
                .unwrap_or_default()
                .into_iter()
                .collect();
            Arc::make_mut(&mut plan.ids).insert(child.clone(), ids);
        }
        models.retain(|model| !failed.contains(&model.model));
        Ok(())
    }

    /// The attachments to back up:
    /// - those attached (`res_model`/`res_id`) to a record in the archive, whatever their
    ///   `company_id` says (Odoo stamps some with the main company);
    /// - those whose `company_id` is the tenant and that hang on no record, or on a record of a
    ///   model that is not tenant data (a shared record); those hanging on a tenant-data record
    ///   that is not in the archive belong to another tenant and are reported, not copied.
    ///
    /// Attachments that store an image or binary field (`res_field` set) are not rows of their
    /// own in the archive: their content is the field's value.
    async fn attachment_ids(
        &self,
        models: &[ModelPlan],
        plan: &mut Plan,
    ) -> Result<Vec<i64>, BackupError> {
        let fields = vec!["res_model".to_owned(), "res_id".to_owned()];
        let in_archive = |model: &str, id: i64| {
            plan.ids
                .get(model)
                .is_some_and(|ids| ids.binary_search(&id).is_ok())
        };
        let mut ids = self
            .attached_to_archive(
                "ir.attachment",
                "res_model",
                Domain::leaf("res_field", "=", false),
                models,
                plan,
            )
            .await?;

        let owned = Domain::leaf("res_field", "=", false).and(Domain::leaf(
            "company_id",
            "=",
            self.tenant.company_id,
        ));
        let mut pages =
            std::pin::pin!(
                self.scoped
                    .search_read_batches("ir.attachment", owned, fields, 2_000)
            );
        let mut skipped = Vec::new();
        while let Some(page) = pages
            .try_next()
            .await
            .map_err(|error| self.unreadable("ir.attachment", error))?
        {
            for row in page {
                let Some(id) = row.get("id").and_then(Value::as_i64) else {
                    continue;
                };
                let res_model = row
                    .get("res_model")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let res_id = row.get("res_id").and_then(Value::as_i64).unwrap_or(0);
                let tenant_model = models.iter().any(|model| model.model == res_model);
                if res_model.is_empty()
                    || res_id == 0
                    || !tenant_model
                    || in_archive(res_model, res_id)
                {
                    ids.insert(id);
                } else {
                    skipped.push(SkippedAttachment {
                        id,
                        res_model: res_model.to_owned(),
                        res_id,
                        reason: "attached to a record that is not this tenant's".into(),
                    });
                }
            }
        }
        plan.skipped_attachments = skipped;
        Ok(ids.into_iter().collect())
    }

    /// The records of `model` that `domain` selects and that are attached (`model_field` and
    /// `res_id`) to a record the archive holds.
    async fn attached_to_archive(
        &self,
        model: &str,
        model_field: &str,
        domain: Domain,
        models: &[ModelPlan],
        plan: &Plan,
    ) -> Result<BTreeSet<i64>, BackupError> {
        let exported: Vec<&str> = models
            .iter()
            .filter(|planned| planned.model != model && plan.ids.contains_key(&planned.model))
            .map(|planned| planned.model.as_str())
            .collect();
        let domain = domain.and(Domain::leaf(model_field, "in", json!(exported)));
        let fields = vec![model_field.to_owned(), "res_id".to_owned()];
        let mut pages = std::pin::pin!(
            self.scoped
                .search_read_batches(model, domain, fields, 2_000)
        );
        let mut ids = BTreeSet::new();
        while let Some(page) = pages
            .try_next()
            .await
            .map_err(|error| self.unreadable(model, error))?
        {
            for row in page {
                let (Some(id), Some(parent), Some(res_id)) = (
                    row.get("id").and_then(Value::as_i64),
                    row.get(model_field).and_then(Value::as_str),
                    row.get("res_id").and_then(Value::as_i64),
                ) else {
                    continue;
                };
                if plan
                    .ids
                    .get(parent)
                    .is_some_and(|ids| ids.binary_search(&res_id).is_ok())
                {
                    ids.insert(id);
                }
            }
        }
        Ok(ids)
    }

    /// Exports every planned model; returns the records referred to but not written.
    ///
    /// All pages of all models form one stream, read `concurrency` at a time: the next model's
    /// first pages are read while the current one is finished, so a run of small models does
    /// not cost one round trip each. Each page is its own task, so reads go on while this loop
    /// waits on binaries or on the writer; `buffered` bounds how many run ahead and keeps them in
    /// order.
    async fn export(
        &self,
        plan: &mut Plan,
        reuse: &[Option<Arc<ModelReuse>>],
        counts: &ReadCounts,
        languages: &Languages,
        sender: mpsc::Sender<Command>,
        progress: &dyn ProgressSink,
    ) -> Result<BTreeMap<String, OutsideReferences>, Failure> {
        let batch_size = self.options.batch_size.max(1);
        let empty = Vec::new();
        let ids_of = |model: &ModelPlan| plan.ids.get(&model.model).unwrap_or(&empty);
        let fields_of: Vec<std::sync::Arc<Vec<String>>> = plan
            .models
            .iter()
            .map(|model| {
                let mut fields = model.fields.clone();
                fields.extend(model.binary_fields.iter().cloned());
                std::sync::Arc::new(fields)
            })
            .collect();
        let translations_of: Vec<std::sync::Arc<Translations>> = plan
            .models
            .iter()
            .map(|model| {
                let readers = if model.translated_fields.is_empty() {
                    Vec::new()
                } else {
                    languages
                        .translations
                        .iter()
                        .map(|lang| (lang.clone(), self.translator(lang)))
                        .collect()
                };
                std::sync::Arc::new(Translations {
                    fields: model.translated_fields.clone(),
                    readers,
                })
            })
            .collect();
        let tasks = plan.models.iter().enumerate().flat_map(|(index, model)| {
            ids_of(model)
                .chunks(batch_size)
                .map(move |chunk| (index, chunk.to_vec()))
        });
        let pages = futures::stream::iter(tasks)
            .map(|(index, chunk)| {
                let client = self.sized.clone();
                let name = plan.models[index].model.clone();
                let fields = fields_of[index].clone();
                let translations = translations_of[index].clone();
                let reuse = reuse.get(index).cloned().flatten();
                let read = tokio::spawn(async move {
                    let Some(reuse) = reuse else {
                        let mut page = read_page(&client, &name, chunk, &fields).await?;
                        translations.add_to(&name, &mut page).await?;
                        return Ok::<_, OdooError>((page, 0));
                    };
                    let (copied, mut written): (Vec<i64>, Vec<i64>) =
                        chunk.into_iter().partition(|id| reuse.copies(&name, *id));
                    let mut kept: Vec<Record> = Vec::with_capacity(copied.len());
                    for id in copied {
                        match reuse.previous.record(&name, id) {
                            Some(record) if !reuse.must_read_again(&record) => kept.push(record),
                            _ => written.push(id),
                        }
                    }
                    written.sort_unstable();
                    let mut page = if written.is_empty() {
                        Vec::new()
                    } else {
                        let mut page = read_page(&client, &name, written, &fields).await?;
                        translations.add_to(&name, &mut page).await?;
                        page
                    };
                    if !reuse.blind.is_empty() && !kept.is_empty() {
                        read_blind_spots(&client, &name, &mut kept, &reuse.blind, &translations)
                            .await?;
                    }
                    let copied = kept.len() as u64;
                    page.extend(kept);
                    page.sort_by_key(|record| record.get("id").and_then(Value::as_i64));
                    Ok((page, copied))
                });
                async move { (index, read.await) }
            })
            .buffered(self.options.concurrency.max(1));
        let mut pages = std::pin::pin!(pages);

        // Models are opened and closed in plan order, empty ones included.
        let mut next_model = 0;
        let mut open: Option<usize> = None;
        loop {
            let item = pages.next().await;
            let target = item.as_ref().map_or(plan.models.len(), |(index, _)| *index);
            if open != Some(target) {
                if open.take().is_some() {
                    self.send(&sender, Command::EndModel).await?;
                }
                while next_model <= target && next_model < plan.models.len() {
                    let model = &plan.models[next_model];
                    progress.report(Progress::Model {
                        model: &model.model,
                        records: ids_of(model).len() as u64,
                    });
                    self.send(
                        &sender,
                        Command::BeginModel(ModelShape {
                            model: model.model.clone(),
                            relations: model.relations.clone(),
                            binary_fields: model.binary_fields.clone(),
                        }),
                    )
                    .await?;
                    if next_model == target {
                        open = Some(next_model);
                    } else {
                        self.send(&sender, Command::EndModel).await?;
                    }
                    next_model += 1;
                }
            }
            let Some((index, joined)) = item else { break };
            let model = &plan.models[index];
            let (mut page, copied) = joined
                .map_err(|error| {
                    self.unreadable(
                        &model.model,
                        OdooError::Unsupported(format!("a read task failed: {error}")),
                    )
                })?
                .map_err(|error| self.unreadable(&model.model, error))?;
            if !model.binary_fields.is_empty() {
                let previous = reuse.get(index).cloned().flatten();
                self.send_binaries(model, &mut page, previous.as_deref(), counts, &sender)
                    .await?;
            }
            let count = page.len() as u64;
            counts.copied.fetch_add(copied, Ordering::Relaxed);
            counts.read.fetch_add(count - copied, Ordering::Relaxed);
            self.send(&sender, Command::Records(page)).await?;
            progress.report(Progress::Records {
                model: &model.model,
                count,
            });
        }
        let (reply, answer) = oneshot::channel();
        self.send(&sender, Command::TakeReferences(reply)).await?;
        answer.await.map_err(|_| Failure::WriterGone)
    }

    /// A client that reads translatable values in `lang`.
    fn translator(&self, lang: &str) -> OdooClient {
        self.scoped.with_context(
            Context::company(self.tenant.company_id)
                .with_archived()
                .with_lang(lang),
        )
    }

    async fn send(&self, sender: &mpsc::Sender<Command>, command: Command) -> Result<(), Failure> {
        sender.send(command).await.map_err(|_| Failure::WriterGone)
    }

    /// Sends the binary values of a page's records, reading those Odoo answered by size.
    async fn send_binaries(
        &self,
        model: &ModelPlan,
        page: &mut [Record],
        reuse: Option<&ModelReuse>,
        counts: &ReadCounts,
        sender: &mpsc::Sender<Command>,
    ) -> Result<(), Failure> {
        let attachment_names: HashMap<i64, String> = if model.model == "ir.attachment" {
            page.iter()
                .filter_map(|record| {
                    Some((
                        record.get("id")?.as_i64()?,
                        record
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                    ))
                })
                .collect()
        } else {
            HashMap::new()
        };
        let mut to_fetch: Vec<(i64, u64)> = Vec::new();
        let mut to_copy: Vec<(i64, String, FileReference)> = Vec::new();
        for record in page.iter_mut() {
            let Some(id) = record.get("id").and_then(Value::as_i64) else {
                continue;
            };
            let mut fetch: Option<u64> = None;
            // An attachment written since (renamed, moved) whose content has the checksum it
            // had: its content is copied rather than read again.
            let same_content = reuse.and_then(|reuse| unchanged_attachment(model, reuse, record));
            for field in &model.binary_fields {
                let value = record.remove(field);
                if let Some(reference) = value.as_ref().and_then(FileReference::from_value) {
                    to_copy.push((id, field.clone(), reference));
                    continue;
                }
                if let (Some(reference), Some(Value::String(_))) = (&same_content, &value) {
                    to_copy.push((id, field.clone(), reference.clone()));
                    continue;
                }
                match value {
                    Some(Value::String(text)) if size_from_text(&text).is_some() => {
                        *fetch.get_or_insert(0) += size_from_text(&text).unwrap_or(0);
                    }
                    // A server that ignores `bin_size` sent the content itself.
                    Some(Value::String(base64)) if !base64.is_empty() => {
                        let file_name = attachment_names.get(&id).cloned();
                        sender
                            .send(Command::Binary {
                                id,
                                field: field.clone(),
                                file_name,
                                content: BinaryContent::Base64(base64),
                            })
                            .await
                            .map_err(|_| Failure::WriterGone)?;
                    }
                    _ => {}
                }
            }
            if let Some(size) = fetch {
                to_fetch.push((id, size));
            }
        }
        if let Some(reuse) = reuse {
            self.copy_binaries(reuse, to_copy, &attachment_names, counts, sender)
                .await?;
        }
        let batches = binary_batches(
            &to_fetch,
            self.options.binary_batch_size.max(1),
            self.options.binary_batch_bytes,
        );
        let binaries = futures::stream::iter(batches)
            .map(|chunk| {
                let client = self.scoped.clone();
                let name = model.model.clone();
                let fields = model.binary_fields.clone();
                tokio::spawn(async move { read_page(&client, &name, chunk, &fields).await })
            })
            .buffered(BINARY_CONCURRENCY);
        let mut binaries = std::pin::pin!(binaries);
        while let Some(joined) = binaries.next().await {
            let rows = joined
                .map_err(|error| {
                    self.unreadable(
                        &model.model,
                        OdooError::Unsupported(format!("a read task failed: {error}")),
                    )
                })?
                .map_err(|error| self.unreadable(&model.model, error))?;
            for mut row in rows {
                let Some(id) = row.get("id").and_then(Value::as_i64) else {
                    continue;
                };
                for field in &model.binary_fields {
                    if let Some(Value::String(base64)) = row.remove(field)
                        && !base64.is_empty()
                    {
                        sender
                            .send(Command::Binary {
                                id,
                                field: field.clone(),
                                file_name: attachment_names.get(&id).cloned(),
                                content: BinaryContent::Base64(base64),
                            })
                            .await
                            .map_err(|_| Failure::WriterGone)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Sends binary contents copied from the previous archive, each checked against its
    /// checksum there (a damaged file fails the backup rather than being copied).
    async fn copy_binaries(
        &self,
        reuse: &ModelReuse,
        files: Vec<(i64, String, FileReference)>,
        attachment_names: &HashMap<i64, String>,
        counts: &ReadCounts,
        sender: &mpsc::Sender<Command>,
    ) -> Result<(), Failure> {
        for (id, field, reference) in files {
            let previous = reuse.previous.clone();
            let entry = reference.file.clone();
            let bytes = tokio::task::spawn_blocking(move || previous.file(&reference))
                .await
                .map_err(|error| ArchiveError::CorruptEntry {
                    entry: entry.clone(),
                    reason: error.to_string(),
                })
                .and_then(|read| read)
                .map_err(|source| {
                    Failure::Backup(BackupError::PreviousArchive {
                        tenant: self.tenant.code.clone(),
                        archive: reuse.previous.path.clone(),
                        source,
                    })
                })?;
            counts.files_copied.fetch_add(1, Ordering::Relaxed);
            self.send(
                sender,
                Command::Binary {
                    id,
                    field,
                    file_name: attachment_names.get(&id).cloned(),
                    content: BinaryContent::Bytes(bytes),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Builds `metadata.json` (the writer adds counts and checksums) and the external-id map.
    async fn metadata(
        &self,
        created_at: chrono::DateTime<Utc>,
        odoo: OdooInfo,
        languages: Languages,
        plan: &Plan,
        references: BTreeMap<String, OutsideReferences>,
        read: ReadInfo,
    ) -> Result<(Metadata, BTreeMap<String, BTreeMap<i64, String>>), Failure> {
        let mut external_ids: BTreeMap<String, BTreeMap<i64, String>> = BTreeMap::new();
        let mut unresolved = Vec::new();
        for (model, outside) in references {
            let ids: Vec<i64> = outside.ids.iter().copied().collect();
            let found = self
                .scoped
                .external_ids(&model, &ids)
                .await
                .map_err(self.odoo_error(format!(
                    "look up the external ids of referenced {model} records"
                )))?;
            let missing: Vec<i64> = ids
                .iter()
                .copied()
                .filter(|id| !found.contains_key(id))
                .collect();
            if !found.is_empty() {
                external_ids.insert(model.clone(), found.into_iter().collect());
            }
            if missing.is_empty() {
                continue;
            }
            let names = self.display_names(&model, &missing).await;
            let referenced_by: Vec<String> = outside.referenced_by.iter().cloned().collect();
            for id in missing {
                let display_name = match &names {
                    Ok(names) => names
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| "(no such record)".into()),
                    Err(reason) => format!("(cannot be read: {reason})"),
                };
                unresolved.push(UnresolvedReference {
                    model: model.clone(),
                    id,
                    display_name,
                    referenced_by: referenced_by.clone(),
                });
            }
        }
        let metadata = Metadata {
            format: FORMAT_NAME.to_owned(),
            format_version: FORMAT_VERSION,
            tenant: TenantInfo {
                company_id: self.tenant.company_id,
                code: self.tenant.code.clone(),
                name: self.tenant.name.clone(),
            },
            created_at,
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            odoo,
            models: BTreeMap::new(),
            record_count: 0,
            attachment_count: 0,
            skipped_models: plan.skipped.clone(),
            excluded_models: plan.excluded.clone(),
            unresolved_references: unresolved,
            skipped_attachments: plan.skipped_attachments.clone(),
            entries: BTreeMap::new(),
            languages: Some(languages),
            read: Some(read),
        };
        Ok((metadata, external_ids))
    }

    async fn display_names(
        &self,
        model: &str,
        ids: &[i64],
    ) -> Result<HashMap<i64, String>, String> {
        let mut names = HashMap::new();
        for chunk in ids.chunks(500) {
            let rows = self
                .scoped
                .search_read(
                    model,
                    &Domain::leaf("id", "in", json!(chunk)),
                    &["display_name".to_owned()],
                    &SearchOptions::ordered_by("id"),
                )
                .await
                .map_err(|error| error.to_string())?;
            for row in rows {
                if let Some(id) = row.get("id").and_then(Value::as_i64) {
                    let name = row
                        .get("display_name")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    names.insert(id, name.to_owned());
                }
            }
        }
        Ok(names)
    }
}

/// For an `ir.attachment` record read again, the previous archive's file when the content's
/// checksum (`checksum`, Odoo's SHA-1 of it) is the one the previous archive's record had.
fn unchanged_attachment(
    model: &ModelPlan,
    reuse: &ModelReuse,
    record: &Record,
) -> Option<FileReference> {
    if model.model != "ir.attachment" {
        return None;
    }
    let id = record.get("id")?.as_i64()?;
    let checksum = record
        .get("checksum")?
        .as_str()
        .filter(|sum| !sum.is_empty())?;
    let previous = reuse.previous.record(&model.model, id)?;
    if previous.get("checksum")?.as_str()? != checksum {
        return None;
    }
    FileReference::from_value(previous.get("datas")?)
}

/// Reads again, for records copied from the previous archive, the fields `write_date` does not
/// cover, in the source language and (translatable ones) in every other language. A record
/// the read no longer finds was deleted since the ids were taken: it is dropped, as a full read
/// would.
async fn read_blind_spots(
    client: &OdooClient,
    model: &str,
    records: &mut Vec<Record>,
    blind: &[String],
    translations: &Translations,
) -> Result<(), OdooError> {
    let ids: Vec<i64> = records
        .iter()
        .filter_map(|record| record.get("id")?.as_i64())
        .collect();
    let fields: Vec<String> = std::iter::once("id".to_owned())
        .chain(blind.iter().cloned())
        .collect();
    let rows = client.search_read_ids(model, &ids, &fields).await?;
    let mut by_id: HashMap<i64, Record> = rows
        .into_iter()
        .filter_map(|row| Some((row.get("id")?.as_i64()?, row)))
        .collect();
    records.retain_mut(|record| {
        let Some(mut row) = record
            .get("id")
            .and_then(Value::as_i64)
            .and_then(|id| by_id.remove(&id))
        else {
            return false;
        };
        for field in blind {
            if let Some(value) = row.remove(field) {
                record.insert(field.clone(), value);
            }
        }
        true
    });
    let translated: Vec<String> = translations
        .fields
        .iter()
        .filter(|field| blind.contains(field))
        .cloned()
        .collect();
    if translated.is_empty() || translations.readers.is_empty() {
        return Ok(());
    }
    for record in records.iter_mut() {
        forget_translations(record, &translated);
    }
    let again = Translations {
        fields: translated,
        readers: translations.readers.clone(),
    };
    again.add_to(model, records).await
}

/// Removes `fields` from a record's `__translations__`, and languages left empty.
fn forget_translations(record: &mut Record, fields: &[String]) {
    let Some(Value::Object(languages)) = record.get_mut(TRANSLATIONS_KEY) else {
        return;
    };
    for values in languages.values_mut() {
        if let Value::Object(values) = values {
            values.retain(|field, _| !fields.contains(field));
        }
    }
    languages.retain(|_, values| values.as_object().is_some_and(|values| !values.is_empty()));
    if languages.is_empty() {
        record.remove(TRANSLATIONS_KEY);
    }
}

/// One page: the records with these ids that still exist, in id order, many2one values as bare
/// ids (Odoo then skips computing a display name for every reference).
async fn read_page(
    client: &OdooClient,
    model: &str,
    ids: Vec<i64>,
    fields: &[String],
) -> Result<Vec<Record>, OdooError> {
    client.search_read_ids(model, &ids, fields).await
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// The codes of the languages active in the database (`en_US`, `fr_FR`…), in code order: the
/// only ones a call may name in its context. A server without `res.lang` (a stripped-down test
/// double) has none.
pub async fn active_languages(client: &OdooClient) -> Result<Vec<String>, OdooError> {
    let rows = match client
        .search_read(
            "res.lang",
            &Domain::leaf("active", "=", true),
            &["code".to_owned()],
            &SearchOptions::ordered_by("code"),
        )
        .await
    {
        Err(OdooError::UnknownModel { .. }) => Vec::new(),
        other => other?,
    };
    Ok(rows
        .iter()
        .filter_map(|row| Some(row.get("code")?.as_str()?.to_owned()))
        .collect())
}

/// A model's translatable fields and a reader per other language.
struct Translations {
    fields: Vec<String>,
    readers: Vec<(String, OdooClient)>,
}

impl Translations {
    /// Reads the page's records again in every other language and keeps, under
    /// [`TRANSLATIONS_KEY`], the values that differ from the source language's. Where a record
    /// has no value of its own in a language, Odoo answers the source value: nothing is kept.
    async fn add_to(&self, model: &str, page: &mut [Record]) -> Result<(), OdooError> {
        if self.readers.is_empty() || page.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = page
            .iter()
            .filter_map(|record| record.get("id")?.as_i64())
            .collect();
        let fields: Vec<String> = std::iter::once("id".to_owned())
            .chain(self.fields.iter().cloned())
            .collect();
        for (lang, reader) in &self.readers {
            let rows = reader.search_read_ids(model, &ids, &fields).await?;
            let by_id: HashMap<i64, &Record> = rows
                .iter()
                .filter_map(|row| Some((row.get("id")?.as_i64()?, row)))
                .collect();
            for record in page.iter_mut() {
                let Some(row) = record
                    .get("id")
                    .and_then(Value::as_i64)
                    .and_then(|id| by_id.get(&id))
                else {
                    continue;
                };
                let differing: Map<String, Value> = self
                    .fields
                    .iter()
                    .filter_map(|field| {
                        let translated = row.get(field)?;
                        (record.get(field) != Some(translated))
                            .then(|| (field.clone(), translated.clone()))
                    })
                    .collect();
                if differing.is_empty() {
                    continue;
                }
                let translations = record
                    .entry(TRANSLATIONS_KEY)
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(translations) = translations {
                    match translations
                        .entry(lang.clone())
                        .or_insert_with(|| Value::Object(Map::new()))
                    {
                        Value::Object(values) => values.extend(differing),
                        other => *other = Value::Object(differing),
                    }
                }
            }
        }
        Ok(())
    }
}

/// Odoo's answer for a binary field under `bin_size` ("12.34 Kb", "830 bytes"), in bytes.
fn size_from_text(text: &str) -> Option<u64> {
    let (number, unit) = text.split_once(' ')?;
    let number: f64 = number.parse().ok()?;
    let scale: f64 = match unit {
        "bytes" | "b" => 1.0,
        "Kb" | "KB" => 1024.0,
        "Mb" | "MB" => 1024.0 * 1024.0,
        "Gb" | "GB" => 1024.0 * 1024.0 * 1024.0,
        "Tb" | "TB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((number * scale).ceil() as u64)
}

/// Groups `(id, size)` into reads of at most `max_records` records and `max_bytes` bytes; a
/// record larger than `max_bytes` is read alone.
fn binary_batches(items: &[(i64, u64)], max_records: usize, max_bytes: u64) -> Vec<Vec<i64>> {
    let mut batches: Vec<Vec<i64>> = Vec::new();
    let mut current: Vec<i64> = Vec::new();
    let mut bytes = 0_u64;
    for &(id, size) in items {
        if !current.is_empty() && (current.len() >= max_records || bytes + size > max_bytes) {
            batches.push(std::mem::take(&mut current));
            bytes = 0;
        }
        current.push(id);
        bytes += size;
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_answers_are_told_apart_from_contents() {
        assert_eq!(size_from_text("12.00 Kb"), Some(12 * 1024));
        assert_eq!(size_from_text("830 bytes"), Some(830));
        assert_eq!(size_from_text("iVBORw0KGgo="), None);
        assert_eq!(size_from_text("not a size"), None);
    }

    #[test]
    fn binary_reads_are_bounded_by_bytes_and_records() {
        let items = [
            (1, 3_000),
            (2, 3_000),
            (3, 3_000),
            (4, 50_000),
            (5, 10),
            (6, 10),
            (7, 10),
        ];
        assert_eq!(
            binary_batches(&items, 2, 7_000),
            vec![vec![1, 2], vec![3], vec![4], vec![5, 6], vec![7]]
        );
        assert_eq!(
            binary_batches(&items, 100, 100_000),
            vec![vec![1, 2, 3, 4, 5, 6, 7]]
        );
    }
}

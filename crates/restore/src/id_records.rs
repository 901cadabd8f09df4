//! The `ir.model.data` rows a restore writes to remember which archive record became which new
//! record, so that running the same restore again finds its records instead of creating them
//! twice.
//!
//! Every row is of module [`MAPPING_MODULE`] and named after the archive record, behind a prefix
//! made of the database uuid (`r<uuid without dashes>_`):
//! - a *mapping*, `<prefix><model with _ for .>_<archive id>`, points (`res_id`) to the record
//!   that was re-created;
//! - a *pending* row, `<prefix>pending_<model with _ for .>_<archive id>`, is written before the
//!   `create` of its record and deleted once the mapping is written. A create call and the call
//!   recording its ids are two transactions: a pending row left behind tells that a restore
//!   stopped in between, and the next plan finds the records it made ([`read_earlier`]).
//!
//! The plan reads the rows; only `execute` writes and deletes them, through [`IdRecords`].

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use odoo_client::{Domain, OdooClient, OdooError, Record, SearchOptions};
use serde_json::{Value, json};

use crate::error::RestoreError;
use crate::keys::ByModel;
use crate::ownership::Key;

/// The `ir.model.data` module under which a restore records the new ids of the records it
/// re-creates, so that running the same restore again finds them instead of creating them twice.
pub const MAPPING_MODULE: &str = "__tenant_restore__";

/// Where an earlier restore re-created an archive record.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RecordedId {
    /// The mapping row; 0 for a record found again that has none yet.
    pub row: i64,
    /// The record re-created.
    pub target: i64,
}

/// What earlier restores left in `ir.model.data` for the archive's models.
#[derive(Debug)]
pub(crate) struct EarlierRestores {
    /// Archive record → where an earlier restore re-created it (those found again included).
    pub recorded: ByModel<RecordedId>,
    /// What executing the plan does with the rows found.
    pub id_records: IdRecords,
}

/// The id records of one restore: their names in this database, and the rows of earlier
/// restores that executing the plan writes anew or deletes.
#[derive(Debug, Default)]
pub(crate) struct IdRecords {
    /// The prefix of this database's names.
    prefix: String,
    /// Mapping rows of earlier restores whose record was deleted again: deleted and replaced by
    /// a row for the new record (a second row with the same name is refused).
    pub stale: HashMap<Key, i64>,
    /// Records an interrupted restore created without recording their ids, found again:
    /// `(model, archive id, target id)`, whose mappings are recorded first.
    pub recovered: Vec<(String, i64, i64)>,
    /// The pending rows an interrupted restore left for its batch in flight: deleted once the
    /// records they stood for are recovered.
    pub pending_rows: Vec<i64>,
    /// Mapping rows of older restores whose record was deleted, for records found again:
    /// deleted before the new rows are written (names are unique).
    pub superseded_rows: Vec<i64>,
}

impl IdRecords {
    /// The stale mapping rows of these archive records of `model`.
    pub fn stale_rows(&self, model: &str, created: &[(i64, i64)]) -> Vec<i64> {
        created
            .iter()
            .filter_map(|(archive_id, _)| {
                let key = (model.to_owned(), *archive_id);
                self.stale.get(&key).copied()
            })
            .collect()
    }

    /// Writes the pending rows of the archive records of `model` about to be created, in their
    /// order; returns the rows.
    pub async fn write_pending(
        &self,
        writer: &OdooClient,
        model: &str,
        archive_ids: &[i64],
    ) -> Result<Vec<i64>, OdooError> {
        let rows: Vec<Record> = archive_ids
            .iter()
            .map(|archive_id| id_row(pending_name(&self.prefix, model, *archive_id), model, 0))
            .collect();
        writer.create("ir.model.data", rows).await
    }

    /// Writes the mappings of re-created records of `model`, `(archive id, target id)`.
    pub async fn write_mappings(
        &self,
        writer: &OdooClient,
        model: &str,
        created: &[(i64, i64)],
    ) -> Result<(), OdooError> {
        let rows: Vec<Record> = created
            .iter()
            .map(|(archive_id, target_id)| {
                id_row(
                    mapping_name(&self.prefix, model, *archive_id),
                    model,
                    *target_id,
                )
            })
            .collect();
        writer.create("ir.model.data", rows).await.map(drop)
    }
}

/// Deletes id records (rows of the restore's own module).
pub(crate) async fn delete(writer: &OdooClient, rows: &[i64]) -> Result<(), OdooError> {
    writer.unlink("ir.model.data", rows).await
}

/// Reads the id records earlier restores left for `archive_models` in this database, and finds
/// again the records an interrupted one created without recording them ([`recover_interrupted`]).
/// `client` is pinned to the tenant `tenant` (its code, for errors).
pub(crate) async fn read_earlier(
    client: &OdooClient,
    tenant: &str,
    database_uuid: &Option<String>,
    archive_models: &BTreeSet<String>,
) -> Result<EarlierRestores, RestoreError> {
    let prefix = prefix_of(database_uuid);
    let (mut recorded, pending) = read_rows(client, tenant, &prefix, archive_models).await?;
    let pending_rows = pending.iter().map(|row| row.row_id).collect();
    let (recovered, superseded_rows) =
        recover_interrupted(client, tenant, &mut recorded, pending).await?;
    Ok(EarlierRestores {
        recorded,
        id_records: IdRecords {
            prefix,
            stale: HashMap::new(),
            recovered,
            pending_rows,
            superseded_rows,
        },
    })
}

/// A pending row: written before a `create`, deleted once the ids are recorded.
#[derive(Debug)]
struct PendingRow {
    row_id: i64,
    model: String,
    archive_id: i64,
    /// When the row was written (`create_date`): the batch was created after.
    created: String,
}

/// The ids earlier restores recorded, and the rows an interrupted one left for the batch it was
/// creating.
async fn read_rows(
    client: &OdooClient,
    tenant: &str,
    prefix: &str,
    archive_models: &BTreeSet<String>,
) -> Result<(ByModel<RecordedId>, Vec<PendingRow>), RestoreError> {
    let domain = Domain::leaf("module", "=", MAPPING_MODULE)
        .and(Domain::leaf("name", "=like", format!("{prefix}%")))
        .and(Domain::leaf("model", "in", json!(archive_models)));
    let fields = ["name", "model", "res_id", "create_date"].map(str::to_owned);
    let rows = client
        .search_read(
            "ir.model.data",
            &domain,
            &fields,
            &SearchOptions::ordered_by("id"),
        )
        .await
        .map_err(RestoreError::odoo(
            tenant,
            "read the ids of records re-created by earlier restores (ir.model.data)".into(),
        ))?;
    let mut recorded = ByModel::default();
    let mut pending = Vec::new();
    for row in rows {
        let (Some(row_id), Some(name), Some(model)) = (
            row.get("id").and_then(Value::as_i64),
            row.get("name").and_then(Value::as_str),
            row.get("model").and_then(Value::as_str),
        ) else {
            continue;
        };
        if let Some(archive_id) = parse_pending_name(prefix, model, name) {
            pending.push(PendingRow {
                row_id,
                model: model.to_owned(),
                archive_id,
                created: row
                    .get("create_date")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            });
        } else if let (Some(archive_id), Some(target)) = (
            parse_mapping_name(prefix, model, name),
            row.get("res_id").and_then(Value::as_i64),
        ) {
            recorded.insert(
                model,
                archive_id,
                RecordedId {
                    row: row_id,
                    target,
                },
            );
        }
    }
    Ok((recorded, pending))
}

/// Finds the records an interrupted restore created without recording their ids: made by this
/// user in the tenant since its pending rows were written, recorded nowhere. As many as the
/// archive records still pending: they are those, in creation order (one `create` returns its
/// ids in the order given). None: the batch never reached Odoo. Any other count cannot be told
/// apart, and the restore stops with what to check. Returns the records found, and the rows of
/// older restores they supersede.
async fn recover_interrupted(
    client: &OdooClient,
    tenant: &str,
    recorded: &mut ByModel<RecordedId>,
    pending: Vec<PendingRow>,
) -> Result<(Vec<(String, i64, i64)>, Vec<i64>), RestoreError> {
    let mut by_model: BTreeMap<String, Vec<PendingRow>> = BTreeMap::new();
    for row in pending {
        match recorded.get(&row.model, row.archive_id) {
            // Recorded after all: the run stopped before deleting its pending rows.
            Some(mapping) if mapping.row > row.row_id => {}
            // None, or a row of an older restore whose record was deleted since.
            _ => by_model.entry(row.model.clone()).or_default().push(row),
        }
    }
    let mut superseded = Vec::new();
    let mut recovered = Vec::new();
    for (model, rows) in by_model {
        let since = rows
            .iter()
            .map(|row| row.created.as_str())
            .min()
            .unwrap_or_default()
            .to_owned();
        let made = client
            .search(
                &model,
                &Domain::leaf("create_uid", "=", client.uid()).and(Domain::leaf(
                    "create_date",
                    ">=",
                    since.as_str(),
                )),
                &SearchOptions::ordered_by("id"),
            )
            .await
            .map_err(RestoreError::odoo(
                tenant,
                format!("look for the {model} records an interrupted restore created"),
            ))?;
        let known: HashSet<i64> = recorded
            .values_of(&model)
            .map(|mapping| mapping.target)
            .collect();
        let unrecorded: Vec<i64> = made.into_iter().filter(|id| !known.contains(id)).collect();
        if unrecorded.is_empty() {
            continue;
        }
        if unrecorded.len() != rows.len() {
            return Err(RestoreError::Interrupted {
                tenant: tenant.to_owned(),
                model,
                archive_ids: rows.len(),
                found: unrecorded.len(),
                since,
            });
        }
        for (row, target) in rows.iter().zip(unrecorded) {
            let found_again = RecordedId { row: 0, target };
            if let Some(older) = recorded.insert(&model, row.archive_id, found_again) {
                superseded.push(older.row);
            }
            recovered.push((model.clone(), row.archive_id, target));
        }
    }
    Ok((recovered, superseded))
}

/// An `ir.model.data` row of the restore's own module: where the archive's record `name` stands
/// is `res_id` (0 while it is being created).
fn id_row(name: String, model: &str, res_id: i64) -> Record {
    json!({
        "module": MAPPING_MODULE,
        "name": name,
        "model": model,
        "res_id": res_id,
        "noupdate": true,
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

/// The prefix of this database's names: `r<uuid without dashes>_`.
fn prefix_of(database_uuid: &Option<String>) -> String {
    let compact: String = database_uuid
        .as_deref()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    format!("r{compact}_")
}

/// The name of the mapping of the archive's record `(model, archive_id)`:
/// `<prefix><model with _ for .>_<archive id>`.
fn mapping_name(prefix: &str, model: &str, archive_id: i64) -> String {
    format!("{prefix}{}_{archive_id}", model.replace('.', "_"))
}

/// The name of the pending row of the archive's record `(model, archive_id)`.
fn pending_name(prefix: &str, model: &str, archive_id: i64) -> String {
    mapping_name(&format!("{prefix}pending_"), model, archive_id)
}

fn parse_pending_name(prefix: &str, model: &str, name: &str) -> Option<i64> {
    parse_mapping_name(&format!("{prefix}pending_"), model, name)
}

fn parse_mapping_name(prefix: &str, model: &str, name: &str) -> Option<i64> {
    let rest = name.strip_prefix(prefix)?;
    let rest = rest.strip_prefix(&model.replace('.', "_"))?;
    rest.strip_prefix('_')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_names_round_trip_and_stay_within_their_model() {
        let prefix = prefix_of(&Some("3ac3a52e-1f2b-11ef-9c4b-0242ac120002".into()));
        assert_eq!(prefix, "r3ac3a52e1f2b11ef9c4b0242ac120002_");
        let name = mapping_name(&prefix, "sale.order.line", 42);
        assert_eq!(name, "r3ac3a52e1f2b11ef9c4b0242ac120002_sale_order_line_42");
        assert_eq!(
            parse_mapping_name(&prefix, "sale.order.line", &name),
            Some(42)
        );
        assert_eq!(parse_mapping_name(&prefix, "sale.order", &name), None);
    }
}

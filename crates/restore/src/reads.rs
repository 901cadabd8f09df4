//! The reads a restore plan makes, every one pinned to the tenant: records by id, telling apart
//! those that exist, those that were deleted and those that belong to another company now.

use std::collections::{BTreeSet, HashMap};

use futures::{StreamExt, TryStreamExt};
use odoo_client::{CallKind, CallSite, Domain, OdooClient, OdooError, Record};
use serde_json::{Value, json};

/// The current state of records asked for by id.
#[derive(Debug, Default)]
pub(crate) struct CurrentRecords {
    /// Records that exist and that the tenant can see.
    pub rows: HashMap<i64, Record>,
    /// Records that exist but that Odoo refuses to show to the tenant: another company's.
    pub foreign: BTreeSet<i64>,
    /// Records not written since the backup read them (set by the planner): compared no further.
    pub unmodified: std::collections::HashSet<i64>,
}

/// Reads the records with these ids, `batch` at a time, `concurrency` requests in flight, through
/// `client` (pinned to the tenant). Ids absent from the answer were deleted or are another
/// company's: a second read tells which (Odoo 18 answers `read` of a deleted id with nothing and
/// of another company's record with an AccessError).
pub(crate) async fn read_current(
    client: &OdooClient,
    model: &str,
    ids: &[i64],
    fields: &[String],
    batch: usize,
    concurrency: usize,
) -> Result<CurrentRecords, OdooError> {
    let chunks: Vec<Vec<i64>> = ids.chunks(batch.max(1)).map(<[i64]>::to_vec).collect();
    let pages: Vec<(Vec<i64>, Vec<Record>)> = futures::stream::iter(chunks)
        .map(|chunk| async move {
            let rows = search_read_ids(client, model, &chunk, fields).await?;
            Ok::<_, OdooError>((chunk, rows))
        })
        .buffered(concurrency.max(1))
        .try_collect()
        .await?;
    let mut current = CurrentRecords::default();
    let mut unseen: Vec<i64> = Vec::new();
    for (chunk, rows) in pages {
        for row in rows {
            if let Some(id) = row.get("id").and_then(Value::as_i64) {
                current.rows.insert(id, row);
            }
        }
        unseen.extend(
            chunk
                .into_iter()
                .filter(|id| !current.rows.contains_key(id)),
        );
    }
    for chunk in unseen.chunks(batch.max(1)) {
        classify_unseen(client, model, chunk, fields, &mut current).await?;
    }
    Ok(current)
}

/// Sorts ids a search did not return into deleted (dropped), visible after all (added to
/// `rows`) and another company's (`foreign`), halving the set on an AccessError until the
/// refused ids are found.
async fn classify_unseen(
    client: &OdooClient,
    model: &str,
    ids: &[i64],
    fields: &[String],
    current: &mut CurrentRecords,
) -> Result<(), OdooError> {
    let mut pending: Vec<Vec<i64>> = vec![ids.to_vec()];
    while let Some(group) = pending.pop() {
        if group.is_empty() {
            continue;
        }
        match client.read(model, &group, fields).await {
            Ok(rows) => {
                for row in rows {
                    if let Some(id) = row.get("id").and_then(Value::as_i64) {
                        current.rows.insert(id, row);
                    }
                }
            }
            Err(OdooError::AccessError { .. }) if group.len() == 1 => {
                current.foreign.insert(group[0]);
            }
            Err(OdooError::AccessError { .. }) => {
                let (left, right) = group.split_at(group.len() / 2);
                pending.push(left.to_vec());
                pending.push(right.to_vec());
            }
            // Some servers answer `read` of a deleted id with MissingError rather than nothing.
            Err(OdooError::MissingError { .. }) if group.len() == 1 => {}
            Err(OdooError::MissingError { .. }) => {
                let (left, right) = group.split_at(group.len() / 2);
                pending.push(left.to_vec());
                pending.push(right.to_vec());
            }
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// One page of records by id, many2one values as bare ids (`load: ""`), in id order. A domain on
/// `id` also shows the attachments that hold binary fields, which a plain search hides.
pub(crate) async fn search_read_ids(
    client: &OdooClient,
    model: &str,
    ids: &[i64],
    fields: &[String],
) -> Result<Vec<Record>, OdooError> {
    let mut kwargs = serde_json::Map::new();
    kwargs.insert("domain".into(), json!(Domain::leaf("id", "in", json!(ids))));
    kwargs.insert("fields".into(), json!(fields));
    kwargs.insert("order".into(), json!("id"));
    kwargs.insert("load".into(), json!(""));
    let value = client
        .call(model, "search_read", None, kwargs, CallKind::Read)
        .await?;
    serde_json::from_value(value).map_err(|error| OdooError::InvalidResponse {
        call: CallSite::new(model, "search_read"),
        message: error.to_string(),
    })
}

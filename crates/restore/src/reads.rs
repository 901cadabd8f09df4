//! The reads a restore plan makes: records by id, pinned to the tenant, telling apart those that
//! exist, those that were deleted and those that belong to another company now (the one lookup
//! not pinned to the tenant, of ids only, across the user's companies).

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use futures::{StreamExt, TryStreamExt};
use odoo_client::{Context, Domain, OdooClient, OdooError, Record, SearchOptions};
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

/// Records of one model to read by id, with these fields.
pub(crate) struct ReadJob {
    pub model: String,
    pub ids: Vec<i64>,
    pub fields: Vec<String>,
}

/// Reads the records with these ids, `batch` at a time, `concurrency` requests in flight, through
/// `client` (pinned to the tenant), telling apart the ids that were deleted and those that are
/// another company's ([`read_page`]).
pub(crate) async fn read_current(
    client: &OdooClient,
    model: &str,
    ids: &[i64],
    fields: &[String],
    batch: usize,
    concurrency: usize,
) -> Result<CurrentRecords, OdooError> {
    let job = ReadJob {
        model: model.to_owned(),
        ids: ids.to_vec(),
        fields: fields.to_vec(),
    };
    let mut read = read_current_many(client, &[job], batch, concurrency)
        .await
        .map_err(|(_, error)| error)?;
    Ok(read.pop().unwrap_or_default())
}

/// [`read_current`] of several models at once: the pages of every job share the `concurrency`
/// requests in flight, so that small models do not each wait for a round trip of their own.
/// Returns one result per job, in order; an error names the model whose read failed.
pub(crate) async fn read_current_many(
    client: &OdooClient,
    jobs: &[ReadJob],
    batch: usize,
    concurrency: usize,
) -> Result<Vec<CurrentRecords>, (String, OdooError)> {
    let batch = batch.max(1);
    // Pages as positions, not slices: the stream then borrows nothing, and a task can own it.
    let pages: Vec<(usize, Range<usize>)> = jobs
        .iter()
        .enumerate()
        .flat_map(|(index, job)| {
            (0..job.ids.len())
                .step_by(batch)
                .map(move |start| (index, start..(start + batch).min(job.ids.len())))
        })
        .collect();
    let mut results: Vec<CurrentRecords> = jobs.iter().map(|_| CurrentRecords::default()).collect();
    let mut unseen: Vec<Vec<i64>> = vec![Vec::new(); jobs.len()];
    let mut answers = futures::stream::iter(pages)
        .map(|(index, page)| read_job_page(client, &jobs[index], index, page))
        .buffer_unordered(concurrency.max(1));
    while let Some((index, page, rows, complete)) = answers.try_next().await? {
        let chunk = &jobs[index].ids[page];
        let current = &mut results[index];
        for row in rows {
            if let Some(id) = row.get("id").and_then(Value::as_i64) {
                current.rows.insert(id, row);
            }
        }
        if !complete {
            unseen[index].extend(chunk.iter().filter(|id| !current.rows.contains_key(id)));
        }
    }
    drop(answers);
    for (index, job) in jobs.iter().enumerate() {
        for chunk in unseen[index].chunks(batch) {
            classify_unseen(client, &job.model, chunk, &mut results[index])
                .await
                .map_err(|error| (job.model.clone(), error))?;
        }
    }
    Ok(results)
}

/// One page of a job: the job's index and the page come back with the answer.
async fn read_job_page(
    client: &OdooClient,
    job: &ReadJob,
    index: usize,
    page: Range<usize>,
) -> Result<(usize, Range<usize>, Vec<Record>, bool), (String, OdooError)> {
    read_page(client, &job.model, &job.ids[page.clone()], &job.fields)
        .await
        .map(|(rows, complete)| (index, page, rows, complete))
        .map_err(|error| (job.model.clone(), error))
}

/// Sorts ids the tenant's search did not return into deleted (dropped) and another company's
/// (`foreign`): the same search over every company of the user, which only reads ids, finds the
/// ones that exist. Reading them instead would be slow (Odoo 18 spends two queries on each id
/// that does not exist) and would not tell them apart (an attachment that does not exist is
/// refused like another company's).
async fn classify_unseen(
    client: &OdooClient,
    model: &str,
    ids: &[i64],
    current: &mut CurrentRecords,
) -> Result<(), OdooError> {
    let everywhere = client.with_context(Context::new().with_archived());
    let elsewhere = everywhere
        .search(
            model,
            &Domain::leaf("id", "in", json!(ids)),
            &SearchOptions::default(),
        )
        .await?;
    current.foreign.extend(elsewhere);
    Ok(())
}

/// One page of records by id, and whether the answer has them all. Searched by id rather than
/// read: a search leaves out, at no cost, the ids that no longer exist and those of another
/// company, which [`classify_unseen`] then tells apart.
async fn read_page(
    client: &OdooClient,
    model: &str,
    ids: &[i64],
    fields: &[String],
) -> Result<(Vec<Record>, bool), OdooError> {
    let rows = client.search_read_ids(model, ids, fields).await?;
    let complete = rows.len() == ids.len();
    Ok((rows, complete))
}

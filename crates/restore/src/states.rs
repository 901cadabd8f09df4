//! Workflow states a re-creation cannot give back. A record's `state` is Odoo's to set: it
//! creates records in their workflow's first state (a quotation, a draft invoice, a draft
//! transfer) and moves them on through its own buttons, which a restore does not press. Such
//! records are named here as users know them, with what to do.

use odoo_client::Record;
use serde_json::Value;

use crate::report::StateChange;
use crate::schema::{ModelSchema, NotWritten};

const STATE: &str = "state";

/// What to do with a re-created record of `model` that came back in an earlier state.
fn action(model: &str) -> &'static str {
    match model {
        "sale.order" | "purchase.order" => "check it, then confirm it again",
        "account.move" => "check it, then post it again: it keeps its number",
        "account.payment" => "check it, then confirm it again",
        "stock.picking" => "check the quantities, then validate it again",
        _ => "check it, then take it through its workflow again in Odoo",
    }
}

/// The state Odoo gives a new record: its workflow's first.
fn initial_state(schema: &ModelSchema) -> Option<&str> {
    let field = workflow_field(schema)?;
    field
        .info
        .selection
        .first()
        .map(|(value, _)| value.as_str())
}

/// The model's workflow `state` field, if it has one.
fn workflow_field(schema: &ModelSchema) -> Option<&crate::schema::FieldSchema> {
    schema
        .field(STATE)
        .filter(|field| field.not_written == Some(NotWritten::Workflow))
}

/// The state change a re-creation of `record` will bring, as the plan foresees it.
pub(crate) fn foreseen(
    schema: &ModelSchema,
    archive_id: i64,
    record: &Record,
) -> Option<StateChange> {
    let initial = initial_state(schema)?;
    change(schema, archive_id, None, record, initial)
}

/// The state change a re-creation brought, read back from Odoo: `sent` are the values the
/// record was created with (its reference among them), `unwritten` the archive's others.
pub(crate) fn observed(
    schema: &ModelSchema,
    (archive_id, target_id): (i64, i64),
    sent: &Record,
    unwritten: &Record,
    now: &Value,
) -> Option<StateChange> {
    let mut record = unwritten.clone();
    if let Some(name) = sent.get("name") {
        record.insert("name".to_owned(), name.clone());
    }
    change(schema, archive_id, Some(target_id), &record, now.as_str()?)
}

fn change(
    schema: &ModelSchema,
    archive_id: i64,
    target_id: Option<i64>,
    record: &Record,
    restored: &str,
) -> Option<StateChange> {
    let field = workflow_field(schema)?;
    let archived = record.get(STATE)?.as_str()?;
    if archived == restored {
        return None;
    }
    let label = |value: &str| {
        field
            .info
            .selection
            .iter()
            .find(|(known, _)| known == value)
            .map_or_else(|| value.to_owned(), |(_, label)| label.clone())
    };
    Some(StateChange {
        model: schema.model.clone(),
        archive_id,
        target_id,
        reference: reference(&schema.model, archive_id, record),
        archived_state: archived.to_owned(),
        archived_label: label(archived),
        restored_state: restored.to_owned(),
        restored_label: label(restored),
        action: action(&schema.model),
    })
}

/// The record's own reference: its name (an order or invoice number), else model and id.
fn reference(model: &str, archive_id: i64, record: &Record) -> String {
    record
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|name| !name.is_empty() && *name != "/")
        .map_or_else(|| format!("{model} {archive_id}"), str::to_owned)
}

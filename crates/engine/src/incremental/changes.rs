//! The one rule that says a record has not changed since a backup, used both by an incremental
//! backup (which copies such records from the previous archive) and by a restore (which compares
//! them no further).
//!
//! Odoo stamps `write_date` on every write through its ORM, recomputed stored fields included,
//! at the start of the writing transaction and in the database's clock. A record whose
//! `write_date` is earlier than the backup's start, minus a margin for clock skew between the
//! sidecar and the database and for transactions that began before the backup and committed
//! after it read the record, was not written since. What `write_date` does not cover is listed
//! in [`BLIND_SPOTS`] and read again every time: see `docs/ARCHITECTURE.md`.

use chrono::{DateTime, Duration, Utc};

/// How far before a backup's start a `write_date` still counts as "maybe written since".
pub const DEFAULT_MARGIN: Duration = Duration::hours(1);

/// The `write_date` before which a record is taken as unchanged since a backup that started
/// at `backup_started`: whole seconds (Odoo's datetimes have no fraction), minus `margin`.
pub fn cutoff(backup_started: DateTime<Utc>, margin: Duration) -> DateTime<Utc> {
    use chrono::SubsecRound;
    backup_started.trunc_subsecs(0) - margin
}

/// Whether a record whose `write_date` was `archived` in the backup and is `now` today was not
/// written since that backup: the same `write_date`, earlier than the backup's [`cutoff`].
pub fn unchanged_since(
    archived: Option<DateTime<Utc>>,
    now: Option<DateTime<Utc>>,
    backup_started: DateTime<Utc>,
    margin: Duration,
) -> bool {
    match (archived, now) {
        (Some(archived), Some(now)) => archived == now && now < cutoff(backup_started, margin),
        _ => false,
    }
}

/// What Odoo changes without moving the record's `write_date`, found on Odoo 18: `(model,
/// field, why)`. Model `*` stands for every model; field `*` for the whole model, always read in
/// full; `many2many` and `translated` for every field of that kind.
pub const BLIND_SPOTS: &[(&str, &str, &str)] = &[
    (
        "*",
        "many2many",
        "a link written from the other side (a category's partners), or removed with the other \
         record, changes the relation table only (a backup finds the former through the other \
         side's write_date, the latter through the records gone since)",
    ),
    (
        "*",
        "translated",
        "translations loaded by a language install or an \"update terms\" are written by SQL",
    ),
    (
        "*",
        "parent_path",
        "rewritten by SQL on the descendants when a parent moves",
    ),
    (
        "res.partner",
        "customer_rank",
        "raised by SQL when an invoice or payment is posted (_increase_rank)",
    ),
    (
        "res.partner",
        "supplier_rank",
        "raised by SQL when a bill or payment is posted (_increase_rank)",
    ),
    (
        "account.move.line",
        "full_reconcile_id",
        "set by SQL on full reconciliation, and set to null when it is undone",
    ),
    (
        "account.move.line",
        "matching_number",
        "set by SQL on reconciliation",
    ),
    (
        "account.partial.reconcile",
        "full_reconcile_id",
        "set by SQL on full reconciliation, and set to null when it is undone",
    ),
    (
        "crm.lead",
        "probability",
        "rewritten by SQL by the daily predictive lead scoring",
    ),
    // _merge_quants: the oldest of duplicate quants takes the sums in SQL, the others are
    // deleted (gone since: records linked to them are read again).
    (
        "stock.quant",
        "quantity",
        "duplicate quants are merged by SQL",
    ),
    (
        "stock.quant",
        "reserved_quantity",
        "duplicate quants are merged by SQL",
    ),
    (
        "stock.quant",
        "inventory_quantity",
        "duplicate quants are merged by SQL",
    ),
    (
        "stock.quant",
        "in_date",
        "duplicate quants are merged by SQL",
    ),
    (
        "ir.sequence",
        "*",
        "no-gap sequences are incremented by SQL",
    ),
];

/// Whether `write_date` may miss a change of this field (`many2many`: of that type; `translated`:
/// translatable): it is read again for every record, changed or not.
pub fn is_blind_spot(model: &str, field: &str, many2many: bool, translated: bool) -> bool {
    BLIND_SPOTS
        .iter()
        .any(|(spot_model, spot_field, _)| match *spot_model {
            "*" => match *spot_field {
                "many2many" => many2many,
                "translated" => translated,
                name => name == field,
            },
            spot_model => spot_model == model && *spot_field == field,
        })
}

/// Whether `write_date` cannot be trusted for any field of the model: it is read in full.
pub fn always_read_in_full(model: &str) -> bool {
    BLIND_SPOTS
        .iter()
        .any(|(spot_model, spot_field, _)| *spot_model == model && *spot_field == "*")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn only_an_identical_write_date_before_the_margin_counts_as_unchanged() {
        let started = at("2026-12-07T02:00:00.700Z");
        let margin = Duration::minutes(10);
        let old = Some(at("2026-12-06T10:00:00Z"));
        assert!(unchanged_since(old, old, started, margin));
        // Written since: the date moved.
        assert!(!unchanged_since(
            old,
            Some(at("2026-12-07T03:00:00Z")),
            started,
            margin
        ));
        // Written within the margin before the backup: maybe by a transaction the backup did
        // not see, or by a clock that runs late.
        let recent = Some(at("2026-12-07T01:55:00Z"));
        assert!(!unchanged_since(recent, recent, started, margin));
        // No margin: the backup's own second is still "maybe after".
        let same_second = Some(at("2026-12-07T02:00:00Z"));
        assert!(!unchanged_since(
            same_second,
            same_second,
            started,
            Duration::zero()
        ));
        assert!(!unchanged_since(None, old, started, margin));
    }
}

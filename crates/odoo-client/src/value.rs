//! Odoo's value shapes: how a many2one, an unset value, a datetime and an x2many command are
//! spelled on the wire. The rest of the workspace asks here instead of matching JSON by hand.
//!
//! ```
//! use odoo_client::value;
//! use serde_json::json;
//!
//! assert_eq!(value::many2one_id(&json!([7, "Boutique Sport"])), Some(7));
//! assert_eq!(value::many2one_id(&json!(7)), Some(7));
//! assert_eq!(value::many2one_id(&value::unset()), None);
//! assert_eq!(value::replace_ids(json!([1, 2])), json!([[6, 0, [1, 2]]]));
//! let at = value::parse_datetime(&json!("2026-01-30 16:42:20")).unwrap();
//! assert_eq!(value::datetime(&at), json!("2026-01-30 16:42:20"));
//! ```

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Value, json};

/// Odoo's datetime format: naive UTC with whole seconds.
const DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// The id a many2one value names: `[id, "name"]` as a plain read gives it, a bare `id` when read
/// with [`SearchOptions::bare_many2one`](crate::SearchOptions::bare_many2one), `None` when unset
/// (`false`, `null`) or not a positive id.
pub fn many2one_id(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64().filter(|id| *id > 0),
        Value::Array(pair) => pair.first().and_then(Value::as_i64).filter(|id| *id > 0),
        _ => None,
    }
}

/// Odoo's "no value", for every field type: `false`.
pub fn unset() -> Value {
    Value::Bool(false)
}

/// `Some` as the value, `None` as Odoo's `false`.
pub fn or_unset<T: Into<Value>>(value: Option<T>) -> Value {
    value.map_or_else(unset, Into::into)
}

/// Whether Odoo reports no value: `false`, or `null` from a JSON that left it out.
pub fn is_unset(value: &Value) -> bool {
    matches!(value, Value::Null | Value::Bool(false))
}

/// Whether a value means "nothing" to Odoo: unset, an empty string or an empty list.
pub fn is_empty(value: &Value) -> bool {
    match value {
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        other => is_unset(other),
    }
}

/// A datetime as Odoo writes and reads it: `"2026-01-30 16:42:20"`, naive UTC, whole seconds.
pub fn datetime(time: &DateTime<Utc>) -> Value {
    json!(time.format(DATETIME_FORMAT).to_string())
}

/// An Odoo datetime; `None` when unset or not in Odoo's format.
pub fn parse_datetime(value: &Value) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(value.as_str()?, DATETIME_FORMAT)
        .ok()
        .map(|naive| naive.and_utc())
}

/// The x2many command "replace the links by these ids", `[(6, 0, ids)]`.
pub fn replace_ids(ids: Value) -> Value {
    json!([[6, 0, ids]])
}

/// The ids of a [`replace_ids`] command; `None` for any other value.
pub fn replaced_ids(value: &Value) -> Option<&Value> {
    match value.as_array()?.first()?.as_array()?.as_slice() {
        [code, _, ids] if code == &json!(6) => Some(ids),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many2one_values_in_every_shape_odoo_sends() {
        assert_eq!(many2one_id(&json!([3, "Name"])), Some(3));
        assert_eq!(many2one_id(&json!(3)), Some(3));
        assert_eq!(many2one_id(&json!(false)), None);
        assert_eq!(many2one_id(&json!(null)), None);
        assert_eq!(many2one_id(&json!(0)), None);
    }

    #[test]
    fn unset_and_empty_values() {
        assert!(is_unset(&unset()) && is_unset(&Value::Null));
        assert!(!is_unset(&json!("")));
        for empty in [json!(false), json!(null), json!(""), json!([])] {
            assert!(is_empty(&empty), "{empty}");
        }
        assert!(!is_empty(&json!(0)) && !is_empty(&json!("x")));
        assert_eq!(or_unset(Some(4)), json!(4));
        assert_eq!(or_unset(None::<i64>), json!(false));
    }

    #[test]
    fn datetimes_are_naive_utc_with_whole_seconds() {
        let time = parse_datetime(&json!("2026-01-30 16:42:20")).unwrap();
        assert_eq!(time.to_rfc3339(), "2026-01-30T16:42:20+00:00");
        assert_eq!(datetime(&time), json!("2026-01-30 16:42:20"));
        assert_eq!(parse_datetime(&json!(false)), None);
        assert_eq!(parse_datetime(&json!("2026-01-30")), None);
    }

    #[test]
    fn replace_commands_round_trip() {
        let command = replace_ids(json!([4, 5]));
        assert_eq!(replaced_ids(&command), Some(&json!([4, 5])));
        assert_eq!(replaced_ids(&json!([4, 5])), None);
        assert_eq!(replaced_ids(&json!(false)), None);
    }
}

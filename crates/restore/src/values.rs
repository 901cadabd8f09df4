//! Field values between the archive and Odoo: which records a value refers to, how an archive
//! value is translated into the target's ids, and when a current value already equals it.

use backup_engine::FileReference;
use odoo_client::value::{is_empty, many2one_id, replace_ids, replaced_ids, unset};
use odoo_client::{FieldInfo, FieldType, Record};
use serde_json::{Value, json};

use crate::schema::FieldSchema;

/// Where an archive record, or a record the archive refers to, is in the target database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// This id in the target.
    Target(i64),
    /// It will be created by this restore and has no id yet.
    Pending,
    /// It cannot be referred to; the reason says why.
    Unavailable(String),
}

/// Resolves `(model, archive id)` to the target.
pub(crate) trait Resolver {
    fn resolve(&self, model: &str, archive_id: i64) -> Resolved;
}

/// An archive value translated into the target's ids.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Translated {
    /// The value to compare and write (many2many as a sorted list of ids; binaries as their
    /// file reference, loaded when written).
    Ready(Value),
    /// It refers to a record that is not created yet.
    Pending,
    /// It refers to records that cannot be referred to: the field is not written.
    Unavailable(String),
}

/// The records `value` refers to, as `(model, archive id)`. `record` gives the model of a
/// many2one_reference.
pub(crate) fn referenced_records<'a>(
    field: &'a FieldSchema,
    value: &'a Value,
    record: &'a Record,
) -> Vec<(&'a str, i64)> {
    match field.info.field_type {
        FieldType::Many2one => match (field.comodel(), value.as_i64()) {
            (Some(comodel), Some(id)) if id > 0 => vec![(comodel, id)],
            _ => Vec::new(),
        },
        FieldType::Many2many | FieldType::One2many => match (field.comodel(), value.as_array()) {
            (Some(comodel), Some(ids)) => ids
                .iter()
                .filter_map(Value::as_i64)
                .filter(|id| *id > 0)
                .map(|id| (comodel, id))
                .collect(),
            _ => Vec::new(),
        },
        FieldType::Many2oneReference => match attached_model(field, record) {
            Some(model) => value
                .as_i64()
                .filter(|id| *id > 0)
                .map(|id| vec![(model, id)])
                .unwrap_or_default(),
            None => Vec::new(),
        },
        FieldType::Reference => parse_reference(value)
            .map(|(model, id)| vec![(model, id)])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Whether a field's values are references to records.
pub(crate) fn holds_references(info: &FieldInfo) -> bool {
    matches!(
        info.field_type,
        FieldType::Many2one
            | FieldType::Many2many
            | FieldType::Many2oneReference
            | FieldType::Reference
    )
}

/// The model a many2one_reference of `record` points into (`res_model` of an attachment).
pub(crate) fn attached_model<'a>(field: &FieldSchema, record: &'a Record) -> Option<&'a str> {
    let model_field = field.model_field.as_deref()?;
    record
        .get(model_field)
        .and_then(Value::as_str)
        .filter(|model| !model.is_empty())
}

fn parse_reference(value: &Value) -> Option<(&str, i64)> {
    let (model, id) = value.as_str()?.split_once(',')?;
    let id = id.trim().parse::<i64>().ok()?;
    (id > 0 && !model.is_empty()).then_some((model, id))
}

/// Translates an archive value into the target's ids.
pub(crate) fn translate(
    field: &FieldSchema,
    value: &Value,
    record: &Record,
    resolver: &dyn Resolver,
) -> Translated {
    let resolve_one = |model: &str, id: i64| resolver.resolve(model, id);
    match field.info.field_type {
        FieldType::Many2one => match (field.comodel(), value.as_i64()) {
            (Some(comodel), Some(id)) if id > 0 => match resolve_one(comodel, id) {
                Resolved::Target(target) => Translated::Ready(json!(target)),
                Resolved::Pending => Translated::Pending,
                Resolved::Unavailable(reason) => Translated::Unavailable(reason),
            },
            _ => Translated::Ready(unset()),
        },
        FieldType::Many2many | FieldType::One2many => {
            let Some(comodel) = field.comodel() else {
                return Translated::Unavailable("a relational field without a co-model".into());
            };
            let mut targets = Vec::new();
            for id in value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_i64)
            {
                match resolve_one(comodel, id) {
                    Resolved::Target(target) => targets.push(target),
                    Resolved::Pending => return Translated::Pending,
                    Resolved::Unavailable(reason) => return Translated::Unavailable(reason),
                }
            }
            targets.sort_unstable();
            targets.dedup();
            Translated::Ready(json!(targets))
        }
        FieldType::Many2oneReference => match (attached_model(field, record), value.as_i64()) {
            (Some(model), Some(id)) if id > 0 => match resolve_one(model, id) {
                Resolved::Target(target) => Translated::Ready(json!(target)),
                Resolved::Pending => Translated::Pending,
                Resolved::Unavailable(reason) => Translated::Unavailable(reason),
            },
            _ => Translated::Ready(normalize_empty(value)),
        },
        FieldType::Reference => match parse_reference(value) {
            Some((model, id)) => match resolve_one(model, id) {
                Resolved::Target(target) => Translated::Ready(json!(format!("{model},{target}"))),
                Resolved::Pending => Translated::Pending,
                Resolved::Unavailable(reason) => Translated::Unavailable(reason),
            },
            None => Translated::Ready(normalize_empty(value)),
        },
        _ => Translated::Ready(value.clone()),
    }
}

fn normalize_empty(value: &Value) -> Value {
    match value {
        Value::Null => unset(),
        other => other.clone(),
    }
}

/// Whether the current value (as Odoo's `search_read` with `load: ""` gives it) already equals
/// the translated archive value.
pub(crate) fn same_value(field: &FieldSchema, current: &Value, restored: &Value) -> bool {
    match field.info.field_type {
        FieldType::Many2one | FieldType::Many2oneReference => {
            many2one_id(current) == many2one_id(restored)
        }
        FieldType::Many2many | FieldType::One2many => sorted_ids(current) == sorted_ids(restored),
        FieldType::Float | FieldType::Monetary => match (current.as_f64(), restored.as_f64()) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
            _ => is_empty(current) && is_empty(restored),
        },
        FieldType::Integer => current.as_i64().unwrap_or(0) == restored.as_i64().unwrap_or(0),
        FieldType::Boolean => {
            current.as_bool().unwrap_or(false) == restored.as_bool().unwrap_or(false)
        }
        _ => current == restored || (is_empty(current) && is_empty(restored)),
    }
}

pub(crate) fn sorted_ids(value: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The value to send in `create`/`write` for a translated value: many2many lists become the
/// "replace by these ids" command `[(6, 0, ids)]`.
pub(crate) fn write_value(field: &FieldSchema, translated: Value) -> Value {
    match field.info.field_type {
        FieldType::Many2many => replace_ids(translated),
        _ => translated,
    }
}

/// A value as sent in `create`/`write`, back in the form [`same_value`] compares: the ids of a
/// "replace by these ids" command.
pub(crate) fn sent_to_compared(value: &Value) -> Value {
    replaced_ids(value).unwrap_or(value).clone()
}

/// The file reference of a binary value, if it has one.
pub(crate) fn file_reference(value: &Value) -> Option<FileReference> {
    FileReference::from_value(value)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use odoo_client::FieldInfo;

    struct Map(HashMap<(String, i64), Resolved>);

    impl Resolver for Map {
        fn resolve(&self, model: &str, archive_id: i64) -> Resolved {
            self.0
                .get(&(model.to_owned(), archive_id))
                .cloned()
                .unwrap_or(Resolved::Target(archive_id))
        }
    }

    fn field(value: Value, model_field: Option<&str>) -> FieldSchema {
        FieldSchema {
            info: serde_json::from_value::<FieldInfo>(value).unwrap(),
            model_field: model_field.map(str::to_owned),
            not_written: None,
        }
    }

    #[test]
    fn references_are_remapped_to_recreated_records() {
        let resolver = Map(HashMap::from([
            (("res.partner".to_owned(), 7), Resolved::Target(70)),
            (("res.partner".to_owned(), 8), Resolved::Pending),
        ]));
        let record = json!({"res_model": "res.partner"})
            .as_object()
            .unwrap()
            .clone();
        let parent = field(
            json!({"type": "many2one", "relation": "res.partner", "store": true}),
            None,
        );
        assert_eq!(
            translate(&parent, &json!(7), &record, &resolver),
            Translated::Ready(json!(70))
        );
        assert_eq!(
            translate(&parent, &json!(8), &record, &resolver),
            Translated::Pending
        );
        assert_eq!(
            translate(&parent, &Value::Null, &record, &resolver),
            Translated::Ready(json!(false))
        );
        let tags = field(
            json!({"type": "many2many", "relation": "res.partner", "store": true}),
            None,
        );
        assert_eq!(
            translate(&tags, &json!([9, 7]), &record, &resolver),
            Translated::Ready(json!([9, 70]))
        );
        let res_id = field(
            json!({"type": "many2one_reference", "store": true}),
            Some("res_model"),
        );
        assert_eq!(
            translate(&res_id, &json!(7), &record, &resolver),
            Translated::Ready(json!(70))
        );
        let reference = field(json!({"type": "reference", "store": true}), None);
        assert_eq!(
            translate(&reference, &json!("res.partner,7"), &record, &resolver),
            Translated::Ready(json!("res.partner,70"))
        );
    }

    #[test]
    fn equal_values_are_recognised_whatever_odoo_spelling() {
        let many2one = field(
            json!({"type": "many2one", "relation": "res.partner", "store": true}),
            None,
        );
        assert!(same_value(&many2one, &json!(false), &json!(false)));
        assert!(same_value(&many2one, &json!([3, "Name"]), &json!(3)));
        let tags = field(
            json!({"type": "many2many", "relation": "res.partner.category", "store": true}),
            None,
        );
        assert!(same_value(&tags, &json!([3, 1]), &json!([1, 3])));
        let price = field(json!({"type": "float", "store": true}), None);
        assert!(same_value(&price, &json!(79.19), &json!(79.19000000000001)));
        assert!(!same_value(&price, &json!(79.19), &json!(79.2)));
        let text = field(json!({"type": "char", "store": true}), None);
        assert!(same_value(&text, &json!(false), &json!("")));
        assert!(!same_value(&text, &json!("a"), &json!("b")));
    }
}

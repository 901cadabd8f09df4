//! The check of incremental reading: two archives of the same tenant taken at the same moment,
//! one read incrementally and one in full, must hold the same records, the same values and the
//! same files. Both are verified first; then every record is compared field by field, binary
//! fields by their content's checksum.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value};

use crate::archive::format::FileReference;
use crate::archive::reader::ReadLimits;
use crate::error::ArchiveError;
use crate::protection::ArchiveKeys;

/// One way two archives differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveDifference {
    pub model: String,
    /// `None` when the difference is about the model as a whole (or the external ids).
    pub id: Option<i64>,
    pub what: String,
}

impl std::fmt::Display for ArchiveDifference {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.id {
            Some(id) => write!(formatter, "{} {id}: {}", self.model, self.what),
            None => write!(formatter, "{}: {}", self.model, self.what),
        }
    }
}

type Records = BTreeMap<String, BTreeMap<i64, Map<String, Value>>>;

/// Every difference between the records and files of archives `left` and `right` (empty when
/// they hold the same data), after verifying both.
pub fn compare_archives(
    left: &Path,
    right: &Path,
    keys: &ArchiveKeys,
    limits: ReadLimits,
) -> Result<Vec<ArchiveDifference>, ArchiveError> {
    let (left_records, left_ids) = load(left, keys, limits)?;
    let (right_records, right_ids) = load(right, keys, limits)?;
    let mut differences = Vec::new();
    let models: BTreeSet<&String> = left_records.keys().chain(right_records.keys()).collect();
    let empty = BTreeMap::new();
    for model in models {
        let left = left_records.get(model).unwrap_or(&empty);
        let right = right_records.get(model).unwrap_or(&empty);
        let ids: BTreeSet<i64> = left.keys().chain(right.keys()).copied().collect();
        for id in ids {
            let difference = |what: String| ArchiveDifference {
                model: model.clone(),
                id: Some(id),
                what,
            };
            match (left.get(&id), right.get(&id)) {
                (Some(_), None) => differences.push(difference("only in the first archive".into())),
                (None, Some(_)) => {
                    differences.push(difference("only in the second archive".into()))
                }
                (Some(first), Some(second)) => {
                    let fields: BTreeSet<&String> = first.keys().chain(second.keys()).collect();
                    for field in fields {
                        let (a, b) = (first.get(field), second.get(field));
                        if !same_value(a, b) {
                            differences.push(difference(format!(
                                "{field}: {} ≠ {}",
                                shown(a),
                                shown(b)
                            )));
                        }
                    }
                }
                (None, None) => {}
            }
        }
    }
    if left_ids != right_ids {
        differences.push(ArchiveDifference {
            model: crate::archive::format::EXTERNAL_IDS_KEY.into(),
            id: None,
            what: "the external ids of the records referred to differ".into(),
        });
    }
    Ok(differences)
}

fn load(
    path: &Path,
    keys: &ArchiveKeys,
    limits: ReadLimits,
) -> Result<(Records, crate::archive::reader::ExternalIds), ArchiveError> {
    let mut records: Records = BTreeMap::new();
    let (_, external_ids) =
        crate::verify::verify_with_records(path, keys, limits, |model, record| {
            let id = record.get("id").and_then(Value::as_i64).unwrap_or_default();
            records
                .entry(model.to_owned())
                .or_default()
                .insert(id, record);
            Ok(())
        })?;
    Ok((records, external_ids))
}

/// Equal values; files by their content (the entry names follow from the same content); lists
/// of ids (many2many links) as sets: Odoo lists them in the other model's order, whose ties the
/// database breaks differently from one read to the next.
fn same_value(left: Option<&Value>, right: Option<&Value>) -> bool {
    match (
        left.and_then(FileReference::from_value),
        right.and_then(FileReference::from_value),
    ) {
        (Some(a), Some(b)) => a.sha256 == b.sha256 && a.size == b.size,
        _ => match (left.and_then(id_set), right.and_then(id_set)) {
            (Some(a), Some(b)) => a == b,
            _ => left == right,
        },
    }
}

fn id_set(value: &Value) -> Option<BTreeSet<i64>> {
    value.as_array()?.iter().map(Value::as_i64).collect()
}

fn shown(value: Option<&Value>) -> String {
    let text = value.map_or_else(|| "(absent)".to_owned(), Value::to_string);
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn links_listed_in_another_order_are_the_same_links() {
        let (a, b) = (json!([20, 22, 14]), json!([22, 20, 14]));
        assert!(same_value(Some(&a), Some(&b)));
        assert!(!same_value(Some(&a), Some(&json!([20, 14]))));
        assert!(!same_value(Some(&json!("ab")), Some(&json!("ba"))));
    }
}

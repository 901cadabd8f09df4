//! A model's field metadata as `fields_get` reports it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The attributes asked of `fields_get`: enough to tell stored, writable, relational and binary
/// fields apart without downloading every field's help text and selection translations.
pub const FIELD_ATTRIBUTES: &[&str] = &[
    "type",
    "string",
    "relation",
    "relation_field",
    "required",
    "readonly",
    "store",
    "company_dependent",
    "related",
    "depends",
    "translate",
    "selection",
];

/// Odoo's field types. Types this crate does not know keep their name in `Other`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Boolean,
    Integer,
    Float,
    Monetary,
    Char,
    Text,
    Html,
    Selection,
    Date,
    Datetime,
    Binary,
    Image,
    Many2one,
    One2many,
    Many2many,
    Reference,
    Many2oneReference,
    Json,
    Properties,
    PropertiesDefinition,
    #[serde(untagged)]
    Other(String),
}

impl FieldType {
    pub fn is_relational(&self) -> bool {
        matches!(
            self,
            FieldType::Many2one | FieldType::One2many | FieldType::Many2many
        )
    }

    pub fn is_binary(&self) -> bool {
        matches!(self, FieldType::Binary | FieldType::Image)
    }
}

/// One field of a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldInfo {
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub string: String,
    /// The co-model of a relational field.
    #[serde(default)]
    pub relation: Option<String>,
    /// The inverse many2one of a one2many.
    #[serde(default)]
    pub relation_field: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub readonly: bool,
    #[serde(default)]
    pub store: bool,
    #[serde(default)]
    pub company_dependent: bool,
    /// The path of a related field (`["partner_id", "country_id"]`), absent otherwise.
    #[serde(default, deserialize_with = "related_path")]
    pub related: Option<Vec<String>>,
    /// The dependencies of a computed field; empty for plain fields.
    #[serde(default)]
    pub depends: Vec<String>,
    #[serde(default, deserialize_with = "truthy")]
    pub translate: bool,
    /// A selection field's values and their labels (in the context's language), in Odoo's
    /// order; empty for other fields.
    #[serde(
        default,
        deserialize_with = "selection_pairs",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub selection: Vec<(String, String)>,
    /// For a many2one_reference, the field naming the model of the id (`res_id` →
    /// `res_model`); reported only when asked ([`FieldsGetOptions`](crate::FieldsGetOptions)).
    #[serde(
        default,
        deserialize_with = "non_empty",
        skip_serializing_if = "Option::is_none"
    )]
    pub model_field: Option<String>,
}

impl FieldInfo {
    /// Computed (or related) fields: their value is derived, not entered.
    pub fn is_computed(&self) -> bool {
        !self.depends.is_empty() || self.related.is_some()
    }
}

/// `fields_get`'s answer: field name to metadata, in name order.
pub type Fields = BTreeMap<String, FieldInfo>;

fn related_path<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    // Odoo sends the path as a dotted string ("partner_id.country_id"); older versions as a list.
    let value = Value::deserialize(deserializer)?;
    Ok(match value {
        Value::String(path) if !path.is_empty() => {
            Some(path.split('.').map(str::to_owned).collect())
        }
        Value::Array(parts) if !parts.is_empty() => Some(
            parts
                .iter()
                .filter_map(|part| part.as_str().map(str::to_owned))
                .collect(),
        ),
        _ => None,
    })
}

fn selection_pairs<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<(String, String)>, D::Error> {
    // `[["draft", "Quotation"], …]`; `false` or absent for other fields. Values that are not
    // text (rare integer selections) are kept as their JSON text.
    let value = Value::deserialize(deserializer)?;
    let text = |value: &Value| match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    Ok(value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|pair| {
            let pair = pair.as_array()?;
            Some((text(pair.first()?), text(pair.get(1)?)))
        })
        .collect())
}

fn non_empty<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    // Odoo sends `false` for fields that are not many2one_reference.
    let value = Value::deserialize(deserializer)?;
    Ok(value
        .as_str()
        .filter(|text| !text.is_empty())
        .map(str::to_owned))
}

fn truthy<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    // `translate` is a boolean or, for html fields with a custom translator, a callable's name.
    let value = Value::deserialize(deserializer)?;
    Ok(match value {
        Value::Bool(flag) => flag,
        Value::Null => false,
        Value::String(text) => !text.is_empty(),
        _ => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_shapes_odoo_sends() {
        let fields: Fields = serde_json::from_value(serde_json::json!({
            "amount_total": {"type": "monetary", "string": "Total", "readonly": true, "store": true,
                              "depends": ["order_line.price_total"], "required": false},
            "country_code": {"type": "char", "related": "country_id.code", "store": false, "depends": ["country_id.code"]},
            "x_props": {"type": "properties_definition", "store": true},
            "x_new": {"type": "shiny_new_type", "store": true},
            "body": {"type": "html", "translate": "html_translate", "store": true},
            "state": {"type": "selection", "store": true, "readonly": true,
                      "selection": [["draft", "Quotation"], ["sale", "Sales Order"]]},
            "name": {"type": "char", "store": true, "selection": false}
        }))
        .unwrap();
        assert!(fields["amount_total"].is_computed());
        assert_eq!(
            fields["country_code"].related.as_deref(),
            Some(&["country_id".to_string(), "code".to_string()][..])
        );
        assert_eq!(
            fields["x_props"].field_type,
            FieldType::PropertiesDefinition
        );
        assert_eq!(
            fields["x_new"].field_type,
            FieldType::Other("shiny_new_type".into())
        );
        assert!(fields["body"].translate);
        assert_eq!(
            fields["state"].selection,
            [
                ("draft".to_owned(), "Quotation".to_owned()),
                ("sale".to_owned(), "Sales Order".to_owned())
            ]
        );
        assert!(fields["name"].selection.is_empty());
    }
}

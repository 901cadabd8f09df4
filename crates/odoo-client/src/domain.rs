//! Search domains and call contexts.

use serde::Serialize;
use serde_json::{Map, Value, json};

/// An Odoo search domain in prefix notation: a list of leaves `[field, operator, value]` and the
/// operators `"&"`, `"|"`, `"!"`. Leaves side by side are and-ed, as in Odoo.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Domain(Vec<Value>);

impl Domain {
    /// The domain that matches every record.
    pub fn all() -> Self {
        Domain(Vec::new())
    }

    /// A single condition.
    pub fn leaf(field: &str, operator: &str, value: impl Into<Value>) -> Self {
        Domain(vec![json!([field, operator, value.into()])])
    }

    /// Both this domain and `other`.
    pub fn and(mut self, other: Domain) -> Self {
        if self.0.is_empty() {
            return other;
        }
        if other.0.is_empty() {
            return self;
        }
        let mut terms = vec![Value::from("&")];
        terms.append(&mut self.0);
        terms.extend(other.0);
        Domain(terms)
    }

    /// Either this domain or `other`.
    pub fn or(mut self, other: Domain) -> Self {
        if self.0.is_empty() || other.0.is_empty() {
            return Domain::all();
        }
        let mut terms = vec![Value::from("|")];
        terms.append(&mut self.0);
        terms.extend(other.0);
        Domain(terms)
    }

    /// A domain given as raw JSON terms, e.g. read from configuration.
    pub fn from_terms(terms: Vec<Value>) -> Self {
        Domain(terms)
    }

    pub fn terms(&self) -> &[Value] {
        &self.0
    }

    pub fn is_all(&self) -> bool {
        self.0.is_empty()
    }
}

/// The context sent with a call. Its company scope decides which companies' records a call can
/// see and touch: a call pinned to one company cannot read another tenant's rows through a
/// default such as the user's current company.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Context {
    allowed_company_ids: Option<Vec<i64>>,
    active_test: Option<bool>,
    lang: Option<String>,
    extra: Map<String, Value>,
}

impl Context {
    /// No company pinning: Odoo applies the user's current company.
    pub fn new() -> Self {
        Context::default()
    }

    /// Pinned to one company, as a tenant's every call must be.
    pub fn company(company_id: i64) -> Self {
        Context {
            allowed_company_ids: Some(vec![company_id]),
            ..Context::default()
        }
    }

    /// Pinned to several companies (the first is the current one).
    pub fn companies(company_ids: Vec<i64>) -> Self {
        Context {
            allowed_company_ids: Some(company_ids),
            ..Context::default()
        }
    }

    /// Archived records (`active = False`) are seen too.
    pub fn with_archived(mut self) -> Self {
        self.active_test = Some(false);
        self
    }

    pub fn with_lang(mut self, lang: impl Into<String>) -> Self {
        self.lang = Some(lang.into());
        self
    }

    /// Any other context key (e.g. `tracking_disable`).
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// The companies this context is pinned to, if any.
    pub fn company_ids(&self) -> Option<&[i64]> {
        self.allowed_company_ids.as_deref()
    }

    pub fn to_json(&self) -> Map<String, Value> {
        let mut context = self.extra.clone();
        if let Some(ids) = &self.allowed_company_ids {
            context.insert("allowed_company_ids".into(), json!(ids));
        }
        if let Some(active_test) = self.active_test {
            context.insert("active_test".into(), Value::Bool(active_test));
        }
        if let Some(lang) = &self.lang {
            context.insert("lang".into(), Value::from(lang.clone()));
        }
        context
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn and_or_build_prefix_notation() {
        let domain = Domain::leaf("company_id", "=", 3).and(Domain::leaf("id", ">", 10));
        assert_eq!(
            serde_json::to_value(&domain).unwrap(),
            json!(["&", ["company_id", "=", 3], ["id", ">", 10]])
        );
        let either = Domain::leaf("a", "=", 1).or(Domain::leaf("b", "=", 2));
        assert_eq!(
            serde_json::to_value(&either).unwrap(),
            json!(["|", ["a", "=", 1], ["b", "=", 2]])
        );
        assert_eq!(
            Domain::all().and(Domain::leaf("a", "=", 1)),
            Domain::leaf("a", "=", 1)
        );
    }

    #[test]
    fn company_context_pins_allowed_companies() {
        let context = Context::company(7).with_archived().to_json();
        assert_eq!(
            Value::Object(context),
            json!({"allowed_company_ids": [7], "active_test": false})
        );
    }
}

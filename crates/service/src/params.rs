//! Every method's parameters, declared once as data, and checked before a method runs: a wrong
//! type, a `null` yes/no, a missing or an unknown name gets error 1002 naming the parameter and what it
//! accepts (docs/API.md), instead of serde's wording or a silently ignored typo.
//!
//! The method signatures in `api.rs` still parse the values; this table is what a caller is
//! told. A parameter added there but not here is refused as unknown, so the API tests that use
//! it fail until both agree.

use serde_json::Value;

use crate::error::{ServiceError, clip};

/// The longest string parameter accepted: ids and tenant codes are far shorter, and a longer
/// one is refused before it reaches a log, Odoo or an error message.
pub(crate) const MAX_STRING_PARAM: usize = 200;

/// What a parameter accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A company id (integer) or a tenant code (string).
    Tenant,
    /// A non-empty identifier string (backup or job id).
    Id,
    Bool,
    Integer,
}

impl Kind {
    fn accepts(self) -> &'static str {
        match self {
            Kind::Tenant => {
                "a company id (integer) or a tenant code (string), as `tenants.list` gives them"
            }
            Kind::Id => "a string id",
            Kind::Bool => "true or false",
            Kind::Integer => "an integer",
        }
    }

    fn check(self, value: &Value) -> bool {
        match (self, value) {
            (Kind::Tenant, Value::Number(number)) | (Kind::Integer, Value::Number(number)) => {
                number.is_i64()
            }
            (Kind::Tenant, Value::String(text)) | (Kind::Id, Value::String(text)) => {
                !text.trim().is_empty()
            }
            (Kind::Bool, Value::Bool(_)) => true,
            _ => false,
        }
    }
}

/// One named parameter of a method.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Param {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) required: bool,
}

const fn required(name: &'static str, kind: Kind) -> Param {
    Param {
        name,
        kind,
        required: true,
    }
}

const fn optional(name: &'static str, kind: Kind) -> Param {
    Param {
        name,
        kind,
        required: false,
    }
}

/// The API's methods and their parameters (docs/API.md).
pub(crate) const METHODS: &[(&str, &[Param])] = &[
    ("health", &[]),
    ("tenants.list", &[]),
    (
        "backup.start",
        &[
            required("tenant", Kind::Tenant),
            optional("schedule_id", Kind::Integer),
        ],
    ),
    (
        "restore.start",
        &[
            required("backup_id", Kind::Id),
            required("tenant", Kind::Tenant),
            optional("dry_run", Kind::Bool),
            optional("safety_backup", Kind::Bool),
            optional("allow_unsigned", Kind::Bool),
        ],
    ),
    ("job.get", &[required("job_id", Kind::Id)]),
    ("backup.list", &[optional("tenant", Kind::Tenant)]),
    ("backup.get", &[required("backup_id", Kind::Id)]),
    (
        "backup.verify",
        &[required("backup_id", Kind::Id), optional("store", Kind::Id)],
    ),
    ("backup.delete", &[required("backup_id", Kind::Id)]),
    ("schedules.tick", &[]),
    (
        "schedules.next_run",
        &[required("schedule_id", Kind::Integer)],
    ),
];

/// Checks a call's raw parameters (`None`: the request had none) against [`METHODS`]. Unknown
/// methods are left to jsonrpsee, which answers "method not found".
pub(crate) fn check(method: &str, raw: Option<&str>) -> Result<(), ServiceError> {
    let Some((_, params)) = METHODS.iter().find(|(name, _)| *name == method) else {
        return Ok(());
    };
    let value = match raw {
        None => Value::Object(Default::default()),
        Some(raw) => serde_json::from_str::<Value>(raw)
            .map_err(|_| ServiceError::invalid("params", "not valid JSON"))?,
    };
    let object = match value {
        Value::Object(object) => object,
        // An empty list is how some clients say "no parameters".
        Value::Array(items) if items.is_empty() => Default::default(),
        Value::Null => Default::default(),
        other => {
            return Err(ServiceError::invalid(
                "params",
                format!(
                    "parameters are named: send an object such as {{{}}}, not {}",
                    example(params),
                    describe(&other)
                ),
            ));
        }
    };
    let accepted = || {
        if params.is_empty() {
            format!("{method} takes no parameters")
        } else {
            format!(
                "{method} accepts {}",
                params
                    .iter()
                    .map(|param| param.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    };
    for name in object.keys() {
        if !params.iter().any(|param| param.name == name) {
            return Err(ServiceError::invalid(
                &clip(name, 64),
                format!("unknown parameter; {}", accepted()),
            ));
        }
    }
    for param in params.iter() {
        match object.get(param.name) {
            None if param.required => {
                return Err(ServiceError::invalid(
                    param.name,
                    format!("missing; give {}", param.kind.accepts()),
                ));
            }
            None => {}
            // An optional id sent as null is taken as left out: that is how generated clients
            // (jsonrpsee's among them) send an absent value, and no meaning is lost. A yes/no
            // sent as null is refused: `dry_run: null` read as "false" would run a real restore.
            Some(Value::Null) if !param.required && param.kind != Kind::Bool => {}
            Some(Value::Null) => {
                return Err(ServiceError::invalid(
                    param.name,
                    format!(
                        "null is not accepted; give {}{}",
                        param.kind.accepts(),
                        if param.required {
                            ""
                        } else {
                            ", or leave it out"
                        }
                    ),
                ));
            }
            Some(Value::String(text)) if text.chars().count() > MAX_STRING_PARAM => {
                return Err(ServiceError::invalid(
                    param.name,
                    format!(
                        "a string of {} characters; at most {MAX_STRING_PARAM} are accepted",
                        text.chars().count()
                    ),
                ));
            }
            Some(value) if !param.kind.check(value) => {
                return Err(ServiceError::invalid(
                    param.name,
                    format!("expected {}, got {}", param.kind.accepts(), describe(value)),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn example(params: &[Param]) -> String {
    params
        .iter()
        .map(|param| {
            let value = match param.kind {
                Kind::Tenant => "\"boutique-sport\"",
                Kind::Id => "\"…\"",
                Kind::Bool => "true",
                Kind::Integer => "1",
            };
            format!("\"{}\": {value}", param.name)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value's JSON type, and the value itself when it is short: never a long string echoed back.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(flag) => format!("the boolean {flag}"),
        Value::Number(number) => format!("the number {number}"),
        Value::String(text) => format!("the string {:?}", clip(text, 40)),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(method: &str, raw: &str) -> String {
        check(method, Some(raw)).unwrap_err().to_string()
    }

    #[test]
    fn a_wrong_type_names_the_parameter_and_what_it_accepts() {
        let text = message("backup.start", r#"{"tenant": [1]}"#);
        assert!(
            text.contains("tenant") && text.contains("company id") && text.contains("a list"),
            "{text}"
        );
        assert!(!text.contains("untagged"), "{text}");
    }

    #[test]
    fn unknown_names_and_nulls_are_refused_with_the_accepted_names() {
        let text = message(
            "restore.start",
            r#"{"backup_id": "b", "tenant": 1, "dryrun": true}"#,
        );
        assert!(
            text.contains("dryrun") && text.contains("backup_id, tenant, dry_run, safety_backup"),
            "{text}"
        );
        let text = message(
            "restore.start",
            r#"{"backup_id": "b", "tenant": 1, "dry_run": null}"#,
        );
        assert!(text.contains("dry_run") && text.contains("null"), "{text}");
        assert!(check("restore.start", Some(r#"{"backup_id": "b", "tenant": 1}"#)).is_ok());
        // An optional id left out as null, as generated clients send it, is no error.
        assert!(
            check(
                "backup.start",
                Some(r#"{"tenant": 1, "schedule_id": null}"#)
            )
            .is_ok()
        );
        assert!(check("health", None).is_ok() && check("tenants.list", Some("[]")).is_ok());
    }

    #[test]
    fn a_huge_string_is_refused_without_being_echoed() {
        let huge = "x".repeat(1_000_000);
        let text = message("backup.start", &format!(r#"{{"tenant": "{huge}"}}"#));
        assert!(
            text.len() < 300 && text.contains("1000000 characters"),
            "{text}"
        );
    }
}

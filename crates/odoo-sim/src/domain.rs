//! Search domains: parsing Odoo's prefix notation and evaluating it against stored records.
//!
//! Semantics follow Odoo 18's SQL translation where it shows: negative operators (`!=`,
//! `not in`, `not like`, `not ilike`) also match empty values, `('f', '=', False)` matches empty
//! values, `like` wraps the pattern in `%`, `=like` does not, dotted paths go through a
//! many2one (or any record of an x2many).

use serde_json::Value;

use crate::compute;
use crate::error::{OdooException, leaf_repr, py_repr};
use crate::registry::{FieldDef, FieldKind, Model, Registry};
use crate::state::{Database, Record};

/// A parsed domain.
#[derive(Debug)]
pub enum Node {
    True,
    False,
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Leaf(Leaf),
}

#[derive(Debug)]
pub struct Leaf {
    /// The first field of the path ("id" has no definition and is `None`).
    field: Option<&'static FieldDef>,
    /// The rest of a dotted path, evaluated on the co-model.
    rest: Option<(&'static str, Box<Leaf>)>,
    operator: Operator,
    value: Value,
    /// For `any` / `not any`: the sub-domain on the co-model.
    sub: Option<Box<Node>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operator {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    EqOrTrue,
    Like,
    ILike,
    NotLike,
    NotILike,
    EqLike,
    EqILike,
    In,
    NotIn,
    ChildOf,
    ParentOf,
    Any,
    NotAny,
}

impl Operator {
    fn parse(text: &str) -> Option<Operator> {
        Some(match text.to_ascii_lowercase().as_str() {
            "=" | "==" => Operator::Eq,
            "!=" | "<>" => Operator::Ne,
            "<" => Operator::Lt,
            ">" => Operator::Gt,
            "<=" => Operator::Le,
            ">=" => Operator::Ge,
            "=?" => Operator::EqOrTrue,
            "like" => Operator::Like,
            "ilike" => Operator::ILike,
            "not like" => Operator::NotLike,
            "not ilike" => Operator::NotILike,
            "=like" => Operator::EqLike,
            "=ilike" => Operator::EqILike,
            "in" => Operator::In,
            "not in" => Operator::NotIn,
            "child_of" => Operator::ChildOf,
            "parent_of" => Operator::ParentOf,
            "any" => Operator::Any,
            "not any" => Operator::NotAny,
            _ => return None,
        })
    }
}

/// Parses `domain` (a JSON list in prefix notation) for `model`. Unknown fields and operators
/// raise the `ValueError`s Odoo raises.
pub fn parse(model: &Model, domain: &Value) -> Result<Node, OdooException> {
    let items: &[Value] = match domain {
        Value::Null | Value::Bool(false) => &[],
        Value::Array(items) => items,
        other => {
            return Err(OdooException::value_error(format!(
                "Invalid domain: {}",
                py_repr(other)
            )));
        }
    };
    let mut position = 0;
    let mut terms = Vec::new();
    while position < items.len() {
        terms.push(parse_term(model, items, &mut position)?);
    }
    Ok(match terms.len() {
        0 => Node::True,
        1 => terms.pop().expect("one term"),
        _ => Node::And(terms),
    })
}

fn parse_term(model: &Model, items: &[Value], position: &mut usize) -> Result<Node, OdooException> {
    let Some(item) = items.get(*position) else {
        // A dangling operator: Odoo fills it with TRUE leaves.
        return Ok(Node::True);
    };
    *position += 1;
    match item {
        Value::String(op) if op == "&" || op == "|" => {
            let left = parse_term(model, items, position)?;
            let right = parse_term(model, items, position)?;
            Ok(if op == "&" {
                Node::And(vec![left, right])
            } else {
                Node::Or(vec![left, right])
            })
        }
        Value::String(op) if op == "!" => {
            Ok(Node::Not(Box::new(parse_term(model, items, position)?)))
        }
        Value::Array(parts) if parts.len() == 3 => parse_leaf(model, parts),
        // Python's tuple unpacking of a leaf of the wrong length.
        Value::Array(parts) if parts.len() < 3 => Err(OdooException::value_error(format!(
            "not enough values to unpack (expected 3, got {})",
            parts.len()
        ))),
        Value::Array(_) => Err(OdooException::value_error(
            "too many values to unpack (expected 3)",
        )),
        // Python unpacks any 3-item sequence, a 3-letter string included.
        Value::String(text) if text.chars().count() == 3 => {
            let parts: Vec<Value> = text.chars().map(|c| Value::from(c.to_string())).collect();
            parse_leaf(model, &parts)
        }
        Value::Bool(true) => Ok(Node::True),
        Value::Bool(false) => Ok(Node::False),
        other => Err(OdooException::value_error(format!(
            "Invalid leaf {}",
            py_repr(other)
        ))),
    }
}

fn parse_leaf(model: &Model, parts: &[Value]) -> Result<Node, OdooException> {
    // The constant leaves (1, '=', 1) and (0, '=', 1).
    if let (Some(left), Some("="), Some(1)) =
        (parts[0].as_i64(), parts[1].as_str(), parts[2].as_i64())
    {
        return Ok(if left == 1 { Node::True } else { Node::False });
    }
    let invalid_leaf = || OdooException::value_error(format!("Invalid leaf {}", leaf_repr(parts)));
    let Some(path) = parts[0].as_str() else {
        return Err(invalid_leaf());
    };
    let Some(operator) = parts[1].as_str().and_then(Operator::parse) else {
        return Err(invalid_leaf());
    };
    if contains_object(&parts[2]) {
        let mut error = OdooException::value_error("can't adapt type 'dict'");
        error.name = "psycopg2.ProgrammingError";
        return Err(error);
    }
    let leaf = build_leaf(model, path, operator, &parts[2], parts)?;
    Ok(Node::Leaf(leaf))
}

/// PostgreSQL cannot take a dict as a value (`any` sub-domains are lists, never dicts).
fn contains_object(value: &Value) -> bool {
    match value {
        Value::Object(_) => true,
        Value::Array(items) => items.iter().any(Value::is_object),
        _ => false,
    }
}

fn build_leaf(
    model: &Model,
    path: &str,
    operator: Operator,
    value: &Value,
    original: &[Value],
) -> Result<Leaf, OdooException> {
    let (head, tail) = match path.split_once('.') {
        Some((head, tail)) => (head, Some(tail)),
        None => (path, None),
    };
    let invalid_field = || {
        OdooException::value_error(format!(
            "Invalid field {}.{} in leaf {}",
            model.name(),
            head,
            leaf_repr(original)
        ))
    };
    let field = if head == "id" {
        None
    } else {
        Some(model.field(head).ok_or_else(invalid_field)?)
    };
    let comodel = || {
        field
            .and_then(|f| f.relation)
            .and_then(|relation| Registry::get().model(relation))
    };
    let rest = match tail {
        None => None,
        Some(tail) => {
            let comodel = comodel().ok_or_else(invalid_field)?;
            let inner = build_leaf(comodel, tail, operator, value, original)?;
            Some((comodel.name(), Box::new(inner)))
        }
    };
    let sub = match (operator, &rest) {
        (Operator::Any | Operator::NotAny, None) => {
            let comodel = comodel().ok_or_else(|| {
                OdooException::value_error(format!("Invalid leaf {}", leaf_repr(original)))
            })?;
            Some(Box::new(parse(comodel, value)?))
        }
        _ => None,
    };
    Ok(Leaf {
        field,
        rest,
        operator,
        value: value.clone(),
        sub,
    })
}

/// Whether a top-level leaf of `domain` names `field` exactly (Odoo's `arg[0] == field` test:
/// operators are single characters, so they never match a field name).
pub fn mentions(domain: &Value, fields: &[&str]) -> bool {
    match domain {
        Value::Array(items) => items.iter().any(|item| match item {
            Value::Array(parts) => parts
                .first()
                .and_then(Value::as_str)
                .is_some_and(|name| fields.contains(&name)),
            _ => false,
        }),
        _ => false,
    }
}

/// The smallest id a matching record can have, when the domain says so at its top level
/// (`('id', '>', n)` and-ed with the rest): lets a paging walk start its scan there.
pub fn id_floor(node: &Node) -> Option<i64> {
    match node {
        Node::Leaf(leaf) if leaf.field.is_none() && leaf.rest.is_none() => {
            let bound = leaf.value.as_i64()?;
            match leaf.operator {
                Operator::Gt => Some(bound + 1),
                Operator::Ge | Operator::Eq => Some(bound),
                _ => None,
            }
        }
        Node::And(terms) => terms.iter().filter_map(id_floor).max(),
        _ => None,
    }
}

/// The ids a domain is limited to by an `id in [...]` (or `id = n`) term at its top level, so
/// a search can look those rows up instead of scanning the table — as PostgreSQL would use
/// the primary key. `None` when no such term exists.
pub fn id_set(node: &Node) -> Option<std::collections::BTreeSet<i64>> {
    match node {
        Node::Leaf(leaf) if leaf.field.is_none() && leaf.rest.is_none() => match leaf.operator {
            Operator::In => Some(ids_of(&leaf.value).into_iter().collect()),
            Operator::Eq => leaf.value.as_i64().map(|id| [id].into_iter().collect()),
            _ => None,
        },
        Node::And(terms) => terms
            .iter()
            .filter_map(id_set)
            .reduce(|left, right| left.intersection(&right).copied().collect()),
        _ => None,
    }
}

/// Whether `record` (of `model`) satisfies `node`.
pub fn matches(db: &Database, model: &Model, record: &Record, node: &Node) -> bool {
    match node {
        Node::True => true,
        Node::False => false,
        Node::And(terms) => terms.iter().all(|term| matches(db, model, record, term)),
        Node::Or(terms) => terms.iter().any(|term| matches(db, model, record, term)),
        Node::Not(term) => !matches(db, model, record, term),
        Node::Leaf(leaf) => leaf_matches(db, model, record, leaf),
    }
}

fn leaf_matches(db: &Database, model: &Model, record: &Record, leaf: &Leaf) -> bool {
    let Some(field) = leaf.field else {
        let id = record.many2one("id").unwrap_or_default();
        return compare_scalar(leaf.operator, &Value::from(id), &leaf.value, None, db);
    };
    let value = compute::domain_value(db, model, record, field);
    if let Some((comodel_name, inner)) = &leaf.rest {
        let comodel = Registry::get()
            .model(comodel_name)
            .expect("path co-model is registered");
        let targets = ids_of(&value);
        let any_match = targets.iter().any(|id| {
            db.get(comodel_name, *id)
                .is_some_and(|target| leaf_matches(db, comodel, target, inner))
        });
        // A negative operator on an empty path still matches (the SQL is a LEFT JOIN).
        if targets.is_empty() {
            return is_negative(leaf.operator) && inner.rest.is_none();
        }
        return any_match;
    }
    if let Some(sub) = &leaf.sub {
        let comodel = Registry::get()
            .model(field.relation.unwrap_or_default())
            .expect("any co-model is registered");
        let found = ids_of(&value).iter().any(|id| {
            db.get(comodel.name(), *id)
                .is_some_and(|target| matches(db, comodel, target, sub))
        });
        return if leaf.operator == Operator::Any {
            found
        } else {
            !found
        };
    }
    match field.kind {
        FieldKind::One2many | FieldKind::Many2many => {
            compare_x2many(db, field, leaf.operator, &ids_of(&value), &leaf.value)
        }
        _ => compare_scalar(leaf.operator, &value, &leaf.value, Some(field), db),
    }
}

fn is_negative(operator: Operator) -> bool {
    matches!(
        operator,
        Operator::Ne | Operator::NotIn | Operator::NotLike | Operator::NotILike
    )
}

fn ids_of(value: &Value) -> Vec<i64> {
    match value {
        Value::Number(number) => number.as_i64().into_iter().collect(),
        Value::Array(items) => items.iter().filter_map(Value::as_i64).collect(),
        _ => Vec::new(),
    }
}

fn is_empty(value: &Value) -> bool {
    matches!(value, Value::Null | Value::Bool(false))
        || matches!(value, Value::String(text) if text.is_empty())
}

/// Odoo compares `('flag', '=', False)` as "not set", but a boolean false is a value to it only
/// when the field is a boolean.
fn values_equal(left: &Value, right: &Value, field: Option<&FieldDef>, db: &Database) -> bool {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        // A many2one compared with a name: Odoo resolves the name.
        (Value::Number(id), Value::String(name))
            if field.is_some_and(|f| f.kind == FieldKind::Many2one) =>
        {
            let comodel = field.and_then(|f| f.relation).unwrap_or_default();
            id.as_i64()
                .is_some_and(|id| compute::display_name(db, comodel, id) == *name)
        }
        _ => false,
    }
}

fn compare_scalar(
    operator: Operator,
    value: &Value,
    operand: &Value,
    field: Option<&FieldDef>,
    db: &Database,
) -> bool {
    let is_boolean = field.is_some_and(|f| f.kind == FieldKind::Boolean);
    let empty = if is_boolean {
        !value.as_bool().unwrap_or(false)
    } else {
        is_empty(value)
    };
    match operator {
        Operator::EqOrTrue if is_empty(operand) => true,
        Operator::Eq | Operator::EqOrTrue => {
            if is_empty(operand) || operand == &Value::Bool(false) {
                empty
            } else if is_boolean {
                operand.as_bool().unwrap_or(false) != empty
            } else {
                values_equal(value, operand, field, db)
            }
        }
        Operator::Ne => !compare_scalar(Operator::Eq, value, operand, field, db),
        Operator::In => match operand {
            Value::Array(options) => options.iter().any(|option| {
                if is_empty(option) {
                    empty
                } else {
                    !empty && values_equal(value, option, field, db)
                }
            }),
            single => compare_scalar(Operator::Eq, value, single, field, db),
        },
        Operator::NotIn => !compare_scalar(Operator::In, value, operand, field, db),
        Operator::Lt | Operator::Gt | Operator::Le | Operator::Ge => {
            if empty && !is_boolean {
                return false;
            }
            let ordering = match (value, operand) {
                (Value::Number(a), Value::Number(b)) => a
                    .as_f64()
                    .unwrap_or(0.0)
                    .partial_cmp(&b.as_f64().unwrap_or(0.0)),
                (Value::String(a), Value::String(b)) => Some(a.as_str().cmp(b.as_str())),
                _ => None,
            };
            let Some(ordering) = ordering else {
                return false;
            };
            match operator {
                Operator::Lt => ordering.is_lt(),
                Operator::Gt => ordering.is_gt(),
                Operator::Le => ordering.is_le(),
                _ => ordering.is_ge(),
            }
        }
        Operator::Like | Operator::ILike | Operator::EqLike | Operator::EqILike => {
            let text = textual(value, field, db);
            let Some(text) = text else {
                return false;
            };
            let pattern = operand_text(operand);
            let wrapped = matches!(operator, Operator::Like | Operator::ILike);
            let insensitive = matches!(operator, Operator::ILike | Operator::EqILike);
            like(&text, &pattern, wrapped, insensitive)
        }
        Operator::NotLike => !compare_scalar(Operator::Like, value, operand, field, db),
        Operator::NotILike => !compare_scalar(Operator::ILike, value, operand, field, db),
        Operator::ChildOf | Operator::ParentOf => {
            let Some(id) = value.as_i64() else {
                return false;
            };
            let comodel = field.and_then(|f| f.relation).unwrap_or_default();
            let targets = ids_of(operand);
            if operator == Operator::ChildOf {
                ancestors(db, comodel, id)
                    .iter()
                    .any(|a| targets.contains(a))
            } else {
                targets
                    .iter()
                    .any(|target| ancestors(db, comodel, *target).contains(&id))
            }
        }
        Operator::Any | Operator::NotAny => false,
    }
}

/// The record itself and its `parent_id` chain.
fn ancestors(db: &Database, model: &str, id: i64) -> Vec<i64> {
    let mut chain = vec![id];
    let mut current = id;
    while let Some(parent) = db.get(model, current).and_then(|r| r.many2one("parent_id")) {
        if chain.contains(&parent) {
            break;
        }
        chain.push(parent);
        current = parent;
    }
    chain
}

fn compare_x2many(
    db: &Database,
    field: &FieldDef,
    operator: Operator,
    ids: &[i64],
    operand: &Value,
) -> bool {
    let comodel = field.relation.unwrap_or_default();
    match operator {
        Operator::Eq | Operator::In | Operator::EqOrTrue => {
            if is_empty(operand) {
                return ids.is_empty();
            }
            match operand {
                Value::String(name) => ids
                    .iter()
                    .any(|id| compute::display_name(db, comodel, *id) == *name),
                other => {
                    let wanted = ids_of(other);
                    ids.iter().any(|id| wanted.contains(id))
                }
            }
        }
        Operator::Ne | Operator::NotIn => !compare_x2many(db, field, Operator::In, ids, operand),
        Operator::Like | Operator::ILike | Operator::EqLike | Operator::EqILike => {
            let pattern = operand_text(operand);
            let wrapped = matches!(operator, Operator::Like | Operator::ILike);
            let insensitive = matches!(operator, Operator::ILike | Operator::EqILike);
            ids.iter().any(|id| {
                like(
                    &compute::display_name(db, comodel, *id),
                    &pattern,
                    wrapped,
                    insensitive,
                )
            })
        }
        Operator::NotLike => !compare_x2many(db, field, Operator::Like, ids, operand),
        Operator::NotILike => !compare_x2many(db, field, Operator::ILike, ids, operand),
        Operator::ChildOf | Operator::ParentOf => {
            let wanted = ids_of(operand);
            ids.iter().any(|id| {
                let chain = ancestors(db, comodel, *id);
                wanted.iter().any(|w| chain.contains(w))
            })
        }
        _ => false,
    }
}

/// The text a like-operator looks at: the value itself, or a many2one's display name.
fn textual(value: &Value, field: Option<&FieldDef>, db: &Database) -> Option<String> {
    match (value, field) {
        (Value::String(text), _) => Some(text.clone()),
        (Value::Number(id), Some(field)) if field.kind == FieldKind::Many2one => id
            .as_i64()
            .map(|id| compute::display_name(db, field.relation.unwrap_or_default(), id)),
        (Value::Number(number), _) => Some(number.to_string()),
        _ => None,
    }
}

fn operand_text(operand: &Value) -> String {
    match operand {
        Value::String(text) => text.clone(),
        Value::Bool(false) | Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// SQL `LIKE`: `%` any run, `_` one character, `\` escapes.
fn like(text: &str, pattern: &str, wrapped: bool, insensitive: bool) -> bool {
    let (text, pattern) = if insensitive {
        (text.to_lowercase(), pattern.to_lowercase())
    } else {
        (text.to_owned(), pattern.to_owned())
    };
    let mut tokens: Vec<LikeToken> = Vec::new();
    if wrapped {
        tokens.push(LikeToken::Any);
    }
    let mut chars = pattern.chars();
    while let Some(ch) = chars.next() {
        tokens.push(match ch {
            '%' => LikeToken::Any,
            '_' => LikeToken::One,
            '\\' => LikeToken::Char(chars.next().unwrap_or('\\')),
            c => LikeToken::Char(c),
        });
    }
    if wrapped {
        tokens.push(LikeToken::Any);
    }
    let text: Vec<char> = text.chars().collect();
    like_match(&text, &tokens)
}

#[derive(Clone, Copy)]
enum LikeToken {
    Any,
    One,
    Char(char),
}

fn like_match(text: &[char], tokens: &[LikeToken]) -> bool {
    // Iterative wildcard matching with backtracking to the last `%`.
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match tokens.get(p) {
            Some(LikeToken::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            Some(LikeToken::One) => {
                t += 1;
                p += 1;
            }
            Some(LikeToken::Any) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    tokens[p..]
        .iter()
        .all(|token| matches!(token, LikeToken::Any))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_handles_wildcards_and_case() {
        assert!(like("Boutique Sport", "sport", true, true));
        assert!(!like("Boutique Sport", "sport", true, false));
        assert!(like("abc", "a_c", false, false));
        assert!(!like("abcd", "a_c", false, false));
        assert!(like("S00012", "S%2", false, false));
        assert!(like("", "", true, true));
    }
}

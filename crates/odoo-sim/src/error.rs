//! Odoo's exceptions as the wire carries them: a Python exception name, a message, and the
//! exception's `context` (set by record rules to suggest a company).

use serde_json::{Map, Value, json};

/// One raised exception, ready to be put in a JSON-RPC error or a JSON-2 error body.
#[derive(Clone, Debug, PartialEq)]
pub struct OdooException {
    /// The dotted Python name: `odoo.exceptions.AccessError`, `builtins.ValueError`, ...
    pub name: &'static str,
    pub message: String,
    /// `exception.context` (only record-rule errors set one).
    pub context: Map<String, Value>,
    /// The HTTP status JSON-2 answers with (Odoo 19's `http_code`s).
    pub http_status: u16,
}

impl OdooException {
    fn new(name: &'static str, message: impl Into<String>, http_status: u16) -> Self {
        OdooException {
            name,
            message: message.into(),
            context: Map::new(),
            http_status,
        }
    }

    pub fn access_denied() -> Self {
        Self::new("odoo.exceptions.AccessDenied", "Access Denied", 403)
    }

    pub fn access_error(message: impl Into<String>) -> Self {
        Self::new("odoo.exceptions.AccessError", message, 403)
    }

    pub fn missing_error(message: impl Into<String>) -> Self {
        Self::new("odoo.exceptions.MissingError", message, 404)
    }

    pub fn user_error(message: impl Into<String>) -> Self {
        Self::new("odoo.exceptions.UserError", message, 422)
    }

    pub fn validation_error(message: impl Into<String>) -> Self {
        Self::new("odoo.exceptions.ValidationError", message, 422)
    }

    pub fn value_error(message: impl Into<String>) -> Self {
        Self::new("builtins.ValueError", message, 500)
    }

    pub fn type_error(message: impl Into<String>) -> Self {
        Self::new("builtins.TypeError", message, 500)
    }

    pub fn attribute_error(message: impl Into<String>) -> Self {
        Self::new("builtins.AttributeError", message, 500)
    }

    pub fn session_expired() -> Self {
        Self::new("odoo.http.SessionExpiredException", "Session expired", 403)
    }

    /// JSON-2's answer for an unknown model or method (werkzeug's `NotFound`).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("werkzeug.exceptions.NotFound", message, 404)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new("werkzeug.exceptions.Unauthorized", message, 401)
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new("werkzeug.exceptions.UnprocessableEntity", message, 422)
    }

    pub fn with_context(mut self, context: Map<String, Value>) -> Self {
        self.context = context;
        self
    }

    /// A made-up but plausible traceback: clients log it, none parse it.
    pub fn debug_text(&self) -> String {
        let short = self.name.rsplit('.').next().unwrap_or(self.name);
        let module = self.name.strip_suffix(&format!(".{short}")).unwrap_or("");
        let qualified = if module == "builtins" {
            short.to_owned()
        } else {
            self.name.to_owned()
        };
        format!(
            "Traceback (most recent call last):\n  File \"odoo-sim\", line 1, in call_kw\n{qualified}: {}\n",
            self.message
        )
    }

    /// The `data` object of a JSON-RPC error, and the body of a JSON-2 error.
    pub fn data(&self) -> Value {
        json!({
            "name": self.name,
            "debug": self.debug_text(),
            "message": self.message,
            "arguments": [self.message],
            "context": self.context,
        })
    }
}

/// Python's `repr` of a JSON value, for messages that quote domain leaves the way Odoo does
/// (`('name', '=', 'x')`, `True`, `None`).
pub fn py_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(number) => number.to_string(),
        Value::String(text) => py_str(text),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(py_repr).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(key, value)| format!("{}: {}", py_str(key), py_repr(value)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

/// Python's `repr` of a string: single quotes unless the text holds one and no double quote.
pub fn py_str(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// A domain leaf as Python prints the tuple: `('name', '=', 'x')`.
pub fn leaf_repr(items: &[Value]) -> String {
    let inner: Vec<String> = items.iter().map(py_repr).collect();
    if inner.len() == 1 {
        format!("({},)", inner[0])
    } else {
        format!("({})", inner.join(", "))
    }
}

/// A recordset as Python prints it: `res.partner(7,)`, `res.partner(7, 8)`.
pub fn recordset_repr(model: &str, ids: &[i64]) -> String {
    let inner: Vec<String> = ids.iter().map(i64::to_string).collect();
    if inner.len() == 1 {
        format!("{model}({},)", inner[0])
    } else {
        format!("{model}({})", inner.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_print_like_python_tuples() {
        assert_eq!(
            leaf_repr(&[json!("nofield"), json!("="), json!(1)]),
            "('nofield', '=', 1)"
        );
        assert_eq!(
            leaf_repr(&[json!("a"), json!("in"), json!([1, false, null])]),
            "('a', 'in', [1, False, None])"
        );
        assert_eq!(py_str("it's"), "\"it's\"");
        assert_eq!(recordset_repr("res.partner", &[9]), "res.partner(9,)");
    }
}

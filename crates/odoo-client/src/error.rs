//! Odoo's failures as typed errors that keep Odoo's own message.
//!
//! Odoo reports a failed call as an exception name (`odoo.exceptions.AccessError`, ...) and a
//! message, wrapped in a JSON-RPC error object (`/jsonrpc`, web session) or an HTTP error status
//! with a JSON body (JSON-2). [`OdooError::from_server`] turns both into one enum, so callers
//! match on what happened, not on the protocol that carried it.

use std::fmt;

/// The call an error belongs to: which model and method, for messages a human can act on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallSite {
    pub model: String,
    pub method: String,
}

impl CallSite {
    pub fn new(model: impl Into<String>, method: impl Into<String>) -> Self {
        CallSite {
            model: model.into(),
            method: method.into(),
        }
    }
}

impl fmt::Display for CallSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.model, self.method)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OdooError {
    /// The login, password or API key was refused. Never carries the secret.
    #[error(
        "Odoo refused the credentials of login {login:?} on database {database:?}: check the login and the password or API key"
    )]
    AccessDenied { login: String, database: String },

    /// The user may not do this to these records (access rights, record rules, or a company the
    /// call is not allowed to see).
    #[error("{call}: Odoo refused access: {message}")]
    AccessError { call: CallSite, message: String },

    /// A record asked for does not exist (any more).
    #[error("{call}: record not found: {message}")]
    MissingError { call: CallSite, message: String },

    /// A constraint refused the values.
    #[error("{call}: Odoo refused the values: {message}")]
    ValidationError { call: CallSite, message: String },

    /// A business rule refused the operation.
    #[error("{call}: {message}")]
    UserError { call: CallSite, message: String },

    /// The model is not installed in this database.
    #[error("{call}: model {model:?} does not exist in this database (is its module installed?): {message}", model = call.model)]
    UnknownModel { call: CallSite, message: String },

    /// A field named in the call does not exist on the model.
    #[error("{call}: unknown field: {message}")]
    UnknownField { call: CallSite, message: String },

    /// The method does not exist or is private.
    #[error("{call}: no such public method: {message}")]
    UnknownMethod { call: CallSite, message: String },

    /// The web session ended (logout, expiry, server restart with another secret).
    #[error("{call}: the Odoo session expired")]
    SessionExpired { call: CallSite },

    /// Any other exception raised by the server, with its Python name.
    #[error("{call}: Odoo raised {name}: {message}")]
    Server {
        call: CallSite,
        name: String,
        message: String,
    },

    /// The server could not be reached or did not answer in time.
    #[error("{call}: could not reach Odoo: {message}")]
    Transport {
        call: CallSite,
        message: String,
        /// True when the request provably never reached the server (connection refused or
        /// failed before sending), so even a write may be sent again.
        before_sending: bool,
    },

    /// The server answered with an HTTP error status and no Odoo error in the body.
    #[error("{call}: Odoo answered HTTP {status}: {excerpt}")]
    Http {
        call: CallSite,
        status: u16,
        excerpt: String,
    },

    /// The answer was not what the protocol promises.
    #[error("{call}: unexpected answer from Odoo: {message}")]
    InvalidResponse { call: CallSite, message: String },

    /// The configuration cannot work with this server.
    #[error("{0}")]
    Unsupported(String),
}

impl OdooError {
    /// Classifies an exception the server reported. `name` is Odoo's dotted exception name
    /// (`odoo.exceptions.AccessError`, `builtins.ValueError`, ...). The same names arrive over
    /// every protocol, so the classification does not depend on it.
    pub fn from_server(call: CallSite, name: &str, message: String) -> OdooError {
        let short_name = name.rsplit('.').next().unwrap_or(name);
        match short_name {
            "AccessDenied" => OdooError::Server {
                call,
                name: name.to_owned(),
                message,
            },
            "AccessError" => OdooError::AccessError { call, message },
            "MissingError" => OdooError::MissingError { call, message },
            "ValidationError" => OdooError::ValidationError { call, message },
            "SessionExpiredException" => OdooError::SessionExpired { call },
            "UserError" | "RedirectWarning" | "UnprocessableEntity"
                if mentions_missing_model(&message, &call) =>
            {
                OdooError::UnknownModel { call, message }
            }
            "UserError" | "RedirectWarning" => OdooError::UserError { call, message },
            "KeyError" if message.trim_matches(['\'', '"']) == call.model => {
                OdooError::UnknownModel { call, message }
            }
            // The web session's call_kw answers an unknown model with a bare 404 NotFound that
            // names neither model nor method; an unknown method is an AttributeError naming it
            // (a 404 over JSON-2).
            "NotFound" | "AttributeError" if names_method(&message, &call) => {
                OdooError::UnknownMethod { call, message }
            }
            "NotFound" => OdooError::UnknownModel { call, message },
            "ValueError"
                if message.contains("Invalid field") || message.contains("nvalid field") =>
            {
                OdooError::UnknownField { call, message }
            }
            _ => OdooError::Server {
                call,
                name: name.to_owned(),
                message,
            },
        }
    }

    /// Whether repeating a read after this error may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            OdooError::Transport { .. } => true,
            OdooError::Http { status, .. } => matches!(status, 502..=504 | 429),
            // Odoo answers a serialization conflict with this name; the transaction was rolled back.
            OdooError::Server { name, .. } => name.ends_with("SerializationFailure"),
            _ => false,
        }
    }

    /// Whether a write may be repeated after this error: only when it never reached the server.
    pub fn write_never_reached_server(&self) -> bool {
        matches!(
            self,
            OdooError::Transport {
                before_sending: true,
                ..
            }
        ) || matches!(self, OdooError::Http { status: 503, .. })
    }
}

/// Odoo 16-18 answer a call on an unknown model with `UserError("Object x doesn't exist")`.
fn mentions_missing_model(message: &str, call: &CallSite) -> bool {
    message.contains(&call.model)
        && (message.contains("doesn't exist") || message.contains("does not exist"))
        && !names_method(message, call)
}

/// Whether an error names the called method: "The method 'x' does not exist on the model
/// 'res.partner'" (Odoo 16-18) or "The method 'res.partner.x' does not exist" (Odoo 19).
fn names_method(message: &str, call: &CallSite) -> bool {
    message.contains(&format!("'{}'", call.method))
        || message.contains(&format!("'{}.{}'", call.model, call.method))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> CallSite {
        CallSite::new("no.such.model", "search")
    }

    #[test]
    fn classifies_odoo_18_unknown_model() {
        let error = OdooError::from_server(
            call(),
            "odoo.exceptions.UserError",
            "Object no.such.model doesn't exist".into(),
        );
        assert!(matches!(error, OdooError::UnknownModel { .. }), "{error:?}");
    }

    #[test]
    fn classifies_the_web_sessions_bare_not_found_as_unknown_model() {
        let error = OdooError::from_server(
            call(),
            "werkzeug.exceptions.NotFound",
            "404 Not Found: The requested URL was not found on the server.".into(),
        );
        assert!(matches!(error, OdooError::UnknownModel { .. }), "{error:?}");
    }

    #[test]
    fn classifies_odoo_19_unknown_method_over_every_protocol() {
        let call = || CallSite::new("res.partner", "no_such_method");
        let message = "The method 'res.partner.no_such_method' does not exist";
        for name in ["builtins.AttributeError", "werkzeug.exceptions.NotFound"] {
            let error = OdooError::from_server(call(), name, message.into());
            assert!(
                matches!(error, OdooError::UnknownMethod { .. }),
                "{name}: {error:?}"
            );
        }
    }

    #[test]
    fn a_plain_user_error_stays_a_user_error() {
        let error = OdooError::from_server(
            CallSite::new("sale.order", "action_confirm"),
            "odoo.exceptions.UserError",
            "No warehouse could be found".into(),
        );
        assert!(matches!(error, OdooError::UserError { .. }), "{error:?}");
    }

    #[test]
    fn access_denied_message_names_login_but_never_a_secret() {
        let error = OdooError::AccessDenied {
            login: "admin".into(),
            database: "prod".into(),
        };
        let text = error.to_string();
        assert!(text.contains("admin") && text.contains("prod"));
    }
}

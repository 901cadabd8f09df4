//! How to reach an Odoo: address, database, credentials, protocol and retry policy.

use std::fmt;
use std::time::Duration;

use url::Url;

/// A password or API key. Its `Debug` and `Display` never show the value, so a configuration can
/// be logged or put in an error without leaking it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The clear value, for the one place that puts it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// What the client proves its identity with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// A user's password: works with `/jsonrpc` and the web session on every version.
    Password(Secret),
    /// An API key (Preferences > Account Security): works with `/jsonrpc` on 14+ and is the only
    /// credential JSON-2 (Odoo 19+) accepts. The web session does not accept API keys.
    ApiKey(Secret),
}

impl Credential {
    pub fn secret(&self) -> &Secret {
        match self {
            Credential::Password(secret) | Credential::ApiKey(secret) => secret,
        }
    }
}

/// Which of Odoo's external APIs carries the calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `POST /json/2/<model>/<method>` with a bearer API key (Odoo 19 and later).
    Json2,
    /// `POST /jsonrpc`, `object.execute_kw` (Odoo 8-19; deprecated in 19). The password is checked
    /// on every call, which makes small calls slow.
    JsonRpc,
    /// `POST /web/session/authenticate` once, then `/web/dataset/call_kw/<model>/<method>` with
    /// the session cookie, as Odoo's own web client does: no per-call password check.
    WebSession,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Json2 => "json2",
            Protocol::JsonRpc => "jsonrpc",
            Protocol::WebSession => "web-session",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Protocol {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "json2" | "json-2" | "json/2" => Ok(Protocol::Json2),
            "jsonrpc" | "json-rpc" => Ok(Protocol::JsonRpc),
            "web-session" | "websession" | "session" => Ok(Protocol::WebSession),
            other => Err(format!(
                "unknown Odoo protocol {other:?}: use one of json2, jsonrpc, web-session (or leave it unset to detect it)"
            )),
        }
    }
}

/// Retry policy for calls that are safe to repeat.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Wait before the second attempt; doubled for each further one, with jitter.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// Everything needed to open a connection.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The server's base address, e.g. `https://erp.example.com` (no path needed).
    pub url: Url,
    pub database: String,
    pub login: String,
    pub credential: Credential,
    /// `None` detects it from the server's version and the credential.
    pub protocol: Option<Protocol>,
    /// Time allowed for one HTTP request, response body included.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl ClientConfig {
    pub fn new(
        url: Url,
        database: impl Into<String>,
        login: impl Into<String>,
        credential: Credential,
    ) -> Self {
        ClientConfig {
            url,
            database: database.into(),
            login: login.into(),
            credential,
            protocol: None,
            request_timeout: Duration::from_secs(300),
            retry: RetryPolicy::default(),
        }
    }

    pub fn with_protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = Some(protocol);
        self
    }
}

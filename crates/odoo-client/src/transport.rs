//! The wire: how one ORM call travels over each of Odoo's external APIs.
//!
//! Only this module knows Odoo's request and response shapes. A call is a model, a method,
//! optionally the record ids it applies to, named arguments and a context; each protocol lays
//! those out its own way.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::StatusCode;
use serde_json::{Map, Value, json};
use tokio::sync::RwLock;
use url::Url;

use crate::config::{ClientConfig, Credential, Protocol};
use crate::error::{CallSite, OdooError};

/// The server's answer to a version query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerVersion {
    /// As Odoo prints it: "18.0", "17.0+e", "saas~18.2".
    pub server_version: String,
    pub major: u32,
    pub minor: u32,
    /// The external API's protocol version (`/jsonrpc` only; 1 on every current Odoo).
    pub protocol_version: Option<i64>,
}

impl ServerVersion {
    fn from_info(
        server_version: String,
        info: Option<&Vec<Value>>,
        protocol_version: Option<i64>,
    ) -> Self {
        let number = |index: usize| {
            info.and_then(|info| info.get(index))
                .and_then(Value::as_u64)
                .map(|n| n as u32)
        };
        let (major, minor) = match (number(0), number(1)) {
            (Some(major), Some(minor)) => (major, minor),
            _ => parse_version_text(&server_version),
        };
        ServerVersion {
            server_version,
            major,
            minor,
            protocol_version,
        }
    }
}

/// "saas~17.4+e" → (17, 4).
fn parse_version_text(text: &str) -> (u32, u32) {
    let digits: String = text
        .trim_start_matches("saas~")
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let mut parts = digits
        .split('.')
        .map(|part| part.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// One ORM call, independent of the protocol.
pub(crate) struct Call<'a> {
    pub site: CallSite,
    /// The records a record method applies to (`read`, `write`, `unlink`); `None` for model
    /// methods (`search_read`, `create`, `fields_get`).
    pub ids: Option<&'a [i64]>,
    /// Arguments that Odoo 16-18's `call_kw` only accepts by position (`create`'s `vals_list`:
    /// passed by name it fails with "tuple index out of range"). JSON-2 takes them by name.
    pub leading: Vec<(&'static str, Value)>,
    pub kwargs: Map<String, Value>,
    pub context: Map<String, Value>,
}

/// An authenticated connection to one database over one protocol.
pub(crate) struct Wire {
    http: reqwest::Client,
    base: Url,
    database: String,
    login: String,
    credential: Credential,
    protocol: Protocol,
    uid: i64,
    /// The web session's cookie value; renewed when the session expires.
    session_id: RwLock<Option<String>>,
    next_request_id: AtomicU64,
}

impl Wire {
    pub fn http_client(config: &ClientConfig) -> Result<reqwest::Client, OdooError> {
        reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(std::time::Duration::from_secs(15))
            .pool_max_idle_per_host(32)
            .build()
            .map_err(|error| {
                OdooError::Unsupported(format!("cannot build the HTTP client: {error}"))
            })
    }

    /// Asks the server its version without logging in: `common.version` over `/jsonrpc`, or
    /// `GET /web/version` where `/jsonrpc` is gone.
    pub async fn fetch_version(
        http: &reqwest::Client,
        base: &Url,
    ) -> Result<ServerVersion, OdooError> {
        let site = CallSite::new("common", "version");
        let url = join(base, "jsonrpc");
        let body = json!({"jsonrpc": "2.0", "method": "call", "params": {"service": "common", "method": "version", "args": []}, "id": 0});
        let response = http
            .post(url)
            .json(&body)
            .send()
            .await
            .map_err(|error| transport_error(&site, error))?;
        if response.status() != StatusCode::NOT_FOUND {
            let result = read_jsonrpc(&site, response).await?;
            let text = result
                .get("server_version")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let info = result.get("server_version_info").and_then(Value::as_array);
            return Ok(ServerVersion::from_info(
                text,
                info,
                result.get("protocol_version").and_then(Value::as_i64),
            ));
        }
        let site = CallSite::new("web", "version");
        let response = http
            .get(join(base, "web/version"))
            .send()
            .await
            .map_err(|error| transport_error(&site, error))?;
        let status = response.status();
        let body: Value = read_json_body(&site, response).await?;
        if !status.is_success() {
            return Err(OdooError::Http {
                call: site,
                status: status.as_u16(),
                excerpt: excerpt(&body.to_string()),
            });
        }
        let text = body
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok(ServerVersion::from_info(
            text,
            body.get("version_info").and_then(Value::as_array),
            None,
        ))
    }

    /// Logs in over `protocol` and returns a ready connection.
    pub async fn open(
        http: reqwest::Client,
        config: &ClientConfig,
        protocol: Protocol,
    ) -> Result<Wire, OdooError> {
        let mut wire = Wire {
            http,
            base: config.url.clone(),
            database: config.database.clone(),
            login: config.login.clone(),
            credential: config.credential.clone(),
            protocol,
            uid: 0,
            session_id: RwLock::new(None),
            next_request_id: AtomicU64::new(1),
        };
        wire.uid = match protocol {
            Protocol::JsonRpc => wire.authenticate_jsonrpc().await?,
            Protocol::WebSession => wire.authenticate_session().await?,
            Protocol::Json2 => wire.authenticate_json2().await?,
        };
        Ok(wire)
    }

    pub fn uid(&self) -> i64 {
        self.uid
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    fn access_denied(&self) -> OdooError {
        OdooError::AccessDenied {
            login: self.login.clone(),
            database: self.database.clone(),
        }
    }

    /// Turns a server-side `AccessDenied` into the credentials error that names login and database.
    fn credentials_checked(&self, result: Result<Value, OdooError>) -> Result<Value, OdooError> {
        match result {
            Err(OdooError::Server { name, .. })
                if name.ends_with("AccessDenied") || name.ends_with("Unauthorized") =>
            {
                Err(self.access_denied())
            }
            Err(OdooError::Http { status: 401, .. }) => Err(self.access_denied()),
            other => other,
        }
    }

    async fn authenticate_jsonrpc(&self) -> Result<i64, OdooError> {
        let site = CallSite::new("common", "authenticate");
        let params = json!({
            "service": "common",
            "method": "authenticate",
            "args": [self.database, self.login, self.credential.secret().expose(), {}],
        });
        let result =
            self.credentials_checked(self.post_jsonrpc(&site, "jsonrpc", params, None).await)?;
        result
            .as_i64()
            .filter(|uid| *uid > 0)
            .ok_or_else(|| self.access_denied())
    }

    async fn authenticate_session(&self) -> Result<i64, OdooError> {
        if matches!(self.credential, Credential::ApiKey(_)) {
            return Err(OdooError::Unsupported(
                "the web session protocol needs a password; API keys only work with jsonrpc or json2".into(),
            ));
        }
        let site = CallSite::new("web.session", "authenticate");
        let params = json!({"db": self.database, "login": self.login, "password": self.credential.secret().expose()});
        let url = join(&self.base, "web/session/authenticate");
        let body =
            json!({"jsonrpc": "2.0", "method": "call", "params": params, "id": self.request_id()});
        let response = self
            .http
            .post(url)
            .json(&body)
            .send()
            .await
            .map_err(|error| transport_error(&site, error))?;
        let cookie = session_cookie(&response);
        let result = self.credentials_checked(read_jsonrpc(&site, response).await)?;
        let uid = result
            .get("uid")
            .and_then(Value::as_i64)
            .filter(|uid| *uid > 0)
            .ok_or_else(|| self.access_denied())?;
        let cookie = cookie.ok_or_else(|| OdooError::InvalidResponse {
            call: site,
            message: "the login answer set no session_id cookie".into(),
        })?;
        *self.session_id.write().await = Some(cookie);
        Ok(uid)
    }

    async fn authenticate_json2(&self) -> Result<i64, OdooError> {
        if matches!(self.credential, Credential::Password(_)) {
            return Err(OdooError::Unsupported(
                "the JSON-2 protocol needs an API key (ODOO_API_KEY), not a password".into(),
            ));
        }
        let call = Call {
            site: CallSite::new("res.users", "context_get"),
            ids: None,
            leading: Vec::new(),
            kwargs: Map::new(),
            context: Map::new(),
        };
        let context = self.credentials_checked(self.post_json2(&call).await)?;
        context
            .get("uid")
            .and_then(Value::as_i64)
            .ok_or_else(|| OdooError::InvalidResponse {
                call: call.site,
                message: "res.users.context_get answered without a uid".into(),
            })
    }

    /// Sends one call. The caller decides whether a failure may be retried.
    pub async fn execute(&self, call: &Call<'_>) -> Result<Value, OdooError> {
        let result = match self.protocol {
            Protocol::JsonRpc => self.execute_jsonrpc(call).await,
            Protocol::WebSession => match self.execute_session(call).await {
                // The server refused the call before running it: log in again and send it once more.
                Err(OdooError::SessionExpired { .. }) => {
                    tracing::info!(call = %call.site, "Odoo session expired; logging in again");
                    self.authenticate_session().await?;
                    self.execute_session(call).await
                }
                other => other,
            },
            Protocol::Json2 => self.post_json2(call).await,
        };
        self.credentials_checked(result)
    }

    fn positional_args(call: &Call<'_>) -> Value {
        let ids = call.ids.map(|ids| json!(ids));
        let leading = call.leading.iter().map(|(_, value)| value.clone());
        Value::Array(ids.into_iter().chain(leading).collect())
    }

    fn kwargs_with_context(call: &Call<'_>) -> Value {
        let mut kwargs = call.kwargs.clone();
        kwargs.insert("context".into(), Value::Object(call.context.clone()));
        Value::Object(kwargs)
    }

    async fn execute_jsonrpc(&self, call: &Call<'_>) -> Result<Value, OdooError> {
        let params = json!({
            "service": "object",
            "method": "execute_kw",
            "args": [
                self.database, self.uid, self.credential.secret().expose(),
                call.site.model, call.site.method, Self::positional_args(call), Self::kwargs_with_context(call),
            ],
        });
        self.post_jsonrpc(&call.site, "jsonrpc", params, None).await
    }

    async fn execute_session(&self, call: &Call<'_>) -> Result<Value, OdooError> {
        let params = json!({
            "model": call.site.model,
            "method": call.site.method,
            "args": Self::positional_args(call),
            "kwargs": Self::kwargs_with_context(call),
        });
        let path = format!(
            "web/dataset/call_kw/{}/{}",
            call.site.model, call.site.method
        );
        let cookie = self.session_id.read().await.clone();
        self.post_jsonrpc(&call.site, &path, params, cookie.as_deref())
            .await
    }

    async fn post_jsonrpc(
        &self,
        site: &CallSite,
        path: &str,
        params: Value,
        session: Option<&str>,
    ) -> Result<Value, OdooError> {
        let body =
            json!({"jsonrpc": "2.0", "method": "call", "params": params, "id": self.request_id()});
        let mut request = self.http.post(join(&self.base, path)).json(&body);
        if let Some(session) = session {
            request = request.header(reqwest::header::COOKIE, format!("session_id={session}"));
        }
        let response = request
            .send()
            .await
            .map_err(|error| transport_error(site, error))?;
        read_jsonrpc(site, response).await
    }

    async fn post_json2(&self, call: &Call<'_>) -> Result<Value, OdooError> {
        let mut body = call.kwargs.clone();
        for (name, value) in &call.leading {
            body.insert((*name).to_owned(), value.clone());
        }
        if let Some(ids) = call.ids {
            body.insert("ids".into(), json!(ids));
        }
        body.insert("context".into(), Value::Object(call.context.clone()));
        let url = join(
            &self.base,
            &format!("json/2/{}/{}", call.site.model, call.site.method),
        );
        let response = self
            .http
            .post(url)
            .bearer_auth(self.credential.secret().expose())
            .header("X-Odoo-Database", &self.database)
            .json(&body)
            .send()
            .await
            .map_err(|error| transport_error(&call.site, error))?;
        let status = response.status();
        if status.is_success() {
            return read_json_body(&call.site, response).await;
        }
        let text = response.text().await.unwrap_or_default();
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(error)) if error.contains_key("name") => {
                let name = error
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let message = error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                Err(OdooError::from_server(call.site.clone(), name, message))
            }
            _ => Err(OdooError::Http {
                call: call.site.clone(),
                status: status.as_u16(),
                excerpt: excerpt(&text),
            }),
        }
    }

    fn request_id(&self) -> u64 {
        self.next_request_id.fetch_add(1, Ordering::Relaxed)
    }
}

/// Reads a JSON-RPC 2.0 answer: its `result`, or its `error` as a typed error.
async fn read_jsonrpc(site: &CallSite, response: reqwest::Response) -> Result<Value, OdooError> {
    let status = response.status();
    if !status.is_success() {
        let text = response.text().await.unwrap_or_default();
        return Err(OdooError::Http {
            call: site.clone(),
            status: status.as_u16(),
            excerpt: excerpt(&text),
        });
    }
    let mut envelope = match read_json_body(site, response).await? {
        Value::Object(envelope) => envelope,
        other => {
            return Err(OdooError::InvalidResponse {
                call: site.clone(),
                message: format!(
                    "expected a JSON-RPC object, got {}",
                    excerpt(&other.to_string())
                ),
            });
        }
    };
    if let Some(error) = envelope.remove("error") {
        return Err(jsonrpc_error(site, &error));
    }
    match envelope.remove("result") {
        Some(result) => Ok(result),
        // Odoo leaves `result` out when the method returned None (`button_draft`, say).
        None if envelope.contains_key("jsonrpc") => Ok(Value::Null),
        None => Err(OdooError::InvalidResponse {
            call: site.clone(),
            message: "the answer has neither result nor error".into(),
        }),
    }
}

fn jsonrpc_error(site: &CallSite, error: &Value) -> OdooError {
    let data = error.get("data");
    let name = data
        .and_then(|data| data.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let message = data
        .and_then(|data| data.get("message"))
        .and_then(Value::as_str)
        .or_else(|| error.get("message").and_then(Value::as_str))
        .unwrap_or("no message")
        .to_owned();
    if name.is_empty() {
        let code = error
            .get("code")
            .and_then(Value::as_i64)
            .unwrap_or_default();
        return OdooError::Server {
            call: site.clone(),
            name: format!("json-rpc error {code}"),
            message,
        };
    }
    OdooError::from_server(site.clone(), name, message)
}

async fn read_json_body(site: &CallSite, response: reqwest::Response) -> Result<Value, OdooError> {
    let bytes = response
        .bytes()
        .await
        .map_err(|error| transport_error(site, error))?;
    serde_json::from_slice(&bytes).map_err(|error| OdooError::InvalidResponse {
        call: site.clone(),
        message: format!(
            "not JSON ({error}): {}",
            excerpt(&String::from_utf8_lossy(&bytes))
        ),
    })
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .find_map(|header| {
            let text = header.to_str().ok()?;
            let pair = text.split(';').next()?.trim();
            pair.strip_prefix("session_id=").map(str::to_owned)
        })
}

fn transport_error(site: &CallSite, error: reqwest::Error) -> OdooError {
    // reqwest's message names the URL, which holds no secret (credentials travel in bodies and
    // headers only).
    OdooError::Transport {
        call: site.clone(),
        before_sending: error.is_connect(),
        message: error_chain(&error),
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn excerpt(text: &str) -> String {
    const LIMIT: usize = 300;
    let trimmed = text.trim();
    if trimmed.len() <= LIMIT {
        return trimmed.to_owned();
    }
    let mut end = LIMIT;
    while !trimmed.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &trimmed[..end])
}

fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{prefix}/{path}"));
    url
}

pub(crate) type SharedWire = Arc<Wire>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_text_parses_saas_and_enterprise_forms() {
        assert_eq!(parse_version_text("18.0"), (18, 0));
        assert_eq!(parse_version_text("saas~17.4+e"), (17, 4));
        assert_eq!(parse_version_text("19.0+e"), (19, 0));
    }

    #[test]
    fn join_keeps_a_base_path() {
        let base = Url::parse("http://host:8069/odoo/").unwrap();
        assert_eq!(
            join(&base, "jsonrpc").as_str(),
            "http://host:8069/odoo/jsonrpc"
        );
        let bare = Url::parse("http://host:8069").unwrap();
        assert_eq!(
            join(&bare, "json/2/res.partner/read").as_str(),
            "http://host:8069/json/2/res.partner/read"
        );
    }
}

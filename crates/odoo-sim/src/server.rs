//! The wire: Odoo's HTTP routes (`/jsonrpc`, the web session, JSON-2, `/web/version`) and their
//! request, response and error shapes. Everything below the routes is protocol-free (`orm.rs`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde_json::{Map, Value, json};

use crate::error::OdooException;
use crate::orm::{self, Request};
use crate::state::Database;
use crate::{CallStats, OdooVersion, SimConfig};

/// What the routes share.
pub struct Shared {
    pub config: SimConfig,
    pub db: RwLock<Database>,
    /// Web session id to uid.
    pub sessions: Mutex<HashMap<String, i64>>,
    pub stats: Mutex<CallStats>,
    /// `(model, method)` of the next call whose answer is never sent (after it is carried out).
    pub withhold: Mutex<Option<(String, String)>>,
}

impl Shared {
    fn version_text(&self) -> &'static str {
        match self.config.version {
            OdooVersion::V18 => "18.0",
            OdooVersion::V19 => "19.0",
        }
    }

    fn version_info(&self) -> Value {
        match self.config.version {
            OdooVersion::V18 => json!([18, 0, 0, "final", 0, ""]),
            OdooVersion::V19 => json!([19, 0, 0, "final", 0, ""]),
        }
    }

    /// Runs an ORM call under the right lock and counts it.
    fn run(&self, uid: i64, request: &Request) -> Result<Value, OdooException> {
        self.stats
            .lock()
            .expect("stats lock")
            .record(&request.method);
        let outcome = if orm::is_write_method(&request.method) {
            let mut db = self.db.write().expect("database lock");
            orm::execute_write(&mut db, uid, request)
        } else {
            let db = self.db.read().expect("database lock");
            orm::execute_read(&db, uid, request)
        };
        // Odoo 19 names an unknown method with its model: "The method 'res.partner.x' does
        // not exist" (18: "The method 'x' does not exist on the model 'res.partner'").
        outcome.map_err(|mut exception| {
            if self.config.version == OdooVersion::V19
                && exception.name == "builtins.AttributeError"
            {
                exception.message = format!(
                    "The method '{}.{}' does not exist",
                    request.model, request.method
                );
            }
            exception
        })
    }

    /// Whether this call's answer is withheld: once, for the call armed by
    /// [`Simulator::withhold_next_answer`](crate::Simulator::withhold_next_answer).
    fn take_withheld(&self, request: &Request) -> bool {
        let mut armed = self.withhold.lock().expect("withhold lock");
        let matches = armed
            .as_ref()
            .is_some_and(|(model, method)| *model == request.model && *method == request.method);
        if matches {
            *armed = None;
        }
        matches
    }

    /// The uid a password or API key belongs to, for `login`.
    fn check_credentials(&self, login: &str, secret: &str) -> Option<i64> {
        let db = self.db.read().expect("database lock");
        let (uid, password) = db.passwords.get(login)?;
        let by_key = db.api_keys.get(secret) == Some(uid);
        (password == secret || by_key).then_some(*uid)
    }

    fn check_uid(&self, uid: i64, secret: &str) -> bool {
        let db = self.db.read().expect("database lock");
        db.passwords
            .values()
            .any(|(user, password)| *user == uid && password == secret)
            || db.api_keys.get(secret) == Some(&uid)
    }
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/jsonrpc", post(jsonrpc).get(wrong_route_type))
        .route("/web/session/authenticate", post(session_authenticate))
        .route("/web/session/destroy", post(session_destroy))
        .route(
            "/web/webclient/version_info",
            post(webclient_version_info).get(wrong_route_type),
        )
        .route("/web/health", get(health))
        .route("/web/dataset/call_kw", post(call_kw))
        .route("/web/dataset/call_kw/{*path}", post(call_kw))
        .route("/web/version", get(web_version))
        .route("/json/2/{model}/{method}", any(json2))
        .fallback(not_found)
        .with_state(shared)
}

// ---- JSON-RPC envelope ----------------------------------------------------------------------------

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn rpc_result(id: &Value, result: Value) -> Response {
    json_response(
        StatusCode::OK,
        &json!({"jsonrpc": "2.0", "id": id, "result": result}),
    )
}

/// Odoo's JSON-RPC error: code 200 "Odoo Server Error", except 100 for an expired session and
/// 404 for `NotFound`.
fn rpc_error(id: &Value, exception: &OdooException) -> Response {
    let (code, message) = match exception.name {
        "odoo.http.SessionExpiredException" => (100, "Odoo Session Expired"),
        "werkzeug.exceptions.NotFound" => (404, "404: Not Found"),
        _ => (200, "Odoo Server Error"),
    };
    let mut data = exception.data();
    if exception.name == "werkzeug.exceptions.NotFound" {
        data["arguments"] = json!([]);
    }
    json_response(
        StatusCode::OK,
        &json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message, "data": data}}),
    )
}

fn bad_json() -> Response {
    let mut response = (StatusCode::BAD_REQUEST, "Invalid JSON data").into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// The page werkzeug serves for an unknown route.
async fn not_found() -> Response {
    let mut response = (
        StatusCode::NOT_FOUND,
        "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p></body></html>",
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Parses a JSON-RPC request body into its id and params.
fn parse_envelope(body: &Bytes) -> Option<(Value, Map<String, Value>)> {
    let Value::Object(mut envelope) = serde_json::from_slice::<Value>(body).ok()? else {
        return None;
    };
    let id = envelope.remove("id").unwrap_or(Value::Null);
    let params = match envelope.remove("params") {
        Some(Value::Object(params)) => params,
        _ => Map::new(),
    };
    Some((id, params))
}

fn arg_str(args: &[Value], index: usize) -> &str {
    args.get(index).and_then(Value::as_str).unwrap_or_default()
}

// ---- /jsonrpc -----------------------------------------------------------------------------------

/// What Odoo answers a non-JSON request on a `type='json'` route.
async fn wrong_route_type(uri: axum::http::Uri) -> Response {
    let path = uri.path().replace('\'', "&#39;");
    let mut response = (
        StatusCode::BAD_REQUEST,
        format!(
            "<!doctype html>\n<html lang=en>\n<title>400 Bad Request</title>\n<h1>Bad Request</h1>\n<p>Request inferred type is compatible with [&#39;http&#39;] but &#39;{path}&#39; is type=&#39;json&#39;.</p>\n"
        ),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("json"))
}

/// Python's wording for missing arguments: `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'`.
fn missing_arguments(function: &str, missing: &[&str]) -> OdooException {
    let quoted: Vec<String> = missing.iter().map(|name| format!("'{name}'")).collect();
    let list = match quoted.as_slice() {
        [single] => single.clone(),
        [first, second] => format!("{first} and {second}"),
        [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
        [] => String::new(),
    };
    OdooException::type_error(format!(
        "{function}() missing {} required positional argument{}: {list}",
        missing.len(),
        if missing.len() == 1 { "" } else { "s" }
    ))
}

async fn jsonrpc(
    State(shared): State<Arc<Shared>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !is_json(&headers) {
        return wrong_route_type(uri).await;
    }
    let Some((id, params)) = parse_envelope(&body) else {
        return bad_json();
    };
    let missing: Vec<&str> = ["service", "method", "args"]
        .into_iter()
        .filter(|key| !params.contains_key(*key))
        .collect();
    if !missing.is_empty() {
        return rpc_error(&id, &missing_arguments("RPC.jsonrpc", &missing));
    }
    let service = params
        .get("service")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let method = params
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let args: Vec<Value> = match params.get("args") {
        Some(Value::Array(args)) => args.clone(),
        _ => Vec::new(),
    };
    match dispatch_rpc(&shared, service, method, &args) {
        Ok(result) => rpc_result(&id, result),
        Err(exception) => rpc_error(&id, &exception),
    }
}

fn dispatch_rpc(
    shared: &Shared,
    service: &str,
    method: &str,
    args: &[Value],
) -> Result<Value, OdooException> {
    match (service, method) {
        ("common", "version") => Ok(json!({
            "server_version": shared.version_text(),
            "server_version_info": shared.version_info(),
            "server_serie": shared.version_text(),
            "protocol_version": 1,
        })),
        ("common", "authenticate" | "login") => {
            check_database(shared, arg_str(args, 0))?;
            Ok(shared
                .check_credentials(arg_str(args, 1), arg_str(args, 2))
                .map(Value::from)
                .unwrap_or(Value::Bool(false)))
        }
        ("db", "server_version") => Ok(json!(shared.version_text())),
        ("db", "list") => Ok(json!([shared.config.database])),
        ("object", "execute_kw" | "execute") => {
            check_database(shared, arg_str(args, 0))?;
            let uid = args.get(1).and_then(Value::as_i64).unwrap_or_default();
            if shared
                .db
                .read()
                .expect("database lock")
                .get("res.users", uid)
                .is_none()
            {
                return Err(OdooException::missing_error(format!(
                    "Record does not exist or has been deleted.\n(Record: res.users({uid},), User: {uid})"
                )));
            }
            if !shared.check_uid(uid, arg_str(args, 2)) {
                return Err(OdooException::access_denied());
            }
            let rest: Vec<Value> = args.iter().skip(5).cloned().collect();
            let (positional, kwargs) = if method == "execute_kw" {
                let positional = match rest.first() {
                    Some(Value::Array(items)) => items.clone(),
                    _ => Vec::new(),
                };
                let kwargs = match rest.get(1) {
                    Some(Value::Object(kwargs)) => kwargs.clone(),
                    _ => Map::new(),
                };
                (positional, kwargs)
            } else {
                (rest, Map::new())
            };
            let request = Request {
                model: arg_str(args, 3).to_owned(),
                method: arg_str(args, 4).to_owned(),
                args: positional,
                kwargs,
                ids: None,
            };
            shared.run(uid, &request)
        }
        ("common" | "object" | "db", other) => Err(OdooException::new_plain(
            "builtins.NameError",
            format!("Method not available {other}"),
        )),
        (other, _) => Err(OdooException::new_plain(
            "builtins.KeyError",
            other.to_owned(),
        )),
    }
}

fn check_database(shared: &Shared, database: &str) -> Result<(), OdooException> {
    if database == shared.config.database {
        Ok(())
    } else {
        Err(OdooException::new_plain(
            "psycopg2.OperationalError",
            format!(
                "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"{database}\" does not exist\n"
            ),
        ))
    }
}

impl OdooException {
    fn new_plain(name: &'static str, message: String) -> OdooException {
        let mut exception = OdooException::value_error(message);
        exception.name = name;
        exception
    }
}

// ---- web session ----------------------------------------------------------------------------------

async fn session_authenticate(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Some((id, params)) = parse_envelope(&body) else {
        return bad_json();
    };
    let text = |key: &str| params.get(key).and_then(Value::as_str).unwrap_or_default();
    if text("db") != shared.config.database {
        return rpc_error(&id, &OdooException::access_error("Database not found."));
    }
    // The web login checks passwords only: API keys are for RPC.
    let uid = {
        let db = shared.db.read().expect("database lock");
        db.passwords
            .get(text("login"))
            .filter(|(_, password)| password == text("password"))
            .map(|(uid, _)| *uid)
    };
    let Some(uid) = uid else {
        return rpc_error(&id, &OdooException::access_denied());
    };
    let session_id = new_session_id();
    shared
        .sessions
        .lock()
        .expect("sessions lock")
        .insert(session_id.clone(), uid);
    let info = session_info(&shared, uid);
    let mut response = rpc_result(&id, info);
    set_session_cookie(&mut response, &session_id);
    response
}

fn set_session_cookie(response: &mut Response, session_id: &str) {
    let expires = crate::clock::http_date_in_a_week();
    let cookie =
        format!("session_id={session_id}; Expires={expires}; Max-Age=604800; HttpOnly; Path=/");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Ends the session: the answer has no `result` key, and a new anonymous session cookie is set.
async fn session_destroy(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let id = parse_envelope(&body)
        .map(|(id, _)| id)
        .unwrap_or(Value::Null);
    {
        let mut sessions = shared.sessions.lock().expect("sessions lock");
        for session in cookie_sessions(&headers) {
            sessions.remove(&session);
        }
    }
    let mut response = json_response(StatusCode::OK, &json!({"jsonrpc": "2.0", "id": id}));
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("cids=; Max-Age=0; Path=/"),
    );
    set_session_cookie(&mut response, &new_session_id());
    response
}

async fn webclient_version_info(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Some((id, _)) = parse_envelope(&body) else {
        return bad_json();
    };
    match dispatch_rpc(&shared, "common", "version", &[]) {
        Ok(result) => rpc_result(&id, result),
        Err(exception) => rpc_error(&id, &exception),
    }
}

async fn health() -> Response {
    let mut response = (StatusCode::OK, r#"{"status": "pass"}"#).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn new_session_id() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = rand::rng();
    (0..84)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A subset of `ir.http.session_info()`: what API clients read from the login answer.
fn session_info(shared: &Shared, uid: i64) -> Value {
    let db = shared.db.read().expect("database lock");
    let user = db.get("res.users", uid).cloned().unwrap_or_default();
    let partner = user.many2one("partner_id").unwrap_or_default();
    let mut allowed = Map::new();
    for company in user.many2many("company_ids") {
        let record = db.get("res.company", company);
        let name = record.and_then(|c| c.text("name")).unwrap_or_default();
        let sequence = record
            .and_then(|c| c.get("sequence"))
            .and_then(Value::as_i64)
            .unwrap_or(10);
        allowed.insert(
            company.to_string(),
            json!({"id": company, "name": name, "sequence": sequence, "child_ids": [], "parent_id": false}),
        );
    }
    json!({
        "uid": uid,
        "is_system": true,
        "is_admin": true,
        "is_public": false,
        "is_internal_user": true,
        "user_context": {"lang": "en_US", "tz": "Europe/Brussels", "uid": uid},
        "db": shared.config.database,
        "server_version": shared.version_text(),
        "server_version_info": shared.version_info(),
        "support_url": "https://www.odoo.com/buy",
        "name": user.text("name").unwrap_or_default(),
        "username": user.text("login").unwrap_or_default(),
        "partner_display_name": crate::compute::display_name(&db, "res.partner", partner),
        "partner_id": partner,
        "web.base.url": "http://localhost:8069",
        "active_ids_limit": 20000,
        "max_file_upload_size": 134_217_728,
        "user_companies": {
            "current_company": user.many2one("company_id").unwrap_or(1),
            "allowed_companies": allowed,
            "disallowed_ancestor_companies": {},
        },
    })
}

fn cookie_sessions(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|text| text.split(';'))
        .filter_map(|pair| pair.trim().strip_prefix("session_id="))
        .map(str::to_owned)
        .collect()
}

fn session_uid(shared: &Shared, headers: &HeaderMap) -> Option<i64> {
    let sessions = shared.sessions.lock().expect("sessions lock");
    cookie_sessions(headers)
        .iter()
        .find_map(|session| sessions.get(session).copied())
}

async fn call_kw(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some((id, params)) = parse_envelope(&body) else {
        return bad_json();
    };
    let Some(uid) = session_uid(&shared, &headers) else {
        // Odoo refuses before it reads the request id.
        return rpc_error(&Value::Null, &OdooException::session_expired());
    };
    let missing: Vec<&str> = ["model", "method", "args", "kwargs"]
        .into_iter()
        .filter(|key| !params.contains_key(*key))
        .collect();
    if !missing.is_empty() {
        return rpc_error(&id, &missing_arguments("DataSet.call_kw", &missing));
    }
    let model = params["model"].as_str().unwrap_or_default().to_owned();
    if !shared.db.read().expect("database lock").has_model(&model) {
        return rpc_error(
            &id,
            &OdooException::not_found(
                "404 Not Found: The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
            ),
        );
    }
    let request = Request {
        model,
        method: params["method"].as_str().unwrap_or_default().to_owned(),
        args: params["args"].as_array().cloned().unwrap_or_default(),
        kwargs: params["kwargs"].as_object().cloned().unwrap_or_default(),
        ids: None,
    };
    let outcome = shared.run(uid, &request);
    if outcome.is_ok() && shared.take_withheld(&request) {
        // Done and committed, but the client never hears of it (a crash, a lost connection).
        std::future::pending::<()>().await;
    }
    match outcome {
        Ok(result) => rpc_result(&id, result),
        Err(exception) => rpc_error(&id, &exception),
    }
}

// ---- /web/version and JSON-2 (Odoo 19) ------------------------------------------------------------

async fn web_version(State(shared): State<Arc<Shared>>) -> Response {
    match shared.config.version {
        // Odoo 18 has no such route: werkzeug's 404 page.
        OdooVersion::V18 => not_found().await,
        OdooVersion::V19 => json_response(
            StatusCode::OK,
            &json!({"version_info": shared.version_info(), "version": shared.version_text()}),
        ),
    }
}

fn json2_error(exception: &OdooException) -> Response {
    let mut body = exception.data();
    if exception.name.starts_with("werkzeug.") {
        body["arguments"] = json!([exception.message, exception.http_status]);
    }
    let status =
        StatusCode::from_u16(exception.http_status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(status, &body)
}

async fn json2(
    State(shared): State<Arc<Shared>>,
    Path((model, method)): Path<(String, String)>,
    request_method: axum::http::Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if shared.config.version == OdooVersion::V18 {
        return not_found().await;
    }
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| {
            let (scheme, token) = text.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_owned())
        });
    let uid = key.and_then(|key| {
        let db = shared.db.read().expect("database lock");
        db.api_keys.get(&key).copied()
    });
    let Some(uid) = uid else {
        return json2_error(&OdooException::unauthorized("Invalid apikey"));
    };
    if let Some(database) = headers.get("x-odoo-database").and_then(|v| v.to_str().ok())
        && database != shared.config.database
    {
        return json2_error(&OdooException::not_found(format!(
            "database {database:?} not found"
        )));
    }
    if request_method != axum::http::Method::POST {
        let mut exception =
            OdooException::not_found("The method is not allowed for the requested URL.");
        exception.name = "werkzeug.exceptions.MethodNotAllowed";
        exception.http_status = 405;
        return json2_error(&exception);
    }
    let mut named = if body.is_empty() {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(named)) => named,
            Ok(_) => {
                let mut exception =
                    OdooException::unprocessable("could not parse the body as a json object");
                exception.name = "werkzeug.exceptions.BadRequest";
                exception.http_status = 400;
                return json2_error(&exception);
            }
            Err(error) => {
                let mut exception = OdooException::unprocessable(format!(
                    "could not parse the body as json: {error}"
                ));
                exception.name = "werkzeug.exceptions.BadRequest";
                exception.http_status = 400;
                return json2_error(&exception);
            }
        }
    };
    if !shared.db.read().expect("database lock").has_model(&model) {
        return json2_error(&OdooException::not_found(format!(
            "the model '{model}' does not exist"
        )));
    }
    let ids = named.remove("ids");
    let request = Request {
        model,
        method,
        args: Vec::new(),
        kwargs: named,
        ids: Some(ids.unwrap_or(json!([]))),
    };
    let outcome = shared.run(uid, &request);
    if outcome.is_ok() && shared.take_withheld(&request) {
        std::future::pending::<()>().await;
    }
    match outcome {
        Ok(result) => json_response(StatusCode::OK, &result),
        // An unknown method is a 404 in JSON-2, whatever the ORM calls it.
        Err(exception) if exception.name == "builtins.AttributeError" => {
            json2_error(&OdooException::not_found(exception.message))
        }
        Err(exception) if exception.name == "builtins.TypeError" => {
            json2_error(&OdooException::unprocessable(exception.message))
        }
        Err(exception) => json2_error(&exception),
    }
}

//! How the client behaves when the network or the server fails: reads are retried, writes are
//! not repeated blindly, and credentials never show in errors. A small scripted server stands in
//! for Odoo here, because these failures cannot be provoked on a real one at will.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use odoo_client::{ClientConfig, Credential, OdooClient, OdooError, Protocol, RetryPolicy, Secret};
use serde_json::{Value, json};

const PASSWORD: &str = "s3cret-never-shown";

/// What the scripted server has seen, and how many upcoming calls of each kind must fail.
#[derive(Default)]
struct Script {
    calls: Vec<String>,
    failing_versions: u32,
    failing_reads: u32,
    failing_writes: u32,
}

async fn jsonrpc(State(script): State<Arc<Mutex<Script>>>, Json(body): Json<Value>) -> Response {
    let params = &body["params"];
    let method = match params["service"].as_str() {
        Some("object") => params["args"][4].as_str().unwrap_or_default().to_owned(),
        _ => params["method"].as_str().unwrap_or_default().to_owned(),
    };
    let mut script = script.lock().unwrap();
    script.calls.push(method.clone());
    let failing = match method.as_str() {
        "version" => &mut script.failing_versions,
        "create" | "write" | "unlink" => &mut script.failing_writes,
        "authenticate" => &mut 0,
        _ => &mut script.failing_reads,
    };
    if *failing > 0 {
        *failing -= 1;
        return (StatusCode::BAD_GATEWAY, "upstream restarting").into_response();
    }
    // Odoo leaves `result` out of the answer of a method that returns None.
    if method == "button_draft" {
        return Json(json!({"jsonrpc": "2.0", "id": body["id"]})).into_response();
    }
    let result = match method.as_str() {
        "version" => {
            json!({"server_version": "18.0", "server_version_info": [18, 0, 0, "final", 0, ""], "protocol_version": 1})
        }
        "authenticate" if params["args"][2] == PASSWORD => json!(2),
        "authenticate" => json!(false),
        "search_count" => json!(42),
        "create" => json!([7]),
        _ => json!(true),
    };
    Json(json!({"jsonrpc": "2.0", "id": body["id"], "result": result})).into_response()
}

async fn scripted_server(script: Script) -> (String, Arc<Mutex<Script>>) {
    let script = Arc::new(Mutex::new(script));
    let app = Router::new()
        .route("/jsonrpc", post(jsonrpc))
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, script)
}

fn config(url: &str, password: &str) -> ClientConfig {
    let mut config = ClientConfig::new(
        url.parse().unwrap(),
        "db",
        "admin",
        Credential::Password(Secret::new(password)),
    )
    .with_protocol(Protocol::JsonRpc);
    config.retry = RetryPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
    };
    config
}

fn count(script: &Arc<Mutex<Script>>, method: &str) -> usize {
    script
        .lock()
        .unwrap()
        .calls
        .iter()
        .filter(|call| *call == method)
        .count()
}

#[tokio::test]
async fn reads_are_retried_through_a_passing_gateway_error() {
    let (url, script) = scripted_server(Script {
        failing_versions: 2,
        failing_reads: 2,
        ..Script::default()
    })
    .await;
    let client = OdooClient::connect(config(&url, PASSWORD))
        .await
        .expect("connect after two 502s");
    let count_result = client
        .search_count("res.partner", &odoo_client::Domain::all())
        .await;
    assert_eq!(count_result.unwrap(), 42);
    assert_eq!(
        count(&script, "version"),
        3,
        "two failed version probes, then one that answered"
    );
    assert_eq!(count(&script, "search_count"), 3);
}

#[tokio::test]
async fn reads_give_up_after_the_policy_attempts() {
    let (url, script) = scripted_server(Script {
        failing_reads: 100,
        ..Script::default()
    })
    .await;
    let client = OdooClient::connect(config(&url, PASSWORD)).await.unwrap();
    let error = client
        .search_count("res.partner", &odoo_client::Domain::all())
        .await
        .unwrap_err();
    assert!(
        matches!(error, OdooError::Http { status: 502, .. }),
        "{error}"
    );
    assert_eq!(count(&script, "search_count"), 4);
}

#[tokio::test]
async fn a_write_that_may_have_reached_odoo_is_sent_once() {
    let (url, script) = scripted_server(Script {
        failing_writes: 1,
        ..Script::default()
    })
    .await;
    let client = OdooClient::connect(config(&url, PASSWORD)).await.unwrap();
    let mut values = serde_json::Map::new();
    values.insert("name".into(), json!("x"));
    let error = client
        .create("res.partner", vec![values])
        .await
        .unwrap_err();
    assert!(
        matches!(error, OdooError::Http { status: 502, .. }),
        "{error}"
    );
    assert_eq!(
        count(&script, "create"),
        1,
        "a create must never be repeated after an ambiguous failure"
    );
}

#[tokio::test]
async fn refused_credentials_are_named_without_the_secret() {
    let (url, _script) = scripted_server(Script::default()).await;
    let error = OdooClient::connect(config(&url, "wrong-password-123"))
        .await
        .unwrap_err();
    assert!(matches!(error, OdooError::AccessDenied { .. }), "{error}");
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains("wrong-password-123"),
        "secret leaked: {shown}"
    );
    let config_shown = format!("{:?}", config(&url, PASSWORD));
    assert!(
        !config_shown.contains(PASSWORD),
        "secret leaked by Debug: {config_shown}"
    );
}

#[tokio::test]
async fn an_unreachable_server_is_a_transport_error_naming_the_call() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = OdooClient::connect(config(&format!("http://127.0.0.1:{port}"), PASSWORD))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            OdooError::Transport {
                before_sending: true,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("common.version"), "{error}");
}

#[tokio::test]
async fn a_method_that_returns_nothing_answers_null() {
    let (url, _) = scripted_server(Script::default()).await;
    let client = OdooClient::connect(config(&url, PASSWORD))
        .await
        .expect("connect");
    let answer = client
        .call(
            "account.move",
            "button_draft",
            Some(&[7]),
            Default::default(),
            odoo_client::CallKind::Write,
        )
        .await
        .expect("Odoo's answer without a result is the method's None");
    assert_eq!(answer, Value::Null);
}

//! Each way in (`/jsonrpc`, web session, JSON-2, `/web/version`) answers with Odoo's shapes.

mod common;

use common::{Wire, split, start, two_tenants};
use odoo_sim::{OdooVersion, SimConfig, Simulator};
use serde_json::{Value, json};

#[tokio::test]
async fn common_version_is_odoo_18s() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    let answer = split(wire.service("common", "version", json!([])).await).unwrap();
    assert_eq!(
        answer,
        json!({"server_version": "18.0", "server_version_info": [18, 0, 0, "final", 0, ""],
               "server_serie": "18.0", "protocol_version": 1})
    );
}

#[tokio::test]
async fn authenticate_answers_uid_or_false_and_accepts_the_api_key() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    let uid = |password: &str| {
        wire.service(
            "common",
            "authenticate",
            json!(["sim", "admin", password, {}]),
        )
    };
    assert_eq!(split(uid("admin").await).unwrap(), json!(2));
    assert_eq!(split(uid("sim-api-key").await).unwrap(), json!(2));
    assert_eq!(split(uid("wrong").await).unwrap(), json!(false));
}

#[tokio::test]
async fn a_wrong_password_on_execute_kw_is_access_denied_in_odoos_envelope() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    let envelope = wire
        .service(
            "object",
            "execute_kw",
            json!(["sim", 2, "wrong", "res.partner", "search", [[]], {}]),
        )
        .await;
    assert_eq!(envelope["id"], 7);
    let error = &envelope["error"];
    assert_eq!(error["code"], 200);
    assert_eq!(error["message"], "Odoo Server Error");
    assert_eq!(error["data"]["name"], "odoo.exceptions.AccessDenied");
    assert_eq!(error["data"]["message"], "Access Denied");
    assert_eq!(error["data"]["arguments"], json!(["Access Denied"]));
    assert_eq!(error["data"]["context"], json!({}));
    assert!(
        error["data"]["debug"]
            .as_str()
            .unwrap()
            .starts_with("Traceback")
    );
    assert_eq!(sim.stats().total, 0, "refused before reaching the ORM");
}

#[tokio::test]
async fn unknown_models_and_methods_fail_with_odoos_exceptions() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    assert_eq!(
        wire.fails("no.such", "search", json!([[]]), json!({}))
            .await,
        (
            "odoo.exceptions.UserError".into(),
            "Object no.such doesn't exist".into()
        )
    );
    assert_eq!(
        wire.fails("res.partner", "_private", json!([[]]), json!({}))
            .await,
        (
            "odoo.exceptions.AccessError".into(),
            "Private methods (such as _private) cannot be called remotely.".into()
        )
    );
    assert_eq!(
        wire.fails("res.partner", "nomethod", json!([[]]), json!({}))
            .await,
        (
            "builtins.AttributeError".into(),
            "The method 'nomethod' does not exist on the model 'res.partner'".into()
        )
    );
    let (name, message) = wire
        .fails("res.partner", "search_read", json!([]), json!({"bogus": 1}))
        .await;
    assert_eq!(name, "builtins.TypeError");
    assert!(
        message.contains("unexpected keyword argument 'bogus'"),
        "{message}"
    );
}

#[tokio::test]
async fn positional_and_keyword_arguments_bind_like_odoo() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    let by_position = wire
        .ok(
            "res.currency",
            "search_read",
            json!([[["name", "=", "EUR"]], ["name", "active"], 0, 5, "id"]),
            json!({"context": {"active_test": false}}),
        )
        .await;
    let by_name = wire
        .ok("res.currency", "search_read", json!([]), json!({"domain": [["name", "=", "EUR"]], "fields": ["name", "active"], "limit": 5, "context": {"active_test": false}}))
        .await;
    assert_eq!(by_position, by_name);
    assert_eq!(
        by_position,
        json!([{"id": 125, "name": "EUR", "active": false}])
    );
    let (name, message) = wire
        .fails("res.partner", "search", json!([[]]), json!({"domain": []}))
        .await;
    assert_eq!(name, "builtins.TypeError");
    assert!(
        message.contains("multiple values for argument 'domain'"),
        "{message}"
    );
}

#[tokio::test]
async fn the_web_session_logs_in_with_a_cookie_and_expires_like_odoo() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    let response = wire
        .http
        .post(format!("{}/web/session/authenticate", sim.url()))
        .json(&json!({"jsonrpc": "2.0", "method": "call", "params": {"db": "sim", "login": "admin", "password": "admin"}, "id": 1}))
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .and_then(|v| v.strip_prefix("session_id="))
        .expect("session cookie")
        .to_owned();
    let info: Value = response.json().await.unwrap();
    assert_eq!(info["result"]["uid"], 2);
    assert_eq!(info["result"]["db"], "sim");
    assert_eq!(info["result"]["server_version_info"][0], 18);

    let params = json!({"model": "res.company", "method": "search_read", "args": [[]], "kwargs": {"fields": ["name"]}});
    let answer = wire
        .envelope(
            "/web/dataset/call_kw/res.company/search_read",
            params.clone(),
            Some(&cookie),
        )
        .await;
    assert_eq!(
        split(answer).unwrap(),
        json!([{"id": 1, "name": "My Company"}])
    );

    for cookie in [None, Some("not-a-session")] {
        let expired = wire
            .envelope("/web/dataset/call_kw", params.clone(), cookie)
            .await;
        assert_eq!(expired["id"], Value::Null);
        assert_eq!(expired["error"]["code"], 100);
        assert_eq!(expired["error"]["message"], "Odoo Session Expired");
        assert_eq!(
            expired["error"]["data"]["name"],
            "odoo.http.SessionExpiredException"
        );
    }
    sim.expire_sessions();
    let after_restart = wire
        .envelope("/web/dataset/call_kw", params, Some(&cookie))
        .await;
    assert_eq!(after_restart["error"]["code"], 100);
}

#[tokio::test]
async fn the_web_login_refuses_api_keys_and_wrong_passwords() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    for password in ["sim-api-key", "wrong"] {
        let answer = wire
            .envelope(
                "/web/session/authenticate",
                json!({"db": "sim", "login": "admin", "password": password}),
                None,
            )
            .await;
        assert_eq!(
            answer["error"]["data"]["name"], "odoo.exceptions.AccessDenied",
            "{password}"
        );
    }
}

#[tokio::test]
async fn call_kw_on_an_unknown_model_is_a_json_rpc_404() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    let login = wire
        .http
        .post(format!("{}/web/session/authenticate", sim.url()))
        .json(&json!({"jsonrpc": "2.0", "method": "call", "params": {"db": "sim", "login": "admin", "password": "admin"}}))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()["session_id=".len()..]
        .to_owned();
    let answer = wire
        .envelope(
            "/web/dataset/call_kw/no.such/search",
            json!({"model": "no.such", "method": "search", "args": [[]], "kwargs": {}}),
            Some(&cookie),
        )
        .await;
    assert_eq!(answer["error"]["code"], 404);
    assert_eq!(answer["error"]["message"], "404: Not Found");
    assert_eq!(
        answer["error"]["data"]["name"],
        "werkzeug.exceptions.NotFound"
    );
}

#[tokio::test]
async fn odoo_18_has_neither_web_version_nor_json_2() {
    let sim = start().await;
    let http = reqwest::Client::new();
    let version = http
        .get(format!("{}/web/version", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(version.status(), 404);
    let json2 = http
        .post(format!("{}/json/2/res.partner/search", sim.url()))
        .bearer_auth("sim-api-key")
        .json(&json!({"domain": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(json2.status(), 404);
}

#[tokio::test]
async fn invalid_json_and_unknown_routes_answer_like_werkzeug() {
    let sim = start().await;
    let http = reqwest::Client::new();
    let bad = http
        .post(format!("{}/jsonrpc", sim.url()))
        .header("Content-Type", "application/json")
        .body("{bad json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.text().await.unwrap(), "Invalid JSON data");
    let missing = http
        .get(format!("{}/no/such/page", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

async fn v19() -> Simulator {
    Simulator::start(SimConfig {
        version: OdooVersion::V19,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

async fn json2(sim: &Simulator, key: &str, path: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/json/2/{path}", sim.url()))
        .header("Authorization", format!("bearer {key}"))
        .header("X-Odoo-Database", "sim")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn odoo_19_serves_web_version_and_json_2_with_bare_results() {
    let sim = v19().await;
    let version: Value = reqwest::get(format!("{}/web/version", sim.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        version,
        json!({"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"})
    );
    let (status, context) = json2(&sim, "sim-api-key", "res.users/context_get", json!({})).await;
    assert_eq!((status, context["uid"].clone()), (200, json!(2)));
    let (status, rows) = json2(
        &sim,
        "sim-api-key",
        "res.company/read",
        json!({"ids": [1], "fields": ["name"]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(rows, json!([{"id": 1, "name": "My Company"}]));
}

#[tokio::test]
async fn json_2_errors_carry_odoo_19s_statuses_and_bodies() {
    let sim = v19().await;
    let (status, body) = json2(
        &sim,
        "wrong-key",
        "res.partner/search",
        json!({"domain": []}),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["name"], "werkzeug.exceptions.Unauthorized");
    assert_eq!(body["message"], "Invalid apikey");
    assert_eq!(body["arguments"], json!(["Invalid apikey", 401]));
    assert!(body["debug"].is_string() && body["context"].is_object());

    let (status, body) = json2(&sim, "sim-api-key", "no.such/search", json!({"domain": []})).await;
    assert_eq!(
        (status, body["name"].as_str().unwrap()),
        (404, "werkzeug.exceptions.NotFound")
    );
    assert_eq!(body["message"], "the model 'no.such' does not exist");

    let (status, body) = json2(&sim, "sim-api-key", "res.partner/nomethod", json!({})).await;
    assert_eq!(status, 404);
    assert_eq!(
        body["message"],
        "The method 'res.partner.nomethod' does not exist"
    );

    let (status, body) = json2(
        &sim,
        "sim-api-key",
        "res.partner/write",
        json!({"ids": [999999], "vals": {"name": "x"}}),
    )
    .await;
    assert_eq!(
        (status, body["name"].as_str().unwrap()),
        (404, "odoo.exceptions.MissingError")
    );

    let (status, body) = json2(
        &sim,
        "sim-api-key",
        "res.partner/create",
        json!({"vals_list": [{"email": "no-name@example.com"}]}),
    )
    .await;
    assert_eq!(
        (status, body["name"].as_str().unwrap()),
        (422, "odoo.exceptions.ValidationError")
    );

    let (status, body) = json2(
        &sim,
        "sim-api-key",
        "res.partner/search",
        json!({"domain": [["nofield", "=", 1]]}),
    )
    .await;
    assert_eq!(
        (status, body["name"].as_str().unwrap()),
        (500, "builtins.ValueError")
    );

    let (status, body) = json2(
        &sim,
        "sim-api-key",
        "res.partner/search",
        json!({"domain": [], "bogus": 1}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn json_2_access_errors_are_403() {
    let sim = v19().await;
    let tenant = sim.with_db(|db| {
        odoo_sim::datasets::add_shop_tenant(
            db,
            &odoo_sim::datasets::TenantSpec::new("A", odoo_sim::datasets::TenantSize::Small, 3),
        )
    });
    let order = sim.with_db(|db| db.ids("sale.order")[0]);
    let (status, body) = json2(
        &sim,
        "sim-api-key",
        "sale.order/read",
        json!({"ids": [order], "fields": ["name"], "context": {"allowed_company_ids": [1]}}),
    )
    .await;
    assert_eq!(
        (status, body["name"].as_str().unwrap()),
        (403, "odoo.exceptions.AccessError")
    );
    assert_eq!(
        body["context"]["suggested_company"]["id"],
        tenant.company_id
    );
}

#[tokio::test]
async fn statistics_count_calls_and_writes() {
    let (sim, a, _) = two_tenants().await;
    let wire = Wire::new(&sim);
    sim.reset_stats();
    wire.ok(
        "res.partner",
        "search_read",
        json!([[["company_id", "=", a.company_id]]]),
        json!({"fields": ["name"], "limit": 3}),
    )
    .await;
    wire.ok("res.partner", "search_count", json!([[]]), json!({}))
        .await;
    assert_eq!(sim.stats().total, 2);
    assert_eq!(sim.stats().writes(), 0);
    wire.ok("res.partner", "create", json!([{"name": "New"}]), json!({}))
        .await;
    assert_eq!(sim.stats().writes(), 1);
    assert_eq!(sim.stats().count("search_read"), 1);
    sim.reset_stats();
    assert_eq!(sim.stats().total, 0);
}

#[tokio::test]
async fn jsonrpc_edge_cases_answer_as_the_live_server_does() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    let bad_uid = wire
        .service(
            "object",
            "execute_kw",
            json!(["sim", 9999, "admin", "res.partner", "search", [[]], {}]),
        )
        .await;
    assert_eq!(
        bad_uid["error"]["data"]["name"],
        "odoo.exceptions.MissingError"
    );
    assert_eq!(
        bad_uid["error"]["data"]["message"],
        "Record does not exist or has been deleted.\n(Record: res.users(9999,), User: 9999)"
    );
    let unknown_service = wire.service("nosuchservice", "x", json!([])).await;
    assert_eq!(
        unknown_service["error"]["data"]["name"],
        "builtins.KeyError"
    );
    assert_eq!(unknown_service["error"]["data"]["message"], "nosuchservice");
    let no_params = wire.envelope("/jsonrpc", json!({}), None).await;
    assert_eq!(
        no_params["error"]["data"]["message"],
        "RPC.jsonrpc() missing 3 required positional arguments: 'service', 'method', and 'args'"
    );
    let unknown_db = wire
        .service(
            "common",
            "authenticate",
            json!(["nosuchdb", "admin", "admin", {}]),
        )
        .await;
    assert_eq!(
        unknown_db["error"]["data"]["name"],
        "psycopg2.OperationalError"
    );
    let http = reqwest::Client::new();
    let text_plain = http
        .post(format!("{}/jsonrpc", sim.url()))
        .header("Content-Type", "text/plain")
        .body(r#"{"jsonrpc": "2.0", "method": "call", "params": {"service": "common", "method": "version", "args": []}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(text_plain.status(), 400);
    assert!(
        text_plain
            .text()
            .await
            .unwrap()
            .contains("is type=&#39;json&#39;")
    );
    assert_eq!(
        http.get(format!("{}/jsonrpc", sim.url()))
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    let health: Value = http
        .get(format!("{}/web/health", sim.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health, json!({"status": "pass"}));
    let version_info = wire
        .envelope("/web/webclient/version_info", json!({}), None)
        .await;
    assert_eq!(version_info["result"]["server_version"], "18.0");
}

#[tokio::test]
async fn destroying_the_session_expires_its_cookie() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    let login = wire
        .http
        .post(format!("{}/web/session/authenticate", sim.url()))
        .json(&json!({"jsonrpc": "2.0", "method": "call", "params": {"db": "sim", "login": "admin", "password": "admin"}, "id": 1}))
        .send()
        .await
        .unwrap();
    let set_cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set_cookie.contains("; Expires=")
            && set_cookie.ends_with("Max-Age=604800; HttpOnly; Path=/"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap()["session_id=".len()..].to_owned();
    assert_eq!(cookie.len(), 84);
    let destroyed = wire
        .envelope("/web/session/destroy", json!({}), Some(&cookie))
        .await;
    assert_eq!(
        destroyed,
        json!({"jsonrpc": "2.0", "id": 7}),
        "no result key"
    );
    let params = json!({"model": "res.partner", "method": "search", "args": [[]], "kwargs": {}});
    let after = wire
        .envelope("/web/dataset/call_kw", params, Some(&cookie))
        .await;
    assert_eq!(after["error"]["code"], 100);
}

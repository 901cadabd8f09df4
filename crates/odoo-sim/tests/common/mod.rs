//! A deliberately small client that speaks the raw wire, so the tests see exactly what Odoo's
//! clients see: envelopes, error objects, HTTP statuses and cookies.

#![allow(dead_code)]

use odoo_sim::datasets::{TenantInfo, TenantSize, TenantSpec, add_shop_tenant};
use odoo_sim::{SimConfig, Simulator};
use serde_json::{Value, json};

pub struct Wire {
    pub http: reqwest::Client,
    pub url: String,
    pub database: String,
    pub password: String,
}

impl Wire {
    pub fn new(sim: &Simulator) -> Wire {
        Wire {
            http: reqwest::Client::new(),
            url: sim.url(),
            database: sim.config().database.clone(),
            password: sim.config().password.clone(),
        }
    }

    /// POSTs a JSON-RPC `call` and returns the whole answer envelope.
    pub async fn envelope(&self, path: &str, params: Value, cookie: Option<&str>) -> Value {
        let mut request = self
            .http
            .post(format!("{}{path}", self.url))
            .json(&json!({"jsonrpc": "2.0", "method": "call", "params": params, "id": 7}));
        if let Some(cookie) = cookie {
            request = request.header("Cookie", format!("session_id={cookie}"));
        }
        let response = request.send().await.expect("simulator answers");
        assert_eq!(
            response.status(),
            200,
            "JSON-RPC answers 200 even for errors"
        );
        response.json().await.expect("JSON body")
    }

    pub async fn service(&self, service: &str, method: &str, args: Value) -> Value {
        self.envelope(
            "/jsonrpc",
            json!({"service": service, "method": method, "args": args}),
            None,
        )
        .await
    }

    /// `object.execute_kw` as admin (uid 2); `Ok(result)` or `Err(error object)`.
    pub async fn call(
        &self,
        model: &str,
        method: &str,
        args: Value,
        kwargs: Value,
    ) -> Result<Value, Value> {
        let envelope = self
            .service(
                "object",
                "execute_kw",
                json!([self.database, 2, self.password, model, method, args, kwargs]),
            )
            .await;
        split(envelope)
    }

    /// Like `call`, expecting success.
    pub async fn ok(&self, model: &str, method: &str, args: Value, kwargs: Value) -> Value {
        match self.call(model, method, args, kwargs).await {
            Ok(value) => value,
            Err(error) => panic!("{model}.{method} failed: {error:#}"),
        }
    }

    /// Like `call`, expecting an error; returns `(data.name, data.message)`.
    pub async fn fails(
        &self,
        model: &str,
        method: &str,
        args: Value,
        kwargs: Value,
    ) -> (String, String) {
        match self.call(model, method, args, kwargs).await {
            Ok(value) => panic!("{model}.{method} should have failed, got {value}"),
            Err(error) => (
                error["data"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                error["data"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ),
        }
    }
}

pub fn split(mut envelope: Value) -> Result<Value, Value> {
    assert_eq!(envelope["jsonrpc"], "2.0");
    if let Some(error) = envelope.get_mut("error") {
        return Err(error.take());
    }
    Ok(envelope["result"].take())
}

pub async fn start() -> Simulator {
    Simulator::start(SimConfig::default())
        .await
        .expect("simulator starts")
}

/// A simulator with two small tenants, A and B.
pub async fn two_tenants() -> (Simulator, TenantInfo, TenantInfo) {
    let sim = start().await;
    let a = sim.with_db(|db| {
        add_shop_tenant(db, &TenantSpec::new("Boutique Sport", TenantSize::Small, 1))
    });
    let b = sim
        .with_db(|db| add_shop_tenant(db, &TenantSpec::new("Marque Mode", TenantSize::Small, 2)));
    (sim, a, b)
}

pub fn pinned(company: i64) -> Value {
    json!({"allowed_company_ids": [company]})
}

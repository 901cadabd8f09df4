//! Read throughput of the client on a large tenant, next to a plain baseline.
//!
//! The baseline is what a script does without this client: `/jsonrpc` `execute_kw`
//! `search_read`, 500 records a request, one request at a time. The client reads the same records
//! over its detected protocol (web session on Odoo 18 with a password), 500 a page, 4 pages in
//! flight. Against the simulator (a Large generated tenant) by default; against the real Odoo
//! named by `ODOO_URL` & co. when set, on its largest tenant (or `BENCH_COMPANY_ID`).
//!
//! `cargo bench --bench client_read`

use std::time::Instant;

use futures::TryStreamExt;
use odoo_client::{Context, Domain, OdooClient, PageOptions, Protocol, Record};
use odoo_sim::OdooVersion;
use odoo_sim::datasets::{TenantSize, TenantSpec, add_shop_tenant};
use serde_json::{Value, json};
use suite::{LiveSettings, OdooTarget};

const BATCH: u64 = 500;
const FIELDS: &[&str] = &[
    "name",
    "order_id",
    "product_id",
    "product_uom_qty",
    "price_unit",
    "company_id",
];

#[tokio::main]
async fn main() {
    let (target, company_id) = match LiveSettings::from_env() {
        Some(settings) => {
            let target =
                OdooTarget::live(settings.unwrap_or_else(|problem| panic!("{problem}"))).await;
            let client = target.connect(Protocol::JsonRpc).await;
            let company_id = match std::env::var("BENCH_COMPANY_ID") {
                Ok(id) => id.parse().expect("BENCH_COMPANY_ID is a company id"),
                Err(_) => largest_company(&target, &client).await,
            };
            (target, company_id)
        }
        None => {
            let target = OdooTarget::simulated(OdooVersion::V18).await;
            let started = Instant::now();
            let spec = TenantSpec {
                name: "Bench Tenant".into(),
                size: TenantSize::Large,
                with_images: false,
                seed: 7,
            };
            let info = target
                .simulator()
                .unwrap()
                .with_db(|db| add_shop_tenant(db, &spec));
            eprintln!(
                "generated {} records in {:.1?}",
                info.record_count,
                started.elapsed()
            );
            (target, info.company_id)
        }
    };
    let model = "sale.order.line";
    let fields: Vec<String> = FIELDS.iter().map(|field| (*field).to_owned()).collect();
    let domain = Domain::leaf("company_id", "=", company_id);

    let started = Instant::now();
    let baseline_count = plain_sequential_read(&target, model, company_id, &fields).await;
    let baseline = started.elapsed();

    let client = OdooClient::connect(target.config_for(None))
        .await
        .expect("connect");
    let scoped = client.with_context(Context::company(company_id).with_archived());
    let started = Instant::now();
    let pages: Vec<Vec<Record>> = scoped
        .search_read_concurrent(
            model,
            domain,
            fields,
            PageOptions {
                batch_size: BATCH,
                concurrency: 4,
            },
        )
        .try_collect()
        .await
        .expect("concurrent read");
    let client_elapsed = started.elapsed();
    let client_count: usize = pages.iter().map(Vec::len).sum();
    assert_eq!(
        client_count, baseline_count,
        "both reads must see the same records"
    );

    let rate = |count: usize, seconds: f64| count as f64 / seconds;
    println!(
        "target: {} — {model} of company {company_id}, {client_count} records",
        target.label
    );
    println!("| read | protocol | records/s | seconds |");
    println!("| --- | --- | ---: | ---: |");
    println!(
        "| plain: one request at a time, {BATCH}/request | jsonrpc | {:.0} | {:.2} |",
        rate(baseline_count, baseline.as_secs_f64()),
        baseline.as_secs_f64()
    );
    println!(
        "| client: {BATCH}/page, 4 in flight | {} | {:.0} | {:.2} |",
        client.protocol(),
        rate(client_count, client_elapsed.as_secs_f64()),
        client_elapsed.as_secs_f64()
    );
}

/// The baseline: bare HTTP, `execute_kw` `search_read` paged by offset, one request at a time.
async fn plain_sequential_read(
    target: &OdooTarget,
    model: &str,
    company_id: i64,
    fields: &[String],
) -> usize {
    let config = target.config_for(Some(Protocol::JsonRpc));
    let http = reqwest::Client::new();
    let url = format!("{}/jsonrpc", target.url().trim_end_matches('/'));
    let call = |method: &str, args: Value| json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": method.split('.').next().unwrap(), "method": method.split('.').nth(1).unwrap(), "args": args}});
    let secret = config.credential.secret().expose().to_owned();
    let login = call(
        "common.authenticate",
        json!([config.database, config.login, secret, {}]),
    );
    let answer: Value = http
        .post(&url)
        .json(&login)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uid = answer["result"].as_i64().expect("baseline login");
    let mut offset = 0;
    let mut total = 0;
    loop {
        let kwargs = json!({"fields": fields, "offset": offset, "limit": BATCH, "order": "id",
                            "context": {"allowed_company_ids": [company_id], "active_test": false}});
        let args = json!([
            config.database,
            uid,
            secret,
            model,
            "search_read",
            [[["company_id", "=", company_id]]],
            kwargs
        ]);
        let answer: Value = http
            .post(&url)
            .json(&call("object.execute_kw", args))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let rows = answer["result"]
            .as_array()
            .unwrap_or_else(|| panic!("baseline read failed: {answer}"));
        total += rows.len();
        if (rows.len() as u64) < BATCH {
            return total;
        }
        offset += BATCH;
    }
}

async fn largest_company(target: &OdooTarget, client: &OdooClient) -> i64 {
    let mut best = (0, 0);
    for company in target.companies(client).await {
        let scoped = client.with_context(Context::company(company.id).with_archived());
        let lines = scoped
            .search_count(
                "sale.order.line",
                &Domain::leaf("company_id", "=", company.id),
            )
            .await
            .unwrap_or(0);
        if lines > best.1 {
            best = (company.id, lines);
        }
    }
    best.0
}

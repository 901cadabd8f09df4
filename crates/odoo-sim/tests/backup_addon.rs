//! The backup addon's models exist only once the addon is installed, described as its Python
//! definitions say.

mod common;

use common::{Wire, start};
use odoo_sim::{SimConfig, Simulator};
use serde_json::{Value, json};

const MODELS: [&str; 3] = [
    "quelyos.backup",
    "quelyos.backup.schedule",
    "quelyos.backup.audit",
];

async fn with_addon() -> Simulator {
    Simulator::start(SimConfig {
        with_backup_addon: true,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn without_the_addon_its_models_do_not_exist() {
    let sim = start().await;
    let wire = Wire::new(&sim);
    let count = wire
        .ok(
            "ir.model",
            "search_count",
            json!([[["model", "in", MODELS]]]),
            json!({}),
        )
        .await;
    assert_eq!(count, json!(0));
    let fields = wire
        .ok(
            "ir.model.fields",
            "search_count",
            json!([[["model", "=", "quelyos.backup"]]]),
            json!({}),
        )
        .await;
    assert_eq!(fields, json!(0));
    for model in MODELS {
        assert_eq!(
            wire.fails(model, "fields_get", json!([]), json!({})).await,
            (
                "odoo.exceptions.UserError".into(),
                format!("Object {model} doesn't exist")
            )
        );
    }
    assert!(!sim.with_db(|db| db.backup_addon_installed()));
}

#[tokio::test]
async fn installed_later_its_models_appear_in_the_metadata() {
    let sim = start().await;
    sim.with_db(|db| db.install_backup_addon());
    sim.with_db(|db| db.install_backup_addon());
    let wire = Wire::new(&sim);
    let rows = wire
        .ok(
            "ir.model",
            "search_read",
            json!([[["model", "in", MODELS]], ["model", "modules"]]),
            json!({"order": "model"}),
        )
        .await;
    let names: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["model"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "quelyos.backup",
            "quelyos.backup.audit",
            "quelyos.backup.schedule"
        ]
    );
    assert_eq!(rows[0]["modules"], json!("quelyos_tenant_backup"));
    let company = wire
        .ok(
            "ir.model.fields",
            "search_read",
            json!([
                [
                    ["model", "=", "quelyos.backup.schedule"],
                    ["name", "=", "company_id"]
                ],
                ["ttype", "relation", "required"]
            ]),
            json!({}),
        )
        .await;
    assert_eq!(company[0]["ttype"], json!("many2one"));
    assert_eq!(company[0]["relation"], json!("res.company"));
    assert_eq!(company[0]["required"], json!(true));
    let module = wire
        .ok(
            "ir.module.module",
            "search_count",
            json!([[
                ["name", "=", "quelyos_tenant_backup"],
                ["state", "=", "installed"]
            ]]),
            json!({}),
        )
        .await;
    assert_eq!(module, json!(1));
}

#[tokio::test]
async fn fields_get_mirrors_the_addons_definitions() {
    let sim = with_addon().await;
    let wire = Wire::new(&sim);
    let attributes =
        json!({"attributes": ["type", "required", "relation", "selection", "readonly"]});
    let backup = wire
        .ok(
            "quelyos.backup",
            "fields_get",
            json!([]),
            attributes.clone(),
        )
        .await;
    assert_eq!(backup["backup_id"]["type"], json!("char"));
    assert_eq!(backup["backup_id"]["required"], json!(true));
    assert_eq!(backup["company_id"]["relation"], json!("res.company"));
    assert_eq!(
        backup["schedule_id"]["relation"],
        json!("quelyos.backup.schedule")
    );
    assert_eq!(
        backup["status"]["selection"],
        json!([
            ["pending", "Pending"],
            ["running", "Running"],
            ["done", "Done"],
            ["failed", "Failed"]
        ])
    );
    assert_eq!(backup["size"]["type"], json!("float"));
    assert_eq!(backup["records"]["type"], json!("integer"));
    assert_eq!(backup["duration"]["type"], json!("float"));
    assert_eq!(backup["error"]["type"], json!("text"));
    assert_eq!(backup["created_at"]["type"], json!("datetime"));
    let schedule = wire
        .ok(
            "quelyos.backup.schedule",
            "fields_get",
            json!([]),
            attributes,
        )
        .await;
    assert_eq!(schedule["company_id"]["required"], json!(true));
    assert_eq!(schedule["weekday"]["selection"][0], json!(["0", "Monday"]));
    assert_eq!(
        schedule["last_backup_id"]["relation"],
        json!("quelyos.backup")
    );
    assert_eq!(schedule["backup_ids"]["type"], json!("one2many"));
    assert_eq!(
        schedule["last_status"]["selection"],
        json!([
            ["never", "Never run"],
            ["running", "Running"],
            ["success", "Success"],
            ["failed", "Failed"]
        ])
    );
    assert_eq!(schedule["next_run"]["readonly"], json!(true));
}

#[tokio::test]
async fn a_schedule_takes_the_addons_defaults_and_its_outcome_can_be_written() {
    let sim = with_addon().await;
    let wire = Wire::new(&sim);
    let id = wire
        .ok(
            "quelyos.backup.schedule",
            "create",
            json!([{"company_id": 1}]),
            json!({}),
        )
        .await;
    let id = id.as_i64().unwrap();
    let read = |fields: Value| {
        wire.ok(
            "quelyos.backup.schedule",
            "read",
            json!([[id], fields]),
            json!({}),
        )
    };
    let row = read(json!([
        "active",
        "frequency",
        "hour",
        "minute",
        "day_of_month",
        "tz",
        "retention_count",
        "last_status",
        "next_run"
    ]))
    .await;
    assert_eq!(
        row[0],
        json!({"id": id, "active": true, "frequency": "daily", "hour": 2, "minute": 0,
               "day_of_month": 1, "tz": "Europe/Paris", "retention_count": 7,
               "last_status": "never", "next_run": false})
    );
    let backup = wire
        .ok(
            "quelyos.backup",
            "create",
            json!([{"backup_id": "b-1", "company_id": 1, "origin": "schedule", "schedule_id": id}]),
            json!({}),
        )
        .await;
    wire.ok(
        "quelyos.backup.schedule",
        "write",
        json!([[id], {"last_status": "success", "last_run": "2026-01-30 16:42:20",
                      "last_backup_id": backup}]),
        json!({}),
    )
    .await;
    let row = read(json!([
        "last_status",
        "last_run",
        "last_backup_id",
        "backup_ids"
    ]))
    .await;
    assert_eq!(row[0]["last_status"], json!("success"));
    assert_eq!(row[0]["last_run"], json!("2026-01-30 16:42:20"));
    assert_eq!(row[0]["last_backup_id"][0], backup);
    assert_eq!(row[0]["backup_ids"], json!([backup]));
    let status = wire
        .ok(
            "quelyos.backup",
            "read",
            json!([[backup], ["status"]]),
            json!({}),
        )
        .await;
    assert_eq!(status[0]["status"], json!("pending"));
    let missing = wire
        .fails(
            "quelyos.backup",
            "create",
            json!([{"company_id": 1}]),
            json!({}),
        )
        .await;
    assert_eq!(missing.0, "odoo.exceptions.ValidationError", "{missing:?}");
}

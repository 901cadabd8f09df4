//! Captures the simulator's model catalogue from a running Odoo.
//!
//! For every model of a catalogue directory (by default the one the simulator embeds,
//! `crates/odoo-sim/catalog/odoo18`), it asks the server for the same fields: their
//! `fields_get` attributes, their `index` flag from `ir.model.fields`, and the model's
//! `ir.model` row. It writes one file per model in the catalogue's format, keys sorted and only
//! the attributes the simulator keeps, so that a diff against the committed files shows what
//! really changed between two Odoo versions.
//!
//! ```text
//! cargo run -p odoo-sim --example capture-catalog -- \
//!     --url http://localhost:8069 --db shops --login admin --out /tmp/catalog
//! ```
//!
//! The password is read from `ODOO_PASSWORD` unless `--password` gives it. The server must
//! have every module whose models the catalogue lists, the backup addon included.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

const USAGE: &str = "usage: capture-catalog --url URL --db DB --login LOGIN [--password PASSWORD] \
[--catalog DIR] --out DIR

Writes the catalogue of the models listed in --catalog, as a running Odoo describes them.
  --url       the Odoo server, e.g. http://localhost:8069
  --db        a database that has every module of the catalogue installed
  --login     a user who may read ir.model and ir.model.fields (an administrator)
  --password  that user's password or API key (default: $ODOO_PASSWORD)
  --catalog   the catalogue whose models and fields are captured
              (default: this crate's catalog/odoo18)
  --out       the directory the captured files are written to";

/// The `fields_get` attributes the simulator keeps. `name` comes from the answer's keys and
/// `index` from `ir.model.fields`, which is the only place Odoo reports it.
const FIELD_ATTRIBUTES: &[&str] = &[
    "company_dependent",
    "depends",
    "digits",
    "groupable",
    "readonly",
    "related",
    "relation",
    "relation_field",
    "required",
    "searchable",
    "selection",
    "sortable",
    "store",
    "string",
    "translate",
    "type",
];

/// The `ir.model` columns a catalogue file starts with.
const MODEL_COLUMNS: &[&str] = &["model", "name", "modules", "order", "transient"];

struct Options {
    url: String,
    db: String,
    login: String,
    password: String,
    catalog: PathBuf,
    out: PathBuf,
}

/// Six string options: not worth a command-line parsing dependency.
fn parse_options() -> Result<Options, String> {
    let mut named: BTreeMap<&str, String> = BTreeMap::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let name = match arg.as_str() {
            "--url" => "url",
            "--db" => "db",
            "--login" => "login",
            "--password" => "password",
            "--catalog" => "catalog",
            "--out" => "out",
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown option {other}")),
        };
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        named.insert(name, value);
    }
    let mut required = |name: &str| {
        named
            .remove(name)
            .ok_or_else(|| format!("--{name} is required"))
    };
    let url = required("url")?;
    let db = required("db")?;
    let login = required("login")?;
    let out = PathBuf::from(required("out")?);
    let password = match named.remove("password") {
        Some(password) => password,
        None => std::env::var("ODOO_PASSWORD")
            .map_err(|_| "give --password or set ODOO_PASSWORD".to_owned())?,
    };
    let catalog = named.remove("catalog").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/odoo18"),
        PathBuf::from,
    );
    Ok(Options {
        url: url.trim_end_matches('/').to_owned(),
        db,
        login,
        password,
        catalog,
        out,
    })
}

/// A model of the catalogue being refreshed, and the fields it keeps, in their order.
struct Wanted {
    model: String,
    fields: Vec<String>,
}

fn read_catalog(directory: &Path) -> Result<Vec<Wanted>, String> {
    let listing =
        std::fs::read_dir(directory).map_err(|e| format!("{}: {e}", directory.display()))?;
    let mut paths: Vec<PathBuf> = listing
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    let mut wanted = Vec::new();
    for path in paths {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let file: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let model = file["model"]
            .as_str()
            .ok_or_else(|| format!("{}: no \"model\"", path.display()))?;
        let fields = file["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|field| field["name"].as_str().map(str::to_owned))
            .collect();
        wanted.push(Wanted {
            model: model.to_owned(),
            fields,
        });
    }
    if wanted.is_empty() {
        return Err(format!("{}: no catalogue files", directory.display()));
    }
    Ok(wanted)
}

/// A logged-in `/jsonrpc` session: the database, the user's id and password.
struct Odoo {
    http: reqwest::Client,
    url: String,
    db: String,
    uid: i64,
    password: String,
}

async fn call(
    http: &reqwest::Client,
    url: &str,
    service: &str,
    method: &str,
    args: Value,
) -> Result<Value, String> {
    let request = json!({
        "jsonrpc": "2.0",
        "method": "call",
        "params": {"service": service, "method": method, "args": args},
        "id": 1,
    });
    let answer: Value = http
        .post(format!("{url}/jsonrpc"))
        .json(&request)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("{url}/jsonrpc: {e}"))?
        .json()
        .await
        .map_err(|e| format!("{url}/jsonrpc: {e}"))?;
    if let Some(error) = answer.get("error") {
        let message = error["data"]["message"]
            .as_str()
            .or(error["message"].as_str())
            .unwrap_or("no message");
        return Err(format!("{service}.{method}: {message}"));
    }
    Ok(answer["result"].clone())
}

impl Odoo {
    async fn login(options: &Options) -> Result<Odoo, String> {
        let http = reqwest::Client::new();
        let args = json!([options.db, options.login, options.password]);
        let uid = call(&http, &options.url, "common", "login", args)
            .await?
            .as_i64()
            .ok_or_else(|| format!("{}: login refused for {}", options.db, options.login))?;
        Ok(Odoo {
            http,
            url: options.url.clone(),
            db: options.db.clone(),
            uid,
            password: options.password.clone(),
        })
    }

    async fn execute_kw(
        &self,
        model: &str,
        method: &str,
        args: Value,
        kwargs: Value,
    ) -> Result<Value, String> {
        let args = json!([
            self.db,
            self.uid,
            self.password,
            model,
            method,
            args,
            kwargs
        ]);
        call(&self.http, &self.url, "object", "execute_kw", args)
            .await
            .map_err(|e| format!("{model}: {e}"))
    }
}

/// One catalogue file: the model's `ir.model` row, then its fields in the catalogue's order,
/// each with the kept `fields_get` attributes and `ir.model.fields.index`. Fields the server
/// does not have are left out and named in the second value.
fn catalogue_file(
    wanted: &Wanted,
    ir_model: &Map<String, Value>,
    described: &Map<String, Value>,
    indexed: &BTreeSet<(String, String)>,
) -> (Value, Vec<String>) {
    let mut file = Map::new();
    for column in MODEL_COLUMNS {
        file.insert((*column).to_owned(), ir_model[*column].clone());
    }
    let mut fields = Vec::new();
    let mut missing = Vec::new();
    for name in &wanted.fields {
        let Some(Value::Object(attributes)) = described.get(name) else {
            missing.push(name.clone());
            continue;
        };
        let mut field: Map<String, Value> = attributes
            .iter()
            .filter(|(attribute, _)| FIELD_ATTRIBUTES.contains(&attribute.as_str()))
            .map(|(attribute, value)| (attribute.clone(), value.clone()))
            .collect();
        let index = indexed.contains(&(wanted.model.clone(), name.clone()));
        field.insert("name".into(), json!(name));
        field.insert("index".into(), json!(index));
        fields.push(Value::Object(field));
    }
    file.insert("fields".into(), Value::Array(fields));
    (Value::Object(file), missing)
}

async fn capture(options: &Options) -> Result<(), String> {
    let catalog = read_catalog(&options.catalog)?;
    let odoo = Odoo::login(options).await?;
    let models: Vec<&str> = catalog.iter().map(|wanted| wanted.model.as_str()).collect();
    let ir_models = odoo
        .execute_kw(
            "ir.model",
            "search_read",
            json!([[["model", "in", models]]]),
            json!({"fields": MODEL_COLUMNS}),
        )
        .await?;
    let ir_models: BTreeMap<&str, &Map<String, Value>> = ir_models
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|row| Some((row["model"].as_str()?, row.as_object()?)))
        .collect();
    // `fields_get` does not report `index`; `ir.model.fields` does.
    let indexed_rows = odoo
        .execute_kw(
            "ir.model.fields",
            "search_read",
            json!([[["model", "in", models], ["index", "=", true]]]),
            json!({"fields": ["model", "name"]}),
        )
        .await?;
    let indexed: BTreeSet<(String, String)> = indexed_rows
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|row| Some((row["model"].as_str()?.into(), row["name"].as_str()?.into())))
        .collect();
    std::fs::create_dir_all(&options.out).map_err(|e| format!("{}: {e}", options.out.display()))?;
    let (mut written, mut problems) = (0, 0);
    for wanted in &catalog {
        let Some(ir_model) = ir_models.get(wanted.model.as_str()) else {
            eprintln!(
                "{}: not on this server (is its module installed?), not written",
                wanted.model
            );
            problems += 1;
            continue;
        };
        let described = odoo
            .execute_kw(
                &wanted.model,
                "fields_get",
                json!([wanted.fields]),
                json!({"attributes": FIELD_ATTRIBUTES}),
            )
            .await?;
        let described = described.as_object().cloned().unwrap_or_default();
        let (file, missing) = catalogue_file(wanted, ir_model, &described, &indexed);
        for name in missing {
            eprintln!("{}.{name}: not on this server, left out", wanted.model);
            problems += 1;
        }
        let path = options.out.join(format!("{}.json", wanted.model));
        let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())? + "\n";
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        written += 1;
    }
    println!(
        "{written} of {} models written to {}; {problems} problems",
        catalog.len(),
        options.out.display()
    );
    Ok(())
}

#[tokio::main]
async fn main() {
    let options = match parse_options() {
        Ok(options) => options,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("capture-catalog: {problem}");
            }
            eprintln!("{USAGE}");
            std::process::exit(if problem.is_empty() { 0 } else { 2 });
        }
    };
    if let Err(problem) = capture(&options).await {
        eprintln!("capture-catalog: {problem}");
        std::process::exit(1);
    }
}

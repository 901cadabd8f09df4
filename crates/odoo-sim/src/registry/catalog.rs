// The model catalogue: what `ir.model` and `fields_get` say about each simulated model, one
// JSON file per model under `catalog/odoo18/`, captured from a real Odoo 18.0 by
// `examples/capture-catalog.rs` and embedded in the binary at build time. Only data lives
// there; what the simulator does with a model is decided in `mod.rs` and `addon.rs`.

use std::sync::LazyLock;

use serde::Deserialize;

use super::{FieldDef, FieldKind, ModelDef};

/// Embeds the catalogue file of each named model of a version's directory, as
/// `(model, file text)`.
macro_rules! catalogue {
    ($version:literal: $($model:literal),* $(,)?) => {
        &[$(($model, include_str!(concat!("../../catalog/", $version, "/", $model, ".json")))),*]
    };
}

/// Every simulated model's file. A file in `catalog/odoo18/` that is not named here is not
/// loaded (a test says so).
static FILES: &[(&str, &str)] = catalogue![
    "odoo18":
    "account.account",
    "account.journal",
    "account.move",
    "account.move.line",
    "account.tax",
    "crm.lead",
    "crm.stage",
    "ir.attachment",
    "ir.config_parameter",
    "ir.model",
    "ir.model.data",
    "ir.model.fields",
    "ir.module.module",
    "mail.message",
    "product.category",
    "product.pricelist",
    "product.pricelist.item",
    "product.product",
    "product.template",
    "quelyos.backup",
    "quelyos.backup.audit",
    "quelyos.backup.schedule",
    "res.company",
    "res.country",
    "res.currency",
    "res.lang",
    "res.partner",
    "res.partner.category",
    "res.users",
    "resource.mixin",
    "sale.advance.payment.inv",
    "sale.order",
    "sale.order.line",
    "sale.report",
    "stock.location",
    "stock.quant",
    "stock.warehouse",
    "uom.category",
    "uom.uom",
];

/// Models Odoo 19 added, captured from a real Odoo 19.0 (`catalog/odoo19/`): a database of
/// the simulator's 19 mode has them, one of its 18 mode does not (see `odoo19.rs`).
static FILES_19: &[(&str, &str)] = catalogue!["odoo19": "stock.reference"];

/// A catalogue file, in Odoo's names: the model's `ir.model` columns, then its fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CapturedModel {
    model: String,
    /// The model's description.
    name: String,
    transient: bool,
    modules: String,
    order: String,
    fields: Vec<CapturedField>,
}

/// One field: the `fields_get` attributes the simulator keeps, and `index` from
/// `ir.model.fields`. Attributes Odoo reports only for some fields are optional.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CapturedField {
    name: String,
    #[serde(rename = "type")]
    type_name: String,
    string: String,
    required: bool,
    readonly: bool,
    store: bool,
    company_dependent: bool,
    sortable: bool,
    groupable: bool,
    searchable: bool,
    index: bool,
    depends: Vec<String>,
    relation: Option<String>,
    relation_field: Option<String>,
    related: Option<String>,
    translate: Option<bool>,
    selection: Option<Vec<(String, String)>>,
    digits: Option<Digits>,
}

/// A float's `digits` as `fields_get` gives them: `[precision, scale]`, or `0` for a float Odoo
/// keeps unrounded (`digits=0`).
#[derive(Deserialize)]
#[serde(untagged)]
enum Digits {
    Rounded(u32, u32),
    Unrounded(u32),
}

/// The models of the catalogue, parsed once for the whole process.
pub(super) fn models() -> &'static [ModelDef] {
    static MODELS: LazyLock<Vec<ModelDef>> = LazyLock::new(|| {
        let files = FILES.iter().map(|file| ("odoo18", file));
        files
            .chain(FILES_19.iter().map(|file| ("odoo19", file)))
            .map(|(version, (model, text))| {
                parse(version, model, text).unwrap_or_else(|problem| panic!("{problem}"))
            })
            .collect()
    });
    &MODELS
}

/// One catalogue file. The files are embedded and checked by the tests, so a problem here is
/// a broken build, reported with the file's name.
fn parse(version: &str, model: &str, text: &str) -> Result<ModelDef, String> {
    let path = format!("catalog/{version}/{model}.json");
    let captured: CapturedModel =
        serde_json::from_str(text).map_err(|error| format!("{path}: {error}"))?;
    if captured.model != model {
        return Err(format!("{path}: describes {} instead", captured.model));
    }
    let fields = captured
        .fields
        .into_iter()
        .map(|field| {
            let kind = FieldKind::from_odoo_name(&field.type_name).ok_or_else(|| {
                let (name, type_name) = (&field.name, &field.type_name);
                format!(
                    "{path}: field {name} has type {type_name}, which the simulator does not \
                     know: add it to FieldKind or leave the field out"
                )
            })?;
            field_def(field, kind).map_err(|problem| format!("{path}: {problem}"))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(ModelDef {
        name: leak(captured.model),
        description: leak(captured.name),
        transient: captured.transient,
        modules: leak(captured.modules),
        order: leak(captured.order),
        fields: fields.leak(),
    })
}

fn field_def(field: CapturedField, kind: FieldKind) -> Result<FieldDef, String> {
    let digits = match field.digits {
        None | Some(Digits::Unrounded(0)) => None,
        Some(Digits::Rounded(_precision, scale)) => Some(scale),
        Some(Digits::Unrounded(other)) => {
            let name = &field.name;
            return Err(format!(
                "field {name} has digits {other}, neither 0 nor a pair"
            ));
        }
    };
    Ok(FieldDef {
        name: leak(field.name),
        kind,
        string: leak(field.string),
        relation: field.relation.map(leak),
        relation_field: field.relation_field.map(leak),
        required: field.required,
        readonly: field.readonly,
        store: field.store,
        company_dependent: field.company_dependent,
        sortable: field.sortable,
        groupable: field.groupable,
        searchable: field.searchable,
        index: field.index,
        related: field.related.map(leak),
        depends: field
            .depends
            .into_iter()
            .map(leak)
            .collect::<Vec<_>>()
            .leak(),
        translate: field.translate,
        selection: field.selection.map(|pairs| {
            pairs
                .into_iter()
                .map(|(value, label)| (leak(value), leak(label)))
                .collect::<Vec<_>>()
                .leak() as &'static [_]
        }),
        digits,
    })
}

/// `models()` loads the catalogue once and keeps it until the process ends, and the registry
/// hands out its names as `&'static str` that records and indexes keep: so its strings are
/// leaked rather than owned.
fn leak(text: String) -> &'static str {
    text.leak()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Each version's directory with the files embedded from it.
    fn catalogues() -> [(&'static str, &'static [(&'static str, &'static str)]); 2] {
        [("odoo18", FILES), ("odoo19", FILES_19)]
    }

    #[test]
    fn every_file_of_the_catalogue_directories_is_embedded() {
        for (version, files) in catalogues() {
            let directory = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("catalog")
                .join(version);
            let mut on_disk: Vec<String> = std::fs::read_dir(directory)
                .unwrap_or_else(|error| panic!("catalog/{version} is readable: {error}"))
                .map(|entry| entry.expect("directory entry").file_name())
                .map(|name| name.to_string_lossy().into_owned())
                .collect();
            on_disk.sort();
            let mut embedded: Vec<String> = files
                .iter()
                .map(|(model, _)| format!("{model}.json"))
                .collect();
            embedded.sort();
            assert_eq!(on_disk, embedded, "catalog/{version}");
        }
    }

    #[test]
    fn every_file_parses_and_names_its_model() {
        for (version, files) in catalogues() {
            for (model, text) in files {
                if let Err(problem) = parse(version, model, text) {
                    panic!("{problem}");
                }
            }
        }
    }

    #[test]
    fn digits_are_a_pair_or_zero_as_fields_get_gives_them() {
        let file = |digits: &str| {
            format!(
                r#"{{"model": "x.y", "name": "X", "modules": "base", "order": "id",
                "transient": false, "fields": [{{"name": "amount", "type": "float",
                "string": "Amount", "required": false, "readonly": false, "store": true,
                "company_dependent": false, "sortable": true, "groupable": true,
                "searchable": true, "index": false, "depends": [], "digits": {digits}}}]}}"#
            )
        };
        let digits =
            |text: &str| parse("odoo18", "x.y", &file(text)).map(|def| def.fields[0].digits);
        assert_eq!(digits("[16, 2]"), Ok(Some(2)));
        assert_eq!(digits("0"), Ok(None));
        assert!(digits("3").is_err());
    }

    /// The capture tool writes sorted keys, two-space indents and a final newline; files kept
    /// in that form diff cleanly against a new capture.
    #[test]
    fn every_file_is_in_the_form_the_capture_tool_writes() {
        for (version, files) in catalogues() {
            for (model, text) in files {
                let value: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
                let canonical = serde_json::to_string_pretty(&value).expect("serializable") + "\n";
                assert!(
                    *text == canonical,
                    "catalog/{version}/{model}.json is not in the capture tool's form: rewrite it \
                     with sorted keys and two-space indents"
                );
            }
        }
    }
}

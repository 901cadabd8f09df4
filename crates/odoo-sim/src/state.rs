//! The database: one table per model (`BTreeMap` by id, so id order walks are cheap), the
//! indexes the ORM needs to stay fast, and the credentials of the users.
//!
//! Everything here is storage; what a call may see or change is decided in `orm.rs` and
//! `rules.rs`. The helper methods on [`Database`] are the documented way for tests to set up or
//! inspect state without going through RPC (and without being counted in the call statistics).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use crate::compute;
use crate::registry::{FieldKind, Registry};

/// One stored row: field name to value as the simulator keeps it. Many2one values are an id
/// or `false`, many2many a list of ids; one2many and attachment-backed binaries are not kept
/// here (they are derived from the other side).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    values: BTreeMap<&'static str, Value>,
    /// Translatable fields' values in the languages other than `en_US` that have one of their
    /// own: field → language → value (Odoo keeps them in the same jsonb column).
    translations: BTreeMap<&'static str, BTreeMap<String, Value>>,
}

impl Record {
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.values.get(field)
    }

    /// The id a many2one holds, if any.
    pub fn many2one(&self, field: &str) -> Option<i64> {
        self.values.get(field).and_then(Value::as_i64)
    }

    /// The ids a many2many holds.
    pub fn many2many(&self, field: &str) -> Vec<i64> {
        match self.values.get(field) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_i64).collect(),
            _ => Vec::new(),
        }
    }

    pub fn text(&self, field: &str) -> Option<&str> {
        self.values.get(field).and_then(Value::as_str)
    }

    pub fn flag(&self, field: &str) -> bool {
        self.values
            .get(field)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    pub fn number(&self, field: &str) -> f64 {
        self.values
            .get(field)
            .and_then(Value::as_f64)
            .unwrap_or(0.0)
    }

    /// Every stored field and its value.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.values.iter().map(|(name, value)| (*name, value))
    }

    pub(crate) fn put(&mut self, field: &'static str, value: Value) {
        self.values.insert(field, value);
    }

    /// A translatable field's own value in `lang` (not `en_US`), if it has one.
    pub fn translation(&self, field: &str, lang: &str) -> Option<&Value> {
        self.translations.get(field)?.get(lang)
    }

    pub(crate) fn put_translation(&mut self, field: &'static str, lang: &str, value: Value) {
        self.translations
            .entry(field)
            .or_default()
            .insert(lang.to_owned(), value);
    }
}

/// The simulated database's state. Shared behind a lock by the server; reach it from tests
/// with [`Simulator::with_db`](crate::Simulator::with_db).
pub struct Database {
    tables: HashMap<&'static str, BTreeMap<i64, Record>>,
    sequences: HashMap<&'static str, i64>,
    /// For each many2one that is the inverse of a one2many: parent id to child ids.
    inverse: HashMap<(&'static str, &'static str), HashMap<i64, BTreeSet<i64>>>,
    /// `(res_model, res_field, res_id)` to the attachment holding that binary field.
    field_attachments: HashMap<(String, String, i64), i64>,
    /// Login to (uid, password).
    pub(crate) passwords: HashMap<String, (i64, String)>,
    /// API key to uid.
    pub(crate) api_keys: HashMap<String, i64>,
    pub(crate) database_uuid: String,
    /// Advances on every write, so `write_date` grows even within one second.
    clock_tick: u64,
    /// Seconds added to the real clock for `create_date` and `write_date`: a test makes data
    /// "yesterday" by setting it back.
    clock_offset: i64,
    /// Optional modules installed (the backup addon): their models exist only once installed.
    installed_modules: BTreeSet<&'static str>,
}

impl Database {
    pub(crate) fn empty() -> Database {
        let registry = Registry::get();
        let mut inverse = HashMap::new();
        for pair in registry.inverse_fields() {
            inverse.insert(pair, HashMap::new());
        }
        Database {
            tables: registry
                .model_names()
                .iter()
                .map(|name| (*name, BTreeMap::new()))
                .collect(),
            sequences: HashMap::new(),
            inverse,
            field_attachments: HashMap::new(),
            passwords: HashMap::new(),
            api_keys: HashMap::new(),
            database_uuid: String::new(),
            clock_tick: 0,
            clock_offset: 0,
            installed_modules: BTreeSet::new(),
        }
    }

    // ---- helpers documented for tests -------------------------------------------------------

    /// Installs the backup addon (`quelyos_tenant_backup`): its models `quelyos.backup`,
    /// `quelyos.backup.schedule` and `quelyos.backup.audit` appear in `ir.model`,
    /// `ir.model.fields` and `fields_get`, and can be read and written. Installing it twice
    /// does nothing.
    pub fn install_backup_addon(&mut self) {
        const MODULE: &str = "quelyos_tenant_backup";
        if self.installed_modules.insert(MODULE) {
            crate::base_data::install_module(self, MODULE);
        }
    }

    /// Makes this an Odoo 19 database: the models Odoo 19 added (`stock.reference`) appear in
    /// `ir.model`, `ir.model.fields` and `fields_get`. Done once, when a 19 simulator starts.
    pub(crate) fn add_odoo19_models(&mut self) {
        if self.installed_modules.insert(Registry::ODOO19) {
            crate::base_data::load_models_of(self, Registry::ODOO19);
        }
    }

    /// Whether the backup addon is installed.
    pub fn backup_addon_installed(&self) -> bool {
        self.installed_modules.contains("quelyos_tenant_backup")
    }

    /// Whether the database has the model: every registered model, except those of optional
    /// modules that are not installed.
    pub fn has_model(&self, model: &str) -> bool {
        let registry = Registry::get();
        registry.model(model).is_some()
            && registry
                .optional_module(model)
                .is_none_or(|module| self.installed_modules.contains(module))
    }

    /// Records of `model` that belong to `company_id`, archived ones included: by `company_id`,
    /// by `company_ids` (`account.account`), by the template's company (`product.product`), by
    /// `record_company_id` (`mail.message`) or by the orders' company (`stock.reference`).
    pub fn count(&self, model: &str, company_id: i64) -> usize {
        let Some(table) = self.tables.get(model) else {
            return 0;
        };
        table
            .values()
            .filter(|record| self.record_company_ids(model, record).contains(&company_id))
            .count()
    }

    /// The companies a record belongs to, as `count` understands it.
    pub(crate) fn record_company_ids(&self, model: &str, record: &Record) -> Vec<i64> {
        match model {
            "account.account" => record.many2many("company_ids"),
            "mail.message" => record.many2one("record_company_id").into_iter().collect(),
            "product.product" => record
                .many2one("product_tmpl_id")
                .and_then(|template| self.get("product.template", template))
                .and_then(|template| template.many2one("company_id"))
                .into_iter()
                .collect(),
            // No company field: the companies of the orders it ties to their transfers.
            "stock.reference" => record
                .many2many("sale_ids")
                .into_iter()
                .filter_map(|order| self.get("sale.order", order)?.many2one("company_id"))
                .collect(),
            _ => record.many2one("company_id").into_iter().collect(),
        }
    }

    /// One record, archived or not, whatever its company.
    pub fn get(&self, model: &str, id: i64) -> Option<&Record> {
        self.tables.get(model)?.get(&id)
    }

    /// Every id of `model`, ascending.
    pub fn ids(&self, model: &str) -> Vec<i64> {
        self.tables
            .get(model)
            .map(|table| table.keys().copied().collect())
            .unwrap_or_default()
    }

    /// Creates a record without any access check, default or RPC accounting: for test setup.
    /// Values use the wire's shapes (many2one as an id, many2many as a list of ids, binaries as
    /// base64); x2many commands are not interpreted. Stored computed fields are computed.
    ///
    /// Panics on an unknown model or field: a test that sets up impossible state is wrong.
    pub fn insert_raw(&mut self, model: &str, values: Value) -> i64 {
        let Value::Object(values) = values else {
            panic!("insert_raw({model}): values must be a JSON object");
        };
        let model = Registry::get()
            .model(model)
            .unwrap_or_else(|| panic!("insert_raw: unknown model {model}"));
        let mut record = Record::default();
        let mut binaries = Vec::new();
        for (name, value) in values {
            let field = model
                .field(&name)
                .unwrap_or_else(|| panic!("insert_raw: unknown field {}.{name}", model.name()));
            if field.in_attachment() {
                binaries.push((field.name, value));
            } else if model.name() == "ir.attachment" && field.name == "datas" {
                for (derived, value) in
                    compute::attachment_content(value.as_str().unwrap_or_default())
                {
                    record.put(derived, value);
                }
            } else if field.kind != FieldKind::One2many && field.store {
                record.put(field.name, value);
            }
        }
        compute::fill_defaults(self, model.name(), &mut record, None);
        let id = self.insert(model.name(), record);
        for (field, value) in binaries {
            compute::write_binary(self, model.name(), id, field, &value, None);
        }
        compute::after_change(self, model.name(), &[id], None);
        id
    }

    /// Sets one field without any access check: for test setup ("damage the tenant") and
    /// inspection. Binary image fields go to their attachment; computed fields that depend on
    /// the value are recomputed.
    ///
    /// Panics on an unknown model, record or field.
    pub fn set_field(&mut self, model: &str, id: i64, field: &str, value: Value) {
        let model = Registry::get()
            .model(model)
            .unwrap_or_else(|| panic!("set_field: unknown model {model}"));
        let field = model
            .field(field)
            .unwrap_or_else(|| panic!("set_field: unknown field {}.{field}", model.name()));
        assert!(
            self.get(model.name(), id).is_some(),
            "set_field: no record {}({id})",
            model.name()
        );
        if field.in_attachment() {
            compute::write_binary(self, model.name(), id, field.name, &value, None);
        } else {
            self.set(model.name(), id, field.name, value);
        }
        compute::after_change(self, model.name(), &[id], None);
    }

    /// Stamps a record's `write_date` with now, as Odoo's ORM does on any write to it: for a
    /// change [`Database::set_field`] makes elsewhere on its behalf (a link written from this
    /// record's side of a many2many).
    pub fn touch(&mut self, model: &str, id: i64) {
        let model = Registry::get()
            .model(model)
            .unwrap_or_else(|| panic!("touch: unknown model {model}"));
        let now = self.now();
        self.set(model.name(), id, "write_date", Value::String(now));
    }

    /// Activates a language (`fr_FR`, `de_DE`), as installing it in Odoo does: calls may then
    /// name it in their context, and translatable fields keep a value in it.
    ///
    /// Panics on a language the simulator does not know.
    pub fn activate_language(&mut self, code: &str) {
        let id = self
            .language_id(code)
            .unwrap_or_else(|| panic!("activate_language: unknown language {code}"));
        self.set("res.lang", id, "active", Value::Bool(true));
    }

    /// Deactivates a language, as archiving it in Odoo does. A database created in French has
    /// English (`en_US`) inactive: calls may still name it, and every write in another language
    /// then sets the source value too (see [`Database::english_active`]).
    ///
    /// Panics on a language the simulator does not know.
    pub fn deactivate_language(&mut self, code: &str) {
        let id = self
            .language_id(code)
            .unwrap_or_else(|| panic!("deactivate_language: unknown language {code}"));
        self.set("res.lang", id, "active", Value::Bool(false));
    }

    /// Whether English is active. When it is not, Odoo keeps a translatable field's source value
    /// in step with every language written ("if 'en_US' is not active, we always write en_US").
    pub fn english_active(&self) -> bool {
        self.language_id("en_US")
            .and_then(|id| self.get("res.lang", id))
            .is_some_and(|lang| lang.flag("active"))
    }

    /// Whether calls may name `code` in their context: `en_US`, or an active language.
    pub fn language_active(&self, code: &str) -> bool {
        code == "en_US"
            || self
                .language_id(code)
                .and_then(|id| self.get("res.lang", id))
                .is_some_and(|lang| lang.flag("active"))
    }

    fn language_id(&self, code: &str) -> Option<i64> {
        self.table("res.lang")
            .iter()
            .find(|(_, lang)| lang.text("code") == Some(code))
            .map(|(id, _)| *id)
    }

    /// Sets a translatable field's value in `lang` without any check, as a user typing in that
    /// language does (`en_US` sets the source value).
    ///
    /// Panics on an unknown model, record or field, a field that is not translatable or a
    /// language that is not active.
    pub fn set_translation(&mut self, model: &str, id: i64, field: &str, lang: &str, value: Value) {
        let model = Registry::get()
            .model(model)
            .unwrap_or_else(|| panic!("set_translation: unknown model {model}"));
        let field = model
            .field(field)
            .unwrap_or_else(|| panic!("set_translation: unknown field {}.{field}", model.name()));
        assert!(
            field.translate == Some(true),
            "set_translation: {}.{} is not translatable",
            model.name(),
            field.name
        );
        assert!(
            self.language_active(lang),
            "set_translation: {lang} is not active"
        );
        assert!(
            self.get(model.name(), id).is_some(),
            "set_translation: no record {}({id})",
            model.name()
        );
        self.put_translation(model.name(), id, field.name, lang, value);
    }

    /// Keeps `value` as the field's value in `lang`; `en_US` is the source value itself.
    pub(crate) fn put_translation(
        &mut self,
        model: &'static str,
        id: i64,
        field: &'static str,
        lang: &str,
        value: Value,
    ) {
        if lang == "en_US" {
            self.set(model, id, field, value);
        } else if let Some(record) = self.tables.get_mut(model).and_then(|t| t.get_mut(&id)) {
            record.put_translation(field, lang, value);
        }
    }

    /// Deletes a record without any check (no cascade): for tests that simulate data loss.
    pub fn remove_raw(&mut self, model: &str, id: i64) -> bool {
        let name = Registry::get().model(model).map(|m| m.name());
        match name {
            Some(name) => self.remove(name, id).is_some(),
            None => false,
        }
    }

    /// The external id (`module.name`) of a record, if it has one.
    pub fn external_id(&self, model: &str, id: i64) -> Option<String> {
        self.table("ir.model.data")
            .values()
            .find(|row| row.text("model") == Some(model) && row.many2one("res_id") == Some(id))
            .map(|row| {
                format!(
                    "{}.{}",
                    row.text("module").unwrap_or_default(),
                    row.text("name").unwrap_or_default()
                )
            })
    }

    /// The record an external id names, if any.
    pub fn resolve_external_id(&self, full_name: &str) -> Option<(String, i64)> {
        let (module, name) = full_name.split_once('.')?;
        self.table("ir.model.data")
            .values()
            .find(|row| row.text("module") == Some(module) && row.text("name") == Some(name))
            .and_then(|row| Some((row.text("model")?.to_owned(), row.many2one("res_id")?)))
    }

    /// The base64 content of a binary field kept in an attachment (`image_1920`, ...).
    pub fn binary(&self, model: &str, id: i64, field: &str) -> Option<&str> {
        let attachment = self.field_attachment(model, field, id)?;
        self.get("ir.attachment", attachment)?.text("datas")
    }

    // ---- storage used by the ORM -------------------------------------------------------------

    pub(crate) fn table(&self, model: &str) -> &BTreeMap<i64, Record> {
        static EMPTY: BTreeMap<i64, Record> = BTreeMap::new();
        self.tables.get(model).unwrap_or(&EMPTY)
    }

    pub(crate) fn next_id(&mut self, model: &'static str) -> i64 {
        let next = self.sequences.entry(model).or_insert(0);
        *next += 1;
        *next
    }

    /// Ensures the next id given out for `model` is above `id` (base data with fixed ids).
    pub(crate) fn bump_sequence(&mut self, model: &'static str, id: i64) {
        let next = self.sequences.entry(model).or_insert(0);
        *next = (*next).max(id);
    }

    pub(crate) fn insert(&mut self, model: &'static str, record: Record) -> i64 {
        let id = self.next_id(model);
        self.insert_with_id(model, id, record);
        id
    }

    pub(crate) fn insert_with_id(&mut self, model: &'static str, id: i64, mut record: Record) {
        record.put("id", Value::from(id));
        self.bump_sequence(model, id);
        for ((indexed_model, field), index) in self.inverse.iter_mut() {
            if *indexed_model == model
                && let Some(parent) = record.many2one(field)
            {
                index.entry(parent).or_default().insert(id);
            }
        }
        if model == "ir.attachment"
            && let Some(key) = attachment_key(&record)
        {
            self.field_attachments.insert(key, id);
        }
        self.tables.entry(model).or_default().insert(id, record);
    }

    pub(crate) fn set(&mut self, model: &'static str, id: i64, field: &'static str, value: Value) {
        let Some(record) = self.tables.get_mut(model).and_then(|t| t.get_mut(&id)) else {
            return;
        };
        if let Some(index) = self.inverse.get_mut(&(model, field)) {
            if let Some(old) = record.many2one(field)
                && let Some(children) = index.get_mut(&old)
            {
                children.remove(&id);
            }
            if let Some(new) = value.as_i64() {
                index.entry(new).or_default().insert(id);
            }
        }
        let old_key = (model == "ir.attachment")
            .then(|| attachment_key(record))
            .flatten();
        record.put(field, value);
        if model == "ir.attachment" {
            let new_key = attachment_key(record);
            if old_key != new_key {
                if let Some(old_key) = old_key {
                    self.field_attachments.remove(&old_key);
                }
                if let Some(new_key) = new_key {
                    self.field_attachments.insert(new_key, id);
                }
            }
        }
    }

    pub(crate) fn remove(&mut self, model: &'static str, id: i64) -> Option<Record> {
        let record = self.tables.get_mut(model)?.remove(&id)?;
        for ((indexed_model, field), index) in self.inverse.iter_mut() {
            if *indexed_model == model
                && let Some(parent) = record.many2one(field)
                && let Some(children) = index.get_mut(&parent)
            {
                children.remove(&id);
            }
        }
        if model == "ir.attachment"
            && let Some(key) = attachment_key(&record)
        {
            self.field_attachments.remove(&key);
        }
        Some(record)
    }

    /// Children of `parent` through an indexed many2one (`sale.order.line.order_id`, ...),
    /// ascending; `None` when that many2one is not indexed.
    pub(crate) fn children(
        &self,
        comodel: &str,
        inverse_field: &str,
        parent: i64,
    ) -> Option<Vec<i64>> {
        let index = self
            .inverse
            .iter()
            .find(|((m, f), _)| *m == comodel && *f == inverse_field)
            .map(|(_, index)| index)?;
        Some(
            index
                .get(&parent)
                .map(|set| set.iter().copied().collect())
                .unwrap_or_default(),
        )
    }

    pub(crate) fn field_attachment(&self, model: &str, field: &str, id: i64) -> Option<i64> {
        self.field_attachments
            .get(&(model.to_owned(), field.to_owned(), id))
            .copied()
    }

    /// "YYYY-MM-DD HH:MM:SS" now, in UTC, as Odoo stores datetimes.
    pub(crate) fn now(&mut self) -> String {
        self.clock_tick += 1;
        crate::clock::utc_now_text_shifted(self.clock_offset)
    }

    /// Dates the writes that follow `seconds` away from now (negative: in the past), as a
    /// server whose data was written earlier.
    pub fn set_clock_offset(&mut self, seconds: i64) {
        self.clock_offset = seconds;
    }
}

fn attachment_key(record: &Record) -> Option<(String, String, i64)> {
    let field = record.text("res_field")?;
    let model = record.text("res_model")?;
    let id = record.many2one("res_id")?;
    Some((model.to_owned(), field.to_owned(), id))
}

//! The typed calls a backup tool makes, over whichever protocol the server speaks.

use std::collections::HashMap;
use std::sync::Arc;

use futures::Stream;
use serde_json::{Map, Value, json};

use crate::config::{ClientConfig, Credential, Protocol, RetryPolicy};
use crate::domain::{Context, Domain};
use crate::error::{CallSite, OdooError};
use crate::fields::{FIELD_ATTRIBUTES, Fields};
use crate::transport::{Call, ServerVersion, SharedWire, Wire};

/// One record as Odoo returns it: field name to JSON value. Many2one values come as
/// `[id, "display name"]` or `false`, x2many as lists of ids, binaries as base64 or `false`.
pub type Record = Map<String, Value>;

/// Whether a failed call may be sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// Changes nothing: retried with backoff on transient failures.
    Read,
    /// Changes data: repeated only when the request provably never reached the server.
    Write,
}

/// Ordering and paging of a search.
#[derive(Clone, Debug, Default)]
pub struct SearchOptions {
    /// Odoo's `order` clause, e.g. `"id"` or `"name desc, id"`.
    pub order: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    /// Many2one values as bare ids instead of `[id, "name"]` (Odoo's `load: ""`): Odoo then
    /// skips computing a display name for every reference, which halves the time of a page on
    /// Odoo 18. Only `search_read` heeds it.
    pub bare_many2one: bool,
}

impl SearchOptions {
    pub fn ordered_by(order: impl Into<String>) -> Self {
        SearchOptions {
            order: Some(order.into()),
            ..SearchOptions::default()
        }
    }

    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Many2one values come as bare ids (see [`SearchOptions::bare_many2one`]).
    pub fn bare_many2one(mut self) -> Self {
        self.bare_many2one = true;
        self
    }

    fn write_into(&self, kwargs: &mut Map<String, Value>) {
        if let Some(order) = &self.order {
            kwargs.insert("order".into(), json!(order));
        }
        if let Some(limit) = self.limit {
            kwargs.insert("limit".into(), json!(limit));
        }
        if let Some(offset) = self.offset {
            kwargs.insert("offset".into(), json!(offset));
        }
    }
}

/// What `fields_get` is asked beyond [`FIELD_ATTRIBUTES`].
#[derive(Clone, Copy, Debug, Default)]
pub struct FieldsGetOptions {
    /// `model_field`: the field naming the model of a many2one_reference
    /// ([`FieldInfo::model_field`](crate::FieldInfo::model_field)).
    pub model_field: bool,
}

/// Paging of a concurrent read.
#[derive(Clone, Copy, Debug)]
pub struct PageOptions {
    /// Records per request.
    pub batch_size: u64,
    /// Requests in flight at once.
    pub concurrency: usize,
}

impl Default for PageOptions {
    fn default() -> Self {
        PageOptions {
            batch_size: 500,
            concurrency: 4,
        }
    }
}

/// An external id as Odoo spells it: `module.name`.
pub type ExternalId = String;

/// How many ids go into one `ir.model.data` lookup.
const EXTERNAL_ID_CHUNK: usize = 1000;

/// A logged-in connection to one Odoo database. Cheap to clone; clones share the connection.
///
/// Every call carries this client's [`Context`]; pin it to a tenant with
/// [`OdooClient::with_context`]`(Context::company(id))` so that no call can see another
/// company's records through a default.
#[derive(Clone)]
pub struct OdooClient {
    wire: SharedWire,
    version: ServerVersion,
    context: Context,
    retry: RetryPolicy,
}

impl std::fmt::Debug for OdooClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OdooClient")
            .field("version", &self.version.server_version)
            .field("protocol", &self.wire.protocol())
            .field("uid", &self.wire.uid())
            .field("context", &self.context)
            .finish()
    }
}

impl OdooClient {
    /// Asks the server's version (no login needed), detects the protocol unless the
    /// configuration names one, and logs in.
    pub async fn connect(config: ClientConfig) -> Result<OdooClient, OdooError> {
        let http = Wire::http_client(&config)?;
        let version = with_retries(&config.retry, CallKind::Read, || {
            Wire::fetch_version(&http, &config.url)
        })
        .await?;
        let protocol = config
            .protocol
            .unwrap_or_else(|| detect_protocol(&version, &config.credential));
        if protocol == Protocol::Json2 && version.major < 19 {
            return Err(OdooError::Unsupported(format!(
                "the JSON-2 protocol needs Odoo 19 or later; this server is {}: use jsonrpc or web-session",
                version.server_version
            )));
        }
        let wire = with_retries(&config.retry, CallKind::Read, || {
            Wire::open(http.clone(), &config, protocol)
        })
        .await?;
        tracing::debug!(version = %version.server_version, %protocol, uid = wire.uid(), "connected to Odoo");
        Ok(OdooClient {
            wire: Arc::new(wire),
            version,
            context: Context::new(),
            retry: config.retry,
        })
    }

    /// The server's version, without logging in (for health checks).
    pub async fn probe_version(config: &ClientConfig) -> Result<ServerVersion, OdooError> {
        let http = Wire::http_client(config)?;
        Wire::fetch_version(&http, &config.url).await
    }

    pub fn server_version(&self) -> &ServerVersion {
        &self.version
    }

    pub fn protocol(&self) -> Protocol {
        self.wire.protocol()
    }

    /// The id of the logged-in user.
    pub fn uid(&self) -> i64 {
        self.wire.uid()
    }

    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The same connection with another context on every call.
    pub fn with_context(&self, context: Context) -> OdooClient {
        OdooClient {
            context,
            ..self.clone()
        }
    }

    /// Any public model method. `ids` is given for record methods. Prefer the typed calls below.
    pub async fn call(
        &self,
        model: &str,
        method: &str,
        ids: Option<&[i64]>,
        kwargs: Map<String, Value>,
        kind: CallKind,
    ) -> Result<Value, OdooError> {
        self.call_with(model, method, ids, Vec::new(), kwargs, kind)
            .await
    }

    async fn call_with(
        &self,
        model: &str,
        method: &str,
        ids: Option<&[i64]>,
        leading: Vec<(&'static str, Value)>,
        kwargs: Map<String, Value>,
        kind: CallKind,
    ) -> Result<Value, OdooError> {
        let call = Call {
            site: CallSite::new(model, method),
            ids,
            leading,
            kwargs,
            context: self.context.to_json(),
        };
        with_retries(&self.retry, kind, || self.wire.execute(&call)).await
    }

    /// The model's fields with the attributes in [`FIELD_ATTRIBUTES`].
    pub async fn fields_get(&self, model: &str) -> Result<Fields, OdooError> {
        self.fields_get_with(model, &FieldsGetOptions::default())
            .await
    }

    /// The model's fields with the attributes in [`FIELD_ATTRIBUTES`] and those `options` add.
    pub async fn fields_get_with(
        &self,
        model: &str,
        options: &FieldsGetOptions,
    ) -> Result<Fields, OdooError> {
        let mut attributes = FIELD_ATTRIBUTES.to_vec();
        if options.model_field {
            attributes.push("model_field");
        }
        let mut kwargs = Map::new();
        kwargs.insert("attributes".into(), json!(attributes));
        let value = self
            .call(model, "fields_get", None, kwargs, CallKind::Read)
            .await?;
        decode(model, "fields_get", value)
    }

    pub async fn search_count(&self, model: &str, domain: &Domain) -> Result<u64, OdooError> {
        let mut kwargs = Map::new();
        kwargs.insert("domain".into(), json!(domain));
        let value = self
            .call(model, "search_count", None, kwargs, CallKind::Read)
            .await?;
        decode(model, "search_count", value)
    }

    pub async fn search(
        &self,
        model: &str,
        domain: &Domain,
        options: &SearchOptions,
    ) -> Result<Vec<i64>, OdooError> {
        let mut kwargs = Map::new();
        kwargs.insert("domain".into(), json!(domain));
        options.write_into(&mut kwargs);
        let value = self
            .call(model, "search", None, kwargs, CallKind::Read)
            .await?;
        decode(model, "search", value)
    }

    /// One page of records. `fields` empty means every field, which is rarely what you want.
    pub async fn search_read(
        &self,
        model: &str,
        domain: &Domain,
        fields: &[String],
        options: &SearchOptions,
    ) -> Result<Vec<Record>, OdooError> {
        let mut kwargs = Map::new();
        kwargs.insert("domain".into(), json!(domain));
        kwargs.insert("fields".into(), json!(fields));
        options.write_into(&mut kwargs);
        if options.bare_many2one {
            kwargs.insert("load".into(), json!(""));
        }
        let value = self
            .call(model, "search_read", None, kwargs, CallKind::Read)
            .await?;
        into_records(model, "search_read", value)
    }

    /// The records with these ids that exist and that this context may see, in id order,
    /// many2one values as bare ids. A search by id rather than a `read`: ids that no longer
    /// exist or that belong to another company are left out at no cost (Odoo 18 spends two
    /// queries on each missing id a `read` names), and attachments that hold binary fields are
    /// shown, which a plain search hides.
    pub async fn search_read_ids(
        &self,
        model: &str,
        ids: &[i64],
        fields: &[String],
    ) -> Result<Vec<Record>, OdooError> {
        self.search_read(
            model,
            &Domain::leaf("id", "in", json!(ids)),
            fields,
            &SearchOptions::ordered_by("id").bare_many2one(),
        )
        .await
    }

    /// Every record matching `domain`, in batches of `batch_size`, walked by ascending id
    /// (`id > last seen`), so records created or deleted meanwhile never make the walk miss or
    /// repeat one that existed throughout. The `id` field is always read. Only an empty batch
    /// ends the walk: `mail.message` and `ir.attachment` drop the records the user may not see
    /// after the limit is applied, so a short batch is not the last one.
    pub fn search_read_batches(
        &self,
        model: &str,
        domain: Domain,
        fields: Vec<String>,
        batch_size: u64,
    ) -> impl Stream<Item = Result<Vec<Record>, OdooError>> + Send + 'static {
        let client = self.clone();
        let model = model.to_owned();
        let mut fields = fields;
        if !fields.is_empty() && !fields.iter().any(|field| field == "id") {
            fields.push("id".into());
        }
        let options = SearchOptions::ordered_by("id").limit(batch_size.max(1));
        futures::stream::try_unfold(Some(0_i64), move |last_id| {
            let (client, model, domain, fields, options) = (
                client.clone(),
                model.clone(),
                domain.clone(),
                fields.clone(),
                options.clone(),
            );
            async move {
                let Some(last_id) = last_id else {
                    return Ok(None);
                };
                let page_domain = domain.and(Domain::leaf("id", ">", last_id));
                let batch = client
                    .search_read(&model, &page_domain, &fields, &options)
                    .await?;
                if batch.is_empty() {
                    return Ok(None);
                }
                let next = Some(record_id(&model, batch.last().expect("non-empty batch"))?);
                Ok(Some((batch, next)))
            }
        })
    }

    /// Every record matching `domain`, read `concurrency` pages at a time, pages yielded in
    /// ascending id order. The ids are taken once up front (one `search`), so the walk is a
    /// snapshot: a record deleted meanwhile is simply absent, none is read twice. Memory holds the
    /// id list and at most `concurrency` pages.
    pub fn search_read_concurrent(
        &self,
        model: &str,
        domain: Domain,
        fields: Vec<String>,
        pages: PageOptions,
    ) -> impl Stream<Item = Result<Vec<Record>, OdooError>> + Send + 'static {
        use futures::{StreamExt, TryStreamExt};
        let client = self.clone();
        let model = model.to_owned();
        let fields = Arc::new(fields);
        let batch_size = pages.batch_size.max(1) as usize;
        let concurrency = pages.concurrency.max(1);
        let ids = {
            let (client, model) = (client.clone(), model.clone());
            async move {
                client
                    .search(&model, &domain, &SearchOptions::ordered_by("id"))
                    .await
            }
        };
        futures::stream::once(ids)
            .map_ok(move |ids| {
                let chunks: Vec<Vec<i64>> = ids.chunks(batch_size).map(<[i64]>::to_vec).collect();
                let (client, model, fields) = (client.clone(), model.clone(), fields.clone());
                futures::stream::iter(chunks)
                    .map(move |chunk| {
                        let (client, model, fields) =
                            (client.clone(), model.clone(), fields.clone());
                        async move {
                            let domain = Domain::leaf("id", "in", json!(chunk));
                            let order = SearchOptions::ordered_by("id");
                            client.search_read(&model, &domain, &fields, &order).await
                        }
                    })
                    .buffered(concurrency)
            })
            .try_flatten()
    }

    pub async fn read(
        &self,
        model: &str,
        ids: &[i64],
        fields: &[String],
    ) -> Result<Vec<Record>, OdooError> {
        let mut kwargs = Map::new();
        kwargs.insert("fields".into(), json!(fields));
        let value = self
            .call(model, "read", Some(ids), kwargs, CallKind::Read)
            .await?;
        into_records(model, "read", value)
    }

    /// Creates records in one call; returns their ids in the order given.
    pub async fn create(&self, model: &str, values: Vec<Record>) -> Result<Vec<i64>, OdooError> {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let expected = values.len();
        let vals_list = Value::Array(values.into_iter().map(Value::Object).collect());
        let leading = vec![("vals_list", vals_list)];
        let value = self
            .call_with(model, "create", None, leading, Map::new(), CallKind::Write)
            .await?;
        // Odoo answers a list for a list, but a lone id for a one-element list on some versions.
        let ids: Vec<i64> = match value {
            Value::Number(id) => vec![id.as_i64().unwrap_or_default()],
            other => decode(model, "create", other)?,
        };
        if ids.len() != expected {
            return Err(OdooError::InvalidResponse {
                call: CallSite::new(model, "create"),
                message: format!(
                    "asked to create {expected} records, Odoo returned {} ids",
                    ids.len()
                ),
            });
        }
        Ok(ids)
    }

    /// Writes the same values to every record in `ids`.
    pub async fn write(&self, model: &str, ids: &[i64], values: Record) -> Result<(), OdooError> {
        if ids.is_empty() {
            return Ok(());
        }
        // Positionally, like create's: some models' overrides name it `values`, not `vals`
        // (ir.model.data, res.users on Odoo 18), and refuse it by the other name.
        let leading = vec![("vals", Value::Object(values))];
        self.call_with(
            model,
            "write",
            Some(ids),
            leading,
            Map::new(),
            CallKind::Write,
        )
        .await?;
        Ok(())
    }

    pub async fn unlink(&self, model: &str, ids: &[i64]) -> Result<(), OdooError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.call(model, "unlink", Some(ids), Map::new(), CallKind::Write)
            .await?;
        Ok(())
    }

    /// The external ids (`module.name`) of records, from `ir.model.data`. Records without one are
    /// absent from the map; a record with several gets the one created first.
    pub async fn external_ids(
        &self,
        model: &str,
        ids: &[i64],
    ) -> Result<HashMap<i64, ExternalId>, OdooError> {
        let mut found = HashMap::new();
        let fields = ["module", "name", "res_id"].map(String::from);
        for chunk in ids.chunks(EXTERNAL_ID_CHUNK) {
            let domain =
                Domain::leaf("model", "=", model).and(Domain::leaf("res_id", "in", json!(chunk)));
            let rows = self
                .search_read(
                    "ir.model.data",
                    &domain,
                    &fields,
                    &SearchOptions::ordered_by("id"),
                )
                .await?;
            for row in rows {
                let (Some(module), Some(name), Some(res_id)) = (
                    row.get("module").and_then(Value::as_str),
                    row.get("name").and_then(Value::as_str),
                    row.get("res_id").and_then(Value::as_i64),
                ) else {
                    continue;
                };
                found
                    .entry(res_id)
                    .or_insert_with(|| format!("{module}.{name}"));
            }
        }
        Ok(found)
    }

    /// The records that external ids name: `module.name` to `(model, id)`. Unknown ids are absent.
    pub async fn resolve_external_ids(
        &self,
        names: &[ExternalId],
    ) -> Result<HashMap<ExternalId, (String, i64)>, OdooError> {
        let mut found = HashMap::new();
        let fields = ["module", "name", "model", "res_id"].map(String::from);
        for chunk in names.chunks(EXTERNAL_ID_CHUNK) {
            let domain = chunk
                .iter()
                .filter_map(|full| full.split_once('.'))
                .map(|(module, name)| {
                    Domain::leaf("module", "=", module).and(Domain::leaf("name", "=", name))
                })
                .reduce(Domain::or);
            let Some(domain) = domain else { continue };
            for row in self
                .search_read(
                    "ir.model.data",
                    &domain,
                    &fields,
                    &SearchOptions::ordered_by("id"),
                )
                .await?
            {
                let (Some(module), Some(name), Some(model), Some(res_id)) = (
                    row.get("module").and_then(Value::as_str),
                    row.get("name").and_then(Value::as_str),
                    row.get("model").and_then(Value::as_str),
                    row.get("res_id").and_then(Value::as_i64),
                ) else {
                    continue;
                };
                found.insert(format!("{module}.{name}"), (model.to_owned(), res_id));
            }
        }
        Ok(found)
    }
}

/// JSON-2 where the server has it and the credential is an API key; otherwise the web session
/// for a password (no per-call password hash) and `/jsonrpc` for an API key.
fn detect_protocol(version: &ServerVersion, credential: &Credential) -> Protocol {
    match credential {
        Credential::ApiKey(_) if version.major >= 19 => Protocol::Json2,
        Credential::ApiKey(_) => Protocol::JsonRpc,
        Credential::Password(_) => Protocol::WebSession,
    }
}

fn record_id(model: &str, record: &Record) -> Result<i64, OdooError> {
    record
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| OdooError::InvalidResponse {
            call: CallSite::new(model, "search_read"),
            message: "a record came back without its id".into(),
        })
}

/// The rows of an answer, moved out of it rather than deserialized a second time.
fn into_records(model: &str, method: &str, value: Value) -> Result<Vec<Record>, OdooError> {
    let invalid = |message: &str| OdooError::InvalidResponse {
        call: CallSite::new(model, method),
        message: message.to_owned(),
    };
    let Value::Array(rows) = value else {
        return Err(invalid("the answer is not a list of records"));
    };
    rows.into_iter()
        .map(|row| match row {
            Value::Object(record) => Ok(record),
            _ => Err(invalid("a row of the answer is not a record")),
        })
        .collect()
}

fn decode<T: serde::de::DeserializeOwned>(
    model: &str,
    method: &str,
    value: Value,
) -> Result<T, OdooError> {
    serde_json::from_value(value).map_err(|error| OdooError::InvalidResponse {
        call: CallSite::new(model, method),
        message: error.to_string(),
    })
}

/// Runs `attempt` until it succeeds, fails for good, or the policy's attempts are spent.
async fn with_retries<T, F, Fut>(
    policy: &RetryPolicy,
    kind: CallKind,
    mut attempt: F,
) -> Result<T, OdooError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, OdooError>>,
{
    let mut backoff = policy.initial_backoff;
    let mut tries = 1;
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(error) => {
                let may_repeat = match kind {
                    CallKind::Read => error.is_transient(),
                    CallKind::Write => error.write_never_reached_server(),
                };
                if !may_repeat || tries >= policy.max_attempts {
                    return Err(error);
                }
                let jitter = rand::random_range(0.5..1.5);
                let wait = backoff.mul_f64(jitter).min(policy.max_backoff);
                tracing::warn!(%error, attempt = tries, wait_ms = wait.as_millis() as u64, "Odoo call failed; retrying");
                tokio::time::sleep(wait).await;
                backoff = (backoff * 2).min(policy.max_backoff);
                tries += 1;
            }
        }
    }
}

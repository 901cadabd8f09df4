//! An async client for Odoo's external APIs, built for tools that read or write one company's
//! data at a time.
//!
//! It speaks the three ways in: JSON-2 (`/json/2/<model>/<method>`, Odoo 19+, API key),
//! `/jsonrpc` `execute_kw` (Odoo 8-19) and the web session (`/web/session/authenticate` then
//! `/web/dataset/call_kw`, which skips the per-call password check). The protocol is detected
//! from the server's version unless configured. Every call carries a [`Context`]; pin it to a
//! company so that nothing is read or written outside that tenant because of a default.
//!
//! ```no_run
//! # async fn example() -> Result<(), odoo_client::OdooError> {
//! use futures::TryStreamExt;
//! use odoo_client::{ClientConfig, Context, Credential, Domain, OdooClient, Secret};
//!
//! let config = ClientConfig::new(
//!     "http://127.0.0.1:8069".parse().unwrap(),
//!     "prod",
//!     "admin",
//!     Credential::Password(Secret::new("admin")),
//! );
//! let client = OdooClient::connect(config).await?;
//! let tenant = client.with_context(Context::company(3).with_archived());
//! let mut pages = std::pin::pin!(tenant.search_read_batches(
//!     "res.partner",
//!     Domain::leaf("company_id", "=", 3),
//!     vec!["name".into()],
//!     500,
//! ));
//! while let Some(page) = pages.try_next().await? {
//!     println!("{} partners", page.len());
//! }
//! # Ok(())
//! # }
//! ```

mod client;
mod config;
mod domain;
mod error;
mod fields;
mod transport;
pub mod value;

pub use client::{
    CallKind, ExternalId, FieldsGetOptions, OdooClient, PageOptions, Record, SearchOptions,
};
pub use config::{ClientConfig, Credential, Protocol, RetryPolicy, Secret};
pub use domain::{Context, Domain};
pub use error::{CallSite, OdooError};
pub use fields::{FIELD_ATTRIBUTES, FieldInfo, FieldType, Fields};
pub use transport::ServerVersion;

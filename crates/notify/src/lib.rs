//! E-mail notices of tenant backups, sent over SMTP.
//!
//! A [`Notice`] says how one backup went: [`Notice::Success`] (date, size, records, file, next
//! run) or [`Notice::Failure`] (date, the error, what to check). [`render`] writes it in French
//! (the default) or English as a subject, a plain-text part and an HTML part; it is pure, and
//! every value it interpolates into HTML is escaped. A [`Notifier`] sends it through the
//! configured SMTP server (lettre, with STARTTLS or TLS) to the schedule's address or else to
//! the default recipient, as one `multipart/alternative` message.
//!
//! Sending needs nothing from Odoo, so a failure notice goes out even when Odoo is down. A
//! notice that cannot be sent returns a [`NotifyError`] naming the server as `host:port` and what
//! to check; it never carries the password ([`Secret`] prints `****`), and it must never fail
//! the backup it is about: the caller logs it.
//!
//! ```no_run
//! # async fn example() -> Result<(), backup_notify::NotifyError> {
//! use std::time::Duration;
//!
//! use backup_notify::{Lang, Notice, Notifier, Secret, SmtpSecurity, SmtpSettings};
//! use chrono::{TimeZone, Utc};
//!
//! let settings = SmtpSettings {
//!     host: "smtp.example.com".to_owned(),
//!     port: 587,
//!     security: SmtpSecurity::StartTls,
//!     username: Some("backups@example.com".to_owned()),
//!     password: Some(Secret::new("app-password")),
//!     from: "Sauvegardes Odoo <backups@example.com>".to_owned(),
//!     default_to: Some("admin@example.com".to_owned()),
//!     timeout: Duration::from_secs(30),
//! };
//! let notifier = Notifier::new(settings)?.with_language(Lang::Fr);
//!
//! let paris = chrono_tz::Europe::Paris;
//! let notice = Notice::Success {
//!     tenant_name: "Boutique Sport".to_owned(),
//!     tenant_code: "boutique-sport".to_owned(),
//!     finished_at: Utc.with_ymd_and_hms(2026, 1, 30, 16, 42, 20).unwrap().with_timezone(&paris),
//!     size_bytes: 1_400_000,
//!     records: 29_494,
//!     file_name: "backup_boutique-sport_20260130_164220.zip".to_owned(),
//!     next_run: None,
//! };
//! // Subject "Sauvegarde réussie — Boutique Sport", to the schedule's address.
//! notifier.send(&notice, Some("sport@example.com")).await?;
//! # Ok(())
//! # }
//! ```

mod error;
mod notice;
mod render;
mod send;
mod settings;

pub use error::{AddressRole, NotifyError};
pub use notice::{Lang, Notice, UnknownLang};
pub use render::{RenderedMail, render};
pub use send::Notifier;
pub use settings::{Secret, SmtpSecurity, SmtpSettings, UnknownSmtpSecurity};

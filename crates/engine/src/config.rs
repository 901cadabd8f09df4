//! Settings: command-line flags over environment variables over a TOML file.
//!
//! The file has one table per part of the product. This crate reads `[odoo]` and `[backup]`;
//! other tables (`[service]`, `[store]`, `[smtp]`, added by the service) are left to their
//! readers, so one file configures everything:
//!
//! ```toml
//! [odoo]
//! url = "https://erp.example.com"
//! database = "prod"
//! login = "backup@example.com"
//! api_key = "…"            # or password = "…"; ODOO_API_KEY / ODOO_PASSWORD win over these
//! protocol = "jsonrpc"     # optional: json2, jsonrpc, web-session; detected when unset
//!
//! [backup]
//! concurrency = 4
//! optional_models = ["account.analytic.applicability"]
//!
//! [encryption]             # archives encrypted with age; absent: stored in clear
//! identity_file = "/etc/tenant-backup/age.key"   # `tenant-backup keygen`; owner-only
//! recipients = ["age1…"]   # more recipients, e.g. an offline escrow key
//!
//! [signing]                # archives signed with minisign
//! key_file = "/etc/tenant-backup/signing.key"    # `tenant-backup keygen --signing`; owner-only
//! trusted_keys = ["RW…"]   # more keys whose archives a restore accepts
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use odoo_client::{ClientConfig, Credential, Protocol, Secret};
use serde::Deserialize;

use crate::export::BackupOptions;
use crate::incremental::IncrementalOptions;
use crate::protection::{ArchiveKeys, EncryptionSection, KeyFileError, SigningSection};

/// The configuration file, as far as this crate reads it.
/// Unknown tables and keys are refused (`deny_unknown_fields`), so that a misspelt setting
/// is an error rather than a default silently left in force.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub odoo: OdooSection,
    #[serde(default)]
    pub backup: BackupSection,
    #[serde(default)]
    pub encryption: EncryptionSection,
    #[serde(default)]
    pub signing: SigningSection,
    /// The sidecar service's tables: read and checked by the service.
    #[serde(default)]
    pub service: Option<toml::Table>,
    #[serde(default)]
    pub store: Option<toml::Table>,
    #[serde(default)]
    pub smtp: Option<toml::Table>,
}

#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OdooSection {
    pub url: Option<String>,
    #[serde(alias = "db")]
    pub database: Option<String>,
    pub login: Option<String>,
    pub password: Option<String>,
    pub api_key: Option<String>,
    pub protocol: Option<String>,
    /// Seconds allowed for one request.
    pub timeout_secs: Option<u64>,
}

impl std::fmt::Debug for OdooSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OdooSection")
            .field("url", &self.url)
            .field("database", &self.database)
            .field("login", &self.login)
            .field("password", &self.password.as_ref().map(|_| "****"))
            .field("api_key", &self.api_key.as_ref().map(|_| "****"))
            .field("protocol", &self.protocol)
            .finish()
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupSection {
    pub concurrency: Option<usize>,
    pub batch_size: Option<usize>,
    pub binary_batch_size: Option<usize>,
    pub binary_batch_bytes: Option<u64>,
    /// Replaces the default list of optional models.
    pub optional_models: Option<Vec<String>>,
    pub compression_level: Option<i64>,
    /// Default output directory of `backup`.
    pub out_dir: Option<PathBuf>,
    /// Days after which an incremental backup reads the whole tenant again (default 7).
    pub full_read_days: Option<i64>,
    /// Minutes before the previous backup's start from which records count as maybe written
    /// since (clock skew, long transactions; default 60).
    pub write_date_margin_minutes: Option<i64>,
}

/// Values given on the command line; they win over everything else.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub url: Option<String>,
    pub database: Option<String>,
    pub login: Option<String>,
    pub protocol: Option<String>,
    pub concurrency: Option<usize>,
}

/// Everything a backup needs, resolved.
#[derive(Clone, Debug)]
pub struct Settings {
    pub client: ClientConfig,
    pub backup: BackupOptions,
    pub out_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{setting} is not set: {how}")]
    Missing {
        setting: &'static str,
        how: &'static str,
    },

    #[error("{setting}: {reason}")]
    Invalid {
        setting: &'static str,
        reason: String,
    },

    #[error("configuration file {path}: {reason}")]
    File { path: PathBuf, reason: String },

    #[error(transparent)]
    Keys(#[from] KeyFileError),
}

/// Reads the file named by the overrides or `BACKUP_CONFIG` (none is fine), then resolves every
/// setting: flag, else environment variable, else file.
pub fn load(
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, ConfigError> {
    let env = |name: &str| env(name).filter(|value| !value.trim().is_empty());
    let path = overrides
        .config_file
        .clone()
        .or_else(|| env("BACKUP_CONFIG").map(PathBuf::from));
    let file = match &path {
        Some(path) => read_file(path)?,
        None => ConfigFile::default(),
    };
    resolve(overrides, &env, file)
}

/// Reads a configuration file.
pub fn read_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::File {
        path: path.to_owned(),
        reason: error.to_string(),
    })?;
    toml::from_str(&text).map_err(|error| ConfigError::File {
        path: path.to_owned(),
        reason: error.to_string(),
    })
}

fn resolve(
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
    file: ConfigFile,
) -> Result<Settings, ConfigError> {
    let odoo = file.odoo;
    let url = overrides.url.clone().or_else(|| env("ODOO_URL")).or(odoo.url).ok_or(ConfigError::Missing {
        setting: "the Odoo URL",
        how: "pass --url, set ODOO_URL, or set url in the [odoo] table of the configuration file (--config or BACKUP_CONFIG)",
    })?;
    let url = url.parse().map_err(|error| ConfigError::Invalid {
        setting: "the Odoo URL",
        reason: format!("{url:?} is not a URL: {error}"),
    })?;
    let database = overrides.database.clone().or_else(|| env("ODOO_DB")).or(odoo.database).ok_or(ConfigError::Missing {
        setting: "the Odoo database",
        how: "pass --db, set ODOO_DB, or set database in the [odoo] table of the configuration file",
    })?;
    let login = overrides.login.clone().or_else(|| env("ODOO_LOGIN")).or(odoo.login).ok_or(ConfigError::Missing {
        setting: "the Odoo login",
        how: "pass --login, set ODOO_LOGIN, or set login in the [odoo] table of the configuration file",
    })?;
    let protocol = match overrides
        .protocol
        .clone()
        .or_else(|| env("ODOO_PROTOCOL"))
        .or(odoo.protocol)
    {
        Some(text) => Some(
            text.parse::<Protocol>()
                .map_err(|reason| ConfigError::Invalid {
                    setting: "the Odoo protocol",
                    reason,
                })?,
        ),
        None => None,
    };
    let password = env("ODOO_PASSWORD").or(odoo.password);
    let api_key = env("ODOO_API_KEY").or(odoo.api_key);
    // The web session (password) is the fastest way in on Odoo 16-18; JSON-2 needs the key.
    let credential = match (protocol, password, api_key) {
        (Some(Protocol::Json2), _, Some(key)) => Credential::ApiKey(Secret::new(key)),
        (Some(Protocol::WebSession), Some(password), _) => {
            Credential::Password(Secret::new(password))
        }
        (None | Some(Protocol::JsonRpc), Some(password), _) => {
            Credential::Password(Secret::new(password))
        }
        (_, _, Some(key)) => Credential::ApiKey(Secret::new(key)),
        (_, Some(password), None) => Credential::Password(Secret::new(password)),
        (_, None, None) => {
            return Err(ConfigError::Missing {
                setting: "the Odoo password or API key",
                how: "set ODOO_PASSWORD or ODOO_API_KEY, or password / api_key in the [odoo] table of the configuration file",
            });
        }
    };
    let mut client = ClientConfig::new(url, database, login, credential);
    client.protocol = protocol;
    if let Some(seconds) = odoo.timeout_secs {
        client.request_timeout = Duration::from_secs(seconds.max(1));
    }

    let keys = load_keys(env, file.encryption, file.signing)?;
    let section = file.backup;
    let defaults = BackupOptions::default();
    let backup = BackupOptions {
        concurrency: overrides
            .concurrency
            .or(section.concurrency)
            .unwrap_or(defaults.concurrency)
            .max(1),
        batch_size: section.batch_size.unwrap_or(defaults.batch_size).max(1),
        binary_batch_size: section
            .binary_batch_size
            .unwrap_or(defaults.binary_batch_size)
            .max(1),
        binary_batch_bytes: section
            .binary_batch_bytes
            .unwrap_or(defaults.binary_batch_bytes)
            .max(1),
        optional_models: section.optional_models.unwrap_or(defaults.optional_models),
        compression_level: section
            .compression_level
            .unwrap_or(defaults.compression_level),
        keys,
        incremental: IncrementalOptions {
            previous: None,
            full_read_every: section
                .full_read_days
                .map_or(defaults.incremental.full_read_every, chrono::Duration::days),
            margin: section
                .write_date_margin_minutes
                .map_or(defaults.incremental.margin, chrono::Duration::minutes),
        },
    };
    if backup.incremental.full_read_every < chrono::Duration::zero()
        || backup.incremental.margin < chrono::Duration::zero()
    {
        return Err(ConfigError::Invalid {
            setting: "[backup] full_read_days / write_date_margin_minutes",
            reason: "must not be negative (0 days: every backup reads the whole tenant)".into(),
        });
    }
    if !(0..=9).contains(&backup.compression_level) {
        return Err(ConfigError::Invalid {
            setting: "[backup] compression_level",
            reason: format!("{} is not a deflate level (0-9)", backup.compression_level),
        });
    }
    Ok(Settings {
        client,
        backup,
        out_dir: section.out_dir,
    })
}

/// The archive keys of the `[encryption]` and `[signing]` tables, with the environment's
/// `BACKUP_AGE_IDENTITY_FILE`, `BACKUP_AGE_RECIPIENTS`, `BACKUP_SIGNING_KEY_FILE` and
/// `BACKUP_TRUSTED_KEYS` (lists separated by commas) winning over them.
pub fn load_keys(
    env: &dyn Fn(&str) -> Option<String>,
    encryption: EncryptionSection,
    signing: SigningSection,
) -> Result<ArchiveKeys, ConfigError> {
    let (encryption, signing) = key_sections(env, encryption, signing);
    Ok(ArchiveKeys::load(&encryption, &signing)?)
}

/// The two tables with the environment's variables applied (see [`load_keys`]).
pub fn key_sections(
    env: &dyn Fn(&str) -> Option<String>,
    mut encryption: EncryptionSection,
    mut signing: SigningSection,
) -> (EncryptionSection, SigningSection) {
    let list = |text: String| -> Vec<String> {
        text.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let env = |name: &str| env(name).filter(|value| !value.trim().is_empty());
    if let Some(path) = env("BACKUP_AGE_IDENTITY_FILE") {
        encryption.identity_file = Some(PathBuf::from(path));
    }
    if let Some(recipients) = env("BACKUP_AGE_RECIPIENTS") {
        encryption.recipients = list(recipients);
    }
    if let Some(path) = env("BACKUP_SIGNING_KEY_FILE") {
        signing.key_file = Some(PathBuf::from(path));
    }
    if let Some(keys) = env("BACKUP_TRUSTED_KEYS") {
        signing.trusted_keys = list(keys);
    }
    (encryption, signing)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn flags_win_over_environment_which_wins_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("backup.toml");
        std::fs::write(
            &path,
            "[odoo]\nurl = \"http://file:8069\"\ndatabase = \"filedb\"\nlogin = \"filelogin\"\npassword = \"x\"\n\
             [backup]\nconcurrency = 2\n[smtp]\nhost = \"mail\"\n",
        )
        .unwrap();
        let overrides = Overrides {
            config_file: Some(path),
            login: Some("flaglogin".into()),
            ..Overrides::default()
        };
        let settings = load(&overrides, &env_of(&[("ODOO_DB", "envdb")])).unwrap();
        assert_eq!(settings.client.url.as_str(), "http://file:8069/");
        assert_eq!(settings.client.database, "envdb");
        assert_eq!(settings.client.login, "flaglogin");
        assert_eq!(settings.backup.concurrency, 2);
    }

    #[test]
    fn a_missing_setting_is_named_with_how_to_set_it() {
        let error = load(
            &Overrides::default(),
            &env_of(&[("ODOO_URL", "http://x:8069"), ("ODOO_DB", "d")]),
        )
        .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("login") && text.contains("ODOO_LOGIN"),
            "{text}"
        );
        let error = load(
            &Overrides::default(),
            &env_of(&[
                ("ODOO_URL", "http://x:8069"),
                ("ODOO_DB", "d"),
                ("ODOO_LOGIN", "a"),
            ]),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("ODOO_PASSWORD or ODOO_API_KEY"),
            "{error}"
        );
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let section = OdooSection {
            password: Some("hunter2".into()),
            api_key: Some("k3y".into()),
            ..OdooSection::default()
        };
        let text = format!("{section:?}");
        assert!(!text.contains("hunter2") && !text.contains("k3y"), "{text}");
    }
}

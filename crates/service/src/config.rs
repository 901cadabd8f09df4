//! The sidecar's configuration: one TOML file and environment variables, environment first.
//!
//! The engine reads the `[odoo]` and `[backup]` tables (and `ODOO_*`); this module composes it
//! with the service's own tables, so one file configures everything:
//!
//! ```toml
//! [odoo]
//! url = "http://odoo:8069"
//! database = "prod"
//! login = "admin"
//! password = "…"                # or api_key; ODOO_PASSWORD / ODOO_API_KEY win
//!
//! [service]
//! listen = "127.0.0.1:8765"     # BACKUPD_LISTEN
//! token = "…"                   # BACKUPD_TOKEN (required: 32 characters at least, e.g. `openssl rand -hex 32`)
//! concurrency = 2               # BACKUPD_CONCURRENCY: jobs of different tenants at once
//! state_dir = "/var/lib/backupd/.state"   # BACKUPD_STATE, default <store>/.state
//! lang = "fr"                   # BACKUPD_LANG: fr or en, the language of the e-mails
//! log_format = "text"           # BACKUPD_LOG_FORMAT: text or json
//! shutdown_grace_secs = 60      # BACKUPD_SHUTDOWN_GRACE
//! time_zone = "Europe/Paris"    # BACKUPD_TIME_ZONE: for schedules without a zone
//!
//! [store]
//! path = "/var/lib/backupd"     # BACKUPD_STORE: the archive directory, the primary copy
//! copy_retry_secs = 60          # BACKUPD_COPY_RETRY_SECS: first wait after a failed copy
//! scrub_hours = 24              # BACKUPD_SCRUB_HOURS: read the buckets' copies back this often
//! scrub_days = 7                # BACKUPD_SCRUB_DAYS: ...those of the backups of the last days
//!
//! [[store.buckets]]             # a copy of every backup elsewhere; BACKUPD_S3_* give one
//! name = "offsite"              # BACKUPD_S3_NAME (default "s3"): in records, logs, errors
//! endpoint = "https://s3.example.com"   # BACKUPD_S3_ENDPOINT; absent: AWS
//! region = "fr-par"             # BACKUPD_S3_REGION (default "us-east-1")
//! bucket = "odoo-backups"       # BACKUPD_S3_BUCKET
//! prefix = "prod/"              # BACKUPD_S3_PREFIX: keys start with it
//! access_key_id = "…"           # BACKUPD_S3_ACCESS_KEY_ID
//! secret_access_key = "…"       # BACKUPD_S3_SECRET_ACCESS_KEY
//! path_style = true             # BACKUPD_S3_PATH_STYLE (default true: Garage, MinIO)
//! part_size_mib = 8             # archives go up in parts of this size (5 at least)
//!
//! [encryption]                  # archives encrypted with age (BACKUP_AGE_*); absent: in clear
//! identity_file = "/etc/backupd/age.key"  # `tenant-backup keygen`, readable by its owner only
//! recipients = ["age1…"]        # more recipients, e.g. an offline escrow key
//!
//! [signing]                     # BACKUP_SIGNING_KEY_FILE, BACKUP_TRUSTED_KEYS
//! key_file = "/etc/backupd/signing.key"   # default <state_dir>/signing.key, made at first start
//! trusted_keys = ["RW…"]        # more keys whose archives a restore accepts
//!
//! [smtp]                        # SMTP_*: no host, no e-mail
//! host = "smtp.example.com"
//! port = 587
//! security = "starttls"         # none, starttls or tls
//! username = "backups@example.com"
//! password = "…"
//! from = "Sauvegardes <backups@example.com>"
//! to = "admin@example.com"      # default recipient when a schedule names none
//! ```

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use backup_engine::BackupOptions;
use backup_engine::config::{self as engine_config, Overrides};
use backup_notify::{Lang, SmtpSecurity, SmtpSettings};
use chrono_tz::Tz;
use odoo_client::{ClientConfig, Credential, Secret};
use serde::Deserialize;

use crate::store::{BucketSettings, DEFAULT_PART_SIZE};

/// The default address: loopback only, so that nothing outside the machine reaches the API
/// unless the operator says so.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8765";
/// Shorter tokens are refused: the token is all that guards the API.
pub const MIN_TOKEN_LENGTH: usize = 32;
/// A token needs this many different characters: `aaaa…` is long but guessable.
const MIN_TOKEN_DISTINCT_CHARACTERS: usize = 10;
/// Words found in example tokens; a token containing one is someone's placeholder.
const PLACEHOLDER_WORDS: &[&str] = &[
    "change-me",
    "changeme",
    "change_me",
    "example",
    "placeholder",
    "your-token",
    "secret-token",
];

/// How the log is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Everything the service needs, resolved and checked.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// How to reach Odoo; `None` only in demo mode until the simulator is started.
    pub odoo: Option<ClientConfig>,
    pub backup: BackupOptions,
    pub listen: SocketAddr,
    pub token: Secret,
    /// Where archives and their records are kept.
    pub store_dir: PathBuf,
    /// Buckets that hold a copy of every backup.
    pub buckets: Vec<BucketSettings>,
    /// How long after a failed copy it is tried again the first time (doubling each time).
    pub copy_retry: Duration,
    /// How often the buckets' copies of recent backups are read back and checked; `None`: never.
    pub scrub_every: Option<Duration>,
    /// How recent a backup must be for the scrub to check its copies.
    pub scrub_days: u32,
    /// Where job states and work files are kept.
    pub state_dir: PathBuf,
    /// Jobs of different tenants running at once.
    pub concurrency: usize,
    /// `None`: no e-mail is sent.
    pub smtp: Option<SmtpSettings>,
    pub lang: Lang,
    pub log_format: LogFormat,
    /// How long running jobs may go on after a shutdown signal before they are interrupted.
    pub shutdown_grace: Duration,
    /// The zone of schedules that name none.
    pub default_time_zone: Tz,
    /// The file read, if any.
    pub config_file: Option<PathBuf>,
    /// The token was generated for this run (demo mode) and must be shown to the user.
    pub generated_token: bool,
    /// The store is a fresh temporary directory of this run (demo mode without a store named by
    /// BACKUPD_STORE or the file): `serve` removes it when it stops, or fails to start.
    pub temporary_store: bool,
    /// No signing key is configured and the state directory has none yet: the service makes
    /// this one when it starts (reading the configuration never writes a file).
    pub signing_key_to_make: Option<PathBuf>,
}

/// What [`load`] is asked for.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// The TOML file; default `$BACKUP_CONFIG`, else none.
    pub config_file: Option<PathBuf>,
    /// Demo mode: Odoo is the built-in simulator (no `ODOO_*` needed), the store defaults to a
    /// fresh temporary directory and the token to a random one.
    pub demo: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Odoo(#[from] engine_config::ConfigError),

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
}

/// The service's tables of the file.
/// Unknown tables and keys are refused (`deny_unknown_fields`): a typo such as `listen_addr`
/// must not leave the default in force unnoticed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceFile {
    /// Read and checked by the engine's configuration.
    #[serde(default)]
    #[allow(dead_code)]
    odoo: Option<toml::Table>,
    /// Read and checked by the engine's configuration.
    #[serde(default)]
    #[allow(dead_code)]
    backup: Option<toml::Table>,
    /// Read and checked by the engine's configuration (the archive keys).
    #[serde(default)]
    #[allow(dead_code)]
    encryption: Option<toml::Table>,
    #[serde(default)]
    #[allow(dead_code)]
    signing: Option<toml::Table>,
    #[serde(default)]
    service: ServiceSection,
    #[serde(default)]
    store: StoreSection,
    #[serde(default)]
    smtp: SmtpSection,
}

#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceSection {
    listen: Option<String>,
    token: Option<String>,
    concurrency: Option<usize>,
    state_dir: Option<PathBuf>,
    lang: Option<String>,
    log_format: Option<String>,
    shutdown_grace_secs: Option<u64>,
    time_zone: Option<String>,
}

impl std::fmt::Debug for ServiceSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceSection")
            .field("listen", &self.listen)
            .field("token", &self.token.as_ref().map(|_| "****"))
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreSection {
    path: Option<PathBuf>,
    copy_retry_secs: Option<u64>,
    scrub_hours: Option<u64>,
    scrub_days: Option<u32>,
    #[serde(default)]
    buckets: Vec<BucketSection>,
}

#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BucketSection {
    name: Option<String>,
    endpoint: Option<String>,
    region: Option<String>,
    bucket: Option<String>,
    prefix: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    path_style: Option<bool>,
    part_size_mib: Option<usize>,
}

impl std::fmt::Debug for BucketSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BucketSection")
            .field("name", &self.name)
            .field("bucket", &self.bucket)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "****"),
            )
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SmtpSection {
    host: Option<String>,
    port: Option<u16>,
    security: Option<String>,
    username: Option<String>,
    password: Option<String>,
    from: Option<String>,
    to: Option<String>,
    timeout_secs: Option<u64>,
}

impl std::fmt::Debug for SmtpSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSection")
            .field("host", &self.host)
            .field("password", &self.password.as_ref().map(|_| "****"))
            .finish_non_exhaustive()
    }
}

/// Reads the file (if any) and the environment, and checks every setting.
pub fn load(
    options: &LoadOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ServiceConfig, ConfigError> {
    let env = |name: &str| env(name).filter(|value| !value.trim().is_empty());
    let config_file = options
        .config_file
        .clone()
        .or_else(|| env("BACKUP_CONFIG").map(PathBuf::from));
    let file = match &config_file {
        Some(path) => read_service_file(path)?,
        None => ServiceFile::default(),
    };

    let (odoo, mut backup) = if options.demo {
        let backup = match &config_file {
            Some(path) => engine_backup_options(path)?,
            None => BackupOptions::default(),
        };
        (None, backup)
    } else {
        let overrides = Overrides {
            config_file: config_file.clone(),
            ..Overrides::default()
        };
        let settings = engine_config::load(&overrides, &env)?;
        (Some(settings.client), settings.backup)
    };

    let service = file.service;
    let listen_text = env("BACKUPD_LISTEN")
        .or(service.listen)
        .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let listen =
        listen_text
            .trim()
            .parse::<SocketAddr>()
            .map_err(|error| ConfigError::Invalid {
                setting: "BACKUPD_LISTEN",
                reason: format!(
                    "{listen_text:?} is not an address:port such as 127.0.0.1:8765 ({error})"
                ),
            })?;

    let (token, generated_token) = match env("BACKUPD_TOKEN").or(service.token) {
        Some(token) => (token.trim().to_owned(), false),
        None if options.demo => (random_token(), true),
        None => {
            return Err(ConfigError::Missing {
                setting: "BACKUPD_TOKEN",
                how: "the API refuses to start without a bearer token; set BACKUPD_TOKEN (for example to the output of `openssl rand -hex 32`) or token in the [service] table, and give the same token to the Odoo addon's settings",
            });
        }
    };
    check_token_strength(&token)?;
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ConfigError::Invalid {
            setting: "BACKUPD_TOKEN",
            reason:
                "the token contains spaces or control characters, which an HTTP header cannot carry"
                    .into(),
        });
    }

    let named_store = env("BACKUPD_STORE").map(PathBuf::from).or(file.store.path);
    let temporary_store = named_store.is_none() && options.demo;
    let store_dir = match named_store {
        Some(path) => path,
        None if options.demo => {
            std::env::temp_dir().join(format!("tenant-backup-demo-{}", std::process::id()))
        }
        None => {
            return Err(ConfigError::Missing {
                setting: "BACKUPD_STORE",
                how: "set BACKUPD_STORE (or path in the [store] table) to the directory that keeps the archives",
            });
        }
    };
    let state_dir = env("BACKUPD_STATE")
        .map(PathBuf::from)
        .or(service.state_dir)
        .unwrap_or_else(|| store_dir.join(".state"));
    let copy_retry = match env("BACKUPD_COPY_RETRY_SECS") {
        Some(text) => match text.trim().parse::<u64>() {
            Ok(secs) if secs > 0 => Duration::from_secs(secs),
            _ => {
                return Err(ConfigError::Invalid {
                    setting: "BACKUPD_COPY_RETRY_SECS",
                    reason: format!("{text:?} is not a number of seconds above 0"),
                });
            }
        },
        None => Duration::from_secs(file.store.copy_retry_secs.unwrap_or(60).max(1)),
    };
    let scrub_hours = match env("BACKUPD_SCRUB_HOURS") {
        Some(text) => text
            .trim()
            .parse::<u64>()
            .map_err(|_| ConfigError::Invalid {
                setting: "BACKUPD_SCRUB_HOURS",
                reason: format!("{text:?} is not a number of hours (0: no scrub)"),
            })?,
        None => file.store.scrub_hours.unwrap_or(0),
    };
    let scrub_every = (scrub_hours > 0).then(|| Duration::from_secs(scrub_hours * 3600));
    let scrub_days = match env("BACKUPD_SCRUB_DAYS") {
        Some(text) => text
            .trim()
            .parse::<u32>()
            .map_err(|_| ConfigError::Invalid {
                setting: "BACKUPD_SCRUB_DAYS",
                reason: format!("{text:?} is not a number of days"),
            })?,
        None => file.store.scrub_days.unwrap_or(7),
    };
    let buckets = bucket_settings(file.store.buckets, &env)?;

    let concurrency = match env("BACKUPD_CONCURRENCY") {
        Some(text) => text
            .trim()
            .parse::<usize>()
            .map_err(|_| ConfigError::Invalid {
                setting: "BACKUPD_CONCURRENCY",
                reason: format!("{text:?} is not a number of jobs"),
            })?,
        None => service.concurrency.unwrap_or(2),
    };
    if concurrency == 0 {
        return Err(ConfigError::Invalid {
            setting: "BACKUPD_CONCURRENCY",
            reason: "0 would never run a job; use 1 or more".into(),
        });
    }

    let lang = match env("BACKUPD_LANG").or(service.lang) {
        Some(text) => text.parse::<Lang>().map_err(|error| ConfigError::Invalid {
            setting: "BACKUPD_LANG",
            reason: error.to_string(),
        })?,
        None => Lang::Fr,
    };
    let log_format = match env("BACKUPD_LOG_FORMAT")
        .or(service.log_format)
        .map(|text| text.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("text") => LogFormat::Text,
        Some("json") => LogFormat::Json,
        Some(other) => {
            return Err(ConfigError::Invalid {
                setting: "BACKUPD_LOG_FORMAT",
                reason: format!("{other:?}: use text or json"),
            });
        }
    };
    let shutdown_grace = match env("BACKUPD_SHUTDOWN_GRACE") {
        Some(text) => {
            Duration::from_secs(text.trim().parse().map_err(|_| ConfigError::Invalid {
                setting: "BACKUPD_SHUTDOWN_GRACE",
                reason: format!("{text:?} is not a number of seconds"),
            })?)
        }
        None => Duration::from_secs(service.shutdown_grace_secs.unwrap_or(60)),
    };
    let default_time_zone = match env("BACKUPD_TIME_ZONE").or(service.time_zone) {
        Some(name) => name
            .trim()
            .parse::<Tz>()
            .map_err(|_| ConfigError::Invalid {
                setting: "BACKUPD_TIME_ZONE",
                reason: format!("{name:?} is not an IANA time zone such as Europe/Paris"),
            })?,
        None => chrono_tz::Europe::Paris,
    };

    let smtp = smtp_settings(file.smtp, &env)?;
    let (keys, signing_key_to_make) = sidecar_keys(config_file.as_deref(), &state_dir, &env)?;
    backup.keys = keys;

    Ok(ServiceConfig {
        odoo,
        backup,
        listen,
        token: Secret::new(token),
        store_dir,
        buckets,
        copy_retry,
        scrub_every,
        scrub_days,
        state_dir,
        concurrency,
        smtp,
        lang,
        log_format,
        shutdown_grace,
        default_time_zone,
        config_file,
        generated_token,
        temporary_store,
        signing_key_to_make,
    })
}

/// The buckets of the file, and the one `BACKUPD_S3_*` describe (which replaces a bucket of the
/// file with the same name).
fn bucket_settings(
    sections: Vec<BucketSection>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<BucketSettings>, ConfigError> {
    let mut buckets = Vec::new();
    for (index, section) in sections.into_iter().enumerate() {
        let name = section
            .name
            .clone()
            .unwrap_or_else(|| format!("bucket{}", index + 1));
        buckets.push(one_bucket(section, name, "[[store.buckets]]")?);
    }
    if env("BACKUPD_S3_BUCKET").is_some() || env("BACKUPD_S3_ENDPOINT").is_some() {
        let path_style = match env("BACKUPD_S3_PATH_STYLE") {
            None => None,
            Some(text) => Some(match text.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => {
                    return Err(ConfigError::Invalid {
                        setting: "BACKUPD_S3_PATH_STYLE",
                        reason: format!("{text:?} is neither true nor false"),
                    });
                }
            }),
        };
        let section = BucketSection {
            name: None,
            endpoint: env("BACKUPD_S3_ENDPOINT"),
            region: env("BACKUPD_S3_REGION"),
            bucket: env("BACKUPD_S3_BUCKET"),
            prefix: env("BACKUPD_S3_PREFIX"),
            access_key_id: env("BACKUPD_S3_ACCESS_KEY_ID"),
            secret_access_key: env("BACKUPD_S3_SECRET_ACCESS_KEY"),
            path_style,
            part_size_mib: None,
        };
        let name = env("BACKUPD_S3_NAME").unwrap_or_else(|| "s3".into());
        buckets.retain(|bucket: &BucketSettings| bucket.name != name);
        buckets.push(one_bucket(section, name, "BACKUPD_S3_*")?);
    }
    let mut names = std::collections::BTreeSet::new();
    for bucket in &buckets {
        if bucket.name == "local" || !names.insert(bucket.name.as_str()) {
            return Err(ConfigError::Invalid {
                setting: "store.buckets",
                reason: format!(
                    "two stores are named {:?} (\"local\" is the store directory's): give each bucket a name of its own",
                    bucket.name
                ),
            });
        }
        if !bucket
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ConfigError::Invalid {
                setting: "store.buckets",
                reason: format!(
                    "bucket name {:?}: use letters, digits, - and _ only",
                    bucket.name
                ),
            });
        }
    }
    Ok(buckets)
}

fn one_bucket(
    section: BucketSection,
    name: String,
    setting: &'static str,
) -> Result<BucketSettings, ConfigError> {
    let missing = |key: &str| ConfigError::Invalid {
        setting,
        reason: format!(
            "bucket {name:?} has no {key}: every bucket needs bucket, access_key_id and secret_access_key (BACKUPD_S3_BUCKET, BACKUPD_S3_ACCESS_KEY_ID, BACKUPD_S3_SECRET_ACCESS_KEY)"
        ),
    };
    let bucket = section.bucket.clone().ok_or_else(|| missing("bucket"))?;
    let access_key_id = section
        .access_key_id
        .clone()
        .ok_or_else(|| missing("access_key_id"))?;
    let secret_access_key = section
        .secret_access_key
        .clone()
        .ok_or_else(|| missing("secret_access_key"))?;
    if let Some(endpoint) = &section.endpoint
        && !(endpoint.starts_with("http://") || endpoint.starts_with("https://"))
    {
        return Err(ConfigError::Invalid {
            setting,
            reason: format!(
                "bucket {name:?}: endpoint {endpoint:?} is not an http:// or https:// URL"
            ),
        });
    }
    let part_size = match section.part_size_mib {
        None => DEFAULT_PART_SIZE,
        Some(mib @ 5..=5_000) => mib * 1024 * 1024,
        Some(other) => {
            return Err(ConfigError::Invalid {
                setting,
                reason: format!(
                    "bucket {name:?}: part_size_mib = {other}: S3 takes parts of 5 to 5,000 MiB"
                ),
            });
        }
    };
    Ok(BucketSettings {
        name,
        part_size,
        endpoint: section.endpoint,
        region: section.region.unwrap_or_else(|| "us-east-1".into()),
        bucket,
        prefix: section.prefix.unwrap_or_default(),
        access_key_id,
        secret_access_key: Secret::new(secret_access_key),
        path_style: section.path_style.unwrap_or(true),
    })
}

fn smtp_settings(
    section: SmtpSection,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<SmtpSettings>, ConfigError> {
    let Some(host) = env("SMTP_HOST").or(section.host) else {
        return Ok(None);
    };
    let security = match env("SMTP_SECURITY").or(section.security) {
        Some(text) => text
            .parse::<SmtpSecurity>()
            .map_err(|error| ConfigError::Invalid {
                setting: "SMTP_SECURITY",
                reason: error.to_string(),
            })?,
        None => SmtpSecurity::StartTls,
    };
    let port = match env("SMTP_PORT") {
        Some(text) => text
            .trim()
            .parse::<u16>()
            .map_err(|_| ConfigError::Invalid {
                setting: "SMTP_PORT",
                reason: format!("{text:?} is not a port number"),
            })?,
        None => section.port.unwrap_or(security.usual_port()),
    };
    let from = env("SMTP_FROM").or(section.from).ok_or(ConfigError::Missing {
        setting: "SMTP_FROM",
        how: "SMTP_HOST is set, so the sender address is needed: set SMTP_FROM (or from in the [smtp] table)",
    })?;
    let username = env("SMTP_USERNAME").or(section.username);
    let password = env("SMTP_PASSWORD").or(section.password);
    if username.is_some() && password.is_none() {
        return Err(ConfigError::Missing {
            setting: "SMTP_PASSWORD",
            how: "SMTP_USERNAME is set, so its password is needed: set SMTP_PASSWORD (or password in the [smtp] table)",
        });
    }
    let mut settings = SmtpSettings::new(host.trim(), from.trim());
    settings.port = port;
    settings.security = security;
    settings.username = username;
    settings.password = password.map(backup_notify::Secret::new);
    settings.default_to = env("SMTP_TO").or(section.to);
    if let Some(seconds) = section.timeout_secs {
        settings.timeout = Duration::from_secs(seconds.max(1));
    }
    Ok(Some(settings))
}

fn read_service_file(path: &Path) -> Result<ServiceFile, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::File {
        path: path.to_owned(),
        reason: error.to_string(),
    })?;
    toml::from_str(&text).map_err(|error| ConfigError::File {
        path: path.to_owned(),
        reason: error.to_string(),
    })
}

/// The archive keys of the file and the environment. Every archive the sidecar makes is
/// signed: without a configured signing key, the sidecar uses `<state_dir>/signing.key`, which
/// the service makes at its first start (returned as the key to make).
fn sidecar_keys(
    config_file: Option<&Path>,
    state_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(backup_engine::ArchiveKeys, Option<PathBuf>), ConfigError> {
    let file = match config_file {
        Some(path) => engine_config::read_file(path)?,
        None => engine_config::ConfigFile::default(),
    };
    let (encryption, mut signing) = engine_config::key_sections(env, file.encryption, file.signing);
    let mut to_make = None;
    if signing.key_file.is_none() {
        let path = state_dir.join(DEFAULT_SIGNING_KEY);
        if path.exists() {
            signing.key_file = Some(path);
        } else {
            to_make = Some(path);
        }
    }
    let keys = backup_engine::ArchiveKeys::load(&encryption, &signing)
        .map_err(engine_config::ConfigError::from)?;
    Ok((keys, to_make))
}

/// The sidecar's own signing key in its state directory, when none is configured.
pub const DEFAULT_SIGNING_KEY: &str = "signing.key";

/// The `[backup]` options of the file, for demo mode where no Odoo settings are read.
fn engine_backup_options(path: &Path) -> Result<BackupOptions, ConfigError> {
    let file = engine_config::read_file(path)?;
    let mut options = BackupOptions::default();
    if let Some(concurrency) = file.backup.concurrency {
        options.concurrency = concurrency.max(1);
    }
    if let Some(batch_size) = file.backup.batch_size {
        options.batch_size = batch_size.max(1);
    }
    if let Some(models) = file.backup.optional_models {
        options.optional_models = models;
    }
    Ok(options)
}

/// Refuses a token that is short, monotonous or a known placeholder.
fn check_token_strength(token: &str) -> Result<(), ConfigError> {
    let advice = "use a random one, for example the output of `openssl rand -hex 32`";
    let invalid = |reason: String| ConfigError::Invalid {
        setting: "BACKUPD_TOKEN",
        reason,
    };
    let length = token.chars().count();
    if length < MIN_TOKEN_LENGTH {
        return Err(invalid(format!(
            "the token has {length} characters; it needs at least {MIN_TOKEN_LENGTH}: {advice}"
        )));
    }
    let distinct = token
        .chars()
        .collect::<std::collections::HashSet<_>>()
        .len();
    if distinct < MIN_TOKEN_DISTINCT_CHARACTERS {
        return Err(invalid(format!(
            "the token uses only {distinct} different characters, which is guessable; {advice}"
        )));
    }
    let lower = token.to_lowercase();
    if let Some(word) = PLACEHOLDER_WORDS.iter().find(|word| lower.contains(*word)) {
        return Err(invalid(format!(
            "the token contains \"{word}\", so it is an example's placeholder, not a secret; {advice}"
        )));
    }
    Ok(())
}

/// A random token of 64 hexadecimal characters.
pub(crate) fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

impl ServiceConfig {
    /// The effective configuration, one setting a line, secrets masked: for `config check`.
    pub fn describe(&self) -> String {
        let mut text = String::new();
        let mut line = |name: &str, value: &dyn std::fmt::Display| {
            let _ = writeln!(text, "{name:<24} {value}");
        };
        let config_file = self
            .config_file
            .as_ref()
            .map(|path| path.display().to_string())
            .unwrap_or_else(|| "(none)".into());
        line("config file", &config_file);
        match &self.odoo {
            Some(odoo) => {
                line("odoo.url", &odoo.url);
                line("odoo.database", &odoo.database);
                line("odoo.login", &odoo.login);
                let credential = match &odoo.credential {
                    Credential::Password(secret) => format!("password {}", mask(secret.expose())),
                    Credential::ApiKey(secret) => format!("api key {}", mask(secret.expose())),
                };
                line("odoo.credential", &credential);
                let protocol = odoo
                    .protocol
                    .map(|protocol| protocol.to_string())
                    .unwrap_or_else(|| "(detected)".into());
                line("odoo.protocol", &protocol);
            }
            None => line("odoo", &"the built-in simulator (demo)"),
        }
        line("listen", &self.listen);
        line("token", &mask(self.token.expose()));
        line("store", &self.store_dir.display());
        for bucket in &self.buckets {
            line(
                &format!("store.{}", bucket.name),
                &format!(
                    "bucket {} at {} (region {}, prefix {:?}, {} addressing), key {}, secret {}",
                    bucket.bucket,
                    bucket.endpoint.as_deref().unwrap_or("AWS"),
                    bucket.region,
                    bucket.prefix,
                    if bucket.path_style {
                        "path-style"
                    } else {
                        "virtual-hosted"
                    },
                    bucket.access_key_id,
                    mask(bucket.secret_access_key.expose()),
                ),
            );
        }
        line("state", &self.state_dir.display());
        line("concurrency", &self.concurrency);
        line("backup.page_concurrency", &self.backup.concurrency);
        let keys = &self.backup.keys;
        if keys.encrypts() {
            line(
                "archives",
                &format!(
                    "encrypted with age to {}",
                    keys.recipient_names().join(", ")
                ),
            );
        } else {
            line(
                "archives",
                &"STORED IN CLEAR (not encrypted): anyone who can read the store reads every tenant's data; set identity_file in the [encryption] table",
            );
        }
        if keys.encrypts() && keys.identity_names().is_empty() {
            line(
                "archives.identities",
                &"none: this sidecar cannot open its own archives (verify, download and restore fail); set identity_file",
            );
        }
        match (keys.signing_public_key(), &self.signing_key_to_make) {
            (Some(public), _) => line(
                "archives.signed_by",
                &format!(
                    "{} ({public})",
                    keys.protection().signed_by.unwrap_or_default()
                ),
            ),
            (None, Some(path)) => line(
                "archives.signed_by",
                &format!("a new key, made in {} at the first start", path.display()),
            ),
            (None, None) => line("archives.signed_by", &"(unsigned)"),
        }
        line("archives.trusted_keys", &keys.trusted_key_ids().join(", "));
        line("lang", &self.lang);
        line(
            "log_format",
            &match self.log_format {
                LogFormat::Text => "text",
                LogFormat::Json => "json",
            },
        );
        line(
            "shutdown_grace",
            &format!("{} s", self.shutdown_grace.as_secs()),
        );
        line("default_time_zone", &self.default_time_zone);
        match &self.smtp {
            Some(smtp) => {
                line("smtp.server", &smtp.server());
                line("smtp.security", &smtp.security);
                line(
                    "smtp.username",
                    &smtp.username.clone().unwrap_or_else(|| "(none)".into()),
                );
                line(
                    "smtp.password",
                    &smtp
                        .password
                        .as_ref()
                        .map(|secret| mask(secret.expose()))
                        .unwrap_or_else(|| "(none)".into()),
                );
                line("smtp.from", &smtp.from);
                line(
                    "smtp.to",
                    &smtp.default_to.clone().unwrap_or_else(|| "(none)".into()),
                );
            }
            None => line("smtp", &"(not configured: no e-mail is sent)"),
        }
        text
    }
}

/// `****` and the length, never a character of the secret.
fn mask(secret: &str) -> String {
    if secret.is_empty() {
        "(empty)".into()
    } else {
        format!("**** ({} characters)", secret.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const ODOO: [(&str, &str); 4] = [
        ("ODOO_URL", "http://odoo:8069"),
        ("ODOO_DB", "prod"),
        ("ODOO_LOGIN", "admin"),
        ("ODOO_PASSWORD", "odoo-secret-password"),
    ];

    #[test]
    fn a_missing_token_is_named_with_how_to_set_it() {
        let env = env_of(&[ODOO.as_slice(), &[("BACKUPD_STORE", "/tmp/x")]].concat());
        let error = load(&LoadOptions::default(), &env).unwrap_err();
        assert!(error.to_string().contains("BACKUPD_TOKEN"), "{error}");
    }

    #[test]
    fn environment_wins_over_the_file_and_secrets_are_masked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("backupd.toml");
        std::fs::write(
            &path,
            "[service]\nlisten = \"0.0.0.0:9000\"\ntoken = \"file-token-0123456789\"\nconcurrency = 3\n\
             [store]\npath = \"/srv/backups\"\n[smtp]\nhost = \"mail\"\nfrom = \"b@example.com\"\nusername = \"u\"\npassword = \"smtp-secret-pw\"\n",
        )
        .unwrap();
        let env = env_of(
            &[
                ODOO.as_slice(),
                &[
                    ("BACKUPD_TOKEN", "env-token-abcdefghijklmnopqrstuvwxyz"),
                    ("SMTP_SECURITY", "tls"),
                ],
            ]
            .concat(),
        );
        let options = LoadOptions {
            config_file: Some(path),
            demo: false,
        };
        let config = load(&options, &env).unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(
            config.token.expose(),
            "env-token-abcdefghijklmnopqrstuvwxyz"
        );
        assert_eq!(config.concurrency, 3);
        assert_eq!(config.state_dir, PathBuf::from("/srv/backups/.state"));
        let smtp = config.smtp.as_ref().unwrap();
        assert_eq!((smtp.security, smtp.port), (SmtpSecurity::Tls, 465));
        let text = config.describe();
        for secret in ["env-token", "smtp-secret-pw", "odoo-secret-password"] {
            assert!(!text.contains(secret), "{secret} leaked in:\n{text}");
        }
        assert!(
            text.contains("0.0.0.0:9000") && text.contains("mail:465"),
            "{text}"
        );
    }

    #[test]
    fn config_check_says_plainly_how_archives_are_protected_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let store_text = store.display().to_string();
        let base = [
            ODOO.as_slice(),
            &[
                ("BACKUPD_STORE", store_text.as_str()),
                ("BACKUPD_TOKEN", "0123456789abcdef0123456789abcdef"),
            ],
        ]
        .concat();
        let config = load(&LoadOptions::default(), &env_of(&base)).unwrap();
        let text = config.describe();
        assert!(text.contains("STORED IN CLEAR"), "{text}");
        assert!(
            text.contains("made in") && text.contains("signing.key"),
            "{text}"
        );
        assert!(!store.exists(), "reading the configuration wrote {store:?}");

        let identity = dir.path().join("age.key");
        let recipient = backup_engine::protection::generate_identity_file(&identity).unwrap();
        let identity_text = identity.display().to_string();
        let env = env_of(
            &[
                base.as_slice(),
                &[("BACKUP_AGE_IDENTITY_FILE", identity_text.as_str())],
            ]
            .concat(),
        );
        let text = load(&LoadOptions::default(), &env).unwrap().describe();
        assert!(
            text.contains(&format!("encrypted with age to {recipient}")),
            "{text}"
        );
        assert!(!text.contains("AGE-SECRET-KEY"), "{text}");
    }

    #[test]
    fn bad_values_name_the_setting() {
        let base = [
            ODOO.as_slice(),
            &[
                ("BACKUPD_STORE", "/tmp/x"),
                ("BACKUPD_TOKEN", "0123456789abcdef0123456789abcdef"),
            ],
        ]
        .concat();
        for (name, value) in [
            ("BACKUPD_LISTEN", "localhost"),
            ("BACKUPD_CONCURRENCY", "0"),
            ("BACKUPD_LANG", "de"),
            ("SMTP_SECURITY", "ssl3"),
        ] {
            let mut pairs = base.clone();
            pairs.push((name, value));
            pairs.push(("SMTP_HOST", "mail"));
            pairs.push(("SMTP_FROM", "b@example.com"));
            let error = load(&LoadOptions::default(), &env_of(&pairs)).unwrap_err();
            assert!(error.to_string().contains(name), "{name}: {error}");
        }
    }

    #[test]
    fn weak_and_placeholder_tokens_are_refused() {
        for (token, why) in [
            ("short", "at least 32"),
            ("0123456789abcdef", "at least 32"),
            (
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "different characters",
            ),
            ("abababababababababababababababab", "different characters"),
            ("change-me-at-least-16-characters", "placeholder"),
            ("CHANGEME-0123456789abcdefghijklmnop", "placeholder"),
            ("my-example-token-0123456789abcdefghij", "placeholder"),
        ] {
            let pairs = [
                ODOO.as_slice(),
                &[("BACKUPD_STORE", "/tmp/x"), ("BACKUPD_TOKEN", token)],
            ]
            .concat();
            let error = load(&LoadOptions::default(), &env_of(&pairs)).unwrap_err();
            let text = error.to_string();
            assert!(
                text.contains("BACKUPD_TOKEN") && text.contains(why) && text.contains("openssl"),
                "{token}: {text}"
            );
            assert!(
                !text.contains(token),
                "the refused token is not repeated: {text}"
            );
        }
        let strong = [
            ODOO.as_slice(),
            &[
                ("BACKUPD_STORE", "/tmp/x"),
                ("BACKUPD_TOKEN", "3f9c0a7be41d2c6895f0ab13e7d4c2a9"),
            ],
        ]
        .concat();
        load(&LoadOptions::default(), &env_of(&strong)).expect("a random hex token is fine");
    }

    #[test]
    fn buckets_come_from_the_file_and_the_environment_and_their_secrets_never_show() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("backupd.toml");
        std::fs::write(
            &path,
            "[store]\npath = \"/srv/backups\"\ncopy_retry_secs = 30\nscrub_hours = 24\n\
             [[store.buckets]]\nname = \"offsite\"\nendpoint = \"https://s3.example.com\"\nregion = \"fr-par\"\n\
             bucket = \"odoo-backups\"\nprefix = \"prod/\"\naccess_key_id = \"GKfile\"\nsecret_access_key = \"file-s3-secret\"\n",
        )
        .unwrap();
        let env = env_of(
            &[
                ODOO.as_slice(),
                &[
                    ("BACKUPD_TOKEN", "3f9c0a7be41d2c6895f0ab13e7d4c2a9"),
                    ("BACKUPD_S3_ENDPOINT", "http://127.0.0.1:3900"),
                    ("BACKUPD_S3_BUCKET", "second"),
                    ("BACKUPD_S3_ACCESS_KEY_ID", "GKenv"),
                    ("BACKUPD_S3_SECRET_ACCESS_KEY", "env-s3-secret"),
                    ("BACKUPD_S3_PATH_STYLE", "false"),
                ],
            ]
            .concat(),
        );
        let options = LoadOptions {
            config_file: Some(path.clone()),
            demo: false,
        };
        let config = load(&options, &env).unwrap();
        assert_eq!(config.copy_retry, Duration::from_secs(30));
        assert_eq!(config.scrub_every, Some(Duration::from_secs(24 * 3600)));
        assert_eq!(config.scrub_days, 7);
        let names: Vec<&str> = config.buckets.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["offsite", "s3"]);
        let offsite = &config.buckets[0];
        assert_eq!(
            (
                offsite.region.as_str(),
                offsite.prefix.as_str(),
                offsite.path_style
            ),
            ("fr-par", "prod/", true)
        );
        let second = &config.buckets[1];
        assert_eq!(
            (
                second.bucket.as_str(),
                second.region.as_str(),
                second.path_style
            ),
            ("second", "us-east-1", false)
        );
        let text = config.describe();
        for secret in ["file-s3-secret", "env-s3-secret"] {
            assert!(!text.contains(secret), "{secret} leaked in:\n{text}");
        }
        assert!(
            text.contains("store.offsite")
                && text.contains("bucket odoo-backups at https://s3.example.com"),
            "{text}"
        );
        assert!(!format!("{config:?}").contains("s3-secret"));

        // A bucket without its secret is named, with what it needs.
        std::fs::write(
            &path,
            "[[store.buckets]]\nname = \"offsite\"\nbucket = \"b\"\naccess_key_id = \"GK\"\n",
        )
        .unwrap();
        let env = env_of(
            &[
                ODOO.as_slice(),
                &[
                    ("BACKUPD_TOKEN", "3f9c0a7be41d2c6895f0ab13e7d4c2a9"),
                    ("BACKUPD_STORE", "/srv"),
                ],
            ]
            .concat(),
        );
        let error = load(&options, &env).unwrap_err().to_string();
        assert!(
            error.contains("\"offsite\"") && error.contains("secret_access_key"),
            "{error}"
        );
    }

    #[test]
    fn a_misspelt_setting_in_the_file_is_refused_with_the_accepted_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("backupd.toml");
        let env = env_of(
            &[
                ODOO.as_slice(),
                &[("BACKUPD_TOKEN", "3f9c0a7be41d2c6895f0ab13e7d4c2a9")],
            ]
            .concat(),
        );
        for (text, typo, accepted) in [
            (
                "[service]\nlisten_addr = \"0.0.0.0:9000\"\n",
                "listen_addr",
                "listen",
            ),
            ("[store]\npaht = \"/srv\"\n", "paht", "path"),
            ("[smtp]\nhots = \"mail\"\n", "hots", "host"),
            ("[odoo]\nurll = \"http://odoo\"\n", "urll", "url"),
            ("[backup]\nconcurrence = 2\n", "concurrence", "concurrency"),
            ("[sevice]\nlisten = \"0.0.0.0:9000\"\n", "sevice", "service"),
        ] {
            std::fs::write(&path, text).unwrap();
            let options = LoadOptions {
                config_file: Some(path.clone()),
                demo: false,
            };
            let error = load(&options, &env).unwrap_err().to_string();
            assert!(
                error.contains(typo) && error.contains(accepted),
                "{typo}: {error}"
            );
        }
    }

    #[test]
    fn demo_mode_needs_no_odoo_and_makes_a_token() {
        let config = load(
            &LoadOptions {
                config_file: None,
                demo: true,
            },
            &env_of(&[]),
        )
        .unwrap();
        assert!(config.odoo.is_none() && config.generated_token);
        assert_eq!(config.token.expose().len(), 64);
    }
}

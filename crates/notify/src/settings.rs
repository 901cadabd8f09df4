//! How to reach the SMTP server, and the secret type that keeps its password out of logs.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A password or other secret. `Debug` and `Display` print `****`, so a settings struct can be
/// logged or put in an error whole without leaking it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The clear value, for the one place that puts it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("****")
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SmtpSecurity {
    /// Plain text: only for a relay on the same machine or a trusted network.
    None,
    /// Starts in plain text and upgrades with STARTTLS before anything else is said; fails if
    /// the server does not offer it, rather than sending credentials in clear (usually port 587).
    #[default]
    StartTls,
    /// TLS from the first byte, "SMTPS" (usually port 465).
    Tls,
}

impl SmtpSecurity {
    /// The port servers usually listen on for this kind of connection.
    pub fn usual_port(self) -> u16 {
        match self {
            SmtpSecurity::None => 25,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
        }
    }
}

impl fmt::Display for SmtpSecurity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            SmtpSecurity::None => "none",
            SmtpSecurity::StartTls => "starttls",
            SmtpSecurity::Tls => "tls",
        })
    }
}

/// The value was not one of `none`, `starttls` or `tls`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("SMTP security must be \"none\", \"starttls\" or \"tls\", got {value:?}")]
pub struct UnknownSmtpSecurity {
    pub value: String,
}

impl FromStr for SmtpSecurity {
    type Err = UnknownSmtpSecurity;

    /// Reads the configuration's spelling, case-insensitively; `ssl` is accepted for `tls` as
    /// many mail providers still call it that.
    fn from_str(value: &str) -> Result<SmtpSecurity, UnknownSmtpSecurity> {
        match value.trim().to_ascii_lowercase().as_str() {
            "none" | "plain" => Ok(SmtpSecurity::None),
            "starttls" => Ok(SmtpSecurity::StartTls),
            "tls" | "ssl" | "smtps" => Ok(SmtpSecurity::Tls),
            _ => Err(UnknownSmtpSecurity {
                value: value.to_owned(),
            }),
        }
    }
}

/// Where and how notices are sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// Log in when set; `password` must be set with it.
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The sender, `backups@example.com` or `Sauvegardes Odoo <backups@example.com>`.
    pub from: String,
    /// Who gets the notice when the schedule names no address; several addresses may be
    /// separated by commas.
    pub default_to: Option<String>,
    /// The longest sending one notice may take, from connecting to the server's last reply.
    pub timeout: Duration,
}

impl SmtpSettings {
    /// Settings for `host` with STARTTLS on port 587, no login, no default recipient and a
    /// 30-second timeout; change the fields that differ.
    pub fn new(host: impl Into<String>, from: impl Into<String>) -> SmtpSettings {
        SmtpSettings {
            host: host.into(),
            port: SmtpSecurity::StartTls.usual_port(),
            security: SmtpSecurity::StartTls,
            username: None,
            password: None,
            from: from.into(),
            default_to: None,
            timeout: Duration::from_secs(30),
        }
    }

    /// `host:port`, as errors name the server.
    pub fn server(&self) -> String {
        if self.host.contains(':') {
            // An IPv6 literal needs brackets to be told apart from the port.
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

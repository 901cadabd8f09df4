use std::time::Duration;

/// Which address of a notice was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressRole {
    /// The sender, `from` in the SMTP settings.
    From,
    /// The default recipient, `default_to` in the SMTP settings.
    DefaultTo,
    /// The schedule's notification address.
    To,
}

impl std::fmt::Display for AddressRole {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            AddressRole::From => "sender address (SMTP from)",
            AddressRole::DefaultTo => "default recipient (SMTP default_to)",
            AddressRole::To => "notification address of the schedule",
        })
    }
}

/// Why a notice could not be sent. Messages name the SMTP server as `host:port` and say what to
/// check; none carries the password.
///
/// A notice that cannot be sent must not fail the backup it is about: the caller logs this error
/// and shows it on the job.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    #[error(
        "no recipient for the notice about tenant {tenant_code}: the schedule has no \
         notification address and no default recipient is configured (SMTP default_to)"
    )]
    NoRecipient { tenant_code: String },

    #[error(
        "the {role} {address:?} is not a valid e-mail address ({reason}); write it as \
         name@example.com or Name <name@example.com>, several separated by commas"
    )]
    InvalidAddress {
        role: AddressRole,
        address: String,
        reason: String,
    },

    #[error(
        "SMTP login is half configured: {missing} is missing; set both the SMTP username and \
         password, or neither to send without logging in"
    )]
    IncompleteCredentials { missing: &'static str },

    #[error(
        "could not reach the SMTP server {server}: {reason}; check the SMTP host and port, and \
         that the server accepts connections from this machine"
    )]
    Unreachable { server: String, reason: String },

    #[error(
        "the SMTP server {server} did not answer within {timeout:?}; check the SMTP host and \
         port (a firewall that drops packets looks like this), or raise the SMTP timeout"
    )]
    Timeout { server: String, timeout: Duration },

    #[error(
        "the SMTP server {server} does not offer STARTTLS, which the SMTP security setting \
         \"starttls\" requires; use \"tls\" if this port expects TLS from the start (usually \
         465), or \"none\" only for a relay on a trusted network"
    )]
    StartTlsUnsupported { server: String },

    #[error(
        "TLS with the SMTP server {server} failed: {reason}; check that the SMTP security setting \
         matches the port (\"tls\" usually on 465, \"starttls\" on 587) and that the server's \
         certificate is valid for its host name"
    )]
    Tls { server: String, reason: String },

    #[error(
        "the SMTP server {server} refused the login of {username:?}: {reply}; check the SMTP \
         username and password"
    )]
    Authentication {
        server: String,
        username: String,
        reply: String,
    },

    #[error(
        "the SMTP server {server} requires a login: {reply}; set the SMTP username and password"
    )]
    AuthenticationRequired { server: String, reply: String },

    #[error(
        "the SMTP server {server} refused the message ({code} {reply}){}; check that it accepts \
         the sender address and the recipients",
        if *temporary { ", temporarily: it may accept it later" } else { "" }
    )]
    Rejected {
        server: String,
        code: String,
        reply: String,
        /// A 4xx reply: the same message may be accepted later.
        temporary: bool,
    },

    #[error("sending through the SMTP server {server} failed: {reason}")]
    Smtp { server: String, reason: String },

    #[error("could not assemble the notice about tenant {tenant_code}: {reason}")]
    Message { tenant_code: String, reason: String },
}

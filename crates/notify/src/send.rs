//! Sending a rendered notice through the SMTP server.

use std::error::Error as _;
use std::fmt;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::{AddressRole, NotifyError};
use crate::notice::{Lang, Notice};
use crate::render::render;
use crate::settings::{Secret, SmtpSecurity, SmtpSettings};

/// Sends notices through one SMTP server. Cheap to clone and share: each notice opens its own
/// connection, as notices are rare and a kept-open connection would only time out between them.
#[derive(Clone)]
pub struct Notifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    server: String,
    security: SmtpSecurity,
    from: Mailbox,
    default_to: Option<Vec<Mailbox>>,
    username: Option<String>,
    /// Kept only to make sure a server's reply that quotes it never reaches an error message.
    password: Option<Secret>,
    timeout: Duration,
    language: Lang,
}

impl fmt::Debug for Notifier {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Notifier")
            .field("server", &self.server)
            .field("security", &self.security)
            .field("from", &self.from.to_string())
            .field("username", &self.username)
            .field("password", &self.password)
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

impl Notifier {
    /// Checks the settings (addresses, credentials given in pairs) and prepares the transport;
    /// nothing is sent, so a server that is down is only found out by [`Notifier::send`].
    /// Notices are written in French until [`Notifier::with_language`] says otherwise.
    pub fn new(settings: SmtpSettings) -> Result<Notifier, NotifyError> {
        let server = settings.server();
        let from = parse_mailbox(settings.from.trim(), AddressRole::From)?;
        let default_to = match settings.default_to.as_deref() {
            Some(list) => parse_mailbox_list(list, AddressRole::DefaultTo)?,
            None => None,
        };
        let tls_parameters = || {
            TlsParameters::new(settings.host.clone()).map_err(|error| NotifyError::Tls {
                server: server.clone(),
                reason: root_cause(&error),
            })
        };
        let tls = match settings.security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::StartTls => Tls::Required(tls_parameters()?),
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters()?),
        };
        // "Dangerous" only means lettre leaves the TLS choice to us, which `tls` above makes.
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(settings.timeout));
        match (&settings.username, &settings.password) {
            (Some(username), Some(password)) => {
                builder = builder.credentials(Credentials::new(
                    username.clone(),
                    password.expose().to_owned(),
                ));
            }
            (None, None) => {}
            (Some(_), None) => {
                return Err(NotifyError::IncompleteCredentials {
                    missing: "the password",
                });
            }
            (None, Some(_)) => {
                return Err(NotifyError::IncompleteCredentials {
                    missing: "the username",
                });
            }
        }
        Ok(Notifier {
            transport: builder.build(),
            server,
            security: settings.security,
            from,
            default_to,
            username: settings.username,
            password: settings.password,
            timeout: settings.timeout,
            language: Lang::default(),
        })
    }

    /// Writes the notices in `language` from now on.
    pub fn with_language(self, language: Lang) -> Notifier {
        Notifier { language, ..self }
    }

    pub fn language(&self) -> Lang {
        self.language
    }

    /// Renders `notice` and sends it to `to` (the schedule's notification address; several may
    /// be separated by commas or semicolons) or, when that is `None` or blank, to the default
    /// recipient. With neither, nothing is sent and [`NotifyError::NoRecipient`] says so.
    ///
    /// The message is `multipart/alternative` with a plain-text and an HTML part; non-ASCII
    /// text is MIME-encoded, so it passes any server.
    pub async fn send(&self, notice: &Notice, to: Option<&str>) -> Result<(), NotifyError> {
        let schedule_recipients = match to {
            Some(list) => parse_mailbox_list(list, AddressRole::To)?,
            None => None,
        };
        let recipients = schedule_recipients
            .or_else(|| self.default_to.clone())
            .ok_or_else(|| NotifyError::NoRecipient {
                tenant_code: notice.tenant_code().to_owned(),
            })?;

        let rendered = render(notice, self.language);
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(rendered.subject);
        for recipient in recipients {
            builder = builder.to(recipient);
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|error| NotifyError::Message {
                tenant_code: notice.tenant_code().to_owned(),
                reason: error.to_string(),
            })?;

        // lettre bounds only the connection attempt; a server that accepts and then stays silent
        // would hold the notice (and the job waiting for it) forever, so the whole exchange gets
        // the deadline.
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Ok(Ok(_response)) => Ok(()),
            Ok(Err(error)) => Err(self.describe_failure(&error)),
            Err(_elapsed) => Err(NotifyError::Timeout {
                server: self.server.clone(),
                timeout: self.timeout,
            }),
        }
    }

    /// Sorts lettre's error into what the administrator has to fix. lettre reports connection
    /// and TLS-handshake failures alike as "connection" errors, so those are told apart by the
    /// I/O error underneath and by the configured security.
    fn describe_failure(&self, error: &lettre::transport::smtp::Error) -> NotifyError {
        let server = self.server.clone();
        if let Some(code) = error.status() {
            let code = code.to_string();
            let reply = self.scrub(error.source().map(ToString::to_string).unwrap_or_default());
            return match (code.as_str(), &self.username) {
                // 535: credentials invalid; 534: mechanism too weak for them.
                ("535" | "534", Some(username)) => NotifyError::Authentication {
                    server,
                    username: username.clone(),
                    reply,
                },
                ("530", None) => NotifyError::AuthenticationRequired { server, reply },
                _ => NotifyError::Rejected {
                    server,
                    code,
                    reply,
                    temporary: error.is_transient(),
                },
            };
        }
        let reason = self.scrub(root_cause(error));
        if error.is_timeout() {
            return NotifyError::Timeout {
                server,
                timeout: self.timeout,
            };
        }
        if error.is_tls() {
            return NotifyError::Tls { server, reason };
        }
        if error.is_client() && reason.contains("STARTTLS") {
            return NotifyError::StartTlsUnsupported { server };
        }
        // The TLS library reports a failed handshake or a bad certificate as invalid data.
        let failed_tls_handshake = self.security != SmtpSecurity::None
            && io_error_kind(error) == Some(std::io::ErrorKind::InvalidData);
        if failed_tls_handshake {
            return NotifyError::Tls { server, reason };
        }
        // lettre has no public test for its "connection" kind; its message is the only sign.
        if error.to_string().starts_with("Connection error") {
            return NotifyError::Unreachable { server, reason };
        }
        NotifyError::Smtp { server, reason }
    }

    /// Removes the password from text that came from elsewhere (a server's reply). Passwords
    /// under four characters are left alone: replacing every "a" would garble the message, and
    /// such a password is no secret anyway.
    fn scrub(&self, text: String) -> String {
        match &self.password {
            Some(password) if password.expose().chars().count() >= 4 => {
                text.replace(password.expose(), "****")
            }
            _ => text,
        }
    }
}

fn parse_mailbox(address: &str, role: AddressRole) -> Result<Mailbox, NotifyError> {
    address
        .parse::<Mailbox>()
        .map_err(|error| NotifyError::InvalidAddress {
            role,
            address: address.to_owned(),
            reason: error.to_string(),
        })
}

/// Addresses separated by commas or semicolons (Odoo's e-mail fields accept both); `None` when
/// there is none at all.
fn parse_mailbox_list(list: &str, role: AddressRole) -> Result<Option<Vec<Mailbox>>, NotifyError> {
    let mailboxes = list
        .split([',', ';'])
        .map(str::trim)
        .filter(|address| !address.is_empty())
        .map(|address| parse_mailbox(address, role))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((!mailboxes.is_empty()).then_some(mailboxes))
}

/// The deepest cause of an error: lettre wraps the I/O or TLS error that says what happened in
/// one or two layers of "Connection error", which would only repeat themselves in a message.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = error;
    while let Some(cause) = deepest.source() {
        deepest = cause;
    }
    deepest.to_string()
}

fn io_error_kind(error: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(io_error) = cause.downcast_ref::<std::io::Error>() {
            return Some(io_error.kind());
        }
        source = cause.source();
    }
    None
}

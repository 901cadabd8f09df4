//! Notices sent to a real SMTP server (aiosmtpd, started by each test) and read back as the
//! server received them; and servers that refuse, in each way the administrator must be able to
//! tell apart.

mod support;

use std::time::Duration;

use backup_notify::{
    AddressRole, Lang, Notice, Notifier, NotifyError, Secret, SmtpSecurity, SmtpSettings,
};
use chrono::{TimeZone, Utc};
use mail_parser::{MessageParser, MimeHeaders};
use support::{SinkOptions, SmtpSink, closed_port};

const PASSWORD: &str = "correct-horse-battery-staple";

fn settings(port: u16) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".to_owned(),
        port,
        security: SmtpSecurity::None,
        username: None,
        password: None,
        from: "Sauvegardes Odoo <sauvegardes@example.com>".to_owned(),
        default_to: Some("admin@example.com".to_owned()),
        timeout: Duration::from_secs(10),
    }
}

fn with_login(settings: SmtpSettings, username: &str, password: &str) -> SmtpSettings {
    SmtpSettings {
        username: Some(username.to_owned()),
        password: Some(Secret::new(password)),
        ..settings
    }
}

fn success_notice() -> Notice {
    let paris = chrono_tz::Europe::Paris;
    Notice::Success {
        tenant_name: "Boutique Sport".to_owned(),
        tenant_code: "boutique-sport".to_owned(),
        finished_at: Utc
            .with_ymd_and_hms(2026, 1, 30, 16, 42, 20)
            .unwrap()
            .with_timezone(&paris),
        size_bytes: 1_400_000,
        records: 29_494,
        file_name: "backup_boutique-sport_20260130_164220.zip".to_owned(),
        next_run: Some(
            Utc.with_ymd_and_hms(2026, 2, 1, 2, 0, 0)
                .unwrap()
                .with_timezone(&paris),
        ),
    }
}

fn failure_notice() -> Notice {
    Notice::Failure {
        tenant_name: "Marque Mode".to_owned(),
        tenant_code: "marque-mode".to_owned(),
        failed_at: Utc
            .with_ymd_and_hms(2026, 1, 30, 2, 0, 5)
            .unwrap()
            .with_timezone(&chrono_tz::UTC),
        error: "Odoo unreachable: connection refused (http://odoo:8069)".to_owned(),
        hints: vec![
            "that Odoo runs and answers at http://odoo:8069".to_owned(),
            "the sidecar's ODOO_URL".to_owned(),
        ],
    }
}

/// The error's message and debug form, checked together for what they must never show.
fn shown(error: &NotifyError) -> String {
    format!("{error}\n{error:?}")
}

#[tokio::test]
async fn a_success_notice_arrives_as_plain_text_and_html_with_french_accents_intact() {
    let Some(sink) = SmtpSink::start(SinkOptions::default()) else {
        return;
    };
    let notifier = Notifier::new(settings(sink.port)).expect("valid settings");

    notifier
        .send(
            &success_notice(),
            Some("sport@example.com; Équipe Mode <mode@example.com>"),
        )
        .await
        .expect("the server accepts the notice");

    let received = sink.wait_for(1);
    assert_eq!(received.len(), 1);
    let message = &received[0];
    assert_eq!(message.mail_from, "sauvegardes@example.com");
    assert_eq!(
        message.recipients,
        ["sport@example.com", "mode@example.com"]
    );
    // Properly MIME-encoded: nothing but ASCII on the wire, whatever the text says.
    assert!(
        message.raw.is_ascii(),
        "the message has raw non-ASCII bytes:\n{}",
        String::from_utf8_lossy(&message.raw)
    );

    let parsed = MessageParser::default()
        .parse(&message.raw)
        .expect("a parsable message");
    assert_eq!(
        parsed.subject(),
        Some("Sauvegarde réussie — Boutique Sport")
    );
    let from = parsed.from().and_then(|from| from.first()).expect("From");
    assert_eq!(from.name(), Some("Sauvegardes Odoo"));
    assert_eq!(from.address(), Some("sauvegardes@example.com"));
    let to: Vec<(Option<&str>, Option<&str>)> = parsed
        .to()
        .expect("To")
        .iter()
        .map(|address| (address.name(), address.address()))
        .collect();
    assert_eq!(
        to,
        [
            (None, Some("sport@example.com")),
            (Some("Équipe Mode"), Some("mode@example.com"))
        ]
    );
    let content_type = parsed.content_type().expect("Content-Type");
    assert_eq!(
        (content_type.ctype(), content_type.subtype()),
        ("multipart", Some("alternative"))
    );
    assert_eq!(parsed.text_body.len(), 1, "one plain-text part");
    assert_eq!(parsed.html_body.len(), 1, "one HTML part");

    let text = parsed.body_text(0).expect("the plain-text part");
    assert!(
        text.contains(
            "La sauvegarde de Boutique Sport (boutique-sport) s'est terminée avec succès."
        )
    );
    assert!(text.contains("Date : vendredi 30 janvier 2026 à 17:42 (Europe/Paris)"));
    assert!(text.contains("Taille : 1,4 Mo"));
    assert!(text.contains("Enregistrements : 29\u{a0}494"));
    assert!(
        text.contains("Prochaine sauvegarde : dimanche 1er février 2026 à 03:00 (Europe/Paris)")
    );

    let html = parsed.body_html(0).expect("the HTML part");
    assert!(html.contains(
        "<h2 style=\"color: #1e7e34; font-size: 18px;\">Sauvegarde réussie — Boutique Sport</h2>"
    ));
    assert!(html.contains("<strong>Boutique Sport</strong>"));
    assert!(html.contains("backup_boutique-sport_20260130_164220.zip"));
}

#[tokio::test]
async fn a_failure_notice_without_an_address_goes_to_the_default_recipient_in_english() {
    let Some(sink) = SmtpSink::start(SinkOptions::default()) else {
        return;
    };
    let notifier = Notifier::new(settings(sink.port))
        .expect("valid settings")
        .with_language(Lang::En);

    notifier
        .send(&failure_notice(), None)
        .await
        .expect("the server accepts the notice");
    // A blank address on the schedule counts as none.
    notifier
        .send(&failure_notice(), Some("  "))
        .await
        .expect("the server accepts the notice");

    let received = sink.wait_for(2);
    assert_eq!(received.len(), 2);
    for message in &received {
        assert_eq!(message.recipients, ["admin@example.com"]);
        let parsed = MessageParser::default()
            .parse(&message.raw)
            .expect("parsable");
        assert_eq!(parsed.subject(), Some("Backup failed — Marque Mode"));
        // Line breaks travel as CRLF, as SMTP wants them.
        let text = parsed
            .body_text(0)
            .expect("plain text")
            .replace("\r\n", "\n");
        assert!(text.contains("Failed at: Friday 30 January 2026 at 02:00 (UTC)"));
        assert!(text.contains("Error: Odoo unreachable: connection refused (http://odoo:8069)"));
        assert!(text.contains(
            "What to check:\n- that Odoo runs and answers at http://odoo:8069\n- the sidecar's ODOO_URL\n"
        ));
        let html = parsed.body_html(0).expect("HTML");
        assert!(
            html.contains("<li style=\"white-space: pre-wrap;\">the sidecar&#39;s ODOO_URL</li>")
        );
    }
}

#[tokio::test]
async fn a_login_with_the_right_password_delivers() {
    let Some(sink) = SmtpSink::start(SinkOptions {
        login: Some(("backups", PASSWORD)),
        ..SinkOptions::default()
    }) else {
        return;
    };
    let notifier = Notifier::new(with_login(settings(sink.port), "backups", PASSWORD))
        .expect("valid settings");
    notifier
        .send(&success_notice(), None)
        .await
        .expect("the server accepts the login and the notice");
    let received = sink.wait_for(1);
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].authenticated_as.as_deref(), Some("backups"));
}

#[tokio::test]
async fn a_wrong_password_is_an_authentication_error_that_never_shows_the_password() {
    let Some(sink) = SmtpSink::start(SinkOptions {
        login: Some(("backups", "the-password-the-server-wants")),
        ..SinkOptions::default()
    }) else {
        return;
    };
    let notifier = Notifier::new(with_login(settings(sink.port), "backups", PASSWORD))
        .expect("valid settings");

    let error = notifier
        .send(&success_notice(), None)
        .await
        .expect_err("the server refuses the login");

    assert!(
        matches!(&error, NotifyError::Authentication { username, .. } if username == "backups"),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&format!("127.0.0.1:{}", sink.port)),
        "{message}"
    );
    assert!(
        message.contains("check the SMTP username and password"),
        "{message}"
    );
    assert!(!shown(&error).contains(PASSWORD), "{}", shown(&error));
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn a_server_that_requires_a_login_says_so_when_none_is_configured() {
    let Some(sink) = SmtpSink::start(SinkOptions {
        login: Some(("backups", PASSWORD)),
        ..SinkOptions::default()
    }) else {
        return;
    };
    let notifier = Notifier::new(settings(sink.port)).expect("valid settings");
    let error = notifier
        .send(&success_notice(), None)
        .await
        .expect_err("the server wants a login");
    assert!(
        matches!(error, NotifyError::AuthenticationRequired { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("set the SMTP username and password")
    );
}

#[tokio::test]
async fn a_refused_connection_names_the_server_and_never_the_password() {
    let port = closed_port();
    let notifier =
        Notifier::new(with_login(settings(port), "backups", PASSWORD)).expect("valid settings");

    let error = notifier
        .send(&failure_notice(), Some("ops@example.com"))
        .await
        .expect_err("nothing listens there");

    assert!(
        matches!(error, NotifyError::Unreachable { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "could not reach the SMTP server 127.0.0.1:{port}: "
        )),
        "{message}"
    );
    assert!(message.contains(": Connection refused"), "{message}");
    assert!(!shown(&error).contains(PASSWORD), "{}", shown(&error));
}

#[tokio::test]
async fn a_recipient_refused_with_5xx_is_a_permanent_rejection_naming_the_server() {
    let Some(sink) = SmtpSink::start(SinkOptions {
        reject_recipients_with: Some("550 5.1.1 no such user here"),
        login: Some(("backups", PASSWORD)),
        ..SinkOptions::default()
    }) else {
        return;
    };
    let notifier = Notifier::new(with_login(settings(sink.port), "backups", PASSWORD))
        .expect("valid settings");

    let error = notifier
        .send(&success_notice(), Some("nobody@example.com"))
        .await
        .expect_err("the server refuses the recipient");

    match &error {
        NotifyError::Rejected {
            server,
            code,
            reply,
            temporary,
        } => {
            assert_eq!(server, &format!("127.0.0.1:{}", sink.port));
            assert_eq!(code, "550");
            assert!(reply.contains("no such user here"), "{reply}");
            assert!(!temporary);
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert!(!shown(&error).contains(PASSWORD), "{}", shown(&error));
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn a_message_refused_with_4xx_is_a_temporary_rejection() {
    let Some(sink) = SmtpSink::start(SinkOptions {
        reject_data_with: Some("451 4.3.0 try again later"),
        ..SinkOptions::default()
    }) else {
        return;
    };
    let notifier = Notifier::new(settings(sink.port)).expect("valid settings");
    let error = notifier
        .send(&success_notice(), None)
        .await
        .expect_err("the server refuses the message for now");
    assert!(
        matches!(&error, NotifyError::Rejected { code, temporary: true, .. } if code == "451"),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("temporarily"), "{message}");
    assert!(
        message.contains(&format!("127.0.0.1:{}", sink.port)),
        "{message}"
    );
}

#[tokio::test]
async fn starttls_configured_against_a_server_without_it_fails_clearly() {
    let Some(sink) = SmtpSink::start(SinkOptions::default()) else {
        return;
    };
    let notifier = Notifier::new(with_login(
        SmtpSettings {
            security: SmtpSecurity::StartTls,
            ..settings(sink.port)
        },
        "backups",
        PASSWORD,
    ))
    .expect("valid settings");

    let error = notifier
        .send(&success_notice(), None)
        .await
        .expect_err("the server offers no STARTTLS");

    assert!(
        matches!(error, NotifyError::StartTlsUnsupported { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "the SMTP server 127.0.0.1:{} does not offer STARTTLS, which the SMTP security \
             setting \"starttls\" requires; use \"tls\" if this port expects TLS from the start \
             (usually 465), or \"none\" only for a relay on a trusted network",
            sink.port
        )
    );
    assert!(!shown(&error).contains(PASSWORD));
    // Nothing, and above all no password, was sent in clear instead.
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn tls_configured_against_a_plain_text_server_fails_clearly() {
    let Some(sink) = SmtpSink::start(SinkOptions::default()) else {
        return;
    };
    let notifier = Notifier::new(SmtpSettings {
        security: SmtpSecurity::Tls,
        ..settings(sink.port)
    })
    .expect("valid settings");

    let error = notifier
        .send(&success_notice(), None)
        .await
        .expect_err("the server does not speak TLS");

    assert!(matches!(error, NotifyError::Tls { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "TLS with the SMTP server 127.0.0.1:{} failed: ",
            sink.port
        )),
        "{message}"
    );
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn a_server_that_never_answers_is_a_timeout_naming_the_server() {
    // Connections complete in the listener's backlog, and then nothing is ever said.
    let silent_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent_listener.local_addr().expect("address").port();
    let notifier = Notifier::new(SmtpSettings {
        timeout: Duration::from_secs(1),
        ..settings(port)
    })
    .expect("valid settings");

    let started = std::time::Instant::now();
    let error = notifier
        .send(&success_notice(), None)
        .await
        .expect_err("no greeting ever comes");

    assert!(matches!(error, NotifyError::Timeout { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        error.to_string().starts_with(&format!(
            "the SMTP server 127.0.0.1:{port} did not answer within 1s; "
        )),
        "{error}"
    );
    drop(silent_listener);
}

#[tokio::test]
async fn without_any_recipient_nothing_is_sent_and_the_error_says_why() {
    // A closed port: had the notifier tried to connect, the error would say so instead.
    let notifier = Notifier::new(SmtpSettings {
        default_to: None,
        ..settings(closed_port())
    })
    .expect("valid settings");
    for to in [None, Some(""), Some(" , ")] {
        let error = notifier
            .send(&failure_notice(), to)
            .await
            .expect_err("nobody to send to");
        assert_eq!(
            error.to_string(),
            "no recipient for the notice about tenant marque-mode: the schedule has no \
             notification address and no default recipient is configured (SMTP default_to)"
        );
    }
}

#[tokio::test]
async fn invalid_addresses_and_half_configured_logins_are_refused_with_their_role() {
    let invalid_sender = Notifier::new(SmtpSettings {
        from: "sauvegardes at example dot com".to_owned(),
        ..settings(25)
    })
    .expect_err("not an address");
    assert!(
        matches!(&invalid_sender, NotifyError::InvalidAddress { role: AddressRole::From, address, .. } if address == "sauvegardes at example dot com"),
        "{invalid_sender:?}"
    );
    assert!(
        invalid_sender
            .to_string()
            .starts_with("the sender address (SMTP from) \"sauvegardes at example dot com\" is not a valid e-mail address (")
    );

    let invalid_default = Notifier::new(SmtpSettings {
        default_to: Some("admin@example.com, not-an-address".to_owned()),
        ..settings(25)
    })
    .expect_err("the second address is invalid");
    assert!(
        matches!(&invalid_default, NotifyError::InvalidAddress { role: AddressRole::DefaultTo, address, .. } if address == "not-an-address"),
        "{invalid_default:?}"
    );

    let half_login = Notifier::new(SmtpSettings {
        username: Some("backups".to_owned()),
        ..settings(25)
    })
    .expect_err("a username without a password");
    assert_eq!(
        half_login.to_string(),
        "SMTP login is half configured: the password is missing; set both the SMTP username \
         and password, or neither to send without logging in"
    );

    let notifier = Notifier::new(settings(closed_port())).expect("valid settings");
    let invalid_recipient = notifier
        .send(&success_notice(), Some("sport.example.com"))
        .await
        .expect_err("no @");
    assert!(
        matches!(
            &invalid_recipient,
            NotifyError::InvalidAddress { role: AddressRole::To, address, .. } if address == "sport.example.com"
        ),
        "{invalid_recipient:?}"
    );
}

#[test]
fn settings_and_notifier_print_the_password_as_stars() {
    let settings = with_login(settings(587), "backups", PASSWORD);
    let printed = format!("{settings:?}");
    assert!(!printed.contains(PASSWORD), "{printed}");
    assert!(
        printed.contains("password: Some(Secret(****))"),
        "{printed}"
    );
    let notifier = Notifier::new(settings).expect("valid settings");
    let printed = format!("{notifier:?}");
    assert!(!printed.contains(PASSWORD), "{printed}");
    assert_eq!(Secret::new(PASSWORD).to_string(), "****");
}

#[test]
fn security_and_language_read_from_configuration_values() {
    assert_eq!("STARTTLS".parse(), Ok(SmtpSecurity::StartTls));
    assert_eq!("ssl".parse(), Ok(SmtpSecurity::Tls));
    assert_eq!("none".parse(), Ok(SmtpSecurity::None));
    assert_eq!(
        "tsl"
            .parse::<SmtpSecurity>()
            .expect_err("a typo")
            .to_string(),
        "SMTP security must be \"none\", \"starttls\" or \"tls\", got \"tsl\""
    );
    assert_eq!(SmtpSecurity::Tls.usual_port(), 465);
    assert_eq!("fr_FR".parse(), Ok(Lang::Fr));
    assert_eq!("en-GB".parse(), Ok(Lang::En));
    assert_eq!(Lang::default(), Lang::Fr);
    assert_eq!(
        "de_DE"
            .parse::<Lang>()
            .expect_err("not offered")
            .to_string(),
        "notice language must be \"fr\" or \"en\", got \"de_DE\""
    );
}

//! What the notices say, in both languages: whole mails pinned as snapshots, and the details
//! (sizes, counts, dates, escaping) checked one by one.

use backup_notify::{Lang, Notice, RenderedMail, render};
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

fn at(zone: Tz, year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Tz> {
    Utc.with_ymd_and_hms(year, month, day, hour, minute, 0)
        .unwrap()
        .with_timezone(&zone)
}

fn success_notice() -> Notice {
    let paris = chrono_tz::Europe::Paris;
    Notice::Success {
        tenant_name: "Boutique Sport".to_owned(),
        tenant_code: "boutique-sport".to_owned(),
        finished_at: at(paris, 2026, 1, 30, 16, 42),
        size_bytes: 1_400_000,
        records: 29_494,
        file_name: "backup_boutique-sport_20260130_164220.zip".to_owned(),
        next_run: Some(at(paris, 2026, 2, 1, 2, 0)),
    }
}

fn failure_notice() -> Notice {
    Notice::Failure {
        tenant_name: "Boutique Sport".to_owned(),
        tenant_code: "boutique-sport".to_owned(),
        failed_at: at(chrono_tz::Europe::Paris, 2026, 3, 29, 1, 0),
        error: "Odoo refused the sidecar's credentials\ncaused by: AccessDenied".to_owned(),
        hints: vec![
            "ODOO_LOGIN et sa clé d'API ou son mot de passe".to_owned(),
            "que l'utilisateur a accès à la société Boutique Sport".to_owned(),
        ],
    }
}

fn copy_failure_notice() -> Notice {
    let paris = chrono_tz::Europe::Paris;
    Notice::CopyFailed {
        tenant_name: "Boutique Sport".to_owned(),
        tenant_code: "boutique-sport".to_owned(),
        file_name: "backup_boutique-sport_20260130_164220.zip.age".to_owned(),
        store: "offsite".to_owned(),
        failed_at: at(paris, 2026, 1, 30, 16, 43),
        error: "backup store \"offsite\": cannot upload sidecar/…: the endpoint does not answer"
            .to_owned(),
        next_attempt: at(paris, 2026, 1, 30, 16, 44),
    }
}

/// The whole mail as one reviewable text.
fn whole(mail: &RenderedMail) -> String {
    format!(
        "Subject: {}\n\n--- text/plain ---\n{}\n--- text/html ---\n{}",
        mail.subject, mail.text, mail.html
    )
}

#[test]
fn success_in_french() {
    insta::assert_snapshot!(whole(&render(&success_notice(), Lang::Fr)));
}

#[test]
fn success_in_english() {
    insta::assert_snapshot!(whole(&render(&success_notice(), Lang::En)));
}

#[test]
fn copy_failure_in_french() {
    insta::assert_snapshot!(whole(&render(&copy_failure_notice(), Lang::Fr)));
}

#[test]
fn copy_failure_in_english() {
    insta::assert_snapshot!(whole(&render(&copy_failure_notice(), Lang::En)));
}

#[test]
fn failure_in_french() {
    insta::assert_snapshot!(whole(&render(&failure_notice(), Lang::Fr)));
}

#[test]
fn failure_in_english() {
    insta::assert_snapshot!(whole(&render(&failure_notice(), Lang::En)));
}

#[test]
fn french_is_the_default_language() {
    assert_eq!(
        render(&success_notice(), Lang::default()),
        render(&success_notice(), Lang::Fr)
    );
}

fn text_line(mail: &RenderedMail, label: &str) -> String {
    mail.text
        .lines()
        .find(|line| line.starts_with(label))
        .unwrap_or_else(|| panic!("no line {label:?} in:\n{}", mail.text))
        .to_owned()
}

fn with_size(size_bytes: u64) -> Notice {
    match success_notice() {
        Notice::Success {
            tenant_name,
            tenant_code,
            finished_at,
            records,
            file_name,
            next_run,
            ..
        } => Notice::Success {
            tenant_name,
            tenant_code,
            finished_at,
            size_bytes,
            records,
            file_name,
            next_run,
        },
        _ => unreachable!("success_notice is a success"),
    }
}

#[test]
fn sizes_use_decimal_units_with_one_decimal_in_each_language() {
    let cases: [(u64, &str, &str); 11] = [
        (0, "0 octet", "0 bytes"),
        (1, "1 octet", "1 byte"),
        (999, "999 octets", "999 bytes"),
        (1000, "1,0 ko", "1.0 kB"),
        (1_400_000, "1,4 Mo", "1.4 MB"),
        (1_449_999, "1,4 Mo", "1.4 MB"),
        (1_450_000, "1,5 Mo", "1.5 MB"),
        (999_949, "999,9 ko", "999.9 kB"),
        // Rounds up to a thousand kilobytes: shown as the next unit.
        (999_950, "1,0 Mo", "1.0 MB"),
        (2_147_483_648, "2,1 Go", "2.1 GB"),
        (u64::MAX, "18446,7 Po", "18446.7 PB"),
    ];
    for (size_bytes, french, english) in cases {
        assert_eq!(
            text_line(&render(&with_size(size_bytes), Lang::Fr), "Taille"),
            format!("Taille : {french}")
        );
        assert_eq!(
            text_line(&render(&with_size(size_bytes), Lang::En), "Size"),
            format!("Size: {english}")
        );
    }
}

#[test]
fn record_counts_are_grouped_by_thousands() {
    let with_records = |records: u64| match success_notice() {
        Notice::Success {
            tenant_name,
            tenant_code,
            finished_at,
            size_bytes,
            file_name,
            next_run,
            ..
        } => Notice::Success {
            tenant_name,
            tenant_code,
            finished_at,
            size_bytes,
            records,
            file_name,
            next_run,
        },
        _ => unreachable!("success_notice is a success"),
    };
    for (records, french, english) in [
        (0, "0", "0"),
        (999, "999", "999"),
        (1000, "1\u{a0}000", "1,000"),
        (1_234_567, "1\u{a0}234\u{a0}567", "1,234,567"),
    ] {
        assert_eq!(
            text_line(&render(&with_records(records), Lang::Fr), "Enregistrements"),
            format!("Enregistrements : {french}")
        );
        assert_eq!(
            text_line(&render(&with_records(records), Lang::En), "Records"),
            format!("Records: {english}")
        );
    }
}

#[test]
fn dates_are_shown_in_the_zone_they_carry_and_name_it() {
    let in_zone = |finished_at: DateTime<Tz>| Notice::Success {
        tenant_name: "Marque Mode".to_owned(),
        tenant_code: "marque-mode".to_owned(),
        finished_at,
        size_bytes: 10,
        records: 1,
        file_name: "backup_marque-mode_20260301_000000.zip".to_owned(),
        next_run: None,
    };
    let utc = render(&in_zone(at(chrono_tz::UTC, 2026, 3, 1, 0, 5)), Lang::Fr);
    assert_eq!(
        text_line(&utc, "Date"),
        "Date : dimanche 1er mars 2026 à 00:05 (UTC)"
    );
    let new_york = render(
        &in_zone(at(chrono_tz::America::New_York, 2026, 3, 1, 0, 5)),
        Lang::En,
    );
    assert_eq!(
        text_line(&new_york, "Finished"),
        "Finished: Saturday 28 February 2026 at 19:05 (America/New_York)"
    );
    // A manual backup has no next run, and the mail does not invent one.
    assert!(!utc.text.contains("Prochaine sauvegarde"));
    assert!(!new_york.html.contains("Next backup"));
}

#[test]
fn every_interpolated_value_is_escaped_in_html() {
    let hostile = Notice::Failure {
        tenant_name: "Boutique <script>alert(\"x\")</script> & Cie".to_owned(),
        tenant_code: "boutique-<b>".to_owned(),
        failed_at: at(chrono_tz::UTC, 2026, 1, 30, 2, 0),
        error: "<img src=x onerror=alert(1)> 'quoted'".to_owned(),
        hints: vec!["<a href=\"javascript:alert(1)\">click</a>".to_owned()],
    };
    for lang in [Lang::Fr, Lang::En] {
        let mail = render(&hostile, lang);
        for raw in ["<script>", "<b>", "<img", "<a href", "& Cie", "'quoted'"] {
            assert!(
                !mail.html.contains(raw),
                "{raw:?} is not escaped in:\n{}",
                mail.html
            );
        }
        assert!(
            mail.html
                .contains("Boutique &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Cie")
        );
        assert!(mail.html.contains("boutique-&lt;b&gt;"));
        assert!(
            mail.html
                .contains("&lt;img src=x onerror=alert(1)&gt; &#39;quoted&#39;")
        );
        assert!(
            mail.html
                .contains("&lt;a href=&quot;javascript:alert(1)&quot;&gt;click&lt;/a&gt;")
        );
        // Plain text is not HTML: it shows the values as they are.
        assert!(
            mail.text
                .contains("Boutique <script>alert(\"x\")</script> & Cie")
        );
    }
}

#[test]
fn a_tenant_name_cannot_break_the_subject_line() {
    let notice = Notice::Failure {
        tenant_name: "Boutique\r\nBcc: everyone@example.com".to_owned(),
        tenant_code: "boutique".to_owned(),
        failed_at: at(chrono_tz::UTC, 2026, 1, 30, 2, 0),
        error: "disk full".to_owned(),
        hints: Vec::new(),
    };
    let mail = render(&notice, Lang::Fr);
    assert_eq!(
        mail.subject,
        "Échec de la sauvegarde — Boutique Bcc: everyone@example.com"
    );
}

#[test]
fn a_failure_without_hints_points_to_the_service_log() {
    let notice = Notice::Failure {
        tenant_name: "Marque Mode".to_owned(),
        tenant_code: "marque-mode".to_owned(),
        failed_at: at(chrono_tz::UTC, 2026, 1, 30, 2, 0),
        error: "disk full".to_owned(),
        hints: vec!["  ".to_owned()],
    };
    assert!(render(&notice, Lang::Fr).text.contains(
        "Ce qu'il faut vérifier :\n\
         - le journal du service de sauvegarde (tenant-backup), qui détaille l'erreur\n"
    ));
    assert!(render(&notice, Lang::En).text.contains(
        "What to check:\n- the log of the backup service (tenant-backup), which details the error\n"
    ));
}

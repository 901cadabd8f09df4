//! Turning a notice into a subject, a plain-text part and an HTML part. Pure: no clock, no I/O.

use chrono::{DateTime, Datelike, Timelike};
use chrono_tz::Tz;

use crate::notice::{Lang, Notice};

/// A notice written out, ready to be put in a `multipart/alternative` message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedMail {
    /// One line, with no control characters.
    pub subject: String,
    pub text: String,
    /// A complete HTML document; every interpolated value is escaped.
    pub html: String,
}

/// Writes `notice` in `lang`.
///
/// Dates are shown in the zone they carry, which is named after them. Sizes use decimal units
/// (1 Mo = 1 000 000 octets), as file managers show them, with one decimal: "1,4 Mo" in French,
/// "1.4 MB" in English.
pub fn render(notice: &Notice, lang: Lang) -> RenderedMail {
    let document = match notice {
        Notice::Success {
            tenant_name,
            tenant_code,
            finished_at,
            size_bytes,
            records,
            file_name,
            next_run,
        } => success_document(
            lang,
            tenant_name,
            tenant_code,
            finished_at,
            *size_bytes,
            *records,
            file_name,
            next_run.as_ref(),
        ),
        Notice::Failure {
            tenant_name,
            tenant_code,
            failed_at,
            error,
            hints,
        } => failure_document(lang, tenant_name, tenant_code, failed_at, error, hints),
        Notice::CopyFailed {
            tenant_name,
            tenant_code,
            file_name,
            store,
            failed_at,
            error,
            next_attempt,
        } => copy_failure_document(
            lang,
            &one_line(tenant_name),
            tenant_code,
            file_name,
            store,
            failed_at,
            error,
            next_attempt,
        ),
    };
    RenderedMail {
        subject: document.title.clone(),
        text: document.to_text(),
        html: document.to_html(),
    }
}

/// The content of a mail, laid out once and then written as text and as HTML, so the two parts
/// always say the same thing.
struct Document {
    lang: Lang,
    succeeded: bool,
    title: String,
    /// The opening sentence, around the tenant's name (which HTML shows in bold).
    intro_before_name: &'static str,
    tenant_name: String,
    intro_after_name: String,
    fields: Vec<(&'static str, String)>,
    checklist_heading: Option<&'static str>,
    checklist: Vec<String>,
    closing: Option<&'static str>,
}

#[allow(clippy::too_many_arguments)] // One per field of Notice::Success, destructured above.
fn success_document(
    lang: Lang,
    tenant_name: &str,
    tenant_code: &str,
    finished_at: &DateTime<Tz>,
    size_bytes: u64,
    records: u64,
    file_name: &str,
    next_run: Option<&DateTime<Tz>>,
) -> Document {
    let tenant_name = one_line(tenant_name);
    let mut fields = match lang {
        Lang::Fr => vec![
            ("Date", format_date_time(finished_at, lang)),
            ("Taille", format_size(size_bytes, lang)),
            ("Enregistrements", format_count(records, lang)),
            ("Fichier", file_name.to_owned()),
        ],
        Lang::En => vec![
            ("Finished", format_date_time(finished_at, lang)),
            ("Size", format_size(size_bytes, lang)),
            ("Records", format_count(records, lang)),
            ("File", file_name.to_owned()),
        ],
    };
    if let Some(next_run) = next_run {
        let label = match lang {
            Lang::Fr => "Prochaine sauvegarde",
            Lang::En => "Next backup",
        };
        fields.push((label, format_date_time(next_run, lang)));
    }
    let (title, intro_before_name, intro_after_name) = match lang {
        Lang::Fr => (
            format!("Sauvegarde réussie — {tenant_name}"),
            "La sauvegarde de ",
            format!(" ({tenant_code}) s'est terminée avec succès."),
        ),
        Lang::En => (
            format!("Backup succeeded — {tenant_name}"),
            "The backup of ",
            format!(" ({tenant_code}) completed successfully."),
        ),
    };
    Document {
        lang,
        succeeded: true,
        title,
        intro_before_name,
        tenant_name,
        intro_after_name,
        fields,
        checklist_heading: None,
        checklist: Vec::new(),
        closing: None,
    }
}

fn failure_document(
    lang: Lang,
    tenant_name: &str,
    tenant_code: &str,
    failed_at: &DateTime<Tz>,
    error: &str,
    hints: &[String],
) -> Document {
    let tenant_name = one_line(tenant_name);
    let mut checklist: Vec<String> = hints
        .iter()
        .map(|hint| hint.trim().to_owned())
        .filter(|hint| !hint.is_empty())
        .collect();
    if checklist.is_empty() {
        checklist.push(
            match lang {
                Lang::Fr => {
                    "le journal du service de sauvegarde (tenant-backup), qui détaille l'erreur"
                }
                Lang::En => {
                    "the log of the backup service (tenant-backup), which details the error"
                }
            }
            .to_owned(),
        );
    }
    let error = error.trim().to_owned();
    match lang {
        Lang::Fr => Document {
            lang,
            succeeded: false,
            title: format!("Échec de la sauvegarde — {tenant_name}"),
            intro_before_name: "La sauvegarde de ",
            tenant_name,
            intro_after_name: format!(" ({tenant_code}) a échoué."),
            fields: vec![
                ("Date de l'échec", format_date_time(failed_at, lang)),
                ("Erreur", error),
            ],
            checklist_heading: Some("Ce qu'il faut vérifier"),
            checklist,
            closing: Some("Les sauvegardes précédentes de ce tenant sont conservées."),
        },
        Lang::En => Document {
            lang,
            succeeded: false,
            title: format!("Backup failed — {tenant_name}"),
            intro_before_name: "The backup of ",
            tenant_name,
            intro_after_name: format!(" ({tenant_code}) failed."),
            fields: vec![
                ("Failed at", format_date_time(failed_at, lang)),
                ("Error", error),
            ],
            checklist_heading: Some("What to check"),
            checklist,
            closing: Some("Earlier backups of this tenant are kept."),
        },
    }
}

#[allow(clippy::too_many_arguments)] // One per field of Notice::CopyFailed, destructured above.
fn copy_failure_document(
    lang: Lang,
    tenant_name: &str,
    tenant_code: &str,
    file_name: &str,
    store: &str,
    failed_at: &DateTime<Tz>,
    error: &str,
    next_attempt: &DateTime<Tz>,
) -> Document {
    let store = one_line(store);
    let error = error.trim().to_owned();
    match lang {
        Lang::Fr => Document {
            lang,
            succeeded: false,
            title: format!("Copie hors site en échec ({store}) — {tenant_name}"),
            intro_before_name: "La sauvegarde de ",
            tenant_name: tenant_name.to_owned(),
            intro_after_name: format!(
                " ({tenant_code}) est terminée et conservée sur le serveur, mais sa copie vers « {store} » a échoué."
            ),
            fields: vec![
                ("Fichier", file_name.to_owned()),
                ("Date de l'échec", format_date_time(failed_at, lang)),
                ("Erreur", error),
                ("Nouvel essai", format_date_time(next_attempt, lang)),
            ],
            checklist_heading: Some("Ce qu'il faut vérifier"),
            checklist: vec![
                format!("que le stockage « {store} » répond et accepte la clé configurée"),
                "le journal du service de sauvegarde (tenant-backup), qui détaille l'erreur".into(),
            ],
            closing: Some(
                "La copie est retentée automatiquement ; ce message n'est envoyé qu'au premier échec.",
            ),
        },
        Lang::En => Document {
            lang,
            succeeded: false,
            title: format!("Offsite copy failed ({store}) — {tenant_name}"),
            intro_before_name: "The backup of ",
            tenant_name: tenant_name.to_owned(),
            intro_after_name: format!(
                " ({tenant_code}) is done and kept on the server, but its copy to \"{store}\" failed."
            ),
            fields: vec![
                ("File", file_name.to_owned()),
                ("Failed at", format_date_time(failed_at, lang)),
                ("Error", error),
                ("Next attempt", format_date_time(next_attempt, lang)),
            ],
            checklist_heading: Some("What to check"),
            checklist: vec![
                format!("that the store \"{store}\" answers and accepts the configured key"),
                "the log of the backup service (tenant-backup), which details the error".into(),
            ],
            closing: Some(
                "The copy is tried again automatically; this mail is sent at the first failure only.",
            ),
        },
    }
}

impl Document {
    /// French puts a space before a colon; English does not.
    fn colon(&self) -> &'static str {
        match self.lang {
            Lang::Fr => " :",
            Lang::En => ":",
        }
    }

    fn footer(&self) -> &'static str {
        match self.lang {
            Lang::Fr => {
                "Message envoyé automatiquement par le service de sauvegarde des tenants Odoo."
            }
            Lang::En => "Sent automatically by the Odoo tenant backup service.",
        }
    }

    fn to_text(&self) -> String {
        let colon = self.colon();
        let mut text = format!(
            "{}{}{}\n\n",
            self.intro_before_name, self.tenant_name, self.intro_after_name
        );
        for (label, value) in &self.fields {
            // Continuation lines of a multi-line value (an error with its cause) are indented so
            // they read as part of the field.
            let value = value.replace('\n', "\n    ");
            text.push_str(&format!("{label}{colon} {value}\n"));
        }
        if let Some(heading) = self.checklist_heading {
            text.push_str(&format!("\n{heading}{colon}\n"));
            for item in &self.checklist {
                text.push_str(&format!("- {}\n", item.replace('\n', "\n  ")));
            }
        }
        if let Some(closing) = self.closing {
            text.push_str(&format!("\n{closing}\n"));
        }
        text.push_str(&format!("\n-- \n{}\n", self.footer()));
        text
    }

    fn to_html(&self) -> String {
        let colon = self.colon();
        let accent = if self.succeeded { "#1e7e34" } else { "#b02a37" };
        let mut html = String::new();
        html.push_str("<!DOCTYPE html>\n");
        html.push_str(&format!("<html lang=\"{}\">\n", self.lang));
        html.push_str("<head>\n<meta charset=\"utf-8\">\n");
        html.push_str(&format!("<title>{}</title>\n", escape_html(&self.title)));
        html.push_str("</head>\n");
        html.push_str(
            "<body style=\"font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #212529;\">\n",
        );
        html.push_str(&format!(
            "<h2 style=\"color: {accent}; font-size: 18px;\">{}</h2>\n",
            escape_html(&self.title)
        ));
        html.push_str(&format!(
            "<p>{}<strong>{}</strong>{}</p>\n",
            escape_html(self.intro_before_name),
            escape_html(&self.tenant_name),
            escape_html(&self.intro_after_name)
        ));
        html.push_str("<table style=\"border-collapse: collapse;\">\n");
        for (label, value) in &self.fields {
            html.push_str(&format!(
                "<tr><th style=\"text-align: left; vertical-align: top; padding: 2px 16px 2px 0;\">{}{}</th>\
                 <td style=\"padding: 2px 0; white-space: pre-wrap;\">{}</td></tr>\n",
                escape_html(label),
                escape_html(colon),
                escape_html(value)
            ));
        }
        html.push_str("</table>\n");
        if let Some(heading) = self.checklist_heading {
            html.push_str(&format!(
                "<p><strong>{}{}</strong></p>\n<ul>\n",
                escape_html(heading),
                escape_html(colon)
            ));
            for item in &self.checklist {
                html.push_str(&format!(
                    "<li style=\"white-space: pre-wrap;\">{}</li>\n",
                    escape_html(item)
                ));
            }
            html.push_str("</ul>\n");
        }
        if let Some(closing) = self.closing {
            html.push_str(&format!("<p>{}</p>\n", escape_html(closing)));
        }
        html.push_str(&format!(
            "<p style=\"color: #6c757d; font-size: 12px;\">{}</p>\n",
            escape_html(self.footer())
        ));
        html.push_str("</body>\n</html>\n");
        html
    }
}

/// Escapes text for HTML element content and attribute values.
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A name as it may appear in a subject: one line, control characters replaced by spaces, so a
/// tenant name can never add a header line or break the subject.
fn one_line(text: &str) -> String {
    let replaced: String = text
        .chars()
        .map(|character| {
            if character.is_control() {
                ' '
            } else {
                character
            }
        })
        .collect();
    replaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

const FRENCH_WEEKDAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const FRENCH_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// "vendredi 30 janvier 2026 à 17:42 (Europe/Paris)", "Friday 30 January 2026 at 17:42
/// (Europe/Paris)". Written by hand rather than with chrono's locales, which would pull in every
/// locale's tables for two languages.
fn format_date_time(instant: &DateTime<Tz>, lang: Lang) -> String {
    let zone_name = instant.timezone().name();
    match lang {
        Lang::Fr => {
            let weekday = FRENCH_WEEKDAYS[instant.weekday().num_days_from_monday() as usize];
            let month = FRENCH_MONTHS[instant.month0() as usize];
            // French writes the first day of the month as an ordinal: "1er février".
            let day = match instant.day() {
                1 => "1er".to_owned(),
                day => day.to_string(),
            };
            format!(
                "{weekday} {day} {month} {} à {:02}:{:02} ({zone_name})",
                instant.year(),
                instant.hour(),
                instant.minute()
            )
        }
        Lang::En => format!("{} ({zone_name})", instant.format("%A %-d %B %Y at %H:%M")),
    }
}

/// Groups thousands: "29 494" in French (with a no-break space, so the number never wraps),
/// "29,494" in English.
fn format_count(count: u64, lang: Lang) -> String {
    let separator = match lang {
        Lang::Fr => '\u{a0}',
        Lang::En => ',',
    };
    let digits = count.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(separator);
        }
        grouped.push(digit);
    }
    grouped
}

/// "1,4 Mo" / "1.4 MB", decimal units, one decimal; "512 octets" / "512 bytes" below a kilobyte.
fn format_size(bytes: u64, lang: Lang) -> String {
    let units: [&str; 6] = match lang {
        Lang::Fr => ["octets", "ko", "Mo", "Go", "To", "Po"],
        Lang::En => ["bytes", "kB", "MB", "GB", "TB", "PB"],
    };
    if bytes < 1000 {
        let unit = match (bytes, lang) {
            (0 | 1, Lang::Fr) => "octet",
            (1, Lang::En) => "byte",
            _ => units[0],
        };
        return format!("{bytes} {unit}");
    }
    // Tenths of the unit, rounded half up, in integers so that rounding is exact.
    let mut unit_index = 1;
    let mut divisor: u128 = 1000;
    let tenths = |divisor: u128| (u128::from(bytes) * 20 + divisor) / (divisor * 2);
    while unit_index < units.len() - 1 && tenths(divisor) >= 10_000 {
        unit_index += 1;
        divisor *= 1000;
    }
    let tenths = tenths(divisor);
    let decimal_mark = match lang {
        Lang::Fr => ',',
        Lang::En => '.',
    };
    format!(
        "{}{decimal_mark}{} {}",
        tenths / 10,
        tenths % 10,
        units[unit_index]
    )
}

// Field metadata of the models of the backup addon (`quelyos_tenant_backup`), transcribed from
// its Python definitions (odoo_addon/quelyos_tenant_backup/models/). They exist in a database
// only once the addon is installed: see `Database::install_backup_addon`.

use super::{FieldDef, FieldKind, ModelDef};

/// The module that defines these models.
pub(super) const MODULE: &str = "quelyos_tenant_backup";

const BACKUP_STATUSES: &[(&str, &str)] = &[
    ("pending", "Pending"),
    ("running", "Running"),
    ("done", "Done"),
    ("failed", "Failed"),
];
const BACKUP_ORIGINS: &[(&str, &str)] = &[
    ("manual", "Manual"),
    ("schedule", "Schedule"),
    ("safety", "Safety (before a restore)"),
];
const FREQUENCIES: &[(&str, &str)] = &[
    ("daily", "Daily"),
    ("weekly", "Weekly"),
    ("monthly", "Monthly"),
];
const WEEKDAYS: &[(&str, &str)] = &[
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
];
const LAST_STATUSES: &[(&str, &str)] = &[
    ("never", "Never run"),
    ("running", "Running"),
    ("success", "Success"),
    ("failed", "Failed"),
];
/// `_tz_get` lists every pytz zone; the simulator knows the ones its data uses.
const TIME_ZONES: &[(&str, &str)] = &[
    ("America/New_York", "America/New_York"),
    ("Europe/Brussels", "Europe/Brussels"),
    ("Europe/Paris", "Europe/Paris"),
    ("UTC", "UTC"),
];
const AUDIT_ACTIONS: &[(&str, &str)] = &[
    ("download", "Download"),
    ("restore", "Restore"),
    ("delete", "Delete"),
];

const fn char(name: &'static str, string: &'static str) -> FieldDef {
    FieldDef {
        name,
        kind: FieldKind::Char,
        string,
        translate: Some(false),
        ..FieldDef::BASE
    }
}

const fn text(name: &'static str, string: &'static str) -> FieldDef {
    FieldDef {
        name,
        kind: FieldKind::Text,
        string,
        readonly: true,
        translate: Some(false),
        ..FieldDef::BASE
    }
}

const fn typed(name: &'static str, kind: FieldKind, string: &'static str) -> FieldDef {
    FieldDef {
        name,
        kind,
        string,
        ..FieldDef::BASE
    }
}

const fn readonly(field: FieldDef) -> FieldDef {
    FieldDef {
        readonly: true,
        ..field
    }
}

const fn required(field: FieldDef) -> FieldDef {
    FieldDef {
        required: true,
        ..field
    }
}

const fn indexed(field: FieldDef) -> FieldDef {
    FieldDef {
        index: true,
        ..field
    }
}

const fn many2one(name: &'static str, string: &'static str, comodel: &'static str) -> FieldDef {
    FieldDef {
        name,
        kind: FieldKind::Many2one,
        string,
        relation: Some(comodel),
        ..FieldDef::BASE
    }
}

const fn selection(
    name: &'static str,
    string: &'static str,
    values: &'static [(&'static str, &'static str)],
) -> FieldDef {
    FieldDef {
        name,
        kind: FieldKind::Selection,
        string,
        selection: Some(values),
        ..FieldDef::BASE
    }
}

/// `display_name`, computed from what names a record.
const fn display_name(depends: &'static [&'static str]) -> FieldDef {
    FieldDef {
        name: "display_name",
        kind: FieldKind::Char,
        string: "Display Name",
        readonly: true,
        store: false,
        sortable: false,
        groupable: false,
        depends,
        translate: Some(false),
        ..FieldDef::BASE
    }
}

pub(super) static MODELS: &[ModelDef] = &[
    ModelDef {
        name: "quelyos.backup",
        description: "Tenant backup",
        transient: false,
        modules: MODULE,
        order: "created_at desc, id desc",
        fields: &[
            indexed(readonly(required(char("backup_id", "Backup Identifier")))),
            indexed(readonly(many2one("company_id", "Tenant", "res.company"))),
            readonly(char("file_name", "File Name")),
            readonly(selection("origin", "Origin", BACKUP_ORIGINS)),
            indexed(readonly(many2one(
                "schedule_id",
                "Schedule",
                "quelyos.backup.schedule",
            ))),
            indexed(readonly(required(selection(
                "status",
                "Status",
                BACKUP_STATUSES,
            )))),
            readonly(typed("size", FieldKind::Float, "Size (bytes)")),
            FieldDef {
                readonly: true,
                depends: &["size"],
                ..typed("size_mb", FieldKind::Float, "Size (MB)")
            },
            FieldDef {
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                searchable: false,
                depends: &["size"],
                ..char("size_display", "Size")
            },
            readonly(typed("records", FieldKind::Integer, "Records")),
            readonly(typed("attachments", FieldKind::Integer, "Attachments")),
            readonly(FieldDef {
                digits: Some(2),
                ..typed("duration", FieldKind::Float, "Duration (s)")
            }),
            text("error", "Error"),
            readonly(char("job_id", "Job")),
            indexed(readonly(typed(
                "created_at",
                FieldKind::Datetime,
                "Created At",
            ))),
            readonly(typed("id", FieldKind::Integer, "ID")),
            display_name(&["file_name"]),
            readonly(many2one("create_uid", "Created by", "res.users")),
            readonly(typed("create_date", FieldKind::Datetime, "Created on")),
            readonly(many2one("write_uid", "Last Updated by", "res.users")),
            readonly(typed("write_date", FieldKind::Datetime, "Last Updated on")),
        ],
    },
    ModelDef {
        name: "quelyos.backup.schedule",
        description: "Tenant backup schedule",
        transient: false,
        modules: MODULE,
        order: "company_id, hour, minute, id",
        fields: &[
            typed("active", FieldKind::Boolean, "Enabled"),
            indexed(required(many2one("company_id", "Tenant", "res.company"))),
            required(selection("frequency", "Frequency", FREQUENCIES)),
            required(typed("hour", FieldKind::Integer, "Hour")),
            required(typed("minute", FieldKind::Integer, "Minute")),
            selection("weekday", "Day of Week", WEEKDAYS),
            typed("day_of_month", FieldKind::Integer, "Day of Month"),
            FieldDef {
                depends: &["company_id"],
                ..required(selection("tz", "Time Zone", TIME_ZONES))
            },
            FieldDef {
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                searchable: false,
                depends: &["hour", "minute"],
                ..char("time_display", "Time")
            },
            required(typed("retention_count", FieldKind::Integer, "Retention")),
            char("notification_email", "Notification Email"),
            readonly(typed("next_run", FieldKind::Datetime, "Next Run")),
            readonly(typed("last_run", FieldKind::Datetime, "Last Run")),
            readonly(required(selection(
                "last_status",
                "Last Status",
                LAST_STATUSES,
            ))),
            readonly(many2one("last_backup_id", "Last Backup", "quelyos.backup")),
            FieldDef {
                name: "backup_ids",
                kind: FieldKind::One2many,
                string: "Backups",
                relation: Some("quelyos.backup"),
                relation_field: Some("schedule_id"),
                store: false,
                sortable: false,
                groupable: false,
                ..FieldDef::BASE
            },
            FieldDef {
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                searchable: false,
                ..typed("backup_count", FieldKind::Integer, "Backup Count")
            },
            readonly(typed("id", FieldKind::Integer, "ID")),
            display_name(&["company_id", "frequency", "hour", "minute"]),
            readonly(many2one("create_uid", "Created by", "res.users")),
            readonly(typed("create_date", FieldKind::Datetime, "Created on")),
            readonly(many2one("write_uid", "Last Updated by", "res.users")),
            readonly(typed("write_date", FieldKind::Datetime, "Last Updated on")),
        ],
    },
    ModelDef {
        name: "quelyos.backup.audit",
        description: "Tenant backup audit entry",
        transient: false,
        modules: MODULE,
        order: "date desc, id desc",
        fields: &[
            readonly(required(typed("date", FieldKind::Datetime, "Date"))),
            readonly(required(many2one("user_id", "User", "res.users"))),
            readonly(required(selection("action", "Action", AUDIT_ACTIONS))),
            readonly(many2one("backup_id", "Backup", "quelyos.backup")),
            readonly(char("backup_ref", "Backup Identifier")),
            readonly(many2one("company_id", "Tenant", "res.company")),
            text("details", "Details"),
            readonly(typed("id", FieldKind::Integer, "ID")),
            display_name(&["backup_ref"]),
            readonly(many2one("create_uid", "Created by", "res.users")),
            readonly(typed("create_date", FieldKind::Datetime, "Created on")),
            readonly(many2one("write_uid", "Last Updated by", "res.users")),
            readonly(typed("write_date", FieldKind::Datetime, "Last Updated on")),
        ],
    },
];

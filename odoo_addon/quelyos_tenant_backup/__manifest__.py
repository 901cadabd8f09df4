{
    "name": "Tenant Backups",
    "summary": "Per-tenant backup, download and restore of a multi-company Odoo, "
    "driven by the tenant backup service",
    # No series prefix: the same source installs on Odoo 18.0 and 19.0, which each
    # read "1.0.0" as their own series' 1.0.0 (18.0.1.0.0, 19.0.1.0.0).
    "version": "1.0.0",
    "category": "Administration",
    "website": "https://github.com/quelyos/quelyos-suite",
    "author": "Quelyos",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    "depends": ["base_setup"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/ir.model.access.csv",
        "data/ir_config_parameter_data.xml",
        "data/ir_cron_data.xml",
        "views/quelyos_backup_views.xml",
        "views/quelyos_backup_schedule_views.xml",
        "views/quelyos_backup_audit_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/quelyos_backup_start_wizard_views.xml",
        "wizards/quelyos_backup_restore_wizard_views.xml",
        "views/menus.xml",
    ],
}

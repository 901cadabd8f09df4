// The models of the backup addon (`quelyos_tenant_backup`, odoo_addon/quelyos_tenant_backup/).
// Their metadata is in the catalogue like every model's, captured from an Odoo that has the
// addon installed; unlike the others, they exist in a database only once the addon is
// installed: see `Database::install_backup_addon`.

/// The module that defines these models.
pub(super) const MODULE: &str = "quelyos_tenant_backup";

/// The models a database has only once `MODULE` is installed.
pub(super) const MODELS: &[&str] = &[
    "quelyos.backup",
    "quelyos.backup.schedule",
    "quelyos.backup.audit",
];

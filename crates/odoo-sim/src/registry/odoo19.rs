// The models Odoo 19 added (`catalog/odoo19/`): a database of the simulator's 19 mode has them
// from the start, one of its 18 mode never does (see `Database::add_odoo19_models`).

/// What the registry files them under in place of a module: a database "installs" it when it
/// is a 19 one. It is not a row of `ir.module.module`.
pub(super) const RELEASE: &str = "odoo 19.0";

/// Odoo 19's `stock.reference` ties an order to its transfers; it has no company field.
pub(super) const MODELS: &[&str] = &["stock.reference"];

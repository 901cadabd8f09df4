// Field metadata of the simulated models, transcribed from `fields_get` and `ir.model` on a
// real Odoo 18.0 (base, product, sale_management, stock, crm, account). Only data lives here;
// what the simulator does with a model is decided in `registry.rs`.

use super::{FieldDef, FieldKind, ModelDef};

pub(super) static MODELS: &[ModelDef] = &[
    ModelDef {
        name: "res.company",
        description: "Companies",
        transient: false,
        modules: "account, barcodes, base, mail, partner_autocomplete, payment, product, resource, sale, sale_management, sale_stock, snailmail, spreadsheet_account, stock, stock_account, stock_sms, web",
        order: "sequence, name",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Company Name",
                required: true,
                related: Some("partner_id.name"),
                depends: &["partner_id.name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "active",
                kind: FieldKind::Boolean,
                string: "Active",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "sequence",
                kind: FieldKind::Integer,
                string: "Sequence",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "parent_id",
                kind: FieldKind::Many2one,
                string: "Parent Company",
                relation: Some("res.company"),
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "partner_id",
                kind: FieldKind::Many2one,
                string: "Partner",
                relation: Some("res.partner"),
                required: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "currency_id",
                kind: FieldKind::Many2one,
                string: "Currency",
                relation: Some("res.currency"),
                required: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "street",
                kind: FieldKind::Char,
                string: "Street",
                store: false,
                sortable: false,
                groupable: false,
                searchable: false,
                depends: &[
                    "partner_id.street",
                    "partner_id.street2",
                    "partner_id.city",
                    "partner_id.zip",
                    "partner_id.state_id",
                    "partner_id.country_id",
                ],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "zip",
                kind: FieldKind::Char,
                string: "Zip",
                store: false,
                sortable: false,
                groupable: false,
                searchable: false,
                depends: &[
                    "partner_id.street",
                    "partner_id.street2",
                    "partner_id.city",
                    "partner_id.zip",
                    "partner_id.state_id",
                    "partner_id.country_id",
                ],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "city",
                kind: FieldKind::Char,
                string: "City",
                store: false,
                sortable: false,
                groupable: false,
                searchable: false,
                depends: &[
                    "partner_id.street",
                    "partner_id.street2",
                    "partner_id.city",
                    "partner_id.zip",
                    "partner_id.state_id",
                    "partner_id.country_id",
                ],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "country_id",
                kind: FieldKind::Many2one,
                string: "Country",
                relation: Some("res.country"),
                store: false,
                sortable: false,
                groupable: false,
                searchable: false,
                depends: &[
                    "partner_id.street",
                    "partner_id.street2",
                    "partner_id.city",
                    "partner_id.zip",
                    "partner_id.state_id",
                    "partner_id.country_id",
                ],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "email",
                kind: FieldKind::Char,
                string: "Email",
                related: Some("partner_id.email"),
                depends: &["partner_id.email"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "phone",
                kind: FieldKind::Char,
                string: "Phone",
                related: Some("partner_id.phone"),
                depends: &["partner_id.phone"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "vat",
                kind: FieldKind::Char,
                string: "Tax ID",
                store: false,
                related: Some("partner_id.vat"),
                depends: &["partner_id.vat"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_registry",
                kind: FieldKind::Char,
                string: "Company ID",
                store: false,
                related: Some("partner_id.company_registry"),
                depends: &["partner_id.company_registry"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "res.users",
        description: "User",
        transient: false,
        modules: "auth_signup, auth_totp, auth_totp_mail, auth_totp_portal, base, base_import, base_setup, bus, calendar, contacts, crm, digest, mail, mail_bot, phone_validation, resource, sale_crm, sale_stock, sales_team, stock, web, web_tour, web_unsplash",
        order: "name, login",
        fields: &[
            FieldDef {
                name: "partner_id",
                kind: FieldKind::Many2one,
                string: "Related Partner",
                relation: Some("res.partner"),
                required: true,
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "login",
                kind: FieldKind::Char,
                string: "Login",
                required: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "active",
                kind: FieldKind::Boolean,
                string: "Active",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "share",
                kind: FieldKind::Boolean,
                string: "Share User",
                readonly: true,
                depends: &["groups_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                required: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_ids",
                kind: FieldKind::Many2many,
                string: "Companies",
                relation: Some("res.company"),
                sortable: false,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Name",
                store: false,
                related: Some("partner_id.name"),
                depends: &["partner_id.name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "res.partner",
        description: "Contact",
        transient: false,
        modules: "account, account_edi_ubl_cii, auth_signup, base, bus, calendar, contacts, crm, mail, partner_autocomplete, payment, phone_validation, portal, privacy_lookup, product, sale, sms, snailmail, snailmail_account, stock, web",
        order: "complete_name ASC, id DESC",
        fields: &[
            FieldDef {
                name: "image_1920",
                kind: FieldKind::Binary,
                string: "Image",
                sortable: false,
                groupable: false,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "image_1024",
                kind: FieldKind::Binary,
                string: "Image 1024",
                readonly: true,
                sortable: false,
                groupable: false,
                related: Some("image_1920"),
                depends: &["image_1920"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "image_512",
                kind: FieldKind::Binary,
                string: "Image 512",
                readonly: true,
                sortable: false,
                groupable: false,
                related: Some("image_1920"),
                depends: &["image_1920"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "image_256",
                kind: FieldKind::Binary,
                string: "Image 256",
                readonly: true,
                sortable: false,
                groupable: false,
                related: Some("image_1920"),
                depends: &["image_1920"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "image_128",
                kind: FieldKind::Binary,
                string: "Image 128",
                readonly: true,
                sortable: false,
                groupable: false,
                related: Some("image_1920"),
                depends: &["image_1920"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Name",
                index: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "complete_name",
                kind: FieldKind::Char,
                string: "Complete Name",
                readonly: true,
                index: true,
                depends: &[
                    "is_company",
                    "name",
                    "parent_id.name",
                    "type",
                    "company_name",
                    "commercial_company_name",
                ],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "parent_id",
                kind: FieldKind::Many2one,
                string: "Related Company",
                relation: Some("res.partner"),
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "child_ids",
                kind: FieldKind::One2many,
                string: "Contact",
                relation: Some("res.partner"),
                relation_field: Some("parent_id"),
                sortable: false,
                groupable: false,
                depends: &["child_ids.active"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "ref",
                kind: FieldKind::Char,
                string: "Reference",
                index: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "lang",
                kind: FieldKind::Selection,
                string: "Language",
                selection: Some(&[("en_US", "English (US)")]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "vat",
                kind: FieldKind::Char,
                string: "Tax ID",
                index: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "comment",
                kind: FieldKind::Html,
                string: "Notes",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "category_id",
                kind: FieldKind::Many2many,
                string: "Tags",
                relation: Some("res.partner.category"),
                sortable: false,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "active",
                kind: FieldKind::Boolean,
                string: "Active",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "type",
                kind: FieldKind::Selection,
                string: "Address Type",
                selection: Some(&[
                    ("contact", "Contact"),
                    ("invoice", "Invoice Address"),
                    ("delivery", "Delivery Address"),
                    ("other", "Other Address"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "street",
                kind: FieldKind::Char,
                string: "Street",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "zip",
                kind: FieldKind::Char,
                string: "Zip",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "city",
                kind: FieldKind::Char,
                string: "City",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "country_id",
                kind: FieldKind::Many2one,
                string: "Country",
                relation: Some("res.country"),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "email",
                kind: FieldKind::Char,
                string: "Email",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "phone",
                kind: FieldKind::Char,
                string: "Phone",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "mobile",
                kind: FieldKind::Char,
                string: "Mobile",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "is_company",
                kind: FieldKind::Boolean,
                string: "Is a Company",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "partner_share",
                kind: FieldKind::Boolean,
                string: "Share Partner",
                readonly: true,
                depends: &["user_ids.share", "user_ids.active"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "user_ids",
                kind: FieldKind::One2many,
                string: "Users",
                relation: Some("res.users"),
                relation_field: Some("partner_id"),
                sortable: false,
                groupable: false,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "commercial_partner_id",
                kind: FieldKind::Many2one,
                string: "Commercial Entity",
                relation: Some("res.partner"),
                readonly: true,
                index: true,
                depends: &["is_company", "parent_id.commercial_partner_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &[
                    "complete_name",
                    "email",
                    "vat",
                    "state_id",
                    "country_id",
                    "commercial_company_name",
                    "name",
                ],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "property_product_pricelist",
                kind: FieldKind::Many2one,
                string: "Pricelist",
                relation: Some("product.pricelist"),
                store: false,
                sortable: false,
                groupable: false,
                searchable: false,
                depends: &["country_id", "specific_property_product_pricelist"],
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "res.partner.category",
        description: "Partner Tags",
        transient: false,
        modules: "base",
        order: "name",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Name",
                required: true,
                translate: Some(true),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "color",
                kind: FieldKind::Integer,
                string: "Color",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "parent_id",
                kind: FieldKind::Many2one,
                string: "Category",
                relation: Some("res.partner.category"),
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "active",
                kind: FieldKind::Boolean,
                string: "Active",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["parent_id", "name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "res.country",
        description: "Country",
        transient: false,
        modules: "base, payment",
        order: "name",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Country Name",
                required: true,
                translate: Some(true),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "code",
                kind: FieldKind::Char,
                string: "Country Code",
                required: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "currency_id",
                kind: FieldKind::Many2one,
                string: "Currency",
                relation: Some("res.currency"),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "phone_code",
                kind: FieldKind::Integer,
                string: "Country Calling Code",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "res.currency",
        description: "Currency",
        transient: false,
        modules: "account, base, product, spreadsheet",
        order: "active desc, name",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Currency",
                required: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "full_name",
                kind: FieldKind::Char,
                string: "Name",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "symbol",
                kind: FieldKind::Char,
                string: "Symbol",
                required: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "rounding",
                kind: FieldKind::Float,
                string: "Rounding Factor",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "decimal_places",
                kind: FieldKind::Integer,
                string: "Decimal Places",
                readonly: true,
                depends: &["rounding"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "active",
                kind: FieldKind::Boolean,
                string: "Active",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "position",
                kind: FieldKind::Selection,
                string: "Symbol Position",
                selection: Some(&[("after", "After Amount"), ("before", "Before Amount")]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "uom.category",
        description: "Product UoM Categories",
        transient: false,
        modules: "uom",
        order: "id",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Unit of Measure Category",
                required: true,
                translate: Some(true),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "uom.uom",
        description: "Product Unit of Measure",
        transient: false,
        modules: "account, product, stock, uom",
        order: "factor DESC, id",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Unit of Measure",
                required: true,
                translate: Some(true),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "category_id",
                kind: FieldKind::Many2one,
                string: "Category",
                relation: Some("uom.category"),
                required: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "factor",
                kind: FieldKind::Float,
                string: "Ratio",
                required: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "rounding",
                kind: FieldKind::Float,
                string: "Rounding Precision",
                required: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "active",
                kind: FieldKind::Boolean,
                string: "Active",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "uom_type",
                kind: FieldKind::Selection,
                string: "Type",
                required: true,
                selection: Some(&[
                    ("bigger", "Bigger than the reference Unit of Measure"),
                    ("reference", "Reference Unit of Measure for this category"),
                    ("smaller", "Smaller than the reference Unit of Measure"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "product.category",
        description: "Product Category",
        transient: false,
        modules: "account, product, sale, stock, stock_account",
        order: "complete_name",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Name",
                required: true,
                index: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "complete_name",
                kind: FieldKind::Char,
                string: "Complete Name",
                readonly: true,
                depends: &["name", "parent_id.complete_name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "parent_id",
                kind: FieldKind::Many2one,
                string: "Parent Category",
                relation: Some("product.category"),
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["complete_name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "product.template",
        description: "Product",
        transient: false,
        modules: "account, product, sale, sale_stock, stock, stock_account",
        order: "is_favorite desc, name",
        fields: &[
            FieldDef {
                name: "image_1920",
                kind: FieldKind::Binary,
                string: "Image",
                sortable: false,
                groupable: false,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "image_1024",
                kind: FieldKind::Binary,
                string: "Image 1024",
                readonly: true,
                sortable: false,
                groupable: false,
                related: Some("image_1920"),
                depends: &["image_1920"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "image_512",
                kind: FieldKind::Binary,
                string: "Image 512",
                readonly: true,
                sortable: false,
                groupable: false,
                related: Some("image_1920"),
                depends: &["image_1920"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "image_256",
                kind: FieldKind::Binary,
                string: "Image 256",
                readonly: true,
                sortable: false,
                groupable: false,
                related: Some("image_1920"),
                depends: &["image_1920"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "image_128",
                kind: FieldKind::Binary,
                string: "Image 128",
                readonly: true,
                sortable: false,
                groupable: false,
                related: Some("image_1920"),
                depends: &["image_1920"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Name",
                required: true,
                index: true,
                translate: Some(true),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "sequence",
                kind: FieldKind::Integer,
                string: "Sequence",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "description",
                kind: FieldKind::Html,
                string: "Description",
                translate: Some(true),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "type",
                kind: FieldKind::Selection,
                string: "Product Type",
                required: true,
                selection: Some(&[
                    ("consu", "Goods"),
                    ("service", "Service"),
                    ("combo", "Combo"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "categ_id",
                kind: FieldKind::Many2one,
                string: "Product Category",
                relation: Some("product.category"),
                required: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "currency_id",
                kind: FieldKind::Many2one,
                string: "Currency",
                relation: Some("res.currency"),
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                searchable: false,
                depends: &["company_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "list_price",
                kind: FieldKind::Float,
                string: "Sales Price",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "standard_price",
                kind: FieldKind::Float,
                string: "Cost",
                store: false,
                sortable: false,
                groupable: false,
                depends: &["product_variant_ids.standard_price"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "sale_ok",
                kind: FieldKind::Boolean,
                string: "Sales",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "purchase_ok",
                kind: FieldKind::Boolean,
                string: "Purchase",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "uom_id",
                kind: FieldKind::Many2one,
                string: "Unit of Measure",
                relation: Some("uom.uom"),
                required: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "uom_po_id",
                kind: FieldKind::Many2one,
                string: "Purchase Unit",
                relation: Some("uom.uom"),
                required: true,
                depends: &["uom_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "active",
                kind: FieldKind::Boolean,
                string: "Active",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "product_variant_ids",
                kind: FieldKind::One2many,
                string: "Products",
                relation: Some("product.product"),
                relation_field: Some("product_tmpl_id"),
                required: true,
                sortable: false,
                groupable: false,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "product_variant_count",
                kind: FieldKind::Integer,
                string: "# Product Variants",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                searchable: false,
                depends: &["product_variant_ids.product_tmpl_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "barcode",
                kind: FieldKind::Char,
                string: "Barcode",
                store: false,
                sortable: false,
                groupable: false,
                depends: &["product_variant_ids.barcode"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "default_code",
                kind: FieldKind::Char,
                string: "Internal Reference",
                depends: &["product_variant_ids.default_code"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["name", "default_code", "name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "taxes_id",
                kind: FieldKind::Many2many,
                string: "Sales Taxes",
                relation: Some("account.tax"),
                sortable: false,
                depends: &["taxes_id.type_tax_use"],
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "product.product",
        description: "Product Variant",
        transient: false,
        modules: "account, product, sale, stock, stock_account",
        order: "is_favorite desc, default_code, name, id",
        fields: &[
            FieldDef {
                name: "lst_price",
                kind: FieldKind::Float,
                string: "Sales Price",
                store: false,
                sortable: false,
                groupable: false,
                searchable: false,
                depends: &["list_price", "price_extra"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "default_code",
                kind: FieldKind::Char,
                string: "Internal Reference",
                index: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "active",
                kind: FieldKind::Boolean,
                string: "Active",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "product_tmpl_id",
                kind: FieldKind::Many2one,
                string: "Product Template",
                relation: Some("product.template"),
                required: true,
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "barcode",
                kind: FieldKind::Char,
                string: "Barcode",
                index: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "combination_indices",
                kind: FieldKind::Char,
                string: "Combination Indices",
                readonly: true,
                index: true,
                depends: &["product_template_attribute_value_ids"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "standard_price",
                kind: FieldKind::Float,
                string: "Cost",
                company_dependent: true,
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "image_variant_1920",
                kind: FieldKind::Binary,
                string: "Variant Image",
                sortable: false,
                groupable: false,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "image_1920",
                kind: FieldKind::Binary,
                string: "Image",
                store: false,
                sortable: false,
                groupable: false,
                searchable: false,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Write Date",
                readonly: true,
                depends: &["product_tmpl_id.write_date"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["name", "default_code", "product_tmpl_id", "name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Name",
                required: true,
                store: false,
                related: Some("product_tmpl_id.name"),
                depends: &["product_tmpl_id.name"],
                translate: Some(true),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                store: false,
                related: Some("product_tmpl_id.company_id"),
                depends: &["product_tmpl_id.company_id"],
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "product.pricelist",
        description: "Pricelist",
        transient: false,
        modules: "product",
        order: "sequence, id, name",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Pricelist Name",
                required: true,
                translate: Some(true),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "active",
                kind: FieldKind::Boolean,
                string: "Active",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "sequence",
                kind: FieldKind::Integer,
                string: "Sequence",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "currency_id",
                kind: FieldKind::Many2one,
                string: "Currency",
                relation: Some("res.currency"),
                required: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "item_ids",
                kind: FieldKind::One2many,
                string: "Pricelist Rules",
                relation: Some("product.pricelist.item"),
                relation_field: Some("pricelist_id"),
                sortable: false,
                groupable: false,
                depends: &[
                    "item_ids.product_tmpl_id",
                    "item_ids.product_tmpl_id.active",
                    "item_ids.product_id",
                    "item_ids.product_id.active",
                ],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["currency_id", "name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "product.pricelist.item",
        description: "Pricelist Rule",
        transient: false,
        modules: "product",
        order: "applied_on, min_quantity desc, categ_id desc, id desc",
        fields: &[
            FieldDef {
                name: "pricelist_id",
                kind: FieldKind::Many2one,
                string: "Pricelist",
                relation: Some("product.pricelist"),
                required: true,
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                readonly: true,
                related: Some("pricelist_id.company_id"),
                depends: &["pricelist_id.company_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "currency_id",
                kind: FieldKind::Many2one,
                string: "Currency",
                relation: Some("res.currency"),
                readonly: true,
                related: Some("pricelist_id.currency_id"),
                depends: &["pricelist_id.currency_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "date_start",
                kind: FieldKind::Datetime,
                string: "Start Date",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "date_end",
                kind: FieldKind::Datetime,
                string: "End Date",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "min_quantity",
                kind: FieldKind::Float,
                string: "Min. Quantity",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "applied_on",
                kind: FieldKind::Selection,
                string: "Apply On",
                required: true,
                selection: Some(&[
                    ("3_global", "All Products"),
                    ("2_product_category", "Product Category"),
                    ("1_product", "Product"),
                    ("0_product_variant", "Product Variant"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "product_tmpl_id",
                kind: FieldKind::Many2one,
                string: "Product",
                relation: Some("product.template"),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "product_id",
                kind: FieldKind::Many2one,
                string: "Variant",
                relation: Some("product.product"),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "base",
                kind: FieldKind::Selection,
                string: "Based on",
                required: true,
                selection: Some(&[
                    ("list_price", "Sales Price"),
                    ("standard_price", "Cost"),
                    ("pricelist", "Other Pricelist"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "compute_price",
                kind: FieldKind::Selection,
                string: "Compute Price",
                required: true,
                index: true,
                selection: Some(&[
                    ("percentage", "Discount"),
                    ("formula", "Formula"),
                    ("fixed", "Fixed Price"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "fixed_price",
                kind: FieldKind::Float,
                string: "Fixed Price",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "percent_price",
                kind: FieldKind::Float,
                string: "Percentage Price",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "account.tax",
        description: "Tax",
        transient: false,
        modules: "account",
        order: "sequence,id",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Tax Name",
                required: true,
                translate: Some(true),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "type_tax_use",
                kind: FieldKind::Selection,
                string: "Tax Type",
                required: true,
                selection: Some(&[
                    ("sale", "Sales"),
                    ("purchase", "Purchases"),
                    ("none", "None"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "amount_type",
                kind: FieldKind::Selection,
                string: "Tax Computation",
                required: true,
                selection: Some(&[
                    ("group", "Group of Taxes"),
                    ("fixed", "Fixed"),
                    ("percent", "Percentage"),
                    ("division", "Percentage Tax Included"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "active",
                kind: FieldKind::Boolean,
                string: "Active",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                required: true,
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "sequence",
                kind: FieldKind::Integer,
                string: "Sequence",
                required: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "amount",
                kind: FieldKind::Float,
                string: "Amount",
                required: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "description",
                kind: FieldKind::Html,
                string: "Description",
                translate: Some(true),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "price_include_override",
                kind: FieldKind::Selection,
                string: "Included in Price",
                selection: Some(&[
                    ("tax_included", "Tax Included"),
                    ("tax_excluded", "Tax Excluded"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "country_id",
                kind: FieldKind::Many2one,
                string: "Country",
                relation: Some("res.country"),
                required: true,
                depends: &["company_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["type_tax_use", "tax_scope", "name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "account.account",
        description: "Account",
        transient: false,
        modules: "account, spreadsheet_account",
        order: "code, placeholder_code",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Account Name",
                required: true,
                index: true,
                translate: Some(true),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "currency_id",
                kind: FieldKind::Many2one,
                string: "Account Currency",
                relation: Some("res.currency"),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "code",
                kind: FieldKind::Char,
                string: "Code",
                store: false,
                depends: &["code_store"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "code_store",
                kind: FieldKind::Char,
                string: "Code Store",
                company_dependent: true,
                index: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "deprecated",
                kind: FieldKind::Boolean,
                string: "Deprecated",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "account_type",
                kind: FieldKind::Selection,
                string: "Type",
                required: true,
                index: true,
                depends: &["code"],
                selection: Some(&[
                    ("asset_receivable", "Receivable"),
                    ("asset_cash", "Bank and Cash"),
                    ("asset_current", "Current Assets"),
                    ("asset_non_current", "Non-current Assets"),
                    ("asset_prepayments", "Prepayments"),
                    ("asset_fixed", "Fixed Assets"),
                    ("liability_payable", "Payable"),
                    ("liability_credit_card", "Credit Card"),
                    ("liability_current", "Current Liabilities"),
                    ("liability_non_current", "Non-current Liabilities"),
                    ("equity", "Equity"),
                    ("equity_unaffected", "Current Year Earnings"),
                    ("income", "Income"),
                    ("income_other", "Other Income"),
                    ("expense", "Expenses"),
                    ("expense_depreciation", "Depreciation"),
                    ("expense_direct_cost", "Cost of Revenue"),
                    ("off_balance", "Off-Balance Sheet"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "reconcile",
                kind: FieldKind::Boolean,
                string: "Allow Reconciliation",
                depends: &["account_type"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_ids",
                kind: FieldKind::Many2many,
                string: "Companies",
                relation: Some("res.company"),
                required: true,
                sortable: false,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["code", "name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "account.journal",
        description: "Journal",
        transient: false,
        modules: "account, account_payment",
        order: "sequence, type, code",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Journal Name",
                required: true,
                translate: Some(true),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "code",
                kind: FieldKind::Char,
                string: "Short Code",
                required: true,
                depends: &["type", "company_id"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "active",
                kind: FieldKind::Boolean,
                string: "Active",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "type",
                kind: FieldKind::Selection,
                string: "Type",
                required: true,
                selection: Some(&[
                    ("sale", "Sales"),
                    ("purchase", "Purchase"),
                    ("cash", "Cash"),
                    ("bank", "Bank"),
                    ("credit", "Credit Card"),
                    ("general", "Miscellaneous"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "currency_id",
                kind: FieldKind::Many2one,
                string: "Currency",
                relation: Some("res.currency"),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                required: true,
                readonly: true,
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["currency_id", "name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "account.move",
        description: "Journal Entry",
        transient: false,
        modules: "account, account_edi_ubl_cii, account_payment, sale, sale_stock, stock_account",
        order: "date desc, name desc, invoice_date desc, id desc",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Number",
                index: true,
                depends: &[
                    "posted_before",
                    "state",
                    "journal_id",
                    "date",
                    "move_type",
                    "origin_payment_id",
                ],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "ref",
                kind: FieldKind::Char,
                string: "Reference",
                index: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "date",
                kind: FieldKind::Date,
                string: "Date",
                required: true,
                index: true,
                depends: &["invoice_date", "company_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "state",
                kind: FieldKind::Selection,
                string: "Status",
                required: true,
                readonly: true,
                selection: Some(&[
                    ("draft", "Draft"),
                    ("posted", "Posted"),
                    ("cancel", "Cancelled"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "move_type",
                kind: FieldKind::Selection,
                string: "Type",
                required: true,
                readonly: true,
                index: true,
                selection: Some(&[
                    ("entry", "Journal Entry"),
                    ("out_invoice", "Customer Invoice"),
                    ("out_refund", "Customer Credit Note"),
                    ("in_invoice", "Vendor Bill"),
                    ("in_refund", "Vendor Credit Note"),
                    ("out_receipt", "Sales Receipt"),
                    ("in_receipt", "Purchase Receipt"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "journal_id",
                kind: FieldKind::Many2one,
                string: "Journal",
                relation: Some("account.journal"),
                required: true,
                depends: &["move_type", "origin_payment_id", "statement_line_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                index: true,
                depends: &["journal_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "line_ids",
                kind: FieldKind::One2many,
                string: "Journal Items",
                relation: Some("account.move.line"),
                relation_field: Some("move_id"),
                sortable: false,
                groupable: false,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "invoice_line_ids",
                kind: FieldKind::One2many,
                string: "Invoice lines",
                relation: Some("account.move.line"),
                relation_field: Some("move_id"),
                sortable: false,
                groupable: false,
                depends: &["invoice_line_ids.display_type"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "invoice_date",
                kind: FieldKind::Date,
                string: "Invoice/Bill Date",
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "partner_id",
                kind: FieldKind::Many2one,
                string: "Partner",
                relation: Some("res.partner"),
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "currency_id",
                kind: FieldKind::Many2one,
                string: "Currency",
                relation: Some("res.currency"),
                required: true,
                depends: &["journal_id", "statement_line_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "amount_untaxed",
                kind: FieldKind::Monetary,
                string: "Untaxed Amount",
                readonly: true,
                depends: &[
                    "line_ids.matched_debit_ids.debit_move_id.move_id.origin_payment_id.is_matched",
                    "line_ids.matched_debit_ids.debit_move_id.move_id.line_ids.amount_residual",
                    "line_ids.matched_debit_ids.debit_move_id.move_id.line_ids.amount_residual_currency",
                    "line_ids.matched_credit_ids.credit_move_id.move_id.origin_payment_id.is_matched",
                    "line_ids.matched_credit_ids.credit_move_id.move_id.line_ids.amount_residual",
                    "line_ids.matched_credit_ids.credit_move_id.move_id.line_ids.amount_residual_currency",
                    "line_ids.balance",
                    "line_ids.currency_id",
                    "line_ids.amount_currency",
                    "line_ids.amount_residual",
                    "line_ids.amount_residual_currency",
                    "line_ids.payment_id.state",
                    "line_ids.full_reconcile_id",
                    "state",
                ],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "amount_tax",
                kind: FieldKind::Monetary,
                string: "Tax",
                readonly: true,
                depends: &[
                    "line_ids.matched_debit_ids.debit_move_id.move_id.origin_payment_id.is_matched",
                    "line_ids.matched_debit_ids.debit_move_id.move_id.line_ids.amount_residual",
                    "line_ids.matched_debit_ids.debit_move_id.move_id.line_ids.amount_residual_currency",
                    "line_ids.matched_credit_ids.credit_move_id.move_id.origin_payment_id.is_matched",
                    "line_ids.matched_credit_ids.credit_move_id.move_id.line_ids.amount_residual",
                    "line_ids.matched_credit_ids.credit_move_id.move_id.line_ids.amount_residual_currency",
                    "line_ids.balance",
                    "line_ids.currency_id",
                    "line_ids.amount_currency",
                    "line_ids.amount_residual",
                    "line_ids.amount_residual_currency",
                    "line_ids.payment_id.state",
                    "line_ids.full_reconcile_id",
                    "state",
                ],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "amount_total",
                kind: FieldKind::Monetary,
                string: "Total",
                readonly: true,
                depends: &[
                    "line_ids.matched_debit_ids.debit_move_id.move_id.origin_payment_id.is_matched",
                    "line_ids.matched_debit_ids.debit_move_id.move_id.line_ids.amount_residual",
                    "line_ids.matched_debit_ids.debit_move_id.move_id.line_ids.amount_residual_currency",
                    "line_ids.matched_credit_ids.credit_move_id.move_id.origin_payment_id.is_matched",
                    "line_ids.matched_credit_ids.credit_move_id.move_id.line_ids.amount_residual",
                    "line_ids.matched_credit_ids.credit_move_id.move_id.line_ids.amount_residual_currency",
                    "line_ids.balance",
                    "line_ids.currency_id",
                    "line_ids.amount_currency",
                    "line_ids.amount_residual",
                    "line_ids.amount_residual_currency",
                    "line_ids.payment_id.state",
                    "line_ids.full_reconcile_id",
                    "state",
                ],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["partner_id", "date", "state", "move_type", "name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "account.move.line",
        description: "Journal Item",
        transient: false,
        modules: "account, sale, sale_stock, stock_account",
        order: "date desc, move_name desc, id",
        fields: &[
            FieldDef {
                name: "move_id",
                kind: FieldKind::Many2one,
                string: "Journal Entry",
                relation: Some("account.move"),
                required: true,
                readonly: true,
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                readonly: true,
                index: true,
                related: Some("move_id.company_id"),
                depends: &["move_id.company_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "date",
                kind: FieldKind::Date,
                string: "Date",
                readonly: true,
                related: Some("move_id.date"),
                depends: &["move_id.date"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "account_id",
                kind: FieldKind::Many2one,
                string: "Account",
                relation: Some("account.account"),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Label",
                depends: &["product_id", "move_id.ref", "move_id.payment_reference"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "debit",
                kind: FieldKind::Monetary,
                string: "Debit",
                depends: &["balance", "move_id.is_storno"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "credit",
                kind: FieldKind::Monetary,
                string: "Credit",
                depends: &["balance", "move_id.is_storno"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "balance",
                kind: FieldKind::Monetary,
                string: "Balance",
                depends: &["move_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "amount_currency",
                kind: FieldKind::Monetary,
                string: "Amount in Currency",
                depends: &["currency_rate", "balance"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "currency_id",
                kind: FieldKind::Many2one,
                string: "Currency",
                relation: Some("res.currency"),
                required: true,
                depends: &["move_id.currency_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "partner_id",
                kind: FieldKind::Many2one,
                string: "Partner",
                relation: Some("res.partner"),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "tax_ids",
                kind: FieldKind::Many2many,
                string: "Taxes",
                relation: Some("account.tax"),
                sortable: false,
                depends: &["product_id", "product_uom_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_type",
                kind: FieldKind::Selection,
                string: "Display Type",
                required: true,
                depends: &["move_id"],
                selection: Some(&[
                    ("product", "Product"),
                    ("cogs", "Cost of Goods Sold"),
                    ("tax", "Tax"),
                    ("discount", "Discount"),
                    ("rounding", "Rounding"),
                    ("payment_term", "Payment Term"),
                    ("line_section", "Section"),
                    ("line_note", "Note"),
                    ("epd", "Early Payment Discount"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "product_id",
                kind: FieldKind::Many2one,
                string: "Product",
                relation: Some("product.product"),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "quantity",
                kind: FieldKind::Float,
                string: "Quantity",
                depends: &["display_type"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "price_unit",
                kind: FieldKind::Float,
                string: "Unit Price",
                depends: &["product_id", "product_uom_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "price_subtotal",
                kind: FieldKind::Monetary,
                string: "Subtotal",
                readonly: true,
                depends: &[
                    "quantity",
                    "discount",
                    "price_unit",
                    "tax_ids",
                    "currency_id",
                ],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["move_id", "ref", "product_id", "name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "sale.order",
        description: "Sales Order",
        transient: false,
        modules: "sale, sale_async_emails, sale_crm, sale_edi_ubl, sale_management, sale_pdf_quote_builder, sale_stock",
        order: "date_order desc, id desc",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Order Reference",
                required: true,
                index: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                required: true,
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "partner_id",
                kind: FieldKind::Many2one,
                string: "Customer",
                relation: Some("res.partner"),
                required: true,
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "state",
                kind: FieldKind::Selection,
                string: "Status",
                readonly: true,
                index: true,
                selection: Some(&[
                    ("draft", "Quotation"),
                    ("sent", "Quotation Sent"),
                    ("sale", "Sales Order"),
                    ("cancel", "Cancelled"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "client_order_ref",
                kind: FieldKind::Char,
                string: "Customer Reference",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Creation Date",
                readonly: true,
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "date_order",
                kind: FieldKind::Datetime,
                string: "Order Date",
                required: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "note",
                kind: FieldKind::Html,
                string: "Terms and conditions",
                depends: &["partner_id", "sale_order_template_id", "partner_id"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "pricelist_id",
                kind: FieldKind::Many2one,
                string: "Pricelist",
                relation: Some("product.pricelist"),
                depends: &["partner_id", "company_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "currency_id",
                kind: FieldKind::Many2one,
                string: "Currency",
                relation: Some("res.currency"),
                readonly: true,
                depends: &["pricelist_id", "company_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "user_id",
                kind: FieldKind::Many2one,
                string: "Salesperson",
                relation: Some("res.users"),
                index: true,
                depends: &["partner_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "order_line",
                kind: FieldKind::One2many,
                string: "Order Lines",
                relation: Some("sale.order.line"),
                relation_field: Some("order_id"),
                sortable: false,
                groupable: false,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "amount_untaxed",
                kind: FieldKind::Monetary,
                string: "Untaxed Amount",
                readonly: true,
                depends: &["order_line.price_subtotal", "currency_id", "company_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "amount_tax",
                kind: FieldKind::Monetary,
                string: "Taxes",
                readonly: true,
                depends: &["order_line.price_subtotal", "currency_id", "company_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "amount_total",
                kind: FieldKind::Monetary,
                string: "Total",
                readonly: true,
                depends: &["order_line.price_subtotal", "currency_id", "company_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["partner_id", "name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "warehouse_id",
                kind: FieldKind::Many2one,
                string: "Warehouse",
                relation: Some("stock.warehouse"),
                depends: &["user_id", "company_id"],
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "sale.order.line",
        description: "Sales Order Line",
        transient: false,
        modules: "sale, sale_management, sale_pdf_quote_builder, sale_stock",
        order: "order_id, sequence, id",
        fields: &[
            FieldDef {
                name: "order_id",
                kind: FieldKind::Many2one,
                string: "Order Reference",
                relation: Some("sale.order"),
                required: true,
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "sequence",
                kind: FieldKind::Integer,
                string: "Sequence",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                readonly: true,
                index: true,
                related: Some("order_id.company_id"),
                depends: &["order_id.company_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "currency_id",
                kind: FieldKind::Many2one,
                string: "Currency",
                relation: Some("res.currency"),
                readonly: true,
                related: Some("order_id.currency_id"),
                depends: &["order_id.currency_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "order_partner_id",
                kind: FieldKind::Many2one,
                string: "Customer",
                relation: Some("res.partner"),
                readonly: true,
                index: true,
                related: Some("order_id.partner_id"),
                depends: &["order_id.partner_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "state",
                kind: FieldKind::Selection,
                string: "Order Status",
                readonly: true,
                related: Some("order_id.state"),
                depends: &["order_id.state"],
                selection: Some(&[
                    ("draft", "Quotation"),
                    ("sent", "Quotation Sent"),
                    ("sale", "Sales Order"),
                    ("cancel", "Cancelled"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_type",
                kind: FieldKind::Selection,
                string: "Display Type",
                selection: Some(&[("line_section", "Section"), ("line_note", "Note")]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "product_id",
                kind: FieldKind::Many2one,
                string: "Product",
                relation: Some("product.product"),
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "name",
                kind: FieldKind::Text,
                string: "Description",
                required: true,
                depends: &[
                    "product_id",
                    "product_id",
                    "linked_line_id",
                    "linked_line_ids",
                ],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "product_uom_qty",
                kind: FieldKind::Float,
                string: "Quantity",
                required: true,
                depends: &["display_type", "product_id", "product_packaging_qty"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "product_uom",
                kind: FieldKind::Many2one,
                string: "Unit of Measure",
                relation: Some("uom.uom"),
                depends: &["product_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "tax_id",
                kind: FieldKind::Many2many,
                string: "Taxes",
                relation: Some("account.tax"),
                sortable: false,
                depends: &["product_id", "company_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "price_unit",
                kind: FieldKind::Float,
                string: "Unit Price",
                required: true,
                depends: &["product_id", "product_uom", "product_uom_qty"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "discount",
                kind: FieldKind::Float,
                string: "Discount (%)",
                depends: &["product_id", "product_uom", "product_uom_qty"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "price_subtotal",
                kind: FieldKind::Monetary,
                string: "Subtotal",
                readonly: true,
                depends: &["product_uom_qty", "discount", "price_unit", "tax_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "price_total",
                kind: FieldKind::Monetary,
                string: "Total",
                readonly: true,
                depends: &["product_uom_qty", "discount", "price_unit", "tax_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["order_partner_id", "order_id", "product_id", "name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "stock.warehouse",
        description: "Warehouse",
        transient: false,
        modules: "stock",
        order: "sequence,id",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Warehouse",
                required: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "active",
                kind: FieldKind::Boolean,
                string: "Active",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                required: true,
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "partner_id",
                kind: FieldKind::Many2one,
                string: "Address",
                relation: Some("res.partner"),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "view_location_id",
                kind: FieldKind::Many2one,
                string: "View Location",
                relation: Some("stock.location"),
                required: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "lot_stock_id",
                kind: FieldKind::Many2one,
                string: "Location Stock",
                relation: Some("stock.location"),
                required: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "code",
                kind: FieldKind::Char,
                string: "Short Name",
                required: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "stock.location",
        description: "Inventory Locations",
        transient: false,
        modules: "stock, stock_account",
        order: "complete_name, id",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Location Name",
                required: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "complete_name",
                kind: FieldKind::Char,
                string: "Full Location Name",
                readonly: true,
                depends: &["name", "location_id.complete_name", "usage"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "active",
                kind: FieldKind::Boolean,
                string: "Active",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "usage",
                kind: FieldKind::Selection,
                string: "Location Type",
                required: true,
                index: true,
                selection: Some(&[
                    ("supplier", "Vendor Location"),
                    ("view", "View"),
                    ("internal", "Internal Location"),
                    ("customer", "Customer Location"),
                    ("inventory", "Inventory Loss"),
                    ("production", "Production"),
                    ("transit", "Transit Location"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "location_id",
                kind: FieldKind::Many2one,
                string: "Parent Location",
                relation: Some("stock.location"),
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "warehouse_id",
                kind: FieldKind::Many2one,
                string: "Warehouse",
                relation: Some("stock.warehouse"),
                readonly: true,
                depends: &["warehouse_view_ids", "location_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["complete_name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "stock.quant",
        description: "Quants",
        transient: false,
        modules: "stock, stock_account",
        order: "id",
        fields: &[
            FieldDef {
                name: "product_id",
                kind: FieldKind::Many2one,
                string: "Product",
                relation: Some("product.product"),
                required: true,
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                readonly: true,
                related: Some("location_id.company_id"),
                depends: &["location_id.company_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "location_id",
                kind: FieldKind::Many2one,
                string: "Location",
                relation: Some("stock.location"),
                required: true,
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "quantity",
                kind: FieldKind::Float,
                string: "Quantity",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "reserved_quantity",
                kind: FieldKind::Float,
                string: "Reserved Quantity",
                required: true,
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "inventory_quantity",
                kind: FieldKind::Float,
                string: "Counted Quantity",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &[
                    "location_id",
                    "lot_id",
                    "package_id",
                    "owner_id",
                    "product_id",
                ],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "crm.stage",
        description: "CRM Stages",
        transient: false,
        modules: "crm",
        order: "sequence, name, id",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Stage Name",
                required: true,
                translate: Some(true),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "sequence",
                kind: FieldKind::Integer,
                string: "Sequence",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "is_won",
                kind: FieldKind::Boolean,
                string: "Is Won Stage?",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "fold",
                kind: FieldKind::Boolean,
                string: "Folded in Pipeline",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "crm.lead",
        description: "Lead/Opportunity",
        transient: false,
        modules: "crm, crm_iap_enrich, crm_iap_mine, iap_crm, sale_crm",
        order: "priority desc, id desc",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Opportunity",
                required: true,
                index: true,
                depends: &["partner_id"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "user_id",
                kind: FieldKind::Many2one,
                string: "Salesperson",
                relation: Some("res.users"),
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                index: true,
                depends: &["user_id", "team_id", "partner_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "description",
                kind: FieldKind::Html,
                string: "Notes",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "active",
                kind: FieldKind::Boolean,
                string: "Active",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "type",
                kind: FieldKind::Selection,
                string: "Type",
                required: true,
                index: true,
                selection: Some(&[("lead", "Lead"), ("opportunity", "Opportunity")]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "priority",
                kind: FieldKind::Selection,
                string: "Priority",
                index: true,
                selection: Some(&[
                    ("0", "Low"),
                    ("1", "Medium"),
                    ("2", "High"),
                    ("3", "Very High"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "stage_id",
                kind: FieldKind::Many2one,
                string: "Stage",
                relation: Some("crm.stage"),
                index: true,
                depends: &["team_id", "type"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "expected_revenue",
                kind: FieldKind::Monetary,
                string: "Expected Revenue",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "partner_id",
                kind: FieldKind::Many2one,
                string: "Customer",
                relation: Some("res.partner"),
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "email_from",
                kind: FieldKind::Char,
                string: "Email",
                index: true,
                depends: &["partner_id.email"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "phone",
                kind: FieldKind::Char,
                string: "Phone",
                depends: &["partner_id.phone"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "probability",
                kind: FieldKind::Float,
                string: "Probability",
                depends: &["stage_id", "team_id", "phone_state", "email_state"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "mail.message",
        description: "Message",
        transient: false,
        modules: "account, mail, portal, sms, snailmail",
        order: "id desc",
        fields: &[
            FieldDef {
                name: "subject",
                kind: FieldKind::Char,
                string: "Subject",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "date",
                kind: FieldKind::Datetime,
                string: "Date",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "body",
                kind: FieldKind::Html,
                string: "Contents",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "attachment_ids",
                kind: FieldKind::Many2many,
                string: "Attachments",
                relation: Some("ir.attachment"),
                sortable: false,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "model",
                kind: FieldKind::Char,
                string: "Related Document Model",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "res_id",
                kind: FieldKind::Many2oneReference,
                string: "Related Document ID",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "record_company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "message_type",
                kind: FieldKind::Selection,
                string: "Type",
                required: true,
                selection: Some(&[
                    ("email", "Incoming Email"),
                    ("comment", "Comment"),
                    ("email_outgoing", "Outgoing Email"),
                    ("notification", "System notification"),
                    ("auto_comment", "Automated Targeted Notification"),
                    ("user_notification", "User Specific Notification"),
                    ("sms", "SMS"),
                    ("snailmail", "Snailmail"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "author_id",
                kind: FieldKind::Many2one,
                string: "Author",
                relation: Some("res.partner"),
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["record_name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "ir.attachment",
        description: "Attachment",
        transient: false,
        modules: "account, base, bus, html_editor, mail, product, web_unsplash",
        order: "id desc",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Name",
                required: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "description",
                kind: FieldKind::Text,
                string: "Description",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "res_model",
                kind: FieldKind::Char,
                string: "Resource Model",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "res_field",
                kind: FieldKind::Char,
                string: "Resource Field",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "res_id",
                kind: FieldKind::Many2oneReference,
                string: "Resource ID",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "type",
                kind: FieldKind::Selection,
                string: "Type",
                required: true,
                selection: Some(&[("url", "URL"), ("binary", "File")]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "url",
                kind: FieldKind::Char,
                string: "Url",
                index: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "public",
                kind: FieldKind::Boolean,
                string: "Is public document",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "access_token",
                kind: FieldKind::Char,
                string: "Access Token",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "datas",
                kind: FieldKind::Binary,
                string: "File Content (base64)",
                store: false,
                sortable: false,
                groupable: false,
                searchable: false,
                depends: &["store_fname", "db_datas", "file_size"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "store_fname",
                kind: FieldKind::Char,
                string: "Stored Filename",
                index: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "file_size",
                kind: FieldKind::Integer,
                string: "File Size",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "checksum",
                kind: FieldKind::Char,
                string: "Checksum/SHA1",
                readonly: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "mimetype",
                kind: FieldKind::Char,
                string: "Mime Type",
                readonly: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "ir.model",
        description: "Models",
        transient: false,
        modules: "base, bus, mail, sms, web",
        order: "is_mail_thread DESC, name ASC",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Model Description",
                required: true,
                translate: Some(true),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "model",
                kind: FieldKind::Char,
                string: "Model",
                required: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "order",
                kind: FieldKind::Char,
                string: "Order",
                required: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "info",
                kind: FieldKind::Text,
                string: "Information",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "field_id",
                kind: FieldKind::One2many,
                string: "Fields",
                relation: Some("ir.model.fields"),
                relation_field: Some("model_id"),
                required: true,
                sortable: false,
                groupable: false,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "state",
                kind: FieldKind::Selection,
                string: "Type",
                readonly: true,
                selection: Some(&[("manual", "Custom Object"), ("base", "Base Object")]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "transient",
                kind: FieldKind::Boolean,
                string: "Transient Model",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "modules",
                kind: FieldKind::Char,
                string: "In Apps",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                searchable: false,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "ir.model.fields",
        description: "Fields",
        transient: false,
        modules: "base, mail",
        order: "name",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Field Name",
                required: true,
                index: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "model",
                kind: FieldKind::Char,
                string: "Model Name",
                required: true,
                index: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "relation",
                kind: FieldKind::Char,
                string: "Related Model",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "relation_field",
                kind: FieldKind::Char,
                string: "Relation Field",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "model_id",
                kind: FieldKind::Many2one,
                string: "Model",
                relation: Some("ir.model"),
                required: true,
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "field_description",
                kind: FieldKind::Char,
                string: "Field Label",
                required: true,
                translate: Some(true),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "ttype",
                kind: FieldKind::Selection,
                string: "Field Type",
                required: true,
                selection: Some(&[
                    ("binary", "binary"),
                    ("boolean", "boolean"),
                    ("char", "char"),
                    ("date", "date"),
                    ("datetime", "datetime"),
                    ("float", "float"),
                    ("html", "html"),
                    ("integer", "integer"),
                    ("json", "json"),
                    ("many2many", "many2many"),
                    ("many2one", "many2one"),
                    ("many2one_reference", "many2one_reference"),
                    ("monetary", "monetary"),
                    ("one2many", "one2many"),
                    ("properties", "properties"),
                    ("properties_definition", "properties_definition"),
                    ("reference", "reference"),
                    ("selection", "selection"),
                    ("text", "text"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "related",
                kind: FieldKind::Char,
                string: "Related Field Definition",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "required",
                kind: FieldKind::Boolean,
                string: "Required",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "readonly",
                kind: FieldKind::Boolean,
                string: "Readonly",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "index",
                kind: FieldKind::Boolean,
                string: "Indexed",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "translate",
                kind: FieldKind::Boolean,
                string: "Translatable",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_dependent",
                kind: FieldKind::Boolean,
                string: "Company Dependent",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "state",
                kind: FieldKind::Selection,
                string: "Type",
                required: true,
                readonly: true,
                index: true,
                selection: Some(&[("manual", "Custom Field"), ("base", "Base Field")]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "compute",
                kind: FieldKind::Text,
                string: "Compute",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "depends",
                kind: FieldKind::Char,
                string: "Dependencies",
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "store",
                kind: FieldKind::Boolean,
                string: "Stored",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["field_description", "model", "field_description"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    // `ir.module.module`: backups record which modules (and versions) were installed.
    ModelDef {
        name: "ir.module.module",
        description: "Module",
        transient: false,
        modules: "base",
        order: "application desc,sequence,name",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Technical Name",
                required: true,
                readonly: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "state",
                kind: FieldKind::Selection,
                string: "Status",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "latest_version",
                kind: FieldKind::Char,
                string: "Installed Version",
                readonly: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
        ],
    },
    // `ir.config_parameter`: tools read `database.uuid` from it to tell databases apart (the
    // backup records it, the restore refuses an archive of another database).
    ModelDef {
        name: "ir.config_parameter",
        description: "System Parameter",
        transient: false,
        modules: "base",
        order: "key",
        fields: &[
            FieldDef {
                name: "key",
                kind: FieldKind::Char,
                string: "Key",
                required: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "value",
                kind: FieldKind::Text,
                string: "Value",
                required: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["key"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "ir.model.data",
        description: "Model Data",
        transient: false,
        modules: "base",
        order: "module, model, name",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "External Identifier",
                required: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "complete_name",
                kind: FieldKind::Char,
                string: "Complete ID",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                searchable: false,
                depends: &["module", "name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "model",
                kind: FieldKind::Char,
                string: "Model Name",
                required: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "module",
                kind: FieldKind::Char,
                string: "Module",
                required: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "res_id",
                kind: FieldKind::Many2oneReference,
                string: "Record ID",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "noupdate",
                kind: FieldKind::Boolean,
                string: "Non Updatable",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["res_id", "model", "complete_name", "name"],
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "sale.advance.payment.inv",
        description: "Sales Advance Payment Invoice",
        transient: true,
        modules: "sale",
        order: "id",
        fields: &[
            FieldDef {
                name: "advance_payment_method",
                kind: FieldKind::Selection,
                string: "Create Invoice",
                required: true,
                selection: Some(&[
                    ("delivered", "Regular invoice"),
                    ("percentage", "Down payment (percentage)"),
                    ("fixed", "Down payment (fixed amount)"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "sale_order_ids",
                kind: FieldKind::Many2many,
                string: "Sale Order",
                relation: Some("sale.order"),
                sortable: false,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "amount",
                kind: FieldKind::Float,
                string: "Down Payment",
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                readonly: true,
                depends: &["sale_order_ids"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_uid",
                kind: FieldKind::Many2one,
                string: "Created by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "create_date",
                kind: FieldKind::Datetime,
                string: "Created on",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_uid",
                kind: FieldKind::Many2one,
                string: "Last Updated by",
                relation: Some("res.users"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "write_date",
                kind: FieldKind::Datetime,
                string: "Last Updated on",
                readonly: true,
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "sale.report",
        description: "Sales Analysis Report",
        transient: false,
        modules: "sale, sale_stock",
        order: "date desc",
        fields: &[
            FieldDef {
                name: "name",
                kind: FieldKind::Char,
                string: "Order Reference",
                readonly: true,
                translate: Some(false),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "date",
                kind: FieldKind::Datetime,
                string: "Order Date",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "partner_id",
                kind: FieldKind::Many2one,
                string: "Customer",
                relation: Some("res.partner"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "state",
                kind: FieldKind::Selection,
                string: "Status",
                readonly: true,
                selection: Some(&[
                    ("draft", "Quotation"),
                    ("sent", "Quotation Sent"),
                    ("sale", "Sales Order"),
                    ("cancel", "Cancelled"),
                ]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "order_reference",
                kind: FieldKind::Reference,
                string: "Order",
                selection: Some(&[("sale.order", "Sales Order")]),
                ..FieldDef::BASE
            },
            FieldDef {
                name: "product_id",
                kind: FieldKind::Many2one,
                string: "Product Variant",
                relation: Some("product.product"),
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "product_uom_qty",
                kind: FieldKind::Float,
                string: "Qty Ordered",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "price_total",
                kind: FieldKind::Monetary,
                string: "Total",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "id",
                kind: FieldKind::Integer,
                string: "ID",
                readonly: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "display_name",
                kind: FieldKind::Char,
                string: "Display Name",
                readonly: true,
                store: false,
                sortable: false,
                groupable: false,
                depends: &["date"],
                translate: Some(false),
                ..FieldDef::BASE
            },
        ],
    },
    ModelDef {
        name: "resource.mixin",
        description: "Resource Mixin",
        transient: false,
        modules: "resource",
        order: "id",
        fields: &[
            FieldDef {
                name: "resource_id",
                kind: FieldKind::Many2one,
                string: "Resource",
                relation: Some("resource.resource"),
                required: true,
                index: true,
                ..FieldDef::BASE
            },
            FieldDef {
                name: "company_id",
                kind: FieldKind::Many2one,
                string: "Company",
                relation: Some("res.company"),
                index: true,
                related: Some("resource_id.company_id"),
                depends: &["resource_id.company_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "resource_calendar_id",
                kind: FieldKind::Many2one,
                string: "Working Hours",
                relation: Some("resource.calendar"),
                index: true,
                related: Some("resource_id.calendar_id"),
                depends: &["resource_id.calendar_id"],
                ..FieldDef::BASE
            },
            FieldDef {
                name: "tz",
                kind: FieldKind::Selection,
                string: "Timezone",
                store: false,
                related: Some("resource_id.tz"),
                depends: &["resource_id.tz"],
                selection: Some(&[
                    ("America/New_York", "America/New_York"),
                    ("Europe/Brussels", "Europe/Brussels"),
                    ("Europe/Paris", "Europe/Paris"),
                    ("UTC", "UTC"),
                ]),
                ..FieldDef::BASE
            },
        ],
    },
];

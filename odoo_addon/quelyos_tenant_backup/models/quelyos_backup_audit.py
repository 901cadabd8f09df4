from odoo import api, fields, models


class QuelyosBackupAudit(models.Model):
    """Who downloaded, restored or deleted which backup, and when.

    Entries are written by the addon itself; administrators can read them but not
    change or remove them from the user interface.
    """

    _name = "quelyos.backup.audit"
    _description = "Tenant backup audit entry"
    _order = "date desc, id desc"
    _rec_name = "backup_ref"

    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        required=True,
        default=lambda self: self.env.user,
        ondelete="restrict",
        readonly=True,
    )
    action = fields.Selection(
        [("download", "Download"), ("restore", "Restore"), ("delete", "Delete")],
        required=True,
        readonly=True,
    )
    backup_id = fields.Many2one(
        "quelyos.backup", ondelete="set null", readonly=True
    )
    backup_ref = fields.Char(
        string="Backup Identifier",
        readonly=True,
        help="The backup service's identifier of the backup; kept when the backup "
        "itself is deleted.",
    )
    company_id = fields.Many2one(
        "res.company", string="Tenant", ondelete="set null", readonly=True
    )
    details = fields.Text(readonly=True)

    @api.model
    def _record(self, action, backup, details=""):
        """Write one audit entry for ``backup`` on behalf of the current user."""
        return self.sudo().create(
            {
                "user_id": self.env.user.id,
                "action": action,
                "backup_id": backup.id,
                "backup_ref": backup.backup_id,
                "company_id": backup.company_id.id,
                "details": details,
            }
        )

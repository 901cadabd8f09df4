from odoo import fields, models


class QuelyosBackupStartWizard(models.TransientModel):
    """"Backup Tenant": start a manual backup of the chosen tenant."""

    _name = "quelyos.backup.start.wizard"
    _description = "Start a tenant backup"

    company_id = fields.Many2one(
        "res.company",
        string="Tenant",
        required=True,
        default=lambda self: self.env.company,
    )

    def action_start(self):
        self.ensure_one()
        answer = self.env["quelyos.backup.sidecar"]._backup_start(self.company_id.id)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Backup started"),
                "message": self.env._(
                    "The backup of %(tenant)s has started (job %(job)s). It appears "
                    "in the list as soon as the backup service reports it; use "
                    "Refresh to follow its status.",
                    tenant=self.company_id.name,
                    job=answer.get("job_id") or "?",
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

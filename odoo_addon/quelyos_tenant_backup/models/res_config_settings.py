from odoo import api, fields, models
from odoo.exceptions import UserError

from .sidecar_client import DEFAULT_URL, PARAM_TOKEN, PARAM_URL

TOKEN_MASK = "••••••••"


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    quelyos_backup_sidecar_url = fields.Char(
        string="Backup Service URL",
        config_parameter=PARAM_URL,
        default=DEFAULT_URL,
        help="Address of the tenant backup service, e.g. http://127.0.0.1:8765.",
    )
    # The token is write-only: the form always loads it empty and a typed value
    # replaces the stored one; an empty field keeps it.
    quelyos_backup_sidecar_token = fields.Char(
        string="Backup Service Token",
        help="The bearer token the backup service expects. Leave empty to keep the "
        "current one.",
    )
    quelyos_backup_sidecar_token_state = fields.Char(
        string="Current Token",
        compute="_compute_quelyos_backup_sidecar_token_state",
    )

    @api.depends("quelyos_backup_sidecar_token")
    def _compute_quelyos_backup_sidecar_token_state(self):
        is_set = bool(self.env["ir.config_parameter"].sudo().get_param(PARAM_TOKEN))
        for settings in self:
            settings.quelyos_backup_sidecar_token_state = (
                TOKEN_MASK if is_set else self.env._("Not set")
            )

    def set_values(self):
        result = super().set_values()
        for settings in self:
            token = (settings.quelyos_backup_sidecar_token or "").strip()
            if token:
                self.env["ir.config_parameter"].sudo().set_param(PARAM_TOKEN, token)
        # Do not keep the typed token in the settings table either.
        self.filtered("quelyos_backup_sidecar_token").write(
            {"quelyos_backup_sidecar_token": False}
        )
        return result

    def action_quelyos_backup_test_connection(self):
        """"Test connection": ask the service's health, then check the token."""
        self.ensure_one()
        sidecar = self.env["quelyos.backup.sidecar"].with_context(
            quelyos_sidecar_url=(self.quelyos_backup_sidecar_url or "").strip()
            or False,
            quelyos_sidecar_token=(self.quelyos_backup_sidecar_token or "").strip()
            or False,
        )
        url = sidecar._sidecar_config()[0]
        try:
            health = sidecar._health()
            tenants = sidecar._tenants_list().get("tenants") or []
        except UserError as error:
            return self._quelyos_backup_notification("danger", str(error))
        odoo_state = health.get("odoo") or {}
        message = self.env._(
            "The backup service %(version)s at %(url)s answers and accepts the "
            "token; it sees %(count)s tenant(s).",
            version=health.get("version") or "",
            url=url,
            count=len(tenants),
        )
        kind = "success"
        archives = health.get("archives") or {}
        if archives.get("encrypted"):
            message += " " + self.env._("Backups are stored encrypted.")
        elif archives:
            kind = "warning"
            message += " " + self.env._(
                "Backups are stored in clear (not encrypted): whoever can read the "
                "backup service's disk can read every tenant's data. Turn encryption "
                "on in the service's configuration ([encryption] table)."
            )
        if health.get("status") != "ok" or not odoo_state.get("reachable", True):
            kind = "warning"
            message += " " + self.env._(
                "It reports a problem reaching Odoo: %(error)s",
                error=odoo_state.get("error") or health.get("status"),
            )
        return self._quelyos_backup_notification(kind, message)

    def _quelyos_backup_notification(self, kind, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": kind,
                "title": self.env._("Backup service"),
                "message": message,
                "sticky": kind != "success",
            },
        }

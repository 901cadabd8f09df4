from odoo.tests import TransactionCase, tagged

from ..models.sidecar_client import PARAM_TOKEN, PARAM_URL
from .common import SidecarCallsMixin

SECRET = "s3cret-token-never-shown"


@tagged("post_install", "-at_install")
class TestSettings(SidecarCallsMixin, TransactionCase):
    def setUp(self):
        super().setUp()
        self.params = self.env["ir.config_parameter"].sudo()
        self.params.set_param(PARAM_TOKEN, SECRET)

    def _settings(self, **values):
        return self.env["res.config.settings"].create(values)

    def test_url_has_a_default(self):
        self.params.search([("key", "=", PARAM_URL)]).unlink()
        self.assertEqual(
            self._settings().quelyos_backup_sidecar_url, "http://127.0.0.1:8765"
        )

    def test_token_is_never_returned_in_clear(self):
        settings = self._settings()
        defaults = self.env["res.config.settings"].default_get(
            list(self.env["res.config.settings"]._fields)
        )
        self.assertNotIn(SECRET, repr(defaults))
        read = settings.read(
            ["quelyos_backup_sidecar_token", "quelyos_backup_sidecar_token_state"]
        )[0]
        self.assertNotIn(SECRET, repr(read))
        self.assertFalse(read["quelyos_backup_sidecar_token"])
        self.assertEqual(read["quelyos_backup_sidecar_token_state"], "••••••••")

    def test_token_is_only_replaced_when_a_new_one_is_typed(self):
        self._settings(quelyos_backup_sidecar_url="http://10.0.0.5:8765").execute()
        self.assertEqual(self.params.get_param(PARAM_TOKEN), SECRET)
        self.assertEqual(self.params.get_param(PARAM_URL), "http://10.0.0.5:8765")
        settings = self._settings(quelyos_backup_sidecar_token="  new-token  ")
        settings.execute()
        self.assertEqual(self.params.get_param(PARAM_TOKEN), "new-token")
        # The typed token is not kept in the settings record either.
        self.assertFalse(settings.quelyos_backup_sidecar_token)

    def test_test_connection_checks_health_then_the_token(self):
        self.sidecar_answers["health"] = {
            "status": "ok",
            "version": "0.1.0",
            "odoo": {"reachable": True, "server_version": "18.0", "error": None},
        }
        self.sidecar_answers["tenants.list"] = {
            "tenants": [{"company_id": 1, "code": "main", "name": "Main"}]
        }
        action = self._settings().action_quelyos_backup_test_connection()
        self.assertEqual([method for method, _ in self.sidecar_calls], ["health", "tenants.list"])
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("0.1.0", action["params"]["message"])
        self.assertNotIn(SECRET, repr(action))

    def test_test_connection_says_plainly_when_backups_are_stored_in_clear(self):
        self.sidecar_answers["tenants.list"] = {"tenants": []}
        health = {
            "status": "ok",
            "version": "0.1.0",
            "odoo": {"reachable": True, "server_version": "18.0", "error": None},
            "archives": {"encrypted": False, "recipients": [], "signed_by": "B165", "warning": "…"},
        }
        self.sidecar_answers["health"] = health
        action = self._settings().action_quelyos_backup_test_connection()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("stored in clear", action["params"]["message"])
        health["archives"] = {"encrypted": True, "recipients": ["age1x"], "signed_by": "B165"}
        action = self._settings().action_quelyos_backup_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("stored encrypted", action["params"]["message"])

    def test_test_connection_reports_a_degraded_service(self):
        self.sidecar_answers["health"] = {
            "status": "degraded",
            "version": "0.1.0",
            "odoo": {"reachable": False, "error": "connection refused"},
        }
        self.sidecar_answers["tenants.list"] = {"tenants": []}
        action = self._settings().action_quelyos_backup_test_connection()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("connection refused", action["params"]["message"])

    def test_test_connection_shows_the_failure(self):
        self.sidecar_answers["health"] = self.sidecar_error(
            -1, text="The backup service cannot be reached (http://x)."
        )
        action = self._settings().action_quelyos_backup_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("cannot be reached", action["params"]["message"])

    def test_settings_open_as_odoos_own_settings_do(self):
        # Odoo 18 opens its settings inline; Odoo 19 dropped that target.
        ours = self.env.ref("quelyos_tenant_backup.quelyos_backup_settings_action")
        odoos = self.env.ref("base_setup.action_general_configuration")
        self.assertEqual(ours.target, odoos.target)
        self.assertEqual(ours.res_model, "res.config.settings")

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from ..models.sidecar_client import PARAM_TOKEN, sidecar_error_code
from .common import (
    FAKE_TOKEN,
    FakeSidecar,
    SidecarOverHttpMixin,
    backup_object,
    point_at,
)


@tagged("post_install", "-at_install")
class TestSidecarClient(SidecarOverHttpMixin, TransactionCase):
    """The client's transport, against a real (fake) sidecar over HTTP."""

    def setUp(self):
        super().setUp()
        self.fake = FakeSidecar().start()
        self.addCleanup(self.fake.stop)
        point_at(self.env, self.fake.url)
        self.sidecar = self.env["quelyos.backup.sidecar"]

    def test_calls_are_json_rpc_with_the_bearer_token(self):
        self.fake.answers["backup.list"] = {"backups": [backup_object("b-1", 3)]}
        result = self.sidecar._backup_list(company_id=3)
        self.assertEqual(result["backups"][0]["backup_id"], "b-1")
        ((verb, path, headers, body),) = self.fake.requests
        self.assertEqual((verb, path), ("POST", "/"))
        self.assertEqual(headers["Authorization"], f"Bearer {FAKE_TOKEN}")
        self.assertEqual(body["jsonrpc"], "2.0")
        self.assertEqual(body["method"], "backup.list")
        self.assertEqual(body["params"], {"tenant": 3})
        self.assertIn("id", body)

    def test_health_works_without_a_token(self):
        self.env["ir.config_parameter"].sudo().set_param(PARAM_TOKEN, False)
        self.fake.answers["health"] = {"status": "ok", "version": "0.1.0"}
        self.assertEqual(self.sidecar._health()["status"], "ok")
        ((_verb, _path, headers, _body),) = self.fake.requests
        self.assertNotIn("Authorization", headers)

    def test_an_error_object_becomes_a_message_with_its_code(self):
        self.fake.answers["backup.get"] = ("error", 1004, "unknown backup b-x")
        with self.assertRaises(UserError) as caught:
            self.sidecar._backup_get("b-x")
        # Exactly UserError: the web client shows it as a warning, not a traceback.
        self.assertIs(type(caught.exception), UserError)
        self.assertEqual(sidecar_error_code(caught.exception), 1004)
        self.assertIn("does not know this backup", str(caught.exception))
        self.assertIn("unknown backup b-x", str(caught.exception))

    def test_a_wrong_token_says_to_set_the_token(self):
        self.env["ir.config_parameter"].sudo().set_param(PARAM_TOKEN, "wrong")
        with self.assertRaises(UserError) as caught:
            self.sidecar._tenants_list()
        self.assertEqual(sidecar_error_code(caught.exception), 1001)
        self.assertIn("refused the access token", str(caught.exception))
        self.assertNotIn("wrong", str(caught.exception))

    def test_an_answer_that_is_not_json_rpc_is_a_clear_error(self):
        self.fake.raw_reply = (404, b"<html>Not the backup service</html>")
        with self.assertRaisesRegex(UserError, r"unexpected answer \(HTTP 404\)"):
            self.sidecar._tenants_list()

    def test_an_unknown_error_code_keeps_the_sidecar_message(self):
        self.fake.answers["backup.start"] = ("error", 5000, "internal error: boom")
        with self.assertRaisesRegex(UserError, r"code 5000.*internal error: boom"):
            self.sidecar._backup_start(3)

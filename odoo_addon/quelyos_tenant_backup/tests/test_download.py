import io
import zipfile

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .common import (
    FakeSidecar,
    SidecarOverHttpMixin,
    activate_french,
    closed_port_url,
    point_at,
    unique_company_name,
)


def small_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", '{"format": "tenant-backup", "version": 1}')
        archive.writestr("data.json", '{"res.partner": []}' + " " * 5000)
    return buffer.getvalue()


@tagged("post_install", "-at_install")
class TestDownload(SidecarOverHttpMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A database created with another language may have English inactive.
        cls.env["res.lang"]._activate_lang("en_US")
        cls.tenant = cls.env["res.company"].create({"name": unique_company_name("Boutique Sport")})
        cls.backup = cls.env["quelyos.backup"].create(
            {
                "backup_id": "20260130T164220Z-boutique-sport-3f9a",
                "company_id": cls.tenant.id,
                "file_name": "backup_boutique-sport_20260130_164220.zip",
                "status": "done",
            }
        )
        cls.admin = new_test_user(
            cls.env,
            login="backup_admin",
            password="backup_admin_pw",
            groups="base.group_user,base.group_system",
            lang="en_US",
        )
        cls.clerk = new_test_user(
            cls.env,
            login="backup_clerk",
            password="backup_clerk_pw",
            groups="base.group_user",
            lang="en_US",
        )
        cls.archive = small_zip()

    def setUp(self):
        super().setUp()
        self.fake = FakeSidecar().start()
        self.addCleanup(self.fake.stop)
        self.fake.archives[self.backup.backup_id] = self.archive
        point_at(self.env, self.fake.url)
        self.url = f"/quelyos_tenant_backup/download/{self.backup.id}"

    def _audits(self):
        return self.env["quelyos.backup.audit"].search(
            [("backup_id", "=", self.backup.id)]
        )

    def test_a_user_without_settings_rights_is_refused(self):
        self.authenticate("backup_clerk", "backup_clerk_pw")
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 403)
        self.assertIn(b"Only administrators may download tenant backups.", response.content)
        self.assertNotEqual(response.content, self.archive)
        self.assertFalse(self.fake.requests, "the sidecar must not even be asked")
        self.assertFalse(self._audits())

    def test_an_administrator_gets_the_archive_streamed_and_audited(self):
        self.authenticate("backup_admin", "backup_admin_pw")
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, self.archive)
        self.assertEqual(response.headers["Content-Type"], "application/zip")
        self.assertIn(
            "backup_boutique-sport_20260130_164220.zip",
            response.headers["Content-Disposition"],
        )
        self.assertTrue(zipfile.ZipFile(io.BytesIO(response.content)).testzip() is None)
        ((verb, path, headers, _body),) = self.fake.requests
        self.assertEqual(
            (verb, path),
            ("GET", "/backups/20260130T164220Z-boutique-sport-3f9a/download"),
        )
        self.assertEqual(headers["Authorization"], "Bearer " + self.fake.token)
        audit = self._audits()
        self.assertEqual(len(audit), 1)
        self.assertEqual((audit.action, audit.user_id), ("download", self.admin))
        self.assertEqual(audit.company_id, self.tenant)

    def test_an_encrypted_backup_downloads_as_the_zip_it_holds(self):
        self.backup.file_name = "backup_boutique-sport_20260130_164220.zip.age"
        self.authenticate("backup_admin", "backup_admin_pw")
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 200)
        disposition = response.headers["Content-Disposition"]
        self.assertIn("backup_boutique-sport_20260130_164220.zip", disposition)
        self.assertNotIn(".age", disposition)
        self.assertTrue(zipfile.ZipFile(io.BytesIO(response.content)).testzip() is None)

    def test_sidecar_down_gives_a_clear_page(self):
        point_at(self.env, closed_port_url())
        self.authenticate("backup_admin", "backup_admin_pw")
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 502)
        self.assertIn("cannot be reached", response.text)
        self.assertFalse(self._audits())

    def test_a_backup_the_sidecar_lost_is_a_clear_page(self):
        self.fake.archives.clear()
        self.authenticate("backup_admin", "backup_admin_pw")
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 502)
        self.assertIn("does not know this backup", response.text)

    def test_a_french_administrator_reads_the_failure_in_french(self):
        if not activate_french(self.env):
            self.skipTest("fr_FR is not available in this database")
        new_test_user(
            self.env,
            login="backup_admin_fr",
            password="backup_admin_fr_pw",
            groups="base.group_user,base.group_system",
            lang="fr_FR",
        )
        url = closed_port_url()
        point_at(self.env, url)
        self.authenticate("backup_admin_fr", "backup_admin_fr_pw")
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 502)
        self.assertIn(f"Le service de sauvegarde est injoignable ({url})", response.text)
        self.assertIn("Retour à Odoo", response.text)

    def test_a_user_without_settings_rights_cannot_drive_the_service_over_rpc(self):
        schedule = self.env["quelyos.backup.schedule"].create(
            {"company_id": self.tenant.id}
        )
        self.authenticate("backup_clerk", "backup_clerk_pw")
        attempts = [
            ("quelyos.backup.sidecar", "_backup_start", [self.tenant.id]),
            ("quelyos.backup.sidecar", "_restore_start", ["b", 1, False, False]),
            ("quelyos.backup.schedule", "action_run_now", [[schedule.id]]),
            ("quelyos.backup", "action_refresh_from_sidecar", [[]]),
            ("quelyos.backup", "action_download", [[self.backup.id]]),
            ("quelyos.backup", "action_delete_from_sidecar", [[self.backup.id]]),
        ]
        for model, method, args in attempts:
            with self.subTest(method=method), self.assertRaises(JsonRpcException):
                self.make_jsonrpc_request(
                    f"/web/dataset/call_kw/{model}/{method}",
                    {"model": model, "method": method, "args": args, "kwargs": {}},
                )
        self.assertFalse(self.fake.requests, "the sidecar must not be asked anything")
        self.assertTrue(self.backup.exists())

from datetime import datetime

from psycopg2 import IntegrityError

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import (
    SidecarCallsMixin,
    activate_french,
    backup_object,
    unique_company_name,
)


@tagged("post_install", "-at_install")
class TestBackup(SidecarCallsMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tenant = cls.env["res.company"].create({"name": unique_company_name("Boutique Sport")})
        cls.other_tenant = cls.env["res.company"].create({"name": unique_company_name("Marque Mode")})
        cls.Backup = cls.env["quelyos.backup"]

    def _backup(self, backup_id="b-1", **values):
        return self.Backup.create(
            dict(
                {
                    "backup_id": backup_id,
                    "company_id": self.tenant.id,
                    "file_name": f"backup_sport_{backup_id}.zip",
                    "status": "done",
                },
                **values,
            )
        )

    def test_backup_tenant_starts_a_backup_of_the_chosen_tenant(self):
        self.sidecar_answers["backup.start"] = {"job_id": "j-9", "backup_id": "b-9"}
        action = self.Backup.action_open_start_wizard()
        self.assertEqual(action["res_model"], "quelyos.backup.start.wizard")
        wizard = (
            self.env["quelyos.backup.start.wizard"]
            .with_context(**action["context"])
            .create({"company_id": self.other_tenant.id})
        )
        result = wizard.action_start()
        self.assertEqual(self.calls_of("backup.start"), [{"tenant": self.other_tenant.id}])
        self.assertIn("j-9", result["params"]["message"])

    def test_refresh_mirrors_what_the_sidecar_lists(self):
        stale = self._backup("b-old", status="running")
        self.sidecar_answers["backup.list"] = {
            "backups": [
                backup_object("b-old", self.tenant.id),
                backup_object(
                    "b-new",
                    self.other_tenant.id,
                    status="failed",
                    error="disk full",
                    origin={"kind": "safety"},
                ),
            ]
        }
        self.Backup.action_refresh_from_sidecar()
        self.assertEqual(self.calls_of("backup.list"), [{}])
        self.assertEqual(stale.status, "done")
        self.assertEqual(stale.size, 1048576)
        self.assertAlmostEqual(stale.size_mb, 1.0)
        self.assertEqual(stale.size_display, "1.00 MB")
        self.assertEqual(stale.records, 300)
        self.assertAlmostEqual(stale.duration, 14.21)
        self.assertEqual(stale.created_at, datetime(2026, 1, 30, 16, 42, 20))
        new = self.Backup.search([("backup_id", "=", "b-new")])
        self.assertEqual(new.company_id, self.other_tenant)
        self.assertEqual((new.status, new.origin, new.error), ("failed", "safety", "disk full"))

    def test_each_copy_of_a_backup_is_shown_with_its_state_in_french(self):
        if not activate_french(self.env):
            self.skipTest("fr_FR is not available in this database")
        copies = [
            {"store": "local", "status": "stored", "attempts": 0},
            {
                "store": "offsite",
                "status": "failed",
                "attempts": 2,
                "error": "the endpoint does not answer",
                "next_attempt_at": "2026-01-30T16:46:20Z",
            },
        ]
        self.sidecar_answers["backup.list"] = {
            "backups": [
                backup_object("b-copied", self.tenant.id, copies=copies),
                backup_object("b-local", self.tenant.id, copies=copies[:1]),
            ]
        }
        self.Backup.action_refresh_from_sidecar()
        copied = self.Backup.search([("backup_id", "=", "b-copied")]).with_context(
            lang="fr_FR"
        )
        self.assertEqual(copied.copies_status, "failed")
        self.assertEqual(
            copied.copies_display,
            "ce serveur : stockée\n"
            "offsite : copie en échec après 2 essai(s), nouvel essai à "
            "2026-01-30T16:46:20Z : the endpoint does not answer",
        )
        local = self.Backup.search([("backup_id", "=", "b-local")])
        self.assertEqual(local.copies_status, "local_only")
        self.assertFalse(local.copies_json)

        copies[1].update(status="stored", error=None, next_attempt_at=None)
        self.Backup.action_refresh_from_sidecar()
        self.assertEqual(copied.copies_status, "stored")

    def test_how_a_backup_read_the_company_is_shown_in_french(self):
        if not activate_french(self.env):
            self.skipTest("fr_FR is not available in this database")
        incremental = {
            "kind": "incremental",
            "previous_file_name": "backup_sport_20260129_020000.zip.age",
            "full_read_at": "2026-01-25T02:00:00Z",
            "records_read": 120,
            "records_copied": 49880,
            "files_copied": 15000,
        }
        full = {
            "kind": "full",
            "full_read_reason": "no previous archive to read from",
            "full_read_at": "2026-01-30T02:00:00Z",
            "records_read": 50000,
            "records_copied": 0,
            "files_copied": 0,
        }
        self.sidecar_answers["backup.list"] = {
            "backups": [
                backup_object("b-incremental", self.tenant.id, read=incremental),
                backup_object("b-full", self.tenant.id, read=full),
                backup_object("b-older", self.tenant.id),
            ]
        }
        self.Backup.action_refresh_from_sidecar()
        french = self.Backup.with_context(lang="fr_FR")
        read = french.search([("backup_id", "=", "b-incremental")])
        self.assertEqual(read.read_kind, "incremental")
        self.assertEqual(
            read.read_display,
            "Lecture incrémentale depuis backup_sport_20260129_020000.zip.age : "
            "120 enregistrement(s) lu(s), 49880 copié(s), 15000 fichier(s) "
            "copié(s). Dernière lecture complète : 2026-01-25T02:00:00Z.",
        )
        read = french.search([("backup_id", "=", "b-full")])
        self.assertEqual(read.read_kind, "full")
        self.assertEqual(
            read.read_display,
            "Tous les enregistrements ont été lus (no previous archive to read from).",
        )
        older = french.search([("backup_id", "=", "b-older")])
        self.assertFalse(older.read_kind)
        self.assertFalse(older.read_display)

    def test_refresh_follows_unfinished_backups_through_their_job(self):
        running = self._backup("b-run", status="running", job_id="j-run")
        lost = self._backup("b-lost", status="pending", job_id="j-lost")
        deleted = self._backup("b-deleted", status="done")
        self.sidecar_answers["backup.list"] = {"backups": []}

        def job_get(params):
            if params["job_id"] == "j-lost":
                raise self.sidecar_error(1005, "unknown job")
            return {
                "job_id": "j-run",
                "kind": "backup",
                "state": "failed",
                "error": {"code": 2001, "message": "Odoo unreachable"},
            }

        self.sidecar_answers["job.get"] = job_get
        self.Backup.action_refresh_from_sidecar()
        self.assertEqual(
            sorted(params["job_id"] for params in self.calls_of("job.get")),
            ["j-lost", "j-run"],
        )
        self.assertEqual((running.status, running.error), ("failed", "Odoo unreachable"))
        self.assertEqual(lost.status, "failed")
        # A finished backup the sidecar no longer lists was deleted there.
        self.assertFalse(deleted.exists())

    def test_a_backup_identifier_is_listed_once(self):
        self._backup("b-same")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError) as caught:
            with self.env.cr.savepoint():
                self._backup("b-same")
        # Refused by the module's own constraint, which Odoo 18 and 19 declare differently.
        self.assertEqual(
            caught.exception.diag.constraint_name, "quelyos_backup_backup_id_unique"
        )
        self.assertEqual(self.Backup.search_count([("backup_id", "=", "b-same")]), 1)
        # Its message (translated in i18n/) is what Odoo answers a second create with.
        constraint = self.env.ref(
            "quelyos_tenant_backup.constraint_quelyos_backup_backup_id_unique"
        )
        self.assertEqual(
            constraint.message,
            "This backup is already listed: a backup identifier appears only once.",
        )

    def test_download_checks_the_backup_then_opens_the_proxy(self):
        backup = self._backup("b-dl")
        self.sidecar_answers["backup.get"] = backup_object("b-dl", self.tenant.id)
        action = backup.action_download()
        self.assertEqual(self.calls_of("backup.get"), [{"backup_id": "b-dl"}])
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(action["url"], f"/quelyos_tenant_backup/download/{backup.id}")

    def test_unfinished_backups_cannot_be_downloaded_or_restored(self):
        backup = self._backup("b-pending", status="pending")
        with self.assertRaisesRegex(UserError, "not finished"):
            backup.action_download()
        with self.assertRaisesRegex(UserError, "not finished"):
            backup.action_open_restore_wizard()
        self.assertFalse(self.sidecar_calls)

    def test_delete_removes_the_archive_and_is_audited(self):
        backup = self._backup("b-del")
        self.sidecar_answers["backup.delete"] = {"deleted": True}
        backup.action_delete_from_sidecar()
        self.assertEqual(self.calls_of("backup.delete"), [{"backup_id": "b-del"}])
        self.assertFalse(backup.exists())
        audit = self.env["quelyos.backup.audit"].search([("backup_ref", "=", "b-del")])
        self.assertEqual(len(audit), 1)
        self.assertEqual(
            (audit.action, audit.user_id, audit.company_id),
            ("delete", self.env.user, self.tenant),
        )

    def test_status_labels_are_in_french(self):
        if not activate_french(self.env):
            self.skipTest("fr_FR is not available in this database")
        french = self.Backup.with_context(lang="fr_FR")
        labels = dict(french._fields["status"]._description_selection(french.env))
        self.assertEqual(
            labels,
            {
                "pending": "En attente",
                "running": "En cours",
                "done": "Terminé",
                "failed": "Échec",
            },
        )

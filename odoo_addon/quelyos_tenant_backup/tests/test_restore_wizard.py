from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from .common import SidecarCallsMixin, activate_french, unique_company_name

DRY_RUN_REPORT = {
    "dry_run": True,
    "safety_backup_id": None,
    "models": [
        {
            "model": "res.partner",
            "created": 2,
            "updated": 5,
            "unchanged": 293,
            "refused": 0,
            "failed": 0,
        },
        {
            "model": "sale.order",
            "created": 1,
            "updated": 0,
            "unchanged": 40,
            "refused": 1,
            "failed": 0,
        },
    ],
    "refused": [
        {"model": "sale.order", "record_id": 90, "reason": "belongs to company 4"}
    ],
    "failed": [],
    "state_changes": [
        {
            "model": "sale.order",
            "record_id": 42,
            "new_id": None,
            "reference": "S00042",
            "archived_state": "sale",
            "archived_label": "Sales Order",
            "restored_state": "draft",
            "restored_label": "Quotation",
            "action": "check it, then confirm it again",
        }
    ],
}


@tagged("post_install", "-at_install")
class TestRestoreWizard(SidecarCallsMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tenant = cls.env["res.company"].create({"name": unique_company_name("Boutique Sport")})
        cls.backup = cls.env["quelyos.backup"].create(
            {
                "backup_id": "b-restore",
                "company_id": cls.tenant.id,
                "file_name": "backup_sport_20260130_164220.zip",
                "status": "done",
            }
        )

    def _wizard(self):
        action = self.backup.action_open_restore_wizard()
        self.assertEqual(action["target"], "new")
        return self.env["quelyos.backup.restore.wizard"].browse(action["res_id"])

    def test_safety_backup_is_on_by_default(self):
        self.assertTrue(self._wizard().safety_backup)

    def test_restore_is_refused_without_confirmation(self):
        wizard = self._wizard()
        with self.assertRaisesRegex(UserError, "Tick the confirmation box"):
            wizard.action_restore()
        self.assertFalse(self.calls_of("restore.start"))
        self.assertFalse(
            self.env["quelyos.backup.audit"].search([("backup_ref", "=", "b-restore")])
        )

    def test_dry_run_asks_for_a_preview_and_shows_the_report(self):
        self.sidecar_answers["restore.start"] = {"job_id": "j-dry"}
        self.sidecar_answers["job.get"] = {
            "job_id": "j-dry",
            "kind": "restore",
            "state": "done",
            "result": DRY_RUN_REPORT,
        }
        wizard = self._wizard()
        action = wizard.action_preview()
        self.assertEqual(
            self.calls_of("restore.start"),
            [
                {
                    "backup_id": "b-restore",
                    "tenant": self.tenant.id,
                    "dry_run": True,
                    "safety_backup": False,
                    "allow_unsigned": False,
                }
            ],
        )
        self.assertEqual(self.calls_of("job.get"), [{"job_id": "j-dry"}])
        self.assertEqual(action["res_id"], wizard.id)
        self.assertEqual(wizard.preview_state, "done")
        report = str(wizard.preview_report)
        self.assertIn("res.partner", report)
        self.assertIn("3 record(s) created and 5 updated", report)
        self.assertIn("belongs to company 4", report)
        self.assertIn(
            "S00042: Sales Order in the backup, comes back as Quotation; "
            "check it, then confirm it again",
            report,
        )
        # A dry run writes nothing, so it is not audited as a restore.
        self.assertEqual(wizard.state, "draft")
        self.assertFalse(
            self.env["quelyos.backup.audit"].search([("backup_ref", "=", "b-restore")])
        )

    def test_confirmed_restore_takes_a_safety_backup_and_is_audited(self):
        self.sidecar_answers["restore.start"] = {"job_id": "j-restore"}
        self.sidecar_answers["job.get"] = {
            "job_id": "j-restore",
            "kind": "restore",
            "state": "done",
            "result": dict(DRY_RUN_REPORT, dry_run=False, safety_backup_id="b-safe"),
        }
        wizard = self._wizard()
        wizard.confirm = True
        wizard.action_restore()
        self.assertEqual(
            self.calls_of("restore.start"),
            [
                {
                    "backup_id": "b-restore",
                    "tenant": self.tenant.id,
                    "dry_run": False,
                    "safety_backup": True,
                    "allow_unsigned": False,
                }
            ],
        )
        self.assertEqual((wizard.state, wizard.restore_job_id), ("started", "j-restore"))
        self.assertIn("b-safe", str(wizard.restore_report))
        audit = self.env["quelyos.backup.audit"].search([("backup_ref", "=", "b-restore")])
        self.assertEqual((audit.action, audit.backup_id), ("restore", self.backup))
        self.assertIn("j-restore", audit.details)

    def test_restore_without_safety_backup_when_unticked(self):
        self.sidecar_answers["restore.start"] = {"job_id": "j-2"}
        self.sidecar_answers["job.get"] = {"job_id": "j-2", "state": "running"}
        self.env["ir.config_parameter"].sudo().set_param(
            "quelyos_tenant_backup.preview_wait_seconds", "0"
        )
        wizard = self._wizard()
        wizard.write({"confirm": True, "safety_backup": False})
        wizard.action_restore()
        (params,) = self.calls_of("restore.start")
        self.assertEqual((params["dry_run"], params["safety_backup"]), (False, False))
        self.assertEqual(wizard.restore_state, "running")
        self.assertIn("Still running", str(wizard.restore_report))

    def test_an_unsigned_backup_is_refused_in_words_and_can_be_allowed_on_purpose(self):
        self.sidecar_answers["restore.start"] = {"job_id": "j-4"}
        self.sidecar_answers["job.get"] = {
            "job_id": "j-4",
            "state": "failed",
            "error": {"code": 3004, "message": "archive x is not signed"},
        }
        wizard = self._wizard()
        wizard.action_preview()
        report = str(wizard.preview_report)
        self.assertIn("no key it trusts signed it", report)
        self.assertIn("Restore even without a trusted signature", report)
        self.sidecar_answers["job.get"] = {"job_id": "j-4", "state": "running"}
        self.env["ir.config_parameter"].sudo().set_param(
            "quelyos_tenant_backup.preview_wait_seconds", "0"
        )
        wizard.write({"confirm": True, "allow_unsigned": True})
        wizard.action_restore()
        self.assertTrue(self.calls_of("restore.start")[-1]["allow_unsigned"])
        audit = self.env["quelyos.backup.audit"].search([("backup_ref", "=", "b-restore")])
        self.assertIn("without a trusted signature was allowed", audit.details)

    def test_failed_restore_job_shows_its_error(self):
        self.sidecar_answers["restore.start"] = {"job_id": "j-3"}
        self.sidecar_answers["job.get"] = {
            "job_id": "j-3",
            "state": "failed",
            "error": {"code": 3002, "message": "archive belongs to company 4"},
        }
        wizard = self._wizard()
        wizard.action_preview()
        self.assertEqual(wizard.preview_state, "failed")
        self.assertIn("archive belongs to company 4", str(wizard.preview_report))

    def test_a_record_that_comes_back_in_another_state_is_named_in_french(self):
        if not activate_french(self.env):
            self.skipTest("fr_FR is not available in this database")
        self.sidecar_answers["restore.start"] = {"job_id": "j-dry"}
        self.sidecar_answers["job.get"] = {
            "job_id": "j-dry",
            "kind": "restore",
            "state": "done",
            "result": DRY_RUN_REPORT,
        }
        wizard = self._wizard().with_context(lang="fr_FR")
        wizard.action_preview()
        # The states as Odoo names them in French where Sales is installed; the backup
        # service's labels otherwise.
        if "sale.order" in self.env:
            archived, restored = "Bon de commande", "Devis"
        else:
            archived, restored = "Sales Order", "Quotation"
        self.assertIn(
            f"S00042 : {archived} dans le backup, revient en {restored} ; "
            "à vérifier, puis à confirmer de nouveau",
            str(wizard.preview_report),
        )

    def test_a_restore_with_differences_lists_each_value_and_its_cause(self):
        self.sidecar_answers["restore.start"] = {"job_id": "j-run"}
        self.sidecar_answers["job.get"] = {
            "job_id": "j-run",
            "kind": "restore",
            "state": "done_with_differences",
            "result": dict(
                DRY_RUN_REPORT,
                dry_run=False,
                outcome="restored_with_differences",
                set_back=1,
                differences=[
                    {
                        "model": "crm.lead",
                        "archive_id": 615,
                        "target_id": 1187,
                        "field": "email_from",
                        "archived": "lead@prospect.example.org",
                        "now": "alice@mode.example.com",
                        "likely_cause": {
                            "kind": "follows_linked_record",
                            "model": "res.partner",
                            "archive_id": 703,
                            "field": "partner_id",
                        },
                    }
                ],
            ),
        }
        wizard = self._wizard()
        wizard.confirm = True
        wizard.action_restore()
        self.assertEqual(wizard.restore_state, "done_with_differences")
        report = str(wizard.restore_report)
        self.assertIn("Restored with differences", report)
        self.assertIn(
            'crm.lead #1187, email_from: "lead@prospect.example.org" in the backup, '
            '"alice@mode.example.com" now (it follows res.partner #703 '
            "(partner_id), which changed)",
            report,
        )
        self.assertIn("1 record(s) that Odoo had changed", report)

import json
import time

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.sidecar_client import ERROR_ARCHIVE_NOT_TRUSTED

PARAM_PREVIEW_WAIT = "quelyos_tenant_backup.preview_wait_seconds"
DEFAULT_PREVIEW_WAIT = 5.0
POLL_INTERVAL = 0.5
FINAL_JOB_STATES = ("done", "done_with_differences", "partial", "failed", "interrupted")
JOB_STATES = [
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Done"),
    ("done_with_differences", "Restored with differences"),
    ("partial", "Partly done"),
    ("failed", "Failed"),
    ("interrupted", "Interrupted"),
]


class QuelyosBackupRestoreWizard(models.TransientModel):
    """Restore one backup into its own tenant, after an optional dry run.

    The restore is an UPSERT done by the sidecar: records of the backup that still
    exist are updated, missing ones are created again, records created since the
    backup are kept, and no other tenant is read or written.
    """

    _name = "quelyos.backup.restore.wizard"
    _description = "Restore a tenant backup"

    backup_id = fields.Many2one(
        "quelyos.backup", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="backup_id.company_id", string="Tenant")
    backup_created_at = fields.Datetime(
        related="backup_id.created_at", string="Backup Date"
    )
    safety_backup = fields.Boolean(
        string="Take a safety backup first",
        default=True,
        help="Back up the tenant as it is now before anything is written, so that "
        "the restore itself can be undone.",
    )
    allow_unsigned = fields.Boolean(
        string="Restore even without a trusted signature",
        help="The backup service refuses a backup that no key it trusts signed: one "
        "made before backups were signed, or by another backup service. Tick this to "
        "restore it anyway; the choice is recorded in the audit log.",
    )
    confirm = fields.Boolean(
        string="I understand and want to restore this backup",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("started", "Started")], default="draft", required=True
    )
    preview_job_id = fields.Char(string="Dry Run Job", readonly=True)
    preview_state = fields.Selection(
        JOB_STATES, string="Dry Run State", readonly=True
    )
    preview_report = fields.Html(string="Dry Run Report", readonly=True)
    restore_job_id = fields.Char(readonly=True)
    restore_state = fields.Selection(JOB_STATES, readonly=True)
    restore_report = fields.Html(readonly=True)

    def _reopen_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Restore a backup"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    # ------------------------------------------------------------------
    # Following a job and showing its report
    # ------------------------------------------------------------------

    @api.model
    def _wait_for_job(self, job_id):
        """Follow a job for a few seconds; return its last known state."""
        sidecar = self.env["quelyos.backup.sidecar"]
        try:
            wait = float(
                self.env["ir.config_parameter"].sudo().get_param(PARAM_PREVIEW_WAIT)
                or DEFAULT_PREVIEW_WAIT
            )
        except ValueError:
            wait = DEFAULT_PREVIEW_WAIT
        deadline = time.monotonic() + wait
        job = sidecar._job_get(job_id)
        while job.get("state") not in FINAL_JOB_STATES and time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL)
            job = sidecar._job_get(job_id)
        return job

    @api.model
    def _render_report(self, job):
        """The job's report as an HTML table: per model, created / updated / ..."""
        state = job.get("state")
        if state not in FINAL_JOB_STATES:
            progress = ""
            if job.get("records_total"):
                progress = " (%s / %s)" % (
                    job.get("records_done") or 0,
                    job["records_total"],
                )
            return Markup("<p>%s</p>") % (
                self.env._(
                    "Still running: %(phase)s%(progress)s. Use Refresh in a moment.",
                    phase=job.get("phase") or state or "",
                    progress=progress,
                )
            )
        error = job.get("error") or {}
        report = job.get("result") or {}
        if error.get("code") == ERROR_ARCHIVE_NOT_TRUSTED:
            return Markup('<p class="text-danger">%s</p>') % (
                self.env._(
                    "The backup service refused this backup: no key it trusts signed "
                    "it, so nothing shows it made it (%(error)s). If the backup was "
                    "made before backups were signed, tick \"Restore even without a "
                    "trusted signature\" and start again. Nothing was written.",
                    error=error.get("message") or "",
                )
            )
        if state in ("failed", "interrupted") or not isinstance(report, dict):
            return Markup('<p class="text-danger">%s</p>') % (
                self.env._(
                    "The job did not finish: %(error)s",
                    error=error.get("message") or state,
                )
            )
        headers = [
            self.env._("Model"),
            self.env._("Created"),
            self.env._("Updated"),
            self.env._("Unchanged"),
            self.env._("Refused"),
            self.env._("Failed"),
        ]
        rows = Markup("").join(
            Markup(
                "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                "<td>%s</td></tr>"
            )
            % (
                line.get("model", ""),
                line.get("created", 0),
                line.get("updated", 0),
                line.get("unchanged", 0),
                line.get("refused", 0),
                line.get("failed", 0),
            )
            for line in report.get("models") or []
        )
        totals = {
            key: sum(line.get(key, 0) or 0 for line in report.get("models") or [])
            for key in ("created", "updated")
        }
        summary = self.env._(
            "%(created)s record(s) created and %(updated)s updated.",
            created=totals["created"],
            updated=totals["updated"],
        )
        if report.get("dry_run"):
            summary = self.env._(
                "Dry run, nothing was written: %(summary)s", summary=summary
            )
        html = Markup("<p>%s</p>") % summary
        differences = report.get("differences") or []
        if report.get("outcome") == "restored_with_differences":
            html += Markup('<p class="text-warning">%s</p>') % self.env._(
                "Restored with differences: everything was written, but reading the "
                "tenant back found %(count)s value(s) that Odoo changed as a consequence "
                "of the restore. They are listed below; check them.",
                count=len(differences),
            )
        html += Markup(
            '<table class="table table-sm o_quelyos_restore_report"><thead><tr>%s</tr>'
            "</thead><tbody>%s</tbody></table>"
        ) % (Markup("").join(Markup("<th>%s</th>") % h for h in headers), rows)
        problems = [
            (item.get("model", ""), item.get("record_id", ""), item.get("reason"))
            for item in report.get("refused") or []
        ] + [
            (item.get("model", ""), item.get("record_id", ""), item.get("message"))
            for item in report.get("failed") or []
        ]
        if problems:
            html += Markup("<ul>%s</ul>") % Markup("").join(
                Markup("<li>%s #%s: %s</li>") % (model, record_id, reason or "")
                for model, record_id, reason in problems
            )
        changes = report.get("state_changes") or []
        if changes:
            html += Markup("<p>%s</p>") % self.env._(
                "Records that come back in another state (a re-created record starts "
                "its workflow over):"
            )
            html += Markup('<ul class="o_quelyos_state_changes">%s</ul>') % Markup(
                ""
            ).join(
                Markup("<li>%s</li>")
                % self.env._(
                    "%(reference)s: %(archived)s in the backup, comes back as "
                    "%(restored)s; %(action)s",
                    reference=change.get("reference", ""),
                    archived=self._state_label(
                        change.get("model"),
                        change.get("archived_state"),
                        change.get("archived_label"),
                    ),
                    restored=self._state_label(
                        change.get("model"),
                        change.get("restored_state"),
                        change.get("restored_label"),
                    ),
                    action=self._state_action(change.get("model")),
                )
                for change in changes
            )
        if report.get("set_back"):
            html += Markup("<p>%s</p>") % self.env._(
                "%(count)s record(s) that Odoo had changed as a consequence of the "
                "restore were set back.",
                count=report["set_back"],
            )
        if differences:
            html += Markup('<ul class="o_quelyos_differences">%s</ul>') % Markup(
                ""
            ).join(
                Markup("<li>%s</li>")
                % self.env._(
                    "%(model)s #%(record)s, %(field)s: %(archived)s in the backup, "
                    "%(now)s now (%(cause)s)",
                    model=item.get("model", ""),
                    record=item.get("target_id") or item.get("archive_id", ""),
                    field=item.get("field", ""),
                    archived=json.dumps(item.get("archived"), ensure_ascii=False),
                    now=json.dumps(item.get("now"), ensure_ascii=False),
                    cause=self._likely_cause(item.get("likely_cause") or {}),
                )
                for item in differences
            )
        if report.get("safety_backup_id"):
            html += Markup("<p>%s</p>") % self.env._(
                "Safety backup taken first: %(backup)s",
                backup=report["safety_backup_id"],
            )
        return html

    @api.model
    def _likely_cause(self, cause):
        """What most likely changed a value after the restore, in the user's words."""
        kind = cause.get("kind")
        if kind == "changed_after_write":
            return self.env._("Odoo set another value after the restore wrote it")
        if kind == "write_of_linked_record":
            return self.env._(
                "Odoo changed it when the restore wrote %(model)s #%(record)s, "
                "whose %(field)s points to it",
                model=cause.get("model", ""),
                record=cause.get("archive_id", ""),
                field=cause.get("field", ""),
            )
        if kind == "follows_linked_record":
            return self.env._(
                "it follows %(model)s #%(record)s (%(field)s), which changed",
                model=cause.get("model", ""),
                record=cause.get("archive_id", ""),
                field=cause.get("field", ""),
            )
        if kind == "never_written":
            return self.env._(
                "a restore does not write this field; it differed before the restore"
            )
        return self.env._("changed while the restore ran")

    @api.model
    def _state_label(self, model, value, fallback):
        """A workflow state as Odoo shows it, in the user's language; the backup
        service's English label for a model this database does not have."""
        if not model or model not in self.env:
            return fallback or value or ""
        field = self.env[model]._fields.get("state")
        if field is None or field.type != "selection":
            return fallback or value or ""
        labels = dict(field._description_selection(self.env))
        return labels.get(value) or fallback or value or ""

    @api.model
    def _state_action(self, model):
        """What to do with a re-created record of this model."""
        actions = {
            "sale.order": self.env._("check it, then confirm it again"),
            "purchase.order": self.env._("check it, then confirm it again"),
            "account.move": self.env._(
                "check it, then post it again: it keeps its number"
            ),
            "account.payment": self.env._("check it, then confirm it again"),
            "stock.picking": self.env._(
                "check the quantities, then validate it again"
            ),
        }
        return actions.get(model) or self.env._(
            "check it, then take it through its workflow again in Odoo"
        )

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_preview(self):
        """Dry run: ask what the restore would create and update, write nothing."""
        self.ensure_one()
        backup = self.backup_id
        backup._ensure_done()
        answer = self.env["quelyos.backup.sidecar"]._restore_start(
            backup.backup_id,
            backup.company_id.id,
            dry_run=True,
            safety_backup=False,
            allow_unsigned=self.allow_unsigned,
        )
        self.preview_job_id = answer.get("job_id")
        return self.action_refresh_preview()

    def action_refresh_preview(self):
        self.ensure_one()
        if self.preview_job_id:
            job = self._wait_for_job(self.preview_job_id)
            self.write(
                {
                    "preview_state": job.get("state"),
                    "preview_report": self._render_report(job),
                }
            )
        return self._reopen_action()

    def action_restore(self):
        """Start the real restore; refused unless the confirmation box is ticked."""
        self.ensure_one()
        if not self.confirm:
            raise UserError(
                self.env._(
                    "Tick the confirmation box to restore this backup: the tenant's "
                    "records that are in the backup will be set back to their values "
                    "in it."
                )
            )
        backup = self.backup_id
        backup._ensure_done()
        answer = self.env["quelyos.backup.sidecar"]._restore_start(
            backup.backup_id,
            backup.company_id.id,
            dry_run=False,
            safety_backup=self.safety_backup,
            allow_unsigned=self.allow_unsigned,
        )
        job_id = answer.get("job_id")
        details = self.env._(
            "Restore job %(job)s into %(tenant)s; safety backup: %(safety)s.",
            job=job_id,
            tenant=backup.company_id.name,
            safety=self.env._("yes") if self.safety_backup else self.env._("no"),
        )
        if self.allow_unsigned:
            details += " " + self.env._(
                "Restoring a backup without a trusted signature was allowed explicitly."
            )
        self.env["quelyos.backup.audit"]._record("restore", backup, details)
        self.write({"state": "started", "restore_job_id": job_id})
        return self.action_refresh_restore()

    def action_refresh_restore(self):
        self.ensure_one()
        if self.restore_job_id:
            job = self._wait_for_job(self.restore_job_id)
            self.write(
                {
                    "restore_state": job.get("state"),
                    "restore_report": self._render_report(job),
                }
            )
        return self._reopen_action()

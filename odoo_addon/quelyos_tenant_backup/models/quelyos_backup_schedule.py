import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import email_normalize

from odoo.addons.base.models.res_partner import _tz_get


_logger = logging.getLogger(__name__)

FREQUENCIES = [("daily", "Daily"), ("weekly", "Weekly"), ("monthly", "Monthly")]
# Python's weekday() numbering, as the sidecar reads it: "0" is Monday.
WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]
LAST_STATUSES = [
    ("never", "Never run"),
    ("running", "Running"),
    ("success", "Success"),
    ("failed", "Failed"),
]
DEFAULT_TZ = "Europe/Paris"
# Changing one of these changes when the schedule runs next.
TIMING_FIELDS = {
    "company_id",
    "frequency",
    "hour",
    "minute",
    "weekday",
    "day_of_month",
    "tz",
    "active",
}


class QuelyosBackupSchedule(models.Model):
    """When to back up one tenant, and how many of those backups to keep.

    The sidecar reads these records (it is the one place that computes what is due,
    in the schedule's time zone) and writes ``next_run``, ``last_run``,
    ``last_status`` and ``last_backup_id`` back. Field names and selection values
    are part of that contract (readme/CONFIGURE.md).
    """

    _name = "quelyos.backup.schedule"
    _description = "Tenant backup schedule"
    _order = "company_id, hour, minute, id"

    active = fields.Boolean(string="Enabled", default=True)
    company_id = fields.Many2one(
        "res.company",
        string="Tenant",
        required=True,
        ondelete="cascade",
        index=True,
    )
    frequency = fields.Selection(FREQUENCIES, required=True, default="daily")
    hour = fields.Integer(required=True, default=2, help="Hour of the run, 0 to 23.")
    minute = fields.Integer(
        required=True, default=0, help="Minute of the run, 0 to 59."
    )
    weekday = fields.Selection(
        WEEKDAYS, string="Day of Week", help="Day of the run for a weekly schedule."
    )
    day_of_month = fields.Integer(
        string="Day of Month",
        default=1,
        help="Day of the run for a monthly schedule, 1 to 28 so that it exists in "
        "every month.",
    )
    tz = fields.Selection(
        _tz_get,
        string="Time Zone",
        compute="_compute_tz",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        help="The time zone the hour and minute are read in (summer time included).",
    )
    time_display = fields.Char(string="Time", compute="_compute_time_display")
    retention_count = fields.Integer(
        string="Retention",
        required=True,
        default=7,
        help="How many backups made by this schedule to keep; older ones are deleted "
        "after a new one has succeeded. Manual backups are never deleted by it.",
    )
    notification_email = fields.Char(
        help="Address that receives an e-mail when a backup succeeds or fails."
    )
    next_run = fields.Datetime(
        readonly=True,
        copy=False,
        help="When the schedule runs next, computed by the backup service after each "
        "change of the schedule.",
    )
    last_run = fields.Datetime(readonly=True, copy=False)
    last_status = fields.Selection(
        LAST_STATUSES, default="never", required=True, readonly=True, copy=False
    )
    last_backup_id = fields.Many2one(
        "quelyos.backup",
        ondelete="set null",
        readonly=True,
        copy=False,
    )
    backup_ids = fields.One2many("quelyos.backup", "schedule_id", string="Backups")
    backup_count = fields.Integer(compute="_compute_backup_count")

    @api.depends("company_id")
    def _compute_tz(self):
        for schedule in self:
            if not schedule.tz:
                schedule.tz = schedule.company_id.partner_id.tz or DEFAULT_TZ

    @api.depends("hour", "minute")
    def _compute_time_display(self):
        for schedule in self:
            schedule.time_display = f"{schedule.hour:02d}:{schedule.minute:02d}"

    @api.depends("backup_ids")
    def _compute_backup_count(self):
        counts = {
            schedule.id: count
            for schedule, count in self.env["quelyos.backup"]._read_group(
                [("schedule_id", "in", self.ids)], ["schedule_id"], ["__count"]
            )
        }
        for schedule in self:
            schedule.backup_count = counts.get(schedule.id, 0)

    @api.depends("company_id", "frequency", "hour", "minute", "weekday", "day_of_month")
    def _compute_display_name(self):
        frequencies = dict(self._fields["frequency"]._description_selection(self.env))
        for schedule in self:
            schedule.display_name = "%s - %s %s" % (
                schedule.company_id.name or "",
                frequencies.get(schedule.frequency, ""),
                schedule.time_display,
            )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("hour")
    def _check_hour(self):
        for schedule in self:
            if not 0 <= schedule.hour <= 23:
                raise ValidationError(
                    self.env._(
                        "The hour must be between 0 and 23 (got %(hour)s).",
                        hour=schedule.hour,
                    )
                )

    @api.constrains("minute")
    def _check_minute(self):
        for schedule in self:
            if not 0 <= schedule.minute <= 59:
                raise ValidationError(
                    self.env._(
                        "The minute must be between 0 and 59 (got %(minute)s).",
                        minute=schedule.minute,
                    )
                )

    @api.constrains("frequency", "weekday")
    def _check_weekday(self):
        for schedule in self:
            if schedule.frequency == "weekly" and not schedule.weekday:
                raise ValidationError(
                    self.env._("A weekly schedule needs a day of the week.")
                )

    @api.constrains("frequency", "day_of_month")
    def _check_day_of_month(self):
        for schedule in self:
            if schedule.frequency == "monthly" and not 1 <= schedule.day_of_month <= 28:
                raise ValidationError(
                    self.env._(
                        "The day of the month must be between 1 and 28, so that it "
                        "exists in every month (got %(day)s).",
                        day=schedule.day_of_month,
                    )
                )

    @api.constrains("retention_count")
    def _check_retention_count(self):
        for schedule in self:
            if schedule.retention_count < 1:
                raise ValidationError(
                    self.env._("The retention must keep at least one backup.")
                )

    @api.constrains("notification_email")
    def _check_notification_email(self):
        for schedule in self:
            email = schedule.notification_email
            if email and not email_normalize(email):
                raise ValidationError(
                    self.env._(
                        "The notification e-mail %(email)s is not a valid address.",
                        email=email,
                    )
                )

    # ------------------------------------------------------------------
    # Next run, computed by the sidecar
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        schedules = super().create(vals_list)
        schedules._queue_next_run_refresh()
        return schedules

    def write(self, vals):
        timing_changed = bool(TIMING_FIELDS & set(vals))
        if timing_changed and "next_run" not in vals:
            # The old next run is stale; it stays empty until the sidecar has
            # computed the new one.
            vals = dict(vals, next_run=False)
        result = super().write(vals)
        if timing_changed:
            self._queue_next_run_refresh()
        return result

    def _queue_next_run_refresh(self):
        """Ask the sidecar for the next run once this transaction is committed.

        The sidecar reads the schedule from Odoo and writes ``next_run`` back, so it
        must see the committed values: asked any earlier, it would read the old
        ones (or not find a new schedule) and its write would wait on this
        transaction's lock.
        """
        schedule_ids = set(self.ids)
        if not schedule_ids:
            return
        pending = self.env.cr.postcommit.data.setdefault(
            "quelyos_tenant_backup.next_run_ids", set()
        )
        first = not pending
        pending.update(schedule_ids)
        if first:
            self.env.cr.postcommit.add(self._refresh_next_runs_after_commit)

    def _refresh_next_runs_after_commit(self):
        schedule_ids = self.env.cr.postcommit.data.pop(
            "quelyos_tenant_backup.next_run_ids", set()
        )
        schedules = self.with_context(active_test=False).browse(sorted(schedule_ids))
        schedules.exists()._refresh_next_run()

    def _refresh_next_run(self):
        """Ask the sidecar to compute (and write back) each schedule's next run.

        A failure is logged and leaves the next run empty; it never undoes the save.
        """
        sidecar = self.env["quelyos.backup.sidecar"]
        for schedule_id in self.ids:
            try:
                sidecar._schedules_next_run(schedule_id)
            except UserError as error:
                _logger.warning(
                    "Next run of backup schedule %s not refreshed: %s",
                    schedule_id,
                    error,
                )
            except Exception:
                _logger.exception(
                    "Next run of backup schedule %s not refreshed", schedule_id
                )

    # ------------------------------------------------------------------
    # Buttons and cron
    # ------------------------------------------------------------------

    def action_run_now(self):
        """"Run now": start a backup of this schedule's tenant immediately."""
        self.ensure_one()
        # Marked running before asking, so that the sidecar's own report of the
        # result (which waits for this transaction) is the one that stays. The
        # flush takes the row lock now: were the UPDATE left for the commit, the
        # sidecar's job could write the row first, Odoo would retry the whole
        # request after a serialization failure, and ask for a second backup.
        self.write({"last_status": "running"})
        self.flush_recordset(["last_status"])
        answer = self.env["quelyos.backup.sidecar"]._backup_start(
            self.company_id.id, schedule_id=self.id
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Backup started"),
                "message": self.env._(
                    "The backup of %(tenant)s has started (job %(job)s).",
                    tenant=self.company_id.name,
                    job=answer.get("job_id") or "?",
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_edit(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_delete(self):
        """Delete the schedule; the backups it made stay (``ondelete='set null'``)."""
        self.unlink()
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def action_view_backups(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "quelyos_tenant_backup.quelyos_backup_action"
        )
        action["domain"] = [("schedule_id", "=", self.id)]
        action["context"] = {}
        return action

    @api.model
    def _cron_schedules_tick(self):
        """Every 15 minutes: let the sidecar start the backups that are due."""
        try:
            answer = self.env["quelyos.backup.sidecar"]._schedules_tick()
        except UserError as error:
            _logger.warning("Backup schedules tick skipped: %s", error)
            return False
        started = answer.get("started") or []
        if started:
            _logger.info(
                "Backup schedules tick started %d backup(s): %s",
                len(started),
                ", ".join(
                    f"schedule {item.get('schedule_id')} (job {item.get('job_id')})"
                    for item in started
                ),
            )
        return True

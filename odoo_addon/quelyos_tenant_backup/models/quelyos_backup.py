import json
import logging
from datetime import datetime, timezone

from psycopg2 import IntegrityError

from odoo import api, fields, models
from odoo.exceptions import UserError

from .sidecar_client import ERROR_UNKNOWN_BACKUP, ERROR_UNKNOWN_JOB, sidecar_error_code

_logger = logging.getLogger(__name__)

BACKUP_STATUSES = [
    ("pending", "Pending"),
    ("running", "Running"),
    ("done", "Done"),
    ("failed", "Failed"),
]
BACKUP_ORIGINS = [
    ("manual", "Manual"),
    ("schedule", "Schedule"),
    ("safety", "Safety (before a restore)"),
]
# Where a backup's copies in buckets stand, all of them together.
COPIES_STATUSES = [
    ("local_only", "On this server only"),
    ("stored", "Copied offsite"),
    ("pending", "Offsite copy pending"),
    ("failed", "Offsite copy failed"),
]
# How a backup read the company (docs/API.md, "Backup" `read.kind`).
READ_KINDS = [
    ("full", "Full"),
    ("incremental", "Incremental"),
]
# A backup job's state (docs/API.md, "Job") as the status of its backup.
JOB_STATE_TO_STATUS = {
    "queued": "pending",
    "running": "running",
    "done": "done",
    "partial": "done",
    "failed": "failed",
    "interrupted": "failed",
}


def parse_sidecar_datetime(value):
    """Read the sidecar's UTC ISO 8601 time ("2026-01-30T16:42:20Z") as Odoo does.

    Odoo stores naive UTC datetimes; a missing or unreadable value gives False.
    """
    if not value or not isinstance(value, str):
        return False
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def format_size(size):
    """Human-readable size in bytes, KB, MB or GB (powers of 1024)."""
    size = float(size or 0)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            break
        size /= 1024
    if unit == "bytes":
        return f"{int(size)} {unit}"
    return f"{size:.2f} {unit}"


class QuelyosBackup(models.Model):
    """One backup of one tenant, as the backup service reports it.

    The backup service (the sidecar) owns the archives; these records mirror what it
    reports. It creates and updates them itself over Odoo's external API, keyed by
    ``backup_id``, and "Refresh" reads them again from its ``backup.list``. The field
    names are part of that contract (readme/CONFIGURE.md): do not rename them.
    """

    _name = "quelyos.backup"
    _description = "Tenant backup"
    _order = "created_at desc, id desc"
    _rec_name = "file_name"

    backup_id = fields.Char(
        string="Backup Identifier",
        required=True,
        readonly=True,
        index=True,
        help="The backup service's identifier of this backup.",
    )
    company_id = fields.Many2one(
        "res.company", string="Tenant", ondelete="restrict", readonly=True, index=True
    )
    file_name = fields.Char(readonly=True)
    origin = fields.Selection(BACKUP_ORIGINS, default="manual", readonly=True)
    schedule_id = fields.Many2one(
        "quelyos.backup.schedule",
        ondelete="set null",
        readonly=True,
        index=True,
        help="The schedule that made this backup. Deleting the schedule keeps the "
        "backup.",
    )
    status = fields.Selection(
        BACKUP_STATUSES, required=True, default="pending", readonly=True, index=True
    )
    size = fields.Float(
        string="Size (bytes)",
        digits=(20, 0),
        readonly=True,
        help="Size of the archive in bytes.",
    )
    size_mb = fields.Float(
        string="Size (MB)",
        compute="_compute_size_mb",
        store=True,
        digits=(16, 2),
        aggregator="sum",
    )
    size_display = fields.Char(string="Size", compute="_compute_size_display")
    records = fields.Integer(readonly=True)
    attachments = fields.Integer(readonly=True)
    duration = fields.Float(
        string="Duration (s)",
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="How long the backup took, in seconds.",
    )
    error = fields.Text(readonly=True)
    job_id = fields.Char(readonly=True)
    created_at = fields.Datetime(readonly=True, index=True)
    copies_json = fields.Text(
        string="Copies (as reported)",
        readonly=True,
        help="The backup's copies as the backup service reports them (its API's "
        "`copies`), when it copies backups to buckets.",
    )
    copies_status = fields.Selection(
        COPIES_STATUSES,
        string="Offsite Copy",
        compute="_compute_copies_status",
        store=True,
    )
    copies_display = fields.Text(string="Copies", compute="_compute_copies_display")
    read_json = fields.Text(
        string="Read (as reported)",
        readonly=True,
        help="How the backup read the company's records, as the backup service "
        "reports it (its API's `read`).",
    )
    read_kind = fields.Selection(
        READ_KINDS,
        string="Read",
        compute="_compute_read_kind",
        store=True,
        help="A full read reads every record from Odoo; an incremental read reads "
        "only what changed since the previous backup and copies the rest from it. "
        "Either way the archive holds the whole company.",
    )
    read_display = fields.Text(string="How It Was Read", compute="_compute_read_display")

    # One row per backup: the sidecar and "Refresh" both create rows by backup_id
    # and rely on the database to refuse a second one. Odoo 19 declares table
    # constraints as models.Constraint attributes and ignores _sql_constraints;
    # Odoo 18 has only _sql_constraints. Both name the constraint
    # quelyos_backup_backup_id_unique, so a database keeps it across the two.
    if hasattr(models, "Constraint"):
        _backup_id_unique = models.Constraint(
            "unique(backup_id)",
            "This backup is already listed: a backup identifier appears only once.",
        )
    else:
        _sql_constraints = [
            (
                "backup_id_unique",
                "unique(backup_id)",
                "This backup is already listed: a backup identifier appears only once.",
            ),
        ]

    def _read(self):
        """The sidecar's `read` object, as a dict (empty when absent or unreadable)."""
        self.ensure_one()
        try:
            read = json.loads(self.read_json or "{}")
        except ValueError:
            return {}
        return read if isinstance(read, dict) else {}

    @api.depends("read_json")
    def _compute_read_kind(self):
        for backup in self:
            kind = backup._read().get("kind")
            backup.read_kind = kind if kind in dict(READ_KINDS) else False

    @api.depends("read_json")
    @api.depends_context("lang")
    def _compute_read_display(self):
        _ = self.env._
        for backup in self:
            read = backup._read()
            if read.get("kind") == "incremental":
                backup.read_display = _(
                    "Read incrementally from %(previous)s: %(read)s record(s) read, "
                    "%(copied)s copied, %(files)s file(s) copied. Last full read: "
                    "%(full)s.",
                    previous=read.get("previous_file_name") or "?",
                    read=read.get("records_read", 0),
                    copied=read.get("records_copied", 0),
                    files=read.get("files_copied", 0),
                    full=read.get("full_read_at") or "?",
                )
            elif read.get("kind") == "full":
                backup.read_display = _(
                    "Every record read (%(reason)s).",
                    reason=read.get("full_read_reason") or "?",
                )
            else:
                backup.read_display = False

    def _copies(self):
        """The copies the sidecar reported, as a list of dicts (none when unreadable)."""
        self.ensure_one()
        try:
            copies = json.loads(self.copies_json or "[]")
        except ValueError:
            return []
        return [copy for copy in copies if isinstance(copy, dict)]

    @api.depends("copies_json")
    def _compute_copies_status(self):
        for backup in self:
            offsite = {
                copy.get("status")
                for copy in backup._copies()
                if copy.get("store") != "local"
            }
            if not offsite:
                backup.copies_status = "local_only"
            elif "failed" in offsite:
                backup.copies_status = "failed"
            elif offsite - {"stored"}:
                backup.copies_status = "pending"
            else:
                backup.copies_status = "stored"

    @api.depends("copies_json")
    @api.depends_context("lang")
    def _compute_copies_display(self):
        _ = self.env._
        for backup in self:
            lines = []
            for copy in backup._copies():
                store = (
                    _("this server")
                    if copy.get("store") == "local"
                    else copy.get("store") or "?"
                )
                status = copy.get("status")
                if status == "stored":
                    line = _("%(store)s: stored", store=store)
                elif status == "pending":
                    line = _("%(store)s: copy pending", store=store)
                elif status == "missing":
                    line = _(
                        "%(store)s: missing (read from the other copies)", store=store
                    )
                else:
                    line = _(
                        "%(store)s: copy failed after %(attempts)s attempt(s), "
                        "tried again at %(next)s: %(error)s",
                        store=store,
                        attempts=copy.get("attempts") or 0,
                        next=copy.get("next_attempt_at") or "?",
                        error=copy.get("error") or "?",
                    )
                lines.append(line)
            backup.copies_display = "\n".join(lines)

    @api.depends("size")
    def _compute_size_mb(self):
        for backup in self:
            backup.size_mb = (backup.size or 0.0) / (1024 * 1024)

    @api.depends("size")
    def _compute_size_display(self):
        for backup in self:
            backup.size_display = format_size(backup.size) if backup.size else ""

    # ------------------------------------------------------------------
    # Mirroring what the sidecar reports
    # ------------------------------------------------------------------

    @api.model
    def _vals_from_sidecar(self, data):
        """Field values of a Backup object of the sidecar API (docs/API.md)."""
        tenant = data.get("tenant") or {}
        origin = data.get("origin") or {}
        company = self.env["res.company"]
        if isinstance(tenant.get("company_id"), int):
            company = company.browse(tenant["company_id"]).exists()
        schedule = self.env["quelyos.backup.schedule"]
        if isinstance(origin.get("schedule_id"), int):
            schedule = (
                schedule.with_context(active_test=False)
                .browse(origin["schedule_id"])
                .exists()
            )
        error = data.get("error")
        if isinstance(error, dict):
            error = error.get("message") or str(error)
        duration_ms = data.get("duration_ms")
        status = data.get("status")
        kind = origin.get("kind")
        copies = data.get("copies")
        offsite = isinstance(copies, list) and any(
            isinstance(copy, dict) and copy.get("store") != "local" for copy in copies
        )
        read = data.get("read")
        return {
            "copies_json": json.dumps(copies) if offsite else False,
            "read_json": json.dumps(read) if isinstance(read, dict) else False,
            "backup_id": data["backup_id"],
            "file_name": data.get("file_name") or False,
            "company_id": company.id or False,
            "origin": kind if kind in dict(BACKUP_ORIGINS) else "manual",
            "schedule_id": schedule.id or False,
            "status": status if status in dict(BACKUP_STATUSES) else "pending",
            "size": float(data.get("size_bytes") or 0),
            "records": int(data.get("records") or 0),
            "attachments": int(data.get("attachments") or 0),
            "duration": (duration_ms or 0) / 1000.0,
            "error": error or False,
            "job_id": data.get("job_id") or False,
            "created_at": parse_sidecar_datetime(data.get("created_at")),
        }

    def _write_if_changed(self, vals):
        """Write only the values that differ, so a refresh does not touch every row."""
        self.ensure_one()
        changed = {}
        for name, value in vals.items():
            current = self[name]
            if isinstance(current, models.BaseModel):
                current = current.id or False
            if current != value and not (not current and not value):
                changed[name] = value
        if changed:
            self.write(changed)
        return bool(changed)

    @api.model
    def _sync_from_sidecar(self, backups):
        """Create or update the mirror of each Backup object; return the ids seen."""
        seen = set()
        wanted = [data["backup_id"] for data in backups if data.get("backup_id")]
        existing = {
            backup.backup_id: backup
            for backup in self.search([("backup_id", "in", wanted)])
        }
        for data in backups:
            if not data.get("backup_id"):
                continue
            seen.add(data["backup_id"])
            vals = self._vals_from_sidecar(data)
            if data["backup_id"] in existing:
                existing[data["backup_id"]]._write_if_changed(vals)
                continue
            try:
                # The sidecar mirrors its backups too: if it created this one in
                # the meantime, its row wins and this one is simply not created.
                with self.env.cr.savepoint():
                    self.create(vals)
            except IntegrityError:
                _logger.info(
                    "Backup %s was mirrored concurrently by the backup service",
                    data["backup_id"],
                )
        return seen

    def _sync_from_job(self, job):
        """Update an unfinished backup from its job (``job.get``)."""
        self.ensure_one()
        result = job.get("result")
        if isinstance(result, dict) and result.get("backup_id") == self.backup_id:
            self._write_if_changed(self._vals_from_sidecar(result))
            return
        vals = {"status": JOB_STATE_TO_STATUS.get(job.get("state"), self.status)}
        error = job.get("error")
        if isinstance(error, dict) and error.get("message"):
            vals["error"] = error["message"]
        self._write_if_changed(vals)

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def _ensure_done(self):
        for backup in self:
            if backup.status != "done":
                raise UserError(
                    self.env._(
                        "The backup %(name)s is not finished (status: %(status)s); "
                        "only finished backups can be downloaded or restored.",
                        name=backup.display_name,
                        status=dict(
                            backup._fields["status"]._description_selection(self.env)
                        ).get(backup.status),
                    )
                )

    def action_open_start_wizard(self):
        """"Backup Tenant": choose a tenant and start a manual backup."""
        action = self.env["ir.actions.actions"]._for_xml_id(
            "quelyos_tenant_backup.quelyos_backup_start_wizard_action"
        )
        company = self.company_id[:1] or self.env.company
        action["context"] = {"default_company_id": company.id}
        return action

    def action_refresh_from_sidecar(self):
        """Read every backup's state again from the sidecar."""
        # Called on an empty selection too: check the rights before asking anything.
        self.check_access("write")
        sidecar = self.env["quelyos.backup.sidecar"]
        answer = sidecar._backup_list()
        listed = self._sync_from_sidecar(answer.get("backups") or [])
        not_listed = self.search([("backup_id", "not in", list(listed))])
        followed = not_listed.filtered(
            lambda backup: backup.status in ("pending", "running") and backup.job_id
        )
        for backup in followed:
            try:
                backup._sync_from_job(sidecar._job_get(backup.job_id))
            except UserError as error:
                if sidecar_error_code(error) != ERROR_UNKNOWN_JOB:
                    raise
                backup.write(
                    {
                        "status": "failed",
                        "error": self.env._(
                            "The backup service no longer knows this backup's job."
                        ),
                    }
                )
        # Finished backups the sidecar no longer lists were deleted there (by
        # retention, or by hand): their mirror goes too.
        gone = (not_listed - followed).filtered(
            lambda backup: backup.status in ("done", "failed")
        )
        if gone:
            _logger.info(
                "Removing %d backup(s) the backup service no longer lists: %s",
                len(gone),
                ", ".join(gone.mapped("backup_id")),
            )
            gone.unlink()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(count)s backup(s) known to the backup service.",
                    count=len(listed),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_download(self):
        """"Download": check the sidecar still has the archive, then fetch it."""
        self.ensure_one()
        self._ensure_done()
        # Asking first turns "service down" or "backup deleted" into a message in
        # the web client instead of a page the browser navigates to.
        self.env["quelyos.backup.sidecar"]._backup_get(self.backup_id)
        return {
            "type": "ir.actions.act_url",
            "url": f"/quelyos_tenant_backup/download/{self.id}",
            "target": "download",
        }

    def action_open_restore_wizard(self):
        """"Restore": open the restore wizard for this backup."""
        self.ensure_one()
        self._ensure_done()
        wizard = self.env["quelyos.backup.restore.wizard"].create(
            {"backup_id": self.id}
        )
        return wizard._reopen_action()

    def action_delete_from_sidecar(self):
        """Delete the archive in the sidecar, audit it, and drop this record."""
        self.ensure_one()
        if self.status in ("pending", "running"):
            raise UserError(
                self.env._(
                    "This backup is still in progress; it can be deleted once it has "
                    "finished."
                )
            )
        details = self.env._("Deleted from the backup service.")
        try:
            self.env["quelyos.backup.sidecar"]._backup_delete(self.backup_id)
        except UserError as error:
            if sidecar_error_code(error) != ERROR_UNKNOWN_BACKUP:
                raise
            details = self.env._("The backup service no longer had this backup.")
        self.env["quelyos.backup.audit"]._record("delete", self, details)
        self.unlink()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "quelyos_tenant_backup.quelyos_backup_action"
        )
        return action

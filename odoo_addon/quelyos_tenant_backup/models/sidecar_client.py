"""The one place that speaks to the tenant backup service (the sidecar).

Every JSON-RPC call goes through ``QuelyosBackupSidecar._call``; the typed helpers
below only name the method and its parameters, so tests can replace ``_call`` alone
to see what the addon asks the sidecar to do. The archive download is plain HTTP
and lives in ``_open_download``.

Failures never reach the user as a traceback: every one becomes a plain ``UserError``
(which the web client shows as a warning) whose message says what went wrong and what
to check; ``sidecar_error_code(error)`` tells callers which failure it was.
"""

import itertools
import logging
from urllib.parse import quote

import requests

from odoo import api, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

PARAM_URL = "quelyos_tenant_backup.sidecar_url"
PARAM_TOKEN = "quelyos_tenant_backup.sidecar_token"
PARAM_TIMEOUT = "quelyos_tenant_backup.sidecar_timeout"
DEFAULT_URL = "http://127.0.0.1:8765"
DEFAULT_TIMEOUT = 30.0
CONNECT_TIMEOUT = 5.0

# Stable error codes of the sidecar API (docs/API.md).
ERROR_UNAUTHORIZED = 1001
ERROR_INVALID_PARAMS = 1002
ERROR_UNKNOWN_TENANT = 1003
ERROR_UNKNOWN_BACKUP = 1004
ERROR_UNKNOWN_JOB = 1005
ERROR_UNKNOWN_SCHEDULE = 1006
ERROR_ODOO_UNREACHABLE = 2001
ERROR_ODOO_CREDENTIALS = 2002
ERROR_ODOO_REFUSED = 2003
ERROR_ARCHIVE_INVALID = 3001
ERROR_ARCHIVE_OTHER_TENANT = 3002
ERROR_BACKUP_IN_USE = 3003
ERROR_ARCHIVE_NOT_TRUSTED = 3004
# Not a sidecar code: the sidecar could not be reached or answered something that
# is not JSON-RPC.
ERROR_UNREACHABLE = -1
ERROR_BAD_ANSWER = -2

_request_ids = itertools.count(1)


def sidecar_error(message, code=ERROR_BAD_ANSWER, sidecar_message=""):
    """A failed call to the backup service, as an error for the user.

    A plain ``UserError`` rather than a subclass: the web client picks its dialog by
    the exception's class name, and only Odoo's own names get the plain warning
    dialog instead of the one with a traceback. ``code`` is the sidecar's JSON-RPC
    error code, or ``ERROR_UNREACHABLE`` / ``ERROR_BAD_ANSWER`` when there was no
    usable answer at all.
    """
    error = UserError(message)
    error.sidecar_code = code
    error.sidecar_message = sidecar_message
    return error


def sidecar_error_code(error):
    """The sidecar error code an error carries, or None if it is not a sidecar's."""
    return getattr(error, "sidecar_code", None)


class QuelyosBackupSidecar(models.AbstractModel):
    _name = "quelyos.backup.sidecar"
    _description = "Tenant backup service client"

    # ------------------------------------------------------------------
    # Configuration
    # ------------------------------------------------------------------

    @api.model
    def _sidecar_config(self):
        """Return (url, token, timeout) from the system parameters.

        The settings form passes the values being edited through the context
        (``quelyos_sidecar_url`` / ``quelyos_sidecar_token``) so that "Test connection"
        checks what the user typed before it is saved.
        """
        params = self.env["ir.config_parameter"].sudo()
        context = self.env.context
        url = (
            context.get("quelyos_sidecar_url")
            or params.get_param(PARAM_URL)
            or DEFAULT_URL
        )
        token = context.get("quelyos_sidecar_token") or params.get_param(PARAM_TOKEN)
        try:
            timeout = float(params.get_param(PARAM_TIMEOUT) or DEFAULT_TIMEOUT)
        except ValueError:
            timeout = DEFAULT_TIMEOUT
        return url.strip().rstrip("/"), (token or "").strip(), timeout

    @api.model
    def _request_timeout(self, timeout):
        """The ``timeout`` for ``requests``: a short connect, then ``timeout`` to read."""
        return (CONNECT_TIMEOUT, timeout)

    @api.model
    def _headers(self, token):
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    # ------------------------------------------------------------------
    # Errors
    # ------------------------------------------------------------------

    @api.model
    def _unreachable_error(self, url):
        return sidecar_error(
            self.env._(
                "The backup service cannot be reached (%(url)s). Check that it is "
                "running and the URL in the settings.",
                url=url,
            ),
            code=ERROR_UNREACHABLE,
        )

    @api.model
    def _error_from_code(self, code, message, url):
        """Turn one of the sidecar's error objects into a message for the user."""
        message = message or ""
        if code == ERROR_UNAUTHORIZED:
            text = self.env._(
                "The backup service refused the access token (%(url)s). Set the "
                "service's token in the Backups settings.",
                url=url,
            )
        elif code == ERROR_UNKNOWN_TENANT:
            text = self.env._(
                "The backup service does not know this tenant: %(message)s",
                message=message,
            )
        elif code == ERROR_UNKNOWN_BACKUP:
            text = self.env._(
                "The backup service does not know this backup any more (it may have "
                "been deleted). Refresh the list of backups. (%(message)s)",
                message=message,
            )
        elif code == ERROR_UNKNOWN_SCHEDULE:
            text = self.env._(
                "The backup service does not know this schedule yet: %(message)s",
                message=message,
            )
        elif code == ERROR_ODOO_UNREACHABLE:
            text = self.env._(
                "The backup service cannot reach Odoo: %(message)s",
                message=message,
            )
        elif code == ERROR_ODOO_CREDENTIALS:
            text = self.env._(
                "Odoo refused the backup service's credentials. Check its login and "
                "password or API key. (%(message)s)",
                message=message,
            )
        elif code == ERROR_ARCHIVE_INVALID:
            text = self.env._(
                "The backup archive is damaged or in an unknown format: %(message)s",
                message=message,
            )
        elif code == ERROR_ARCHIVE_OTHER_TENANT:
            text = self.env._(
                "This backup belongs to another tenant or database and cannot be "
                "restored here: %(message)s",
                message=message,
            )
        elif code == ERROR_BACKUP_IN_USE:
            text = self.env._(
                "This backup is in use (being downloaded or restored). Try again once "
                "that has finished."
            )
        else:
            text = self.env._(
                "The backup service answered with an error (code %(code)s): "
                "%(message)s",
                code=code,
                message=message,
            )
        return sidecar_error(text, code=code, sidecar_message=message)

    # ------------------------------------------------------------------
    # Transport
    # ------------------------------------------------------------------

    @api.model
    def _call(self, method, params=None):
        """Call one JSON-RPC method of the sidecar and return its ``result``.

        Raises a ``UserError`` (see ``sidecar_error``) with a message for the user when
        the sidecar cannot be reached, answers an error object, or answers
        something that is not JSON-RPC.
        """
        url, token, timeout = self._sidecar_config()
        payload = {
            "jsonrpc": "2.0",
            "id": next(_request_ids),
            "method": method,
            "params": params or {},
        }
        try:
            response = requests.post(
                url + "/",
                json=payload,
                headers=self._headers(token),
                timeout=self._request_timeout(timeout),
            )
        except requests.Timeout as exc:
            _logger.warning("Backup service at %s: %s timed out", url, method)
            raise sidecar_error(
                self.env._(
                    "The backup service (%(url)s) did not answer in time. Try again "
                    "in a moment.",
                    url=url,
                ),
                code=ERROR_UNREACHABLE,
            ) from exc
        except requests.RequestException as exc:
            _logger.warning(
                "Backup service at %s unreachable for %s: %s",
                url,
                method,
                exc.__class__.__name__,
            )
            raise self._unreachable_error(url) from exc

        body = None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            error = body["error"]
            _logger.info(
                "Backup service answered %s with error %s: %s",
                method,
                error.get("code"),
                error.get("message"),
            )
            raise self._error_from_code(error.get("code"), error.get("message"), url)
        if response.status_code in (401, 403):
            raise self._error_from_code(ERROR_UNAUTHORIZED, "", url)
        if response.status_code != 200 or not isinstance(body, dict) or (
            "result" not in body
        ):
            _logger.warning(
                "Backup service at %s answered %s with HTTP %s and no JSON-RPC result",
                url,
                method,
                response.status_code,
            )
            raise sidecar_error(
                self.env._(
                    "The backup service at %(url)s gave an unexpected answer (HTTP "
                    "%(status)s). Check that the URL in the settings points to the "
                    "backup service.",
                    url=url,
                    status=response.status_code,
                ),
                code=ERROR_BAD_ANSWER,
            )
        return body["result"]

    @api.model
    def _open_download(self, backup_id):
        """Open the archive download as a streamed response (the caller closes it)."""
        url, token, timeout = self._sidecar_config()
        download_url = f"{url}/backups/{quote(backup_id, safe='')}/download"
        try:
            response = requests.get(
                download_url,
                # The archive is relayed as is: no transfer encoding to undo.
                headers=dict(self._headers(token), **{"Accept-Encoding": "identity"}),
                stream=True,
                timeout=self._request_timeout(timeout),
            )
        except requests.RequestException as exc:
            _logger.warning(
                "Backup service at %s unreachable for a download: %s",
                url,
                exc.__class__.__name__,
            )
            raise self._unreachable_error(url) from exc
        if response.status_code == 200:
            return response
        try:
            body = response.json()
        except ValueError:
            body = None
        finally:
            response.close()
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and error.get("code"):
            raise self._error_from_code(error.get("code"), error.get("message"), url)
        if response.status_code in (401, 403):
            raise self._error_from_code(ERROR_UNAUTHORIZED, "", url)
        if response.status_code == 404:
            raise self._error_from_code(ERROR_UNKNOWN_BACKUP, backup_id, url)
        raise sidecar_error(
            self.env._(
                "The backup service at %(url)s gave an unexpected answer (HTTP "
                "%(status)s). Check that the URL in the settings points to the "
                "backup service.",
                url=url,
                status=response.status_code,
            ),
            code=ERROR_BAD_ANSWER,
        )

    # ------------------------------------------------------------------
    # The API (docs/API.md), one helper per method. All private: an abstract
    # model has no access rights of its own, and Odoo refuses remote calls to
    # private methods, so only the models' own (access-checked) actions reach
    # the sidecar.
    # ------------------------------------------------------------------

    @api.model
    def _health(self):
        return self._call("health", {})

    @api.model
    def _tenants_list(self):
        return self._call("tenants.list", {})

    @api.model
    def _backup_start(self, company_id, schedule_id=None):
        params = {"tenant": company_id}
        if schedule_id:
            params["schedule_id"] = schedule_id
        return self._call("backup.start", params)

    @api.model
    def _restore_start(
        self, backup_id, company_id, dry_run, safety_backup, allow_unsigned=False
    ):
        return self._call(
            "restore.start",
            {
                "backup_id": backup_id,
                "tenant": company_id,
                "dry_run": bool(dry_run),
                "safety_backup": bool(safety_backup),
                "allow_unsigned": bool(allow_unsigned),
            },
        )

    @api.model
    def _job_get(self, job_id):
        return self._call("job.get", {"job_id": job_id})

    @api.model
    def _backup_list(self, company_id=None):
        return self._call("backup.list", {"tenant": company_id} if company_id else {})

    @api.model
    def _backup_get(self, backup_id):
        return self._call("backup.get", {"backup_id": backup_id})

    @api.model
    def _backup_delete(self, backup_id):
        return self._call("backup.delete", {"backup_id": backup_id})

    @api.model
    def _schedules_tick(self):
        return self._call("schedules.tick", {})

    @api.model
    def _schedules_next_run(self, schedule_id):
        return self._call("schedules.next_run", {"schedule_id": schedule_id})

import logging

from markupsafe import Markup
from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.exceptions import UserError
from odoo.http import content_disposition, request

_logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024


class QuelyosBackupDownloadController(http.Controller):
    """Streams a backup archive from the sidecar to an administrator's browser.

    The browser never talks to the sidecar (which listens on loopback and wants a
    token the browser must not see): Odoo checks the user, then relays the archive
    chunk by chunk without holding it in memory.
    """

    @http.route(
        "/quelyos_tenant_backup/download/<int:backup_record_id>",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def download(self, backup_record_id, **kwargs):
        env = request.env
        if not env.user.has_group("base.group_system"):
            _logger.warning(
                "User %s was refused the download of backup record %s",
                env.user.login,
                backup_record_id,
            )
            raise Forbidden(
                env._("Only administrators may download tenant backups.")
            )
        backup = env["quelyos.backup"].browse(backup_record_id).exists()
        if not backup:
            raise NotFound()
        file_name = backup.file_name or f"{backup.backup_id}.zip"
        # The service stores encrypted archives as backup_….zip.age and hands out the
        # ZIP they hold, decrypted as it streams: the user gets the .zip.
        file_name = file_name.removesuffix(".age")
        try:
            upstream = env["quelyos.backup.sidecar"]._open_download(backup.backup_id)
        except UserError as error:
            return request.make_response(
                Markup(
                    "<!DOCTYPE html><html><body><p>%s</p>"
                    '<p><a href="/odoo">%s</a></p></body></html>'
                )
                % (str(error), env._("Back to Odoo")),
                headers=[("Content-Type", "text/html; charset=utf-8")],
                status=502,
            )
        size = upstream.headers.get("Content-Length")
        env["quelyos.backup.audit"]._record(
            "download",
            backup,
            env._(
                "Downloaded %(file)s (%(size)s bytes).",
                file=file_name,
                size=size or "?",
            ),
        )
        headers = [
            ("Content-Type", upstream.headers.get("Content-Type") or "application/zip"),
            ("Content-Disposition", content_disposition(file_name)),
            ("Cache-Control", "no-store"),
        ]
        if size:
            headers.append(("Content-Length", size))

        def relay():
            # Runs after this request's transaction is over: it must not touch the
            # database, only the sidecar's response.
            try:
                yield from upstream.iter_content(chunk_size=CHUNK_SIZE)
            finally:
                upstream.close()

        return http.Response(relay(), headers=headers, direct_passthrough=True)

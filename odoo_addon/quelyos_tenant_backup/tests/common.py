"""Test helpers: a recorder for what the addon asks the sidecar, and a fake sidecar.

Two ways to stand in for the backup service, never both in one test:

- ``SidecarCallsMixin`` replaces the client's single ``_call(method, params)`` with a
  recorder that answers canned results: the test then checks *what* the addon
  asked the sidecar to do.
- ``FakeSidecar`` is a real HTTP server on 127.0.0.1 (a free port) that speaks the
  sidecar's JSON-RPC and serves archive downloads, for the client's own transport
  and for the download controller (with ``SidecarOverHttpMixin``).
"""

import json
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch

from ..models.sidecar_client import (
    PARAM_TOKEN,
    PARAM_URL,
    QuelyosBackupSidecar,
    sidecar_error,
)

FAKE_TOKEN = "fake-sidecar-token-1234"


def unique_company_name(name):
    """``name`` with a random suffix: a database that has a company of that name already
    (company names are unique in Odoo) runs the tests all the same."""
    return f"{name} {uuid.uuid4().hex[:8]}"


class SidecarCallsMixin:
    """Record every ``_call`` and answer from ``self.sidecar_answers``.

    An answer is a result (returned), an exception (raised) or a callable taking
    the params (its return value is the result).
    """

    def setUp(self):
        super().setUp()
        self.sidecar_calls = []
        self.sidecar_answers = {}
        test = self

        def recorded_call(sidecar, method, params=None):
            test.sidecar_calls.append((method, dict(params or {})))
            answer = test.sidecar_answers.get(method, {})
            if isinstance(answer, Exception):
                raise answer
            if callable(answer):
                return answer(params or {})
            return answer

        patcher = patch.object(QuelyosBackupSidecar, "_call", recorded_call)
        patcher.start()
        self.addCleanup(patcher.stop)

    def calls_of(self, method):
        return [params for called, params in self.sidecar_calls if called == method]

    @staticmethod
    def sidecar_error(code, message="failed", text="The backup service failed"):
        return sidecar_error(text, code=code, sidecar_message=message)


class SidecarOverHttpMixin:
    """For tests whose calls really go out over HTTP, to ``FakeSidecar`` or a closed port.

    Odoo 19's test harness sees every request and compares its timeout with a
    number, which the client's ``(connect, read)`` pair is not: these tests give
    the client a single number instead.
    """

    def setUp(self):
        super().setUp()
        patcher = patch.object(
            QuelyosBackupSidecar, "_request_timeout", lambda sidecar, timeout: timeout
        )
        patcher.start()
        self.addCleanup(patcher.stop)


def backup_object(backup_id, company_id, **overrides):
    """A Backup object as the sidecar API describes it (docs/API.md)."""
    data = {
        "backup_id": backup_id,
        "file_name": f"backup_t{company_id}_20260130_164220.zip",
        "tenant": {"company_id": company_id, "code": f"t{company_id}", "name": "T"},
        "status": "done",
        "origin": {"kind": "manual"},
        "size_bytes": 1048576,
        "records": 300,
        "attachments": 12,
        "created_at": "2026-01-30T16:42:20Z",
        "duration_ms": 14210,
        "job_id": f"j-{backup_id}",
        "error": None,
    }
    data.update(overrides)
    return data


class FakeSidecar:
    """A tiny real sidecar: JSON-RPC on ``POST /``, archives on ``GET``.

    ``answers`` maps a method to its result, or to ``("error", code, message)``;
    ``archives`` maps a backup id to the bytes its download serves. Every request is
    kept in ``requests`` as ``(verb, path, headers, body)``.
    """

    def __init__(self, token=FAKE_TOKEN):
        self.token = token
        self.answers = {}
        self.archives = {}
        self.requests = []
        # (status, body) to answer every JSON-RPC request with, as a server that
        # is not the sidecar would.
        self.raw_reply = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body, content_type="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _authorized(self):
                return self.headers.get("Authorization") == f"Bearer {fake.token}"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(("POST", self.path, dict(self.headers), request))
                if fake.raw_reply:
                    self._send(fake.raw_reply[0], fake.raw_reply[1], "text/html")
                    return
                method = request.get("method")
                if method != "health" and not self._authorized():
                    answer = ("error", 1001, "unauthorized: missing or wrong token")
                else:
                    answer = fake.answers.get(method, {})
                reply = {"jsonrpc": "2.0", "id": request.get("id")}
                if isinstance(answer, tuple) and answer[0] == "error":
                    reply["error"] = {"code": answer[1], "message": answer[2]}
                else:
                    reply["result"] = answer
                self._send(200, json.dumps(reply).encode())

            def do_GET(self):
                fake.requests.append(("GET", self.path, dict(self.headers), None))
                parts = self.path.strip("/").split("/")
                if len(parts) != 3 or parts[0] != "backups" or parts[2] != "download":
                    self._send(404, b"{}")
                    return
                if not self._authorized():
                    self._send(401, b"")
                    return
                archive = fake.archives.get(parts[1])
                if archive is None:
                    error = {"code": 1004, "message": f"unknown backup {parts[1]}"}
                    self._send(404, json.dumps({"error": error}).encode())
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(archive)))
                self.send_header(
                    "Content-Disposition", f'attachment; filename="{parts[1]}.zip"'
                )
                self.end_headers()
                # In small pieces, as a real stream would come.
                for start in range(0, len(archive), 1000):
                    self.wfile.write(archive[start : start + 1000])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def methods(self):
        return [body["method"] for verb, _path, _headers, body in self.requests if body]


def point_at(env, url, token=FAKE_TOKEN):
    """Configure the addon to use the sidecar at ``url``."""
    params = env["ir.config_parameter"].sudo()
    params.set_param(PARAM_URL, url)
    params.set_param(PARAM_TOKEN, token)


def closed_port_url():
    """The URL of a port on 127.0.0.1 that nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def activate_french(env):
    """Activate fr_FR and load this module's French terms; False if unavailable."""
    lang = env["res.lang"]._activate_lang("fr_FR")
    if not lang:
        return False
    env["ir.module.module"]._load_module_terms(
        ["quelyos_tenant_backup"], ["fr_FR"], overwrite=True
    )
    return True

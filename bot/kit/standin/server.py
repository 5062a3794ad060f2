"""HTTP side of the stand-in: a quiet threaded server that parses Slack-style requests.

Routes (all accept POST, and GET with query arguments):

* ``/api/<method>``     Web API calls (form-encoded, JSON or multipart bodies)
* ``/response/<token>`` response URLs handed out by ``SlackStandIn.new_response_url``
* ``/upload/<file_id>`` upload URLs from ``files.getUploadURLExternal``

The server knows nothing about Slack semantics; it hands parsed requests to a backend
(``SlackStandIn``) and writes back what the backend decides.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import sys
import threading
import traceback
from email import policy
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from .faults import Outcome


class Backend(Protocol):
    def handle_api(
        self, method: str, args: dict[str, Any], token: str | None, headers: dict[str, str]
    ) -> Outcome: ...

    def handle_response_url(self, token: str, payload: dict[str, Any] | None) -> Outcome: ...

    def handle_upload(self, file_id: str, data: bytes) -> Outcome: ...

    def note_error(self, text: str) -> None: ...


def parse_args(content_type: str, query: str, body: bytes) -> dict[str, Any]:
    """Merge query, then body arguments the way Slack reads them.

    JSON bodies keep their value types; form and multipart values are strings (file parts
    stay bytes). Raises ``ValueError`` for a malformed JSON body.
    """
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    mime = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return args
    if mime == "application/json":
        data = json.loads(body.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("JSON body must be an object")
        args.update(data)
    elif mime == "multipart/form-data":
        header = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = BytesParser(policy=policy.HTTP).parsebytes(header + body)
        for part in message.iter_parts():
            param = part.get_param("name", header="content-disposition")
            name = collapse_rfc2231_value(param) if param else None
            decoded = part.get_payload(decode=True)
            payload = decoded if isinstance(decoded, bytes) else b""
            if name:
                args[name] = payload if part.get_filename() else payload.decode("utf-8")
    else:  # Slack treats anything else as application/x-www-form-urlencoded
        args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return args


def bearer_token(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


class StandInHTTPServer(ThreadingHTTPServer):
    """Threaded loopback server; handler threads are daemons so a hung client cannot block."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # socketserver's default of 5 drops bursts of concurrent clients

    def __init__(self, backend: Backend, host: str = "127.0.0.1", port: int = 0) -> None:
        self.backend = backend
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__((host, port), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End kept-alive client connections so nothing is answered after ``stop()``."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Stay quiet: clients hanging up are normal; anything else is kept for the tests.
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            self.backend.note_error(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SlackStandIn/1.0"
    sys_version = ""
    timeout = 60  # seconds an idle kept-alive connection may stay open
    server: StandInHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """No request logging: the stand-in must stay quiet."""

    def do_POST(self) -> None:
        self._route()

    def do_GET(self) -> None:
        self._route()

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _route(self) -> None:
        url = urlsplit(self.path)
        body = self._body()
        backend = self.server.backend
        prefix, _, rest = url.path.lstrip("/").partition("/")
        content_type = self.headers.get("Content-Type", "")
        if prefix == "api" and rest:
            try:
                args = parse_args(content_type, url.query, body)
            except ValueError:
                self._reply(Outcome("http", 200, {"ok": False, "error": "invalid_json"}))
                return
            token = bearer_token(self.headers.get("Authorization"))
            if token is None and isinstance(args.get("token"), str):
                token = args["token"] or None
            headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
            self._reply(backend.handle_api(rest, args, token, headers))
        elif prefix == "response" and rest:
            self._reply(backend.handle_response_url(rest, _response_payload(content_type, body)))
        elif prefix == "upload" and rest:
            self._reply(backend.handle_upload(rest, body))
        else:
            self._reply(Outcome("http", 404, {"ok": False, "error": "not_found"}))

    def _reply(self, outcome: Outcome) -> None:
        if outcome.kind == "drop":
            self._drop()
            return
        data = json.dumps(outcome.body).encode("utf-8")
        self.send_response(outcome.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in outcome.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        """Close without answering; linger 0 makes the peer see a connection reset."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()


def _response_payload(content_type: str, body: bytes) -> dict[str, Any] | None:
    """The JSON body of a response-URL POST (or its form ``payload`` field); None if bad."""
    try:
        if content_type.split(";", 1)[0].strip().lower() == "application/json":
            data = json.loads(body.decode("utf-8"))
        else:
            form = dict(parse_qsl(body.decode("utf-8")))
            data = json.loads(form.get("payload") or body.decode("utf-8"))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None

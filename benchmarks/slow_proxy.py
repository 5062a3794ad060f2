"""A slow Slack: an HTTP proxy that waits before forwarding each call to the stand-in.

The stand-in (bot/kit/standin) answers at once and has no delay setting, so the benchmarks
put this in front of it to imitate a slow Web API: every request (Web API calls and
response URLs alike) sleeps `delay` seconds, then goes to the stand-in unchanged, and the
stand-in's answer comes back unchanged.
"""

from __future__ import annotations

import http.client
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

# Headers of the stand-in's answer passed back (the rest is set by this server).
_PASSED_BACK = ("Content-Type", "Retry-After")


class DelayingProxy:
    """`with DelayingProxy("http://127.0.0.1:1234", delay=0.3) as proxy: proxy.base_url`"""

    def __init__(self, upstream: str, delay: float):
        self.upstream = urlsplit(upstream)
        self.delay = delay
        self._server = _ProxyServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="slow-slack", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes):  # type: ignore[no-untyped-def]
        """Sleep, then send the request upstream; (status, headers, body) of the answer."""
        time.sleep(self.delay)
        conn = http.client.HTTPConnection(
            self.upstream.hostname or "127.0.0.1", self.upstream.port, timeout=30
        )
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            passed = {k: v for k in _PASSED_BACK if (v := response.getheader(k)) is not None}
            return response.status, passed, response.read()
        finally:
            conn.close()

    def __enter__(self) -> DelayingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # bursts of concurrent clients must not be refused

    def __init__(self, proxy: DelayingProxy):
        self.proxy = proxy
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ProxyServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet, like the stand-in."""

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        headers["Connection"] = "close"
        status, passed, data = self.server.proxy.forward(self.command, self.path, headers, body)
        self.send_response(status)
        for name, value in passed.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

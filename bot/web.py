"""The HTTP side: a small WSGI router in front of Bolt, served by waitress."""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt.adapter.wsgi import SlackRequestHandler

if TYPE_CHECKING:
    from bot.app import OpsBot

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def make_wsgi_app(bot: OpsBot) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(bot.bolt)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events":
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"error": "POST only"})
            return slack(environ, start_response)
        if path == "/healthz":
            return healthz(bot, start_response)
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return application


def healthz(bot: OpsBot, start_response: StartResponse) -> Iterable[bytes]:
    try:
        bot.db.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        log.warning("health check: database does not answer: %s", exc)
        return _json(start_response, "503 Service Unavailable", {"ok": False, "database": "down"})
    body: dict[str, Any] = {"ok": True, "database": "up"}
    if bot.last_tick is not None:
        body["last_tick"] = bot.last_tick.isoformat()
    return _json(start_response, "200 OK", body)


class HttpServer:
    """waitress, a production WSGI server, run in this process (threads, no forking)."""

    def __init__(self, bot: OpsBot, host: str = "0.0.0.0", port: int = 3000, threads: int = 8):
        from waitress.server import create_server

        self.server = create_server(
            bot.wsgi(),
            host=host,
            port=port,
            threads=threads,
            ident="opsbot",
            clear_untrusted_proxy_headers=True,
        )

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    def serve_forever(self) -> None:
        self.server.run()

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="http", daemon=True)
        thread.start()
        return thread

    def stop(self, timeout: float = 20) -> None:
        """Stop accepting, let requests in progress finish, then end the loop (from another
        thread than the one serving)."""
        from waitress import wasyncore

        self.server.close()
        self.server.task_dispatcher.shutdown(cancel_pending=False, timeout=timeout)
        wasyncore.close_all(self.server._map)


def exit_on_sigterm() -> None:
    """SIGTERM (Heroku gives 30 s) and SIGINT end the process through SystemExit, which
    waitress answers by finishing the requests in progress."""

    def handler(signum: int, _frame: Any) -> None:
        log.info("received %s; shutting down", signal.Signals(signum).name)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)

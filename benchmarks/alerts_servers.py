"""The processes of the alerts benchmark (benchmarks/alerts.py) other than `opsbot serve`:

* `TimedSlack`: the Web API stand-in (bot/kit/standin) in a process of its own, noting the
  moment (`time.perf_counter()`, CLOCK_MONOTONIC on Linux, which every process on the
  machine shares) each `chat.postMessage` was answered, so that the benchmark can time each
  page DM from the moment its notification was answered;
* the baseline server: behind the same cheroot server as opsbot (bot.http_server.HttpServer,
  SERVER_THREADS threads), a WSGI app that reads an `/alerts/…` body and answers 200 storing
  nothing, and hands `/slack/events` to a bare Bolt app whose `/incident` only acks.

    python -m benchmarks.alerts_servers --serve-baseline   (PORT, SLACK_API_URL)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from benchmarks.remote_standin import RemoteSlack
from benchmarks.servers import (
    SERVER_THREADS,
    environment,
    free_port,
    server_process,
)
from bot.kit.standin import SlackStandIn
from bot.kit.standin.faults import Outcome


@dataclass(frozen=True)
class Posted:
    """One `chat.postMessage` as the stand-in answered it."""

    at: float  # time.perf_counter() in the stand-in's process when it was answered
    channel: str
    text: str
    ok: bool


class TimedStandIn(SlackStandIn):
    """The stand-in, noting when it answered each chat.postMessage (`posted`)."""

    def __init__(self) -> None:
        super().__init__()
        self.posted: list[Posted] = []
        self.posted_lock = threading.Lock()

    def handle_api(
        self, method: str, args: dict[str, Any], token: str | None, headers: dict[str, str]
    ) -> Outcome:
        outcome = super().handle_api(method, args, token, headers)
        if method == "chat.postMessage":
            ok = outcome.status == 200 and bool(outcome.body.get("ok"))
            noted = Posted(time.perf_counter(), str(args.get("channel")), str(args.get("text")), ok)
            with self.posted_lock:
                self.posted.append(noted)
        return outcome


def _timed_standin_process(
    conn: Connection, users: dict[str, str], channels: dict[str, str], _delay: float
) -> None:
    """Child process: a TimedStandIn telling the benchmark over `conn` what it noted, until
    told to stop."""
    standin = TimedStandIn()
    with standin:
        for user_id, name in users.items():
            standin.add_user(user_id, name)
        for name, channel_id in channels.items():
            standin.add_channel(name, channel_id)
        conn.send(standin.base_url)
        while True:
            op, args = conn.recv()
            try:
                if op == "stop":
                    conn.send(("ok", None))
                    return
                if op == "posted":  # what was posted since the first `args[0]` notes
                    with standin.posted_lock:
                        conn.send(("ok", standin.posted[args[0] :]))
                elif op == "errors":
                    conn.send(("ok", list(standin.errors)))
                else:
                    conn.send(("error", f"unknown op {op}"))
            except Exception:  # noqa: BLE001 - the benchmark process raises it
                conn.send(("error", traceback.format_exc()))


class TimedSlack(RemoteSlack):
    """The timed stand-in running in another process, with `users` (id: name) and
    `channels` (name: id)."""

    def __init__(self, users: dict[str, str], channels: dict[str, str]):
        super().__init__(users, channels, 0.0, _timed_standin_process)
        self._posted: list[Posted] = []

    def posted(self) -> list[Posted]:
        """Every chat.postMessage so far, in the order answered."""
        self._posted.extend(self.call("posted", len(self._posted)))
        return list(self._posted)

    def errors(self) -> list[str]:
        return list(self.call("errors"))


# -- the baseline server ------------------------------------------------------------------

OK_BODY = json.dumps({"ok": True}).encode()


def baseline_wsgi(api_url: str | None):  # type: ignore[no-untyped-def]
    """`/alerts/…`: read the body, answer 200, store nothing; the rest: a bare Bolt app."""
    from benchmarks.servers import bare_bolt_wsgi

    bolt = bare_bolt_wsgi(api_url)

    def application(environ, start_response):  # type: ignore[no-untyped-def]
        if environ.get("PATH_INFO", "").startswith("/alerts/"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            environ["wsgi.input"].read(length)
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(OK_BODY)))],
            )
            return [OK_BODY]
        return bolt(environ, start_response)

    return application


def serve_baseline() -> int:
    from bot.http_server import HttpServer
    from bot.shutdown import stop_on_signals

    stop_on_signals()
    app = baseline_wsgi(os.environ.get("SLACK_API_URL"))
    HttpServer(app, port=int(os.environ["PORT"]), threads=SERVER_THREADS).serve_forever()
    return 0


def baseline_server(api_url: str, workdir: Path):  # type: ignore[no-untyped-def]
    """The baseline server process, waited for until its /healthz answers."""
    argv = [sys.executable, "-m", "benchmarks.alerts_servers", "--serve-baseline"]
    env = environment(api_url, "", PORT=str(free_port()), PYTHONFAULTHANDLER="1")
    return server_process(argv, env, workdir)


def page_names(posted: Iterable[Posted]) -> list[tuple[str, float]]:
    """(the alert's name, when) of each page DM answered ok: a post to a person (a user id)
    saying "Paged for the alert *NAME*"."""
    marker = "Paged for the alert *"
    return [
        (post.text[len(marker) :].split("*", 1)[0], post.at)
        for post in posted
        if post.ok and post.channel.startswith("U") and post.text.startswith(marker)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.alerts_servers")
    parser.add_argument("--serve-baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_baseline:
        return serve_baseline()
    parser.error("nothing to do: this module is the alerts benchmark's server processes")


if __name__ == "__main__":
    raise SystemExit(main())

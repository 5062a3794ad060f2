"""The server processes the benchmarks start, each a subprocess with a log file of its own.

* `environment`: this process's environment without its SLACK_*, OPSBOT_* and DATABASE_*
  variables, then the benchmark's bot token and signing secret, the Web API stand-in, a
  database, the example configuration and this checkout on PYTHONPATH;
* `running`: start a process, stop it at the end (SIGTERM, SIGKILL after STOP_TIMEOUT);
* `server_process`: the same for a server on $PORT, waited for until `/healthz` answers;
  `opsbot_server` (`opsbot serve --no-scheduler` through the real CLI) and `baseline_server`
  (a bare Bolt app that only acks, behind the same cheroot server as opsbot,
  bot.http_server.HttpServer), as ack_latency runs them.

Only the standard library at import time: the memory benchmark's baseline process imports
this module, and must not carry opsbot's imports.

    python -m benchmarks.servers --serve-baseline    (the baseline server: PORT, SLACK_API_URL)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIGNING_SECRET = "benchmark-signing-secret"
BOT_TOKEN = "xoxb-benchmark"
# the server's worker threads, as `opsbot serve` runs it (bot.http_server.HttpServer)
SERVER_THREADS = 8
START_TIMEOUT = 60.0  # seconds for a server process to answer /healthz
STOP_TIMEOUT = 30.0  # seconds for a process to end after SIGTERM, before it is killed


class BenchmarkError(Exception):
    """A process did not start, answer or stay up, or the measured work did not happen as
    it should: no figures are worth reporting."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(api_url: str, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a process under test (see the module's docstring), `extra` added."""
    from bot.config import example_config_path

    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPSBOT_", "DATABASE_"))
    }
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=api_url,
        DATABASE_URL=database_url,
        OPSBOT_CONFIG=str(example_config_path()),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        **extra,
    )
    return env


def opsbot_command(*args: str) -> list[str]:
    """The argv of `opsbot ARGS…`, through the real CLI."""
    return [sys.executable, "-m", "bot.cli", *args]


def healthz(port: int, timeout: float = 2) -> dict | None:
    """What GET /healthz on `port` answers when it answers 200 (None otherwise)."""
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/healthz", timeout=timeout
        ) as response:
            return json.loads(response.read()) if response.status == 200 else None
    except OSError:
        return None


def read_log(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""


@contextlib.contextmanager
def running(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """Start `argv` in `log`'s folder, its output going to `log`; stop it at the end."""
    with log.open("w") as out:
        process = subprocess.Popen(
            argv, env=env, cwd=log.parent, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it has not ended within STOP_TIMEOUT."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- servers answering /healthz on $PORT --------------------------------------------------


@dataclass
class ServerProcess:
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 3000) -> str:
        return read_log(self.log)[-chars:]

    def log_problems(self, lines: int = 20) -> str:
        """The last warnings and errors it logged."""
        text = read_log(self.log)
        bad = [line for line in text.splitlines() if " WARNING " in line or " ERROR " in line]
        return "\n".join(bad[-lines:])


@contextlib.contextmanager
def server_process(argv: list[str], env: dict[str, str], workdir: Path) -> Iterator[ServerProcess]:
    """Start a server, wait until its /healthz answers, stop it with SIGTERM at the end.
    Its output goes to a log file in `workdir` (shown when it fails to start)."""
    port = int(env["PORT"])
    log = workdir / f"server-{port}.log"
    with running(argv, env, log) as process:
        server = ServerProcess(port, process, log)
        wait_healthy(server)
        yield server


def wait_healthy(server: ServerProcess) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchmarkError(
                f"the server exited with {server.process.returncode}:\n{server.log_tail()}"
            )
        if healthz(server.port, timeout=1) is not None:
            return
        time.sleep(0.05)  # waiting for a process to start
    raise BenchmarkError(f"the server did not answer within {START_TIMEOUT:.0f} s")


def _server_environment(api_url: str, database_url: str) -> dict[str, str]:
    return environment(api_url, database_url, PORT=str(free_port()), PYTHONFAULTHANDLER="1")


def opsbot_server(api_url: str, database_url: str, workdir: Path):  # type: ignore[no-untyped-def]
    """`opsbot serve --no-scheduler` through the real CLI (it migrates the database)."""
    argv = opsbot_command("serve", "--no-scheduler")
    return server_process(argv, _server_environment(api_url, database_url), workdir)


def baseline_server(api_url: str, workdir: Path):  # type: ignore[no-untyped-def]
    argv = [sys.executable, "-m", "benchmarks.servers", "--serve-baseline"]
    return server_process(argv, _server_environment(api_url, ""), workdir)


# -- the bare Bolt app --------------------------------------------------------------------


def bare_bolt_wsgi(api_url: str | None):  # type: ignore[no-untyped-def]
    """The WSGI application of a bare slack_bolt App whose `/incident` only acks (plus a
    /healthz, so that it is started and stopped like opsbot)."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    app = App(
        client=WebClient(token=BOT_TOKEN, base_url=api_url),
        signing_secret=SIGNING_SECRET,
        request_verification_enabled=True,
        token_verification_enabled=False,
    )
    app.command("/incident")(lambda ack: ack())
    slack = SlackRequestHandler(app)

    def application(environ, start_response):  # type: ignore[no-untyped-def]
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"ok": true}']
        return slack(environ, start_response)

    return application


def serve_baseline() -> int:
    """The baseline server process: `python -m benchmarks.servers --serve-baseline`."""
    from bot.http_server import HttpServer
    from bot.shutdown import stop_on_signals

    stop_on_signals()
    bare = bare_bolt_wsgi(os.environ["SLACK_API_URL"])
    server = HttpServer(bare, port=int(os.environ["PORT"]), threads=SERVER_THREADS)
    server.serve_forever()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.servers")
    parser.add_argument("--serve-baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_baseline:
        return serve_baseline()
    parser.error("nothing to do: this module is the benchmarks' server processes")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())

"""A real Alertmanager for tests: Debian's `prometheus-alertmanager` (0.25) started on a free
loopback port with a temporary data dir, no cluster (gossip) port, and one receiver, a
webhook at the URL the test gives, with the shortest timings Alertmanager accepts.

- `running_alertmanager(webhook_url, ...)`: a context manager that starts it, waits until
  `/-/ready` answers, and stops it (SIGTERM, then SIGKILL) on leaving.
- `alertmanager_for`: the pytest fixture, a factory of those context managers; it skips the
  test when the binary is not installed. Other modules import it:
  `from tests.alertmanager import alertmanager_for  # noqa: F401`.
- `WebhookRecorder` / `webhook_recorder()`: a tiny HTTP server (stdlib, in a thread) that
  records the JSON bodies POSTed to it, for tests that read what Alertmanager sends.

Timings (`Timings`): Alertmanager 0.25 accepts `group_wait: 0s` (a group's first
notification goes at once) and refuses a zero `group_interval` or `repeat_interval`. The
defaults, 0s / 100ms / 1h, bring each notification within ~0.1 s of the change behind it
(10ms works too, but then alerts resolved a few ms apart come in separate notifications),
and no repeat within a test. Waiting is polling with a deadline, never a fixed sleep."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.kit.standin.faults import real_monotonic

BINARY_NAMES = ("prometheus-alertmanager", "alertmanager")  # Debian's name, then upstream's
NOT_INSTALLED = (
    "prometheus-alertmanager is not installed: apt-get install -y prometheus-alertmanager"
)
READY_TIMEOUT = 20.0  # seconds for `/-/ready` after start (it answers in well under one)


def alertmanager_binary() -> str | None:
    """The path of the Alertmanager binary on PATH, or None."""
    for name in BINARY_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def real_now() -> dt.datetime:
    """The wall clock as Alertmanager reads it: freezegun, which tests use to move the app's
    clock, replaces `datetime.now` and `time.time` but not `time.clock_gettime`."""
    return dt.datetime.fromtimestamp(time.clock_gettime(time.CLOCK_REALTIME), dt.UTC)


def rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def wait_until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Polls `check` until it returns something truthy, which it returns; fails the test
    with `what` after `timeout` seconds."""
    deadline = real_monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if real_monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@dataclass(frozen=True)
class Timings:
    """The route's timings (Alertmanager durations). group_interval and repeat_interval
    must be above zero; group_wait may be 0s."""

    group_wait: str = "0s"
    group_interval: str = "100ms"
    repeat_interval: str = "1h"


def config_yaml(
    webhook_url: str,
    *,
    timings: Timings,
    group_by: Iterable[str],
    max_alerts: int | None,
) -> str:
    webhook: dict[str, Any] = {"url": webhook_url, "send_resolved": True}
    if max_alerts is not None:
        webhook["max_alerts"] = max_alerts
    config = {
        "route": {
            "receiver": "opsbot",
            "group_by": list(group_by),
            "group_wait": timings.group_wait,
            "group_interval": timings.group_interval,
            "repeat_interval": timings.repeat_interval,
        },
        "receivers": [{"name": "opsbot", "webhook_configs": [webhook]}],
    }
    return yaml.safe_dump(config, sort_keys=False)


class Alertmanager:
    """A running Alertmanager: `url` is its base URL (`http://127.0.0.1:PORT`)."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log_path: Path):
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self._pushed: dict[frozenset[tuple[str, str]], dict[str, Any]] = {}

    # -- the API -------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, timeout: float = 5.0) -> Any:
        """Calls the API and returns its JSON answer (None for an empty one)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            raise AssertionError(f"{method} {path}: HTTP {error.code}: {detail}") from error
        return json.loads(raw) if raw.strip() else None

    def push(self, alerts: Iterable[Mapping[str, Any]]) -> None:
        """Posts alerts to `/api/v2/alerts`, as Prometheus does. Each alert is
        `{"labels": {...}, "annotations": {...}, "startsAt", "endsAt", "generatorURL"}`;
        only labels are required, times may be datetimes. startsAt is now unless given (as
        Prometheus sends it). An alert without endsAt fires until resolved (or for
        Alertmanager's resolve_timeout, 5 minutes, if not pushed again)."""
        body = []
        for alert in alerts:
            posted: dict[str, Any] = {
                key: rfc3339(value) if isinstance(value, dt.datetime) else value
                for key, value in {"startsAt": real_now(), **alert}.items()
            }
            body.append(posted)
            labels: Mapping[str, str] = posted["labels"]
            self._pushed[frozenset(labels.items())] = posted
        self.request("POST", "/api/v2/alerts", body)

    def resolve(self, labels: Mapping[str, str], at: dt.datetime | None = None) -> None:
        """Re-posts the alert with these labels (as last pushed: startsAt, annotations and
        all) with endsAt now (past by the time Alertmanager reads it) or `at`: resolved."""
        earlier = self._pushed.get(frozenset(labels.items()), {"labels": dict(labels)})
        self.push([{**earlier, "endsAt": at or real_now()}])

    def alerts(self) -> list[dict[str, Any]]:
        """`GET /api/v2/alerts`: the alerts Alertmanager holds, silenced ones too."""
        result: list[dict[str, Any]] = self.request("GET", "/api/v2/alerts")
        return result

    def silences(self) -> list[dict[str, Any]]:
        """`GET /api/v2/silences`: every silence, active, pending and expired."""
        result: list[dict[str, Any]] = self.request("GET", "/api/v2/silences")
        return result

    # -- the process ---------------------------------------------------------------------

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/-/ready", timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited within 5 seconds; waits for it."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start_alertmanager(binary: str, workdir: Path, config_file: Path) -> Alertmanager:
    """Starts Alertmanager on a free loopback port and waits until `/-/ready` answers.
    A port taken between choosing it and binding it is retried on another one."""
    for attempt in range(3):
        port = free_port()
        log_path = workdir / f"alertmanager-{attempt}.log"
        data_dir = workdir / f"data-{attempt}"
        data_dir.mkdir()
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                [
                    binary,
                    f"--config.file={config_file}",
                    f"--storage.path={data_dir}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    f"--web.external-url=http://127.0.0.1:{port}",
                    "--cluster.listen-address=",  # no gossip port: not an HA member
                    "--log.level=debug",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        manager = Alertmanager(process, port, log_path)
        try:
            wait_until(
                lambda: process.poll() is not None or manager.ready(),  # noqa: B023 - this one
                READY_TIMEOUT,
                f"Alertmanager's /-/ready on port {port}",
            )
        except BaseException as error:  # not ready in time, or interrupted: no orphan
            manager.stop()
            if isinstance(error, AssertionError):
                raise AssertionError(f"{error}; its log:\n{manager.log()}") from None
            raise
        if process.poll() is None:
            return manager
        if "address already in use" not in manager.log():
            raise AssertionError(f"Alertmanager exited with {process.returncode}:\n{manager.log()}")
    raise AssertionError(f"Alertmanager found no free port in 3 attempts:\n{manager.log()}")


@contextmanager
def running_alertmanager(
    webhook_url: str,
    *,
    max_alerts: int | None = None,
    group_by: Iterable[str] = ("alertname",),
    timings: Timings = Timings(),
) -> Iterator[Alertmanager]:
    """A real Alertmanager whose one receiver is the webhook at `webhook_url`
    (`send_resolved: true`, `max_alerts` when given), stopped on leaving."""
    binary = alertmanager_binary()
    if binary is None:
        pytest.skip(NOT_INSTALLED)
    with tempfile.TemporaryDirectory(prefix="alertmanager-") as tmp:
        workdir = Path(tmp)
        config_file = workdir / "alertmanager.yml"
        config_file.write_text(
            config_yaml(webhook_url, timings=timings, group_by=group_by, max_alerts=max_alerts)
        )
        manager = start_alertmanager(binary, workdir, config_file)
        try:
            yield manager
        finally:
            manager.stop()


AlertmanagerFactory = Callable[..., AbstractContextManager[Alertmanager]]


@pytest.fixture
def alertmanager_for() -> AlertmanagerFactory:
    """`with alertmanager_for(webhook_url, max_alerts=..., group_by=..., timings=...) as am:`
    a real Alertmanager posting to `webhook_url`. Skips the test when it is not installed."""
    if alertmanager_binary() is None:
        pytest.skip(NOT_INSTALLED)
    return running_alertmanager


# -- a webhook receiver ------------------------------------------------------------------


@dataclass
class WebhookRecorder:
    """Records the JSON bodies POSTed to `url`, in order; answers each with `status`."""

    url: str
    status: int = 200
    bodies: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, body: dict[str, Any]) -> None:
        with self._lock:
            self.bodies.append(body)

    def received(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.bodies)

    def wait_for(
        self, matches: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> dict[str, Any]:
        """The first recorded body for which `matches` is true, waiting up to `timeout`."""
        found: dict[str, Any] = wait_until(
            lambda: next((body for body in self.received() if matches(body)), None),
            timeout,
            "a webhook notification that matches",
        )
        return found


@contextmanager
def webhook_recorder(path: str = "/hook") -> Iterator[WebhookRecorder]:
    """A stdlib HTTP server on a free loopback port, in a thread, recording POSTs."""
    recorder: WebhookRecorder

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length))
            recorder.record(body)
            self.send_response(recorder.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the tests read the bodies

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder = WebhookRecorder(url=f"http://127.0.0.1:{server.server_address[1]}{path}")
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="webhook-recorder", daemon=True
    )
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

"""What the alerts benchmark (benchmarks/alerts.py) sends: its configuration, Alertmanager's
webhook bodies (version 4) for each group's five notifications, the notification senders
and the steady stream of slash commands.

Each group's notifications go in order, as one Alertmanager sends them: a group's next one
is queued (at the back) only once the previous one was answered, so `senders` threads keep
`senders` notifications in flight, each on its own keep-alive connection.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from benchmarks.load import TIMEOUT, Answer, post
from benchmarks.servers import SIGNING_SECRET, BenchmarkError
from bot.config import OrgConfig, example_config_path, load_config
from bot.kit.slack_requests import SlackRequests, sign

ROSTER = "alertsbench"
STANDBY = {"U0BENCHA1": "bench-primary", "U0BENCHB2": "bench-secondary"}
ALERTS_CHANNEL = "C0ALERTSB1"
ROSTER_CHANNEL = "C0BENCHSB1"
COMMAND_USER, COMMAND_CHANNEL = "U0ALICE01", "C0GENERAL1"
WARMUP_SOURCE = "warmup"
STEPS = 5  # notifications per group
JSON = {"Content-Type": "application/json", "User-Agent": "Alertmanager/0.25.0"}


def source_id(number: int) -> str:
    return f"bench-{number:02d}"


def group_name(group: int, prefix: str = "Bench") -> str:
    return f"{prefix}{group:03d}"


# -- the configuration --------------------------------------------------------------------


def benchmark_config(sources: list[str], now: dt.datetime) -> dict[str, Any]:
    """The example configuration, plus a roster with someone on standby from 2 hours before
    `now` to 4 hours after it, every day, and an Alertmanager source per id in `sources`,
    all paging that roster."""
    data: dict[str, Any] = yaml.safe_load(example_config_path().read_text(encoding="utf-8"))
    start, end = now - dt.timedelta(hours=2), now + dt.timedelta(hours=4)
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    data["rosters"].append(
        {
            "id": ROSTER,
            "name": "Alerts benchmark standby",
            "channel": ROSTER_CHANNEL,
            "timezone": "UTC",
            "members": list(STANDBY),
            "rotation_start": (now - dt.timedelta(days=7)).date().isoformat(),
            "windows": [{"days": days, "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}],
            "escalation": {"ack_minutes": 5, "levels": ["primary", "secondary"]},
        }
    )
    data["alerts"] = {
        "channel": ALERTS_CHANNEL,
        "sources": [{"id": s, "kind": "alertmanager", "roster": ROSTER} for s in sources],
    }
    return data


def write_config(path: Path, sources: list[str], now: dt.datetime) -> OrgConfig:
    """Write the benchmark's configuration to `path`, checked as `opsbot serve` checks it."""
    path.write_text(yaml.safe_dump(benchmark_config(sources, now)), encoding="utf-8")
    return load_config(path)


# -- Alertmanager's bodies ----------------------------------------------------------------


def _alert(name: str, instance: int, status: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": name, "instance": f"node-{instance}", "severity": "warning"},
        "annotations": {"summary": f"{name} on node-{instance}"},
        "startsAt": "2026-11-24T07:39:00.123456789Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-24T07:50:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up&g0.tab=1",
        "fingerprint": f"{name.lower()}{instance:013d}",
    }


# Step by step: the first alert fires; a second and a third join; the first resolves;
# the group resolves (the page's escalation stops).
_STATES = (
    ("firing",),
    ("firing", "firing"),
    ("firing", "firing", "firing"),
    ("resolved", "firing", "firing"),
    ("resolved", "resolved", "resolved"),
)


def notification(name: str, step: int) -> bytes:
    """The body of the group `{alertname=name}`'s notification number `step` (0–4)."""
    alerts = [_alert(name, n + 1, status) for n, status in enumerate(_STATES[step])]
    firing = any(a["status"] == "firing" for a in alerts)
    body = {
        "receiver": "opsbot",
        "status": "firing" if firing else "resolved",
        "alerts": alerts,
        "groupLabels": {"alertname": name},
        "commonLabels": {"alertname": name, "severity": "warning"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}"}}',
        "truncatedAlerts": 0,
    }
    return json.dumps(body).encode()


# -- sending ------------------------------------------------------------------------------


def _connection(url: str) -> tuple[http.client.HTTPConnection, str]:
    target = urlsplit(url)
    conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=TIMEOUT)
    return conn, target.path


@dataclass(frozen=True)
class Group:
    number: int
    name: str
    path: str  # its source's /alerts/<token>


def send_notifications(
    base_url: str, groups: list[Group], senders: int
) -> dict[tuple[int, int], Answer]:
    """Every group's STEPS notifications, each group's in order, from `senders` threads;
    the answer of each (group number, step)."""
    bodies = {(g.number, step): notification(g.name, step) for g in groups for step in range(STEPS)}
    paths = {g.number: g.path for g in groups}
    # (group number, step), or None: stop. (Not a SimpleQueue: on Python 3.11, ten threads
    # waiting in its get(timeout=…) can wait for ever.)
    work: queue.Queue[tuple[int, int] | None] = queue.Queue()
    for g in groups:
        work.put((g.number, 0))
    answers: dict[tuple[int, int], Answer] = {}
    left = [len(bodies)]
    failed: list[BaseException] = []
    lock = threading.Lock()

    def stop_all() -> None:
        for _ in range(senders):
            work.put(None)

    def sender() -> None:
        conn, _ = _connection(base_url)
        try:
            while (item := work.get()) is not None:
                number, step = item
                body = bodies[number, step]
                answers[number, step] = post(conn, paths[number], number * 10 + step, body, JSON)
                if step + 1 < STEPS:
                    work.put((number, step + 1))
                with lock:
                    left[0] -= 1
                    if left[0] == 0:
                        stop_all()
        except BaseException as exc:  # the others stop, and the benchmark raises it
            failed.append(exc)
            stop_all()
            raise
        finally:
            conn.close()

    threads = [threading.Thread(target=sender, name=f"alerts-{n}") for n in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failed:
        raise BenchmarkError(f"a sender failed: {failed[0]!r}") from failed[0]
    return answers


class SlashStream:
    """Signed `/incident list` commands at `rate` per second, from `connections` threads
    (each on its own keep-alive connection, each sending every `connections / rate`
    seconds, or at once when it is behind), until `stop()`, and at least `least` of them."""

    def __init__(self, base_url: str, rate: float, least: int, connections: int = 2):
        self.url = base_url.rstrip("/") + "/slack/events"
        self.interval = connections / rate
        self.least = least
        self.answers: list[Answer] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._run, args=(n * self.interval / connections,))
            for n in range(connections)
        ]

    def start(self) -> SlashStream:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> list[Answer]:
        """Stop once at least `least` were answered; their answers."""
        self._stopping.set()
        for thread in self._threads:
            thread.join()
        return sorted(self.answers, key=lambda answer: answer.finished)

    def _done(self) -> bool:
        with self._lock:
            return self._stopping.is_set() and len(self.answers) >= self.least

    def _run(self, offset: float) -> None:
        conn, path = _connection(self.url)
        requests = SlackRequests(self.url, SIGNING_SECRET)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        due = time.perf_counter() + offset
        try:
            while not self._done():
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)  # the stream's pace
                body = requests.command_body("/incident", "list", COMMAND_USER, COMMAND_CHANNEL)
                signed = {**headers, **sign(SIGNING_SECRET, body)}
                answer = post(conn, path, len(self.answers), body.encode(), signed)
                with self._lock:
                    self.answers.append(answer)
                due = max(due + self.interval, time.perf_counter() - self.interval)
        finally:
            conn.close()

"""The Silence buttons' client (`bot.alerts.silences`) against a real Alertmanager (0.25,
Debian's `prometheus-alertmanager`), and the harness that runs it (`tests.alertmanager`)."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.alerts.silences import SilenceError, create_silence
from bot.kit.standin.faults import real_monotonic
from tests.alertmanager import (
    AlertmanagerFactory,
    alertmanager_for,  # noqa: F401 - the fixture
    free_port,
    real_now,
    wait_until,
    webhook_recorder,
)

GROUP = {"alertname": "DiskFull", "team": "payments"}


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.slow
def test_a_silence_has_the_groups_labels_as_exact_matchers_and_says_who_and_until_when(
    alertmanager_for: AlertmanagerFactory,  # noqa: F811 - the fixture
) -> None:
    now = real_now()
    with webhook_recorder() as hook, alertmanager_for(hook.url) as am:
        silence_id = create_silence(
            am.url, GROUP, now, now + dt.timedelta(hours=4), "alice", "Silenced from Slack"
        )

        (silence,) = am.silences()
        assert silence["id"] == silence_id
        assert silence["status"]["state"] == "active"
        assert silence["createdBy"] == "alice"
        assert silence["comment"] == "Silenced from Slack"
        assert sorted(silence["matchers"], key=lambda m: m["name"]) == [
            {"name": "alertname", "value": "DiskFull", "isRegex": False, "isEqual": True},
            {"name": "team", "value": "payments", "isRegex": False, "isEqual": True},
        ]
        # Alertmanager keeps milliseconds
        ends_at = parse_time(silence["endsAt"])
        assert abs(ends_at - (now + dt.timedelta(hours=4))) < dt.timedelta(milliseconds=1)

        # what a person notices: the group's alerts are muted, another team's are not
        am.push([{"labels": {**GROUP, "instance": "db-1"}}, {"labels": {"alertname": "Other"}}])
        alerts = wait_until(lambda: len(am.alerts()) == 2 and am.alerts(), 5, "both alerts")
        muted = {a["labels"]["alertname"]: a["status"]["silencedBy"] for a in alerts}
        assert muted == {"DiskFull": [silence_id], "Other": []}


@pytest.mark.slow
def test_alertmanagers_reason_for_refusing_a_silence_is_the_errors_one_line(
    alertmanager_for: AlertmanagerFactory,  # noqa: F811 - the fixture
) -> None:
    now = real_now()
    with webhook_recorder() as hook, alertmanager_for(hook.url) as am:
        with pytest.raises(SilenceError) as refused:
            create_silence(am.url, {"": "x"}, now, now + dt.timedelta(hours=1), "bob", "c")
        assert str(refused.value) == (
            f"Alertmanager at {am.url} refused the silence: silence invalid: "
            f'invalid label matcher 0: invalid label name ""'
        )
        with pytest.raises(SilenceError, match="end time can't be in the past"):
            create_silence(am.url, GROUP, now - dt.timedelta(hours=2), now, "bob", "c")
        assert am.silences() == []


def test_an_alertmanager_that_is_down_fails_within_a_second_after_two_more_tries() -> None:
    port = free_port()  # nothing listens there
    started = real_monotonic()
    now = real_now()
    with pytest.raises(SilenceError) as down:
        create_silence(
            f"http://127.0.0.1:{port}", GROUP, now, now + dt.timedelta(hours=1), "bob", "c"
        )
    assert str(down.value) == f"Alertmanager at http://127.0.0.1:{port} refused the connection"
    assert real_monotonic() - started < 2.0


def test_an_alertmanager_that_never_answers_fails_after_the_timeout_without_a_second_try() -> None:
    with socket.socket() as listener:  # connections wait in its backlog, never answered
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        started = real_monotonic()
        now = real_now()
        with pytest.raises(SilenceError) as silent:
            create_silence(url, GROUP, now, now + dt.timedelta(hours=1), "bob", "c", timeout=0.5)
        elapsed = real_monotonic() - started
        assert str(silent.value) == f"Alertmanager at {url} did not answer within 0.5s"
        assert 0.5 <= elapsed < 5.0
        # one try only: a second could make a second silence
        assert connections_waiting(listener) == 1


def connections_waiting(listener: socket.socket) -> int:
    listener.setblocking(False)
    count = 0
    while True:
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


@contextmanager
def answering(*answers: tuple[int, Any]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A server that answers each POST with the next (status, JSON body), the last one
    again once they run out; yields its URL and the bodies it received. It stands for an
    Alertmanager behind a proxy that fails (a 5xx the real one does not give at will)."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            status, body = answers[min(len(received), len(answers)) - 1]
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_5xx_is_tried_twice_more_and_a_4xx_never() -> None:
    now, later = real_now(), real_now() + dt.timedelta(hours=1)
    with answering((503, "busy"), (502, "busy"), (200, {"silenceID": "abc"})) as (url, got):
        assert create_silence(url, GROUP, now, later, "bob", "c") == "abc"
        assert len(got) == 3
    with answering((500, "storage is gone")) as (url, got):
        with pytest.raises(SilenceError, match=r"failed: HTTP 500: storage is gone$"):
            create_silence(url, GROUP, now, later, "bob", "c")
        assert len(got) == 3
    with answering((400, "silence invalid"), (200, {"silenceID": "abc"})) as (url, got):
        with pytest.raises(SilenceError, match=r"refused the silence: silence invalid$"):
            create_silence(url, GROUP, now, later, "bob", "c")
        assert len(got) == 1


def test_only_an_http_url_is_called() -> None:
    now = real_now()
    with pytest.raises(SilenceError, match="not an http"):
        create_silence("file:///etc/passwd", GROUP, now, now + dt.timedelta(hours=1), "b", "c")


# -- the harness itself ---------------------------------------------------------------------


@pytest.mark.slow
def test_the_harness_alertmanager_notifies_the_webhook_of_a_firing_then_resolved_group(
    alertmanager_for: AlertmanagerFactory,  # noqa: F811 - the fixture
) -> None:
    labels = {**GROUP, "instance": "db-1"}
    with webhook_recorder() as hook, alertmanager_for(hook.url) as am:
        am.push(
            [
                {
                    "labels": labels,
                    "annotations": {"summary": "disk 95% full"},
                    "generatorURL": "http://prometheus.example/graph?g0.expr=disk",
                }
            ]
        )
        firing = hook.wait_for(lambda body: body["status"] == "firing", timeout=10)
        assert firing["version"] == "4"
        assert firing["groupKey"] == '{}:{alertname="DiskFull"}'
        assert firing["groupLabels"] == {"alertname": "DiskFull"}
        assert firing["truncatedAlerts"] == 0
        (alert,) = firing["alerts"]
        assert alert["status"] == "firing"
        assert alert["labels"] == labels
        assert alert["annotations"] == {"summary": "disk 95% full"}
        assert alert["generatorURL"] == "http://prometheus.example/graph?g0.expr=disk"
        assert alert["endsAt"] == "0001-01-01T00:00:00Z"  # firing: no end yet

        am.resolve(labels)
        resolved = hook.wait_for(lambda body: body["status"] == "resolved", timeout=10)
        assert resolved["groupKey"] == firing["groupKey"]
        (alert_then,) = resolved["alerts"]
        assert alert_then["status"] == "resolved"
        assert alert_then["fingerprint"] == alert["fingerprint"]
        assert alert_then["startsAt"] == alert["startsAt"]
        assert parse_time(alert_then["endsAt"]) > parse_time(alert["startsAt"])


@pytest.mark.slow
def test_the_harness_passes_max_alerts_and_alertmanager_counts_what_it_left_out(
    alertmanager_for: AlertmanagerFactory,  # noqa: F811 - the fixture
) -> None:
    with webhook_recorder() as hook, alertmanager_for(hook.url, max_alerts=2) as am:
        am.push([{"labels": {**GROUP, "instance": f"db-{n}"}} for n in range(3)])
        full = hook.wait_for(lambda body: len(body["alerts"]) + body["truncatedAlerts"] == 3)
        assert (len(full["alerts"]), full["truncatedAlerts"]) == (2, 1)

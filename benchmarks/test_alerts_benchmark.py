"""Checks of the alerts benchmark's machinery (`pytest benchmarks`). No timing assertions:
the figures themselves are only reported, by `python -m benchmarks`."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from collections import Counter
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from benchmarks import alerts, alerts_report, run
from benchmarks.alerts_load import (
    ROSTER,
    STANDBY,
    STEPS,
    Group,
    notification,
    send_notifications,
    write_config,
)
from benchmarks.alerts_servers import Posted, page_names
from benchmarks.load import Answer
from bot.alerts import storms
from bot.alerts.payloads import parse
from bot.standby import on_standby


def test_each_groups_notifications_read_as_alertmanager_sends_them():
    notes = [parse("alertmanager", notification("Bench007", s)) for s in range(5)]
    assert [n.status for n in notes] == ["firing"] * 4 + ["resolved"]
    assert [len(n.firing) for n in notes] == [1, 2, 3, 2, 0]
    assert [len(n.alerts) for n in notes] == [1, 2, 3, 3, 3]
    assert {n.group_key for n in notes} == {'{}:{alertname="Bench007"}'}
    assert {n.name for n in notes} == {"Bench007"}


def test_the_groups_spread_over_sources_that_page_someone_on_standby_without_a_storm(tmp_path):
    assert alerts.GROUPS_PER_SOURCE == storms.LIMIT  # one group more would start a storm
    assert alerts.Options().sources == 40 and alerts.Options(groups=12).sources == 3
    now = dt.datetime(2026, 12, 3, 23, 30, tzinfo=dt.UTC)  # the window crosses midnight
    sources = ["bench-01", "bench-02", "warmup"]
    config = write_config(tmp_path / "opsbot.yaml", sources, now)
    roster = config.roster(ROSTER)
    assert roster is not None
    for moment in (now, now + dt.timedelta(minutes=150)):
        shift = on_standby(roster, ZoneInfo("UTC"), moment)
        assert shift is not None and shift.primary in STANDBY
    for source in sources:
        alert_source = config.alert_source(source)
        assert alert_source is not None
        assert (alert_source.kind, alert_source.roster, alert_source.routes) == (
            "alertmanager",
            ROSTER,
            [],
        )


def test_only_page_dms_answered_ok_are_counted_by_group():
    posted = [
        Posted(1.0, "U0BENCHA1", "Paged for the alert *Bench001* (from `bench-01`)", True),
        Posted(2.0, "C0ALERTSB1", "Paged for the alert *Bench002* (from `bench-01`)", True),
        Posted(3.0, "U0BENCHA1", "Paged for the alert *Bench003* (from `bench-01`)", False),
        Posted(4.0, "U0BENCHA1", "Bench004 is firing", True),
        Posted(5.0, "U0BENCHB2", "Paged for the alert *Bench001* (from `bench-01`)", True),
    ]
    assert page_names(posted) == [("Bench001", 1.0), ("Bench001", 5.0)]


class _Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the senders use it
    seen: list[tuple[str, str, int]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        name = body["groupLabels"]["alertname"]
        firing = sum(a["status"] == "firing" for a in body["alerts"])
        with self.lock:
            self.seen.append((self.path, name, firing))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    _Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_each_groups_notifications_go_once_each_and_in_order(recorder):
    groups = [Group(n, f"Bench{n:03d}", f"/alerts/source-{n // 5}") for n in range(12)]
    answers = send_notifications(recorder, groups, senders=4)
    assert sorted(answers) == [(g.number, step) for g in groups for step in range(STEPS)]
    assert all(answer.status == 200 for answer in answers.values())
    for g in groups:
        mine = [(path, firing) for path, name, firing in _Recorder.seen if name == g.name]
        assert mine == [(g.path, firing) for firing in (1, 2, 3, 2, 0)]
        answered = [answers[g.number, step].finished for step in range(STEPS)]
        assert answered == sorted(answered)


def _answers(seconds: float, count: int, status: int = 200) -> list[Answer]:
    return [Answer(n, seconds, status, "", float(n)) for n in range(count)]


def _result(database: str, answer: float, ack: float, pages: dict[str, int]) -> alerts.Result:
    result = alerts.Result("opsbot" if database != "—" else "baseline", database)
    result.groups = ["Bench000", "Bench001"]
    result.notifications, result.acks = _answers(answer, 10), _answers(ack, 10)
    result.pages = Counter(pages)
    result.page_delays = [0.5 for name, count in pages.items() if count]
    return result


def test_goals_are_judged_against_the_baseline_and_the_pages_counted_per_group():
    baseline = _result("—", 0.010, 0.020, {})
    good = _result("SQLite", 0.020, 0.030, {"Bench000": 1, "Bench001": 1})
    assert alerts_report.missed(baseline, baseline) == []
    assert alerts_report.missed(good, baseline) == []
    doubled = _result("SQLite", 0.021, 0.031, {"Bench000": 2})
    doubled.unprocessed = 1
    assert alerts_report.paged_once(doubled) == (0, 1, 1)
    assert alerts_report.missed(doubled, baseline) == [
        "answer p99 ratio",
        "ack p99 ratio",
        "one page per group",
        "all acted on and sent",
    ]
    table = alerts_report.markdown([baseline, good, doubled], alerts.Options(groups=2))
    assert table.count("\n| ") == 5  # header, separator, three rows
    assert "| 2 (2 / 0 / 0) | 500 ms / 500 ms | 0 / 0 |" in table
    assert "**no**: answer p99 ratio, ack p99 ratio, one page per group" in table
    assert "PostgreSQL did not answer" in table


@pytest.mark.slow
def test_a_small_run_pages_each_group_once_and_reports():
    lines: list[str] = []
    options = alerts.Options(
        groups=10, senders=3, slash_rate=20, slash_least=10, rounds=2, postgres_url=""
    )
    baseline, opsbot = alerts.run(options, progress=lines.append)
    assert lines[0] == "opsbot on PostgreSQL skipped: no --ack-postgres-url"
    for result in (baseline, opsbot):
        assert len(result.notifications) == 50 and len(result.acks) >= 10
        assert all(a.status == 200 for a in result.notifications + result.acks)
    assert opsbot.groups == [f"Bench{n:03d}" for n in range(10)]
    assert alerts_report.paged_once(opsbot) == (10, 0, 0)
    assert len(opsbot.page_delays) == 10 and all(d > 0 for d in opsbot.page_delays)
    assert (opsbot.unprocessed, opsbot.unsent) == (0, 0)
    table = alerts_report.markdown([baseline, opsbot], options)
    assert table.count("\n| ") == 4  # header, separator, two rows
    assert "| opsbot | SQLite | 50 / 0 |" in table and "| 10 (10 / 0 / 0) |" in table


def test_only_runs_the_benchmarks_named_and_leaves_the_readme_alone(tmp_path, capsys):
    readme = tmp_path / "README.md"
    argv = ["--only", "loop_digest", "--loop-teams", "5", "--loop-repeats", "1"]
    assert run.main([*argv, "--readme", str(readme)]) == 0
    printed = capsys.readouterr().out
    assert "### Loop-of-Loops digest" in printed and "### Alerts in" not in printed
    assert not readme.exists()

"""GET /metrics, as Prometheus scrapes it from the running app: Slack requests and their ack
latency, deliveries by kind and what became of them, the deliveries the ledger owes, the
tick's age, and a scrape that still answers while the database does not."""

from __future__ import annotations

import datetime as dt
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from sqlalchemy import select

from bot.app import OpsBot, create_app
from bot.catch_up import record_tick
from bot.http_server import HttpServer
from bot.ledger import Due, Ledger
from bot.ledger.models import Delivery
from bot.schema.migrate import upgrade
from schedules.watchdog import TickWatch
from tests.conftest import ALICE, GENERAL, TEST_CLOCK, make_settings

# Fri 27 Nov 10:00 JST: no standby window is open and the week's digest has gone out, so a
# tick owes nothing of its own.
T0 = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)


def scrape(server: str) -> list[Sample]:
    """The samples of GET /metrics, parsed as Prometheus reads the text format."""
    with urllib.request.urlopen(f"{server}/metrics", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = response.read().decode()
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def value(samples: list[Sample], name: str, **labels: str) -> float | None:
    """The value of the sample `name` with exactly these labels, None when there is none."""
    found = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(found) <= 1
    return found[0] if found else None


def deliveries_by_kind(bot: OpsBot, status: str) -> Counter[str]:
    with bot.db.read() as session:
        query = select(Delivery.kind).where(Delivery.status == status)
        return Counter(session.scalars(query))


def counted(samples: list[Sample], outcome: str) -> Counter[str]:
    """opsbot_deliveries_total of `outcome`, by kind of delivery."""
    return Counter(
        {
            s.labels["kind"]: int(s.value)
            for s in samples
            if s.name == "opsbot_deliveries_total" and s.labels["outcome"] == outcome
        }
    )


def test_a_slash_command_is_counted_with_how_long_its_ack_took(slack, server):
    before = scrape(server)
    for kind in ("command", "interactive", "event", "other"):  # every kind is there, at 0
        assert value(before, "opsbot_slack_request_seconds_count", kind=kind) == 0

    started = time.monotonic()
    reply = slack.requests.command("/incident", "list", user=ALICE, channel="C0GENERAL1")
    round_trip = time.monotonic() - started
    assert reply.status == 200
    assert slack.bot.wait_idle(timeout=30)

    samples = scrape(server)
    assert value(samples, "opsbot_slack_request_seconds_count", kind="command") == 1
    took = value(samples, "opsbot_slack_request_seconds_sum", kind="command")
    assert took is not None and 0 < took <= round_trip  # timed inside what the client waited
    assert value(samples, "opsbot_slack_request_seconds_bucket", kind="command", le="3.0") == 1
    assert value(samples, "opsbot_slack_request_seconds_count", kind="interactive") == 0


def test_each_kind_of_slack_request_is_told_apart(slack, server):
    slack.command("list payload", user=ALICE)  # the word in a command's text: still a command
    slack.click("incident_status_monitoring", "1", user=ALICE)
    slack.requests.event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    assert slack.bot.wait_idle(timeout=30)

    samples = scrape(server)
    counts = {
        kind: value(samples, "opsbot_slack_request_seconds_count", kind=kind)
        for kind in ("command", "interactive", "event", "other")
    }
    assert counts == {"command": 1, "interactive": 1, "event": 1, "other": 0}


def test_deliveries_are_counted_by_kind_and_outcome_as_the_ledger_records_them(slack, bot, server):
    slack.command("declare sev2 Checkout is slow", user=ALICE)

    samples = scrape(server)
    sent = deliveries_by_kind(bot, "sent")
    assert sent["incident_announcement"] == 1
    assert counted(samples, "sent") == sent
    assert value(samples, "opsbot_deliveries_pending") == 0
    assert value(samples, "opsbot_database_up") == 1


def test_the_pending_count_is_what_the_ledger_owes_until_a_later_tick_sends_it(
    slack, bot, server, standin
):
    with freeze_time(T0) as clock:
        standin.fail_next("chat.postMessage", status=503, times=40)  # Slack is down a while
        slack.command("declare sev2 Checkout is slow", user=ALICE)

        samples = scrape(server)
        owed = deliveries_by_kind(bot, "pending")
        assert owed["incident_announcement"] == 1
        assert value(samples, "opsbot_deliveries_pending") == owed.total()
        assert counted(samples, "failed")["incident_announcement"] == 1

        standin.clear_faults()
        clock.tick(dt.timedelta(minutes=20))
        bot.tick()
        clock.tick(dt.timedelta(minutes=1))
        bot.tick()

        samples = scrape(server)
    assert deliveries_by_kind(bot, "pending") == Counter()
    assert value(samples, "opsbot_deliveries_pending") == 0
    # 20 minutes after they were due: sent, and marked late
    assert counted(samples, "sent_late")["incident_announcement"] == 1


def test_the_pending_count_leaves_out_what_was_sent_or_set_aside(bot, server, standin):
    def owe(key: str, text: str, due_at: dt.datetime, expires_at: dt.datetime | None) -> None:
        payload = {"channel": GENERAL, "text": text}
        with bot.db.session() as session:
            Ledger.enqueue(
                session, Due(key, "test", "chat.postMessage", payload, due_at, expires_at), T0
            )

    with freeze_time(T0):
        owe("test:expired", "too late", T0 - dt.timedelta(hours=2), T0 - dt.timedelta(hours=1))
        owe("test:failing", "again", T0 - dt.timedelta(seconds=1), None)  # tried first
        owe("test:sent", "hello", T0, None)
        standin.fail_next("chat.postMessage", status=503, times=4)  # 1 + the client's 3 retries
        bot.tick()
        samples = scrape(server)
    with bot.db.read() as session:
        assert Ledger.pending_count(session) == 1
    assert value(samples, "opsbot_deliveries_pending") == 1
    assert [m.text for m in standin.messages(GENERAL)] == ["hello"]
    assert counted(samples, "expired") == {"test": 1}
    assert counted(samples, "sent") == {"test": 1}
    assert counted(samples, "failed") == {"test": 1}


def test_the_ticks_age_is_the_clocks_in_a_web_process_and_its_own_with_a_scheduler(bot, server):
    assert value(scrape(server), "opsbot_tick_age_seconds") is None  # no tick yet
    with freeze_time(T0) as clock:
        bot.tick()
        clock.tick(dt.timedelta(seconds=42))
        assert value(scrape(server), "opsbot_tick_age_seconds") == 42

        # Another clock on the same database ticks later: a web process reports it ...
        record_tick(bot.db, T0 + dt.timedelta(seconds=30))
        assert value(scrape(server), "opsbot_tick_age_seconds") == 12
        # ... and a process that runs the scheduler reports its own tick.
        bot.tick_watch = TickWatch(now=TEST_CLOCK.monotonic)
        assert value(scrape(server), "opsbot_tick_age_seconds") == 42


def test_metrics_answer_get_only(server):
    request = urllib.request.Request(f"{server}/metrics", data=b"", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 405


# -- the database gone: the scrape still answers ---------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def sqlite_server(data_dir: Path, standin, config) -> Iterator[tuple[OpsBot, str]]:
    url = f"sqlite:///{data_dir / 'opsbot.db'}"
    upgrade(url)
    app = create_app(make_settings(url, standin), config, backoff_factor=0.01, clock=TEST_CLOCK)
    http = HttpServer(app.wsgi(), host="127.0.0.1", port=0, threads=4)
    http.start_in_thread()
    yield app, f"http://127.0.0.1:{http.port}"
    http.stop(timeout=5)
    app.close()


def test_a_scrape_while_the_database_is_gone_says_so_and_leaves_out_what_it_cannot_read(
    sqlite_server, data_dir
):
    bot, server = sqlite_server
    with freeze_time(T0) as clock:
        bot.tick()
        clock.tick(dt.timedelta(seconds=5))
        bot.db.dispose()  # connections are opened anew from here
        moved = data_dir.rename(data_dir.with_name("unmounted"))

        samples = scrape(server)
        assert value(samples, "opsbot_database_up") == 0
        assert value(samples, "opsbot_deliveries_pending") is None
        assert value(samples, "opsbot_tick_age_seconds") is None  # read from the database
        assert value(samples, "opsbot_slack_request_seconds_count", kind="command") == 0

        bot.tick_watch = TickWatch(now=TEST_CLOCK.monotonic)  # this process's tick needs none
        assert value(scrape(server), "opsbot_tick_age_seconds") == 5

        moved.rename(data_dir)
        samples = scrape(server)
    assert value(samples, "opsbot_database_up") == 1
    assert value(samples, "opsbot_deliveries_pending") == 0

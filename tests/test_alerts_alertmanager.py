"""Alerts in, against a real Alertmanager (Debian's prometheus-alertmanager 0.25): the app
under test (in-process, behind cheroot) is the webhook receiver of an Alertmanager started
for the test. Alerts are pushed to Alertmanager's `/api/v2/alerts` as Prometheus pushes them;
what Alertmanager makes of them reaches the app, and the tests read what reaches Slack (the
stand-in). The Silence buttons are checked against the same Alertmanager's
`/api/v2/silences`.

Alertmanager runs on real time; the app's wall clock is frozen where a test needs the roster's
window (Tue 2026-11-24 07:40 JST: Carol on standby for `platform`) or at the real moment
where Alertmanager compares the app's times with its own (a silence must end in the future).
Waiting is polling with a deadline."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from bot.alerts.models import AlertEpisode, AlertInbox
from bot.alerts.tokens import issue_token
from bot.app import OpsBot, create_app
from bot.config import OrgConfig
from bot.db.engine import Database
from bot.escalation.models import Escalation
from bot.http_server import HttpServer
from bot.kit.standin import SlackStandIn
from bot.kit.standin.models import Message
from tests.alertmanager import (
    Alertmanager,
    AlertmanagerFactory,
    Timings,
    alertmanager_for,  # noqa: F401 - the fixture
    free_port,
    real_now,
    wait_until,
)
from tests.alerts_harness import ALERTS, am_alert, am_body, post, url_of, with_alerts
from tests.conftest import BOB, CAROL, TEST_CLOCK, Slack, make_settings

JST = dt.timezone(dt.timedelta(hours=9))
CAROL_ON_STANDBY = dt.datetime(2026, 11, 24, 7, 40, tzinfo=JST)  # platform's morning window
DEFAULT_TIMINGS = Timings()  # group_wait 0s: a group's first notification at once
WAIT = 20.0  # seconds for what Alertmanager sends to reach Slack (it takes well under one)


# -- what reaches Slack ------------------------------------------------------------------


def top_level(standin: SlackStandIn, channel: str = ALERTS) -> list[Message]:
    return [m for m in standin.messages(channel) if m.thread_ts is None]


def thread_of(standin: SlackStandIn, parent: Message) -> list[Message]:
    return [m for m in standin.messages(parent.channel) if m.thread_ts == parent.ts]


def pages_to(standin: SlackStandIn, user: str) -> list[Message]:
    return [m for m in standin.messages(user) if "You are paged" in m.visible_text]


def acted_on(bot: OpsBot) -> int:
    """How many stored notifications the app has acted on."""
    with bot.db.read() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AlertInbox)
                .where(AlertInbox.processed_at.is_not(None))
            )
            or 0
        )


def wait_for_notifications(bot: OpsBot, count: int) -> None:
    """Until `count` notifications from Alertmanager were stored and acted on, and what they
    owe Slack was sent."""
    wait_until(lambda: acted_on(bot) >= count, WAIT, f"{count} notifications acted on")
    assert bot.wait_idle(30)


def the_message(bot: OpsBot, standin: SlackStandIn, says: str) -> Message:
    """The one alert message, once it says `says`."""

    def found() -> Message | None:
        messages = top_level(standin)
        return messages[0] if len(messages) == 1 and says in messages[0].visible_text else None

    message: Message = wait_until(found, WAIT, f"the alert message saying {says!r}")
    assert bot.wait_idle(30)
    return message


# -- the app, receiving from a real Alertmanager -------------------------------------------


@dataclass
class Stack:
    bot: OpsBot
    server: str  # the app's base URL
    alertmanager: Alertmanager


StackFactory = Callable[..., AbstractContextManager[Stack]]


@pytest.fixture
def config(config: OrgConfig) -> OrgConfig:
    """The example with its alert sources (`prometheus` has no alertmanager_url)."""
    return with_alerts(config)


@pytest.fixture
def standin(standin: SlackStandIn) -> SlackStandIn:
    standin.add_channel("alerts", ALERTS)
    return standin


@pytest.fixture
def stack(
    database_url: str,
    standin: SlackStandIn,
    config: OrgConfig,
    alertmanager_for: AlertmanagerFactory,  # noqa: F811 - the fixture imported above
) -> StackFactory:
    """`with stack(max_alerts=..., silences=..., timings=...) as s:` Alertmanager
    posting to the app's `prometheus` source; with `silences`, that source's
    alertmanager_url is this Alertmanager (its Silence buttons call it). The app's port
    and the source's token are chosen first, so that Alertmanager, started next, can be
    configured with the URL and the app with Alertmanager's."""

    @contextmanager
    def start(
        *, max_alerts: int | None = None, silences: bool = False, timings: Timings = DEFAULT_TIMINGS
    ) -> Iterator[Stack]:
        port = free_port()
        db = Database(database_url)
        try:
            token = issue_token(db, "prometheus", dt.datetime.now(dt.UTC))
        finally:
            db.dispose()
        webhook = f"http://127.0.0.1:{port}/alerts/{token}"
        with alertmanager_for(webhook, max_alerts=max_alerts, timings=timings) as manager:
            alerts_config = with_alerts(config, alertmanager_url=manager.url if silences else None)
            bot = create_app(
                make_settings(database_url, standin),
                alerts_config,
                backoff_factor=0.01,
                clock=TEST_CLOCK,
            )
            http = HttpServer(bot.wsgi(), host="127.0.0.1", port=port, threads=4)
            try:
                http.start_in_thread()
                yield Stack(bot, f"http://127.0.0.1:{port}", manager)
            finally:
                http.stop(timeout=5)
                bot.close()

    return start


def labels(name: str, instance: str, severity: str = "warning") -> dict[str, str]:
    return {"alertname": name, "instance": instance, "severity": severity}


def alert(name: str, instance: str, **extra: Any) -> dict[str, Any]:
    summary = f"{name} on {instance}"
    return {"labels": labels(name, instance), "annotations": {"summary": summary}, **extra}


# -- one group, one page ----------------------------------------------------------------


@pytest.mark.slow  # starts Alertmanager
def test_a_group_posts_once_and_pages_once_and_an_alert_joining_edits_it(stack, standin):
    with freeze_time(CAROL_ON_STANDBY), stack() as s:
        s.alertmanager.push([alert("HighLatency", "web-1")])
        message = the_message(s.bot, standin, "1 firing, 0 resolved")
        assert "Firing" in message.visible_text and "HighLatency on web-1" in message.visible_text
        [page] = wait_until(lambda: pages_to(standin, CAROL), WAIT, "Carol's page")
        assert "HighLatency" in page.visible_text

        s.alertmanager.push([alert("HighLatency", "web-2")])
        message = the_message(s.bot, standin, "2 firing, 0 resolved")
        assert "HighLatency on web-1" in message.visible_text
        assert "HighLatency on web-2" in message.visible_text
        assert [m.text for m in thread_of(standin, message)] == [
            ":red_circle: Firing: HighLatency on web-2"
        ]
        assert len(pages_to(standin, CAROL)) == 1  # joining pages nobody again
        assert len(top_level(standin)) == 1


@pytest.mark.slow  # starts Alertmanager
def test_resolving_in_alertmanager_stops_the_page_and_firing_again_pages_again(stack, standin):
    with freeze_time(CAROL_ON_STANDBY) as clock, stack() as s:
        s.alertmanager.push([alert("DiskFull", "db-1"), alert("DiskFull", "db-2")])
        the_message(s.bot, standin, "2 firing, 0 resolved")
        wait_until(lambda: pages_to(standin, CAROL), WAIT, "Carol's page")

        # each pushed again with endsAt now: past by the time Alertmanager reads it
        s.alertmanager.resolve(labels("DiskFull", "db-1"))
        s.alertmanager.resolve(labels("DiskFull", "db-2"))
        message = the_message(s.bot, standin, "Resolved")
        assert "0 firing, 2 resolved" in message.visible_text
        assert not any(block["type"] == "actions" for block in message.blocks)  # no buttons
        assert "The group resolved" in thread_of(standin, message)[-1].visible_text
        [page] = pages_to(standin, CAROL)
        assert "It resolved; nothing left to do." in page.visible_text
        with s.bot.db.read() as session:
            assert session.scalars(select(Escalation.status)).all() == ["stopped"]

        clock.move_to(CAROL_ON_STANDBY + dt.timedelta(minutes=10))  # past the 5 minutes to ack
        s.bot.tick()
        assert len(pages_to(standin, CAROL)) == 1
        assert pages_to(standin, "U0BOB0001") == [] and pages_to(standin, "U0LEAD001") == []

        # firing again after it resolved: a new message, and a new page
        s.alertmanager.push([alert("DiskFull", "db-1")])
        wait_until(lambda: len(pages_to(standin, CAROL)) == 2, WAIT, "Carol's second page")
        assert s.bot.wait_idle(30)
        resolved, again = top_level(standin)
        assert "*Resolved:*" in resolved.visible_text
        assert "*Firing:*" in again.visible_text and "1 firing, 0 resolved" in again.visible_text


@pytest.mark.slow  # starts Alertmanager
def test_alerts_alertmanager_left_out_are_shown_as_truncated(stack, standin):
    # group_wait: the five alerts of one push are all in the group before its first
    # notification (with 0s, Alertmanager may notify as the first of them lands)
    with freeze_time(CAROL_ON_STANDBY), stack(max_alerts=2, timings=Timings("500ms")) as s:
        s.alertmanager.push([alert("NodeDown", f"node-{n}") for n in range(5)])
        message = the_message(s.bot, standin, "+3 alerts the sender left out (truncated)")
        assert "2 firing, 0 resolved" in message.visible_text
        shown = re.findall(r"NodeDown on node-\d", message.visible_text)
        assert len(set(shown)) == 2
        assert len(pages_to(standin, CAROL)) == 1


@pytest.mark.slow  # starts Alertmanager
def test_the_two_alertmanagers_of_a_pair_post_once_and_page_once(
    database_url,
    standin,
    config,
    alertmanager_for,  # noqa: F811 - the fixture imported above
):
    """Two Alertmanagers (an HA pair whose gossip did not dedupe, or not set up) both
    notify the app of the same group: one message, one page."""
    port = free_port()
    db = Database(database_url)
    try:
        token = issue_token(db, "prometheus", dt.datetime.now(dt.UTC))
    finally:
        db.dispose()
    webhook = f"http://127.0.0.1:{port}/alerts/{token}"
    same = alert("Unreachable", "api-1", startsAt=real_now())
    with (
        freeze_time(CAROL_ON_STANDBY),
        alertmanager_for(webhook) as first,
        alertmanager_for(webhook) as second,
    ):
        bot = create_app(
            make_settings(database_url, standin), with_alerts(config), clock=TEST_CLOCK
        )
        http = HttpServer(bot.wsgi(), host="127.0.0.1", port=port, threads=4)
        try:
            http.start_in_thread()
            first.push([same])
            second.push([same])
            wait_for_notifications(bot, 2)
            [message] = top_level(standin)
            assert "1 firing, 0 resolved" in message.visible_text
            assert thread_of(standin, message) == []
            assert len(pages_to(standin, CAROL)) == 1
        finally:
            http.stop(timeout=5)
            bot.close()


# -- Silence 1h ----------------------------------------------------------------------------


@pytest.mark.slow  # starts Alertmanager
def test_silence_1h_creates_the_groups_silence_in_alertmanager_and_says_who(stack, standin):
    """The app's clock frozen at the real moment: Alertmanager refuses a silence that ends
    before its own now."""
    clicked_at = real_now().replace(microsecond=0)
    with freeze_time(clicked_at), stack(silences=True) as s:
        s.alertmanager.push([alert("DiskFull", "db-1")])
        message = the_message(s.bot, standin, "Firing")
        buttons = [
            element["action_id"]
            for block in message.blocks
            if block["type"] == "actions"
            for element in block["elements"]
        ]
        assert {"alert_silence_1", "alert_silence_4", "alert_silence_24"} <= set(buttons)
        with s.bot.db.read() as session:
            episode = session.scalars(select(AlertEpisode)).one()

        slack = Slack(s.bot, s.server, standin)
        slack.click("alert_silence_1", str(episode.id), user=BOB, channel=ALERTS)

        [silence] = s.alertmanager.silences()
        matchers = {
            (m["name"], m["value"], m["isEqual"], m["isRegex"]) for m in silence["matchers"]
        }
        # equality matchers of the group's labels (alertname, its group_by), and of no label
        # the group's alert does not have
        assert ("alertname", "DiskFull", True, False) in matchers
        assert matchers <= {
            (name, value, True, False) for name, value in labels("DiskFull", "db-1").items()
        }
        assert silence["status"]["state"] == "active"
        ends = dt.datetime.fromisoformat(silence["endsAt"].replace("Z", "+00:00"))
        assert abs(ends - (clicked_at + dt.timedelta(hours=1))) < dt.timedelta(seconds=1)
        assert BOB in silence["createdBy"]
        # Alertmanager now holds the group's alert silenced
        [held] = s.alertmanager.alerts()
        assert held["status"]["silencedBy"] == [silence["id"]]

        note = thread_of(standin, message)[-1]
        assert f"<@{BOB}> silenced this group for 1h" in note.text
        assert silence["id"] in note.text
        assert standin.responses()[-1]["text"] == f"Silenced for 1h (silence {silence['id']})."


def test_silence_on_a_source_without_alertmanager_url_is_refused(bot, server, standin, slack):
    """No alertmanager_url: the message has no Silence buttons, and a click on one (an old
    message, or a forged request) is refused with one line; nothing is called."""
    with freeze_time(CAROL_ON_STANDBY):
        status, _ = post(
            url_of(bot, server, "prometheus"), am_body("DiskFull", [am_alert("DiskFull")])
        )
        assert status == 200 and bot.wait_idle(30)
        [message] = top_level(standin)
        assert "alert_silence" not in str(message.blocks)
        with bot.db.read() as session:
            episode = session.scalars(select(AlertEpisode)).one()
        slack.click("alert_silence_1", str(episode.id), user=BOB, channel=ALERTS)
    answer = standin.responses()[-1]
    assert answer["text"] == (
        ":warning: This alert's source has no `alertmanager_url`, so it cannot be silenced "
        "from here."
    )
    assert answer.get("response_type") == "ephemeral"
    assert thread_of(standin, message) == []


@pytest.mark.slow  # starts Alertmanager
def test_silence_1h_silences_an_alert_that_joins_the_group_afterwards(stack, standin):
    """The thread says the group was silenced: another instance of the group's alert that
    fires within the hour is silenced too, and the message does not move."""
    with freeze_time(real_now().replace(microsecond=0)), stack(silences=True) as s:
        s.alertmanager.push([alert("DiskFull", "db-1")])
        message = the_message(s.bot, standin, "1 firing")
        with s.bot.db.read() as session:
            episode = session.scalars(select(AlertEpisode)).one()
        Slack(s.bot, s.server, standin).click(
            "alert_silence_1", str(episode.id), user=BOB, channel=ALERTS
        )
        assert "silenced this group for 1h" in thread_of(standin, message)[-1].text

        s.alertmanager.push([alert("DiskFull", "db-2")])
        joined = wait_until(
            lambda: next((a for a in s.alertmanager.alerts() if "db-2" in str(a)), None),
            WAIT,
            "db-2 in Alertmanager",
        )
        [silence] = s.alertmanager.silences()
        assert joined["status"]["silencedBy"] == [silence["id"]]
        assert "1 firing, 0 resolved" in top_level(standin)[0].visible_text

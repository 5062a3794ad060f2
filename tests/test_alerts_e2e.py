"""Alerts in, end to end: notifications POSTed to the running app as monitoring sends them,
what reaches Slack (the stand-in), and what the database holds. The example roster
`platform` has Carol on standby on Tue 2026-11-24 07:30–09:30 JST."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.alerts.inbox import store
from bot.alerts.models import AlertEpisode, AlertInbox, AlertStorm
from bot.alerts.payloads import parse
from bot.app import create_app
from bot.escalation.models import Escalation
from bot.incidents.models import Incident
from tests.alerts_harness import ALERTS, am_alert, am_body, post, url_of, with_alerts
from tests.conftest import BOB, CAROL, TEST_CLOCK, make_settings

JST = dt.timezone(dt.timedelta(hours=9))


def jst(hour: int, minute: int = 0, day: int = 24) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=JST)


@pytest.fixture
def config(config):
    return with_alerts(config)


@pytest.fixture
def standin(standin):
    standin.add_channel("alerts", ALERTS)
    return standin


@pytest.fixture
def clock():
    with freeze_time(jst(7, 40)) as frozen:
        yield frozen


@pytest.fixture
def prometheus(bot, server):
    return url_of(bot, server, "prometheus")


def send(bot, url, body):
    status, answer = post(url, body)
    assert bot.wait_idle(30)
    return status, answer


def top_level(standin):
    return [m for m in standin.messages(ALERTS) if m.thread_ts is None]


def thread(standin, parent):
    return [m for m in standin.messages(ALERTS) if m.thread_ts == parent.ts]


def pages_to(standin, user):
    return [m for m in standin.messages(user) if "You are paged" in m.visible_text]


def test_a_group_posts_once_and_pages_once_then_updates_in_place(bot, standin, prometheus, clock):
    first = am_body("HighLatency", [am_alert("HighLatency", instance="a")])
    assert send(bot, prometheus, first) == (200, {"ok": True})
    [message] = top_level(standin)
    assert "Firing" in message.visible_text and "HighLatency" in message.visible_text
    assert "1 firing, 0 resolved" in message.visible_text
    [page] = pages_to(standin, CAROL)
    assert "HighLatency" in page.visible_text

    # the same notification again (a retry, the other Alertmanager of a pair): nothing new
    updates = len(standin.calls_to("chat.update"))
    assert send(bot, prometheus, first)[0] == 200
    assert len(top_level(standin)) == 1 and len(pages_to(standin, CAROL)) == 1
    assert len(standin.calls_to("chat.update")) == updates

    # a second alert joins: the message is edited, the thread says so, nobody is paged again
    both = am_body(
        "HighLatency",
        [am_alert("HighLatency", instance="a"), am_alert("HighLatency", instance="b")],
    )
    send(bot, prometheus, both)
    [message] = top_level(standin)
    assert "2 firing, 0 resolved" in message.visible_text
    assert [m.text for m in thread(standin, message)] == [":red_circle: Firing: HighLatency on b"]
    assert len(pages_to(standin, CAROL)) == 1


def test_the_group_resolving_stops_the_page_and_a_new_firing_pages_again(
    bot, standin, prometheus, clock
):
    send(bot, prometheus, am_body("DiskFull", [am_alert("DiskFull")]))
    send(bot, prometheus, am_body("DiskFull", [am_alert("DiskFull", "resolved")]))
    [message] = top_level(standin)
    assert "Resolved" in message.visible_text and "0 firing, 1 resolved" in message.visible_text
    assert not any(b["type"] == "actions" for b in message.blocks)
    assert "The group resolved" in thread(standin, message)[-1].visible_text
    [page] = pages_to(standin, CAROL)
    assert "It resolved; nothing left to do." in page.visible_text
    assert not any(b["type"] == "actions" for b in page.blocks)
    with bot.db.read() as session:
        assert session.scalars(select(Escalation.status)).all() == ["stopped"]
    # a step of the clock pages nobody more
    clock.move_to(jst(7, 50))
    bot.tick()
    assert len(pages_to(standin, CAROL)) == 1

    send(bot, prometheus, am_body("DiskFull", [am_alert("DiskFull")]))
    assert len(top_level(standin)) == 2
    assert len(pages_to(standin, CAROL)) == 2


def test_a_resolved_notification_for_a_group_never_seen_changes_nothing(
    bot, standin, prometheus, clock
):
    assert send(bot, prometheus, am_body("Ghost", [am_alert("Ghost", "resolved")]))[0] == 200
    assert top_level(standin) == [] and pages_to(standin, CAROL) == []


def test_what_monitoring_posts_is_answered_as_a_sender_expects(bot, standin, server, clock):
    url = url_of(bot, server, "prometheus")
    assert post(server + "/alerts/not-a-token-at-all-1234567", {})[0] == 404
    status, answer = post(url, b"{not json")
    assert status == 400 and answer["error"].startswith("not JSON")
    status, answer = post(url, {"version": "4"})
    assert status == 400 and "\n" not in answer["error"]
    assert post(url, b"x" * (1024 * 1024 + 1))[0] == 413
    # asking for the URL again: the old one stops working
    newer = url_of(bot, server, "prometheus")
    assert post(url, am_body("A", [am_alert("A")]))[0] == 404
    assert post(newer, am_body("A", [am_alert("A")]))[0] == 200


def test_acknowledge_on_the_alert_message_stops_the_page_and_says_who(
    bot, standin, prometheus, slack, clock
):
    send(bot, prometheus, am_body("HighLatency", [am_alert("HighLatency")]))
    with bot.db.read() as session:
        episode = session.scalars(select(AlertEpisode)).one()
    slack.click("alert_ack", str(episode.id), user=BOB, channel=ALERTS)
    [message] = top_level(standin)
    assert f"acknowledged by <@{BOB}>" in message.text + str(message.blocks)
    [page] = pages_to(standin, CAROL)
    assert "Someone else acknowledged it" in page.visible_text
    clock.move_to(jst(7, 50))
    bot.tick()
    assert pages_to(standin, "U0LEAD001") == []  # the chain stopped: no next level


def test_a_route_that_only_posts_pages_nobody(bot, standin, prometheus, clock):
    send(bot, prometheus, am_body("Info", [am_alert("Info", severity="info")], severity="info"))
    assert len(top_level(standin)) == 1
    assert pages_to(standin, CAROL) == []


def test_a_route_that_declares_declares_once_and_links_the_group(bot, standin, prometheus, clock):
    body = am_body(
        "PaymentsDown",
        [am_alert("PaymentsDown", severity="critical", team="payments")],
        severity="critical",
        team="payments",
    )
    send(bot, prometheus, body)
    send(bot, prometheus, body)
    with bot.db.read() as session:
        [incident] = session.scalars(select(Incident)).all()
        episode = session.scalars(select(AlertEpisode)).one()
    assert incident.severity == "sev2" and incident.title == "PaymentsDown"
    assert episode.incident_id == incident.id
    assert len(pages_to(standin, CAROL)) == 1  # paged once, for the incident


def test_a_storm_pages_once_for_the_storm(bot, standin, prometheus, slack, clock):
    for n in range(8):
        send(bot, prometheus, am_body(f"Storm{n}", [am_alert(f"Storm{n}")]))
    pages = pages_to(standin, CAROL)
    assert len(pages) == 6  # five groups one by one, then one for the storm
    assert "alert storm" in pages[-1].visible_text
    storm = [m for m in top_level(standin) if "Alert storm" in m.visible_text]
    assert len(storm) == 1 and "8 groups" in storm[0].visible_text
    assert len(top_level(standin)) == 9  # every group still posts

    # the storm's Acknowledge takes the storm's page and every group in it
    with bot.db.read() as session:
        storm_id = session.scalars(select(AlertStorm.id)).one()
    slack.click("alert_storm_ack", str(storm_id), user=CAROL, channel=ALERTS)
    storm = [m for m in top_level(standin) if "Alert storm" in m.visible_text]
    assert f"acknowledged by <@{CAROL}>" in storm[0].visible_text
    assert ":white_check_mark: You acknowledged this page." in pages_to(standin, CAROL)[
        -1
    ].text + str(pages_to(standin, CAROL)[-1].blocks)
    with bot.db.read() as session:
        members = session.scalars(
            select(AlertEpisode).where(AlertEpisode.storm_id == storm_id)
        ).all()
    assert len(members) == 8 and {m.acknowledged_by for m in members} == {CAROL}


def test_a_notification_stored_but_not_acted_on_is_acted_on_by_the_next_tick(
    database_url, standin, config, prometheus, bot, clock
):
    # stored, then the process died before acting on it; a second app on the same
    # database plays the restarted process
    note = parse("alertmanager", json.dumps(am_body("Late", [am_alert("Late")])).encode())
    store(bot.db, "prometheus", note, bot.clock.now())
    again = create_app(make_settings(database_url, standin), config, clock=TEST_CLOCK)
    try:
        again.tick()
        again.tick()
    finally:
        again.close()
    assert len(top_level(standin)) == 1 and len(pages_to(standin, CAROL)) == 1
    with bot.db.read() as session:
        assert session.scalars(select(AlertInbox.processed_at)).one() is not None


def test_a_missing_heartbeat_pages_and_the_next_beat_resolves_it(bot, standin, server, clock):
    url = url_of(bot, server, "backup")
    assert post(url, b"")[0] == 200
    clock.move_to(jst(7, 40) + dt.timedelta(hours=25))
    bot.tick()
    assert top_level(standin) == []
    clock.move_to(jst(7, 41) + dt.timedelta(hours=26))
    bot.tick()
    bot.tick()
    [message] = top_level(standin)
    assert "Heartbeat missing: backup" in message.visible_text
    assert post(url, b"")[0] == 200
    assert bot.wait_idle(30)
    [message] = top_level(standin)
    assert "Resolved" in message.visible_text


def test_declare_from_the_alert_message_links_the_incident_and_its_timeline(
    bot, standin, prometheus, slack, clock
):
    send(
        bot,
        prometheus,
        am_body(
            "CheckoutErrors", [am_alert("CheckoutErrors", severity="critical")], severity="critical"
        ),
    )
    with bot.db.read() as session:
        episode = session.scalars(select(AlertEpisode)).one()
    slack.click("alert_declare", str(episode.id), user=BOB, channel=ALERTS)
    [opened] = standin.calls_to("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "incident_declare"
    fields = {b["block_id"]: b.get("element", {}) for b in view["blocks"]}
    assert fields["title"]["initial_value"] == "CheckoutErrors"
    assert fields["severity"]["initial_option"]["value"] == "sev2"  # severity=critical
    assert "CheckoutErrors on a" in fields["description"]["initial_value"]

    slack.submit(
        "incident_declare",
        {"title": "Checkout errors", "severity": {"option": "sev2"}},
        user=BOB,
        private_metadata=view["private_metadata"],
    )
    with bot.db.read() as session:
        incident = session.scalars(select(Incident)).one()
        episode = session.scalars(select(AlertEpisode)).one()
    assert episode.incident_id == incident.id
    [message] = top_level(standin)
    assert f"Incident *{incident.ref}*" in str(message.blocks)
    assert not any(
        e.get("action_id") == "alert_declare"
        for b in message.blocks
        if b["type"] == "actions"
        for e in b["elements"]
    )
    # from then on the incident's timeline records the alert's changes
    send(
        bot,
        prometheus,
        am_body(
            "CheckoutErrors",
            [am_alert("CheckoutErrors", "resolved", severity="critical")],
            severity="critical",
        ),
    )
    with bot.db.read() as session:
        kinds = [e.kind for e in session.get(Incident, incident.id).events]
    assert kinds.count("alert") == 2  # linked, then resolved
    channel_lines = [m.text for m in standin.messages(incident.channel_id or "")]
    assert any("the alert group resolved" in line for line in channel_lines)


def test_the_generic_webhook_shows_what_it_is_sent_and_obeys_none_of_it(
    bot, standin, server, clock
):
    url = url_of(bot, server, "hooks")
    key = "k" * 1024  # the longest key a body may have: its fingerprint is stored hashed
    body = {
        "key": key,
        "status": "firing",
        "summary": "R&D <!channel> is down <https://evil.example|click> @here",
        "severity": "critical",
        "labels": {"service": "<!everyone>"},
        "url": "https://grafana.example.com/d/abc?a=1&b=2",
    }
    assert send(bot, url, body)[0] == 200
    [message] = top_level(standin)
    shown = message.text + str(message.blocks)
    assert "R&amp;D &lt;!channel&gt; is down &lt;https://evil.example|click&gt;" in shown
    assert "<!channel>" not in shown and "<!everyone>" not in shown and "<https://evil" not in shown
    assert "<https://grafana.example.com/d/abc?a=1&amp;b=2|Link>" in shown
    [page] = pages_to(standin, CAROL)
    assert "<!channel>" not in page.text + str(page.blocks)
    body["status"] = "resolved"
    send(bot, url, body)
    assert "Resolved" in top_level(standin)[0].visible_text


def test_a_mention_in_monitorings_text_reads_as_words_and_pings_nobody(
    bot, standin, prometheus, clock
):
    body = am_body(
        "Escalate",
        [am_alert("Escalate", summary="ping <@U0BOB0001|bob> and <#C0GENERAL1|general>")],
    )
    send(bot, prometheus, body)
    [message] = top_level(standin)
    shown = message.text + str(message.blocks)
    assert "<@U0BOB0001" not in shown and "<#C0GENERAL1" not in shown
    assert "ping @bob and #general" in shown


def test_metrics_count_alerts_received_pages_and_their_acknowledgement(
    bot, standin, server, prometheus, slack, clock
):
    from urllib.request import urlopen

    from prometheus_client.parser import text_string_to_metric_families

    send(bot, prometheus, am_body("HighLatency", [am_alert("HighLatency")]))
    send(bot, prometheus, am_body("HighLatency", [am_alert("HighLatency", "resolved")]))
    send(bot, prometheus, am_body("DiskFull", [am_alert("DiskFull")]))
    assert post(prometheus, b"{")[0] == 400
    with bot.db.read() as session:
        chain = session.scalars(select(Escalation).where(Escalation.status == "active")).one()
    clock.tick(dt.timedelta(seconds=90))
    slack.click("page_ack", str(chain.id), user=CAROL, channel=CAROL)
    with urlopen(server + "/metrics", timeout=10) as answer:
        text = answer.read().decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }

    def value(name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    assert value("opsbot_alerts_received_total", source="prometheus", status="firing") == 2
    assert value("opsbot_alerts_received_total", source="prometheus", status="resolved") == 1
    assert value("opsbot_alerts_received_total", source="prometheus", status="rejected") == 1
    assert value("opsbot_pages_total", roster="platform") == 2
    assert value("opsbot_pages_acknowledged_total", roster="platform") == 1
    assert value("opsbot_page_acknowledge_seconds_count", roster="platform") == 1
    assert value("opsbot_page_acknowledge_seconds_sum", roster="platform") == 90

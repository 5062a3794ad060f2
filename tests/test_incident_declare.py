"""Declaring an incident, end to end: signed requests in, Web API calls out."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

from freezegun import freeze_time
from sqlalchemy import func, select

from bot.executor import GiveWay
from bot.incidents.models import Incident, IncidentEvent
from bot.incidents.service import IncidentError
from tests.conftest import ALICE, BOB, DAVE, GENERAL, INCIDENTS


def incidents(bot) -> list[Incident]:
    with bot.db.session() as session:
        return list(session.scalars(select(Incident).order_by(Incident.id)))


def test_one_line_declare_creates_channel_card_announcement_and_reply(slack, standin, bot):
    reply = slack.command("declare sev2 Checkout is slow", user=ALICE, channel=GENERAL)

    # the ack comes before the incident exists; its number follows through the response_url
    assert reply.status == 200
    assert "Declaring a sev2 incident: Checkout is slow" in reply.text
    [incident] = incidents(bot)
    assert (incident.severity, incident.status, incident.declared_by) == (
        "sev2",
        "investigating",
        ALICE,
    )
    assert incident.commander == ALICE

    channel = standin.workspace.channel_named("inc-1-checkout-is-slow")
    assert channel is not None and channel.id == incident.channel_id
    assert ALICE in channel.members
    assert "INC-1" in channel.topic["value"] and "Checkout is slow" in channel.topic["value"]

    [card] = standin.messages(channel.id)
    buttons = [e["action_id"] for b in card.blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [
        "incident_update",
        "incident_status_identified",
        "incident_status_monitoring",
        "incident_take_ic",
        "incident_resolve",
    ]
    [announcement] = standin.messages(INCIDENTS)
    assert "INC-1" in announcement.visible_text and "Checkout is slow" in announcement.visible_text
    assert f"<#{channel.id}>" in announcement.visible_text  # links the channel, created first
    assert announcement.text  # a plain-text fallback beside the blocks

    declared, joined = standin.responses()  # the number at once, the channel once it exists
    assert declared["response_type"] == joined["response_type"] == "ephemeral"
    assert declared["text"].startswith(":rotating_light: Declared INC-1. Creating its channel")
    assert f"<#{channel.id}>" in joined["text"]


def test_default_severity_is_sev3_and_numbers_are_sequential(slack, bot):
    slack.command("declare Search is down")
    slack.command("declare sev1 Payments failing")
    assert [(i.id, i.severity) for i in incidents(bot)] == [(1, "sev3"), (2, "sev1")]


def test_modal_declare_with_team_invites_team_members(slack, standin, bot, config):
    reply = slack.command("", user=BOB, channel=GENERAL)
    assert reply.status == 200
    [opened] = standin.calls_to("views.open")
    view = opened.arg("view")
    assert view["callback_id"] == "incident_declare"
    assert {b["block_id"] for b in view["blocks"]} >= {"title", "severity", "team", "description"}

    slack.submit(
        "incident_declare",
        {
            "title": "Card payments fail",
            "severity": {"option": "sev2"},
            "team": {"option": "payments"},
            "description": "Visa declines since 10:02",
        },
        user=BOB,
        private_metadata=view["private_metadata"],
    )

    [incident] = incidents(bot)
    assert (incident.team_id, incident.description) == ("payments", "Visa declines since 10:02")
    channel = standin.workspace.channel_named("inc-1-card-payments-fail")
    assert {BOB, *config.team("payments").members} <= set(channel.members)
    assert DAVE in channel.members
    # the declarer hears back through the slash command's response_url, kept in the modal
    assert any("INC-1" in r.get("text", "") for r in standin.responses())


def test_modal_submitted_twice_declares_once(slack, standin, bot):
    values = {"title": "Double submit", "severity": {"option": "sev3"}}
    slack.submit("incident_declare", values, view_id="V0SAMEVIEW")
    slack.submit("incident_declare", values, view_id="V0SAMEVIEW")
    assert len(incidents(bot)) == 1
    assert len(standin.calls_to("conversations.create")) == 1
    assert len(standin.messages(INCIDENTS)) == 1


def test_slack_retry_of_the_same_command_declares_once(slack, standin, bot):
    body = slack.requests.command_body("/incident", "declare sev2 Retried", ALICE, GENERAL)
    first = slack._settle(slack.requests.post(body, "application/x-www-form-urlencoded"))
    again = slack._settle(
        slack.requests.post(
            body,
            "application/x-www-form-urlencoded",
            {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
        )
    )
    assert first.status == again.status == 200
    assert len(incidents(bot)) == 1
    assert len(standin.messages(INCIDENTS)) == 1
    texts = [r["text"] for r in standin.responses()]
    assert sum("Declared INC-1." in t for t in texts) == 1
    assert "INC-1 is already declared." in texts  # the retry's answer, once it was handled


def test_the_ack_escapes_the_title(slack):
    reply = slack.command("declare <!channel> checkout is down")
    assert "<!channel>" not in reply.text and "&lt;!channel&gt;" in reply.text


def test_a_refusal_after_the_ack_reaches_the_declarer(slack, standin, bot, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise IncidentError("Declaring is paused for maintenance.")

    monkeypatch.setattr(bot.incidents, "declare", refuse)
    reply = slack.command("declare sev2 Checkout is slow")
    assert reply.status == 200 and "Declaring" in reply.text
    [response] = standin.responses()
    assert (response["text"], response["response_type"]) == (
        ":warning: Declaring is paused for maintenance.",
        "ephemeral",
    )
    assert incidents(bot) == []


def test_a_failure_after_the_ack_is_not_silence(slack, standin, bot, monkeypatch, caplog):
    def fail(*_args, **_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(bot.incidents, "declare", fail)
    slack.command("declare sev2 Checkout is slow")
    [response] = standin.responses()
    assert response["text"].startswith(":x: Something went wrong while declaring")
    assert "declaring an incident failed" in caplog.text


def test_a_sev1_pages_on_declare_and_says_so_after_the_ack(slack, standin, bot):
    # Tue 24 Nov 2026 12:00 JST: no window is open, so the lead is paged (the test used to
    # read the real clock, and failed during the evening window)
    with freeze_time(dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)):
        reply = slack.command("declare sev1 Payments failing")
    assert "Declaring a sev1 incident" in reply.text
    [declared, *_] = standin.responses()
    assert declared["text"].startswith(":rotating_light: Declared INC-1. Creating its channel…")
    assert "Paged <@U0LEAD001> on Platform standby for INC-1." in declared["text"]


def test_taken_channel_name_gets_another_name_never_the_existing_channel(slack, standin, bot):
    squatter = standin.add_channel("inc-1-checkout-is-slow")
    slack.command("declare Checkout is slow")
    [incident] = incidents(bot)
    assert incident.channel_id != squatter
    assert incident.channel_name == "inc-1-checkout-is-slow-2"
    assert standin.messages(squatter) == []


def test_long_unicode_title_gives_a_valid_channel_name(slack, standin, bot):
    title = "Über-slow «checkout» — 東京 region " + "very " * 40
    slack.command(f"declare {title[:150]}")
    [incident] = incidents(bot)
    assert len(incident.channel_name) <= 80
    assert incident.channel_name.startswith("inc-1-uber-slow-checkout-region-very")


def test_declared_is_the_first_line_of_the_timeline(slack, bot):
    slack.command("declare sev2 Checkout is slow")
    with bot.db.session() as session:
        kinds = session.scalars(select(IncidentEvent.kind)).all()
        count = session.scalar(select(func.count()).select_from(IncidentEvent))
    assert kinds == ["declared"] and count == 1


def test_declare_modal_metadata_is_json_with_the_channel(slack, standin):
    slack.command("declare", channel=GENERAL)
    [opened] = standin.calls_to("views.open")
    assert json.loads(opened.arg("view")["private_metadata"])["channel"] == GENERAL


def test_the_ack_does_not_wait_for_the_database(slack, standin, bot, monkeypatch):
    release = threading.Event()
    declare = bot.incidents.declare

    def slow_declare(*args, **kwargs):
        assert release.wait(10), "never released"
        return declare(*args, **kwargs)

    monkeypatch.setattr(bot.incidents, "declare", slow_declare)
    # sent as Slack sends it, without waiting for the work after the ack
    reply = slack.requests.command(
        "/incident", "declare sev2 Slow database", user=ALICE, channel=GENERAL
    )
    assert reply.status == 200 and "Declaring a sev2 incident: Slow database" in reply.text
    assert incidents(bot) == [] and standin.responses() == []
    release.set()
    assert bot.wait_idle(timeout=30)
    assert standin.responses()[0]["text"].startswith(":rotating_light: Declared INC-1.")


def test_work_after_acks_gives_way_to_requests_being_answered():
    give_way = GiveWay(patience=0.05)
    second_started = threading.Event()

    def second() -> None:
        with give_way.background():
            second_started.set()

    with give_way.answering():
        begun = time.monotonic()
        with give_way.background():  # requests keep coming: it waits for a lull, in vain
            assert time.monotonic() - begun >= 0.05
            thread = threading.Thread(target=second)
            thread.start()
            assert not second_started.wait(0.2)  # then one piece at a time
        assert second_started.wait(5)  # the first one finished: the next goes
        thread.join()
    begun = time.monotonic()
    with give_way.background():  # no request being answered: at once
        assert time.monotonic() - begun < 0.05

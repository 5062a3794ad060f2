"""The main flows over Socket Mode, as a self-hosted bot without a public URL runs them: the
bot connected to the stand-in's WebSocket as `opsbot serve` with SLACK_APP_TOKEN connects it
(`socket_slack` in conftest.py), each request the envelope Slack sends, each reply the
payload of the bot's ack; and a real `opsbot serve` process doing the same.

The example roster `platform` (Asia/Tokyo) has Carol on standby on Tue 2026-11-24 from 07:30
to 09:30 JST (see tests/test_standby_e2e.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.kit.socket_requests import SocketModeRequests
from bot.standby.models import StandbyAcknowledgement
from tests.conftest import ALICE, BOB, CAROL, GENERAL, INCIDENTS
from tests.test_incident_declare import incidents
from tests.test_processes import environment, free_port, opsbot, stop, wait_healthy

JST = dt.timezone(dt.timedelta(hours=9))
STANDBY = "C0STANDBY1"
WINDOW = "platform:2026-11-24:0730"


def jst(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 11, 24, hour, minute, tzinfo=JST)


@pytest.fixture
def clock():
    with freeze_time(jst(7, 30)) as frozen:
        yield frozen


def open_home(slack, user: str, **headers: str):
    reply = slack.requests.event(
        {"type": "app_home_opened", "user": user, "channel": f"D{user[1:]}", "tab": "home"},
        **headers,
    )
    assert slack.bot.wait_idle(timeout=30)
    return reply


def published(standin, user: str) -> list[dict]:
    return [c.arg("view") for c in standin.calls_to("views.publish") if c.arg("user_id") == user]


def test_declare_is_acknowledged_then_gets_its_channel_and_announcement(
    socket_slack, socket_bot, standin
):
    reply = socket_slack.command("declare sev2 Checkout & cart are slow", user=ALICE)

    assert reply.status == 200
    assert "Declaring a sev2 incident: Checkout &amp; cart are slow" in reply.text
    [envelope] = standin.envelopes  # the text as Slack's composer sends it
    assert envelope.type == "slash_commands"
    assert envelope.payload["text"] == "declare sev2 Checkout &amp; cart are slow"
    [incident] = incidents(socket_bot)
    assert (incident.title, incident.severity, incident.declared_by) == (
        "Checkout & cart are slow",
        "sev2",
        ALICE,
    )
    channel = standin.workspace.channels[incident.channel_id]
    assert channel.name.startswith("inc-1-checkout") and ALICE in channel.members
    [announcement] = standin.messages(INCIDENTS)
    assert "INC-1" in announcement.visible_text and f"<#{channel.id}>" in announcement.visible_text
    assert "INC-1" in standin.responses()[0]["text"]  # its number, by response_url

    reply = socket_slack.command("assign INC-1 ic @bob", user=ALICE)  # @bob as <@U…|bob>
    said = [reply.text, *(response["text"] for response in standin.responses())]
    assert any(f"<@{BOB}> is now incident commander" in line for line in said)
    assert incidents(socket_bot)[0].commander == BOB


@pytest.mark.slow
def test_the_declare_modal_is_opened_and_submitted(socket_slack, socket_bot, standin, config):
    assert socket_slack.command("", user=BOB).status == 200
    [opened] = standin.calls_to("views.open")
    view = opened.arg("view")
    assert view["callback_id"] == "incident_declare"

    reply = socket_slack.submit(
        "incident_declare",
        {
            "title": "Card payments fail",
            "severity": {"option": "sev1"},
            "team": {"option": "payments"},
        },
        user=BOB,
        private_metadata=view["private_metadata"],
    )

    assert reply.status == 200
    [incident] = incidents(socket_bot)
    assert (incident.title, incident.severity, incident.team_id) == (
        "Card payments fail",
        "sev1",
        "payments",
    )
    channel = standin.workspace.channels[incident.channel_id]
    assert {BOB, *config.team("payments").members} <= set(channel.members)


@pytest.mark.slow
def test_acknowledging_a_standby_window_by_button(clock, socket_slack, socket_bot, standin):
    socket_bot.tick()
    clock.move_to(jst(7, 33))

    reply = socket_slack.click("standby_ack", WINDOW, user=CAROL, channel=STANDBY)

    assert reply.status == 200
    [post] = [m for m in standin.messages(STANDBY) if not m.is_reply]
    assert (
        post.edited and "Acknowledged by @carol at 07:33" in standin.shown(post.visible_text).text
    )
    with socket_bot.db.read() as session:
        acknowledged = session.scalars(select(StandbyAcknowledgement.user_id)).all()
    assert acknowledged == [CAROL]


@pytest.mark.slow
def test_opening_the_home_tab_publishes_it(clock, socket_slack, standin):
    clock.move_to(jst(7, 40))
    reply = open_home(socket_slack, CAROL)

    assert reply.status == 200
    [view] = published(standin, CAROL)
    assert view["type"] == "home"
    text = standin.shown(json.dumps(view, ensure_ascii=False)).text
    assert "Tue 24 Nov 07:30–09:30 JST — Platform standby (primary)" in text


@pytest.mark.slow
def test_an_event_redelivered_after_a_lost_ack_publishes_once(clock, socket_slack, standin):
    standin.socket_mode.ack_timeout = 0.2  # Slack's 3 s, shortened: the retry comes sooner
    standin.socket_mode.lose_next_ack()

    assert open_home(socket_slack, CAROL).status == 200

    first, retry = standin.envelopes
    assert (first.retry_attempt, retry.retry_attempt, retry.retry_reason) == (0, 1, "timeout")
    assert retry.payload["event_id"] == first.payload["event_id"]
    assert len(published(standin, CAROL)) == 1


@pytest.mark.slow
def test_after_refresh_requested_the_bot_reconnects_and_still_answers(
    socket_slack, socket_bot, standin
):
    """Slack refreshes one connection at a time. slack_sdk's built-in client reads a new
    connection only once its read of the old one times out (3 s), so with one connection a
    command sent just after a refresh was acknowledged after Slack's 3 s; opsbot holds two,
    and the other one answers in time."""
    # (under load slack_sdk may have replaced a connection meanwhile: a third is live
    # for a moment, until the old one closes; any one of them is refreshed)
    second = standin.socket_mode.wait_for_links(2)[-1]
    assert standin.disconnect("refresh_requested", link=second.number) == 1

    reply = socket_slack.command("declare sev3 After the refresh", user=ALICE)

    assert "Declaring a sev3 incident: After the refresh" in reply.text
    assert not standin.acks[-1].late  # within Slack's 3 s
    assert [i.title for i in incidents(socket_bot)] == ["After the refresh"]
    # the refreshed one comes back once its old connection has closed (10 s after the warning)
    live = standin.socket_mode.wait_for_links(2, timeout=20)
    assert second.number not in [link.number for link in live]
    reply = socket_slack.command("declare sev3 Once both are back", user=ALICE)
    assert not standin.acks[-1].late


@pytest.mark.slow
def test_opsbot_serve_with_an_app_token_works_over_socket_mode(tmp_path, standin, database_url):
    env = environment(tmp_path, standin)
    del env["SLACK_SIGNING_SECRET"]  # Socket Mode needs none
    env.update(SLACK_APP_TOKEN=standin.app_token, DATABASE_URL=database_url)
    port = free_port()
    process = opsbot(env, "serve", "--port", str(port), "--no-scheduler")
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        standin.socket_mode.wait_for_links(1, timeout=30)
        requests = SocketModeRequests(standin, response_url=standin.new_response_url)
        reply = requests.command(
            "/incident", "declare sev2 From a process", user=ALICE, channel=GENERAL
        )
        assert "Declaring a sev2 incident: From a process" in reply.text
        assert standin.wait_for(lambda: len(standin.messages(INCIDENTS)) == 1, timeout=30)
    finally:
        code, log = stop(process)
    assert code == 0, log
    # apps.connections.open went to SLACK_API_URL, with the app-level token
    opened = standin.calls_to("apps.connections.open")  # at least one per connection
    assert len(opened) >= 2 and {call.token for call in opened} == {standin.app_token}
    messages = [json.loads(line)["message"] for line in log.splitlines() if line.startswith("{")]
    assert "connected to Slack over Socket Mode (2 connections)" in messages
    assert "opsbot stopped" in messages
    assert standin.app_token not in log

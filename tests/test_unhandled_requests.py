"""Requests opsbot has no listener for are answered 2xx: Slack retries an event answered
otherwise, and disables a subscription that keeps failing."""

from __future__ import annotations

from tests.conftest import ALICE, GENERAL


def send_event(slack, event: dict) -> object:
    reply = slack.requests.event(event)
    assert slack.bot.wait_idle(timeout=30)
    return reply


def test_events_opsbot_does_not_handle_are_answered_200(slack, standin):
    for event in (
        {"type": "member_joined_channel", "user": ALICE, "channel": GENERAL},
        {"type": "message", "user": ALICE, "channel": GENERAL, "text": "hello", "ts": "1.000001"},
        {"type": "app_mention", "user": ALICE, "channel": GENERAL, "text": "<@U0OPSBOT0> hi"},
    ):
        reply = send_event(slack, event)
        assert reply.status == 200, (event["type"], reply.body)
    assert [c for c in standin.calls if c.method.startswith("chat.")] == []


def test_a_button_of_an_older_message_is_answered_with_a_line(slack):
    reply = slack.click("a_button_opsbot_no_longer_has", "1", user=ALICE)
    assert reply.status == 200
    assert "That button no longer does anything" in reply.text


def test_an_unknown_modal_is_closed_not_failed(slack):
    reply = slack.submit("a_modal_opsbot_no_longer_has", {"x": "y"}, user=ALICE)
    assert reply.status == 200 and reply.body == ""


def test_a_slash_command_opsbot_does_not_know_says_so(slack):
    reply = slack.command("anything", command="/deploy", user=ALICE)
    assert reply.status == 200
    assert reply.text == "opsbot does not know `/deploy`; try `/incident help`."

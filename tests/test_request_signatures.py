"""Only Slack gets in: bad or stale signatures are refused with 401 and change nothing."""

from __future__ import annotations

import json
import time
import urllib.request

from sqlalchemy import func, select

from bot.incidents.models import Incident
from bot.kit.slack_requests import sign
from tests.conftest import ALICE, GENERAL, SIGNING_SECRET


def incident_count(bot) -> int:
    with bot.db.session() as session:
        return session.scalar(select(func.count()).select_from(Incident))


def post(slack, body: str, headers: dict[str, str]):
    return slack.requests.post(body, "application/x-www-form-urlencoded", headers)


def test_forged_signature_is_refused(slack, standin, bot):
    body = slack.requests.command_body("/incident", "declare sev1 forged", ALICE, GENERAL)
    headers = sign("not-the-secret", body)
    reply = post(slack, body, headers)
    assert reply.status == 401
    assert incident_count(bot) == 0 and standin.calls == []


def test_stale_request_is_refused(slack, standin, bot):
    body = slack.requests.command_body("/incident", "declare sev1 stale", ALICE, GENERAL)
    reply = post(slack, body, sign(SIGNING_SECRET, body, timestamp=int(time.time()) - 6 * 60))
    assert reply.status == 401
    assert incident_count(bot) == 0 and standin.calls == []


def test_signature_of_another_body_is_refused(slack, standin, bot):
    signed = slack.requests.command_body("/incident", "list", ALICE, GENERAL)
    sent = slack.requests.command_body("/incident", "declare sev1 replayed", ALICE, GENERAL)
    reply = post(slack, sent, sign(SIGNING_SECRET, signed))
    assert reply.status == 401
    assert incident_count(bot) == 0


def test_missing_headers_are_refused(slack, bot, server):
    body = slack.requests.command_body(
        "/incident", "declare sev1 unsigned", ALICE, GENERAL
    ).encode()
    request = urllib.request.Request(
        f"{server}/slack/events",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        urllib.request.urlopen(request, timeout=5)
        status = 200
    except urllib.error.HTTPError as exc:
        status = exc.code
    assert status == 401
    assert incident_count(bot) == 0


def test_healthz_reports_the_database(server):
    with urllib.request.urlopen(f"{server}/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": True, "database": "up"}


def test_unknown_path_is_404(server):
    try:
        urllib.request.urlopen(f"{server}/nope", timeout=5)
        status = 200
    except urllib.error.HTTPError as exc:
        status = exc.code
    assert status == 404


def test_a_command_that_says_payload_is_answered(slack, standin, bot):
    """Bolt takes any form body holding the word "payload" for an interactive request; a
    slash command that holds it, in its text or its channel's name, is answered all the same
    (bot/web.py writes the word with one letter percent-encoded and signs the body again)."""
    reply = slack.command("declare sev2 payload service drops webhook payloads", user=ALICE)
    assert reply.status == 200 and "Declaring a sev2 incident" in reply.text
    bot.wait_idle()
    with bot.db.session() as session:
        [incident] = session.scalars(select(Incident)).all()
    assert incident.title == "payload service drops webhook payloads"

    body = slack.requests.command_body("/incident", "list", ALICE, GENERAL)
    body = body.replace("channel_name=standin", "channel_name=payloads")
    reply = post(slack, body, sign(SIGNING_SECRET, body))
    assert reply.status == 200 and "INC-1" in reply.text


def test_a_forged_command_that_says_payload_is_refused(slack, standin, bot):
    body = slack.requests.command_body("/incident", "declare sev1 payload forged", ALICE, GENERAL)
    reply = post(slack, body, sign("not-the-secret", body))
    assert reply.status == 401
    assert incident_count(bot) == 0 and standin.calls == []

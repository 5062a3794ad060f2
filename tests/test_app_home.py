"""The App Home tab end to end: a signed `app_home_opened` event → `views.publish`.

On Tue 2026-11-24 07:40 JST Carol is on the `platform` roster's 07:30–09:30 window and Alice
on the 19:00 one; Pam (U0PMPAY01) is the Payments PM; week 2026-W48 is open."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time

import pytest
from freezegun import freeze_time

from tests.conftest import ALICE, BOB, CAROL, DAVE, GENERAL

PAM = "U0PMPAY01"
JST = dt.timezone(dt.timedelta(hours=9))
_events = itertools.count(1)


@pytest.fixture
def clock():
    with freeze_time(dt.datetime(2026, 11, 24, 7, 40, tzinfo=JST), tick=True) as frozen:
        yield frozen


def open_home(slack, user: str, *, tab: str = "home", event_id: str | None = None, retry=None):
    """Send `app_home_opened` as the Events API does (JSON body, signed), wait for the bot."""
    event_id = event_id or f"Ev{next(_events):08d}"
    body = json.dumps(
        {
            "token": "unused",
            "type": "event_callback",
            "team_id": slack.requests.team_id,
            "api_app_id": "A0OPSBOT0",
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": f"D{user[1:]}",
                "tab": tab,
                "event_ts": f"{time.time():.6f}",
            },
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": slack.requests.team_id, "user_id": "U0OPSBOT0"}],
        }
    )
    headers = {}
    if retry is not None:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    reply = slack.requests.post(body, "application/json", headers)
    assert slack.bot.wait_idle(timeout=30)
    return reply


def published(standin, user: str) -> list[dict]:
    return [c.arg("view") for c in standin.calls_to("views.publish") if c.arg("user_id") == user]


def home_of(slack, standin, user: str) -> tuple[dict, str]:
    reply = open_home(slack, user)
    assert reply.status == 200
    view = published(standin, user)[-1]
    assert view["type"] == "home"
    return view, json.dumps(view, ensure_ascii=False)


def test_standby_shifts_are_shown_in_my_time_zone(slack, standin, clock):
    standin.add_user(CAROL, "carol", tz="Europe/London")
    _, text = home_of(slack, standin, CAROL)
    # 07:30–09:30 JST is 22:30–00:30 GMT the evening before.
    assert "Mon 23 Nov 22:30–Tue 24 Nov 00:30 GMT — Platform standby (primary)" in text
    assert "Your open incidents" in text and "None." in text
    assert "Loop of Loops" not in text  # Carol is no PM
    assert "Times are in your time zone" in text


def test_open_incidents_show_my_roles_and_escape_the_title(slack, standin, clock):
    slack.command("declare sev2 Checkout <!channel> is slow & @here", user=ALICE)
    slack.command("assign INC-1 ic @bob", user=ALICE, channel=GENERAL)

    _, bob = home_of(slack, standin, BOB)
    assert "INC-1" in bob and "you are incident commander" in bob
    assert "&lt;!channel&gt;" in bob and "<!channel>" not in bob
    assert "&amp;" in bob and "@\u200bhere" in bob

    _, alice = home_of(slack, standin, ALICE)
    assert "INC-1" in alice and "you are declarer" in alice

    _, dave = home_of(slack, standin, DAVE)
    assert "INC-1" not in dave

    slack.command("resolve INC-1 Fixed", user=BOB)
    _, bob = home_of(slack, standin, BOB)
    assert "INC-1" not in bob


def test_pm_sees_the_week_and_writes_the_update_from_the_home_tab(slack, standin, clock):
    view, text = home_of(slack, standin, PAM)
    assert "Loop of Loops, 2026-W48" in text and "*Payments*: no update yet." in text
    [button] = [b["accessory"] for b in view["blocks"] if "accessory" in b]
    assert button["action_id"] == "loop_write"
    assert json.loads(button["value"]) == {"week": "2026-W48", "team": "payments"}

    # The home tab's button is the loop's own "Write update" button: it opens the modal.
    slack.click("loop_write", button["value"], user=PAM, channel=PAM)
    modal = standin.calls_to("views.open")[-1].arg("view")
    assert modal["callback_id"] == "loop_update"
    slack.submit(
        "loop_update",
        {"working_on": "Refunds <v2>", "roadblocks": "", "status": {"option": "at_risk"}},
        user=PAM,
        private_metadata=modal["private_metadata"],
    )

    view, text = home_of(slack, standin, PAM)
    assert "*Payments*: :large_yellow_circle: At risk" in text and f"<@{PAM}>" in text
    [button] = [b["accessory"] for b in view["blocks"] if "accessory" in b]
    assert (button["action_id"], button["text"]["text"]) == ("loop_write", "Edit update")


def test_a_redelivered_event_is_acknowledged_and_not_published_again(slack, standin, clock):
    first = open_home(slack, CAROL, event_id="Ev0RETRY01")
    again = open_home(slack, CAROL, event_id="Ev0RETRY01", retry=1)
    assert (first.status, again.status) == (200, 200)
    assert len(published(standin, CAROL)) == 1


def test_the_messages_tab_publishes_nothing(slack, standin, clock):
    reply = open_home(slack, CAROL, tab="messages")
    assert reply.status == 200
    assert standin.calls_to("views.publish") == []


def test_a_refusal_after_a_home_tab_click_arrives_by_dm(slack, standin, bot):
    """A Home tab click carries no response_url; the refusal must still reach the person."""
    week = bot.loop.week().id
    slack.requests.interaction(
        {
            "type": "block_actions",
            "team": {"id": "T0OPSBOT0"},
            "user": {"id": "U0PMPAY01"},
            "api_app_id": "A0OPSBOT0",
            "trigger_id": "trigger.home",
            "view": {"id": "V0HOME", "type": "home"},
            "actions": [
                {
                    "type": "button",
                    "action_id": "loop_write",
                    "block_id": "b",
                    "value": json.dumps({"week": week, "team": "search"}),
                    "action_ts": "1",
                }
            ],
        }
    )
    assert bot.wait_idle()
    [dm] = standin.messages("U0PMPAY01")
    assert dm.text.startswith(":warning:")

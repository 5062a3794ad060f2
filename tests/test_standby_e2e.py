"""Standby end to end: window posts, pings, reminders and acknowledgements through the
ledger; /standby views, swaps and overrides through signed requests; time moved with
freezegun. The example roster `platform` (Asia/Tokyo, UTC+9) rotates Alice, Bob, Carol per
window from Mon 2026-11-02: Tue 2026-11-24 07:30 JST is the 33rd window (turn 32), Carol's;
19:00 that day is Alice's."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.app import create_app
from bot.ledger.models import Delivery
from bot.standby.models import StandbyAcknowledgement
from tests.conftest import ADMIN, ALICE, BOB, CAROL, TEST_CLOCK, make_settings

STANDBY = "C0STANDBY1"
KEY = "platform:2026-11-24:0730"
JST = dt.timezone(dt.timedelta(hours=9))


def jst(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=JST)


def posts(standin, channel=STANDBY):
    return [m for m in standin.messages(channel) if not m.is_reply]


def dms(standin, user):
    return standin.messages(user)


def seen(standin, message, reader) -> str:
    """The message as `reader` sees it in Slack: names for mentions, dates in their zone."""
    return standin.shown(message.visible_text, reader=reader).text


@pytest.fixture
def clock():
    with freeze_time(jst(24, 7, 0)) as frozen:
        yield frozen


def at(clock, moment: dt.datetime) -> None:
    clock.move_to(moment)


def test_reminder_then_post_and_ping_at_the_window_opening_each_once(bot, standin, clock):
    at(clock, jst(24, 7, 14))
    bot.tick()
    assert dms(standin, CAROL) == [] and posts(standin) == []

    at(clock, jst(24, 7, 15))
    bot.tick()
    [heads_up] = dms(standin, CAROL)
    assert "starts in 15 minutes" in heads_up.text and "07:30" in heads_up.text

    at(clock, jst(24, 7, 30))
    bot.tick()
    bot.tick()
    [post] = posts(standin)
    assert "Platform standby" in post.text and f"<@{CAROL}>" in post.text
    assert "07:30" in post.visible_text and "09:30" in post.visible_text
    assert "is on standby: today 07:30–09:30" in seen(standin, post, CAROL)
    assert "Next: today 19:00–22:00 — @alice (primary)" in seen(standin, post, CAROL)
    buttons = [e for b in post.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [("standby_ack", KEY)]
    ping = dms(standin, CAROL)[-1]
    assert "You are on standby" in ping.text and len(dms(standin, CAROL)) == 2
    assert dms(standin, ALICE) == [] and dms(standin, BOB) == []

    at(clock, jst(24, 8, 0))
    bot.tick()
    assert len(posts(standin)) == 1 and len(dms(standin, CAROL)) == 2


def test_acknowledge_updates_the_post_and_refuses_others(slack, bot, standin, clock):
    at(clock, jst(24, 7, 30))
    bot.tick()

    slack.click("standby_ack", KEY, user=BOB, channel=STANDBY)
    assert "not on standby for this window" in standin.responses()[-1]["text"]

    at(clock, jst(24, 7, 33))
    slack.click("standby_ack", KEY, user=CAROL, channel=STANDBY)
    slack.click("standby_ack", KEY, user=CAROL, channel=STANDBY)
    assert "already acknowledged" in standin.responses()[-1]["text"]

    [post] = posts(standin)
    assert post.edited and "Acknowledged by @carol at 07:33" in seen(standin, post, CAROL)
    assert not [b for b in post.blocks if b["type"] == "actions"]  # nobody left to acknowledge
    with bot.db.read() as session:
        acks = session.execute(select(StandbyAcknowledgement.user_id)).scalars().all()
    assert acks == [CAROL]


def test_override_splits_the_window_and_pings_the_cover_when_their_part_begins(
    slack, bot, standin, clock
):
    reply = slack.command(
        "override @bob 2026-11-24 08:30 09:30 platform", user=ADMIN, command="/standby"
    )
    assert standin.shown(reply.text, reader=ADMIN).text == (
        "@bob covers Platform standby from today 08:30 to today 09:30: 1 shift in that span."
    )

    at(clock, jst(24, 7, 30))
    bot.tick()
    [post] = posts(standin)
    assert f"<@{CAROL}>" in post.visible_text and f"<@{BOB}>" in post.visible_text
    assert f"covering for <@{CAROL}> (override by <@{ADMIN}>)" in post.visible_text
    # each first told of the move (tests/test_standby_move_dms.py), then Carol's reminder, ping
    assert len(dms(standin, CAROL)) == 3 and len(dms(standin, BOB)) == 1

    at(clock, jst(24, 8, 30))
    bot.tick()
    [_told, ping] = dms(standin, BOB)
    assert "You are on standby" in ping.text and "08:30" in ping.text


def test_swap_gives_the_window_to_the_other_person(slack, bot, standin, clock):
    reply = slack.command("swap @alice 2026-11-24", user=CAROL, command="/standby")
    assert standin.shown(reply.text, reader=CAROL).text == (
        "Swapped: @alice takes your 2026-11-24 shift(s) (today 07:30–09:30), "
        "you take theirs (today 19:00–22:00)."
    )

    at(clock, jst(24, 7, 30))
    bot.tick()
    [post] = posts(standin)
    assert (
        f"<@{ALICE}> (primary), covering for <@{CAROL}> (swap by <@{CAROL}>)" in post.visible_text
    )
    assert [m.text for m in dms(standin, ALICE)][-1].startswith(
        ":rotating_light: You are on standby"
    )
    assert all("You are on standby" not in m.text for m in dms(standin, CAROL))

    at(clock, jst(24, 19, 0))  # Alice's evening window is Carol's now
    bot.tick()
    assert "You are on standby" in dms(standin, CAROL)[-1].text


def test_missed_while_down_is_sent_late_while_open_and_skipped_once_closed(
    bot, standin, clock, caplog
):
    at(clock, jst(24, 8, 0))  # nothing ran from before 07:15 until 08:00
    with caplog.at_level(logging.WARNING):
        bot.tick()
    [post] = posts(standin)
    assert "Sent late" in post.text
    assert "delivery standby:platform:2026-11-24:0730:remind:U0CAROL01 skipped" in caplog.text

    at(clock, jst(24, 23, 0))  # the 19:00–22:00 window came and went unseen
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        bot.tick()
    assert len(posts(standin)) == 1
    assert "standby:platform:2026-11-24:1900:post skipped" in caplog.text
    with bot.db.read() as session:
        status = session.scalar(
            select(Delivery.status).where(Delivery.key == "standby:platform:2026-11-24:1900:post")
        )
    assert status == "skipped"


def test_two_schedulers_on_one_database_post_and_ping_once(
    bot, standin, clock, database_url, config
):
    other = create_app(make_settings(database_url, standin), config, clock=TEST_CLOCK)
    try:
        at(clock, jst(24, 7, 30))
        for _ in range(3):
            bot.tick()
            other.tick()
    finally:
        other.close()
    assert len(posts(standin)) == 1
    assert len([m for m in dms(standin, CAROL) if "You are on standby" in m.text]) == 1


def test_views_in_the_askers_time_zone(slack, bot, standin, clock):
    standin.add_user("U0LONDON1", "lon", tz="Europe/London")
    at(clock, jst(24, 7, 45))
    slack.command("", user="U0LONDON1", command="/standby")
    now = standin.responses()[-1]["text"]
    assert f"now Mon 23 Nov 22:30–Tue 24 Nov 00:30 GMT — <@{CAROL}> (primary)" in now
    assert "Mobile release standby*: nobody now" in now

    slack.command("week platform", user=CAROL, command="/standby")
    week = standin.responses()[-1]["text"]
    assert week.count("\n") == 11  # title + 11 windows: Tue 07:30 (open now) to next Tue 07:30
    assert "Tue 24 Nov 19:00–22:00 JST" in week

    slack.command("me", user=CAROL, command="/standby")
    mine = standin.responses()[-1]["text"]
    assert "Your shifts" in mine and f"<@{ALICE}>" not in mine


@pytest.mark.parametrize(
    ("text", "user", "expected"),
    [
        ("week nowhere", ALICE, "There is no roster `nowhere`"),
        ("swap @carol 2026-11-24", CAROL, "You cannot swap with yourself."),
        ("swap @frank 2026-11-24 platform", CAROL, "is not a member of Platform standby"),
        ("swap @alice 2026-11-20 platform", CAROL, "is in the past"),
        ("swap @alice 2026-11-26 platform", CAROL, "You have no coming shift"),
        ("override @bob 2026-11-24 09:30 08:30 platform", ADMIN, "is before the start"),
        ("override @bob 2026-11-24 09:30 2026-11-24 08:30", ADMIN, "is before the start"),
        ("override @bob 2026-11-28 10:00 12:00 platform", ADMIN, "there is nothing to cover"),
        ("override @bob 2026-11-24 08:00 09:00 platform", "U0FRANK01", "Only members of"),
        ("swap alice 2026-11-24", CAROL, "`alice` is not a person"),
        ("swap @alice 24/11", CAROL, "`24/11` is not a date"),
        ("frobnicate", CAROL, "`frobnicate` is not a /standby command."),
    ],
)
@pytest.mark.slow
def test_bad_input_gets_a_clear_line(slack, standin, clock, text, user, expected):
    reply = slack.command(text, user=user, command="/standby")
    answer = reply.text or standin.responses()[-1]["text"]
    assert expected in answer


def test_mobile_window_opens_at_local_time_across_the_autumn_change(bot, standin, config):
    """Europe/London: the Sat 22:00–02:00 window on the night BST ends (31 Oct 2027) opens at
    21:00 UTC and lasts five hours; the same window in spring (25 Mar 2028) opens at 22:00 UTC
    and, the 01:00 hour not existing, lasts three. A reader in London sees 22:00–02:00 both
    times; one in Tokyo sees 06:00–11:00, then 07:00–10:00; the fallback is in JST."""
    mobile = config.roster("mobile").channel
    standin.add_user("U0LONDON1", "lon", tz="Europe/London")
    with freeze_time(dt.datetime(2027, 10, 30, 20, 59, tzinfo=dt.UTC)) as frozen:
        bot.tick()
        assert posts(standin, mobile) == []
        frozen.move_to(dt.datetime(2027, 10, 30, 21, 0, tzinfo=dt.UTC))
        bot.tick()
        [autumn] = posts(standin, mobile)
        assert "is on standby: today 22:00–02:00" in seen(standin, autumn, "U0LONDON1")
        assert "is on standby: today 06:00–11:00" in seen(standin, autumn, CAROL)
    assert "Sun 31 Oct 06:00–11:00 JST" in standin.shown(autumn.visible_text).text
    with freeze_time(dt.datetime(2028, 3, 25, 22, 0, tzinfo=dt.UTC)):
        bot.tick()
        spring = posts(standin, mobile)[-1]
        assert "is on standby: today 22:00–02:00" in seen(standin, spring, "U0LONDON1")
        assert "is on standby: today 07:00–10:00" in seen(standin, spring, CAROL)


def test_calendar_links_from_slack_serve_the_askers_shifts(bot, server, slack, standin, clock):
    import urllib.request

    bot.settings.opsbot_public_url = server  # the link points at this running app
    reply = slack.command("calendar", user=CAROL, command="/standby")
    url = reply.text.split("calendar app: ")[1].split()[0]
    assert url.startswith(f"{server}/calendar/") and url.endswith(".ics")
    with urllib.request.urlopen(url, timeout=5) as response:
        body = response.read().decode()
    assert "BEGIN:VCALENDAR" in body and "platform:2026-11-24:0730" in body

    refused = slack.command("calendar mobile", user=CAROL, command="/standby")
    assert "Only members of Mobile release standby or an admin" in refused.text


def test_calendar_link_without_a_public_address_says_what_to_set(slack, clock):
    reply = slack.command("calendar", user=CAROL, command="/standby")
    assert "OPSBOT_PUBLIC_URL" in reply.text


def test_calendar_off_makes_the_link_stop_working(bot, server, slack, clock):
    import urllib.error
    import urllib.request

    bot.settings.opsbot_public_url = server
    reply = slack.command("calendar platform", user=CAROL, command="/standby")
    url = reply.text.split("calendar app: ")[1].split()[0]
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200

    refused = slack.command("calendar off platform", user="U0FRANK01", command="/standby")
    assert "may turn off its calendar" in refused.text
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200  # a refusal changes nothing

    off = slack.command("calendar off platform", user=CAROL, command="/standby")
    assert off.text == "The calendar link to Platform standby's shifts has stopped working."
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(url, timeout=5)
    assert gone.value.code == 404
    again = slack.command("calendar off platform", user=CAROL, command="/standby")
    assert "There was no calendar link to Platform standby's shifts" in again.text
    mine = slack.command("calendar off", user=CAROL, command="/standby")
    assert "There was no calendar link to your shifts on every roster" in mine.text

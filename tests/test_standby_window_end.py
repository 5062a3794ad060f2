"""A standby window's end, end to end: its post is edited once to say it ended (through the
ledger, under `standby:{occurrence}:post:ended`, by whichever clock comes first, after a
restart too), and a click on Acknowledge after the end is refused with the end's time in the
reader's zone. Times as in test_standby_e2e: Tue 2026-11-24 07:30–09:30 JST is Carol's
window on `platform`, 19:00–22:00 Alice's."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.app import create_app
from bot.ledger.models import Delivery
from bot.standby.models import StandbyAcknowledgement
from tests.conftest import ALICE, CAROL, TEST_CLOCK, make_settings
from tests.test_standby_e2e import KEY, STANDBY, jst, posts


def seen(standin, message, reader) -> str:
    return standin.shown(message.visible_text, reader=reader).text


def buttons(message) -> list[str]:
    return [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def edits_of(standin, message) -> int:
    return len([c for c in standin.calls_to("chat.update") if c.arg("ts") == message.ts])


def delivery(bot, key: str) -> Delivery | None:
    with bot.db.read() as session:
        return session.scalar(select(Delivery).where(Delivery.key == key))


@pytest.fixture
def clock():
    with freeze_time(jst(24, 7, 0)) as frozen:
        yield frozen


def test_the_post_says_the_window_ended_once_keeping_who_acknowledged(
    slack, bot, standin, clock, database_url, config
):
    # a second clock
    other = create_app(make_settings(database_url, standin), config, clock=TEST_CLOCK)
    try:
        clock.move_to(jst(24, 7, 30))
        bot.tick()
        clock.move_to(jst(24, 7, 33))
        slack.click("standby_ack", KEY, user=CAROL, channel=STANDBY)
        [post] = posts(standin)
        assert buttons(post) == [] and "has ended" not in post.visible_text

        clock.move_to(jst(24, 9, 29))
        bot.tick()
        other.tick()
        assert "has ended" not in posts(standin)[0].visible_text
        clock.move_to(jst(24, 9, 30))
        for _ in range(2):
            other.tick()
            bot.tick()
    finally:
        other.close()
    [post] = posts(standin)
    text = seen(standin, post, CAROL)
    assert "*Platform standby*: the standby window today 07:30–09:30 has ended." in text
    assert "Acknowledged by @carol at 07:33" in text
    assert buttons(post) == [] and "Next:" not in text
    edits = edits_of(standin, post)
    assert edits == 2  # the acknowledgement, then the end: once, with two clocks ticking
    assert delivery(bot, f"standby:{KEY}:post:ended").status == "sent"

    clock.move_to(jst(24, 10, 0))
    bot.tick()
    assert edits_of(standin, post) == edits


def test_a_window_nobody_acknowledged_says_so_at_its_end(bot, standin, clock):
    clock.move_to(jst(24, 7, 30))
    bot.tick()
    [post] = posts(standin)
    assert buttons(post) == ["standby_ack"]
    clock.move_to(jst(24, 9, 30))
    bot.tick()
    [post] = posts(standin)
    text = seen(standin, post, ALICE)
    assert "the standby window today 07:30–09:30 has ended." in text
    assert "Nobody acknowledged this window." in text and "Acknowledged by" not in text
    assert buttons(post) == []


def test_a_clock_down_at_the_end_edits_the_post_once_it_is_back(
    bot, standin, clock, database_url, config
):
    clock.move_to(jst(24, 7, 30))
    bot.tick()
    bot.close()
    clock.move_to(jst(24, 12, 0))  # down from 07:30 to noon
    restarted = create_app(make_settings(database_url, standin), config, clock=TEST_CLOCK)
    second = create_app(make_settings(database_url, standin), config, clock=TEST_CLOCK)
    try:
        restarted.tick()
        second.tick()
    finally:
        restarted.close()
        second.close()
    [post] = posts(standin)
    assert "today 07:30–09:30 has ended" in seen(standin, post, CAROL)
    assert edits_of(standin, post) == 1


def test_a_window_whose_post_was_never_sent_is_not_edited(bot, standin, clock):
    bot.tick()  # the first tick: 07:00
    clock.move_to(jst(24, 23, 0))  # nothing ran through both of the day's windows
    bot.tick()
    assert posts(standin) == [] and standin.calls_to("chat.update") == []
    ended = delivery(bot, "standby:platform:2026-11-24:1900:post:ended")
    assert ended.status == "skipped" and "never sent" in ended.last_error


def test_acknowledge_after_the_end_is_refused_with_the_end_in_the_readers_zone(
    slack, bot, standin, clock
):
    clock.move_to(jst(24, 7, 30))
    bot.tick()
    clock.move_to(jst(24, 9, 31))
    slack.click("standby_ack", KEY, user=CAROL, channel=STANDBY)
    assert standin.responses()[-1]["text"] == (
        ":warning: That standby window ended Tue 24 Nov 09:30 JST: it can no longer be "
        "acknowledged."
    )
    standin.add_user(CAROL, "carol", tz="Europe/London")  # Carol, travelling, in London
    clock.move_to(jst(24, 10, 45))  # the bot knows her zone anew after an hour
    slack.click("standby_ack", KEY, user=CAROL, channel=CAROL)  # the button of her ping
    assert "ended Tue 24 Nov 00:30 GMT" in standin.responses()[-1]["text"]
    with bot.db.read() as session:
        assert session.scalars(select(StandbyAcknowledgement)).all() == []
    assert "Nobody acknowledged" not in posts(standin)[0].visible_text  # not edited by clicks


def test_the_end_of_a_window_across_the_autumn_change_is_at_its_local_time(bot, standin, config):
    """Europe/London: Sat 30 Oct 2027 22:00 BST – Sun 31 Oct 02:00 GMT ends at 02:00 UTC,
    five hours after it opened, not at 01:00 UTC."""
    mobile = config.roster("mobile").channel
    standin.add_user("U0GRACE01", "grace", tz="Europe/London")
    with freeze_time(dt.datetime(2027, 10, 30, 21, 0, tzinfo=dt.UTC)) as frozen:
        bot.tick()
        [post] = posts(standin, mobile)
        frozen.move_to(dt.datetime(2027, 10, 31, 1, 59, tzinfo=dt.UTC))
        bot.tick()
        assert "has ended" not in posts(standin, mobile)[0].visible_text
        frozen.move_to(dt.datetime(2027, 10, 31, 2, 0, tzinfo=dt.UTC))
        bot.tick()
        [post] = posts(standin, mobile)
        text = seen(standin, post, "U0GRACE01")
        assert "the standby window yesterday 22:00–02:00 has ended." in text
        assert "Nobody acknowledged this window." in text

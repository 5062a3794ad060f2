"""Swaps and overrides tell each person they move, by DM, end to end: signed `/standby swap`
and `/standby override` requests, the DMs in the Web API stand-in as each reader sees them
(dates in their own zone), on SQLite and PostgreSQL. The example roster `platform`
(Asia/Tokyo) has Carol on Tue 24 Nov 2026 07:30–09:30 and Alice at 19:00–22:00; `mobile`
(Europe/London, two a window) has its Sat 22:00–02:00 window across the end of BST on
30–31 Oct 2027."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from tests.conftest import ADMIN, ALICE, BOB, CAROL
from tests.test_standby_e2e import jst

MOVED = ":arrows_counterclockwise:"
FRANK, GRACE, HEIDI, IVAN = "U0FRANK01", "U0GRACE01", "U0HEIDI01", "U0IVAN001"
EVERYONE = [ADMIN, ALICE, BOB, CAROL, FRANK, GRACE, HEIDI, IVAN]


@pytest.fixture
def clock():
    with freeze_time(jst(24, 7, 0)) as frozen:
        yield frozen


def told(standin, user: str) -> list[str]:
    """The DMs telling `user` they moved, as they see them (their zone, names)."""
    return [
        standin.shown(m.text, reader=user).text
        for m in standin.messages(user)
        if m.text.startswith(MOVED)
    ]


def blocks_seen(standin, user: str) -> list[str]:
    """The block text of the DMs telling `user` they moved, as they see it."""
    return [
        "\n".join(
            standin.shown(b["text"]["text"], reader=user).text
            for b in m.blocks
            if b["type"] == "section"
        )
        for m in standin.messages(user)
        if m.text.startswith(MOVED)
    ]


def nobody_else(standin, *told_ones: str) -> None:
    for user in EVERYONE:
        if user not in told_ones:
            assert told(standin, user) == [], user


def test_an_override_tells_who_hands_over_and_who_takes_in_their_own_zone(
    slack, bot, standin, clock
):
    standin.add_user(BOB, "bob", tz="Europe/London")
    reply = slack.command(
        "override @bob 2026-11-24 08:30 09:30 platform", user=ADMIN, command="/standby"
    )
    assert "covers Platform standby" in reply.text
    assert told(standin, CAROL) == [
        f"{MOVED} Your standby on *Platform standby* changed: override by @admin: @bob covers. "
        "You hand over: today 08:30–09:30 (primary), to @bob."
    ]
    assert blocks_seen(standin, CAROL) == [
        f"{MOVED} Your standby on *Platform standby* changed: override by @admin: @bob covers.\n"
        "*You hand over:*\n• today 08:30–09:30 (primary), to @bob"
    ]
    # Bob reads it in London, where it is still Monday evening.
    assert told(standin, BOB) == [
        f"{MOVED} Your standby on *Platform standby* changed: override by @admin: you cover. "
        "You take: today 23:30–00:30 (primary), from @carol."
    ]
    nobody_else(standin, CAROL, BOB)

    bot.tick()
    clock.move_to(jst(24, 8, 30))
    bot.tick()
    assert len(told(standin, CAROL)) == 1 and len(told(standin, BOB)) == 1
    nobody_else(standin, CAROL, BOB)


def test_a_swap_tells_both_what_they_take_and_hand_over(slack, bot, standin, clock):
    slack.command("swap @alice 2026-11-24", user=CAROL, command="/standby")
    assert told(standin, CAROL) == [
        f"{MOVED} Your standby on *Platform standby* changed: you swapped with @alice. "
        "You take: today 19:00–22:00 (primary), from @alice. "
        "You hand over: today 07:30–09:30 (primary), to @alice."
    ]
    assert told(standin, ALICE) == [
        f"{MOVED} Your standby on *Platform standby* changed: @carol swapped with you. "
        "You take: today 07:30–09:30 (primary), from @carol. "
        "You hand over: today 19:00–22:00 (primary), to @carol."
    ]
    nobody_else(standin, CAROL, ALICE)

    for moment in (jst(24, 7, 30), jst(24, 7, 31), jst(24, 19, 0)):
        clock.move_to(moment)
        bot.tick()
    assert len(told(standin, CAROL)) == 1 and len(told(standin, ALICE)) == 1
    nobody_else(standin, CAROL, ALICE)


def test_an_override_on_top_of_another_tells_each_their_own_piece(slack, bot, standin, clock):
    """Bob covers 08:00–09:00 of Carol's 07:30–09:30; then Alice covers 08:30–09:30 (in the
    same moment): Bob hands over 08:30–09:00, Carol 09:00–09:30, and Alice takes both."""
    slack.command("override @bob 2026-11-24 08:00 09:00 platform", user=ADMIN, command="/standby")
    assert told(standin, CAROL)[-1].endswith("You hand over: today 08:00–09:00 (primary), to @bob.")
    slack.command("override @alice 2026-11-24 08:30 09:30 platform", user=ALICE, command="/standby")
    assert told(standin, BOB) == [
        f"{MOVED} Your standby on *Platform standby* changed: override by @admin: you cover. "
        "You take: today 08:00–09:00 (primary), from @carol.",
        f"{MOVED} Your standby on *Platform standby* changed: override by @alice: @alice covers. "
        "You hand over: today 08:30–09:00 (primary), to @alice.",
    ]
    assert told(standin, CAROL)[1:] == [
        f"{MOVED} Your standby on *Platform standby* changed: override by @alice: @alice covers. "
        "You hand over: today 09:00–09:30 (primary), to @alice."
    ]
    assert told(standin, ALICE) == [
        f"{MOVED} Your standby on *Platform standby* changed: your override: you cover. "
        "You take: today 08:30–09:00 (primary), from @bob; "
        "today 09:00–09:30 (primary), from @carol."
    ]
    nobody_else(standin, CAROL, BOB, ALICE)


def test_an_override_naming_whoever_is_on_tells_nobody(slack, bot, standin, clock):
    reply = slack.command(
        "override @carol 2026-11-24 07:00 10:00 platform", user=ADMIN, command="/standby"
    )
    assert "covers Platform standby" in reply.text
    bot.tick()
    nobody_else(standin)


def test_the_maker_of_an_override_who_is_not_on_it_is_not_told(slack, bot, standin, clock):
    slack.command("override @bob 2026-11-24 19:00 20:00 platform", user=CAROL, command="/standby")
    assert told(standin, ALICE) == [
        f"{MOVED} Your standby on *Platform standby* changed: override by @carol: @bob covers. "
        "You hand over: today 19:00–20:00 (primary), to @bob."
    ]
    nobody_else(standin, ALICE, BOB)


def test_an_override_across_the_end_of_summer_time(slack, bot, standin):
    """Sat 30 Oct 2027, London: the 22:00–02:00 window lasts five hours (21:00–02:00 UTC).
    An override from 23:00 BST to 02:00 GMT moves four hours, three on the wall clock: a
    reader in London sees 23:00–02:00, one in Tokyo 07:00–11:00. (Not an end inside the
    repeated hour: under freezegun, datetime.combine drops `fold`, so the test clock would
    read 01:30 as its first time.)"""
    standin.add_user(FRANK, "frank", tz="Europe/London")
    with freeze_time(dt.datetime(2027, 10, 30, 12, 0, tzinfo=dt.UTC)):
        roster = bot.config.roster("mobile")
        night = dt.datetime(2027, 10, 30, 22, tzinfo=dt.UTC)
        [shift] = bot.standby.shifts(roster, night, night + dt.timedelta(minutes=1))
        assert shift.ends_at - shift.starts_at == dt.timedelta(hours=5)
        assert (shift.primary, shift.secondary) == (HEIDI, IVAN)
        slack.command(
            "override @frank 2027-10-30 23:00 2027-10-31 02:00 mobile",
            user=ADMIN,
            command="/standby",
        )
        bot.tick()
        bot.tick()
        # Read on the day, in London (Frank) and in Tokyo (Heidi):
        assert told(standin, FRANK) == [
            f"{MOVED} Your standby on *Mobile release standby* changed: override by @admin: "
            "you cover. You take: today 23:00–02:00 (primary), from @heidi."
        ]
        assert told(standin, HEIDI) == [
            f"{MOVED} Your standby on *Mobile release standby* changed: override by @admin: "
            "@frank covers. You hand over: tomorrow 07:00–11:00 (primary), to @frank."
        ]
    fallback = standin.shown(standin.messages(FRANK)[-1].text).text
    assert "You take: Sun 31 Oct 07:00–11:00 JST (primary)" in fallback
    nobody_else(standin, FRANK, HEIDI)

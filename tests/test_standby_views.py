"""What a new user meets in `/standby week`, `/standby me` and a swap typed with `today`,
end to end through signed requests. Times as in test_standby_e2e (Tue 2026-11-24 07:30 JST
is Carol's window on `platform`); the `mobile` roster is in Europe/London."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from tests.conftest import ADMIN, BOB, CAROL

JST = dt.timezone(dt.timedelta(hours=9))
UTC = dt.UTC


def answer(slack, standin, text: str, user: str) -> str:
    reply = slack.command(text, user=user, command="/standby")
    return reply.text or standin.responses()[-1]["text"]


@pytest.fixture
def clock():
    with freeze_time(dt.datetime(2026, 11, 24, 7, 45, tzinfo=JST)) as frozen:
        yield frozen


def test_the_week_of_every_roster_names_each_roster_above_its_shifts(slack, standin, clock):
    lines = answer(slack, standin, "week", CAROL).split("\n")
    platform, mobile = lines.index("*Platform standby*"), lines.index("*Mobile release standby*")
    assert 0 < platform < mobile
    assert lines[platform + 1] == f"Tue 24 Nov 07:30–09:30 JST — <@{CAROL}> (primary)"
    assert all("Sat" in line or "Sun" in line for line in lines[mobile + 1 :])
    assert not any("Sat" in line or "Sun" in line for line in lines[platform + 1 : mobile])


def test_my_shifts_name_their_roster_and_someone_on_no_roster_is_told_so(slack, standin, clock):
    mine = answer(slack, standin, "me", CAROL).split("\n")
    assert mine[0] == "*Your shifts in the next 14 days*"
    assert mine[1] == "Tue 24 Nov 07:30–09:30 JST — Platform standby (primary)"
    assert f"<@{CAROL}>" not in "\n".join(mine)

    nobody = answer(slack, standin, "me", ADMIN)
    assert nobody.endswith(
        "You are on no standby roster (rosters: Platform standby, Mobile release standby)."
    )


def test_today_in_a_swap_is_the_rosters_date(slack, bot, standin, clock):
    """Fri 27 Nov 22:30 GMT is already Sat 28 Nov 07:30 in Tokyo, the organisation's zone:
    `today` on the London roster is still Friday, whose night window is open."""
    mobile = bot.config.roster("mobile")
    clock.move_to(dt.datetime(2026, 11, 27, 22, 30, tzinfo=UTC))
    [open_now] = on_now(bot, mobile)
    assert open_now.local_date == dt.date(2026, 11, 27)
    [saturday] = bot.standby.occurrence(mobile, "mobile:2026-11-28:1000")
    assert open_now.primary not in saturday.people  # so a swap of Saturday would be refused
    other = next(u for u in mobile.members if u not in (*open_now.people, *saturday.people))
    name = standin.workspace.users[other]["name"]

    reply = answer(slack, standin, f"swap @{name} today mobile", open_now.primary)
    seen = standin.shown(reply, reader=open_now.primary).text  # a reader in Tokyo
    assert seen.startswith(
        f"Swapped: @{name} takes your 2026-11-27 shift(s) (today 07:00–11:00), you take theirs ("
    )
    [after] = on_now(bot, mobile)
    assert other in after.people and open_now.primary not in after.people


def on_now(bot, roster):
    now = dt.datetime.now(UTC)
    return bot.standby.shifts(roster, now, now + dt.timedelta(seconds=1))


def test_a_swap_of_the_window_open_now_pings_the_new_person_at_once_not_late(
    slack, bot, standin, clock
):
    """At 07:45 Carol hands her open 07:30 window to Bob: Bob hears at once, not a tick later
    with "Sent late: this was due at 07:30"."""
    clock.move_to(dt.datetime(2026, 11, 24, 7, 30, tzinfo=JST))
    bot.tick()
    clock.move_to(dt.datetime(2026, 11, 24, 7, 45, tzinfo=JST))
    reply = answer(slack, standin, "swap @bob today platform", CAROL)
    assert reply.startswith(f"Swapped: <@{BOB}> takes your 2026-11-24 shift(s)")
    [ping] = [m for m in standin.messages(BOB) if "You are on standby" in m.text]
    assert "Sent late" not in ping.visible_text
    clock.move_to(dt.datetime(2026, 11, 24, 7, 50, tzinfo=JST))
    bot.tick()
    assert len([m for m in standin.messages(BOB) if "You are on standby" in m.text]) == 1

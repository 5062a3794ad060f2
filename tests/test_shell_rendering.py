"""How the shell prints Slack mrkdwn: date tokens in the organisation's zone, read at a
given moment; emoji shortcodes by Slack's names; links with their address."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.kit.shell.dates import date_renderer
from bot.kit.shell.mrkdwn import emojized, readable

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=TOKYO)  # Tue 24 Nov 2026 09:00 JST
NAMES = {"U0CAROL01": "carol", "C0INCIDENT": "incidents"}


def seen(mrkdwn: str, now: dt.datetime = NOW) -> str:
    return readable(
        mrkdwn,
        user_name=NAMES.get,  # type: ignore[arg-type]
        channel_name=NAMES.get,  # type: ignore[arg-type]
        date=date_renderer(TOKYO, lambda: now),
    )


def epoch(*args: int) -> int:
    return int(dt.datetime(*args, tzinfo=TOKYO).timestamp())


@pytest.mark.parametrize(
    ("moment", "fmt", "shown"),
    [
        ((2026, 11, 24, 7, 30), "{date_short_pretty} {time}", "today 07:30"),
        ((2026, 11, 23, 19, 0), "{date_short_pretty} {time}", "yesterday 19:00"),
        ((2026, 11, 25, 0, 5), "{date_pretty} at {time}", "tomorrow at 00:05"),
        ((2026, 11, 20, 7, 30), "{date_short_pretty} {time}", "Nov 20, 2026 07:30"),
        ((2026, 11, 22, 7, 30), "{date_long_pretty}", "Sunday, November 22nd, 2026"),
        ((2026, 12, 1, 13, 45), "{date_num} {time_secs}", "2026-12-01 13:45:00"),
        ((2026, 12, 3, 8, 0), "{date}", "December 3rd, 2026"),
        ((2026, 12, 11, 8, 0), "{date_long}", "Friday, December 11th, 2026"),
        ((2026, 12, 11, 8, 0), "{date_slash}", "11/12/2026"),
        ((2026, 11, 24, 6, 0), "{ago}", "3 hours ago"),
        ((2026, 11, 26, 9, 0), "{ago}", "in 2 days"),
    ],
)
def test_date_tokens_are_read_in_the_organisations_zone(moment, fmt, shown):
    assert seen(f"due <!date^{epoch(*moment)}^{fmt}|fallback text>.") == f"due {shown}."


def test_a_date_token_is_read_at_the_moment_given():
    token = f"<!date^{epoch(2026, 11, 24, 7, 30)}^{{date_short_pretty}} {{time}}|x>"
    assert seen(token, now=dt.datetime(2026, 11, 25, 12, 0, tzinfo=TOKYO)) == "yesterday 07:30"
    # an instant given in UTC is still shown in the organisation's zone
    assert seen(token, now=dt.datetime(2026, 11, 23, 22, 31, tzinfo=dt.UTC)) == "today 07:30"


def test_a_date_token_with_a_token_slack_does_not_know_shows_its_fallback():
    assert seen(f"<!date^{epoch(2026, 11, 24, 7, 30)}^{{when}}|24 Nov &amp; later>") == (
        "24 Nov & later"
    )


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (":large_green_circle: on standby", "🟢 on standby"),  # Slack's name, not Unicode's
        (":alarm_clock: Heads-up", "⏰ Heads-up"),
        (":rotating_light::white_check_mark:", "🚨✅"),
        (":+1::skin-tone-3:", "👍🏼"),
        (":thumbsup:", "👍"),
        (":flag-jp:", "🇯🇵"),
        (":female-technologist:", "👩\u200d💻"),
        (":hourglass_flowing_sand:", "⏳"),
        (":no_such_emoji_here: stays", ":no_such_emoji_here: stays"),
        ("at 10:30:45 and 7:x:", "at 10:30:45 and 7❌"),
        ("::tada:", ":🎉"),
    ],
)
def test_emoji_shortcodes_by_slacks_names(typed, shown):
    assert emojized(typed) == shown


def test_mentions_channels_links_and_entities_read_as_in_slack():
    text = (
        "<@U0CAROL01> in <#C0INCIDENT>: see <https://wiki.example/run|the runbook> &amp; "
        "<https://x.example/a>"
    )
    assert seen(text) == (
        "@carol in #incidents: see the runbook (https://wiki.example/run) & https://x.example/a"
    )

"""The time-formatting helpers (bot/slack/timefmt.py) and the stand-in's rendering of Slack date
tokens (bot/kit/standin/display.py), across London's autumn change (Sun 25 Oct 2026, 01:00 UTC)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.kit.standin.display import date_in, shown
from bot.slack import timefmt

UTC = dt.UTC
TOKYO, LONDON, SAO_PAULO = (
    ZoneInfo("Asia/Tokyo"),
    ZoneInfo("Europe/London"),
    ZoneInfo("America/Sao_Paulo"),
)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def reader(zone: ZoneInfo, now: dt.datetime):
    return date_in(zone, now=lambda: now)


def test_written_times_name_the_zone_and_each_side_of_a_change():
    assert timefmt.wall(at(2026, 11, 23, 22, 30), TOKYO) == "Tue 24 Nov 07:30 JST"
    assert timefmt.wall(at(2018, 11, 4, 12, 0), SAO_PAULO) == "Sun 4 Nov 10:00 UTC-02"
    assert timefmt.span(at(2026, 10, 24, 23, 30), at(2026, 10, 25, 2, 0), LONDON) == (
        "Sun 25 Oct 00:30 BST–02:00 GMT"
    )
    assert timefmt.span(at(2026, 11, 6, 22, 0), at(2026, 11, 7, 2, 0), LONDON) == (
        "Fri 6 Nov 22:00–Sat 7 Nov 02:00 GMT"
    )


def test_a_token_reads_in_each_readers_zone_and_falls_back_to_the_organisations():
    token = timefmt.token_span(at(2026, 10, 24, 23, 30), at(2026, 10, 25, 2, 0), TOKYO)
    now = at(2026, 10, 24, 23, 0)
    assert shown(token, date=reader(LONDON, now)).text == "today 00:30–02:00"
    assert shown(token, date=reader(TOKYO, now)).text == "today 08:30–11:00"
    assert shown(token).text == "Sun 25 Oct 08:30–11:00 JST"
    later = at(2026, 10, 27, 12, 0)
    assert shown(token, date=reader(LONDON, later)).text == "Oct 25, 2026 00:30–02:00"


def test_the_stand_in_renders_slacks_formats_and_falls_back_on_unknown_ones():
    epoch = int(at(2026, 11, 3, 9, 5, 7).timestamp())
    render = reader(TOKYO, at(2026, 11, 3, 0, 0))
    assert render(epoch, "{date_num} {time_secs}", "x") == "2026-11-03 18:05:07"
    assert render(epoch, "{date_long}", "x") == "Tuesday, November 3rd, 2026"
    assert render(epoch, "{date} at {time}", "x") == "November 3rd, 2026 at 18:05"
    assert render(epoch, "{date_pretty}", "x") == "today"
    assert render(epoch, "{ago}", "fallback") == "fallback"


def test_written_turns_tokens_into_text_for_files():
    line = f"{timefmt.token(at(2026, 11, 23, 22, 31), UTC)} paged someone"
    assert timefmt.written(line, TOKYO) == "Tue 24 Nov 07:31 JST paged someone"
    assert timefmt.written(timefmt.token_time(at(2026, 11, 23, 22, 31), UTC), TOKYO) == "07:31"

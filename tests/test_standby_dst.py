"""Daylight saving: windows stay at their wall-clock times (rules: bot/standby/windows.py).

Transitions used (all checkable in any tz database viewer):

- Europe/London 2026: 29 Mar 01:00 GMT → 02:00 BST; 25 Oct 02:00 BST → 01:00 GMT.
- America/New_York 2026: 8 Mar 02:00 EST → 03:00 EDT; 1 Nov 02:00 EDT → 01:00 EST.
- Australia/Sydney 2026: 5 Apr 03:00 AEDT → 02:00 AEST; 4 Oct 02:00 AEST → 03:00 AEDT.
- America/Sao_Paulo 2018 (its last DST): 18 Feb 00:00 -02 → 17 Feb 23:00 -03;
  4 Nov 00:00 -03 → 01:00 -02.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import Window
from bot.standby import describe_shift, end_instant, on_standby, shifts, start_instant
from tests.test_standby_schedule import ALICE, BOB, CAROL, make_roster

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
TOKYO = ZoneInfo("Asia/Tokyo")
MANILA = ZoneInfo("Asia/Manila")
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HOUR = dt.timedelta(hours=1)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def daily(zone: ZoneInfo, start: str, end: str, **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "timezone": zone.key,
        "rotation_start": dt.date(2017, 1, 2),
        "skip_dates": [],
        "windows": [Window(days=EVERY_DAY, start=start, end=end)],
    }
    return make_roster(**(fields | changes))


def shift_on(roster: Any, zone: ZoneInfo, day: dt.date) -> Any:
    """The shift of the window that starts on local ``day``."""
    noon = dt.datetime.combine(day, dt.time(12), zone)
    found = [s for s in shifts(roster, zone, noon - 2 * 24 * HOUR, noon + 2 * 24 * HOUR)]
    matching = [s for s in found if s.local_date == day]
    assert len(matching) == 1, found
    return matching[0]


@pytest.mark.parametrize(
    ("zone", "day", "start", "end", "starts_at", "ends_at"),
    [
        # A start in the repeated hour is its first occurrence; an end there its last.
        (LONDON, dt.date(2026, 10, 25), "01:30", "03:00", utc(2026, 10, 25, 0, 30),
         utc(2026, 10, 25, 3, 0)),
        (LONDON, dt.date(2026, 10, 25), "00:30", "01:30", utc(2026, 10, 24, 23, 30),
         utc(2026, 10, 25, 1, 30)),
        (NEW_YORK, dt.date(2026, 11, 1), "01:30", "02:30", utc(2026, 11, 1, 5, 30),
         utc(2026, 11, 1, 7, 30)),
        (NEW_YORK, dt.date(2026, 11, 1), "01:15", "01:45", utc(2026, 11, 1, 5, 15),
         utc(2026, 11, 1, 6, 45)),
        (SYDNEY, dt.date(2026, 4, 5), "02:30", "04:00", utc(2026, 4, 4, 15, 30),
         utc(2026, 4, 4, 18, 0)),
        # A time in the spring-forward gap moves to the transition instant.
        (LONDON, dt.date(2026, 3, 29), "01:30", "03:00", utc(2026, 3, 29, 1, 0),
         utc(2026, 3, 29, 2, 0)),
        (NEW_YORK, dt.date(2026, 3, 8), "02:30", "04:00", utc(2026, 3, 8, 7, 0),
         utc(2026, 3, 8, 8, 0)),
        (NEW_YORK, dt.date(2026, 3, 8), "00:00", "02:30", utc(2026, 3, 8, 5, 0),
         utc(2026, 3, 8, 7, 0)),
        (SYDNEY, dt.date(2026, 10, 4), "02:30", "04:00", utc(2026, 10, 3, 16, 0),
         utc(2026, 10, 3, 17, 0)),
        (SAO_PAULO, dt.date(2018, 11, 4), "00:00", "02:00", utc(2018, 11, 4, 3, 0),
         utc(2018, 11, 4, 4, 0)),
        # Windows past midnight on a DST night have the real length of the night.
        (LONDON, dt.date(2026, 10, 24), "22:00", "06:00", utc(2026, 10, 24, 21, 0),
         utc(2026, 10, 25, 6, 0)),
        (LONDON, dt.date(2026, 3, 28), "22:00", "06:00", utc(2026, 3, 28, 22, 0),
         utc(2026, 3, 29, 5, 0)),
        (NEW_YORK, dt.date(2026, 10, 31), "22:00", "06:00", utc(2026, 11, 1, 2, 0),
         utc(2026, 11, 1, 11, 0)),
        (NEW_YORK, dt.date(2026, 3, 7), "22:00", "06:00", utc(2026, 3, 8, 3, 0),
         utc(2026, 3, 8, 10, 0)),
        (SAO_PAULO, dt.date(2018, 2, 17), "23:30", "01:00", utc(2018, 2, 18, 1, 30),
         utc(2018, 2, 18, 4, 0)),
        (SAO_PAULO, dt.date(2018, 11, 3), "22:00", "00:30", utc(2018, 11, 4, 1, 0),
         utc(2018, 11, 4, 3, 0)),
    ],
)  # fmt: skip
def test_window_on_a_dst_night(
    zone: ZoneInfo,
    day: dt.date,
    start: str,
    end: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
) -> None:
    shift = shift_on(daily(zone, start, end), zone, day)
    assert (shift.starts_at, shift.ends_at) == (starts_at, ends_at)
    assert shift.key.endswith(f":{day.isoformat()}:{start.replace(':', '')}")
    middle = starts_at + (ends_at - starts_at) / 2
    assert on_standby(daily(zone, start, end), zone, middle) == shift


def test_the_new_york_spring_forward_start_reads_as_three_oclock() -> None:
    shift = shift_on(daily(NEW_YORK, "02:30", "04:00"), NEW_YORK, dt.date(2026, 3, 8))
    assert describe_shift(shift, NEW_YORK) == "Sun 8 Mar 03:00–04:00 EDT"
    assert start_instant(dt.date(2026, 3, 8), dt.time(2, 30), NEW_YORK) == utc(2026, 3, 8, 7)
    assert end_instant(dt.date(2026, 3, 8), dt.time(2, 30), NEW_YORK) == utc(2026, 3, 8, 7)


def test_a_fall_back_shift_reads_with_both_zones() -> None:
    shift = shift_on(daily(NEW_YORK, "01:30", "02:30"), NEW_YORK, dt.date(2026, 11, 1))
    assert describe_shift(shift, NEW_YORK) == "Sun 1 Nov 01:30 EDT–02:30 EST"
    assert shift.ends_at - shift.starts_at == 2 * HOUR


def test_the_repeated_hour_is_covered_both_times() -> None:
    roster = daily(NEW_YORK, "01:00", "02:00")
    first_pass = dt.datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK)
    second_pass = dt.datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK)
    assert second_pass - first_pass == dt.timedelta(0)  # same wall time, so compare in UTC:
    assert second_pass.astimezone(dt.UTC) - first_pass.astimezone(dt.UTC) == HOUR
    one = on_standby(roster, NEW_YORK, first_pass)
    other = on_standby(roster, NEW_YORK, second_pass)
    assert one is not None and one == other
    assert one.ends_at - one.starts_at == 2 * HOUR


def test_windows_meeting_inside_the_repeated_hour_do_not_overlap() -> None:
    roster = daily(
        NEW_YORK,
        "00:00",
        "01:30",
        windows=[
            Window(days=["sun"], start="00:00", end="01:30"),
            Window(days=["sun"], start="01:30", end="03:00"),
        ],
    )
    sunday = dt.datetime(2026, 11, 1, tzinfo=NEW_YORK)
    first, second = shifts(roster, NEW_YORK, sunday, sunday + 24 * HOUR)
    assert (first.starts_at, first.ends_at) == (utc(2026, 11, 1, 4), utc(2026, 11, 1, 5, 30))
    assert (second.starts_at, second.ends_at) == (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 8))
    assert on_standby(roster, NEW_YORK, utc(2026, 11, 1, 6)) == second


def test_a_dst_night_uses_exactly_one_turn() -> None:
    roster = daily(LONDON, "22:00", "06:00", rotation_start=dt.date(2026, 10, 23))
    friday = dt.datetime(2026, 10, 23, 12, tzinfo=LONDON)
    found = shifts(roster, LONDON, friday, friday + 4 * 24 * HOUR)
    assert [(s.local_date.day, s.turn, s.primary) for s in found] == [
        (23, 0, ALICE),
        (24, 1, BOB),  # 9 hours long
        (25, 2, CAROL),
        (26, 3, ALICE),
    ]


def test_a_window_wholly_inside_the_gap_does_not_take_place_nor_use_a_turn() -> None:
    members = [ALICE, BOB]
    for rotation in ("window", "day"):
        roster = daily(
            SAO_PAULO, "00:00", "00:45", members=members, rotation=rotation,
            rotation_start=dt.date(2018, 11, 1),
        )  # fmt: skip
        start = dt.datetime(2018, 11, 1, tzinfo=SAO_PAULO)
        found = shifts(roster, SAO_PAULO, start, start + 6 * 24 * HOUR)
        assert [(s.local_date.day, s.primary) for s in found] == [
            (1, ALICE), (2, BOB), (3, ALICE), (5, BOB), (6, ALICE),
        ]  # fmt: skip
        assert on_standby(roster, SAO_PAULO, utc(2018, 11, 4, 3, 0)) is None
        # Counted arithmetically from far away, the gap is still left out.
        far = dt.datetime(2019, 3, 1, 0, 10, tzinfo=SAO_PAULO)
        shift = on_standby(roster, SAO_PAULO, far)
        assert shift is not None
        assert shift.turn == (dt.date(2019, 3, 1) - dt.date(2018, 11, 1)).days - 1


def test_a_week_whose_only_window_falls_in_the_gap_uses_no_turn() -> None:
    roster = make_roster(
        timezone="America/New_York",
        rotation="week",
        rotation_start=dt.date(2026, 3, 2),
        skip_dates=[],
        windows=[Window(days=["sun"], start="02:00", end="02:45")],
    )
    start = dt.datetime(2026, 3, 2, tzinfo=NEW_YORK)
    found = shifts(roster, NEW_YORK, start, start + 21 * 24 * HOUR)
    # Week of 2 Mar: Sunday 8 Mar 02:00–02:45 does not exist, so that week has no standby.
    assert [(s.local_date, s.primary) for s in found] == [
        (dt.date(2026, 3, 15), ALICE),
        (dt.date(2026, 3, 22), BOB),
    ]


@pytest.mark.parametrize(("zone", "offset"), [(TOKYO, 9), (MANILA, 8)])
def test_zones_without_dst_keep_a_constant_offset(zone: ZoneInfo, offset: int) -> None:
    roster = daily(zone, "02:30", "04:00", rotation_start=dt.date(2026, 1, 1))
    start = dt.datetime(2026, 1, 1, tzinfo=zone)
    found = shifts(roster, zone, start, start + 365 * 24 * HOUR)
    assert len(found) == 365
    for shift in found:
        local = shift.starts_at.astimezone(zone)
        assert (local.hour, local.minute) == (2, 30)
        assert shift.ends_at - shift.starts_at == 1.5 * HOUR
        assert shift.starts_at.utcoffset() == dt.timedelta(0)
    first = found[0]
    assert first.starts_at == utc(2026, 1, 1, 2, 30) - offset * HOUR

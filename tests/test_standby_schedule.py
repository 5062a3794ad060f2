"""Who is on standby: examples a reader can check by hand.

The example roster is the one in the product contract: Alice, Bob and Carol take turns at the
weekday windows 07:30–09:30 and 19:00–22:00 in Tokyo from Monday 2 November 2026, one turn per
window, with 31 December 2026 skipped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import Roster, Window
from bot.standby import (
    Origin,
    Override,
    Swap,
    describe_origin,
    describe_shift,
    format_span,
    next_shift,
    occurrence_key,
    on_standby,
    overlapping_windows,
    parse_occurrence_key,
    shifts,
)

ALICE, BOB, CAROL, DAVE = "U0ALICE01", "U0BOB0001", "U0CAROL01", "U0DAVE001"
ADMIN = "U0ADMIN01"
TOKYO = ZoneInfo("Asia/Tokyo")
LONDON = ZoneInfo("Europe/London")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def make_roster(**changes: Any) -> Roster:
    """The contract's example roster, with ``changes`` applied."""
    fields: dict[str, Any] = {
        "id": "platform",
        "name": "Platform standby",
        "channel": "C0STANDBY1",
        "timezone": "Asia/Tokyo",
        "members": [ALICE, BOB, CAROL],
        "per_window": 1,
        "rotation": "window",
        "rotation_start": dt.date(2026, 11, 2),
        "skip_dates": [dt.date(2026, 12, 31)],
        "windows": [
            Window(days=WEEKDAYS, start="07:30", end="09:30"),
            Window(days=WEEKDAYS, start="19:00", end="22:00"),
        ],
    }
    fields.update(changes)
    return Roster(**fields)


def tokyo(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TOKYO)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def on_duty(roster: Roster, at: dt.datetime, **kwargs: Any) -> str | None:
    shift = on_standby(roster, TOKYO, at, **kwargs)
    return None if shift is None else shift.primary


def primaries(roster: Roster, start: dt.datetime, end: dt.datetime) -> list[tuple[str, str]]:
    return [(s.key, s.primary) for s in shifts(roster, TOKYO, start, end)]


# -- the rotation -------------------------------------------------------------------------------


def test_the_first_windows_go_round_the_members_in_order() -> None:
    assert primaries(make_roster(), tokyo(2026, 11, 2), tokyo(2026, 11, 4)) == [
        ("platform:2026-11-02:0730", ALICE),
        ("platform:2026-11-02:1900", BOB),
        ("platform:2026-11-03:0730", CAROL),
        ("platform:2026-11-03:1900", ALICE),
    ]


def test_a_shift_carries_its_key_times_and_turn() -> None:
    shift = on_standby(make_roster(), TOKYO, tokyo(2026, 11, 24, 8, 0))
    assert shift is not None
    assert shift.key == "platform:2026-11-24:0730"
    assert shift.roster_id == "platform"
    assert shift.local_date == dt.date(2026, 11, 24)
    assert shift.starts_at == utc(2026, 11, 23, 22, 30)
    assert shift.starts_at.tzinfo is dt.UTC
    assert shift.ends_at == utc(2026, 11, 24, 0, 30)
    # 16 weekdays from 2 Nov to 24 Nov, two windows each: turn 32, and 32 % 3 = 2.
    assert shift.turn == 32
    assert shift.primary == CAROL
    assert shift.secondary is None
    assert shift.primary_origin == Origin("rotation")
    assert shift.secondary_origin is None
    assert (shift.window_index, shift.is_piece) == (0, False)


def test_on_standby_inside_at_the_edges_and_outside_windows() -> None:
    roster = make_roster()
    assert on_duty(roster, tokyo(2026, 11, 2, 7, 29, 59)) is None
    assert on_duty(roster, tokyo(2026, 11, 2, 7, 30)) == ALICE
    assert on_duty(roster, tokyo(2026, 11, 2, 9, 29, 59)) == ALICE
    assert on_duty(roster, tokyo(2026, 11, 2, 9, 30)) is None  # the end is not in the window
    assert on_duty(roster, tokyo(2026, 11, 2, 12, 0)) is None
    assert on_duty(roster, tokyo(2026, 11, 2, 21, 0)) == BOB
    assert on_duty(roster, tokyo(2026, 11, 7, 8, 0)) is None  # Saturday: no windows


def test_before_rotation_start_nobody_is_on_standby() -> None:
    roster = make_roster()
    assert on_duty(roster, tokyo(2026, 10, 30, 8, 0)) is None  # the Friday before
    assert shifts(roster, TOKYO, tokyo(2026, 10, 26), tokyo(2026, 11, 2)) == []


def test_the_weekend_does_not_use_up_turns() -> None:
    # Mon 2 – Fri 6 Nov is ten windows (turns 0–9); Monday 9 Nov 07:30 is turn 10 = Bob.
    assert on_duty(make_roster(), tokyo(2026, 11, 9, 8, 0)) == BOB


def test_a_skip_date_has_nobody_and_its_turn_goes_to_the_next_occurrence() -> None:
    roster = make_roster()
    unskipped = make_roster(skip_dates=[])
    # From 2 Nov to 31 Dec there are 43 weekdays, 86 windows: 31 Dec 07:30 would be turn 86,
    # 86 % 3 = 2, Carol. Without the skip, Carol serves it and Bob gets 1 Jan 07:30 (turn 88).
    assert on_duty(unskipped, tokyo(2026, 12, 31, 8, 0)) == CAROL
    assert on_duty(unskipped, tokyo(2027, 1, 1, 8, 0)) == BOB
    # With it, nobody is on standby on the 31st and Carol gets the next window instead.
    assert on_duty(roster, tokyo(2026, 12, 31, 8, 0)) is None
    assert on_duty(roster, tokyo(2026, 12, 31, 20, 0)) is None
    assert shifts(roster, TOKYO, tokyo(2026, 12, 31), tokyo(2027, 1, 1)) == []
    first_of_january = on_standby(roster, TOKYO, tokyo(2027, 1, 1, 8, 0))
    assert first_of_january is not None
    assert (first_of_january.turn, first_of_january.primary) == (86, CAROL)


def test_a_turn_far_in_the_future_is_counted_without_walking_the_days() -> None:
    roster = make_roster(skip_dates=[dt.date(2026, 12, 31), dt.date(2030, 5, 6)])
    shift = on_standby(roster, TOKYO, tokyo(2036, 11, 3, 8, 0))
    assert shift is not None
    # Mon 2 Nov 2026 to Mon 3 Nov 2036 is 3654 days = 522 whole weeks: 2610 weekdays, less
    # the two skipped weekdays, two windows each.
    assert shift.turn == (2610 - 2) * 2
    walked = shifts(roster, TOKYO, tokyo(2026, 11, 2), tokyo(2036, 11, 3, 8, 0))
    assert walked[-1] == shift
    assert len(walked) == shift.turn + 1


def test_per_window_two_adds_the_next_member_as_secondary() -> None:
    roster = make_roster(per_window=2)
    found = shifts(roster, TOKYO, tokyo(2026, 11, 2), tokyo(2026, 11, 3, 12, 0))
    assert [(s.primary, s.secondary) for s in found] == [
        (ALICE, BOB),
        (BOB, CAROL),
        (CAROL, ALICE),
    ]
    assert found[0].people == (ALICE, BOB)
    assert found[0].secondary_origin == Origin("rotation")


def test_day_rotation_gives_every_window_of_a_date_to_one_member() -> None:
    roster = make_roster(rotation="day")
    found = shifts(roster, TOKYO, tokyo(2026, 11, 2), tokyo(2026, 11, 10))
    by_date = [(s.local_date.day, s.primary) for s in found]
    assert by_date == [
        (2, ALICE), (2, ALICE), (3, BOB), (3, BOB), (4, CAROL), (4, CAROL),
        (5, ALICE), (5, ALICE), (6, BOB), (6, BOB),
        (9, CAROL), (9, CAROL),  # the weekend has no windows and uses no turns
    ]  # fmt: skip


def test_day_rotation_skips_a_holiday_without_using_its_turn() -> None:
    roster = make_roster(rotation="day", skip_dates=[dt.date(2026, 11, 3)])
    assert on_duty(roster, tokyo(2026, 11, 2, 8, 0)) == ALICE
    assert on_duty(roster, tokyo(2026, 11, 3, 8, 0)) is None
    assert on_duty(roster, tokyo(2026, 11, 4, 8, 0)) == BOB


def test_week_rotation_gives_each_week_to_one_member() -> None:
    roster = make_roster(rotation="week")
    assert on_duty(roster, tokyo(2026, 11, 2, 8, 0)) == ALICE
    assert on_duty(roster, tokyo(2026, 11, 6, 20, 0)) == ALICE
    assert on_duty(roster, tokyo(2026, 11, 9, 8, 0)) == BOB
    assert on_duty(roster, tokyo(2026, 11, 16, 8, 0)) == CAROL
    assert on_duty(roster, tokyo(2026, 11, 23, 8, 0)) == ALICE


def test_week_rotation_a_wholly_skipped_week_uses_no_turn() -> None:
    skipped_week = [dt.date(2026, 11, 9) + dt.timedelta(days=i) for i in range(5)]
    roster = make_roster(rotation="week", skip_dates=skipped_week)
    assert shifts(roster, TOKYO, tokyo(2026, 11, 9), tokyo(2026, 11, 16)) == []
    assert on_duty(roster, tokyo(2026, 11, 16, 8, 0)) == BOB
    # A week with one skipped date still has occurrences, and still takes a turn.
    roster = make_roster(rotation="week", skip_dates=[dt.date(2026, 11, 9)])
    assert on_duty(roster, tokyo(2026, 11, 16, 8, 0)) == CAROL


def test_week_rotation_starting_mid_week() -> None:
    roster = make_roster(rotation="week", rotation_start=dt.date(2026, 11, 4))
    assert on_duty(roster, tokyo(2026, 11, 3, 8, 0)) is None
    assert on_duty(roster, tokyo(2026, 11, 4, 8, 0)) == ALICE
    assert on_duty(roster, tokyo(2026, 11, 9, 8, 0)) == BOB
    # Starting on a Saturday: the first week has no occurrences and takes no turn.
    roster = make_roster(rotation="week", rotation_start=dt.date(2026, 11, 7))
    assert on_duty(roster, tokyo(2026, 11, 9, 8, 0)) == ALICE


# -- windows past midnight ----------------------------------------------------------------------


def night_roster(**changes: Any) -> Roster:
    fields: dict[str, Any] = {
        "id": "mobile",
        "timezone": "Europe/London",
        "members": [ALICE, BOB],
        "skip_dates": [],
        "windows": [Window(days=["fri", "sat"], start="22:00", end="02:00")],
    }
    return make_roster(**(fields | changes))


def test_a_window_past_midnight_belongs_to_the_date_it_starts_on() -> None:
    roster = night_roster()
    saturday_1am = dt.datetime(2026, 11, 7, 1, 0, tzinfo=LONDON)
    shift = on_standby(roster, LONDON, saturday_1am)
    assert shift is not None
    assert shift.key == "mobile:2026-11-06:2200"
    assert shift.local_date == dt.date(2026, 11, 6)
    assert (shift.starts_at, shift.ends_at) == (utc(2026, 11, 6, 22), utc(2026, 11, 7, 2))
    assert shift.primary == ALICE
    later = on_standby(roster, LONDON, dt.datetime(2026, 11, 8, 1, 59, tzinfo=LONDON))
    assert later is not None
    assert (later.key, later.primary) == ("mobile:2026-11-07:2200", BOB)
    assert on_standby(roster, LONDON, dt.datetime(2026, 11, 8, 2, 0, tzinfo=LONDON)) is None


def test_skipping_the_date_a_night_window_ends_on_keeps_the_window() -> None:
    roster = night_roster(skip_dates=[dt.date(2026, 11, 7)])
    friday_night = on_standby(roster, LONDON, dt.datetime(2026, 11, 7, 1, 0, tzinfo=LONDON))
    assert friday_night is not None and friday_night.primary == ALICE
    assert on_standby(roster, LONDON, dt.datetime(2026, 11, 7, 23, 0, tzinfo=LONDON)) is None
    next_friday = on_standby(roster, LONDON, dt.datetime(2026, 11, 13, 23, 0, tzinfo=LONDON))
    assert next_friday is not None and next_friday.primary == BOB


def test_sunday_night_window_reaches_into_monday() -> None:
    roster = make_roster(windows=[Window(days=["sun"], start="23:00", end="01:00")])
    assert on_duty(roster, tokyo(2026, 11, 9, 0, 30)) == ALICE  # Monday 00:30
    shift = on_standby(roster, TOKYO, tokyo(2026, 11, 9, 0, 30))
    assert shift is not None and shift.local_date == dt.date(2026, 11, 8)


# -- overrides and swaps ------------------------------------------------------------------------


def cover(user: str, start: dt.datetime, end: dt.datetime, **kwargs: Any) -> Override:
    return Override("platform", user, start, end, created_by=ADMIN, **kwargs)


def test_an_override_splits_the_shift_at_its_edges() -> None:
    roster = make_roster()
    override = cover(DAVE, tokyo(2026, 11, 2, 8, 0), tokyo(2026, 11, 2, 9, 0))
    found = shifts(roster, TOKYO, tokyo(2026, 11, 2), tokyo(2026, 11, 2, 12), [override])
    assert [(s.starts_at.astimezone(TOKYO).strftime("%H:%M"), s.primary) for s in found] == [
        ("07:30", ALICE),
        ("08:00", DAVE),
        ("09:00", ALICE),
    ]
    assert {s.key for s in found} == {"platform:2026-11-02:0730"}
    assert {s.turn for s in found} == {0}
    assert all(s.is_piece for s in found)
    assert found[0].ends_at == found[1].starts_at and found[1].ends_at == found[2].starts_at
    assert found[1].primary_origin == Origin("override", covering_for=ALICE, arranged_by=ADMIN)
    assert describe_origin(found[1].primary_origin) == (
        f"covering for <@{ALICE}> (override by <@{ADMIN}>)"
    )
    assert found[0].primary_origin == Origin("rotation")
    assert on_duty(roster, tokyo(2026, 11, 2, 8, 30), overrides=[override]) == DAVE
    assert on_duty(roster, tokyo(2026, 11, 2, 9, 0), overrides=[override]) == ALICE


def test_an_override_over_several_windows_covers_each_but_adds_no_standby() -> None:
    roster = make_roster()
    override = cover(DAVE, tokyo(2026, 11, 2, 0, 0), tokyo(2026, 11, 3, 0, 0))
    found = shifts(roster, TOKYO, tokyo(2026, 11, 2), tokyo(2026, 11, 3), [override])
    assert [(s.key, s.primary, s.is_piece) for s in found] == [
        ("platform:2026-11-02:0730", DAVE, False),
        ("platform:2026-11-02:1900", DAVE, False),
    ]
    assert found[1].primary_origin.covering_for == BOB
    assert on_duty(roster, tokyo(2026, 11, 2, 12, 0), overrides=[override]) is None


def test_overrides_of_other_rosters_and_for_the_person_already_on_change_nothing() -> None:
    roster = make_roster()
    window = (tokyo(2026, 11, 2, 7, 0), tokyo(2026, 11, 2, 10, 0))
    other = Override("mobile", DAVE, *window, created_by=ADMIN)
    same = cover(ALICE, *window)
    plain = shifts(roster, TOKYO, *window)
    assert shifts(roster, TOKYO, *window, overrides=[other, same]) == plain


def test_the_later_of_two_overlapping_overrides_wins() -> None:
    roster = make_roster()
    first = cover(DAVE, tokyo(2026, 11, 2, 7, 30), tokyo(2026, 11, 2, 9, 30))
    second = cover(CAROL, tokyo(2026, 11, 2, 8, 30), tokyo(2026, 11, 2, 9, 30))
    found = shifts(roster, TOKYO, tokyo(2026, 11, 2), tokyo(2026, 11, 2, 12), [first, second])
    assert [s.primary for s in found] == [DAVE, CAROL]
    assert found[1].primary_origin.covering_for == ALICE


def test_a_secondary_override_replaces_only_the_secondary() -> None:
    roster = make_roster(per_window=2)
    override = cover(DAVE, tokyo(2026, 11, 2), tokyo(2026, 11, 3), role="secondary")
    shift = on_standby(roster, TOKYO, tokyo(2026, 11, 2, 8, 0), overrides=[override])
    assert shift is not None
    assert (shift.primary, shift.secondary) == (ALICE, DAVE)
    assert shift.secondary_origin == Origin("override", BOB, ADMIN)
    # A roster without a secondary has nothing for it to replace.
    alone = on_standby(make_roster(), TOKYO, tokyo(2026, 11, 2, 8, 0), overrides=[override])
    assert alone is not None and (alone.primary, alone.secondary) == (ALICE, None)


def test_overrides_must_be_aware_and_end_after_they_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Override("platform", DAVE, dt.datetime(2026, 11, 2), tokyo(2026, 11, 3), ADMIN)
    with pytest.raises(ValueError, match="end after"):
        cover(DAVE, tokyo(2026, 11, 3), tokyo(2026, 11, 3))
    with pytest.raises(ValueError, match="role"):
        cover(DAVE, tokyo(2026, 11, 2), tokyo(2026, 11, 3), role="lead")  # type: ignore[arg-type]


MONDAY_MORNING, MONDAY_EVENING = "platform:2026-11-02:0730", "platform:2026-11-02:1900"


def test_a_swap_exchanges_two_people_between_two_shifts() -> None:
    roster = make_roster()
    swap = Swap("platform", MONDAY_MORNING, ALICE, MONDAY_EVENING, BOB, created_by=ALICE)
    found = shifts(roster, TOKYO, tokyo(2026, 11, 2), tokyo(2026, 11, 3), swaps=[swap])
    assert [(s.key, s.primary) for s in found] == [(MONDAY_MORNING, BOB), (MONDAY_EVENING, ALICE)]
    assert found[0].primary_origin == Origin("swap", covering_for=ALICE, arranged_by=ALICE)
    assert describe_origin(found[0].primary_origin, name=lambda u: u) == (
        f"covering for {ALICE} (swap by {ALICE})"
    )
    assert found[0].turn == 0  # the rotation's turn is unchanged
    assert on_duty(roster, tokyo(2026, 11, 2, 20, 0), swaps=[swap]) == ALICE


def test_a_swap_moves_whichever_role_the_person_holds() -> None:
    roster = make_roster(per_window=2)  # Monday morning: Alice + Bob; evening: Bob + Carol
    swap = Swap("platform", MONDAY_MORNING, BOB, MONDAY_EVENING, CAROL, created_by=BOB)
    found = shifts(roster, TOKYO, tokyo(2026, 11, 2), tokyo(2026, 11, 3), swaps=[swap])
    assert [(s.primary, s.secondary) for s in found] == [(ALICE, CAROL), (BOB, BOB)]


def test_a_stale_swap_side_changes_nothing() -> None:
    roster = make_roster()
    # Carol is not on Monday morning (Alice is), so only the evening side applies.
    swap = Swap("platform", MONDAY_MORNING, CAROL, MONDAY_EVENING, BOB, created_by=CAROL)
    found = shifts(roster, TOKYO, tokyo(2026, 11, 2), tokyo(2026, 11, 3), swaps=[swap])
    assert [s.primary for s in found] == [ALICE, CAROL]


def test_an_override_beats_a_swap_which_beats_the_rotation() -> None:
    roster = make_roster()
    swap = Swap("platform", MONDAY_MORNING, ALICE, MONDAY_EVENING, BOB, created_by=ALICE)
    override = cover(DAVE, tokyo(2026, 11, 2, 9, 0), tokyo(2026, 11, 2, 9, 30))
    found = shifts(roster, TOKYO, tokyo(2026, 11, 2), tokyo(2026, 11, 2, 12), [override], [swap])
    assert [(s.primary, s.primary_origin) for s in found] == [
        (BOB, Origin("swap", ALICE, ALICE)),
        (DAVE, Origin("override", BOB, ADMIN)),
    ]


# -- next shift, keys, descriptions, validation -------------------------------------------------


def test_next_shift_is_the_first_to_start_after_the_instant() -> None:
    roster = make_roster()
    friday_evening = tokyo(2026, 11, 6, 20, 0)
    following = next_shift(roster, TOKYO, friday_evening)
    assert following is not None
    assert following.key == "platform:2026-11-09:0730"
    before_start = next_shift(roster, TOKYO, tokyo(2026, 1, 1))
    assert before_start is not None and before_start.key == "platform:2026-11-02:0730"
    assert next_shift(make_roster(members=[ALICE]), TOKYO, tokyo(2026, 11, 2, 7, 30)) is not None


def test_occurrence_keys_round_trip() -> None:
    key = occurrence_key("platform", dt.date(2026, 11, 24), dt.time(7, 30))
    assert key == "platform:2026-11-24:0730"
    assert parse_occurrence_key(key) == ("platform", dt.date(2026, 11, 24), dt.time(7, 30))
    with pytest.raises(ValueError):
        parse_occurrence_key("platform:2026-11-24")


def test_describe_shift_in_the_roster_zone_and_the_askers() -> None:
    shift = on_standby(make_roster(), TOKYO, tokyo(2026, 11, 24, 8, 0))
    assert shift is not None
    assert describe_shift(shift, TOKYO) == "Tue 24 Nov 07:30–09:30 JST"
    assert describe_shift(shift, LONDON) == "Mon 23 Nov 22:30–Tue 24 Nov 00:30 GMT"
    sao_paulo = ZoneInfo("America/Sao_Paulo")
    assert describe_shift(shift, sao_paulo) == "Mon 23 Nov 19:30–21:30 UTC-03"


def test_format_span_names_both_zones_when_daylight_saving_changes_inside() -> None:
    start = dt.datetime(2026, 10, 25, 0, 30, tzinfo=LONDON)
    end = dt.datetime(2026, 10, 25, 2, 0, tzinfo=LONDON)
    assert format_span(start, end, LONDON) == "Sun 25 Oct 00:30 BST–02:00 GMT"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        on_standby(make_roster(), TOKYO, dt.datetime(2026, 11, 2, 8, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        shifts(make_roster(), TOKYO, dt.datetime(2026, 11, 2), tokyo(2026, 11, 3))


def test_overlapping_windows_are_found_and_refused() -> None:
    assert overlapping_windows(make_roster().windows) == []
    night_into_monday = [
        Window(days=["mon"], start="07:00", end="09:00"),
        Window(days=["sun"], start="23:00", end="07:30"),
    ]
    assert overlapping_windows(night_into_monday) == [(0, 1)]
    touching = [
        Window(days=["mon"], start="07:00", end="09:00"),
        Window(days=["mon"], start="09:00", end="10:00"),
    ]
    assert overlapping_windows(touching) == []
    with pytest.raises(ValueError, match="overlap"):  # the configuration refuses it
        make_roster(windows=night_into_monday)

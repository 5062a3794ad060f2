"""Property-based tests of the standby schedule over random rosters, zones and instants.

The reference model walks every date from ``rotation_start`` one by one, the slow and obvious
way; the library counts turns arithmetically. They must agree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from itertools import pairwise
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.config import Roster, Window
from bot.standby import (
    Override,
    Swap,
    end_instant,
    on_standby,
    overlapping_windows,
    shifts,
    start_instant,
)

pytestmark = pytest.mark.slow  # property tests

ZONES = [
    ZoneInfo(name)
    for name in (
        "Europe/London",
        "America/New_York",
        "Australia/Sydney",
        "America/Sao_Paulo",
        "Asia/Tokyo",
        "Asia/Manila",
    )
]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MEMBERS = ["U0ALICE01", "U0BOB0001", "U0CAROL01", "U0DAVE001", "U0ERIN001"]
DAY = dt.timedelta(days=1)
TWO_YEARS = 2 * 365 * DAY
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)

# Times on the quarter hour, and often in the small hours where the DST changes are.
times = st.one_of(
    st.builds(dt.time, st.integers(0, 3), st.sampled_from([0, 15, 30, 45])),
    st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
)
windows = (
    st.tuples(
        st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True), times, times
    )
    .filter(lambda w: w[1] != w[2])
    .map(lambda w: Window(days=w[0], start=w[1], end=w[2]))
)


@st.composite
def meeting_windows(draw: st.DrawFn) -> list[Window]:
    """Two windows where one ends as the next starts, often inside a repeated hour."""
    days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True))
    first, meeting, last = draw(st.tuples(times, times, times))
    assume(first != meeting != last)
    return [
        Window(days=days, start=first, end=meeting),
        Window(days=days, start=meeting, end=last),
    ]


@st.composite
def rosters(draw: st.DrawFn, rotation: str | None = None, per_window: int | None = None) -> Roster:
    chosen = draw(st.one_of(st.lists(windows, min_size=1, max_size=3), meeting_windows()))
    assume(not overlapping_windows(chosen))
    members = MEMBERS[: draw(st.integers(1, len(MEMBERS)))]
    start = draw(st.dates(dt.date(2017, 1, 1), dt.date(2026, 12, 31)))
    skips = draw(st.lists(st.dates(start - 10 * DAY, start + 800 * DAY), max_size=12))
    return Roster(
        id="r1",
        name="Random roster",
        channel="C0STANDBY1",
        members=members,
        per_window=per_window or draw(st.integers(1, min(2, len(members)))),
        rotation=rotation or draw(st.sampled_from(["window", "day", "week"])),
        rotation_start=start,
        skip_dates=skips,
        windows=chosen,
    )


def instant_after(draw: st.DrawFn, roster: Roster, zone: ZoneInfo) -> dt.datetime:
    """An instant from a week before ``rotation_start`` to two years after it."""
    origin = dt.datetime.combine(roster.rotation_start, dt.time(0), zone) - 7 * DAY
    seconds = draw(st.integers(0, int(TWO_YEARS.total_seconds())))
    return (origin + dt.timedelta(seconds=seconds)).astimezone(dt.UTC)


class Expected(NamedTuple):
    local_date: dt.date
    window_index: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    turn: int
    primary: str
    secondary: str | None


def reference_shifts(roster: Roster, zone: ZoneInfo, until: dt.date) -> list[Expected]:
    """Every shift from ``rotation_start`` to the local date ``until``, one date at a time."""
    placed: list[tuple[dt.date, int, dt.datetime, dt.datetime]] = []
    day = roster.rotation_start
    while day <= until + 3 * DAY:  # a little further, for the last shift's clipping
        if day not in roster.skip_dates:
            todays = [
                (window.start, index, window)
                for index, window in enumerate(roster.windows)
                if WEEKDAYS[day.weekday()] in window.days
            ]
            for _, index, window in sorted(todays):
                end_day = day + DAY if window.end < window.start else day
                starts_at = start_instant(day, window.start, zone)
                ends_at = end_instant(end_day, window.end, zone)
                if starts_at < ends_at:
                    placed.append((day, index, starts_at, ends_at))
        day += DAY
    expected: list[Expected] = []
    turn, unit = -1, None
    count = len(roster.members)
    for position, (day, index, starts_at, ends_at) in enumerate(placed):
        if position + 1 < len(placed):  # an occurrence ends before the next one starts
            ends_at = min(ends_at, placed[position + 1][2])
        this_unit = {"window": position, "day": day, "week": day.isocalendar()[:2]}
        if this_unit[roster.rotation] != unit:
            turn, unit = turn + 1, this_unit[roster.rotation]
        secondary = roster.members[(turn + 1) % count] if roster.per_window == 2 else None
        expected.append(
            Expected(day, index, starts_at, ends_at, turn, roster.members[turn % count], secondary)
        )
    return [item for item in expected if item.local_date <= until]


@st.composite
def scenarios(draw: st.DrawFn, **roster_kwargs: str | int) -> tuple[Roster, ZoneInfo]:
    return draw(rosters(**roster_kwargs)), draw(st.sampled_from(ZONES))  # type: ignore[arg-type]


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_shifts_agree_with_walking_every_date(
    scenario: tuple[Roster, ZoneInfo], data: st.DataObject
) -> None:
    roster, zone = scenario
    start = instant_after(data.draw, roster, zone)
    end = start + 40 * DAY
    found = shifts(roster, zone, start, end)
    expected = [
        item
        for item in reference_shifts(roster, zone, end.astimezone(zone).date())
        if item.starts_at < end and start < item.ends_at
    ]
    assert [
        Expected(
            s.local_date, s.window_index, s.starts_at, s.ends_at, s.turn, s.primary, s.secondary
        )
        for s in found
    ] == expected


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_shifts_never_overlap_and_skip_dates_have_none(
    scenario: tuple[Roster, ZoneInfo], data: st.DataObject
) -> None:
    roster, zone = scenario
    start = instant_after(data.draw, roster, zone)
    found = shifts(roster, zone, start, start + 120 * DAY)
    for shift in found:
        assert shift.starts_at < shift.ends_at
        assert shift.local_date not in roster.skip_dates
        assert shift.local_date >= roster.rotation_start
        assert shift.starts_at.tzinfo is dt.UTC
    for earlier, later in pairwise(found):
        assert earlier.ends_at <= later.starts_at
    assert len({s.key for s in found}) == len(found)


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_on_standby_is_the_shift_covering_the_instant(
    scenario: tuple[Roster, ZoneInfo], data: st.DataObject
) -> None:
    roster, zone = scenario
    for _ in range(5):
        at = instant_after(data.draw, roster, zone)
        covering = [s for s in shifts(roster, zone, at - 3 * DAY, at + 3 * DAY) if s.covers(at)]
        assert len(covering) <= 1
        assert on_standby(roster, zone, at) == (covering[0] if covering else None)
        # The edges of a shift: its start is inside, its end is not.
        if covering:
            assert on_standby(roster, zone, covering[0].starts_at) == covering[0]
            after = on_standby(roster, zone, covering[0].ends_at)
            assert after is None or after.starts_at == covering[0].ends_at


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_a_range_equals_its_split_parts(
    scenario: tuple[Roster, ZoneInfo], data: st.DataObject
) -> None:
    roster, zone = scenario
    start = instant_after(data.draw, roster, zone)
    end = start + data.draw(st.integers(1, 60 * 24 * 3600)) * dt.timedelta(seconds=1)
    split = start + (end - start) * data.draw(st.floats(0, 1))
    whole = shifts(roster, zone, start, end)
    before, after = shifts(roster, zone, start, split), shifts(roster, zone, split, end)
    # An empty part (split at either end) has no shifts, whatever straddles its instant.
    inside = start < split < end
    straddling = [s for s in whole if s.starts_at < split < s.ends_at] if inside else []
    if straddling:  # the one shift across the split is in both parts, once in the whole
        assert before[-1] == after[0] == straddling[0]
        after = after[1:]
    assert before + after == whole


@PROPERTY_SETTINGS
@given(scenario=scenarios(rotation="window", per_window=1), data=st.data())
def test_window_rotation_is_fair_over_any_run(
    scenario: tuple[Roster, ZoneInfo], data: st.DataObject
) -> None:
    roster, zone = scenario
    start = instant_after(data.draw, roster, zone)
    found = shifts(roster, zone, start, start + 365 * DAY)
    assert [s.turn for s in found] == list(range(found[0].turn, found[0].turn + len(found)))
    for _ in range(10):
        first = data.draw(st.integers(0, max(0, len(found) - 1)))
        run = found[first : first + data.draw(st.integers(0, len(found)))]
        counts = Counter({member: 0 for member in roster.members})
        counts.update(s.primary for s in run)
        assert max(counts.values()) - min(counts.values()) <= 1


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_an_override_covers_exactly_its_span_inside_windows(
    scenario: tuple[Roster, ZoneInfo], data: st.DataObject
) -> None:
    roster, zone = scenario
    start = instant_after(data.draw, roster, zone)
    plain = shifts(roster, zone, start, start + 10 * DAY)
    begins = start + data.draw(st.integers(0, 8 * 24 * 60)) * dt.timedelta(minutes=1)
    length = data.draw(st.integers(1, 2 * 24 * 60)) * dt.timedelta(minutes=1)
    override = Override("r1", "U0ZOE0001", begins, begins + length, created_by="U0ADMIN01")
    # Wider than `plain`, so that every piece of every plain shift is in it.
    covered = shifts(roster, zone, start - 3 * DAY, start + 13 * DAY, overrides=[override])
    # The pieces of each occurrence tile it exactly.
    for original in plain:
        pieces = [s for s in covered if s.key == original.key]
        assert pieces[0].starts_at == original.starts_at
        assert pieces[-1].ends_at == original.ends_at
        for earlier, later in pairwise(pieces):
            assert earlier.ends_at == later.starts_at
            assert earlier.primary != later.primary
        for piece in pieces:
            inside = override.starts_at <= piece.starts_at and piece.ends_at <= override.ends_at
            assert piece.primary == ("U0ZOE0001" if inside else original.primary)
            assert piece.turn == original.turn
    probe = begins + (override.ends_at - begins) / 2
    shift = on_standby(roster, zone, probe, overrides=[override])
    assert shift is None or shift.primary == "U0ZOE0001"


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_a_swap_exchanges_two_people_and_nothing_else(
    scenario: tuple[Roster, ZoneInfo], data: st.DataObject
) -> None:
    roster, zone = scenario
    start = instant_after(data.draw, roster, zone)
    plain = shifts(roster, zone, start, start + 14 * DAY)
    assume(len(plain) >= 2)
    a, b = sorted(data.draw(st.lists(st.sampled_from(plain), min_size=2, max_size=2, unique=True)),
                  key=lambda s: s.starts_at)  # fmt: skip
    assume(a.primary != b.primary and a.primary not in b.people and b.primary not in a.people)
    swap = Swap("r1", a.key, a.primary, b.key, b.primary, created_by=a.primary)
    swapped = shifts(roster, zone, start, start + 14 * DAY, swaps=[swap])
    assert len(swapped) == len(plain)
    for before, after in zip(plain, swapped, strict=True):
        if before.key == a.key:
            assert (after.primary, after.primary_origin.covering_for) == (b.primary, a.primary)
        elif before.key == b.key:
            assert (after.primary, after.primary_origin.covering_for) == (a.primary, b.primary)
        else:
            assert after == before
        assert (after.starts_at, after.ends_at, after.turn) == (
            before.starts_at,
            before.ends_at,
            before.turn,
        )

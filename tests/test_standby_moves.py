"""Who a swap or an override moves (bot.standby.moves), from the shifts before and after:
examples a reader can check by hand on the contract's roster (Tokyo; Tue 24 Nov 2026 07:30 is
Carol's, 19:00 Alice's), properties over random overrides, and the DM's words
(bot.standby.render_moves)."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.kit.standin.display import shown
from bot.standby import Override, Swap, shifts
from bot.standby.moves import Made, Move, Piece, moves, piece_args, piece_from
from bot.standby.render_moves import moved, what_changed
from tests.test_standby_schedule import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    DAVE,
    LONDON,
    TOKYO,
    make_roster,
    tokyo,
)

MORNING, EVENING = "platform:2026-11-24:0730", "platform:2026-11-24:1900"
NEXT_MORNING = "platform:2026-11-25:0730"


def day(roster: Any = None, *changes: Any) -> list[Any]:
    """The shifts of Tue 24 and Wed 25 Nov 2026, with the overrides and swaps given."""
    roster = roster or make_roster()
    overrides = [c for c in changes if isinstance(c, Override)]
    swaps = [c for c in changes if isinstance(c, Swap)]
    return shifts(roster, TOKYO, tokyo(2026, 11, 24), tokyo(2026, 11, 26), overrides, swaps)


def override(user: str, start: dt.datetime, end: dt.datetime, role: Any = "primary") -> Override:
    return Override("platform", user, start, end, ADMIN, role)


def piece(key: str, start: dt.datetime, end: dt.datetime, who: str | None, role: Any = "primary"):
    return Piece(key, role, start, end, who)


def test_an_override_inside_a_shift_moves_exactly_its_hour() -> None:
    before = day()
    after = day(None, override(BOB, tokyo(2026, 11, 24, 20), tokyo(2026, 11, 24, 21)))
    hour = (EVENING, tokyo(2026, 11, 24, 20), tokyo(2026, 11, 24, 21))
    assert moves(before, after) == [
        Move(ALICE, gained=(), lost=(piece(*hour, BOB),)),
        Move(BOB, gained=(piece(*hour, ALICE),), lost=()),
    ]


def test_an_override_naming_whoever_is_on_moves_nobody() -> None:
    before = day()
    after = day(None, override(ALICE, tokyo(2026, 11, 24, 18), tokyo(2026, 11, 24, 23)))
    assert after == before and moves(before, after) == []


def test_an_override_over_another_gives_each_person_their_own_part() -> None:
    """Bob covers 20:00–21:00 of Alice's evening; Carol then covers 20:30–21:30: Bob loses
    his last half hour, Alice the half hour after, and Carol gains both, each from its
    holder."""
    first = override(BOB, tokyo(2026, 11, 24, 20), tokyo(2026, 11, 24, 21))
    second = override(CAROL, tokyo(2026, 11, 24, 20, 30), tokyo(2026, 11, 24, 21, 30))
    before, after = day(None, first), day(None, first, second)
    half_bob = (EVENING, tokyo(2026, 11, 24, 20, 30), tokyo(2026, 11, 24, 21))
    half_alice = (EVENING, tokyo(2026, 11, 24, 21), tokyo(2026, 11, 24, 21, 30))
    assert moves(before, after) == [
        Move(BOB, gained=(), lost=(piece(*half_bob, CAROL),)),
        Move(CAROL, gained=(piece(*half_bob, BOB), piece(*half_alice, ALICE)), lost=()),
        Move(ALICE, gained=(), lost=(piece(*half_alice, CAROL),)),
    ]


def test_an_override_across_two_windows_is_one_piece_in_each() -> None:
    cover = override(DAVE, tokyo(2026, 11, 24, 9), tokyo(2026, 11, 25, 8))
    found = {m.user: m for m in moves(day(), day(None, cover))}
    assert found[DAVE].gained == (
        piece(MORNING, tokyo(2026, 11, 24, 9), tokyo(2026, 11, 24, 9, 30), CAROL),
        piece(EVENING, tokyo(2026, 11, 24, 19), tokyo(2026, 11, 24, 22), ALICE),
        piece(NEXT_MORNING, tokyo(2026, 11, 25, 7, 30), tokyo(2026, 11, 25, 8), BOB),
    )
    assert found[CAROL].lost == (
        piece(MORNING, tokyo(2026, 11, 24, 9), tokyo(2026, 11, 24, 9, 30), DAVE),
    )
    assert set(found) == {DAVE, CAROL, ALICE, BOB}


def test_a_swap_moves_both_people_both_ways() -> None:
    swap = Swap("platform", MORNING, CAROL, EVENING, ALICE, CAROL)
    morning = (MORNING, tokyo(2026, 11, 24, 7, 30), tokyo(2026, 11, 24, 9, 30))
    evening = (EVENING, tokyo(2026, 11, 24, 19), tokyo(2026, 11, 24, 22))
    assert moves(day(), day(None, swap)) == [
        Move(CAROL, gained=(piece(*evening, ALICE),), lost=(piece(*morning, ALICE),)),
        Move(ALICE, gained=(piece(*morning, CAROL),), lost=(piece(*evening, CAROL),)),
    ]


def test_a_secondary_override_names_the_role() -> None:
    roster = make_roster(per_window=2, members=[ALICE, BOB, CAROL, DAVE])
    on = day(roster)[0]
    assert on.key == MORNING and on.secondary is not None
    cover = override(ADMIN, tokyo(2026, 11, 24, 8), tokyo(2026, 11, 24, 9), "secondary")
    span = (MORNING, tokyo(2026, 11, 24, 8), tokyo(2026, 11, 24, 9))
    assert moves(day(roster), day(roster, cover)) == [
        Move(on.secondary, gained=(), lost=(piece(*span, ADMIN, "secondary"),)),
        Move(ADMIN, gained=(piece(*span, on.secondary, "secondary"),), lost=()),
    ]


def test_a_stretch_cut_only_by_the_other_role_is_told_whole() -> None:
    """The secondary's earlier override cuts the window in three; the primary's new one covers
    the whole window, which the primary loses as one stretch, not three."""
    roster = make_roster(per_window=2, members=[ALICE, BOB, CAROL, DAVE])
    on = day(roster)[0]
    earlier = override(ADMIN, tokyo(2026, 11, 24, 8), tokyo(2026, 11, 24, 9), "secondary")
    cover = override(DAVE, tokyo(2026, 11, 24, 7), tokyo(2026, 11, 24, 10))
    found = moves(day(roster, earlier), day(roster, earlier, cover))
    whole = (MORNING, tokyo(2026, 11, 24, 7, 30), tokyo(2026, 11, 24, 9, 30))
    assert on.primary != DAVE and len(day(roster, earlier)) > len(day(roster))
    assert found == [
        Move(on.primary, gained=(), lost=(piece(*whole, DAVE),)),
        Move(DAVE, gained=(piece(*whole, on.primary),), lost=()),
    ]


def test_a_piece_survives_the_trip_through_the_ledger() -> None:
    sample = piece(EVENING, tokyo(2026, 11, 24, 20), tokyo(2026, 11, 24, 21), None, "secondary")
    assert piece_from(piece_args(sample)) == sample


# -- properties ---------------------------------------------------------------------------

TIMES = st.builds(
    lambda day, quarter: tokyo(2026, 11, 23) + dt.timedelta(days=day, minutes=15 * quarter),
    st.integers(0, 3),
    st.integers(0, 95),
)
PEOPLE = st.sampled_from([ALICE, BOB, CAROL, DAVE, ADMIN])
OVERRIDES = st.builds(
    lambda user, start, hours, role: override(
        user, start, start + dt.timedelta(hours=hours / 4), role
    ),
    PEOPLE,
    TIMES,
    st.integers(1, 40),
    st.sampled_from(["primary", "secondary"]),
)
ROSTERS = st.sampled_from(
    [
        make_roster(),
        make_roster(per_window=2, members=[ALICE, BOB, CAROL, DAVE]),
        make_roster(timezone="Europe/London", per_window=2, members=[ALICE, BOB, CAROL]),
    ]
)


def everything(roster: Any, changes: list[Override]) -> list[Any]:
    zone = TOKYO if roster.timezone == "Asia/Tokyo" else LONDON
    return shifts(roster, zone, tokyo(2026, 11, 22), tokyo(2026, 11, 29), changes)


def holder(found: list[Any], at: dt.datetime, role: str) -> str | None:
    for shift in found:
        if shift.covers(at):
            return shift.primary if role == "primary" else shift.secondary
    return None


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROSTERS, st.lists(OVERRIDES, max_size=4), OVERRIDES)
def test_each_moment_that_changes_hands_is_one_loss_and_one_gain(roster, earlier, new) -> None:
    before, after = everything(roster, earlier), everything(roster, [*earlier, new])
    found = moves(before, after)
    assert moves(before, before) == []
    assert all(m.gained or m.lost for m in found)
    assert len({m.user for m in found}) == len(found)
    edges = sorted(
        {t for s in before + after for t in (s.starts_at, s.ends_at)}
        | {t for m in found for p in m.gained + m.lost for t in (p.starts_at, p.ends_at)}
    )
    for low, high in pairwise(edges):
        middle = low + (high - low) / 2
        for role in ("primary", "secondary"):
            was, now = holder(before, middle, role), holder(after, middle, role)
            losses = [
                (m.user, p.counterpart)
                for m in found
                for p in m.lost
                if p.role == role and p.starts_at <= middle < p.ends_at
            ]
            gains = [
                (m.user, p.counterpart)
                for m in found
                for p in m.gained
                if p.role == role and p.starts_at <= middle < p.ends_at
            ]
            if was == now:
                assert losses == [] and gains == []
            else:
                assert losses == ([(was, now)] if was else [])
                assert gains == ([(now, was)] if now else [])
    for m in found:  # told once each: a person's pieces in one role never overlap
        for pieces in (m.gained, m.lost):
            for role in ("primary", "secondary"):
                mine = [p for p in pieces if p.role == role]
                assert all(a.ends_at <= b.starts_at for a, b in pairwise(mine))


# -- the DM's words -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("made", "reader", "expected"),
    [
        (Made("swap", CAROL, ALICE), CAROL, "you swapped with <@U0ALICE01>"),
        (Made("swap", CAROL, ALICE), ALICE, "<@U0CAROL01> swapped with you"),
        (Made("override", ADMIN, BOB), BOB, "override by <@U0ADMIN01>: you cover"),
        (Made("override", ADMIN, BOB), CAROL, "override by <@U0ADMIN01>: <@U0BOB0001> covers"),
        (Made("override", BOB, BOB), BOB, "your override: you cover"),
        (Made("override", CAROL, BOB), CAROL, "your override: <@U0BOB0001> covers"),
        (Made("override", "<!channel>", BOB), BOB, "override by &lt;!channel&gt;: you cover"),
    ],
)
def test_the_change_as_each_reader_reads_it(made: Made, reader: str, expected: str) -> None:
    assert what_changed(made, reader) == expected


def test_the_dm_names_roster_change_and_pieces_with_the_fallback_in_the_orgs_zone() -> None:
    hour = (EVENING, tokyo(2026, 11, 24, 20), tokyo(2026, 11, 24, 21))
    message = moved(
        "Platform <standby> @here",
        ALICE,
        Made("override", ADMIN, BOB),
        [],
        [piece(*hour, BOB)],
        TOKYO,
    )
    text = shown(message["text"]).text
    assert text == (
        ":arrows_counterclockwise: Your standby on *Platform <standby> @\u200bhere* changed: "
        "override by @U0ADMIN01: @U0BOB0001 covers. "
        "You hand over: Tue 24 Nov 20:00–21:00 JST (primary), to @U0BOB0001."
    )
    assert "&lt;standby&gt;" in message["text"]
    sections = [b["text"]["text"] for b in message["blocks"]]
    assert len(sections) == 2 and sections[1].startswith("*You hand over:*\n• <!date^")


def test_a_long_override_names_every_stretch_over_as_many_sections_as_it_takes() -> None:
    cover = override(DAVE, tokyo(2026, 11, 24), tokyo(2027, 3, 1))
    roster = make_roster()
    span = (tokyo(2026, 11, 24), tokyo(2027, 3, 1))
    [dave] = [
        m
        for m in moves(shifts(roster, TOKYO, *span), shifts(roster, TOKYO, *span, [cover]))
        if m.user == DAVE
    ]
    message = moved("Platform standby", DAVE, Made("override", ADMIN, DAVE), dave.gained, [], TOKYO)
    texts = [b["text"]["text"] for b in message["blocks"]]
    assert len(dave.gained) > 100 and len(texts) > 2
    assert all(len(t) <= 3000 for t in texts)
    assert sum(t.count("• ") for t in texts) == len(dave.gained)

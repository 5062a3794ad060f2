"""The organisation the standby benchmark (benchmarks/standby.py) measures: generated
rosters, the overrides and swaps made on their shifts, and the `Scenario` built from them.

The rosters come from a fixed seed: 3-8 members, per_window 1 or 2, rotation by window, day
or week, rotation_start in 2024-2026, one to three non-overlapping windows on varied
weekdays (some past midnight, some in the small hours where clocks change), a few skip
dates, in six zones with and without daylight saving. The overrides and swaps are made on
real shifts near the instant, a third of each kind on the shift in progress.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot.config import Roster, example_config_path, load_config
from bot.standby import Override, Shift, Swap, on_standby, shifts

SEED = 20261124
AT = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)  # Tokyo 21:00, London 12:00, NY 07:00
YEAR = dt.timedelta(days=365)
DAY = dt.timedelta(days=1)
ZONES = (
    "Asia/Tokyo",
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Asia/Manila",
)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Local start times (hour, minute) by the kind of peak, and how long such windows last.
_PEAKS = (
    ("morning", [(h, m) for h in (6, 7, 8, 9) for m in (0, 30)], (60, 180)),
    ("midday", [(h, m) for h in (11, 12, 13) for m in (0, 30)], (60, 150)),
    ("evening", [(h, m) for h in (17, 18, 19, 20) for m in (0, 30)], (90, 240)),
    ("late", [(h, m) for h in (21, 22, 23) for m in (0, 30)], (120, 300)),  # often past 00:00
    ("small hours", [(h, m) for h in (0, 1, 2) for m in (0, 30)], (60, 180)),  # DST changes
)
_HOLIDAYS = [
    dt.date(y, m, d) for y in (2024, 2025, 2026, 2027) for m, d in ((1, 1), (12, 24), (12, 31))
] + [dt.date(2026, 11, 24), dt.date(2026, 11, 25), dt.date(2027, 3, 29)]


def generate_rosters(count: int, seed: int = SEED) -> list[dict[str, Any]]:
    """`count` varied rosters as they would appear in opsbot.yaml (plain data, valid)."""
    rng = random.Random(seed)
    return [_roster(rng, index) for index in range(count)]


def _roster(rng: random.Random, index: int) -> dict[str, Any]:
    members = [f"U{index:04d}M{k}" for k in range(rng.randint(3, 8))]
    rotation_start = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365 + 1))
    skips = rng.sample(_HOLIDAYS, rng.choice((0, 0, 1, 2, 3)))
    if rng.random() < 0.3:
        skips.append(rotation_start + dt.timedelta(days=rng.randrange(1, 400)))
    data = {
        "id": f"r{index:04d}",
        "name": f"Standby {index}",
        "channel": f"C{index:05d}",
        "timezone": rng.choice(ZONES),
        "members": members,
        "per_window": 2 if rng.random() < 0.3 else 1,
        "rotation": rng.choice(("window", "window", "day", "week")),
        "rotation_start": rotation_start.isoformat(),
        "skip_dates": sorted({day.isoformat() for day in skips}),
    }
    for _attempt in range(100):
        data["windows"] = [_window(rng) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
        try:
            Roster.model_validate(data)
        except ValidationError:  # the windows overlap: draw others
            continue
        return data
    raise AssertionError(f"no valid windows drawn for roster {index}")  # pragma: no cover


def _window(rng: random.Random) -> dict[str, Any]:
    _kind, starts, (shortest, longest) = rng.choice(_PEAKS)
    hour, minute = rng.choice(starts)
    length = rng.randrange(shortest, longest + 1, 30)
    end = (hour * 60 + minute + length) % (24 * 60)
    pick = rng.random()
    if pick < 0.4:
        days = list(WEEKDAYS[:5])
    elif pick < 0.55:
        days = list(WEEKDAYS)
    elif pick < 0.7:
        days = ["sat", "sun"] if rng.random() < 0.5 else ["fri", "sat"]
    else:
        days = sorted(rng.sample(WEEKDAYS, rng.randint(1, 6)), key=WEEKDAYS.index)
    return {
        "days": days,
        "start": f"{hour:02d}:{minute:02d}",
        "end": f"{end // 60:02d}:{end % 60:02d}",
    }


def busiest(rosters: Sequence[dict[str, Any]]) -> str:
    """The id of the roster with the most window occurrences a week (then per_window, then
    the most hours a week), read from its configuration alone."""

    def load(data: dict[str, Any]) -> tuple[int, int, int]:
        weekly, minutes = 0, 0
        for window in data["windows"]:
            start, end = (_minutes(window[edge]) for edge in ("start", "end"))
            weekly += len(window["days"])
            minutes += len(window["days"]) * ((end - start) % (24 * 60))
        return weekly, data["per_window"], minutes

    return max(rosters, key=load)["id"]


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def roster_zone(roster: Roster) -> ZoneInfo:
    """As `OrgConfig.roster_zone` (every generated roster names its zone)."""
    return ZoneInfo(roster.timezone or "UTC")


def make_changes(
    rosters: Sequence[Roster], at: dt.datetime, overrides: int, swaps: int, seed: int = SEED
) -> tuple[list[Override], list[Swap]]:
    """`overrides` overrides and `swaps` swaps made on real shifts from two days before `at`
    to a week after it, each kind on different rosters while there are enough; a third of
    each on the shift in progress at `at`."""
    rng = random.Random(seed + 1)
    order = rng.sample(list(rosters), len(rosters))
    current = [r for r in order if on_standby(r, roster_zone(r), at) is not None]
    nearby: dict[str, list[Shift]] = {}

    def shifts_near(roster: Roster) -> list[Shift]:
        if roster.id not in nearby:
            nearby[roster.id] = shifts(roster, roster_zone(roster), at - 2 * DAY, at + 7 * DAY)
        return nearby[roster.id]

    def made(count: int, make: Callable[[Roster, list[Shift], bool], Any]) -> list[Any]:
        found: list[Any] = []
        used: set[str] = set()
        for candidates, limit, on_now in ((current, count // 3, True), (order, count, False)):
            for lap in range(2):  # a second lap only when there are too few rosters
                for roster in candidates:
                    if len(found) >= limit:
                        break
                    if lap == 0 and roster.id in used:
                        continue
                    item = make(roster, shifts_near(roster), on_now)
                    if item is not None:
                        found.append(item)
                        used.add(roster.id)
        return found

    made_overrides = made(overrides, lambda r, found, on_now: _override(rng, r, found, at, on_now))
    made_swaps = made(swaps, lambda r, found, on_now: _swap(rng, found, at, on_now))
    return made_overrides, made_swaps


def _pick(rng: random.Random, found: list[Shift], at: dt.datetime, on_now: bool) -> Shift | None:
    if on_now:
        return next((shift for shift in found if shift.covers(at)), None)
    return rng.choice(found) if found else None


def _override(
    rng: random.Random, roster: Roster, found: list[Shift], at: dt.datetime, on_now: bool
) -> Override | None:
    shift = _pick(rng, found, at, on_now)
    if shift is None:
        return None
    role = "secondary" if shift.secondary is not None and rng.random() < 0.3 else "primary"
    others = [member for member in roster.members if member not in shift.people]
    user = rng.choice(others) if others and rng.random() < 0.7 else "U0COVER01"
    starts_at, ends_at = shift.starts_at, shift.ends_at
    if rng.random() < 0.5:  # part of the shift only, so that it is cut in pieces
        starts_at += (ends_at - starts_at) / 3
        ends_at = starts_at + dt.timedelta(hours=rng.choice((1, 4, 24)))
    return Override(roster.id, user, starts_at, ends_at, created_by="U0ADMIN01", role=role)


def _swap(rng: random.Random, found: list[Shift], at: dt.datetime, on_now: bool) -> Swap | None:
    first = _pick(rng, found, at, on_now)
    if first is None:
        return None
    partners = [s for s in found if s.key != first.key and s.primary != first.primary]
    if not partners:
        return None
    second = rng.choice(partners)
    return Swap(
        first.roster_id, first.key, first.primary, second.key, second.primary, first.primary
    )


@dataclass
class Scenario:
    """What the measurements work on; built the same way in the measuring process and in a
    cold one."""

    rosters: list[Roster]
    platform: Roster
    platform_zone: ZoneInfo
    busiest: Roster
    at: dt.datetime
    changes: dict[str, tuple[list[Override], list[Swap]]]  # by roster id, as the bot reads them

    @property
    def override_count(self) -> int:
        return sum(len(overrides) for overrides, _ in self.changes.values())

    @property
    def swap_count(self) -> int:
        return sum(len(swaps) for _, swaps in self.changes.values())


def scenario(data: dict[str, Any]) -> Scenario:
    """The objects of a scenario's raw data (`payload` in benchmarks/standby.py)."""
    rosters = [Roster.model_validate(raw) for raw in data["rosters"]]
    config = load_config(example_config_path())
    platform = config.roster("platform")
    assert platform is not None
    changes: dict[str, tuple[list[Override], list[Swap]]] = {}
    for row in data["overrides"]:
        moments = {k: dt.datetime.fromisoformat(row[k]) for k in ("starts_at", "ends_at")}
        changes.setdefault(row["roster_id"], ([], []))[0].append(Override(**{**row, **moments}))
    for row in data["swaps"]:
        changes.setdefault(row["roster_id"], ([], []))[1].append(Swap(**row))
    return Scenario(
        rosters=rosters,
        platform=platform,
        platform_zone=config.roster_zone(platform),
        busiest=next(r for r in rosters if r.id == data["busiest"]),
        at=dt.datetime.fromisoformat(data["at"]),
        changes=changes,
    )

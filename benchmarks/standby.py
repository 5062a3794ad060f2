"""Speed of the standby schedule (bot.standby), against the two goals of the standby issue.

1. Who is on standby, for 1,000 rosters at one instant: `on_standby` for each roster, with no
   overrides or swaps and again with 50 overrides and 20 swaps spread over the rosters (each
   roster is given its own, as StandbyService reads them). Goal: under 50 ms in total.
2. One roster's shifts for 365 days: `shifts(roster, zone, at, at + 365 days)`, for the example
   configuration's `platform` roster and for the busiest generated roster. Goal: under 100 ms.

The 1,000 rosters come from a fixed seed: 3-8 members, per_window 1 or 2, rotation by
window, day or week, rotation_start in 2024-2026, one to three non-overlapping windows on
varied weekdays (some past midnight, some in the small hours where clocks change), a few skip
dates, in six zones with and without daylight saving. The overrides and swaps are made on
real shifts near the instant, a third of each kind on the shift in progress.

Each figure is taken twice:

- cold: the first call in a fresh Python process (a subprocess that has imported the code and
  loaded the rosters, as the bot has at start-up, but computed nothing of the schedule), the
  median over `--standby-cold-runs` processes. The process is handed the scenario as JSON and
  its results are checked against this process's.
- warm: the median of `--standby-repeats` calls in this process after an unmeasured one (the
  per-roster calendars and per-date turn counts are then cached, as in a running bot), each
  call followed by one of its baseline.

Baselines are naive code doing the least each question needs and none of the rules, timed
the same way in the same run, right after each measured call (cold: in the same fresh
process; it uses nothing the measured call caches). For 1: convert the instant to each
roster's zone and test whether one of its windows lists the weekday and holds the wall time
(no turns, past-midnight windows, daylight-saving rules, skips or overrides). For 2: walk the
365 days one by one and place each window occurrence in UTC with
`datetime.combine(..., tzinfo=zone)` (no turns, skips, gaps or clipping). Wall time is
`time.perf_counter`, CPU time `time.process_time`, and the garbage collector's share of the
wall time is added up from `gc.callbacks`.

    python -m benchmarks.standby [--standby-rosters N] [--standby-repeats N]
                                 [--standby-cold-runs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot.config import Roster, example_config_path, load_config
from bot.standby import Override, Shift, Swap, on_standby, shifts

SEED = 20261124
AT = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)  # Tokyo 21:00, London 12:00, NY 07:00
YEAR = dt.timedelta(days=365)
_DAY = dt.timedelta(days=1)
ZONES = (
    "Asia/Tokyo",
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Asia/Manila",
)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NOW_GOAL = 0.050  # seconds, for all rosters at one instant
YEAR_GOAL = 0.100  # seconds, for one roster's 365 days
ROOT = Path(__file__).resolve().parent.parent
CHILD_TIMEOUT = 120  # seconds for one cold process
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


class BenchmarkError(Exception):
    """A cold process did not compute what this process did: its figure is not comparable."""


@dataclass(frozen=True)
class Options:
    rosters: int = 1000
    overrides: int = 50
    swaps: int = 20
    repeats: int = 21
    cold_runs: int = 3
    seed: int = SEED

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Options:
        return cls(
            rosters=args.standby_rosters,
            repeats=args.standby_repeats,
            cold_runs=args.standby_cold_runs,
        )


# -- the rosters, overrides and swaps ----------------------------------------------------


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


def make_changes(
    rosters: Sequence[Roster], at: dt.datetime, overrides: int, swaps: int, seed: int = SEED
) -> tuple[list[Override], list[Swap]]:
    """`overrides` overrides and `swaps` swaps made on real shifts from two days before `at`
    to a week after it, each kind on different rosters while there are enough; a third of
    each on the shift in progress at `at`."""
    rng = random.Random(seed + 1)
    order = rng.sample(list(rosters), len(rosters))
    current = [r for r in order if on_standby(r, _zone(r), at) is not None]
    nearby: dict[str, list[Shift]] = {}

    def shifts_near(roster: Roster) -> list[Shift]:
        if roster.id not in nearby:
            nearby[roster.id] = shifts(roster, _zone(roster), at - 2 * _DAY, at + 7 * _DAY)
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
    """What the measurements work on; built the same way here and in a cold process."""

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


def payload(options: Options) -> dict[str, Any]:
    """The raw data of a scenario (rosters as in a config file, changes as in the database),
    which `scenario` turns into objects; a cold process is handed it as JSON."""
    raw = generate_rosters(options.rosters, options.seed)
    rosters = [Roster.model_validate(data) for data in raw]
    overrides, swaps = make_changes(rosters, AT, options.overrides, options.swaps, options.seed)
    return {
        "rosters": raw,
        "busiest": busiest(raw),
        "at": AT.isoformat(),
        "overrides": [_jsonable(asdict(o)) for o in overrides],
        "swaps": [asdict(s) for s in swaps],
    }


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in row.items()}


def scenario(data: dict[str, Any]) -> Scenario:
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


# -- what is timed -----------------------------------------------------------------------
# Each case does the work once and returns a small summary, so that a cold process can be
# checked against this one.

Summary = list[int]


def _zone(roster: Roster) -> ZoneInfo:
    """As `OrgConfig.roster_zone` (every generated roster names its zone)."""
    return ZoneInfo(roster.timezone or "UTC")


_NONE: tuple[Sequence[Override], Sequence[Swap]] = ((), ())


def naive_now(s: Scenario) -> Summary:
    """Baseline: is one of each roster's windows open at the instant, naively."""
    open_now = 0
    for roster in s.rosters:
        local = s.at.astimezone(_zone(roster))
        day, time_of_day = WEEKDAYS[local.weekday()], local.time()
        open_now += any(day in w.days and w.start <= time_of_day < w.end for w in roster.windows)
    return [open_now]


def now(s: Scenario, with_changes: bool) -> Summary:
    on, changed = 0, 0
    for roster in s.rosters:
        overrides, swaps = s.changes.get(roster.id, _NONE) if with_changes else _NONE
        shift = on_standby(roster, _zone(roster), s.at, overrides, swaps)
        if shift is not None:
            on += 1
            origins = (shift.primary_origin, shift.secondary_origin)
            changed += any(o is not None and o.source != "rotation" for o in origins)
    return [on, changed]


def naive_year(roster: Roster, zone: ZoneInfo, start: dt.datetime) -> Summary:
    """Baseline: place every window occurrence of 365 days in UTC, one date at a time."""
    end = start + YEAR
    placed = 0
    day, last = start.astimezone(zone).date() - _DAY, end.astimezone(zone).date()
    while day <= last:
        weekday = WEEKDAYS[day.weekday()]
        for w in roster.windows:
            if weekday in w.days:
                starts_at = dt.datetime.combine(day, w.start, zone).astimezone(dt.UTC)
                end_day = day + _DAY if w.end < w.start else day
                ends_at = dt.datetime.combine(end_day, w.end, zone).astimezone(dt.UTC)
                placed += starts_at < end and start < ends_at
        day += _DAY
    return [placed]


def year(roster: Roster, zone: ZoneInfo, start: dt.datetime) -> Summary:
    found = shifts(roster, zone, start, start + YEAR)
    return [len(found), len({s.primary for s in found})]


@dataclass(frozen=True)
class Case:
    name: str  # as the table shows it
    run: Callable[[Scenario], Summary]
    goal: float | None  # seconds; None for a baseline
    baseline: str | None  # the key of the case it is compared with


CASES: dict[str, Case] = {
    "naive-now": Case("naive window check, all rosters (baseline)", naive_now, None, None),
    "now": Case("`on_standby`, all rosters", lambda s: now(s, False), NOW_GOAL, "naive-now"),
    "now-changes": Case(
        "`on_standby`, all rosters, with the overrides and swaps",
        lambda s: now(s, True),
        NOW_GOAL,
        "naive-now",
    ),
    "naive-year-platform": Case(
        "naive 365-day walk, `platform` (baseline)",
        lambda s: naive_year(s.platform, s.platform_zone, s.at),
        None,
        None,
    ),
    "year-platform": Case(
        "`shifts` for 365 days, `platform`",
        lambda s: year(s.platform, s.platform_zone, s.at),
        YEAR_GOAL,
        "naive-year-platform",
    ),
    "naive-year-busiest": Case(
        "naive 365-day walk, busiest roster (baseline)",
        lambda s: naive_year(s.busiest, _zone(s.busiest), s.at),
        None,
        None,
    ),
    "year-busiest": Case(
        "`shifts` for 365 days, busiest roster",
        lambda s: year(s.busiest, _zone(s.busiest), s.at),
        YEAR_GOAL,
        "naive-year-busiest",
    ),
}


# -- measuring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds, time.perf_counter
    cpu: float  # seconds, time.process_time
    gc: float  # seconds of the wall time spent in the garbage collector
    summary: Summary


class _GcClock:
    """Adds up the time the garbage collector runs (a gc.callbacks entry)."""

    def __init__(self) -> None:
        self.total = 0.0
        self._started = 0.0

    def __call__(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._started


def timed(run: Callable[[], Summary]) -> Timing:
    clock = _GcClock()
    gc.callbacks.append(clock)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        summary = run()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        gc.callbacks.remove(clock)
    return Timing(wall, cpu, clock.total, summary)


def warm(s: Scenario, repeats: int) -> dict[str, Timing]:
    """For each case, the median of `repeats` calls after an unmeasured one. A measured call
    and a call of its baseline take turns, so that both meet the same load on the machine."""
    firsts = {key: case.run(s) for key, case in CASES.items()}
    samples: dict[str, list[Timing]] = {key: [] for key in CASES}
    for key, case in CASES.items():
        if case.baseline is None:
            continue
        baseline = CASES[case.baseline]
        for _ in range(max(repeats, 1)):
            samples[key].append(timed(functools.partial(case.run, s)))
            samples[case.baseline].append(timed(functools.partial(baseline.run, s)))
    for key, runs in samples.items():
        if any(run.summary != firsts[key] for run in runs):
            raise BenchmarkError(f"{CASES[key].name}: repeated calls disagree")
    return {key: _median(runs) for key, runs in samples.items()}


def cold(keys: Sequence[str], data: str) -> list[Timing]:
    """Cases `keys` run one after the other in a fresh Python process, handed the scenario
    as JSON: the first of them is the first call of the schedule there."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.standby", "--child", *keys],
        input=data,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise BenchmarkError(f"cold process for {' '.join(keys)} failed:\n{done.stderr}")
    return [Timing(**row) for row in json.loads(done.stdout.strip().splitlines()[-1])]


def child(keys: Sequence[str]) -> None:
    """In the cold process: load the scenario, time each case once, print the timings."""
    s = scenario(json.load(sys.stdin))
    timings = [timed(functools.partial(CASES[key].run, s)) for key in keys]
    print(json.dumps([asdict(timing) for timing in timings]))


def _median(runs: Sequence[Timing]) -> Timing:
    return Timing(
        statistics.median(run.wall for run in runs),
        statistics.median(run.cpu for run in runs),
        statistics.median(run.gc for run in runs),
        runs[0].summary,
    )


@dataclass(frozen=True)
class Measurement:
    key: str
    case: Case
    cold: Timing | None  # None when no cold processes were run
    warm: Timing


def _cold_payload(data: dict[str, Any], key: str) -> str:
    """What a cold process for case `key` needs: the 365-day cases only the busiest roster."""
    if key.startswith("year"):
        only = [raw for raw in data["rosters"] if raw["id"] == data["busiest"]]
        data = {**data, "rosters": only, "overrides": [], "swaps": []}
    return json.dumps(data)


def run(options: Options) -> tuple[Scenario, list[Measurement]]:
    """Measure every case: warm here, cold in `options.cold_runs` fresh processes each. A
    baseline's cold figure is taken in the same processes, right after the measured call
    (it uses nothing that call leaves cached)."""
    data = payload(options)
    s = scenario(data)
    warm_timings = warm(s, options.repeats)
    colds: dict[str, list[Timing]] = {key: [] for key in CASES}
    for key, case in CASES.items():
        if case.baseline is None:
            continue
        text = _cold_payload(data, key)
        for _ in range(options.cold_runs):
            measured, baseline = cold([key, case.baseline], text)
            colds[key].append(measured)
            colds[case.baseline].append(baseline)
    results = []
    for key, case in CASES.items():
        for timing in colds[key]:
            if timing.summary != warm_timings[key].summary:
                raise BenchmarkError(
                    f"{case.name}: a cold process computed {timing.summary}, "
                    f"this one {warm_timings[key].summary}"
                )
        median = _median(colds[key]) if colds[key] else None
        results.append(Measurement(key, case, median, warm_timings[key]))
        _progress(results[-1])
    return s, results


def _progress(m: Measurement) -> None:
    cold_text = f"cold {_ms(m.cold.wall)}, " if m.cold else ""
    print(f"standby: {m.case.name}: {cold_text}warm {_ms(m.warm.wall)}", file=sys.stderr)


# -- reporting ---------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"


def _cell(timing: Timing | None) -> str:
    if timing is None:
        return "not run"
    gc_text = f", GC {_ms(timing.gc)}" if timing.gc >= 0.00005 else ""
    return f"{_ms(timing.wall)} (CPU {_ms(timing.cpu)}{gc_text})"


def _meets(m: Measurement) -> str:
    goal = m.case.goal
    if goal is None:
        return "—"
    missed = [
        name for name, t in (("cold", m.cold), ("warm", m.warm)) if t is not None and t.wall >= goal
    ]
    return "yes" if not missed else "**no** (" + ", ".join(missed) + ")"


def _ratio(timing: Timing | None, baseline: Timing | None) -> str:
    if timing is None or baseline is None or baseline.wall <= 0:
        return "—"
    return f"{timing.wall / baseline.wall:.1f}"


def markdown(s: Scenario, results: list[Measurement], options: Options) -> str:
    by_key = {m.key: m for m in results}
    on, changed = by_key["now-changes"].warm.summary
    platform_shifts = by_key["year-platform"].warm.summary[0]
    busiest_shifts = by_key["year-busiest"].warm.summary[0]
    b = s.busiest
    header = (
        "| Measured | Goal | Cold (wall; CPU, GC) | Warm, median (wall; CPU, GC) | Meets goal "
        "| Cold / baseline | Warm / baseline |\n"
        "| --- | ---: | ---: | ---: | --- | ---: | ---: |"
    )
    rows = []
    for m in results:
        base = by_key[m.case.baseline] if m.case.baseline else m
        cells = [
            m.case.name,
            f"< {m.case.goal * 1000:.0f} ms" if m.case.goal else "—",
            _cell(m.cold),
            _cell(m.warm),
            _meets(m),
            _ratio(m.cold, base.cold),
            _ratio(m.warm, base.warm),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    cold_text = (
        "Cold: the first call in a fresh Python process that has imported the code and loaded "
        f"the rosters but computed nothing of the schedule, median of {options.cold_runs} "
        "processes (a baseline's cold figure is taken in the same processes, right after). "
        "Cold includes compiling each roster's calendar, which a running opsbot does once at "
        "start (`StandbyService`), so the questions it answers cost the warm figure"
        if options.cold_runs
        else "Cold: not run"
    )
    return "\n".join(
        [
            "### Standby schedule",
            "",
            f"{len(s.rosters):,} generated rosters (seed {options.seed}: 3–8 members, "
            "per_window 1 or 2, rotation by window, day or week from 2024–2026, 1–3 windows "
            "on varied weekdays, some past midnight or in the small hours, a few skip dates, "
            "six zones with and without daylight saving). Who is on standby at "
            f"{s.at:%Y-%m-%d %H:%M} UTC: `on_standby` for every roster ({on} on standby), "
            f"then with {s.override_count} overrides and {s.swap_count} swaps made on real "
            "shifts around that instant, each roster given its own as the bot reads them "
            f"({changed} of the current shifts changed by them). One roster's shifts for 365 "
            f"days from that instant: the example's `platform` ({platform_shifts} shifts) and "
            f"the busiest generated roster (`{b.id}`: {_weekly(b)} windows a week, per_window "
            f"{b.per_window}, {b.timezone}; {busiest_shifts} shifts). {cold_text}. Warm: "
            f"median of {options.repeats} calls in one process after an unmeasured one "
            "(calendars cached, as in the running bot), each followed by a call of its "
            "baseline. GC: the garbage collector's part of "
            "the wall time. Baselines, naive code without the rules: for each roster, convert "
            "the instant to its zone and test whether a window lists the weekday and holds "
            "the wall time; and walk the 365 days placing each window with "
            "`datetime.combine(…, tzinfo=zone)`. Ratios compare cold with cold, warm with warm.",
            "",
            header,
            *rows,
        ]
    )


def _weekly(roster: Roster) -> int:
    return sum(len(window.days) for window in roster.windows)


# -- command line ------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Options()
    group = parser.add_argument_group("standby schedule")
    group.add_argument("--standby-rosters", type=int, default=defaults.rosters, metavar="N")
    group.add_argument(
        "--standby-repeats",
        type=int,
        default=defaults.repeats,
        metavar="N",
        help="warm calls per figure (the median is reported)",
    )
    group.add_argument(
        "--standby-cold-runs",
        type=int,
        default=defaults.cold_runs,
        metavar="N",
        help="fresh processes per cold figure (the median is reported; 0: none)",
    )


def section(args: argparse.Namespace) -> str:
    """Run the benchmark; its Markdown section (run.py's interface)."""
    options = Options.from_args(args)
    s, results = run(options)
    return markdown(s, results, options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.standby")
    add_arguments(parser)
    parser.add_argument("--child", nargs="+", choices=sorted(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return 0
    print(section(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

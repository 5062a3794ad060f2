"""Speed of the standby schedule (bot.standby), against the two goals of the standby issue.

1. Who is on standby, for 1,000 rosters at one instant: `on_standby` for each roster, with no
   overrides or swaps and again with 50 overrides and 20 swaps spread over the rosters (each
   roster is given its own, as StandbyService reads them). Goal: under 50 ms in total.
2. One roster's shifts for 365 days: `shifts(roster, zone, at, at + 365 days)`, for the example
   configuration's `platform` roster and for the busiest generated roster. Goal: under 100 ms.

The 1,000 rosters, overrides and swaps are generated from a fixed seed
(benchmarks/standby_rosters.py). Each figure is taken twice:

- cold: the first call in a fresh Python process (a subprocess that has imported the code and
  loaded the rosters, as the bot has at start-up, but computed nothing of the schedule), the
  median over `--standby-cold-runs` processes. The process is handed the scenario as JSON and
  its results are checked against this process's.
- warm: the median of `--standby-repeats` calls in this process after an unmeasured one (the
  per-roster calendars and per-date turn counts are then cached, as in a running bot), each
  call followed by one of its baseline.

Baselines are naive code doing the least each question needs and none of the rules, timed
the same way in the same run, right after each measured call (the cases and their baselines:
benchmarks/standby_cases.py). Wall time is `time.perf_counter`, CPU time
`time.process_time`, and the garbage collector's share of the wall time is added up from
`gc.callbacks`.

    python -m benchmarks.standby [--standby-rosters N] [--standby-repeats N]
                                 [--standby-cold-runs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.standby_cases import CASES, Case, Summary
from benchmarks.standby_rosters import (
    AT,
    SEED,
    Scenario,
    busiest,
    generate_rosters,
    make_changes,
    scenario,
)
from bot.config import Roster

# isort: split
# Re-exported: benchmarks/test_standby_benchmark.py reads these through this module.
import random  # noqa: F401

from benchmarks.standby_cases import naive_now, naive_year, now, year  # noqa: F401
from benchmarks.standby_rosters import WEEKDAYS, ZONES, _window  # noqa: F401
from benchmarks.standby_rosters import roster_zone as _zone  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
CHILD_TIMEOUT = 120  # seconds for one cold process


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


# -- the data of a scenario ---------------------------------------------------------------


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

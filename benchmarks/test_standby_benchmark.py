"""Checks of the standby benchmark's machinery (`pytest benchmarks`). No timing assertions:
the figures themselves are only reported, by `python -m benchmarks`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections import Counter

import pytest

from benchmarks import standby
from bot.config import Roster, Window

TINY = standby.Options(rosters=40, overrides=6, swaps=3, repeats=2, cold_runs=0)


@pytest.fixture(scope="module")
def tiny_payload() -> dict:
    return standby.payload(TINY)


def test_generated_rosters_are_valid_and_varied():
    raw = standby.generate_rosters(300)
    rosters = [Roster.model_validate(data) for data in raw]
    assert len({r.id for r in rosters}) == 300
    assert {r.timezone for r in rosters} == set(standby.ZONES)
    assert {len(r.members) for r in rosters} == set(range(3, 9))
    assert {r.per_window for r in rosters} == {1, 2}
    assert {r.rotation for r in rosters} == {"window", "day", "week"}
    assert {r.rotation_start.year for r in rosters} == {2024, 2025, 2026}
    assert {len(r.windows) for r in rosters} == {1, 2, 3}
    windows = [w for r in rosters for w in r.windows]
    assert any(w.crosses_midnight for w in windows)
    assert any(w.start < dt.time(3) for w in windows)  # where daylight saving changes clocks
    assert len({tuple(w.days) for w in windows}) > 10
    assert 0 < sum(bool(r.skip_dates) for r in rosters) < 300


def test_generation_is_fixed_by_the_seed():
    assert standby.generate_rosters(20) == standby.generate_rosters(20)
    assert standby.generate_rosters(20) != standby.generate_rosters(20, seed=1)


def test_busiest_has_the_most_windows_a_week():
    every_day = {"days": list(standby.WEEKDAYS), "start": "22:00", "end": "06:00"}
    weekdays = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "09:00"}
    long_nights = {"id": "long-nights", "per_window": 2, "windows": [every_day]}
    many = {"id": "many", "per_window": 1, "windows": [weekdays, {**weekdays, "start": "12:00"}]}
    assert standby.busiest([long_nights, many]) == "many"  # 10 windows a week, not 7
    assert standby.busiest([many, {**many, "id": "pairs", "per_window": 2}]) == "pairs"


def test_changes_are_on_real_shifts_of_different_rosters(tiny_payload):
    s = standby.scenario(tiny_payload)
    overrides = [o for overrides, _ in s.changes.values() for o in overrides]
    swaps = [w for _, swaps in s.changes.values() for w in swaps]
    assert (len(overrides), len(swaps)) == (TINY.overrides, TINY.swaps)
    assert len({o.roster_id for o in overrides}) == len(overrides)
    assert len({w.roster_id for w in swaps}) == len(swaps)
    by_id = {r.id: r for r in s.rosters}
    for swap in swaps:
        members = by_id[swap.roster_id].members
        assert swap.user_a in members and swap.user_b in members
        assert swap.shift_key_a != swap.shift_key_b
        assert all(k.startswith(f"{swap.roster_id}:") for k in (swap.shift_key_a, swap.shift_key_b))
    # A third of each kind is on the shift in progress, so some current shifts change.
    on, changed = standby.now(s, with_changes=True)
    assert 0 < changed <= on
    assert standby.now(s, with_changes=False) == [on, 0]


def test_payload_survives_json(tiny_payload):
    again = standby.scenario(json.loads(json.dumps(tiny_payload)))
    s = standby.scenario(tiny_payload)
    assert [r.id for r in again.rosters] == [r.id for r in s.rosters]
    assert again.changes == s.changes
    assert again.busiest.id == tiny_payload["busiest"]


def test_the_baselines_count_what_the_schedule_counts_without_its_rules(tiny_payload):
    s = standby.scenario(tiny_payload)
    naive = standby.naive_year(s.platform, s.platform_zone, s.at)
    found = standby.year(s.platform, s.platform_zone, s.at)
    # Tokyo has no daylight saving: the naive walk only misses the two skip dates (31 Dec and
    # 1 Jan, two windows each).
    assert naive[0] - found[0] == 4
    assert standby.naive_now(s)[0] > 0 and standby.now(s, with_changes=False)[0] > 0


def test_a_tiny_run_renders_the_section(tiny_payload, monkeypatch):
    monkeypatch.setattr(standby, "payload", lambda options: tiny_payload)
    s, results = standby.run(TINY)
    assert [m.key for m in results] == list(standby.CASES)
    assert all(m.cold is None for m in results)
    text = standby.markdown(s, results, TINY)
    assert text.startswith("### Standby schedule\n")
    header = next(line for line in text.splitlines() if line.startswith("| Measured"))
    columns = [cell.strip() for cell in header.strip("|").split("|")]
    assert columns == [
        "Measured",
        "Goal",
        "Cold (wall; CPU, GC)",
        "Warm, median (wall; CPU, GC)",
        "Meets goal",
        "Cold / baseline",
        "Warm / baseline",
    ]
    rows = [line for line in text.splitlines() if line.startswith("| ")][2:]
    assert len(rows) == len(standby.CASES)
    assert "< 50 ms" in rows[1] and "< 100 ms" in rows[4]
    assert rows[0].split("|")[-2].strip() == "1.0"  # a baseline against itself
    assert "not run" in rows[1]


def test_meets_goal_names_the_figures_that_miss():
    case = standby.CASES["now"]
    fast, slow = standby.Timing(0.01, 0.01, 0.0, [1]), standby.Timing(0.2, 0.2, 0.1, [1])
    assert standby._meets(standby.Measurement("now", case, fast, fast)) == "yes"
    assert standby._meets(standby.Measurement("now", case, slow, fast)) == "**no** (cold)"
    assert standby._meets(standby.Measurement("now", case, None, slow)) == "**no** (warm)"
    baseline = standby.CASES["naive-now"]
    assert standby._meets(standby.Measurement("naive-now", baseline, slow, slow)) == "—"


def test_a_cold_run_in_a_fresh_process_computes_what_this_one_does(tiny_payload):
    s = standby.scenario(tiny_payload)
    text = standby._cold_payload(tiny_payload, "now-changes")
    measured, baseline = standby.cold(["now-changes", "naive-now"], text)
    assert measured.summary == standby.now(s, with_changes=True)
    assert baseline.summary == standby.naive_now(s)
    assert measured.wall > 0 and measured.cpu > 0 and measured.gc >= 0


def test_a_cold_run_of_a_year_needs_only_the_busiest_roster(tiny_payload):
    s = standby.scenario(tiny_payload)
    text = standby._cold_payload(tiny_payload, "year-busiest")
    assert [r["id"] for r in json.loads(text)["rosters"]] == [tiny_payload["busiest"]]
    (measured,) = standby.cold(["year-busiest"], text)
    assert measured.summary == standby.year(s.busiest, standby._zone(s.busiest), s.at)


def test_a_failing_cold_process_raises():
    with pytest.raises(standby.BenchmarkError, match="cold process"):
        standby.cold(["now"], "not json")


def test_options_come_from_the_command_line():
    parser = argparse.ArgumentParser()
    standby.add_arguments(parser)
    args = parser.parse_args(["--standby-rosters", "10", "--standby-cold-runs", "0"])
    assert standby.Options.from_args(args) == standby.Options(rosters=10, cold_runs=0)


def test_window_kinds_cover_every_peak():
    windows = [Window.model_validate(standby._window(standby.random.Random(n))) for n in range(200)]
    starts = Counter(w.start.hour // 6 for w in windows)  # night, morning, afternoon, evening
    assert set(starts) == {0, 1, 2, 3}

"""Checks of the idle-memory benchmark's machinery (no assertions on the figures)."""

from __future__ import annotations

import argparse
import os

import pytest

from benchmarks import memory
from benchmarks.memory import Measurement, Memory, Options

linux_only = pytest.mark.skipif(not memory.can_measure(), reason="reads /proc/<pid>/status")

STATUS = """Name:\tpython
VmPeak:\t  412345 kB
VmHWM:\t   90112 kB
VmRSS:\t   84992 kB
Threads:\t12
"""


def test_parse_status_reads_resident_and_peak():
    assert memory.parse_status(STATUS) == Memory(rss_kb=84992, hwm_kb=90112)
    assert Memory(84992, 90112).rss_mb == 83.0
    with pytest.raises(ValueError, match="VmRSS"):
        memory.parse_status("Name:\tpython\nVmHWM:\t1 kB\n")


@linux_only
def test_read_memory_of_this_process():
    mine = memory.read_memory(os.getpid())
    assert 0 < mine.rss_kb <= mine.hwm_kb


def test_markdown_has_a_row_per_process_with_the_ratio_and_the_goal():
    results = [
        Measurement("baseline", Memory(30 * 1024, 31 * 1024), goal=False),
        Measurement("`opsbot serve`", Memory(90 * 1024, 95 * 1024), goal=True),
        Measurement("heavy", Memory(151 * 1024, 160 * 1024), goal=True),
    ]
    table = memory.markdown(results, Options(idle=1))
    assert "| baseline | 30.0 MB | 31.0 MB | 1.00 | — |" in table
    assert "| `opsbot serve` | 90.0 MB | 95.0 MB | 3.00 | met |" in table
    assert "| heavy | 151.0 MB | 160.0 MB | 5.03 | **missed** |" in table


def test_without_proc_the_section_says_it_was_not_measured(monkeypatch):
    monkeypatch.setattr(memory, "can_measure", lambda: False)
    text = memory.section(argparse.Namespace(memory_idle=0))
    assert text.startswith("### Idle memory") and "Not measured" in text


@linux_only
@pytest.mark.slow
def test_a_short_run_measures_the_baseline_and_a_ticking_serve():
    """Both processes start, answer /healthz (the serve after its first tick is recorded)
    and are measured; the serve is stopped afterwards like the rest."""
    baseline, serve = memory.candidates()[:2]
    results = memory.run(Options(idle=0), only=[baseline, serve])
    assert [m.process for m in results] == [baseline.name, serve.name]
    assert all(0 < m.memory.rss_kb <= m.memory.hwm_kb for m in results)

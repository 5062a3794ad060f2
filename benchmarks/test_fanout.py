"""The fan-out benchmark at a small scale (`pytest benchmarks`): every PM gets its prompt
once under 429s, from one clock and from two, and the section reports each run. Times are
the benchmark's business, not asserted here."""

from __future__ import annotations

import argparse

import pytest

from benchmarks import fanout

pytestmark = pytest.mark.slow  # fan-out runs of the benchmark


@pytest.mark.parametrize("clocks", [1, 2])
def test_ten_prompts_under_429s_arrive_once_each(clocks):
    # Five a second, five at once: the sixth call within a second is refused, however slow
    # this machine is (it would have to take 200 ms a message not to be).
    figures = fanout.measure(10, rate=5, burst=5, clocks=clocks, database_url=None)
    # measure() raises BenchmarkError unless each PM got exactly one DM and all are sent.
    assert figures.messages == 10
    assert figures.rate_limited >= 1  # the limit was really met
    assert figures.calls == 10 + figures.rate_limited
    assert figures.floor == pytest.approx(2.0)
    assert figures.ratio == pytest.approx(figures.seconds / figures.floor)


def test_section_reports_a_row_for_each_number_of_clocks():
    parser = argparse.ArgumentParser()
    fanout.add_arguments(parser)
    argv = "--fanout-messages 6 --fanout-rate 100 --fanout-burst 10 --fanout-clocks 1,2"
    args = parser.parse_args(argv.split())
    args.fanout_database_url = None
    text = fanout.section(args)
    assert text.startswith("### Fan-out under rate limits")
    assert "| 6 | 100/s, burst 10 | 1 |" in text and "| 6 | 100/s, burst 10 | 2 |" in text


def test_a_fan_out_that_is_not_exactly_once_is_not_reported(monkeypatch):
    # Each PM's prompt is posted a second time: the benchmark refuses to give a figure.
    from bot.ledger.sender import SlackSender

    call = SlackSender._call

    def twice(self, method, payload, joined=False):
        call(self, method, dict(payload), joined)
        return call(self, method, payload, joined)

    monkeypatch.setattr(SlackSender, "_call", twice)
    with pytest.raises(fanout.BenchmarkError):
        fanout.measure(3, rate=100, burst=10, database_url=None)

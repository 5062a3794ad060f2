"""Checks of the benchmark machinery (`pytest benchmarks`). No timing assertions: the
figures themselves are only reported, by `python -m benchmarks`."""

from __future__ import annotations

import json
import urllib.request
from collections import Counter

import pytest

from benchmarks import ack_latency
from benchmarks.load import percentile
from benchmarks.run import END, START, replace_section
from benchmarks.slow_proxy import DelayingProxy
from bot.standin import SlackStandIn


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert [percentile(values, p) for p in (50, 90, 99, 100)] == [50.0, 90.0, 99.0, 100.0]
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_readme_section_created_replaced_or_appended():
    block = f"{START}\nnew\n{END}"
    assert replace_section(None, "new") == block + "\n"
    readme = f"# opsbot\n\nintro\n\n{START}\nold\n{END}\n\n## Later\n"
    assert replace_section(readme, "new\n") == f"# opsbot\n\nintro\n\n{block}\n\n## Later\n"
    assert replace_section("# opsbot\n", "new") == f"# opsbot\n\n{block}\n"


def test_delaying_proxy_forwards_to_the_standin():
    with SlackStandIn() as standin, DelayingProxy(standin.base_url, delay=0.01) as proxy:
        standin.add_channel("general", "C0GENERAL1")
        request = urllib.request.Request(
            f"{proxy.base_url}/api/chat.postMessage",
            data=json.dumps({"channel": "C0GENERAL1", "text": "hi"}).encode(),
            headers={"Content-Type": "application/json", "Authorization": "Bearer xoxb-x"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())
        assert answer["ok"] is True
        assert [m.text for m in standin.messages("C0GENERAL1")] == ["hi"]


def test_a_small_run_checks_the_after_ack_work_and_reports():
    options = ack_latency.Options(requests=6, concurrency=3, warmup=3, delay=0.02)
    results = ack_latency.run(options)
    assert [(m.server, len(m.answers), m.bad) for m in results] == [
        ("bare Bolt app (baseline)", 6, 0),
        ("opsbot", 6, 0),
        ("opsbot", 6, 0),
    ]
    assert results[0].after_ack is None and results[1].after_ack is not None
    table = ack_latency.markdown(results, options)
    assert table.count("\n| ") == 5  # header, separator, three rows


def test_missing_or_doubled_work_is_named():
    found, expected = Counter({1: 1, 2: 2}), Counter({1: 1, 2: 1, 3: 1})
    assert ack_latency._mismatch("channels", found, expected) == (
        "channels: 2 incidents without exactly one (#2: 2, #3: 0)"
    )
    assert ack_latency._mismatch("channels", expected, expected) == ""


def test_a_run_whose_after_ack_work_failed_raises(tmp_path):
    class Failing(ack_latency.OpsbotTarget):
        def forget(self) -> None:
            super().forget()
            self.standin.error_next("conversations.create", "restricted_action")

    options = ack_latency.Options(requests=4, concurrency=2, warmup=2)
    config = ack_latency.load_config(ack_latency.example_config_path())
    with (
        ack_latency.slack_workspace(config, delay=0) as slack,
        ack_latency.opsbot(slack, config, tmp_path / "opsbot.db") as bot,
        ack_latency.serve(bot) as url,
    ):
        requests = ack_latency.SlackRequests(
            url, ack_latency.SIGNING_SECRET, response_url=slack.response_url
        )
        target = Failing(requests, bot, slack.standin)
        with pytest.raises(ack_latency.BenchmarkError, match=r"conversations\.create calls: 1 "):
            ack_latency.measure(target, "opsbot", "stand-in", options)

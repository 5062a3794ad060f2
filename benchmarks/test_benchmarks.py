"""Checks of the benchmark machinery (`pytest benchmarks`). No timing assertions: the
figures themselves are only reported, by `python -m benchmarks`."""

from __future__ import annotations

import json
import urllib.request
from collections import Counter

import pytest

from benchmarks import ack_latency, ack_targets, databases
from benchmarks.load import percentile
from benchmarks.run import END, START, replace_section
from benchmarks.servers import BenchmarkError
from benchmarks.slow_proxy import DelayingProxy
from bot.kit.standin import SlackStandIn


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


def test_rounds_cut_the_requests_into_nearly_equal_turns():
    assert ack_latency.rounds(range(41, 51), 4) == [
        range(41, 44),
        range(44, 47),
        range(47, 49),
        range(49, 51),
    ]
    assert ack_latency.rounds(range(1, 3), 5) == [range(1, 2), range(2, 3)]


@pytest.mark.slow
def test_a_small_run_checks_the_after_ack_work_and_reports():
    lines: list[str] = []
    options = ack_latency.Options(
        requests=6, concurrency=3, warmup=3, delay=0.02, postgres_url="", rounds=2
    )
    results = ack_latency.run(options, progress=lines.append)
    assert [(m.server, m.database, m.web_api, len(m.answers), m.bad) for m in results] == [
        ("bare Bolt app (baseline)", "—", "stand-in", 6, 0),
        ("opsbot", "SQLite", "stand-in", 6, 0),
        ("opsbot", "SQLite", "stand-in +20 ms/call", 6, 0),
    ]
    assert [a.index for a in results[1].answers] == list(range(4, 10))
    assert results[0].after_ack is None and results[1].after_ack is not None
    assert all("Declaring a sev2 incident" in a.body for a in results[1].answers)
    assert lines[0] == "opsbot on PostgreSQL skipped: no --ack-postgres-url"
    table = ack_latency.markdown(results, options)
    assert table.count("\n| ") == 5  # header, separator, three rows
    assert "PostgreSQL did not answer" in table and "2 rounds of 3 requests" in table


def test_postgres_that_does_not_answer_is_named_not_raised():
    problem = databases.postgres_problem("postgresql+psycopg://postgres@127.0.0.1:1/none")
    assert problem and "OperationalError" in problem


def test_missing_or_doubled_work_is_named():
    found, expected = Counter({1: 1, 2: 2}), Counter({1: 1, 2: 1, 3: 1})
    assert ack_targets._mismatch("channels", found, expected) == (
        "channels: 2 incidents without exactly one (#2: 2, #3: 0)"
    )
    assert ack_targets._mismatch("channels", expected, expected) == ""


@pytest.mark.slow
def test_a_run_whose_after_ack_work_failed_raises(tmp_path):
    class Failing(ack_targets.OpsbotTarget):
        def forget(self) -> None:
            super().forget()
            self.slack.call("error_next", "conversations.create", "restricted_action")

    options = ack_latency.Options(requests=4, concurrency=2, warmup=2, rounds=1)
    config = ack_latency.load_config(ack_latency.example_config_path())
    url = f"sqlite:///{tmp_path / 'opsbot.db'}"
    with (
        ack_latency.opsbot_subject(config, tmp_path, url, target_class=Failing) as subject,
        pytest.raises(BenchmarkError, match=r"conversations\.create calls: 1 "),
    ):
        ack_latency.measure([subject], options)


@pytest.mark.slow
def test_a_server_that_cannot_start_is_reported_with_its_output(tmp_path):
    config = ack_latency.load_config(ack_latency.example_config_path())
    with (
        pytest.raises(BenchmarkError, match="exited with"),
        ack_latency.opsbot_subject(config, tmp_path, "nosuchdb://"),
    ):
        pass

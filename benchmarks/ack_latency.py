"""Ack latency of `/incident declare`: opsbot against a bare Bolt app, in the same run.

Three measurements, each on its own Web API stand-in (bot/standin) and its own server
(waitress via bot.web.HttpServer, on a free loopback port):

1. baseline: a bare slack_bolt App whose `/incident` only calls `ack()`;
2. opsbot (create_app, migrated SQLite file) with the stand-in answering at once;
3. opsbot again with a slow Web API: every call waits `--delay-ms` before the stand-in
   answers (benchmarks/slow_proxy.py). Since the ack must not wait on the Web API, its
   latency should stay as in 2 while the after-ack work takes longer.

Each sends a warm-up, then `--requests` signed `/incident declare sev2 Benchmark incident <i>`
from `--concurrency` senders, timing each until its HTTP answer (the ack). For opsbot it
then waits for the after-ack work (bot.wait_idle()) and checks that every
incident got exactly one `conversations.create` and its announcement, and that the ledger
holds nothing unsent; if not, it raises BenchmarkError instead of reporting figures.

    python -m benchmarks.ack_latency [--requests N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from sqlalchemy import select

from benchmarks.load import Answer, Percentiles, send_all
from benchmarks.slow_proxy import DelayingProxy
from bot.app import OpsBot, create_app
from bot.config import OrgConfig, example_config_path, load_config
from bot.db.migrate import upgrade
from bot.incidents.models import Incident
from bot.ledger.models import SENT, Delivery
from bot.settings import Settings
from bot.slack_requests import SlackRequests, sign
from bot.standin import Call, SlackStandIn
from bot.web import HttpServer

TITLE = "Benchmark incident"
SIGNING_SECRET = "benchmark-signing-secret"
BOT_TOKEN = "xoxb-benchmark"
DECLARER = "U0ALICE01"
COMMAND_CHANNEL = "C0GENERAL1"
SERVER_THREADS = 8  # waitress's threads, as `opsbot serve` runs it
ACK_DEADLINE = 3.0  # seconds: Slack's limit for acknowledging a slash command
SETTLE_TIMEOUT = 300.0  # seconds to wait for the after-ack work
_INDEX = re.compile(r"benchmark[ -]incident[ -](\d+)", re.IGNORECASE)  # in titles, names, texts


class BenchmarkError(Exception):
    """The measured work did not happen as it should: no figures are worth reporting."""


@dataclass(frozen=True)
class Options:
    requests: int = 400
    concurrency: int = 20
    warmup: int = 40
    delay: float = 0.3  # seconds added to each Web API call in the slow measurement

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Options:
        return cls(args.requests, args.concurrency, args.warmup, args.delay_ms / 1000)


@dataclass(frozen=True)
class Measurement:
    server: str
    web_api: str
    answers: list[Answer]
    after_ack: float | None  # seconds from the last ack until all after-ack work was done
    total: float  # seconds from the first request until all acks and after-ack work were done
    bad: int  # answers that are not the expected ack (status, body)

    @property
    def latency(self) -> Percentiles:
        return Percentiles.of([answer.seconds for answer in self.answers])

    @property
    def late(self) -> int:
        """Answers that came after Slack's deadline."""
        return sum(answer.seconds > ACK_DEADLINE for answer in self.answers)


# -- the servers under test --------------------------------------------------------------


class Target:
    """A server under test, reached through `requests`; the baseline has no after-ack work."""

    ack_text = ""  # what the body of a correct ack contains
    has_after_ack_work = False

    def __init__(self, requests: SlackRequests):
        self.requests = requests

    def prepare(self, index: int) -> tuple[str, dict[str, str]]:
        body = self.requests.command_body(
            "/incident", f"declare sev2 {TITLE} {index}", DECLARER, COMMAND_CHANNEL
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return body, {**headers, **sign(SIGNING_SECRET, body)}

    def is_ack(self, answer: Answer) -> bool:
        return answer.status == 200 and self.ack_text in answer.body

    def settle(self) -> None:
        """Wait until the work done after the acks has finished."""

    def forget(self) -> None:
        """Forget what the warm-up left behind."""

    def verify(self, indices: list[int]) -> None:
        """Raise BenchmarkError unless the after-ack work of `indices` was all done."""


class OpsbotTarget(Target):
    ack_text = "Declared INC-"
    has_after_ack_work = True

    def __init__(self, requests: SlackRequests, bot: OpsBot, standin: SlackStandIn):
        super().__init__(requests)
        self.bot = bot
        self.standin = standin

    def settle(self) -> None:
        if not self.bot.wait_idle(timeout=SETTLE_TIMEOUT):
            raise BenchmarkError(f"listeners still busy after {SETTLE_TIMEOUT:.0f} s")

    def forget(self) -> None:
        self.standin.clear_calls()

    def verify(self, indices: list[int]) -> None:
        problems = after_ack_problems(self.bot, self.standin, indices)
        if problems:
            raise BenchmarkError("after-ack work missing:\n  " + "\n  ".join(problems))


def after_ack_problems(bot: OpsBot, standin: SlackStandIn, indices: list[int]) -> list[str]:
    """What is missing or doubled: one incident, one channel, one announcement per index."""
    expected = Counter(indices)
    with bot.db.session() as session:
        titles = session.scalars(select(Incident.title)).all()
        unsent = session.scalars(select(Delivery.key).where(Delivery.status != SENT)).all()
    declared = Counter(i for i in _indices(titles) if i in expected)
    created = Counter(_indices(call.arg("name") for call in _ok(standin, "conversations.create")))
    incidents_channel = bot.config.channels.incidents
    announced = Counter(
        _indices(
            call.arg("text")
            for call in _ok(standin, "chat.postMessage")
            if call.arg("channel") == incidents_channel
        )
    )
    problems = [
        _mismatch(what, found, expected)
        for what, found in (
            ("incidents in the database", declared),
            ("conversations.create calls", created),
            (f"announcements in {incidents_channel}", announced),
        )
    ]
    if unsent:
        problems.append(f"{len(unsent)} deliveries not sent, e.g. {unsent[:3]}")
    if standin.errors:
        problems.append(f"the stand-in failed {len(standin.errors)} times:\n{standin.errors[0]}")
    return [problem for problem in problems if problem]


def _ok(standin: SlackStandIn, method: str) -> list[Call]:
    return [c for c in standin.calls_to(method) if c.status == 200 and (c.response or {}).get("ok")]


def _indices(texts: Iterable[str | None]) -> list[int]:
    return [int(match[1]) for text in texts if text and (match := _INDEX.search(text))]


def _mismatch(what: str, found: Counter[int], expected: Counter[int]) -> str:
    wrong = sorted(i for i in found.keys() | expected.keys() if found[i] != expected[i])
    if not wrong:
        return ""
    examples = ", ".join(f"#{i}: {found[i]}" for i in wrong[:5])
    return f"{what}: {len(wrong)} incidents without exactly one ({examples})"


# -- measuring ---------------------------------------------------------------------------


def measure(target: Target, server: str, web_api: str, options: Options) -> Measurement:
    """Warm up, then time `options.requests` acks; for opsbot, also the after-ack work."""
    warmup = range(1, options.warmup + 1)
    measured = range(options.warmup + 1, options.warmup + options.requests + 1)
    send_all(target.requests.url, warmup, target.prepare, options.concurrency)
    target.settle()
    target.forget()
    started = time.perf_counter()
    answers = send_all(target.requests.url, measured, target.prepare, options.concurrency)
    target.settle()
    done = time.perf_counter()
    target.verify(list(measured))
    last_ack = max(answer.finished for answer in answers)
    after_ack = done - last_ack if target.has_after_ack_work else None
    bad = sum(not target.is_ack(answer) for answer in answers)
    return Measurement(server, web_api, answers, after_ack, done - started, bad)


@dataclass
class Slack:
    """A stand-in workspace, reached at `base_url` (the stand-in itself or a slow proxy)."""

    standin: SlackStandIn
    base_url: str

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self) -> str:
        return self.standin.new_response_url().replace(self.standin.base_url, self.base_url, 1)


@contextlib.contextmanager
def slack_workspace(config: OrgConfig, delay: float) -> Iterator[Slack]:
    with SlackStandIn() as standin:
        standin.add_user(DECLARER, "alice")
        standin.add_channel("incidents", config.channels.incidents)
        standin.add_channel("general", COMMAND_CHANNEL)
        if delay <= 0:
            yield Slack(standin, standin.base_url)
            return
        with DelayingProxy(standin.base_url, delay) as proxy:
            yield Slack(standin, proxy.base_url)


@contextlib.contextmanager
def serve(app: OpsBot | _BareBolt) -> Iterator[str]:
    http = HttpServer(app, host="127.0.0.1", port=0, threads=SERVER_THREADS)  # type: ignore[arg-type]
    http.start_in_thread()
    try:
        yield f"http://127.0.0.1:{http.port}"
    finally:
        http.stop(timeout=5)


class _BareBolt:
    """A bare Bolt app with what HttpServer asks of a bot: its WSGI application."""

    def __init__(self, api_url: str):
        self.bolt = App(
            client=WebClient(token=BOT_TOKEN, base_url=api_url),
            signing_secret=SIGNING_SECRET,
            request_verification_enabled=True,
            token_verification_enabled=False,
        )
        self.bolt.command("/incident")(lambda ack: ack())

    def wsgi(self) -> SlackRequestHandler:
        return SlackRequestHandler(self.bolt)


@contextlib.contextmanager
def opsbot(slack: Slack, config: OrgConfig, database: Path) -> Iterator[OpsBot]:
    url = f"sqlite:///{database}"
    upgrade(url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_app_token=None,
        slack_api_url=slack.api_url,
        database_url=url,
    )
    bot = create_app(settings, config)
    try:
        yield bot
    finally:
        bot.close()


def measure_baseline(config: OrgConfig, options: Options) -> Measurement:
    with slack_workspace(config, delay=0) as slack, serve(_BareBolt(slack.api_url)) as url:
        target = Target(SlackRequests(url, SIGNING_SECRET))
        return measure(target, "bare Bolt app (baseline)", "stand-in", options)


def measure_opsbot(config: OrgConfig, options: Options, workdir: Path, delay: float) -> Measurement:
    web_api = f"stand-in +{delay * 1000:.0f} ms/call" if delay > 0 else "stand-in"
    database = workdir / f"opsbot-{delay * 1000:.0f}ms.db"
    with (
        slack_workspace(config, delay) as slack,
        opsbot(slack, config, database) as bot,
        serve(bot) as url,
    ):
        requests = SlackRequests(url, SIGNING_SECRET, response_url=slack.response_url)
        return measure(OpsbotTarget(requests, bot, slack.standin), "opsbot", web_api, options)


def run(options: Options) -> list[Measurement]:
    # waitress warns about every request that waits for a free thread: expected under load.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    config = load_config(example_config_path())
    with tempfile.TemporaryDirectory(prefix="opsbot-bench-") as workdir:
        steps = (
            lambda: measure_baseline(config, options),
            lambda: measure_opsbot(config, options, Path(workdir), delay=0),
            lambda: measure_opsbot(config, options, Path(workdir), delay=options.delay),
        )
        results = []
        for step in steps:
            results.append(step())
            _progress(results[-1])
        return results


def _progress(m: Measurement) -> None:
    p = m.latency
    after = f", after-ack work done {m.after_ack:.1f} s after the last ack" if m.after_ack else ""
    print(
        f"ack_latency: {m.server} ({m.web_api}): p50 {_ms(p.p50)} p99 {_ms(p.p99)} "
        f"max {_ms(p.max)}, {m.late} late and {m.bad} bad acks{after}",
        file=sys.stderr,
    )


# -- reporting ---------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def markdown(results: list[Measurement], options: Options) -> str:
    baseline = results[0].latency.p99
    header = (
        "| Server | Web API | Acks | Late / bad | p50 | p90 | p99 | max "
        "| p99 / baseline p99 | After-ack work done | All done |\n"
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |"
    )
    rows = [_row(m, baseline) for m in results]
    return "\n".join(
        [
            "### Ack latency of `/incident declare`",
            "",
            f"{options.requests} signed `/incident declare sev2 …` requests per server from "
            f"{options.concurrency} concurrent senders (each on its own connection), after "
            f"{options.warmup} warm-up requests; time until the HTTP answer (the ack). "
            "Senders, servers and the Web API stand-in share one process. "
            f"Late: over Slack's {ACK_DEADLINE:.0f} s; bad: not answered 200 with the ack. "
            "After-ack work (channel, topic, invite, announcement, card, reply) was checked "
            "complete for every incident; all done: from the first request until every ack "
            "and all after-ack work were done.",
            "",
            header,
            *rows,
        ]
    )


def _row(m: Measurement, baseline_p99: float) -> str:
    p = m.latency
    after = f"{m.after_ack:.1f} s after the last ack" if m.after_ack is not None else "—"
    cells = [
        m.server,
        m.web_api,
        str(len(m.answers)),
        f"{m.late} / {m.bad}",
        _ms(p.p50),
        _ms(p.p90),
        _ms(p.p99),
        _ms(p.max),
        f"{p.p99 / baseline_p99:.2f}",
        after,
        f"{m.total:.1f} s",
    ]
    return "| " + " | ".join(cells) + " |"


# -- command line ------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Options()
    group = parser.add_argument_group("ack latency")
    group.add_argument("--requests", type=int, default=defaults.requests, metavar="N")
    group.add_argument("--concurrency", type=int, default=defaults.concurrency, metavar="C")
    group.add_argument("--warmup", type=int, default=defaults.warmup, metavar="N")
    group.add_argument(
        "--delay-ms",
        type=float,
        default=defaults.delay * 1000,
        metavar="MS",
        help="added to each Web API call in the slow measurement",
    )


def section(args: argparse.Namespace) -> str:
    """Run the benchmark; its Markdown section (run.py's interface)."""
    options = Options.from_args(args)
    return markdown(run(options), options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ack_latency")
    add_arguments(parser)
    print(section(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

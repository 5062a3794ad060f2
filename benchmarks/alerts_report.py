"""The alerts benchmark's options and figures (benchmarks/alerts.py runs it), and its
Markdown section."""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, field

from benchmarks.ack_latency import default_postgres_url
from benchmarks.load import Answer, Percentiles
from benchmarks.servers import SERVER_THREADS

GROUPS_PER_SOURCE = 5  # bot.alerts.storms.LIMIT: one more new group would be a storm

GOAL_PAGE_P99 = 2.0  # seconds from a group's first notification answered to its page DM
GOAL_ANSWER_RATIO = 2.0  # a notification's answer p99 at most this times the baseline's
GOAL_ACK_RATIO = 1.5  # a slash command's ack p99 at most this times the baseline's


@dataclass(frozen=True)
class Options:
    groups: int = 200
    senders: int = 10
    slash_rate: float = 25.0  # slash commands per second
    slash_least: int = 250  # slash commands per server at least, over all rounds
    rounds: int = 2
    postgres_url: str = field(default_factory=lambda: default_postgres_url())

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Options:
        return cls(
            args.alerts_groups,
            args.alerts_senders,
            args.alerts_slash_rate,
            args.alerts_slash_least,
            args.alerts_rounds,
            args.alerts_postgres_url,
        )

    @property
    def sources(self) -> int:
        return -(-self.groups // GROUPS_PER_SOURCE)


@dataclass
class Result:
    server: str
    database: str
    groups: list[str] = field(default_factory=list)  # the measured groups' names
    notifications: list[Answer] = field(default_factory=list)
    acks: list[Answer] = field(default_factory=list)
    first_sent: dict[str, float] = field(default_factory=dict)  # name: perf_counter
    pages: Counter[str] = field(default_factory=Counter)  # page DMs per group name
    page_delays: list[float] = field(default_factory=list)  # seconds, one per paged group
    unprocessed: int = 0  # notifications the inbox still holds unacted on
    unsent: int = 0  # deliveries still owed
    work: float = 0.0  # seconds from a round's first notification until its work was done
    problems: list[str] = field(default_factory=list)

    @property
    def is_opsbot(self) -> bool:
        return self.database != "—"


def _p(answers: list[Answer]) -> Percentiles:
    return Percentiles.of([a.seconds for a in answers])


def _bad(answers: list[Answer]) -> int:
    return sum(not 200 <= a.status < 300 for a in answers)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def paged_once(r: Result) -> tuple[int, int, int]:
    """Groups paged exactly once, more than once, never."""
    counts = [r.pages[name] for name in r.groups]
    return counts.count(1), sum(c > 1 for c in counts), counts.count(0)


def missed(r: Result, baseline: Result) -> list[str]:
    """The goals `r` missed (none for the baseline)."""
    if not r.is_opsbot:
        return []
    answer = _p(r.notifications).p99 / _p(baseline.notifications).p99
    ack = _p(r.acks).p99 / _p(baseline.acks).p99
    once, more, never = paged_once(r)
    goals = [
        (bool(r.page_delays) and Percentiles.of(r.page_delays).p99 < GOAL_PAGE_P99, "page p99"),
        (answer <= GOAL_ANSWER_RATIO, "answer p99 ratio"),
        (ack <= GOAL_ACK_RATIO, "ack p99 ratio"),
        (once == len(r.groups) and not (more or never), "one page per group"),
        (r.unprocessed == 0 and r.unsent == 0, "all acted on and sent"),
        (_bad(r.notifications) == 0 and _bad(r.acks) == 0, "all answered 2xx"),
    ]
    return [name for met, name in goals if not met]


def progress_line(r: Result, baseline: Result) -> str:
    answer, ack = _p(r.notifications), _p(r.acks)
    line = (
        f"{r.server} ({r.database}): answers p50 {_ms(answer.p50)} p99 {_ms(answer.p99)}; "
        f"acks p50 {_ms(ack.p50)} p99 {_ms(ack.p99)} ({len(r.acks)})"
    )
    if r.is_opsbot and r.page_delays:
        page = Percentiles.of(r.page_delays)
        once, more, never = paged_once(r)
        line += (
            f"; page p50 {_ms(page.p50)} p99 {_ms(page.p99)} max {_ms(page.max)}; "
            f"paged once {once}, more {more}, never {never}; unprocessed {r.unprocessed}, "
            f"unsent {r.unsent}; work {r.work:.1f} s; missed: {missed(r, baseline) or 'none'}"
        )
    return line


def _row(r: Result, baseline: Result) -> str:
    answer, ack = _p(r.notifications), _p(r.acks)
    base_answer, base_ack = _p(baseline.notifications), _p(baseline.acks)
    if r.is_opsbot:
        once, more, never = paged_once(r)
        pages = f"{sum(r.pages[n] for n in r.groups)} ({once} / {more} / {never})"
        page = Percentiles.of(r.page_delays) if r.page_delays else None
        delay = f"{_ms(page.p50)} / {_ms(page.p99)}" if page else "—"
        left = f"{r.unprocessed} / {r.unsent}"
        failed = missed(r, baseline)
        goal = "yes" if not failed else "**no**: " + ", ".join(failed)
    else:
        pages = delay = left = goal = "—"
    work = f"{r.work:.1f} s" if r.is_opsbot else "—"
    cells = [
        r.server,
        r.database,
        f"{len(r.notifications)} / {_bad(r.notifications)}",
        f"{_ms(answer.p50)} / {_ms(answer.p99)}",
        f"{answer.p99 / base_answer.p99:.2f}",
        f"{len(r.acks)} / {_bad(r.acks)}",
        f"{_ms(ack.p50)} / {_ms(ack.p99)}",
        f"{ack.p99 / base_ack.p99:.2f}",
        pages,
        delay,
        left,
        work,
        goal,
    ]
    return "| " + " | ".join(cells) + " |"


def markdown(results: list[Result], options: Options) -> str:
    baseline = results[0]
    skipped = (
        []
        if any(r.database == "PostgreSQL" for r in results)
        else ["", "PostgreSQL did not answer, so opsbot was not measured on it."]
    )
    header = (
        "| Server | Database | Notifications / not 2xx | Answer p50 / p99 | Answer p99 / "
        "baseline | Slash commands / not 2xx | Ack p50 / p99 | Ack p99 / baseline | Page DMs "
        "(groups paged once / more / never) | First notification → page DM p50 / p99 | "
        "Unprocessed / unsent | Work done | Goals met |\n"
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| --- |"
    )
    sources = options.sources
    return "\n".join(
        [
            "### Alerts in under load",
            "",
            f"{options.groups * 5:,} Alertmanager notifications (webhook version 4): "
            f"{options.groups} alert groups of 5 notifications each (an alert fires; a second "
            "and a third join; the first resolves; the group resolves), a group's next "
            "notification sent once its previous one was answered, as an Alertmanager does, "
            f"from {options.senders} concurrent senders, each on its own keep-alive "
            f"connection. The groups come from {sources} sources, 5 groups each, so that "
            "none is a storm (past 5 new groups of one source in 10 minutes opsbot pages "
            "once for the storm): exactly one page per group is owed, to a roster with "
            "someone on standby at the time of the run. Meanwhile signed `/incident list` "
            f"commands arrive at {options.slash_rate:g} per second from another thread, from "
            "the first notification until the alerts' work is done (the baseline's: until "
            f"its notifications are answered), and at least {options.slash_least} per server "
            "(so most of the baseline's acks are timed once its notifications are answered). "
            "opsbot is `opsbot serve` started through the CLI, with its scheduler in process "
            "(which sends what was deferred), on SQLite in WAL mode and on PostgreSQL (a "
            "schema of its own); the baseline is the same cheroot server "
            f"(bot.http_server.HttpServer, {SERVER_THREADS} threads) with a WSGI app that "
            "reads an alert's body and answers 200 storing nothing, and hands Slack's requests "
            "to a bare Bolt app that only acks. Each server has its own process and Web API "
            "stand-in process; the senders run in the benchmark's process. The servers take "
            f"turns in {options.rounds} rounds, each round with sources of its own, after an "
            "unmeasured warm-up (5 groups of a source of its own). Answer: from writing a "
            "notification until its answer was read; ack: the same for a slash command. "
            "First notification → page DM: from the moment a group's first notification was "
            "sent (opsbot acts on it before it answers 2xx, and may page before the sender "
            "has read the answer) until the stand-in answered the page's `chat.postMessage` to the "
            "person on standby (both read the machine's monotonic clock). Page DMs are "
            "counted in the stand-in, per group. Work done: from each round's first "
            "notification until every page had arrived, the inbox held nothing unacted on "
            "and no delivery waited for its first attempt, summed over the rounds. "
            "Unprocessed / unsent: notifications the inbox still held unacted on, and "
            "deliveries still owed, once the scheduler had sent what was deferred. Goals: "
            f"page p99 under {GOAL_PAGE_P99:g} s, answer p99 within {GOAL_ANSWER_RATIO:g} "
            f"times the baseline's, ack p99 within {GOAL_ACK_RATIO:g} times the baseline's, "
            "exactly one page per group, nothing left.",
            *skipped,
            "",
            header,
            *[_row(r, baseline) for r in results],
        ]
    )

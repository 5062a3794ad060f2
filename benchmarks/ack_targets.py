"""What the ack-latency benchmark sends and checks: each server under test as a `Target`
(the bare Bolt baseline acks and does nothing more; `OpsbotTarget` also waits for the work
opsbot does after its acks and verifies it), and the stand-in workspace each server talks to."""

from __future__ import annotations

import contextlib
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator

from sqlalchemy import func, or_, select

from benchmarks.load import Answer
from benchmarks.remote_standin import RemoteSlack
from benchmarks.servers import SIGNING_SECRET, BenchmarkError, ServerProcess
from bot.config import OrgConfig
from bot.db.engine import Database
from bot.incidents.models import Incident
from bot.kit.slack_requests import SlackRequests, sign
from bot.ledger.models import PENDING, SENT, Delivery

TITLE = "Benchmark incident"
DECLARER = "U0ALICE01"
COMMAND_CHANNEL = "C0GENERAL1"
SETTLE_TIMEOUT = 300.0  # seconds to wait for the after-ack work
STALLED = 10.0  # seconds without progress after which the after-ack work counts as done
POLL = 0.05  # seconds between looks at the database and the stand-in while settling
_INDEX = re.compile(r"benchmark[ -]incident[ -](\d+)", re.IGNORECASE)  # in titles, names, texts


# -- the Web API stand-in, each server's own, in a process of its own --------------------


@contextlib.contextmanager
def slack_workspace(config: OrgConfig, delay: float) -> Iterator[RemoteSlack]:
    channels = {"incidents": config.channels.incidents, "general": COMMAND_CHANNEL}
    with RemoteSlack({DECLARER: "alice"}, channels, delay) as slack:
        yield slack


def _describe(database_url: str) -> str:
    return "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"


# -- what is sent and what is checked -----------------------------------------------------


class Target:
    """A server under test at `url`; the baseline has no after-ack work."""

    ack_text = ""  # what the body of a correct ack contains
    has_after_ack_work = False

    def __init__(self, url: str):
        self.url = url.rstrip("/") + "/slack/events"
        self.response_urls: dict[int, str] = {}

    def prepare(self, index: int) -> tuple[str, dict[str, str]]:
        response_url = self.response_urls.get(index)
        requests = SlackRequests(
            self.url, SIGNING_SECRET, response_url=(lambda: response_url) if response_url else None
        )
        body = requests.command_body(
            "/incident", f"declare sev2 {TITLE} {index}", DECLARER, COMMAND_CHANNEL
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return body, {**headers, **sign(SIGNING_SECRET, body)}

    def expect(self, indices: range) -> None:
        """Get ready to send `indices` (e.g. hand out their response URLs)."""

    def is_ack(self, answer: Answer) -> bool:
        return answer.status == 200 and self.ack_text in answer.body

    def settle(self, indices: list[int]) -> None:
        """Wait until the work done after the acks of `indices` has finished."""

    def forget(self) -> None:
        """Forget what the warm-up left behind."""

    def verify(self, indices: list[int]) -> None:
        """Raise BenchmarkError unless the after-ack work of `indices` was all done."""


class OpsbotTarget(Target):
    ack_text = "Declaring"
    has_after_ack_work = True

    def __init__(self, url: str, slack: RemoteSlack, database_url: str, incidents_channel: str):
        super().__init__(url)
        self.slack = slack
        self.db = Database(database_url)  # this process's view of the server's database
        self.incidents_channel = incidents_channel
        self.server: ServerProcess | None = None

    def close(self) -> None:
        self.db.dispose()

    def expect(self, indices: range) -> None:
        urls = self.slack.call("response_urls", len(indices))
        self.response_urls.update(zip(indices, urls, strict=True))

    def settle(self, indices: list[int]) -> None:
        """Until every incident is in the database and no delivery waits for its first
        attempt or is being sent (the declarer's answer goes before the deliveries); or
        until nothing has moved for STALLED seconds (what is missing then is for `verify`
        to name)."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        last, moved = None, time.monotonic()
        while time.monotonic() < deadline:
            progress = (*self._ledger_progress(), *self.slack.call("progress"))
            declared, waiting = progress[0], progress[2]
            # indices run from 1 across warm-up and rounds, one incident each
            if declared >= max(indices) and waiting == 0:
                return
            if progress != last:
                last, moved = progress, time.monotonic()
            elif time.monotonic() - moved > STALLED:
                return
            time.sleep(POLL)
        raise BenchmarkError(f"after-ack work still going after {SETTLE_TIMEOUT:.0f} s")

    def _ledger_progress(self) -> tuple[int, int, int]:
        with self.db.read() as session:
            declared = session.scalar(select(func.count()).select_from(Incident)) or 0
            sent = session.scalar(select(func.count()).where(Delivery.status == SENT)) or 0
            waiting = session.scalar(
                select(func.count()).where(
                    Delivery.status == PENDING,
                    or_(Delivery.lease_owner.is_not(None), Delivery.next_attempt_at.is_(None)),
                )
            )
        return declared, sent, waiting or 0

    def forget(self) -> None:
        self.slack.call("clear")

    def verify(self, indices: list[int]) -> None:
        problems = self.problems(indices)
        if problems:
            logged = self.server.log_problems() if self.server else ""
            raise BenchmarkError(
                "after-ack work missing:\n  "
                + "\n  ".join(problems)
                + (f"\nthe server logged:\n{logged}" if logged else "")
            )

    def problems(self, indices: list[int]) -> list[str]:
        """What is missing or doubled: one incident, one channel, one announcement and one
        answer naming the incident per index; nothing unsent."""
        expected = Counter(indices)
        with self.db.read() as session:
            incidents = session.execute(select(Incident.id, Incident.title)).all()
            unsent = session.scalars(select(Delivery.key).where(Delivery.status != SENT)).all()
        refs = {i: f"INC-{id_}" for id_, title in incidents for i in _indices([title])}
        declared = Counter(i for i in _indices(title for _, title in incidents) if i in expected)
        calls = self.slack.call("calls", ["conversations.create", "chat.postMessage"])
        created = Counter(
            _indices(
                args["name"]
                for method, ok, args in calls
                if ok and method == "conversations.create"
            )
        )
        announced = Counter(
            _indices(
                args["text"]
                for method, ok, args in calls
                if ok and method == "chat.postMessage" and args["channel"] == self.incidents_channel
            )
        )
        index_of = {url.rsplit("/", 1)[-1]: i for i, url in self.response_urls.items()}
        told = Counter(
            index
            for token, said in self.slack.call("responses")
            if (index := index_of.get(token)) in expected
            and index in refs
            and f"Declared {refs[index]}." in said
        )
        problems = [
            _mismatch(what, found, expected)
            for what, found in (
                ("incidents in the database", declared),
                ("conversations.create calls", created),
                (f"announcements in {self.incidents_channel}", announced),
                ("declarers told their incident's number", told),
            )
        ]
        if unsent:
            problems.append(f"{len(unsent)} deliveries not sent, e.g. {unsent[:3]}")
        errors = self.slack.call("errors")
        if errors:
            problems.append(f"the stand-in failed {len(errors)} times:\n{errors[0]}")
        return [problem for problem in problems if problem]


def _indices(texts: Iterable[str | None]) -> list[int]:
    return [int(match[1]) for text in texts if text and (match := _INDEX.search(text))]


def _mismatch(what: str, found: Counter[int], expected: Counter[int]) -> str:
    wrong = sorted(i for i in found.keys() | expected.keys() if found[i] != expected[i])
    if not wrong:
        return ""
    examples = ", ".join(f"#{i}: {found[i]}" for i in wrong[:5])
    return f"{what}: {len(wrong)} incidents without exactly one ({examples})"

"""Several replicas on one database: two `opsbot serve` (HTTP, each also running its own
scheduler) and two `opsbot clock`s that overlap, as during a Procfile host's restart, all on
the test database (PostgreSQL in CI's second pass). Requests go to either server, a Slack
retry of a declare goes to the other one, and the four schedulers tick at the same moments
in threads of their own while the servers' after-ack work runs, from Mon 23 Nov 09:00 to
Thu 26 Nov 09:30 JST: the week's Loop prompts, answers, reminder and digest; Tuesday's
standby windows with an acknowledgement; an incident declared, escalated up a level,
acknowledged, updated, nudged and resolved.

The same week is then played by one process alone on a SQLite file of its own. Exactly once
means the two workspaces end up with the same messages, and the Web API saw the same
writes, each as many times as the single process made them: a delivery sent twice, or
lost, would show as a difference."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.app import OpsBot, create_app
from bot.config import OrgConfig, example_config_path, load_config
from bot.escalation.models import Escalation
from bot.http_server import HttpServer
from bot.incidents.models import Incident
from bot.kit.slack_requests import Reply, SlackRequests, sign
from bot.kit.standin import SlackStandIn
from bot.ledger.models import PENDING, SENT, SKIPPED, Delivery
from bot.schema.migrate import upgrade
from tests.conftest import (
    ALICE,
    CAROL,
    GENERAL,
    SIGNING_SECRET,
    TEST_CLOCK,
    make_settings,
    make_standin,
)

pytestmark = pytest.mark.slow  # two servers and two clocks through a week

JST = dt.timezone(dt.timedelta(hours=9))
LOOP = "C0LOOPLOOP"
STANDBY = "C0STANDBY1"
WINDOW = "platform:2026-11-24:0730"  # Carol's
PAY, SEARCH, MOBILE, LEAD = "U0PMPAY01", "U0PMSRCH1", "U0PMMOB01", "U0LEAD001"
START = dt.datetime(2026, 11, 23, 7, 0, tzinfo=JST)
END = dt.datetime(2026, 11, 26, 9, 30, tzinfo=JST)
# The Web API methods that change the workspace (reads and joins differ with the number of
# processes: each has its own cache of users and of the channels it has joined).
WRITES = {
    "chat.postMessage",
    "chat.update",
    "chat.postEphemeral",
    "conversations.create",
    "conversations.invite",
    "conversations.setTopic",
    "files.completeUploadExternal",
    "views.open",
    "views.publish",
}


def jst(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=JST)


@dataclass
class Deployment:
    """Processes on one database: `servers` answer Slack's requests (round robin), every
    app in `schedulers` ticks at each moment, all at once."""

    servers: list[tuple[OpsBot, SlackRequests]]
    schedulers: list[OpsBot]
    standin: SlackStandIn
    turn: int = 0
    tick_errors: list[BaseException] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)

    @property
    def apps(self) -> list[OpsBot]:
        apps: list[OpsBot] = []
        for app in [app for app, _ in self.servers] + self.schedulers:
            if all(app is not known for known in apps):
                apps.append(app)
        return apps

    def next_server(self) -> SlackRequests:
        _, requests = self.servers[self.turn % len(self.servers)]
        self.turn += 1
        return requests

    def tick_all(self) -> None:
        """Every scheduler ticks at once, each in its own thread."""
        start = threading.Barrier(len(self.schedulers))

        def tick(app: OpsBot) -> None:
            start.wait()
            try:
                app.tick()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                self.tick_errors.append(exc)

        threads = [threading.Thread(target=tick, args=(app,)) for app in self.schedulers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def settle(self) -> None:
        for app in self.apps:
            assert app.wait_idle(timeout=30), "after-ack work still running after 30 s"

    def act(self, send: Callable[[SlackRequests], Reply]) -> None:
        """One request to the next server; the schedulers tick while its after-ack work runs."""
        reply = send(self.next_server())
        assert reply.status == 200, reply
        self.replies.append(reply.text)
        self.tick_all()
        self.settle()


def chain_id(deployment: Deployment) -> str:
    with deployment.schedulers[0].db.read() as session:
        found = session.scalars(select(Escalation.id)).all()
    assert len(found) == 1, deployment.replies
    return str(found[0])


def loop_answer(deployment: Deployment, user: str, working_on: str, **extra: object) -> None:
    """The PM opens the update modal with `/lol update` and submits it."""
    deployment.act(lambda slack: slack.command("/lol", "update", user=user, channel=user))
    view = deployment.standin.calls_to("views.open")[-1].arg("view")
    values = {
        "working_on": working_on,
        "roadblocks": "",
        "status": {"option": extra.pop("status", "on_track")},
        **extra,
    }
    deployment.act(
        lambda slack: slack.submit_view(
            "loop_update", values, user=user, private_metadata=view["private_metadata"]
        )
    )


def declare_with_a_retry(deployment: Deployment) -> None:
    """Slack retries the declare (its first attempt timed out) and the retry reaches the
    other server while the first is still being handled."""
    first = deployment.next_server()
    other = deployment.next_server()
    body = first.command_body("/incident", "declare sev2 Checkout is slow", ALICE, GENERAL)
    content = "application/x-www-form-urlencoded"
    # Signed here: freezegun gives real time to calls made near the top of a thread.
    signed = sign(SIGNING_SECRET, body)
    retry = {**signed, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}

    def send(slack: SlackRequests, headers: dict[str, str]) -> None:
        reply = slack.post(body, content, headers)
        assert reply.status == 200, reply
        deployment.replies.append(reply.text)

    threads = [
        threading.Thread(target=send, args=(first, signed)),
        threading.Thread(target=send, args=(other, retry)),
    ]
    for thread in threads:
        thread.start()
    deployment.tick_all()
    for thread in threads:
        thread.join()
    deployment.settle()
    assert len(deployment.replies[-2:]) == 2, "a request went unanswered"


def the_week(deployment: Deployment) -> dict[dt.datetime, Callable[[], None]]:
    d = deployment
    return {
        # Monday: two of three PMs answer the 10:00 prompt; Payments asks Search for help.
        jst(23, 11): lambda: loop_answer(
            d,
            PAY,
            "Checkout v2",
            status="at_risk",
            need_0_teams={"options": ["search"]},
            need_0_text="Receipt search index by Friday",
        ),
        jst(23, 11, 5): lambda: loop_answer(d, SEARCH, "Ranking experiments"),
        # Tuesday morning: Carol's window; an incident paged up to the lead.
        jst(24, 7, 33): lambda: d.act(
            lambda s: s.click(
                "standby_ack", "platform:2026-11-24:0730", user=CAROL, channel=STANDBY
            )
        ),
        jst(24, 7, 40): lambda: declare_with_a_retry(d),
        jst(24, 7, 41): lambda: d.act(
            lambda s: s.command("/incident", "escalate INC-1 platform", user=ALICE, channel=GENERAL)
        ),
        jst(24, 7, 48): lambda: d.act(
            lambda s: s.click("page_ack", chain_id(d), user=LEAD, channel=LEAD)
        ),
        jst(24, 9, 0): lambda: d.act(
            lambda s: s.command(
                "/incident", "update INC-1 Rolled back the deploy", user=ALICE, channel=GENERAL
            )
        ),
        jst(24, 13, 0): lambda: d.act(
            lambda s: s.command("/incident", "resolve INC-1 fixed", user=ALICE, channel=GENERAL)
        ),
        # Wednesday: the reminder at 10:00 reaches Mobile only; its PM answers late.
        jst(25, 11): lambda: loop_answer(d, MOBILE, "Release 5.2", status="blocked"),
    }


def moments() -> list[dt.datetime]:
    """Every quarter hour, and every minute around Tuesday's escalation."""
    found = set()
    moment = START
    while moment <= END:
        found.add(moment)
        moment += dt.timedelta(minutes=15)
    moment = jst(24, 7, 30)
    while moment <= jst(24, 8, 15):
        found.add(moment)
        moment += dt.timedelta(minutes=1)
    return sorted(found)


def play(deployment: Deployment) -> None:
    events = the_week(deployment)
    with freeze_time(START) as frozen:
        for moment in sorted(set(moments()) | set(events)):
            frozen.move_to(moment)
            if moment in events:
                events[moment]()
            deployment.tick_all()
    assert deployment.tick_errors == []


def workspace_record(standin: SlackStandIn) -> tuple[Counter, Counter]:
    """What the workspace holds (every message as it reads now, by channel name) and every
    successful write the Web API answered."""
    ws = standin.workspace

    def where(channel_id: str | None) -> str:
        channel = ws.channels.get(channel_id or "")
        return channel.name if channel else str(channel_id)

    with ws.lock:
        messages = Counter(
            (where(m.channel), m.is_reply, m.ephemeral_user, m.text, m.edited)
            for m in ws.message_log
        )
    writes = Counter(
        (call.method, where(call.arg("channel")), call.arg("text"), call.arg("name"))
        for call in standin.calls
        if call.method in WRITES and call.ok
    )
    return messages, writes


def ledger_summary(app: OpsBot) -> Counter:
    with app.db.read() as session:
        return Counter(
            (kind, status, attempts)
            for kind, status, attempts in session.execute(
                select(Delivery.kind, Delivery.status, Delivery.attempts)
            )
        )


def serving(stack: ExitStack, app: OpsBot, standin: SlackStandIn) -> tuple[OpsBot, SlackRequests]:
    http = HttpServer(app.wsgi(), host="127.0.0.1", port=0, threads=4)
    http.start_in_thread()
    stack.callback(http.stop, 5)
    url = f"http://127.0.0.1:{http.port}"
    return app, SlackRequests(url, SIGNING_SECRET, response_url=standin.new_response_url)


def app_on(stack: ExitStack, url: str, standin: SlackStandIn, config: OrgConfig) -> OpsBot:
    app = create_app(make_settings(url, standin), config, backoff_factor=0.01, clock=TEST_CLOCK)
    stack.callback(app.close)
    return app


@dataclass(frozen=True)
class Outcome:
    """What a deployment's week came to."""

    ledger: Counter
    messages: Counter
    writes: Counter


def outcome(deployment: Deployment) -> Outcome:
    return Outcome(ledger_summary(deployment.schedulers[0]), *workspace_record(deployment.standin))


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """The week played by one process with its scheduler, on a SQLite file and a Slack of
    its own (once for both databases the replicas run on)."""
    config = load_config(example_config_path())
    url = f"sqlite:///{tmp_path_factory.mktemp('alone') / 'alone.db'}"
    upgrade(url)
    with ExitStack() as stack:
        standin = stack.enter_context(make_standin(config))
        standin.add_channel("loop", LOOP)
        app = app_on(stack, url, standin, config)
        deployment = Deployment([serving(stack, app, standin)], [app], standin)
        play(deployment)
        return outcome(deployment)


@pytest.fixture
def replicated(database_url: str, standin: SlackStandIn, config: OrgConfig) -> Iterator[Deployment]:
    standin.add_channel("loop", LOOP)
    with ExitStack() as stack:
        webs = [app_on(stack, database_url, standin, config) for _ in range(2)]
        clocks = [app_on(stack, database_url, standin, config) for _ in range(2)]
        servers = [serving(stack, web, standin) for web in webs]
        yield Deployment(servers, [*webs, *clocks], standin)


def test_two_servers_and_two_clocks_deliver_a_week_exactly_once(replicated, alone):
    play(replicated)

    with replicated.schedulers[0].db.read() as session:
        [incident] = session.scalars(select(Incident)).all()  # the retry declared nothing
        unsent = session.scalars(select(Delivery.key).where(Delivery.status == PENDING)).all()
    assert incident.status == "resolved"
    assert unsent == []
    week = outcome(replicated)
    # Sent once each at the first attempt; set aside only what stopped being wanted.
    assert {(status, attempts) for _, status, attempts in week.ledger} == {
        (SENT, 1),
        (SKIPPED, 0),
    }
    assert {kind for kind, status, _ in week.ledger if status == SKIPPED} == {
        "loop_reminder",  # to teams that had answered
        "loop_digest_part",  # the digest fitted in one message
    }
    assert week.ledger == alone.ledger

    assert sum(alone.messages.values()) > 40  # the week did happen
    assert week.messages - alone.messages == Counter(), "sent more than once"
    assert alone.messages - week.messages == Counter(), "never sent"
    assert week.writes == alone.writes

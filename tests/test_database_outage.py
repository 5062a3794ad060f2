"""PostgreSQL going away and coming back, in process: the real app behind cheroot, its
database reached through a TCP proxy (tests/tcp_proxy.py) that drops every connection and
refuses, black-holes or stalls new ones, then restores them.

While the database is away, a slash command, a click and a modal submission each get
HTTP 200 and one line saying opsbot cannot reach its database (within Slack's 3 seconds,
whichever way it is away); /healthz says 503, and so does a calendar feed (a calendar app
fetches it again later). Once it is back, everything works without a restart, and what
came due meanwhile (a standby window's post and ping, an escalation step, a Loop-of-Loops
reminder) is sent once, marked late where the ledger does that.
Time is moved with freezegun; nothing is slept through. PostgreSQL only: skipped, saying
why, where none is reachable."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from freezegun import freeze_time
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.app import create_app
from bot.escalation.models import Page
from bot.incidents.models import Incident
from bot.kit.slack_requests import Reply
from bot.ledger import Due, Ledger, Outcome
from bot.ledger.models import Delivery
from bot.schema.migrate import upgrade
from bot.standby.calendar import feed_url, issue_feed
from schedules import DatabaseOutage, _safe_tick
from tests.conftest import (
    ALICE,
    BOB,
    CAROL,
    GENERAL,
    TEST_CLOCK,
    fresh_postgres,
    make_settings,
    postgres_base_url,
)
from tests.tcp_proxy import TcpProxy
from tests.test_health import health
from tests.test_standby_calendar import fetch

PAY, SEARCH, MOBILE = "U0PMPAY01", "U0PMSRCH1", "U0PMMOB01"
LEAD = "U0LEAD001"
STANDBY, LOOP = "C0STANDBY1", "C0LOOPLOOP"
JST = dt.timezone(dt.timedelta(hours=9))
SLACK_ACK_LIMIT = 3.0  # seconds Slack waits for an ack
CANNOT_REACH = ":x: opsbot cannot reach its database right now, so it could not finish"


def jst(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=JST)


@pytest.fixture
def postgres_url() -> str:
    base_url, why = postgres_base_url()
    if base_url is None:
        pytest.skip(why)
    url = fresh_postgres(base_url)
    upgrade(url)
    return url


@pytest.fixture
def proxy(postgres_url: str):
    where = make_url(postgres_url)
    with TcpProxy(where.host or "127.0.0.1", where.port or 5432) as tcp:
        yield tcp


def through(url: str, proxy: TcpProxy) -> str:
    """`url` with its connections going through the proxy."""
    return (
        make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    )


@pytest.fixture
def bot(postgres_url, proxy, standin, config):
    """The app (conftest's `server` and `slack` serve it) on PostgreSQL through the proxy."""
    app = create_app(
        make_settings(through(postgres_url, proxy), standin),
        config,
        backoff_factor=0.01,
        clock=TEST_CLOCK,
    )
    yield app
    proxy.restore()
    app.close()


def timed(send):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    reply = send()
    return reply, time.monotonic() - started


def declare(slack, bot) -> Incident:
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    with bot.db.read() as session:
        return session.scalars(select(Incident)).one()


def loop_update(slack, bot, user: str = PAY):
    metadata = json.dumps({"team": "payments", "week": bot.loop.week().id})
    values = {"working_on": "Moving to the new ledger", "status": {"option": "on_track"}}
    return slack.submit("loop_update", values, user=user, private_metadata=metadata)


# -- requests while the database is away ------------------------------------------------


def test_while_connections_are_refused_each_request_gets_one_line_then_all_works_again(
    slack, bot, standin, proxy, server
):
    incident = declare(slack, bot)
    feed = feed_url(issue_feed(bot.db, "roster", "platform", bot.clock.now()))
    proxy.refuse()

    reply, took = timed(lambda: slack.command("list", user=ALICE))
    assert (reply.status, reply.json()["response_type"]) == (200, "ephemeral")
    assert reply.text.startswith(f"{CANNOT_REACH} `/incident list`. Try again in a minute;")
    assert "(request `trigger." in reply.text and took < SLACK_ACK_LIMIT

    before = len(standin.responses())
    reply = slack.click("incident_take_ic", str(incident.id), user=BOB)
    assert reply.status == 200
    [told] = standin.responses()[before:]
    assert (told["response_type"], told["text"].split(". ")[0]) == (
        "ephemeral",
        f"{CANNOT_REACH} that",
    )

    # A modal that saves before its ack stays open, the line under its first field.
    reply = loop_update(slack, bot)
    assert reply.status == 200
    assert reply.json()["response_action"] == "errors"
    [(field, line)] = reply.json()["errors"].items()
    assert field == "working_on"
    assert line.startswith("opsbot cannot reach its database right now, so it could not finish")

    # A modal acknowledged before its work (it closes at once) is answered by DM.
    dms_before = len(standin.messages(ALICE))
    reply = slack.submit(
        "incident_update",
        {"text": "Rolled back"},
        user=ALICE,
        private_metadata=json.dumps({"incident": incident.id}),
    )
    assert (reply.status, reply.body) == (200, "")
    [dm] = standin.messages(ALICE)[dms_before:]
    assert dm.text.startswith(f"{CANNOT_REACH} that.")

    # A command answered after its ack, through its response_url.
    before = len(standin.responses())
    reply = slack.command("", command="/standby", user=ALICE)
    assert (reply.status, reply.text) == (200, "")
    [told] = standin.responses()[before:]
    assert told["text"].startswith(f"{CANNOT_REACH} `/standby`.")

    # A declare, acknowledged at once and recorded after: nothing declared, and why.
    before = len(standin.responses())
    reply = slack.command("declare sev1 Payments are down", user=ALICE)
    assert "Declaring a sev1 incident" in reply.text
    [told] = standin.responses()[before:]
    assert told["text"].startswith(
        ":x: opsbot cannot reach its database right now, so nothing was declared."
    )

    assert health(server) == (503, {"ok": False, "database": "down"})
    assert fetch(f"{server}{feed}")[0] == 503  # a calendar app tries again later

    proxy.restore()  # no restart: the same process, the same pool

    assert health(server) == (200, {"ok": True, "database": "up"})
    assert fetch(f"{server}{feed}")[0] == 200
    assert "INC-1" in slack.command("list", user=ALICE).text
    slack.click("incident_take_ic", str(incident.id), user=BOB)
    reply = loop_update(slack, bot)
    assert (reply.status, reply.body) == (200, "")
    with bot.db.read() as session:
        assert session.get(Incident, incident.id).commander == BOB


@pytest.mark.slow
def test_a_database_that_never_answers_a_connect_still_gets_every_ack_within_3_seconds(
    slack, bot, standin, proxy, server
):
    """A host that drops packets: connecting gives up after 2 s; once that has happened,
    one request at a time tries again and the others are answered at once (a burst of
    eight here, twice the server's threads: each waiting 2 s in turn would answer the last
    ones too late)."""
    declare(slack, bot)
    proxy.black_hole()

    def list_incidents() -> tuple[Reply, float]:
        return timed(
            lambda: slack.requests.command("/incident", "list", user=ALICE, channel=GENERAL)
        )

    first, took = list_incidents()
    assert first.text.startswith(f"{CANNOT_REACH} `/incident list`.")
    assert 2 <= took < SLACK_ACK_LIMIT  # psycopg's connect timeout
    with ThreadPoolExecutor(8) as burst:
        replies = list(burst.map(lambda _: list_incidents(), range(8)))
    assert sum(took >= 1 for _, took in replies) <= 1  # the one trying again, if any
    for reply, took in replies:
        assert reply.status == 200 and took < SLACK_ACK_LIMIT, took
        assert reply.text.startswith(f"{CANNOT_REACH} `/incident list`.")
    (status, body), took = timed(lambda: health(server))
    assert (status, body["database"]) == (503, "down") and took < SLACK_ACK_LIMIT

    proxy.restore()
    assert "INC-1" in slack.command("list", user=ALICE).text
    assert health(server)[0] == 200


@pytest.mark.slow
def test_a_database_that_stops_answering_mid_conversation_is_acknowledged_by_the_deadline(
    slack, bot, standin, proxy
):
    """A network partition: open connections wait for answers that never come (no error
    to catch); the ack goes anyway, before Slack's 3 seconds are up."""
    declare(slack, bot)
    proxy.stall()

    reply, took = timed(
        lambda: slack.requests.command("/incident", "list", user=ALICE, channel=GENERAL)
    )
    assert reply.status == 200 and took < SLACK_ACK_LIMIT
    assert reply.text.startswith(":x: opsbot cannot reach its database right now")
    assert "`/incident list`" in reply.text

    proxy.restore()
    assert bot.wait_idle(30)
    assert "INC-1" in slack.command("list", user=ALICE).text


def test_the_first_transaction_after_an_outage_may_open_another_inside_it(bot, proxy):
    """While the database is known to be away only one caller tries it; once that caller
    has a connection, the database counts as back, also for a read it makes inside."""
    proxy.refuse()
    with pytest.raises(OperationalError):
        bot.db.ping()
    proxy.restore()
    with bot.db.session() as outer:
        outer.execute(select(Incident.id)).all()
        with bot.db.read() as inner:
            assert inner.execute(select(Delivery.id)).all() == []


# -- what came due while the database was away -------------------------------------------


def posts(standin, channel=STANDBY):
    return [m for m in standin.messages(channel) if not m.is_reply]


def outage_lines(caplog) -> list[tuple[str, bool]]:
    """(message, whether it carried a traceback) of the scheduler's log lines."""
    return [
        (r.getMessage(), r.exc_info is not None) for r in caplog.records if r.name == "schedules"
    ]


def test_a_window_that_opens_while_the_database_is_away_is_posted_once_after_late(
    bot, standin, proxy, caplog
):
    outage = DatabaseOutage(bot.clock)
    with freeze_time(jst(24, 7, 29)) as clock, caplog.at_level(logging.INFO):
        _safe_tick(bot.tick, None, outage)
        proxy.refuse()
        for minute in (30, 31, 32):
            clock.move_to(jst(24, 7, minute))
            _safe_tick(bot.tick, None, outage)
        assert posts(standin) == []
        proxy.restore()
        clock.move_to(jst(24, 7, 35))
        _safe_tick(bot.tick, None, outage)
        _safe_tick(bot.tick, None, outage)

    [post] = posts(standin)
    assert "Platform standby" in post.text and f"<@{CAROL}>" in post.text
    assert "Sent late: this was due at" in post.text
    pings = [m for m in standin.messages(CAROL) if "You are on standby" in m.text]
    assert len(pings) == 1
    with bot.db.read() as session:
        opened = session.scalars(select(Delivery).where(Delivery.key.like("standby:%:post"))).one()
    assert (opened.status, opened.late) == ("sent", True)
    [(went, traceback), (back, _)] = outage_lines(caplog)
    assert went.startswith("scheduler tick: cannot reach the database (connection failed")
    assert back.startswith("scheduler tick: the database is back after") and "3 ticks" in back
    assert not traceback


def test_an_escalation_step_due_while_the_database_is_away_is_taken_once_after(
    slack, bot, standin, proxy
):
    with freeze_time(jst(24, 7, 40)) as clock:
        declare(slack, bot)
        slack.command("escalate INC-1 platform the database is on fire", user=ALICE)
        bot.tick()
        proxy.refuse()
        for minute in (45, 46):  # the lead is due at 07:45
            clock.move_to(jst(24, 7, minute))
            _safe_tick(bot.tick)
        proxy.restore()
        clock.move_to(jst(24, 7, 48))
        bot.tick()
        bot.tick()

    pages = [m for m in standin.messages(LEAD) if "You are paged" in m.visible_text]
    assert len(pages) == 1
    with bot.db.read() as session:
        paged = [(p.target, p.loop) for p in session.scalars(select(Page).order_by(Page.id))]
    assert paged == [(CAROL, 0), (LEAD, 0)]


def test_a_loop_reminder_due_while_the_database_is_away_is_sent_once_after_late(
    bot, standin, proxy
):
    standin.add_channel("loop", LOOP)
    standin.add_user(MOBILE, "mo", tz="Europe/London")
    with freeze_time(jst(23, 10, 0)) as clock:
        bot.tick()  # Monday's prompts
        clock.move_to(jst(25, 9, 59))
        bot.tick()
        proxy.refuse()
        clock.move_to(jst(25, 10, 0))  # Wednesday's reminders are due
        _safe_tick(bot.tick)
        proxy.restore()
        clock.move_to(jst(25, 10, 5))
        bot.tick()
        bot.tick()

    for pm in (PAY, SEARCH, MOBILE):
        [reminder] = [m for m in standin.messages(pm) if m.text.startswith("Reminder")]
        assert "Sent late" in reminder.text


@pytest.mark.slow
def test_a_delivery_sent_just_before_the_database_went_away_is_not_sent_again(bot, standin, proxy):
    """The database goes away between a message's send and its record: the outcome is
    kept and written first once the database is back, so the message is not sent again;
    the delivery claimed with it but not started goes at once, not after its lease."""
    sent: list[str] = []

    def send_then_lose_the_database(delivery: Delivery) -> Outcome:
        answer = bot.client.chat_postMessage(**delivery.payload)
        sent.append(delivery.key)
        if len(sent) == 1:
            proxy.refuse()
        return Outcome(sent=True, channel=answer["channel"], ts=answer["ts"])

    ledger = Ledger(bot.db, send_then_lose_the_database, clock=bot.clock)
    with freeze_time(jst(24, 9, 0)):  # leases (5 minutes) do not run out meanwhile
        with bot.db.session() as session:
            for key in ("test:first", "test:second"):
                payload = {"channel": GENERAL, "text": key}
                due = Due(key, "test", "chat.postMessage", payload, jst(24, 9))
                Ledger.enqueue(session, due, bot.clock.now())
        with pytest.raises(OperationalError):
            ledger.deliver_due()
        proxy.restore()
        assert ledger.deliver_due().sent == ["test:second"]
        assert ledger.deliver_due().sent == []

    assert sent == ["test:first", "test:second"]
    assert [m.text for m in standin.messages(GENERAL)] == ["test:first", "test:second"]
    with bot.db.read() as session:
        rows = session.scalars(select(Delivery).order_by(Delivery.key)).all()
    assert [(d.key, d.status, d.result_ts is not None) for d in rows] == [
        ("test:first", "sent", True),
        ("test:second", "sent", True),
    ]


def test_a_delivery_whose_rendering_finds_the_database_gone_is_made_once_it_is_back(
    bot, standin, proxy, caplog
):
    """Renderers read the database at send time: the database going away then is not a
    failed attempt (no backoff, no traceback), and the delivery goes once it is back."""
    tries: list[str] = []

    def render_then_send(delivery: Delivery) -> Outcome:
        tries.append(delivery.key)
        if len(tries) == 1:
            proxy.refuse()
        bot.ledger.where_sent(delivery.key)  # a read, as a renderer makes
        answer = bot.client.chat_postMessage(**delivery.payload)
        return Outcome(sent=True, channel=answer["channel"], ts=answer["ts"])

    ledger = Ledger(bot.db, render_then_send, clock=bot.clock)
    with freeze_time(jst(24, 9, 0)):
        with bot.db.session() as session:
            payload = {"channel": GENERAL, "text": "rendered"}
            due = Due("test:rendered", "test", "chat.postMessage", payload, jst(24, 9))
            Ledger.enqueue(session, due, bot.clock.now())
        with caplog.at_level(logging.INFO), pytest.raises(OperationalError):
            ledger.deliver_due()
        proxy.restore()
        assert ledger.deliver_due().sent == ["test:rendered"]

    assert [m.text for m in standin.messages(GENERAL)] == ["rendered"]
    with bot.db.read() as session:
        delivery = session.scalars(select(Delivery)).one()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert [r for r in caplog.records if r.exc_info] == []


def test_deliveries_sent_right_after_a_change_are_left_to_the_tick_while_it_is_away(
    bot, standin, proxy, caplog
):
    """`deliver_soon` after a change: with the database gone meanwhile, one log line (no
    traceback in the work after the ack), and the tick sends it once it is back."""
    with freeze_time(jst(24, 9, 0)):
        with bot.db.session() as session:
            payload = {"channel": GENERAL, "text": "soon"}
            due = Due("test:soon", "test", "chat.postMessage", payload, jst(24, 9))
            Ledger.enqueue(session, due, bot.clock.now())
        proxy.refuse()
        with caplog.at_level(logging.INFO):
            report = bot.ledger.deliver_keys(["test:soon"])
        assert (report.sent, standin.messages(GENERAL)) == ([], [])
        proxy.restore()
        bot.tick()
        bot.tick()

    assert [m.text for m in standin.messages(GENERAL)] == ["soon"]
    [line] = [r.getMessage() for r in caplog.records if "left to the tick" in r.getMessage()]
    assert line.startswith("1 deliveries left to the tick: the database does not answer")
    assert [r for r in caplog.records if r.exc_info] == []

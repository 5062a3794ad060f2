"""The delivery ledger's guarantees: nothing posted twice, nothing lost, late marked late."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

import pytest
from freezegun import freeze_time
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app import create_app
from bot.ledger import Claimed, Due, Ledger, Outcome, Sent
from bot.ledger.models import Delivery
from tests.conftest import ALICE, BOB, GENERAL, INCIDENTS, TEST_CLOCK, make_settings

# Fri 27 Nov 10:00 JST: no standby window is open and the week's digest has gone out, so
# the first tick owes nothing of its own (a first tick before the digest owes the prompts).
T0 = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)


def deliveries(bot) -> dict[str, Delivery]:
    with bot.db.session() as session:
        return {d.key: d for d in session.scalars(select(Delivery))}


def top_level(standin, channel):
    return [m for m in standin.messages(channel) if not m.is_reply]


def owe(
    bot,
    key: str,
    text: str,
    due_at: dt.datetime,
    expires_at: dt.datetime | None = None,
    *,
    channel: str = GENERAL,
    **payload: object,
) -> None:
    """Owe Slack a chat.postMessage of `text` (and any other `payload`) to `channel`."""
    with bot.db.session() as session:
        Ledger.enqueue(
            session,
            Due(
                key,
                "test",
                "chat.postMessage",
                {"channel": channel, "text": text, **payload},
                due_at,
                expires_at,
            ),
            bot.clock.now(),
        )


def test_slack_down_leaves_deliveries_pending_and_a_later_tick_sends_each_once(slack, standin, bot):
    with freeze_time(T0) as clock:
        standin.fail_next("chat.postMessage", status=503, times=40)
        slack.command("declare sev2 Checkout is slow", user=ALICE)
        slack.command("update INC-1 Rolled back", user=BOB)

        pending = deliveries(bot)
        announcement = pending["incident:1:announcement"]
        assert announcement.status == "pending" and announcement.attempts >= 1
        assert announcement.last_error
        assert top_level(standin, INCIDENTS) == []

        standin.clear_faults()
        clock.tick(dt.timedelta(minutes=20))
        bot.tick()
        clock.tick(dt.timedelta(minutes=1))
        bot.tick()  # the threaded update waits for its parent, then follows

    [message] = top_level(standin, INCIDENTS)
    thread = [m for m in standin.messages(INCIDENTS) if m.is_reply]
    assert [m.thread_ts for m in thread] == [message.ts]
    assert "Rolled back" in thread[0].text
    assert all(d.status == "sent" for d in deliveries(bot).values())


def test_rate_limited_call_is_retried_after_retry_after(slack, standin):
    standin.fail_next("chat.postMessage", status=429, times=2, retry_after=0)
    slack.command("declare sev2 Checkout is slow")
    assert len(top_level(standin, INCIDENTS)) == 1
    assert [c.status for c in standin.calls_to("chat.postMessage")][:3] == [429, 429, 200]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.slow
def test_a_passing_server_error_is_retried_by_the_client_and_sent_once(bot, standin, status):
    standin.fail_next("chat.postMessage", status=status, times=2)
    with freeze_time(T0):
        owe(bot, "test:5xx", "hello", T0)
        bot.tick()
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [status, status, 200]
    assert [m.text for m in standin.messages(GENERAL)] == ["hello"]
    delivery = deliveries(bot)["test:5xx"]
    assert (delivery.status, delivery.attempts) == ("sent", 1)


def test_not_in_channel_joins_then_posts(bot, standin):
    standin.error_next("chat.postMessage", "not_in_channel")
    with freeze_time(T0):
        owe(bot, "test:join", "hello", T0)
        bot.tick()
    assert [c.arg("channel") for c in standin.calls_to("conversations.join")] == [GENERAL]
    assert [m.text for m in standin.messages(GENERAL)] == ["hello"]


@pytest.mark.parametrize(
    ("error", "channel"),
    [
        ("channel_not_found", GENERAL),
        ("is_archived", GENERAL),
        ("user_not_found", "U0GONE001"),  # a DM to someone who left the workspace
    ],
)
@pytest.mark.slow
def test_what_no_retry_can_fix_is_set_aside_with_a_log_line(bot, standin, caplog, error, channel):
    standin.error_next("chat.postMessage", error)
    with freeze_time(T0), caplog.at_level(logging.ERROR):
        owe(bot, "test:gone", "hello", T0, channel=channel)
        bot.tick()
        bot.tick()
    gone = deliveries(bot)["test:gone"]
    assert (gone.status, gone.attempts, gone.last_error) == ("skipped", 1, error)
    assert f"test:gone cannot be made: {error}" in caplog.text
    assert len(standin.calls_to("chat.postMessage")) == 1


def test_missed_delivery_is_sent_late_and_marked_late_while_still_relevant(bot, standin):
    with freeze_time(T0 + dt.timedelta(minutes=30)):
        owe(bot, "test:late", "Window opened", T0, expires_at=T0 + dt.timedelta(hours=2))
        bot.tick()
    [message] = standin.messages(GENERAL)
    assert message.text.startswith("Window opened") and "Sent late" in message.text
    assert deliveries(bot)["test:late"].late is True


@pytest.mark.parametrize("last", ["section", "context"])
def test_a_message_marked_late_stays_within_slacks_50_blocks(bot, standin, last):
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"part {n}"}} for n in range(49)
    ]
    if last == "context":
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "footer"}]})
    else:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "part 49"}})
    with freeze_time(T0 + dt.timedelta(minutes=30)):
        owe(bot, "test:full", "A full digest", T0, T0 + dt.timedelta(hours=2), blocks=blocks)
        bot.tick()
    [message] = standin.messages(GENERAL)
    assert len(message.blocks) == 50  # sent as blocks, not refused and sent as plain text
    assert "Sent late" in message.blocks[-1]["elements"][-1]["text"]
    if last == "context":  # the note joins the footer, and nothing is lost
        assert [b["text"]["text"] for b in message.blocks[:49]] == [f"part {n}" for n in range(49)]
        assert message.blocks[-1]["elements"][0]["text"] == "footer"


def test_missed_delivery_past_its_relevance_is_skipped_with_a_log_line(bot, standin, caplog):
    with freeze_time(T0 + dt.timedelta(hours=3)), caplog.at_level(logging.WARNING):
        owe(bot, "test:stale", "Window opened", T0, expires_at=T0 + dt.timedelta(hours=2))
        bot.tick()
    assert standin.messages(GENERAL) == []
    assert deliveries(bot)["test:stale"].status == "skipped"
    assert "test:stale skipped" in caplog.text


def test_the_same_key_is_owed_once(bot, standin):
    with freeze_time(T0):
        owe(bot, "test:once", "first", T0)
        owe(bot, "test:once", "second", T0)
        bot.tick()
        bot.tick()
    assert [m.text for m in standin.messages(GENERAL)] == ["first"]


def at_once(*calls: Callable[[], object]) -> None:
    """Run each call in a thread of its own, all released together; re-raise a failure."""
    start = threading.Barrier(len(calls))
    failures: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        start.wait()
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def test_two_schedulers_on_one_database_send_each_delivery_once(bot, standin, database_url, config):
    other = create_app(
        make_settings(database_url, standin), config, backoff_factor=0.01, clock=TEST_CLOCK
    )
    try:
        with freeze_time(T0):
            for n in range(40):
                owe(bot, f"test:race:{n}", f"message {n}", T0)
            at_once(bot.tick, other.tick)
    finally:
        other.close()
    texts = sorted(m.text for m in standin.messages(GENERAL))
    assert texts == sorted(f"message {n}" for n in range(40))


def test_a_process_dying_between_claim_and_send_is_retried_once_not_lost(
    bot, standin, database_url, config
):
    dead = create_app(
        make_settings(database_url, standin), config, owner="dead-process", clock=TEST_CLOCK
    )
    try:
        with freeze_time(T0) as clock:
            owe(bot, "test:claimed", "hello", T0)
            delivery_id = deliveries(bot)["test:claimed"].id
            _, claimed = dead.ledger.leases.claim([delivery_id])  # ...and the process dies here
            assert [d.key for d in claimed] == ["test:claimed"]

            bot.tick()
            assert standin.messages(GENERAL) == []  # the lease still holds

            clock.tick(bot.ledger.lease + dt.timedelta(seconds=1))
            bot.tick()
            bot.tick()
    finally:
        dead.close()
    [message] = standin.messages(GENERAL)
    assert message.text.startswith("hello")  # once, and marked late: the crash delayed it
    assert deliveries(bot)["test:claimed"].status == "sent"


@pytest.mark.parametrize(
    ("error", "blocks"),
    [
        ("invalid_blocks", [{"type": "section"}]),
        ("msg_too_long", [{"type": "section", "text": {"type": "mrkdwn", "text": "long " * 500}}]),
    ],
)
def test_blocks_slack_refuses_are_sent_again_as_the_plain_text_fallback(
    bot, standin, error, blocks
):
    standin.error_next("chat.postMessage", error)
    with freeze_time(T0):
        owe(bot, "test:blocks", "fallback", T0, blocks=blocks)
        bot.tick()
    [message] = standin.messages(GENERAL)
    assert message.text == "fallback" and message.blocks == []
    assert deliveries(bot)["test:blocks"].status == "sent"


def test_two_ledgers_claiming_at_once_never_both_get_a_delivery(bot, standin, database_url, config):
    other = create_app(make_settings(database_url, standin), config, clock=TEST_CLOCK)
    claimed: dict[str, list[int]] = {"bot": [], "other": []}
    try:
        with freeze_time(T0):
            for n in range(60):
                owe(bot, f"test:claim:{n}", f"message {n}", T0)

            def claim_all(name: str, ledger: Ledger) -> None:
                while True:
                    # leased, not sent: the next claim moves on
                    _, batch = ledger.leases.claim(limit=7)
                    if not batch:
                        return
                    claimed[name] += [d.id for d in batch]

            at_once(lambda: claim_all("bot", bot.ledger), lambda: claim_all("other", other.ledger))
    finally:
        other.close()
    both = claimed["bot"] + claimed["other"]
    assert sorted(both) == sorted(d.id for d in deliveries(bot).values())
    assert len(set(both)) == len(both) == 60


def test_two_ledgers_delivering_at_once_in_small_batches_send_each_once(
    bot, standin, database_url, config
):
    other = create_app(make_settings(database_url, standin), config, clock=TEST_CLOCK)
    try:
        with freeze_time(T0):
            for n in range(60):
                owe(bot, f"test:batches:{n}", f"message {n}", T0)
            at_once(
                lambda: bot.ledger.deliver_due(limit=5), lambda: other.ledger.deliver_due(limit=5)
            )
    finally:
        other.close()
    texts = sorted(m.text for m in standin.messages(GENERAL))
    assert texts == sorted(f"message {n}" for n in range(60))
    assert {(d.status, d.attempts) for d in deliveries(bot).values()} == {("sent", 1)}


def test_a_rate_limited_fan_out_arrives_once_each_in_one_tick_without_using_attempts(bot, standin):
    standin.rate_limit("chat.postMessage", 600, burst=2)  # 429 with Retry-After: 1 after two
    with freeze_time(T0):
        for n in range(5):
            owe(bot, f"test:fan:{n}", f"message {n}", T0)
        bot.tick()
    assert sorted(m.text for m in standin.messages(GENERAL)) == [f"message {n}" for n in range(5)]
    assert [c.status for c in standin.calls_to("chat.postMessage")].count(429) >= 1
    assert {(d.status, d.attempts, d.last_error) for d in deliveries(bot).values()} == {
        ("sent", 1, None)
    }


def test_still_rate_limited_after_the_clients_retries_waits_retry_after_not_an_attempt(
    bot, standin, caplog
):
    standin.fail_next("chat.postMessage", status=429, times=7, retry_after=0)  # 1 + 6 retries
    with freeze_time(T0) as clock, caplog.at_level(logging.WARNING):
        owe(bot, "test:limited", "hello", T0)
        bot.tick()
        delivery = deliveries(bot)["test:limited"]
        assert (delivery.status, delivery.attempts, delivery.last_error) == (
            "pending",
            0,
            "ratelimited",
        )
        assert "test:limited rate limited" in caplog.text
        assert standin.messages(GENERAL) == []

        clock.tick(dt.timedelta(seconds=15))
        bot.tick()
    assert [m.text for m in standin.messages(GENERAL)] == ["hello"]
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [429] * 7 + [200]
    delivery = deliveries(bot)["test:limited"]
    assert (delivery.status, delivery.attempts) == ("sent", 1)


@pytest.mark.parametrize("fault", ["503", "connection reset"])
def test_a_delivery_failing_after_the_clients_retries_stays_pending_and_goes_on_the_next_tick(
    bot, standin, caplog, fault
):
    if fault == "503":
        standin.fail_next("chat.postMessage", status=503, times=4)  # 1 + 3 retries
    else:
        standin.drop_connection_next("chat.postMessage", times=4)
    # The clock moves on while the tick works, as it does: the failure is recorded a little
    # after the tick began, and the next tick comes 15 s after that beginning.
    with freeze_time(T0, tick=True) as clock, caplog.at_level(logging.WARNING):
        owe(bot, "test:failing", "hello", T0)
        bot.tick()
        delivery = deliveries(bot)["test:failing"]
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert delivery.last_error
        assert "test:failing failed (attempt 1), stays pending" in caplog.text
        assert standin.messages(GENERAL) == []

        clock.move_to(T0 + dt.timedelta(seconds=15))  # the next tick
        bot.tick()
    assert [m.text for m in standin.messages(GENERAL)] == ["hello"]  # once: Slack said it failed
    assert len(standin.calls_to("chat.postMessage")) == 5
    delivery = deliveries(bot)["test:failing"]
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, None)


def test_a_when_sent_hook_runs_once_as_a_delivery_of_its_kind_is_recorded_sent(bot):
    """A domain's hook (Ledger(when_sent=…), as the loop closes a week with its digest) runs
    in the transaction that records a delivery of its kind sent, once: not after an attempt
    that failed, and not for another kind."""
    seen: list[tuple[str, dict[str, object], dt.datetime, bool]] = []
    attempts: list[str] = []

    def hook(session: Session, sent: Sent) -> None:
        seen.append((sent.key, sent.args, sent.at, Ledger.was_sent(session, sent.key)))

    def send(delivery: Claimed) -> Outcome:
        attempts.append(delivery.key)
        if attempts.count("test:hooked") == 1 and delivery.key == "test:hooked":
            return Outcome(error="internal_error")
        return Outcome(sent=True, channel=GENERAL, ts=f"{len(attempts)}.0")

    ledger = Ledger(bot.db, send, clock=TEST_CLOCK, when_sent={"hooked": hook})
    with freeze_time(T0) as clock:
        with bot.db.session() as session:
            args = {"week": "2026-W48", "part": 0}
            Ledger.enqueue(session, Due.rendered("test:hooked", "hooked", "r", args, due_at=T0), T0)
            Ledger.enqueue(session, Due("test:plain", "plain", "chat.postMessage", {}, T0), T0)
        assert ledger.deliver_due().sent == ["test:plain"]
        assert seen == []
        clock.tick(dt.timedelta(minutes=1))
        assert ledger.deliver_due().sent == ["test:hooked"]
        assert ledger.deliver_due().sent == []
    # The hook saw the delivery recorded sent: it runs in that transaction.
    assert seen == [("test:hooked", args, T0 + dt.timedelta(minutes=1), True)]
    assert ledger.where_sent("test:hooked") == (GENERAL, "3.0")

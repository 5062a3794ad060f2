"""The delivery ledger's guarantees: nothing posted twice, nothing lost, late marked late."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from freezegun import freeze_time
from sqlalchemy import select

from bot.app import create_app
from bot.ledger import Due, Ledger
from bot.ledger.models import Delivery
from tests.conftest import ALICE, BOB, GENERAL, INCIDENTS, make_settings

T0 = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)


def deliveries(bot) -> dict[str, Delivery]:
    with bot.db.session() as session:
        return {d.key: d for d in session.scalars(select(Delivery))}


def top_level(standin, channel):
    return [m for m in standin.messages(channel) if not m.is_reply]


def owe(
    bot, key: str, text: str, due_at: dt.datetime, expires_at: dt.datetime | None = None
) -> None:
    with bot.db.session() as session:
        Ledger.enqueue(
            session,
            Due(
                key,
                "test",
                "chat.postMessage",
                {"channel": GENERAL, "text": text},
                due_at,
                expires_at,
            ),
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


def test_not_in_channel_joins_then_posts(bot, standin):
    standin.error_next("chat.postMessage", "not_in_channel")
    with freeze_time(T0):
        owe(bot, "test:join", "hello", T0)
        bot.tick()
    assert [c.arg("channel") for c in standin.calls_to("conversations.join")] == [GENERAL]
    assert [m.text for m in standin.messages(GENERAL)] == ["hello"]


def test_permanent_error_is_skipped_with_a_log_line(bot, standin, caplog):
    standin.error_next("chat.postMessage", "channel_not_found")
    with freeze_time(T0), caplog.at_level(logging.ERROR):
        owe(bot, "test:gone", "hello", T0)
        bot.tick()
        bot.tick()
    assert deliveries(bot)["test:gone"].status == "skipped"
    assert "test:gone cannot be made: channel_not_found" in caplog.text
    assert len(standin.calls_to("chat.postMessage")) == 1


def test_missed_delivery_is_sent_late_and_marked_late_while_still_relevant(bot, standin):
    with freeze_time(T0 + dt.timedelta(minutes=30)):
        owe(bot, "test:late", "Window opened", T0, expires_at=T0 + dt.timedelta(hours=2))
        bot.tick()
    [message] = standin.messages(GENERAL)
    assert message.text.startswith("Window opened") and "Sent late" in message.text
    assert deliveries(bot)["test:late"].late is True


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


def test_two_schedulers_on_one_database_send_each_delivery_once(bot, standin, database_url, config):
    other = create_app(make_settings(database_url, standin), config, backoff_factor=0.01)
    try:
        with freeze_time(T0):
            for n in range(40):
                owe(bot, f"test:race:{n}", f"message {n}", T0)
            start = threading.Barrier(2)

            def run(app) -> None:
                start.wait()
                app.tick()

            threads = [threading.Thread(target=run, args=(app,)) for app in (bot, other)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        other.close()
    texts = sorted(m.text for m in standin.messages(GENERAL))
    assert texts == sorted(f"message {n}" for n in range(40))


def test_a_process_dying_between_claim_and_send_is_retried_once_not_lost(
    bot, standin, database_url, config
):
    dead = create_app(make_settings(database_url, standin), config, owner="dead-process")
    try:
        with freeze_time(T0) as clock:
            owe(bot, "test:claimed", "hello", T0)
            delivery_id = deliveries(bot)["test:claimed"].id
            _, claimed = dead.ledger._claim([delivery_id])  # ...and the process dies here
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


def test_blocks_slack_refuses_are_sent_again_as_the_plain_text_fallback(bot, standin):
    standin.error_next("chat.postMessage", "invalid_blocks")
    with freeze_time(T0), bot.db.session() as session:
        Ledger.enqueue(
            session,
            Due(
                "test:blocks",
                "test",
                "chat.postMessage",
                {"channel": GENERAL, "text": "fallback", "blocks": [{"type": "section"}]},
                T0,
            ),
        )
    with freeze_time(T0):
        bot.tick()
    [message] = standin.messages(GENERAL)
    assert message.text == "fallback" and message.blocks == []
    assert deliveries(bot)["test:blocks"].status == "sent"


def test_an_archived_channel_is_set_aside_with_a_log_line(bot, standin, caplog):
    standin.error_next("chat.postMessage", "is_archived")
    with freeze_time(T0), caplog.at_level(logging.ERROR):
        owe(bot, "test:archived", "hello", T0)
        bot.tick()
        bot.tick()
    assert deliveries(bot)["test:archived"].status == "skipped"
    assert "test:archived cannot be made: is_archived" in caplog.text
    assert len(standin.calls_to("chat.postMessage")) == 1

"""Durable update reminders: one nudge per silent stretch, across restarts."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from bot.app import create_app
from tests.conftest import ALICE, CAROL, TEST_CLOCK, make_settings

T0 = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)


def reminders(standin, channel):
    return [m for m in standin.messages(channel) if "has had no update" in m.text]


@pytest.fixture
def clock():
    with freeze_time(T0) as frozen:
        yield frozen


def channel_of(bot) -> str:
    return bot.incidents.get(1, None).channel_id  # type: ignore[arg-type]


def test_one_reminder_to_the_ic_after_the_silence_then_one_per_stretch(slack, standin, bot, clock):
    slack.command("declare sev2 Checkout is slow", user=ALICE)  # sev2: 60 minutes
    slack.command("assign INC-1 ic @carol", user=ALICE)
    channel = channel_of(bot)

    clock.tick(dt.timedelta(minutes=59))
    bot.tick()
    assert reminders(standin, channel) == []

    clock.tick(dt.timedelta(minutes=2))
    bot.tick()
    bot.tick()
    [nudge] = reminders(standin, channel)
    assert f"<@{CAROL}>" in nudge.text and "INC-1" in nudge.text and "60 minutes" in nudge.text

    clock.tick(dt.timedelta(minutes=30))
    bot.tick()
    assert len(reminders(standin, channel)) == 1

    slack.command("update Still on it", user=CAROL, channel=channel)
    clock.tick(dt.timedelta(minutes=61))
    bot.tick()
    assert len(reminders(standin, channel)) == 2


def test_no_reminder_for_resolved_incidents_or_severities_without_one(slack, standin, bot, clock):
    slack.command("declare sev3 Slow admin page", user=ALICE)  # sev3: no reminder configured
    slack.command("declare sev1 Payments down", user=ALICE)
    slack.command("resolve INC-2", user=ALICE)
    clock.tick(dt.timedelta(hours=5))
    bot.tick()
    assert not any(
        "has had no update" in c.arg("text", "") for c in standin.calls_to("chat.postMessage")
    )


def test_a_restart_neither_loses_nor_repeats_a_reminder(
    slack, standin, bot, clock, database_url, config
):
    slack.command("declare sev1 Payments down", user=ALICE)  # sev1: 30 minutes
    channel = channel_of(bot)
    clock.tick(dt.timedelta(minutes=31))
    bot.tick()
    assert len(reminders(standin, channel)) == 1

    restarted = create_app(make_settings(database_url, standin), config, clock=TEST_CLOCK)
    try:
        restarted.tick()
        clock.tick(dt.timedelta(minutes=5))
        restarted.tick()
    finally:
        restarted.close()
    assert len(reminders(standin, channel)) == 1


def test_reminder_due_while_down_is_sent_at_the_next_tick(slack, standin, bot, clock):
    slack.command("declare sev1 Payments down", user=ALICE)
    clock.tick(dt.timedelta(hours=3))  # nobody ticked for three hours
    bot.tick()
    assert len(reminders(standin, channel_of(bot))) == 1

"""Health: every tick is recorded in the database and the web's /healthz reports the clock's
last tick; the clock's watchdog tells a stuck tick from a long one that keeps moving.

The subprocess side (a stuck `opsbot clock` exits with status 3, the Procfile's web and
clock on one database) is in test_processes.py."""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from freezegun import freeze_time

from bot.app import create_app
from bot.catch_up import last_tick, record_tick
from schedules import _safe_tick
from schedules.watchdog import STUCK_EXIT, TickWatch, describe, stack_of, start_watchdog
from tests.conftest import GENERAL, TEST_CLOCK, make_settings

START = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)


def health(server: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{server}/healthz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# -- the tick in the database, /healthz of a web process ------------------------------------


def test_the_latest_tick_recorded_wins(bot):
    assert last_tick(bot.db) is None
    record_tick(bot.db, START)
    record_tick(bot.db, START + dt.timedelta(seconds=15))
    assert last_tick(bot.db) == START + dt.timedelta(seconds=15)
    record_tick(bot.db, START)  # another clock, a little behind: the latest write wins
    assert last_tick(bot.db) == START


def test_web_healthz_reports_the_clocks_last_tick_without_failing(
    bot, server, database_url, standin, config
):
    """`bot` serves without a scheduler, like the Procfile's web; another app on the same
    database ticks, like the clock."""
    assert health(server) == (200, {"ok": True, "database": "up"})  # no tick recorded yet
    clock = create_app(make_settings(database_url, standin), config, clock=TEST_CLOCK)
    try:
        with freeze_time(START) as frozen:
            clock.tick()
            assert health(server) == (
                200,
                {
                    "ok": True,
                    "database": "up",
                    "clock": {"last_tick": START.isoformat(), "age_seconds": 0, "state": "ticking"},
                },
            )
            frozen.tick(dt.timedelta(seconds=59))
            assert health(server)[1]["clock"] == {
                "last_tick": START.isoformat(),
                "age_seconds": 59,
                "state": "ticking",
            }
            frozen.tick(dt.timedelta(seconds=2))
            status, body = health(server)
    finally:
        clock.close()
    # Stale, and said so, but the web stays healthy: restarting it would not fix the clock.
    assert (status, body["ok"], body["clock"]["state"]) == (200, True, "stale")
    assert body["clock"]["age_seconds"] == 61 and "scheduler" not in body


def test_healthz_fails_when_the_database_does_not_answer(bot, server, monkeypatch):
    def down() -> bool:
        raise OSError("connection refused")

    monkeypatch.setattr(bot.db, "ping", down)
    assert health(server) == (503, {"ok": False, "database": "down"})


# -- the clock's watchdog -----------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


ROOT = Path(__file__).resolve().parent.parent


def frame(name: str, line: int, back: object = None, file: str = "bot/ledger/ledger.py"):
    code = SimpleNamespace(co_name=name, co_filename=str(ROOT / file))
    return SimpleNamespace(f_code=code, f_lineno=line, f_back=back)


def watch_with(frames: list) -> tuple[TickWatch, FakeClock]:
    """A watch whose tick thread shows `frames[0]`, then whatever the test puts there."""
    now = FakeClock()
    return TickWatch(stale_after=120, interval=15, now=now, frame_of=lambda _id: frames[0]), now


def test_between_ticks_nothing_is_stuck_until_a_tick_is_long_overdue():
    watch, now = watch_with([None])
    watch.started()
    watch.finished()
    now.seconds += 15 + 120
    assert watch.stuck() is None
    now.seconds += 1
    assert watch.stuck() == "no tick has started for 136 s (one is due every 15 s)"


def test_a_long_tick_that_keeps_moving_is_not_stuck():
    """A fan-out waiting out Retry-After between deliveries: the thread moves every minute."""
    frames = [frame("deliver", 1)]
    watch, now = watch_with(frames)
    watch.started()
    for minute in range(2, 30):
        now.seconds += 60
        frames[0] = frame("deliver", minute % 3, back=frame("deliver_due", 10))
        assert watch.stuck() is None


def test_a_tick_that_sits_in_one_place_is_stuck():
    sending = frame("_call", 120, back=frame("deliver_due", 10), file="bot/ledger/sender.py")
    waiting = frame("readinto", 706, back=sending, file="/usr/lib/python3.11/socket.py")
    frames = [waiting]
    watch, now = watch_with(frames)
    watch.started()
    assert watch.stuck() is None  # first seen there now
    now.seconds += 120
    assert watch.stuck() is None
    now.seconds += 1
    assert watch.stuck() == (
        "the tick has not moved for 121 s: it waits in readinto (python3.11/socket.py:706), "
        "called from _call (bot/ledger/sender.py:120)"
    )
    watch.finished()  # it came back after all: a finished tick is not stuck
    assert watch.stuck() is None


def test_a_tick_waiting_out_retry_after_at_the_same_line_is_not_stuck(bot, standin):
    """Slack asks for a long Retry-After again and again: every sample finds the tick in
    the same sleep (the same frames here), but between samples the Web API client makes its
    calls and ends its waits, and counts them, so the tick is not stuck; once it no longer
    does (blocked for good), it is."""
    sleeping = frame("wait", 75, back=frame("deliver_due", 10), file="bot/slack/client.py")
    watch, now = watch_with([sleeping])  # this thread is the tick
    watch.started()
    for _minute in range(10):
        standin.fail_next("chat.postMessage", status=429, retry_after=0)
        bot.client.chat_postMessage(channel=GENERAL, text="one of many")
        now.seconds += 60
        assert watch.stuck() is None
    now.seconds += 121
    assert (
        watch.stuck()
        == "the tick has not moved for 121 s: it waits in wait (bot/slack/client.py:75)"
    )
    assert len(standin.messages(GENERAL)) == 10


def test_serves_healthz_fails_once_its_own_scheduler_is_stuck(bot, server):
    """`opsbot serve` with its scheduler: /healthz asks the same watch the clock's watchdog
    does, so a long tick that keeps moving stays healthy and a stuck one makes the platform
    restart the process."""
    now = FakeClock()
    bot.tick_watch = TickWatch(stale_after=120, interval=15, now=now)
    assert health(server) == (200, {"ok": True, "database": "up", "scheduler": "ticking"})
    with freeze_time(START):
        _safe_tick(bot.tick, bot.tick_watch)
    now.seconds += 135
    assert health(server) == (
        200,
        {"ok": True, "database": "up", "last_tick": START.isoformat(), "scheduler": "ticking"},
    )
    now.seconds += 1
    assert health(server) == (
        503,
        {
            "ok": False,
            "database": "up",
            "last_tick": START.isoformat(),
            "scheduler": "stuck",
            "reason": "no tick has started for 136 s (one is due every 15 s)",
        },
    )


def test_describe_names_real_frames():
    here = describe(stack_of(sys._getframe()))
    assert here.startswith("in test_describe_names_real_frames (tests/test_health.py:")
    assert "called from" not in here  # tests are not opsbot's own code
    assert describe(()) == "nowhere known"


def test_the_watchdog_ends_a_clock_whose_tick_hangs():
    """A real tick thread blocked on an event (short real waits: 0.2 s limit)."""
    release, ended = threading.Event(), threading.Event()
    codes: list[int] = []
    watch = TickWatch(stale_after=0.2, interval=15)

    def exit_(code: int) -> None:
        codes.append(code)
        ended.set()

    tick = threading.Thread(target=_safe_tick, args=(lambda: release.wait(30), watch), daemon=True)
    tick.start()
    start_watchdog(watch, exit=exit_)
    try:
        assert ended.wait(10), "the watchdog did not notice the hanging tick"
    finally:
        release.set()
        tick.join(5)
    assert codes == [STUCK_EXIT]


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_stale_after_must_be_a_positive_number_of_seconds(value, capsys):
    from bot.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["clock", "--stale-after", value])
    assert "--stale-after" in capsys.readouterr().err

"""The one place the clock is read: the wall clock (tests move it with freezegun), and
real elapsed time for waits and budgets (which freezegun must not stop)."""

from __future__ import annotations

import datetime as dt
import time


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def real_monotonic() -> float:
    """Monotonic seconds that freezegun does not freeze (it patches time.monotonic, not
    clock_gettime): Slack's Retry-After and a tick's budget are real time, also in a test
    that holds the wall clock still. (bot/kit/standin keeps its own copy: it uses nothing from
    bot.)"""
    if hasattr(time, "clock_gettime"):
        return time.clock_gettime(time.CLOCK_MONOTONIC)
    return time.monotonic()  # pragma: no cover - platforms without clock_gettime

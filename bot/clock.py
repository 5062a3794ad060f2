"""Time, as the app reads it: a `Clock` is handed to everything that asks what time it is
(the domain services, the ledger, the Web API client's Retry-After gate, the people cache,
the web routes, the tick, the handlers), by the composition root (bot/app.py), which uses
the system clock unless it is given another (`opsbot shell` gives one it moves itself).
Pure functions take the moment as an argument instead."""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The wall clock: an aware datetime in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds that only go forward, for waits and budgets (Slack's Retry-After, a
        tick's sending budget, a lease half gone, an ack deadline)."""
        ...


class SystemClock:
    """The machine's clocks."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def monotonic(self) -> float:
        return time.monotonic()


SYSTEM_CLOCK = SystemClock()

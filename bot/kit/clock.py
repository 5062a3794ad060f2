"""A clock moved by hand, for running the bot in simulated time (`opsbot shell` passes one to
`create_app` and moves it on `wait` and `at`)."""

from __future__ import annotations

import datetime as dt
import time


class ManualClock:
    """A `bot.clock.Clock` whose wall clock stands still at the moment it was set to until it
    is moved; its monotonic seconds are the machine's, since waits and budgets (Slack's
    Retry-After, a tick's budget, an ack deadline) still take real time."""

    def __init__(self, start: dt.datetime):
        self._now = _utc(start)

    def now(self) -> dt.datetime:
        return self._now

    def monotonic(self) -> float:
        return time.monotonic()

    def move_to(self, moment: dt.datetime) -> None:
        self._now = _utc(moment)


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{moment} has no time zone")
    return moment.astimezone(dt.UTC)

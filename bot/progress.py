"""Signs of life from a working thread, for the clock's watchdog (schedules/watchdog.py).

The watchdog samples the tick thread's stack every few seconds; a thread that sits in the
same place between samples looks stuck. A tick waiting out Slack's Retry-After is in the
same sleep at every sample although it sends between sleeps, so the Web API client counts
each call it makes and each wait it ends here, and the watchdog counts a change as a move."""

from __future__ import annotations

import threading

_counts: dict[int, int] = {}


def note() -> None:
    """This thread has just done something (a Web API call answered, a wait ended)."""
    ident = threading.get_ident()
    _counts[ident] = _counts.get(ident, 0) + 1


def count(thread_id: int) -> int:
    """How many signs of life the thread has given: changes mean it is not stuck."""
    return _counts.get(thread_id, 0)

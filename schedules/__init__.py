"""APScheduler wiring. Each process has its own in-memory job store (never shared);
correctness lives in the database, through the delivery ledger.

A tick that cannot reach the database fails, and the next one (15 s later) tries again:
what came due meanwhile is owed since the last completed tick (bot/catch_up.py) and sent
once the database is back. Such an outage is logged in one line when it starts and one
when it ends, not a traceback a tick."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.db.outage import reason, unreachable

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from schedules.watchdog import TickWatch

log = logging.getLogger(__name__)

TICK_SECONDS = 15


class DatabaseOutage:
    """Whether the ticks of one scheduler find the database away, so that an outage is
    logged once as it starts and once as it ends (how long it lasted, on `clock`)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._since: float | None = None  # monotonic seconds; None while reachable
        self.failed_ticks = 0

    @property
    def ongoing(self) -> bool:
        return self._since is not None

    def tick_failed(self, error: BaseException) -> None:
        with self._lock:
            self.failed_ticks += 1
            if self._since is not None:
                return
            self._since = self.clock.monotonic()
        log.error(
            "scheduler tick: cannot reach the database (%s); trying again every %d s, and "
            "what comes due meanwhile is sent once it is back",
            reason(error),
            TICK_SECONDS,
        )

    def tick_completed(self) -> None:
        with self._lock:
            since, self._since = self._since, None
            failed, self.failed_ticks = self.failed_ticks, 0
        if since is not None:
            log.warning(
                "scheduler tick: the database is back after %.0f s (%d ticks failed); "
                "sending what came due meanwhile",
                self.clock.monotonic() - since,
                failed,
            )


def _safe_tick(
    tick: Callable[[], None], watch: TickWatch | None = None, outage: DatabaseOutage | None = None
) -> None:
    if watch is not None:
        watch.started()
    try:
        tick()
    except Exception as error:
        if outage is not None and unreachable(error):
            outage.tick_failed(error)
        else:
            log.exception("scheduler tick failed; the next tick retries")
    else:
        if outage is not None:
            outage.tick_completed()
    finally:
        if watch is not None:
            watch.finished()


def build_scheduler(
    tick: Callable[[], None],
    *,
    clock: Clock,
    watch: TickWatch | None = None,
    outage: DatabaseOutage | None = None,
) -> BackgroundScheduler:
    """`tick` every TICK_SECONDS (the first at once, on `clock`); `watch`, if given, is told
    when each tick starts and finishes (see schedules/watchdog.py); `outage` (one is made if
    none is given) notes whether the ticks reach the database."""
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
    )
    scheduler.add_job(
        _safe_tick,
        "interval",
        seconds=TICK_SECONDS,
        args=[tick, watch, outage or DatabaseOutage(clock)],
        id="tick",
        misfire_grace_time=TICK_SECONDS,
        next_run_time=clock.now(),  # catch up at once after a restart
    )
    return scheduler

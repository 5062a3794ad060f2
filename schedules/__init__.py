"""APScheduler wiring. Each process has its own in-memory job store (never shared);
correctness lives in the database, through the delivery ledger."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot.app import OpsBot
    from schedules.watchdog import TickWatch

log = logging.getLogger(__name__)

TICK_SECONDS = 15


def _safe_tick(bot: OpsBot, watch: TickWatch | None = None) -> None:
    if watch is not None:
        watch.started()
    try:
        bot.tick()
    except Exception:
        log.exception("scheduler tick failed; the next tick retries")
    finally:
        if watch is not None:
            watch.finished()


def build_scheduler(
    bot: OpsBot, *, blocking: bool = False, watch: TickWatch | None = None
) -> BackgroundScheduler:
    """The tick every TICK_SECONDS (the first at once); `watch`, if given, is told when
    each tick starts and finishes (see schedules/watchdog.py)."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    scheduler.add_job(
        _safe_tick,
        "interval",
        seconds=TICK_SECONDS,
        args=[bot, watch],
        id="tick",
        misfire_grace_time=TICK_SECONDS,
        next_run_time=dt.datetime.now(dt.UTC),  # catch up at once after a restart
    )
    return scheduler

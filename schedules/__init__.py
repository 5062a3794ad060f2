"""APScheduler wiring. Each process has its own in-memory job store (never shared);
correctness lives in the database, through the delivery ledger."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

if TYPE_CHECKING:
    from bot.app import OpsBot

log = logging.getLogger(__name__)

TICK_SECONDS = 15


def _safe_tick(bot: OpsBot) -> None:
    try:
        bot.tick()
    except Exception:
        log.exception("scheduler tick failed; the next tick retries")


def build_scheduler(bot: OpsBot, *, blocking: bool = False) -> BackgroundScheduler:
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    scheduler.add_job(
        _safe_tick,
        "interval",
        seconds=TICK_SECONDS,
        args=[bot],
        id="tick",
        misfire_grace_time=TICK_SECONDS,
        next_run_time=dt.datetime.now(dt.UTC),  # catch up at once after a restart
    )
    return scheduler

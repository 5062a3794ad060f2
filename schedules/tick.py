"""The scheduler's tick: ask the domain what is due, hand it to the ledger."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.catch_up import record_tick
from bot.logs import log_context
from bot.loop.due import enqueue_loop
from bot.standby.due import enqueue_standby

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


def run_tick(services: Services) -> None:
    """One tick; once it has completed, it is recorded in the database (`record_tick`), so
    that the web processes' /healthz can report when the clock last ticked."""
    with log_context(job=f"tick@{services.clock.now():%Y-%m-%dT%H:%M:%SZ}"):
        services.incidents.enqueue_update_reminders()
        enqueue_standby(services.standby)
        services.covers.enqueue_due()
        enqueue_loop(services.loop)
        services.escalations.step_due()
        # notifications stored but not acted on (a crash after the 2xx), missing heartbeats
        services.flows.alerts.act_on_pending()
        services.flows.alerts.heartbeats_due()
        report = services.ledger.deliver_due()
        if report.sent or report.failed or report.skipped or report.rate_limited:
            log.info(
                "tick: %d sent, %d failed (will retry), %d held back by Slack's rate limit, "
                "%d skipped",
                len(report.sent),
                len(report.failed),
                len(report.rate_limited),
                len(report.skipped),
            )
        record_tick(services.db, services.clock.now())
    services.last_tick = services.clock.now()

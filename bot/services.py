"""The services object: what every adapter (the Bolt listeners in handlers/, the web routes
in bot/web.py, the scheduler's tick in schedules/, App Home) receives. It knows the
configuration, the database, the Web API client, the ledger, the clock, the domain services,
the flows that cross them (bot/flows/) and the executors, and nothing above them: it is
built by `bot.app.create_app`, the composition root, which alone imports the adapters."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Protocol

from slack_sdk import WebClient

from bot.alerts.service import AlertService
from bot.clock import Clock
from bot.config import OrgConfig
from bot.db.engine import Database
from bot.escalation.service import EscalationService
from bot.executor import GiveWay, TrackedExecutor
from bot.flows import Flows
from bot.incidents.service import IncidentService
from bot.ledger import Ledger
from bot.loop.service import LoopService
from bot.metrics import Metrics
from bot.settings import Settings
from bot.slack.people import People
from bot.standby.covers import CoverService
from bot.standby.service import StandbyService

log = logging.getLogger(__name__)


class TickHealth(Protocol):
    """What /healthz asks of the scheduler's watchdog (schedules/watchdog.py)."""

    def stuck(self) -> str | None: ...


@dataclass
class Services:
    settings: Settings
    config: OrgConfig
    db: Database
    client: WebClient
    ledger: Ledger
    incidents: IncidentService
    standby: StandbyService
    covers: CoverService  # /standby cover requests
    escalations: EscalationService
    alerts: AlertService
    flows: Flows
    people: People
    listeners: TrackedExecutor
    after_ack: TrackedExecutor
    loop: LoopService
    clock: Clock  # what every adapter reads the time from
    metrics: Metrics  # what /metrics reports; adapters count what they see
    last_tick: dt.datetime | None = field(default=None)
    # Set when this process runs the scheduler: /healthz then fails if its tick is stuck.
    tick_watch: TickHealth | None = field(default=None)
    # The requests being answered; the work after acks gives way to them.
    give_way: GiveWay = field(default_factory=GiveWay)
    urgent_work: TrackedExecutor = field(
        default_factory=lambda: TrackedExecutor(max_workers=4, name="urgent")
    )

    def later(self, fn: Callable[..., object], *args: object, urgent: bool = False) -> None:
        """Run Slack work after the ack, off the listeners' pool, giving way to the requests
        being answered (GiveWay). `urgent` work (an alert group's first message and page)
        has a pool of its own, and goes before the rest of the background work."""

        def run() -> None:
            try:
                with self.give_way.background(urgent=urgent), self._writes(urgent):
                    fn(*args)
            except Exception:
                log.exception("work after the ack failed")

        (self.urgent_work if urgent else self.after_ack).submit(run)

    def _writes(self, urgent: bool) -> AbstractContextManager[None]:
        return self.db.urgent() if urgent else nullcontext()

    def deliver_soon(self, keys: list[str]) -> None:
        """Send these ledger deliveries now, after the ack; the tick retries what fails."""
        if keys:
            self.later(self.ledger.deliver_keys, keys)

    def wait_idle(self, timeout: float = 30) -> bool:
        """Until no listener runs and no after-ack work is left (tests, shell, shutdown)."""
        deadline = self.clock.monotonic() + timeout
        while True:
            left = deadline - self.clock.monotonic()
            pools = (self.listeners, self.urgent_work, self.after_ack)
            if not all(pool.wait_idle(left) for pool in pools):
                return False
            if not any(pool.busy for pool in pools):
                return True

    def close(self) -> None:
        self.listeners.shutdown(wait=True)
        self.urgent_work.shutdown(wait=True)
        self.after_ack.shutdown(wait=True)
        self.db.dispose()

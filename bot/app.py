"""`create_app(settings)` builds the whole bot: database, Web API client, ledger, domain
services, the Bolt app with its listeners, and the WSGI application. Nothing happens at
import time."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slack_bolt import App
from slack_sdk import WebClient

from bot import clock
from bot.config import OrgConfig, load_config
from bot.db.engine import Database
from bot.escalation.renderers import escalation_renderers
from bot.escalation.service import EscalationService
from bot.executor import GiveWay, TrackedExecutor
from bot.incidents.deliveries import INVITE, PROVISION
from bot.incidents.provision import Provisioner
from bot.incidents.renderers import incident_renderers
from bot.incidents.service import IncidentService
from bot.ledger import Ledger
from bot.ledger.sender import SlackSender
from bot.loop.renderers import loop_renderers
from bot.loop.service import LoopService
from bot.people import People
from bot.settings import Settings
from bot.slack_client import BACKOFF_FACTOR, make_web_client
from bot.standby.renderers import standby_renderers
from bot.standby.service import StandbyService

if TYPE_CHECKING:
    from schedules.watchdog import TickWatch

log = logging.getLogger(__name__)


@dataclass
class OpsBot:
    settings: Settings
    config: OrgConfig
    db: Database
    client: WebClient
    ledger: Ledger
    incidents: IncidentService
    standby: StandbyService
    escalations: EscalationService
    people: People
    bolt: App
    listeners: TrackedExecutor
    after_ack: TrackedExecutor
    loop: LoopService
    last_tick: dt.datetime | None = field(default=None)
    # Set when this process runs the scheduler: /healthz then fails if its tick is stuck.
    tick_watch: TickWatch | None = field(default=None)
    # The requests being answered; the work after acks gives way to them.
    give_way: GiveWay = field(default_factory=GiveWay)

    def tick(self) -> None:
        """One scheduler tick: ask the domain what is due, hand it to the ledger."""
        from schedules.tick import run_tick

        run_tick(self)
        self.last_tick = clock.now()

    def wsgi(self):  # type: ignore[no-untyped-def]
        from bot.web import make_wsgi_app

        return make_wsgi_app(self)

    def later(self, fn: Callable[..., object], *args: object) -> None:
        """Run Slack work after the ack, off the listeners' pool, giving way to the requests
        being answered (GiveWay)."""

        def run() -> None:
            try:
                with self.give_way.background():
                    fn(*args)
            except Exception:
                log.exception("work after the ack failed")

        self.after_ack.submit(run)

    def deliver_soon(self, keys: list[str]) -> None:
        """Send these ledger deliveries now, after the ack; the tick retries what fails."""
        if keys:
            self.later(self.ledger.deliver_keys, keys)

    def wait_idle(self, timeout: float = 30) -> bool:
        """Until no listener runs and no after-ack work is left (tests, shell, shutdown)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if not (self.listeners.wait_idle(left) and self.after_ack.wait_idle(left)):
                return False
            if not (self.listeners.busy or self.after_ack.busy):
                return True

    def close(self) -> None:
        self.listeners.shutdown(wait=True)
        self.after_ack.shutdown(wait=True)
        self.db.dispose()


def _lookup_ts(ledger: Ledger):  # type: ignore[no-untyped-def]
    def lookup(key: str) -> tuple[str | None, str | None]:
        delivery = ledger.get(key)
        return (delivery.result_channel, delivery.result_ts) if delivery else (None, None)

    return lookup


def create_app(
    settings: Settings,
    config: OrgConfig | None = None,
    *,
    owner: str | None = None,
    backoff_factor: float = BACKOFF_FACTOR,
) -> OpsBot:
    config = config or load_config(settings.opsbot_config)
    db = Database(settings.database_url)
    client = make_web_client(
        settings.bot_token(), settings.slack_api_url, backoff_factor=backoff_factor
    )
    provisioner = Provisioner(db, config, client)
    standby = StandbyService(db, config)
    loop = LoopService(db, config)
    ledger = Ledger(db, lambda delivery: sender(delivery), owner=owner)
    sender = SlackSender(
        client,
        _lookup_ts(ledger),
        renderers={
            **incident_renderers(db, config),
            **standby_renderers(standby),
            **escalation_renderers(db),
            **loop_renderers(loop),
        },
        actions={PROVISION: provisioner.provision, INVITE: provisioner.invite},
        zone=lambda: ZoneInfo(config.timezone),  # the fallback of the late note's date
    )
    listeners = TrackedExecutor(name="listener")
    bolt = App(
        listener_executor=listeners,
        client=client,
        signing_secret=settings.signing_secret() or "socket-mode",
        request_verification_enabled=not settings.socket_mode,
        token_verification_enabled=False,
        process_before_response=False,
        ignoring_self_events_enabled=True,
        raise_error_for_unhandled_request=True,  # answered 200 by handlers.unhandled
    )
    people = People(client, ZoneInfo(config.timezone))
    incidents = IncidentService(db, config)
    bot = OpsBot(
        settings,
        config,
        db,
        client,
        ledger,
        incidents,
        standby,
        EscalationService(db, config, incidents, standby),
        people,
        bolt,
        listeners,
        TrackedExecutor(max_workers=8, name="after-ack"),
        loop,
    )

    from handlers import register_all, request_log, unhandled

    request_log.register(bot)
    unhandled.register(bot)
    register_all(bot)
    return bot

"""`create_app(settings)` builds the whole bot: database, Web API client, ledger, domain
services, the Bolt app with its listeners, and the WSGI application. Nothing happens at
import time."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from slack_bolt import App
from slack_sdk import WebClient

from bot import clock
from bot.config import OrgConfig, load_config
from bot.db.engine import Database
from bot.executor import ListenerExecutor
from bot.incidents.deliveries import INVITE, PROVISION
from bot.incidents.provision import Provisioner
from bot.incidents.renderers import incident_renderers
from bot.incidents.service import IncidentService
from bot.ledger import Ledger
from bot.ledger.sender import SlackSender
from bot.settings import Settings
from bot.slack_client import BACKOFF_FACTOR, make_web_client

log = logging.getLogger(__name__)


@dataclass
class OpsBot:
    settings: Settings
    config: OrgConfig
    db: Database
    client: WebClient
    ledger: Ledger
    incidents: IncidentService
    bolt: App
    listeners: ListenerExecutor
    last_tick: dt.datetime | None = field(default=None)

    def tick(self) -> None:
        """One scheduler tick: ask the domain what is due, hand it to the ledger."""
        from schedules.tick import run_tick

        run_tick(self)
        self.last_tick = clock.now()

    def wsgi(self):  # type: ignore[no-untyped-def]
        from bot.web import make_wsgi_app

        return make_wsgi_app(self)

    def close(self) -> None:
        self.listeners.shutdown(wait=True)
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
    ledger = Ledger(db, lambda delivery: sender(delivery), owner=owner)
    sender = SlackSender(
        client,
        _lookup_ts(ledger),
        renderers=incident_renderers(db, config),
        actions={PROVISION: provisioner.provision, INVITE: provisioner.invite},
    )
    listeners = ListenerExecutor()
    bolt = App(
        listener_executor=listeners,
        client=client,
        signing_secret=settings.signing_secret() or "socket-mode",
        request_verification_enabled=not settings.socket_mode,
        token_verification_enabled=False,
        process_before_response=False,
        ignoring_self_events_enabled=True,
    )
    bot = OpsBot(settings, config, db, client, ledger, IncidentService(db, config), bolt, listeners)

    from handlers import register_all

    register_all(bot)
    return bot

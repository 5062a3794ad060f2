"""The composition root: `create_app(settings)` builds the whole bot (database, Web API
client, ledger, domain services, the services object, the Bolt app with its listeners, and
the WSGI application). It is the one module that imports the adapters: handlers/, the web
routes and schedules/. Nothing happens at import time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from slack_bolt import App
from sqlalchemy.orm import Session

import handlers
from bot.alerts.renderers import alert_renderers
from bot.alerts.service import AlertService
from bot.clock import SYSTEM_CLOCK, Clock
from bot.config import OrgConfig, load_config
from bot.db.engine import Database
from bot.escalation.models import Escalation, Page
from bot.escalation.renderers import escalation_renderers
from bot.escalation.service import EscalationService
from bot.executor import TrackedExecutor
from bot.flows import Flows
from bot.flows.alerts import AlertFlows
from bot.flows.handoff import handoff_renderers
from bot.flows.incidents import IncidentFlows
from bot.flows.standby_load import load_actions, load_renderers
from bot.http_server import WsgiApp
from bot.incidents.deliveries import INVITE, PROVISION
from bot.incidents.provision import Provisioner
from bot.incidents.renderers import incident_renderers
from bot.incidents.service import IncidentService
from bot.ledger import Ledger
from bot.ledger.sender import SlackSender
from bot.loop.deliveries import DIGEST
from bot.loop.renderers import loop_renderers
from bot.loop.service import LoopService, close_week
from bot.metrics import Metrics
from bot.services import Services
from bot.settings import Settings
from bot.slack.client import BACKOFF_FACTOR, make_web_client
from bot.slack.people import People
from bot.standby.cover_render import cover_renderers
from bot.standby.covers import CoverService
from bot.standby.renderers import standby_renderers
from bot.standby.service import StandbyService
from bot.standby.sync import after_change as sync_after_change
from bot.standby.topic import SET_TOPIC, TopicSetter
from bot.standby.usergroups import SYNC, UsergroupSync
from bot.web import make_wsgi_app
from schedules.tick import run_tick


@dataclass(kw_only=True)
class OpsBot(Services):
    """The services with the Slack app on top: the Bolt app its listeners are registered
    on, the WSGI application of `opsbot serve`, and the scheduler's tick."""

    bolt: App

    def tick(self) -> None:
        """One scheduler tick: ask the domain what is due, hand it to the ledger."""
        run_tick(self)

    def wsgi(self) -> WsgiApp:
        return make_wsgi_app(self.bolt, self)


def create_app(
    settings: Settings,
    config: OrgConfig | None = None,
    *,
    owner: str | None = None,
    backoff_factor: float = BACKOFF_FACTOR,
    clock: Clock = SYSTEM_CLOCK,
) -> OpsBot:
    """The whole bot, reading the time from `clock` (the system's unless given another)."""
    config = config or load_config(settings.opsbot_config)
    db = Database(settings.database_url)
    client = make_web_client(
        settings.bot_token(), settings.slack_api_url, clock=clock, backoff_factor=backoff_factor
    )
    provisioner = Provisioner(db, config, client)
    standby = StandbyService(db, config, clock)
    covers = CoverService(standby)
    standby.when_changed.append(sync_after_change)  # user group and topic at once
    loop = LoopService(db, config, clock)
    metrics = Metrics(
        db,
        clock,
        runs_scheduler=lambda: bot.tick_watch is not None,  # opsbot serve sets it, after this
        scheduler_tick=lambda: bot.last_tick,
    )
    ledger = Ledger(
        db,
        lambda delivery: sender(delivery),
        clock=clock,
        owner=owner,
        when_sent={DIGEST: close_week},  # the week closes as its digest is recorded sent
        on_outcome=metrics.delivery,
    )
    sender = SlackSender(
        client,
        ledger.where_sent,
        renderers={
            **incident_renderers(db, config),
            **standby_renderers(standby),
            **cover_renderers(covers),
            **escalation_renderers(db),
            **loop_renderers(loop),
            **alert_renderers(db, config),
            **handoff_renderers(standby),
            **load_renderers(standby),  # the monthly load post
        },
        actions={
            PROVISION: provisioner.provision,
            INVITE: provisioner.invite,
            SYNC: UsergroupSync(standby, client),  # the roster's user group: who is on
            SET_TOPIC: TopicSetter(standby, client),  # the roster channel's topic
            # the monthly load chart, in its post's thread (people: built below)
            **load_actions(standby, client, ledger.where_sent, lambda user: people.name(user)),
        },
        zone=lambda: ZoneInfo(config.timezone),  # the fallback of the late note's date
        clock=clock,
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
    people = People(client, ZoneInfo(config.timezone), clock)
    incidents = IncidentService(db, config, clock)
    escalations = EscalationService(db, config, incidents, standby, clock)
    count_pages(escalations, metrics)
    alerts = AlertService(db, config, escalations, incidents, clock)
    incident_flows = IncidentFlows(config, incidents, escalations, people)
    bot = OpsBot(
        settings=settings,
        config=config,
        db=db,
        client=client,
        ledger=ledger,
        incidents=incidents,
        standby=standby,
        covers=covers,
        escalations=escalations,
        alerts=alerts,
        flows=Flows(incident_flows, AlertFlows(db, config, alerts, incident_flows, clock)),
        people=people,
        listeners=listeners,
        after_ack=TrackedExecutor(max_workers=8, name="after-ack"),
        loop=loop,
        clock=clock,
        metrics=metrics,
        bolt=bolt,
    )
    handlers.register_all(bolt, bot)
    return bot


def count_pages(escalations: EscalationService, metrics: Metrics) -> None:
    """Pages sent and acknowledged, and the time to acknowledge, go to /metrics."""

    def paged(chain: Escalation, page: Page) -> None:
        metrics.page_sent(chain.roster_id)

    def acknowledged(session: Session, chain: Escalation, now: dt.datetime) -> list[str]:
        metrics.page_acknowledged(chain.roster_id, (now - chain.started_at).total_seconds())
        return []

    escalations.when_paged.append(paged)
    escalations.when_acknowledged.append(acknowledged)

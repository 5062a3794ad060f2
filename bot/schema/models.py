"""Every model, imported in one place so Alembic (`migrations/env.py`) sees the whole schema."""

from bot.alerts.models import (
    AlertEpisode,
    AlertGroup,
    AlertInbox,
    AlertSourceToken,
    AlertState,
    AlertStorm,
    Heartbeat,
)
from bot.catch_up import SchedulerState
from bot.db.base import Base
from bot.escalation.models import Escalation, Page
from bot.incidents.models import Incident, IncidentEvent
from bot.ledger.models import Delivery
from bot.loop.models import ClosedWeek, LoopAsk, LoopUpdate
from bot.standby.models import (
    CalendarFeed,
    StandbyAcknowledgement,
    StandbyCoverRequest,
    StandbyOverride,
    StandbySwap,
)

__all__ = [
    "AlertEpisode",
    "AlertGroup",
    "AlertInbox",
    "AlertSourceToken",
    "AlertState",
    "AlertStorm",
    "Base",
    "CalendarFeed",
    "ClosedWeek",
    "Delivery",
    "Escalation",
    "Heartbeat",
    "Incident",
    "IncidentEvent",
    "LoopAsk",
    "LoopUpdate",
    "Page",
    "SchedulerState",
    "StandbyAcknowledgement",
    "StandbyCoverRequest",
    "StandbyOverride",
    "StandbySwap",
]

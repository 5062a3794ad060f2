"""Every model, imported in one place so Alembic and create_all see the whole schema."""

from bot.db.base import Base
from bot.incidents.models import Incident, IncidentEvent
from bot.ledger.models import Delivery
from bot.standby.models import (
    CalendarFeed,
    SchedulerState,
    StandbyAcknowledgement,
    StandbyOverride,
    StandbySwap,
)

__all__ = [
    "Base",
    "CalendarFeed",
    "Delivery",
    "Incident",
    "IncidentEvent",
    "SchedulerState",
    "StandbyAcknowledgement",
    "StandbyOverride",
    "StandbySwap",
]

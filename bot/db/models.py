"""Every model, imported in one place so Alembic and create_all see the whole schema."""

from bot.db.base import Base
from bot.incidents.models import Incident, IncidentEvent
from bot.ledger.models import Delivery

__all__ = ["Base", "Delivery", "Incident", "IncidentEvent"]

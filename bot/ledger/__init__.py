"""The delivery ledger (outbox): every message the bot owes Slack goes through it.

A delivery is written under a unique key inside the same transaction as the change that
causes it, then claimed with a lease before it is sent, so nothing is sent twice and
nothing is lost (see `Ledger`)."""

from bot.ledger.ledger import Due, Ledger, Outcome
from bot.ledger.models import Delivery

__all__ = ["Delivery", "Due", "Ledger", "Outcome"]

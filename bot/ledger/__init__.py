"""The delivery ledger (outbox): every message the bot owes Slack goes through it.

A delivery is written under a unique key inside the same transaction as the change that
causes it, then claimed with a lease before it is sent, so nothing is sent twice and
nothing is lost (see `Ledger`). Its table is its own: the domains ask it what they need to
know of a delivery through `Ledger`'s read API (bot/ledger/reading.py)."""

from bot.ledger.ledger import Ledger
from bot.ledger.terms import Attempted, Claimed, Due, OnOutcome, Outcome, Sent, WhenSent

__all__ = ["Attempted", "Claimed", "Due", "Ledger", "OnOutcome", "Outcome", "Sent", "WhenSent"]

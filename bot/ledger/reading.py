"""The ledger's read API: what the domains may ask about a delivery, by its key. Nothing
outside bot/ledger/ reads the ledger's table; these questions are the whole of what they
need. `Ledger` answers them (it is a `Reads`), and how many deliveries are owed in all
(`pending_count`, which /metrics reports).

Each takes the caller's session, so that the answer belongs to the caller's transaction
(as `Ledger.enqueue` writes in it); a question that depends on time takes the moment it
is asked at. `where_sent` alone opens a session of its own (the sender asks it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.ledger.models import PENDING, SENT, Delivery


class Reads:
    """The questions `Ledger` answers about a delivery."""

    db: Database

    @staticmethod
    def was_enqueued(session: Session, key: str) -> bool:
        """A delivery was ever owed under `key`, whatever became of it."""
        return session.scalar(select(Delivery.id).where(Delivery.key == key)) is not None

    @staticmethod
    def any_enqueued(session: Session, key_prefix: str) -> bool:
        """A delivery was ever owed under a key starting with `key_prefix`."""
        query = select(Delivery.id).where(Delivery.key.startswith(key_prefix, autoescape=True))
        return session.scalar(query.limit(1)) is not None

    @staticmethod
    def is_owed(session: Session, key: str) -> bool:
        """The delivery of `key` is still to be made: neither sent nor set aside (it may be
        being sent right now, or waiting to be tried again)."""
        query = select(Delivery.id).where(Delivery.key == key, Delivery.status == PENDING)
        return session.scalar(query) is not None

    @staticmethod
    def was_sent(session: Session, key: str) -> bool:
        """The delivery of `key` has been made (Slack took it)."""
        query = select(Delivery.id).where(Delivery.key == key, Delivery.status == SENT)
        return session.scalar(query) is not None

    @staticmethod
    def which_sent(session: Session, keys: Iterable[str]) -> set[str]:
        """Those of `keys` whose delivery has been made."""
        query = select(Delivery.key).where(Delivery.key.in_(list(keys)), Delivery.status == SENT)
        return set(session.scalars(query))

    @staticmethod
    def sent_or_owed(session: Session, key: str) -> bool:
        """A message was sent under `key`, or still will be: false when nothing was ever owed
        under it, or when it was set aside (expired, no longer wanted, refused for good)."""
        query = select(Delivery.id).where(Delivery.key == key, Delivery.status.in_((PENDING, SENT)))
        return session.scalar(query) is not None

    @staticmethod
    def is_being_sent(session: Session, key: str, now: dt.datetime, *, hold: bool = False) -> bool:
        """The delivery of `key` is claimed under a lease still running at `now`: a process is
        rendering and sending it (or died doing so, and its lease has not run out yet).

        With `hold`, the delivery (when it is owed) is kept from being claimed until the
        caller's transaction ends: its row is read FOR SHARE, and claimers skip locked rows
        (PostgreSQL; on SQLite writers take turns anyway). What the caller writes meanwhile
        is then committed before the delivery is rendered."""
        query = select(Delivery.status, Delivery.lease_until).where(Delivery.key == key)
        if hold:
            query = query.with_for_update(read=True)
        row = session.execute(query).first()
        if row is None:
            return False
        status, lease_until = row
        return status == PENDING and lease_until is not None and lease_until > now

    @staticmethod
    def pending_count(session: Session) -> int:
        """How many deliveries are owed: neither sent nor set aside (those being sent now,
        and those waiting to be tried again, included)."""
        query = select(func.count()).select_from(Delivery).where(Delivery.status == PENDING)
        return session.scalar(query) or 0

    def where_sent(self, key: str) -> tuple[str | None, str | None]:
        """Where the delivery of `key` went: Slack's channel and ts of its message ((None,
        None) while nothing is sent; a channel without a ts for an action such as creating
        an incident's channel)."""
        query = select(Delivery.result_channel, Delivery.result_ts).where(Delivery.key == key)
        with self.db.read() as session:
            row = session.execute(query).first()
        return (row[0], row[1]) if row is not None else (None, None)

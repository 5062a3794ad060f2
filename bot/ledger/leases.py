"""The ledger's leases: claiming deliveries with a compare-and-set, giving back leases not
used, and recording an attempt's outcome, which ends its lease (see bot/ledger/ledger.py
for the life of a delivery). Here alone the ledger's table is written after a delivery is
enqueued."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import OperationalError
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from bot.clock import Clock
from bot.db.engine import Database
from bot.ledger.models import PENDING, SENT, Delivery
from bot.ledger.terms import Sent, WhenSent

CLAIM_BATCH = 50  # deliveries leased at once by Ledger.deliver_due


def free(now: dt.datetime) -> Any:
    """No lease runs at `now`, and no backoff or wait holds the delivery back."""
    return and_(
        or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
        or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
    )


class Leases:
    """Leases taken in the name of `owner` (each claim under a token of its own) for
    `lease`; `when_sent` hooks run as a delivery of their kind is recorded sent."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        owner: str,
        lease: dt.timedelta,
        when_sent: Mapping[str, WhenSent],
    ):
        self.db = db
        self.clock = clock
        self.owner = owner
        self.lease = lease
        self.when_sent = dict(when_sent)

    def claim(
        self, ids: list[int] | None = None, *, limit: int = CLAIM_BATCH, exclude: Iterable[int] = ()
    ) -> tuple[str, list[Delivery]]:
        """Lease the deliveries of `ids` that are still free, or (without `ids`) the next
        `limit` free ones that are due, in one transaction; rows another process holds, or
        that are done, are left alone.

        On PostgreSQL the candidates are selected FOR UPDATE SKIP LOCKED: a row another
        claimer is leasing right now is skipped, not waited for (SQLite ignores the clause;
        its writers queue for the database's one write lock). The UPDATE is still a
        compare-and-set on status and lease, so a row leased meanwhile is never taken."""
        now = self.clock.now()
        token = f"{self.owner}:{uuid.uuid4().hex[:8]}"
        claimable = and_(Delivery.status == PENDING, Delivery.due_at <= now, free(now))
        candidates = select(Delivery.id).where(claimable)
        if ids is not None:
            candidates = candidates.where(Delivery.id.in_(ids))
        else:
            exclude = list(exclude)
            if exclude:
                candidates = candidates.where(Delivery.id.not_in(exclude))
            candidates = candidates.order_by(Delivery.due_at, Delivery.id).limit(limit)
        with self.db.session(background=True) as session:
            chosen = session.scalars(candidates.with_for_update(skip_locked=True)).all()
            if not chosen:
                return token, []
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_(chosen), claimable)
                .values(lease_owner=token, lease_until=now + self.lease)
                .execution_options(synchronize_session=False)
            )
            claimed = list(
                session.scalars(
                    select(Delivery).where(Delivery.id.in_(chosen), Delivery.lease_owner == token)
                )
            )
        return token, claimed

    def release(self, ids: list[int], token: str) -> None:
        """Give back leases taken but not used."""
        with self.db.session(background=True) as session:
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), Delivery.lease_owner == token)
                .values(lease_owner=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )

    @retry(
        retry=retry_if_exception_type(OperationalError),
        stop=stop_after_attempt(6),
        wait=wait_exponential_jitter(multiplier=0.05, max=2),
        reraise=True,
    )
    def record(self, delivery_id: int, token: str, **values: Any) -> None:
        """Record an attempt's outcome and release the lease. Retried when the database is
        briefly locked: after a send, losing this write would mean sending again. A delivery
        recorded sent whose kind has a `when_sent` hook has it run in the same transaction."""
        recorded = (
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.lease_owner == token)
            .values(lease_owner=None, lease_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        with self.db.session(background=True) as session:
            if values.get("status") != SENT or not self.when_sent:
                session.execute(recorded)
                return
            row = session.execute(
                recorded.returning(Delivery.key, Delivery.kind, Delivery.payload)
            ).first()
            hook = self.when_sent.get(row.kind) if row is not None else None
            if row is not None and hook is not None:
                args = row.payload.get("args", {}) if "render" in row.payload else {}
                hook(session, Sent(row.key, row.kind, args, values["sent_at"]))

"""Claiming and sending deliveries.

Life of a delivery:
  enqueue()  inside the caller's transaction: INSERT … ON CONFLICT DO NOTHING on `key`.
  claim      UPDATE … SET lease WHERE id=? AND status='pending' AND lease is free (a
             compare-and-set that exactly one process wins, on SQLite and PostgreSQL).
  send       outside any transaction, through an `Outcome`-returning action.
  record     sent (with Slack's channel and ts), deferred, retried with backoff, or skipped.
A process that dies between claim and send leaves a lease that expires; the next tick
claims the delivery again. Deliveries past `expires_at` are skipped with a log line;
deliveries sent well after `due_at` are marked late (and say so in the message).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import OperationalError
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from bot import clock
from bot.db.engine import Database
from bot.db.upsert import insert_if_absent
from bot.ledger.models import PENDING, SENT, SKIPPED, Delivery

log = logging.getLogger(__name__)

LATE_AFTER = dt.timedelta(minutes=2)
MAX_BACKOFF = dt.timedelta(minutes=15)


@dataclass
class Outcome:
    """What an attempt came to."""

    sent: bool = False
    channel: str | None = None
    ts: str | None = None
    defer: bool = False  # not ready yet (e.g. waits for a thread parent); no attempt used
    permanent_error: str | None = None  # will never succeed: skipped, with an error line
    skip: str | None = None  # no longer wanted (e.g. the incident was updated meanwhile)
    error: str | None = None  # transient: retried with backoff


@dataclass(frozen=True)
class Due:
    """A delivery the domain wants made (see Ledger.enqueue)."""

    key: str
    kind: str
    method: str
    payload: dict[str, Any]
    due_at: dt.datetime
    expires_at: dt.datetime | None = None

    @classmethod
    def rendered(
        cls,
        key: str,
        kind: str,
        render: str,
        args: dict[str, Any],
        *,
        due_at: dt.datetime,
        expires_at: dt.datetime | None = None,
        to: str | None = None,
        edits: str | None = None,
        thread_of: str | None = None,
    ) -> Due:
        """A message the renderer `render` builds from `args` at send time: posted to `to` (a
        channel or user ID; None when the renderer names the channel), or in the thread of
        the delivery keyed `thread_of`, or with `edits`, an edit of the message delivered
        under that key."""
        payload: dict[str, Any] = {"render": render, "args": args}
        for name, value in (("channel", to), ("ts_of", edits), ("thread_ts_of", thread_of)):
            if value is not None:
                payload[name] = value
        method = "chat.update" if edits else "chat.postMessage"
        return cls(key, kind, method, payload, due_at, expires_at)


Action = Callable[[Delivery], Outcome]


@dataclass
class Report:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)


def backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(seconds=15 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class Ledger:
    def __init__(
        self,
        db: Database,
        send: Action,
        *,
        owner: str | None = None,
        lease: dt.timedelta = dt.timedelta(minutes=5),
    ):
        self.db = db
        self._send = send
        self.owner = owner or f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = lease

    # -- writing -----------------------------------------------------------------
    @staticmethod
    def enqueue(session: Any, due: Due) -> bool:
        """Record a delivery in the caller's transaction; False if the key exists already."""
        return insert_if_absent(
            session,
            Delivery.__table__,
            {
                "key": due.key,
                "kind": due.kind,
                "method": due.method,
                "payload": due.payload,
                "status": PENDING,
                "due_at": due.due_at,
                "expires_at": due.expires_at,
                "created_at": clock.now(),
                "attempts": 0,
                "late": False,
            },
        )

    # -- delivering --------------------------------------------------------------
    def deliver_due(self, limit: int = 200) -> Report:
        """Send every delivery that is due now (one tick's work)."""
        now = clock.now()
        with self.db.read() as session:
            ids = session.scalars(
                select(Delivery.id)
                .where(Delivery.status == PENDING, Delivery.due_at <= now, self._free(now))
                .order_by(Delivery.due_at, Delivery.id)
                .limit(limit)
            ).all()
        return self._deliver_ids(ids)

    def deliver_keys(self, keys: Iterable[str]) -> Report:
        """Try the given deliveries now, in order (used right after the change that caused them)."""
        keys = list(keys)
        with self.db.read() as session:
            rows = {
                key: delivery_id
                for key, delivery_id in session.execute(
                    select(Delivery.key, Delivery.id).where(Delivery.key.in_(keys))
                )
            }
        return self._deliver_ids([rows[k] for k in keys if k in rows])

    def _free(self, now: dt.datetime) -> Any:
        return and_(
            or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        )

    def _deliver_ids(self, ids: Iterable[int]) -> Report:
        report = Report()
        ids = list(ids)
        if not ids:
            return report
        token, claimed = self._claim(ids)
        for delivery in sorted(claimed, key=lambda d: ids.index(d.id)):
            self._deliver_one(delivery, token, report)
        return report

    def _claim(self, ids: list[int]) -> tuple[str, list[Delivery]]:
        """Lease every delivery of `ids` that is still free, in one statement; the rows
        another process holds, or that are done, are left alone."""
        now = clock.now()
        token = f"{self.owner}:{uuid.uuid4().hex[:8]}"
        with self.db.session(background=True) as session:
            session.execute(
                update(Delivery)
                .where(
                    Delivery.id.in_(ids),
                    Delivery.status == PENDING,
                    Delivery.due_at <= now,
                    self._free(now),
                )
                .values(lease_owner=token, lease_until=now + self.lease)
                .execution_options(synchronize_session=False)
            )
            claimed = list(session.scalars(select(Delivery).where(Delivery.lease_owner == token)))
        return token, claimed

    @retry(
        retry=retry_if_exception_type(OperationalError),
        stop=stop_after_attempt(6),
        wait=wait_exponential_jitter(multiplier=0.05, max=2),
        reraise=True,
    )
    def _finish(self, delivery_id: int, token: str, **values: Any) -> None:
        """Record an attempt's outcome and release the lease. Retried when the database is
        briefly locked: after a send, losing this write would mean sending again."""
        with self.db.session(background=True) as session:
            session.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id, Delivery.lease_owner == token)
                .values(lease_owner=None, lease_until=None, **values)
                .execution_options(synchronize_session=False)
            )

    def _deliver_one(self, delivery: Delivery, token: str, report: Report) -> None:
        now = clock.now()
        if delivery.expires_at is not None and now > delivery.expires_at:
            log.warning(
                "delivery %s skipped: missed while down and no longer relevant (due %s)",
                delivery.key,
                delivery.due_at.isoformat(),
            )
            self._finish(delivery.id, token, status=SKIPPED, last_error="expired")
            report.skipped.append(delivery.key)
            return
        delivery.late = now - delivery.due_at > LATE_AFTER
        try:
            outcome = self._send(delivery)
        except Exception as exc:
            log.exception("delivery %s failed unexpectedly", delivery.key)
            outcome = Outcome(error=f"{type(exc).__name__}: {exc}")
        self._record(delivery, token, outcome, report)

    def _record(self, delivery: Delivery, token: str, outcome: Outcome, report: Report) -> None:
        now = clock.now()
        if outcome.sent:
            self._finish(
                delivery.id,
                token,
                status=SENT,
                sent_at=now,
                late=delivery.late,
                result_channel=outcome.channel,
                result_ts=outcome.ts,
                attempts=delivery.attempts + 1,
                last_error=None,
            )
            report.sent.append(delivery.key)
        elif outcome.defer:
            self._finish(delivery.id, token, next_attempt_at=now + dt.timedelta(seconds=5))
            report.deferred.append(delivery.key)
        elif outcome.skip:
            log.info("delivery %s skipped: %s", delivery.key, outcome.skip)
            self._finish(delivery.id, token, status=SKIPPED, last_error=outcome.skip)
            report.skipped.append(delivery.key)
        elif outcome.permanent_error:
            log.error("delivery %s cannot be made: %s", delivery.key, outcome.permanent_error)
            self._finish(
                delivery.id,
                token,
                status=SKIPPED,
                attempts=delivery.attempts + 1,
                last_error=outcome.permanent_error,
            )
            report.skipped.append(delivery.key)
        else:
            attempts = delivery.attempts + 1
            log.warning(
                "delivery %s failed (attempt %d), stays pending: %s",
                delivery.key,
                attempts,
                outcome.error,
            )
            self._finish(
                delivery.id,
                token,
                attempts=attempts,
                next_attempt_at=now + backoff(attempts),
                last_error=outcome.error,
            )
            report.failed.append(delivery.key)

    # -- reading -----------------------------------------------------------------
    def get(self, key: str) -> Delivery | None:
        with self.db.read() as session:
            return session.scalar(select(Delivery).where(Delivery.key == key))

"""Claiming and sending deliveries.

Life of a delivery:
  enqueue()  inside the caller's transaction: INSERT … ON CONFLICT DO NOTHING on `key`.
  claim      SELECT the candidates (FOR UPDATE SKIP LOCKED on PostgreSQL, so concurrent
             claimers neither wait for each other nor see the same row), then UPDATE … SET
             lease WHERE id IN (…) AND status='pending' AND lease is free (a compare-and-set
             that exactly one process wins, on SQLite and PostgreSQL).
  send       outside any transaction, through an `Outcome`-returning action.
  record     sent (with Slack's channel and ts), deferred, retried with backoff, held back
             while Slack rate-limits us, or skipped.
A process that dies between claim and send leaves a lease that expires; the next tick
claims the delivery again. Deliveries past `expires_at` are skipped with a log line;
deliveries sent well after `due_at` are marked late (and say so in the message).

A tick's `deliver_due` claims a batch at a time and keeps going until nothing due is left,
for at most `budget` seconds (so that a tick ends and the next one plans what is due). A delivery
that fails after the client's retries stays pending, with a log line, and is tried again
on the next tick, then with a growing backoff. One that Slack still rate-limits after the
client's retries uses no attempt: it is tried again once Retry-After has passed, in the
same tick when the budget allows.

When the database goes away between a send and its record, the outcome (and the leases of
the batch's deliveries not yet started) is kept in memory and written first thing once the
database answers again, before anything is claimed (bot/ledger/unwritten.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import OperationalError
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.outage import reason, unreachable
from bot.db.upsert import insert_if_absent
from bot.ledger.models import PENDING, SENT, SKIPPED, Delivery
from bot.ledger.unwritten import Unwritten

log = logging.getLogger(__name__)

LATE_AFTER = dt.timedelta(minutes=2)
FIRST_BACKOFF = dt.timedelta(seconds=10)  # under a tick: the next tick tries again
MAX_BACKOFF = dt.timedelta(minutes=15)
CLAIM_BATCH = 50  # deliveries leased at once by deliver_due
TICK_BUDGET = 30.0  # seconds deliver_due may keep sending (real time)
MIN_RATE_LIMIT_WAIT = 1.0  # seconds, when Slack's Retry-After says 0


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
    # Slack still answers 429 after the client's retries: seconds it asks us to wait. Not a
    # failure of the delivery: no attempt is used, and it is tried again after that wait.
    rate_limited: float | None = None


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
    rate_limited: list[str] = field(default_factory=list)
    retry_at: dt.datetime | None = None  # the earliest rate-limited delivery comes free

    def add(self, other: Report) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.skipped += other.skipped
        self.deferred += other.deferred
        self.rate_limited += other.rate_limited
        self.retry_at = earliest(self.retry_at, other.retry_at)


def earliest(*moments: dt.datetime | None) -> dt.datetime | None:
    return min((m for m in moments if m is not None), default=None)


def backoff(attempts: int) -> dt.timedelta:
    """How long a delivery that failed `attempts` times waits: 10 s (so the next tick, 15 s
    on, tries it again), 20 s, 40 s … up to 15 minutes."""
    doublings: int = 2 ** max(attempts - 1, 0)
    return min(FIRST_BACKOFF * doublings, MAX_BACKOFF)


class Ledger:
    def __init__(
        self,
        db: Database,
        send: Action,
        *,
        clock: Clock,
        owner: str | None = None,
        lease: dt.timedelta = dt.timedelta(minutes=5),
        budget: float = TICK_BUDGET,
    ):
        self.db = db
        self._send = send
        self.clock = clock
        self.owner = owner or f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = lease
        self.budget = budget
        self.unwritten = Unwritten(self._write)  # outcomes kept while the database was away

    # -- writing -----------------------------------------------------------------
    @staticmethod
    def enqueue(session: Any, due: Due, now: dt.datetime) -> bool:
        """Record a delivery in the caller's transaction (at `now`); False if the key exists
        already."""
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
                "created_at": now,
                "attempts": 0,
                "late": False,
            },
        )

    # -- delivering --------------------------------------------------------------
    def deliver_due(self, limit: int = CLAIM_BATCH) -> Report:
        """Send what is due now (one tick's work): claim `limit` at a time, until nothing due
        is left or `budget` seconds have gone. What fails or must wait for another delivery
        is left to a later tick; what Slack rate-limits is tried again after Retry-After."""
        self.unwritten.write()
        report = Report()
        deadline = self.clock.monotonic() + self.budget
        held: set[int] = set()  # failed or deferred in this call: a later tick tries them
        retry_at: dt.datetime | None = None  # rate-limited since the last wait
        waited = False
        while self.clock.monotonic() < deadline:
            token, claimed = self._claim(limit=limit, exclude=held)
            if not claimed:
                if retry_at is None or waited:
                    break
                # Only rate-limited deliveries are left: wait for them once, in real time
                # (on a wall clock that stands still, as the shell's does between its
                # commands, they are left to a later tick).
                pause = max((retry_at - self.clock.now()).total_seconds(), 0.0)
                if pause > deadline - self.clock.monotonic():
                    break
                time.sleep(pause)
                retry_at, waited = None, True
                continue
            waited = False
            batch = self._deliver_batch(
                sorted(claimed, key=lambda d: (d.due_at, d.id)), token, deadline
            )
            report.add(batch)
            retry_at = earliest(retry_at, batch.retry_at)
            later = set(batch.failed) | set(batch.deferred)
            held.update(d.id for d in claimed if d.key in later)
        return report

    def deliver_keys(self, keys: Iterable[str]) -> Report:
        """Try the given deliveries now, in order (used right after the change that caused
        them). When the database cannot be reached this is one log line, and the tick sends
        them once it is back."""
        keys = list(keys)
        try:
            with self.db.read() as session:
                rows = {
                    key: delivery_id
                    for key, delivery_id in session.execute(
                        select(Delivery.key, Delivery.id).where(Delivery.key.in_(keys))
                    )
                }
            return self._deliver_ids([rows[k] for k in keys if k in rows])
        except Exception as error:
            if not unreachable(error):
                raise
            log.warning(
                "%d deliveries left to the tick: the database does not answer (%s)",
                len(keys),
                reason(error),
            )
            return Report()

    def _free(self, now: dt.datetime) -> Any:
        return and_(
            or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        )

    def _deliver_ids(self, ids: Iterable[int]) -> Report:
        ids = list(ids)
        if not ids:
            return Report()
        self.unwritten.write()
        token, claimed = self._claim(ids)
        order = {delivery_id: n for n, delivery_id in enumerate(ids)}
        return self._deliver_batch(sorted(claimed, key=lambda d: order[d.id]), token)

    def _deliver_batch(
        self, claimed: list[Delivery], token: str, deadline: float | None = None
    ) -> Report:
        """Send the claimed deliveries in order. None is started once the deadline has
        passed or half the lease is gone (a send may take a while under rate limits, and
        must not outlive the lease): those are released for the next claim."""
        report = Report()
        stop = self.clock.monotonic() + self.lease.total_seconds() / 2
        if deadline is not None:
            stop = min(stop, deadline)
        for n, delivery in enumerate(claimed):
            if self.clock.monotonic() >= stop:
                self._release([d.id for d in claimed[n:]], token)
                break
            try:
                self._deliver_one(delivery, token, report)
            except Exception as error:
                if unreachable(error):  # give the rest back once the database is back
                    self.unwritten.keep([(d.id, token, {}) for d in claimed[n + 1 :]])
                raise
        return report

    def _claim(
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
        claimable = and_(Delivery.status == PENDING, Delivery.due_at <= now, self._free(now))
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

    def _release(self, ids: list[int], token: str) -> None:
        """Give back leases taken but not used."""
        with self.db.session(background=True) as session:
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), Delivery.lease_owner == token)
                .values(lease_owner=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )

    def _finish(self, delivery_id: int, token: str, **values: Any) -> None:
        """Record an attempt's outcome and release the lease (kept for later, and raised,
        when the database cannot be reached: bot/ledger/unwritten.py)."""
        self.unwritten.record(delivery_id, token, values)

    @retry(
        retry=retry_if_exception_type(OperationalError),
        stop=stop_after_attempt(6),
        wait=wait_exponential_jitter(multiplier=0.05, max=2),
        reraise=True,
    )
    def _write(self, delivery_id: int, token: str, **values: Any) -> None:
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
        now = self.clock.now()
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
            if unreachable(exc):  # rendering it needed the database: not an attempt
                self.unwritten.keep([(delivery.id, token, {})])  # its lease, given back later
                raise
            log.exception("delivery %s failed unexpectedly", delivery.key)
            outcome = Outcome(error=f"{type(exc).__name__}: {exc}")
        self._record(delivery, token, outcome, report)

    def _record(self, delivery: Delivery, token: str, outcome: Outcome, report: Report) -> None:
        now = self.clock.now()
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
        elif outcome.rate_limited is not None:
            wait = max(outcome.rate_limited, MIN_RATE_LIMIT_WAIT)
            retry_at = now + dt.timedelta(seconds=wait)
            log.warning(
                "delivery %s rate limited by Slack after the client's retries; stays pending, "
                "tried again in %.0f s (no attempt used)",
                delivery.key,
                wait,
            )
            self._finish(
                delivery.id,
                token,
                next_attempt_at=retry_at,
                last_error=outcome.error or "ratelimited",
            )
            report.rate_limited.append(delivery.key)
            report.retry_at = earliest(report.retry_at, retry_at)
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

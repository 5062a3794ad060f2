"""The ledger: deliveries enqueued, claimed, sent and recorded. Its parts: this module sends
(deliver_due, deliver_keys) and says what an outcome means; bot/ledger/leases.py claims,
gives back and records with compare-and-sets; bot/ledger/reading.py answers what the
domains ask of a delivery; bot/ledger/terms.py holds what they exchange (Due, Outcome…).

Life of a delivery:
  enqueue()  inside the caller's transaction: INSERT … ON CONFLICT DO NOTHING on `key`.
  claim      SELECT the candidates (FOR UPDATE SKIP LOCKED on PostgreSQL, so concurrent
             claimers neither wait for each other nor see the same row), then UPDATE … SET
             lease WHERE id IN (…) AND status='pending' AND lease is free (a compare-and-set
             that exactly one process wins, on SQLite and PostgreSQL).
  send       outside any transaction, through an `Outcome`-returning action.
  record     sent (with Slack's channel and ts), deferred, retried with backoff, held back
             while Slack rate-limits us, or skipped. A delivery recorded sent whose kind has
             a `when_sent` hook has it run in that same transaction.
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
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import select

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.outage import reason, unreachable
from bot.db.upsert import insert_if_absent
from bot.ledger.leases import CLAIM_BATCH, Leases
from bot.ledger.models import PENDING, SENT, SKIPPED, Delivery
from bot.ledger.reading import Reads
from bot.ledger.terms import Attempted, Due, OnOutcome, Outcome, Report, WhenSent, earliest
from bot.ledger.unwritten import Unwritten

log = logging.getLogger(__name__)

LATE_AFTER = dt.timedelta(minutes=2)
FIRST_BACKOFF = dt.timedelta(seconds=10)  # under a tick: the next tick tries again
MAX_BACKOFF = dt.timedelta(minutes=15)
TICK_BUDGET = 30.0  # seconds deliver_due may keep sending (real time)
MIN_RATE_LIMIT_WAIT = 1.0  # seconds, when Slack's Retry-After says 0


Action = Callable[[Delivery], Outcome]


def backoff(attempts: int) -> dt.timedelta:
    """How long a delivery that failed `attempts` times waits: 10 s (so the next tick, 15 s
    on, tries it again), 20 s, 40 s … up to 15 minutes."""
    doublings: int = 2 ** max(attempts - 1, 0)
    return min(FIRST_BACKOFF * doublings, MAX_BACKOFF)


class Ledger(Reads):
    """Claims and sends deliveries; answers what the domains may ask of one (`Reads`)."""

    def __init__(
        self,
        db: Database,
        send: Action,
        *,
        clock: Clock,
        owner: str | None = None,
        lease: dt.timedelta = dt.timedelta(minutes=5),
        budget: float = TICK_BUDGET,
        when_sent: Mapping[str, WhenSent] | None = None,
        on_outcome: OnOutcome | None = None,
    ):
        """`when_sent`: by kind of delivery, what a domain writes in the transaction that
        records one of that kind sent (the loop closes a week when its digest is sent).
        `on_outcome`: told the kind of each delivery attempted and what became of it
        (`Attempted`), as it is recorded (the app counts them)."""
        self.db = db
        self._send = send
        self.clock = clock
        self.owner = owner or f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = lease
        self.budget = budget
        self.leases = Leases(db, clock, self.owner, lease, when_sent or {})
        self.unwritten = Unwritten(self.leases.record)  # kept while the database was away
        self._on_outcome = on_outcome

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
            token, claimed = self.leases.claim(limit=limit, exclude=held)
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

    def _deliver_ids(self, ids: Iterable[int]) -> Report:
        ids = list(ids)
        if not ids:
            return Report()
        self.unwritten.write()
        token, claimed = self.leases.claim(ids)
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
                self.leases.release([d.id for d in claimed[n:]], token)
                break
            try:
                self._deliver_one(delivery, token, report)
            except Exception as error:
                if unreachable(error):  # give the rest back once the database is back
                    self.unwritten.keep([(d.id, token, {}) for d in claimed[n + 1 :]])
                raise
        return report

    def _finish(self, delivery_id: int, token: str, **values: Any) -> None:
        """Record an attempt's outcome and release the lease (kept for later, and raised,
        when the database cannot be reached: bot/ledger/unwritten.py)."""
        self.unwritten.record(delivery_id, token, values)

    def _tell(self, delivery: Delivery, attempted: Attempted) -> None:
        """Tell `on_outcome` what became of an attempt (before it is recorded: an outcome
        kept in memory while the database is away happened all the same)."""
        if self._on_outcome is None:
            return
        try:
            self._on_outcome(delivery.kind, attempted)
        except Exception:
            log.exception("on_outcome failed for delivery %s", delivery.key)

    def _deliver_one(self, delivery: Delivery, token: str, report: Report) -> None:
        now = self.clock.now()
        if delivery.expires_at is not None and now > delivery.expires_at:
            log.warning(
                "delivery %s skipped: missed while down and no longer relevant (due %s)",
                delivery.key,
                delivery.due_at.isoformat(),
            )
            self._tell(delivery, Attempted.EXPIRED)
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
            self._tell(delivery, Attempted.SENT_LATE if delivery.late else Attempted.SENT)
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
            self._tell(delivery, Attempted.DEFERRED)
            self._finish(delivery.id, token, next_attempt_at=now + dt.timedelta(seconds=5))
            report.deferred.append(delivery.key)
        elif outcome.skip:
            log.info("delivery %s skipped: %s", delivery.key, outcome.skip)
            self._tell(delivery, Attempted.SKIPPED)
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
            self._tell(delivery, Attempted.RATE_LIMITED)
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
            self._tell(delivery, Attempted.REFUSED)
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
            self._tell(delivery, Attempted.FAILED)
            self._finish(
                delivery.id,
                token,
                attempts=attempts,
                next_attempt_at=now + backoff(attempts),
                last_error=outcome.error,
            )
            report.failed.append(delivery.key)

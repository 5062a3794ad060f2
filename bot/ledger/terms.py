"""What the ledger and the domains say to each other: a `Due` is a delivery a domain wants
made, a `Claimed` delivery what the action that sends it is handed, an `Outcome` what an
attempt came to, a `Report` what a round of sending did, `Sent` what a domain's hook is
told when a delivery of its kind is recorded sent, and `Attempted` the name of what an
attempt came to, as the ledger reports it (`Ledger(on_outcome=…)`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.orm import Session


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


class Claimed(Protocol):
    """A delivery claimed for sending, as the action that sends it sees it."""

    @property
    def key(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def method(self) -> str: ...

    @property
    def payload(self) -> dict[str, Any]: ...

    @property
    def due_at(self) -> dt.datetime: ...

    @property
    def late(self) -> bool: ...


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


@dataclass
class Report:
    """What a round of sending did: the keys of the deliveries, by what became of them."""

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


@dataclass(frozen=True)
class Sent:
    """A delivery being recorded sent, as a hook of its kind sees it (`Ledger(when_sent=…)`),
    inside the transaction that records it: what the hook writes is committed with it, or
    not at all."""

    key: str
    kind: str
    args: dict[str, Any]  # its renderer's arguments (Due.rendered); {} for other payloads
    at: dt.datetime  # when it was sent


WhenSent = Callable[[Session, Sent], None]


class Attempted(StrEnum):
    """What became of an attempt, as the ledger reports it to `Ledger(on_outcome=…)` with
    the delivery's kind (the app counts them in /metrics)."""

    SENT = "sent"  # Slack took it
    SENT_LATE = "sent_late"  # Slack took it, well after it was due: marked late
    DEFERRED = "deferred"  # not ready yet (waits for a thread parent): no attempt used
    RATE_LIMITED = "rate_limited"  # Slack still said 429: tried again after Retry-After
    FAILED = "failed"  # a transient error: stays owed, tried again with backoff
    SKIPPED = "skipped"  # no longer wanted (its renderer said why): set aside
    EXPIRED = "expired"  # missed past its `expires_at`: set aside unsent
    REFUSED = "refused"  # an error no retry fixes (channel_not_found…): set aside for good


OnOutcome = Callable[[str, Attempted], None]
"""Told (kind, what became of the attempt) after each attempt; quick, and never raises."""

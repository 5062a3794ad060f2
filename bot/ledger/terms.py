"""What the ledger and the domains say to each other: a `Due` is a delivery the domain wants
made, a `Claimed` delivery is what a send action is handed, an `Outcome` what an attempt
came to, a `Report` what a round of sending did, and `Sent` what a domain's hook is told
when a delivery of its kind is recorded sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session


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

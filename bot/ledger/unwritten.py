"""Delivery outcomes a ledger could not record because the database was away.

A delivery sent to Slack whose outcome cannot be written would, once its lease expires, be
claimed and sent again; so would deliveries claimed in the same batch but not started be
held until theirs expires. Both are kept here, in memory, and written first thing when the
database answers again, before anything new is claimed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from bot.db.outage import reason, unreachable

log = logging.getLogger(__name__)

# (delivery id, lease token, the values to set; none: only give the lease back)
Outcome = tuple[int, str, dict[str, Any]]


class Unwritten:
    def __init__(self, write: Callable[..., None]):
        self._write = write  # write(delivery_id, token, **values)
        self._lock = threading.Lock()
        self._outcomes: list[Outcome] = []

    def __len__(self) -> int:
        with self._lock:
            return len(self._outcomes)

    def record(self, delivery_id: int, token: str, values: dict[str, Any]) -> None:
        """Write an outcome now; when the database cannot be reached, keep it and raise."""
        try:
            self._write(delivery_id, token, **values)
        except Exception as error:
            if unreachable(error):
                log.warning(
                    "delivery %d: its outcome is kept until the database is back (%s)",
                    delivery_id,
                    reason(error),
                )
                self.keep([(delivery_id, token, values)])
            raise

    def keep(self, outcomes: list[Outcome]) -> None:
        with self._lock:
            self._outcomes += outcomes

    def write(self) -> None:
        """Write what is kept, in order; raise (keeping the rest) if the database still
        cannot be reached."""
        with self._lock:
            outcomes, self._outcomes = self._outcomes, []
        for n, (delivery_id, token, values) in enumerate(outcomes):
            try:
                self._write(delivery_id, token, **values)
            except Exception:
                with self._lock:
                    self._outcomes[:0] = outcomes[n:]
                raise
        if outcomes:
            log.info(
                "recorded %d delivery outcomes kept while the database was away", len(outcomes)
            )

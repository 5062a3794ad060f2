"""Fault injection and rate limiting for the stand-in.

Faults are queued in the order they are registered; each incoming call consumes the first
queued fault whose method matches (``"*"`` matches any method). Calls that no fault claims
are then checked against the per-method rate limits (token buckets).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal


def real_monotonic() -> float:
    """Monotonic seconds that freezegun cannot freeze.

    freezegun replaces ``time.monotonic`` (in every thread) but not ``time.clock_gettime``,
    so rate limits keep refilling in real time even inside a frozen test; client code that
    sleeps for ``Retry-After`` really sleeps, so real time is the consistent choice.
    """
    if hasattr(time, "clock_gettime"):
        return time.clock_gettime(time.CLOCK_MONOTONIC)
    return time.monotonic()  # pragma: no cover - platforms without clock_gettime


FaultKind = Literal["http", "error", "drop"]


@dataclass
class Fault:
    """One queued fault; ``remaining`` counts down as calls consume it."""

    method: str
    kind: FaultKind
    remaining: int
    status: int = 200
    error: str | None = None
    retry_after: int | None = None

    def matches(self, method: str) -> bool:
        return self.remaining > 0 and self.method in ("*", method)


@dataclass
class Outcome:
    """What the server answers instead of running the method (``drop``: no answer at all)."""

    kind: FaultKind
    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def _http_error_name(status: int) -> str:
    if status == 429:
        return "ratelimited"
    if status == 503:
        return "service_unavailable"
    if status >= 500:
        return "fatal_error"
    return f"http_{status}"


def _outcome(fault: Fault) -> Outcome:
    if fault.kind == "drop":
        return Outcome("drop", status=0)
    if fault.kind == "error":
        return Outcome("error", body={"ok": False, "error": fault.error})
    headers = {}
    retry_after = fault.retry_after
    if fault.status == 429 and retry_after is None:
        retry_after = 1
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    body = {"ok": False, "error": _http_error_name(fault.status)}
    return Outcome("http", status=fault.status, body=body, headers=headers)


@dataclass
class _Bucket:
    capacity: float
    per_second: float
    tokens: float
    updated: float


class FaultPlan:
    """Thread-safe queue of faults plus per-method rate limits.

    ``clock`` measures elapsed time for the rate limits; it defaults to
    :func:`real_monotonic`. Rate-limit mode is meant for real-time runs (benchmarks,
    ``opsbot shell``); tests that need it deterministic pass their own clock.
    """

    def __init__(self, clock: Callable[[], float] = real_monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._buckets: dict[str, _Bucket] = {}

    def add(self, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.append(fault)

    def rate_limit(self, method: str, per_minute: int | None, *, burst: int | None = None) -> None:
        """Allow ``per_minute`` calls to ``method`` (or ``"*"``: each method separately).

        Up to ``burst`` calls (default ``per_minute``) may come at once; then calls are
        refused with 429 until tokens refill. ``per_minute=None`` removes the limit.
        """
        with self._lock:
            if method == "*":  # forget the per-method buckets made from the old wildcard
                for key in [k for k in self._buckets if k.startswith("*:")]:
                    del self._buckets[key]
            if per_minute is None:
                self._buckets.pop(method, None)
                return
            if per_minute < 1:
                raise ValueError("per_minute must be at least 1")
            capacity = float(burst if burst is not None else per_minute)
            self._buckets[method] = _Bucket(capacity, per_minute / 60.0, capacity, self.clock())

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._buckets.clear()

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if f.remaining > 0]

    def take(self, method: str) -> Outcome | None:
        """The outcome forced on this call of ``method``, or ``None`` to answer normally."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method):
                    fault.remaining -= 1
                    self._faults = [f for f in self._faults if f.remaining > 0]
                    return _outcome(fault)
            return self._throttle(method)

    def _throttle(self, method: str) -> Outcome | None:
        key = method if method in self._buckets else "*"
        template = self._buckets.get(key)
        if template is None:
            return None
        if key == "*":  # the wildcard limit applies to each method on its own
            bucket = self._buckets.setdefault(
                f"*:{method}",
                _Bucket(template.capacity, template.per_second, template.capacity, self.clock()),
            )
        else:
            bucket = template
        now = self.clock()
        bucket.tokens = min(
            bucket.capacity, bucket.tokens + (now - bucket.updated) * bucket.per_second
        )
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        wait = max(1, math.ceil((1 - bucket.tokens) / bucket.per_second))
        return Outcome(
            "http",
            status=429,
            body={"ok": False, "error": "ratelimited"},
            headers={"Retry-After": str(wait)},
        )

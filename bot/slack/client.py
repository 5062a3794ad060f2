"""The Web API client: honours SLACK_API_URL and retries with slack-sdk's own handlers
(connection errors, 429 after Retry-After, 500/502/503/504 with exponential backoff and
jitter).

A 429 holds the method for everyone in the process: the client's `RateLimitGate` records
until when Slack asked us to wait, the retry handler sleeps until then (slack-sdk's own adds
up to a whole second of jitter to every wait, which lets a token bucket overflow and costs a
third of the rate at a one-second Retry-After), and every later call to that method through
this client waits for the gate before it is sent, so concurrent senders do not hammer."""

from __future__ import annotations

import random
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookClient

from bot import progress
from bot.clock import Clock

BACKOFF_FACTOR = 0.5  # seconds: 1, 2, 4 (+ up to half again) between attempts
RATE_LIMIT_RETRIES = 6
RATE_LIMIT_JITTER = 0.05  # of Retry-After, at most: spreads the waiters of several processes


def retry_after(headers: Any, default: float = 1.0) -> float:
    """Retry-After in seconds from a response's headers (any case; values may be lists)."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list | tuple) else value
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return default
    return default


class RateLimitGate:
    """Per Web API method, the moment until which Slack asked this process to wait (on
    `clock`'s monotonic seconds)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}

    def hold(self, method: str, seconds: float) -> None:
        """Slack answered 429 for `method`: nobody here calls it for `seconds`."""
        until = self.clock.monotonic() + seconds
        with self._lock:
            if until > self._until.get(method, 0.0):
                self._until[method] = until

    def remaining(self, method: str) -> float:
        with self._lock:
            return max(0.0, self._until.get(method, 0.0) - self.clock.monotonic())

    def wait(self, method: str) -> float:
        """Sleep until `method` may be called; returns the seconds slept."""
        slept = 0.0
        while (left := self.remaining(method)) > 0:
            pause = left * (1 + random.random() * RATE_LIMIT_JITTER)
            time.sleep(pause)
            slept += pause
        return slept


def api_method(url: str) -> str:
    """`chat.postMessage` from `https://slack.com/api/chat.postMessage?…` (or the path of a
    webhook URL: each response_url is limited on its own)."""
    path = urlsplit(url).path
    return path.rsplit("/", 1)[-1] or path


class GatedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack-sdk's 429 handler, waiting exactly Retry-After (a few per cent of jitter) and
    holding the method at the shared gate meanwhile."""

    def __init__(self, gate: RateLimitGate, max_retry_count: int = RATE_LIMIT_RETRIES):
        super().__init__(max_retry_count=max_retry_count)
        self.gate = gate

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            assert error is not None  # slack_sdk passes the response or else the error
            raise error
        method = api_method(request.url)
        self.gate.hold(method, retry_after(response.headers))
        state.next_attempt_requested = True
        self.gate.wait(method)
        progress.note()  # a long Retry-After is waited out, not stuck
        state.increment_current_attempt()


class GatedWebClient(WebClient):
    """A WebClient whose calls wait while Slack has rate-limited their method."""

    def __init__(self, *args: Any, gate: RateLimitGate, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.gate = gate

    def api_call(self, api_method: str, *args: Any, **kwargs: Any) -> SlackResponse:
        self.gate.wait(api_method)
        try:
            return super().api_call(api_method, *args, **kwargs)
        finally:
            progress.note()


class GatewayErrorRetryHandler(ServerErrorRetryHandler):
    """slack-sdk's handler retries 500 and 503 only; a 502 or 504 from Slack's edge (or the
    organisation's egress proxy) is as passing, so it is retried the same way."""

    STATUSES = frozenset({500, 502, 503, 504})

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code in self.STATUSES


class ProportionalJitter(Jitter):
    """Adds up to half the interval at random (slack-sdk's RandomJitter adds up to a whole
    second whatever the interval, which would swamp a short backoff)."""

    def recalculate(self, duration: float) -> float:
        return duration * (1 + random.random() / 2)


def retry_handlers(
    gate: RateLimitGate, backoff_factor: float = BACKOFF_FACTOR
) -> list[RetryHandler]:
    backoff = BackoffRetryIntervalCalculator(
        backoff_factor=backoff_factor, jitter=ProportionalJitter()
    )
    return [
        ConnectionErrorRetryHandler(max_retry_count=3, interval_calculator=backoff),
        GatedRateLimitRetryHandler(gate),
        GatewayErrorRetryHandler(max_retry_count=3, interval_calculator=backoff),
    ]


def make_web_client(
    token: str,
    base_url: str,
    *,
    clock: Clock,
    timeout: int = 15,
    backoff_factor: float = BACKOFF_FACTOR,
) -> GatedWebClient:
    """One per process: its gate is shared by every thread (and by the per-request clients
    Bolt makes, which copy its retry handlers)."""
    gate = RateLimitGate(clock)
    return GatedWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=retry_handlers(gate, backoff_factor),
        gate=gate,
    )


def make_webhook_client(
    url: str, *, clock: Clock, timeout: int = 15, backoff_factor: float = BACKOFF_FACTOR
) -> WebhookClient:
    """For response_url posts (slash-command and interaction replies)."""
    handlers = retry_handlers(RateLimitGate(clock), backoff_factor)
    return WebhookClient(url, timeout=timeout, retry_handlers=handlers)

"""The Web API client: honours SLACK_API_URL and retries with slack-sdk's own handlers
(connection errors, 429 after Retry-After, 5xx with exponential backoff and jitter)."""

from __future__ import annotations

import random

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.webhook import WebhookClient

BACKOFF_FACTOR = 0.5  # seconds: 1, 2, 4 (+ up to half again) between attempts


class ProportionalJitter(Jitter):
    """Adds up to half the interval at random (slack-sdk's RandomJitter adds up to a whole
    second whatever the interval, which would swamp a short backoff)."""

    def recalculate(self, duration: float) -> float:
        return duration * (1 + random.random() / 2)


def retry_handlers(backoff_factor: float = BACKOFF_FACTOR) -> list[RetryHandler]:
    backoff = BackoffRetryIntervalCalculator(
        backoff_factor=backoff_factor, jitter=ProportionalJitter()
    )
    return [
        ConnectionErrorRetryHandler(max_retry_count=3, interval_calculator=backoff),
        RateLimitErrorRetryHandler(max_retry_count=6),
        ServerErrorRetryHandler(max_retry_count=3, interval_calculator=backoff),
    ]


def make_web_client(
    token: str, base_url: str, *, timeout: int = 15, backoff_factor: float = BACKOFF_FACTOR
) -> WebClient:
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=retry_handlers(backoff_factor),
    )


def make_webhook_client(
    url: str, *, timeout: int = 15, backoff_factor: float = BACKOFF_FACTOR
) -> WebhookClient:
    """For response_url posts (slash-command and interaction replies)."""
    return WebhookClient(url, timeout=timeout, retry_handlers=retry_handlers(backoff_factor))

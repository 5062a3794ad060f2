"""The Web API stand-in's faults and rate limits: 429s, server errors, dropped connections
and Slack-level errors on demand, with and without slack_sdk's retry handlers."""

from __future__ import annotations

import urllib.error

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.kit.standin import SlackStandIn
from tests.standin.workspace import (
    ALICE,
    INCIDENTS,
    SDK_ADVICE_IGNORED,
    make_client,
    slack_error,
)

QUICK = FixedValueRetryIntervalCalculator(0.01)
pytestmark = SDK_ADVICE_IGNORED


# -- faults --------------------------------------------------------------------------------


def test_429_is_retried_after_retry_after(slack):
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    client = make_client(slack, RateLimitErrorRetryHandler(max_retry_count=1))
    client.chat_postMessage(channel=INCIDENTS, text="eventually")
    calls = slack.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[0].response == {"ok": False, "error": "ratelimited"}
    assert [m.text for m in slack.messages(INCIDENTS)] == ["eventually"]


def test_429_without_retry_shows_retry_after(slack, client):
    slack.fail_next("*", status=429)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel=INCIDENTS, text="x")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "1"
    assert info.value.response["error"] == "ratelimited"
    client.chat_postMessage(channel=INCIDENTS, text="x")  # only the next call failed


def test_server_error_is_retried(slack):
    slack.fail_next("conversations.create", status=500)
    client = make_client(
        slack, ServerErrorRetryHandler(max_retry_count=1, interval_calculator=QUICK)
    )
    channel = client.conversations_create(name="inc-retry")["channel"]
    assert [c.status for c in slack.calls_to("conversations.create")] == [500, 200]
    assert slack.workspace.channels[channel["id"]].name == "inc-retry"


def test_server_errors_beyond_the_retries_surface(slack):
    slack.fail_next("chat.postMessage", status=503, times=2)
    client = make_client(
        slack, ServerErrorRetryHandler(max_retry_count=1, interval_calculator=QUICK)
    )
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel=INCIDENTS, text="x")
    assert info.value.response.status_code == 503
    assert slack.messages(INCIDENTS) == []


def test_dropped_connection_is_retried(slack):
    slack.drop_connection_next("chat.postMessage")
    client = make_client(
        slack, ConnectionErrorRetryHandler(max_retry_count=1, interval_calculator=QUICK)
    )
    client.chat_postMessage(channel=INCIDENTS, text="after reset")
    calls = slack.calls_to("chat.postMessage")
    assert [(c.status, c.response is None) for c in calls] == [(0, True), (200, False)]
    assert [m.text for m in slack.messages(INCIDENTS)] == ["after reset"]


def test_dropped_connection_without_retry_raises(slack, client):
    slack.drop_connection_next("*")
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        client.auth_test()
    assert client.auth_test()["ok"] is True


def test_error_next_is_a_slack_level_failure(slack, client):
    slack.error_next("chat.postMessage", "channel_not_found", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as info:
            client.chat_postMessage(channel=INCIDENTS, text="x")
        assert (info.value.response.status_code, info.value.response["error"]) == (
            200,
            "channel_not_found",
        )
    client.chat_postMessage(channel=INCIDENTS, text="x")
    assert len(slack.messages(INCIDENTS)) == 1


def test_faults_are_consumed_in_order(slack, client):
    slack.error_next("*", "first")
    slack.error_next("auth.test", "second")
    assert slack_error(client.users_info, user=ALICE) == "first"
    assert client.users_info(user=ALICE)["ok"]  # the auth.test fault is still queued
    assert slack_error(client.auth_test) == "second"


# -- rate limits ---------------------------------------------------------------------------


def test_rate_limit_mode_refills_with_the_clock():
    now = [100.0]
    with SlackStandIn(rate_limit_clock=lambda: now[0]) as slack:
        client = make_client(slack)
        slack.rate_limit("auth.test", per_minute=2)
        client.auth_test()
        client.auth_test()
        with pytest.raises(SlackApiError) as info:
            client.auth_test()
        assert info.value.response.status_code == 429
        assert info.value.response.headers["Retry-After"] == "30"
        client.users_list()  # other methods are not limited
        now[0] += 30
        client.auth_test()
        slack.rate_limit("auth.test", None)
        for _ in range(5):
            client.auth_test()

"""What the tests of the Web API stand-in (this folder) share: the workspace's people and
channel, slack_sdk's advice they provoke on purpose, and small helpers. The fixtures are in
conftest.py."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.kit.standin import SlackStandIn

ALICE, BOB, CAROL = "U01ALICE", "U02BOB", "U03CAROL"
INCIDENTS = "C0INCIDENT"
BOT = "U0OPSBOT0"

# slack_sdk's advice about fallback text and files.upload, provoked on purpose by the tests:
# each test module sets `pytestmark = SDK_ADVICE_IGNORED`.
SDK_ADVICE_IGNORED = [
    pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning"),
    pytest.mark.filterwarnings("ignore:client.files_upload\\(\\) may cause:UserWarning"),
]


def make_client(slack: SlackStandIn, *handlers, token: str = "xoxb-test") -> WebClient:
    return WebClient(base_url=slack.api_url, token=token, retry_handlers=list(handlers))


def slack_error(call, *args, **kwargs) -> str:
    with pytest.raises(SlackApiError) as info:
        call(*args, **kwargs)
    return info.value.response["error"]


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}

"""What the tests of the Web API stand-in (tests/test_standin_*.py) share: the workspace's
people and channel, the `slack` and `client` fixtures, and small helpers.

A test module binds the fixtures into its own namespace, so that pytest finds them there
(and they take the place of conftest's `slack`, the end-to-end harness):

    from tests.standin_fixtures import client as client
    from tests.standin_fixtures import slack as slack
"""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.standin import SlackStandIn

ALICE, BOB, CAROL = "U01ALICE", "U02BOB", "U03CAROL"
INCIDENTS = "C0INCIDENT"
BOT = "U0OPSBOT0"

# slack_sdk's advice about fallback text and files.upload, provoked on purpose by the tests:
# each test module sets `pytestmark = SDK_ADVICE_IGNORED`.
SDK_ADVICE_IGNORED = [
    pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning"),
    pytest.mark.filterwarnings("ignore:client.files_upload\\(\\) may cause:UserWarning"),
]


@pytest.fixture
def slack():
    standin = SlackStandIn(
        users=[
            {"id": ALICE, "name": "alice", "real_name": "Alice A", "email": "alice@example.com"},
            {"id": BOB, "name": "bob", "tz": "Europe/London"},
            {"id": CAROL, "name": "carol"},
        ]
    )
    standin.add_channel("incidents", INCIDENTS, members=[ALICE, BOB])
    with standin:
        yield standin
    assert standin.errors == []


def make_client(slack: SlackStandIn, *handlers, token: str = "xoxb-test") -> WebClient:
    return WebClient(base_url=slack.api_url, token=token, retry_handlers=list(handlers))


@pytest.fixture
def client(slack):
    return make_client(slack)


def slack_error(call, *args, **kwargs) -> str:
    with pytest.raises(SlackApiError) as info:
        call(*args, **kwargs)
    return info.value.response["error"]


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}

"""The fixtures of the Web API stand-in's own tests (this folder): `slack`, a stand-in
with the workspace of `tests/standin/workspace.py`, which here takes the place of the
end-to-end harness of tests/conftest.py, and `client`, slack_sdk's WebClient pointed at it."""

from __future__ import annotations

import pytest

from bot.kit.standin import SlackStandIn
from tests.standin.workspace import ALICE, BOB, CAROL, INCIDENTS, make_client


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


@pytest.fixture
def client(slack):
    return make_client(slack)

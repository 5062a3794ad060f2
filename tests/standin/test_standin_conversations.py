"""The Web API stand-in's conversations: channel names, creating, inviting, joining, topics,
listing, and seeded human messages; exercised through the real slack_sdk WebClient over
HTTP."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from tests.standin.workspace import (
    ALICE,
    BOB,
    BOT,
    CAROL,
    INCIDENTS,
    SDK_ADVICE_IGNORED,
    slack_error,
)

pytestmark = SDK_ADVICE_IGNORED


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("x" * 81, "invalid_name_maxlength"),
        ("Incident-42", "invalid_name_specials"),
        ("inc 42", "invalid_name_specials"),
        ("inc.42", "invalid_name_specials"),
        ("---", "invalid_name_punctuation"),
        ("incidents", "name_taken"),
    ],
)
def test_channel_name_rules(client, name, error):
    assert slack_error(client.conversations_create, name=name) == error


def test_create_channel(slack, client):
    name = "inc-20240301-checkout_" + "x" * 58  # exactly 80 characters
    channel = client.conversations_create(name=name)["channel"]
    assert channel["id"].startswith("C") and channel["id"] != INCIDENTS
    assert (channel["name"], channel["creator"], channel["is_channel"]) == (name, BOT, True)
    assert client.conversations_members(channel=channel["id"])["members"] == [BOT]
    assert slack.workspace.channels[channel["id"]].name == name
    private = client.conversations_create(name="inc-private", is_private=True)["channel"]
    assert private["is_private"] is True
    assert slack_error(client.conversations_create, name=name) == "name_taken"


def test_invite_and_its_errors(slack, client):
    channel = client.conversations_create(name="inc-1")["channel"]["id"]
    client.conversations_invite(channel=channel, users=[ALICE, BOB])
    assert client.conversations_members(channel=channel)["members"] == [BOT, ALICE, BOB]
    invite = client.conversations_invite
    assert slack_error(invite, channel=channel, users=[ALICE, BOB]) == "already_in_channel"
    client.conversations_invite(channel=channel, users=f"{ALICE},{CAROL}")  # some already in
    assert client.conversations_info(channel=channel)["channel"]["num_members"] == 4
    with pytest.raises(SlackApiError) as info:
        invite(channel=channel, users=["U0NOBODY"])
    assert info.value.response["error"] == "user_not_found"
    assert info.value.response["errors"][0]["user"] == "U0NOBODY"
    assert slack_error(invite, channel=channel, users=BOT) == "cant_invite_self"
    assert slack_error(invite, channel="C0MISSING", users=ALICE) == "channel_not_found"
    slack.add_channel("outside", "C0OUTSIDE", bot_is_member=False)
    assert slack_error(invite, channel="C0OUTSIDE", users=ALICE) == "not_in_channel"


def test_join_topic_info_and_list(slack, client):
    slack.add_channel("general", "C0GENERAL", bot_is_member=False)
    client.conversations_join(channel="C0GENERAL")
    client.chat_postMessage(channel="C0GENERAL", text="joined")
    again = client.conversations_join(channel="C0GENERAL")
    assert again["warning"] == "already_in_channel"
    client.conversations_setTopic(channel=INCIDENTS, topic="SEV2 checkout | IC: alice")
    info = client.conversations_info(channel=INCIDENTS)["channel"]
    assert (info["name"], info["topic"]["value"], info["num_members"]) == (
        "incidents",
        "SEV2 checkout | IC: alice",
        3,
    )
    error = slack_error(client.conversations_setTopic, channel=INCIDENTS, topic="x" * 251)
    assert error == "too_long"
    names = [c["name"] for c in client.conversations_list()["channels"]]
    assert names == ["incidents", "general"]
    assert slack_error(client.conversations_info, channel="C0MISSING") == "channel_not_found"


def test_human_messages_can_be_seeded(slack, client):
    ts = slack.add_message("incidents", "is checkout down?", ALICE)
    client.chat_postMessage(channel=INCIDENTS, text="looking", thread_ts=ts)
    replies = client.conversations_replies(channel=INCIDENTS, ts=ts)["messages"]
    assert [(m["user"], m["text"]) for m in replies] == [
        (ALICE, "is checkout down?"),
        (BOT, "looking"),
    ]
    error = slack_error(client.chat_update, channel=INCIDENTS, ts=ts, text="x")
    assert error == "cant_update_message"

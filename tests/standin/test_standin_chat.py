"""The Web API stand-in's messages: chat.* methods, threads and history, ts, reactions, and
response URLs; exercised through the real slack_sdk WebClient over HTTP."""

from __future__ import annotations

import pytest
from freezegun import freeze_time
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.kit.standin import SlackStandIn
from tests.standin.workspace import (
    ALICE,
    BOB,
    BOT,
    CAROL,
    INCIDENTS,
    SDK_ADVICE_IGNORED,
    section,
    slack_error,
)

pytestmark = SDK_ADVICE_IGNORED


# -- chat ----------------------------------------------------------------------------------


def test_post_message_and_threads(slack, client):
    top = client.chat_postMessage(channel=INCIDENTS, text="SEV2: checkout down")
    assert top["channel"] == INCIDENTS
    assert top["message"]["text"] == "SEV2: checkout down"
    reply = client.chat_postMessage(channel=INCIDENTS, text="mitigating", thread_ts=top["ts"])
    nested = client.chat_postMessage(channel=INCIDENTS, text="resolved", thread_ts=reply["ts"])
    assert nested["message"]["thread_ts"] == top["ts"]  # replies to replies join the thread

    stored = slack.messages("#incidents")
    assert [(m.text, m.thread_ts, m.user) for m in stored] == [
        ("SEV2: checkout down", None, BOT),
        ("mitigating", top["ts"], BOT),
        ("resolved", top["ts"], BOT),
    ]
    history = client.conversations_history(channel=INCIDENTS)["messages"]
    assert [m["text"] for m in history] == ["SEV2: checkout down"]
    assert history[0]["reply_count"] == 2
    assert history[0]["latest_reply"] == nested["ts"]
    replies = client.conversations_replies(channel=INCIDENTS, ts=top["ts"])["messages"]
    assert [m["text"] for m in replies] == ["SEV2: checkout down", "mitigating", "resolved"]


def test_history_is_newest_first_and_paginates(slack, client):
    for n in range(5):
        client.chat_postMessage(channel=INCIDENTS, text=f"m{n}")
    first = client.conversations_history(channel=INCIDENTS, limit=2)
    assert [m["text"] for m in first["messages"]] == ["m4", "m3"]
    assert first["has_more"] is True
    pages = [[m["text"] for m in page["messages"]] for page in first]  # slack_sdk follows cursors
    assert pages == [["m4", "m3"], ["m2", "m1"], ["m0"]]
    ts = [m.ts for m in slack.messages(INCIDENTS)]
    window = client.conversations_history(channel=INCIDENTS, oldest=ts[1], latest=ts[3])
    assert [m["text"] for m in window["messages"]] == ["m2"]


def test_ts_increase_strictly_even_with_frozen_time(slack, client):
    with freeze_time("2024-03-01 09:00:00"):
        stamps = [client.chat_postMessage(channel=INCIDENTS, text=str(n))["ts"] for n in range(5)]
    assert stamps[0] == "1700000000.000100"
    assert len(set(stamps)) == 5
    assert [float(t) for t in stamps] == sorted(float(t) for t in stamps)


def test_ts_can_follow_a_clock():
    with SlackStandIn(ts_clock=lambda: 1_800_000_000.5) as slack:
        slack.add_channel("ops")
        assert slack.add_message("ops", "a", ALICE) == "1800000000.500000"
        assert slack.add_message("ops", "b", ALICE) == "1800000000.500100"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "C0MISSING", "text": "x"}, "channel_not_found"),
        ({"channel": "C0OUTSIDE", "text": "x"}, "not_in_channel"),
        ({"channel": INCIDENTS}, "no_text"),
        ({"channel": INCIDENTS, "text": "x" * 40_001}, "msg_too_long"),
        ({"channel": INCIDENTS, "blocks": [{"text": "no type"}]}, "invalid_blocks"),
        ({"channel": INCIDENTS, "blocks": [section("x")] * 51}, "invalid_blocks"),
        ({"channel": INCIDENTS, "blocks": [section("x" * 3001)]}, "invalid_blocks"),
        ({"channel": INCIDENTS, "blocks": {"type": "section"}}, "invalid_blocks_format"),
        ({"channel": INCIDENTS, "text": "x", "thread_ts": "1.000001"}, "thread_not_found"),
    ],
)
def test_post_message_errors(slack, client, kwargs, error):
    slack.add_channel("outside", "C0OUTSIDE", bot_is_member=False)
    assert slack_error(client.chat_postMessage, **kwargs) == error
    assert slack.messages(INCIDENTS) == []


def test_invalid_blocks_explain_where(client):
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel=INCIDENTS, blocks=[section("x" * 3001)])
    messages = info.value.response["response_metadata"]["messages"]
    assert messages == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]


def test_posting_to_an_archived_channel_fails(slack, client):
    client.conversations_archive(channel=INCIDENTS)
    assert slack_error(client.chat_postMessage, channel=INCIDENTS, text="x") == "is_archived"
    assert client.conversations_info(channel=INCIDENTS)["channel"]["is_archived"] is True


def test_update_keeps_unsent_blocks_and_marks_edited(slack, client):
    posted = client.chat_postMessage(channel=INCIDENTS, text="investigating", blocks=[section("a")])
    updated = client.chat_update(channel=INCIDENTS, ts=posted["ts"], text="mitigated")
    assert updated["message"]["edited"]["user"] == BOT
    [message] = slack.messages(INCIDENTS)
    assert (message.text, message.blocks, message.edited) == ("mitigated", [section("a")], True)
    client.chat_update(channel=INCIDENTS, ts=posted["ts"], blocks=[])
    assert slack.messages(INCIDENTS)[0].blocks == []
    missing = slack_error(client.chat_update, channel=INCIDENTS, ts="1.000001", text="x")
    assert missing == "message_not_found"


def test_delete_removes_the_message(slack, client):
    keep = client.chat_postMessage(channel=INCIDENTS, text="keep")
    gone = client.chat_postMessage(channel=INCIDENTS, text="gone")
    client.chat_delete(channel=INCIDENTS, ts=gone["ts"])
    assert [m.ts for m in slack.messages(INCIDENTS)] == [keep["ts"]]
    assert slack_error(client.chat_delete, channel=INCIDENTS, ts=gone["ts"]) == "message_not_found"


def test_dm_by_user_id_opens_an_im(slack, client):
    posted = client.chat_postMessage(channel=ALICE, text="you are on call")
    assert posted["channel"].startswith("D")
    opened = client.conversations_open(users=ALICE)
    assert opened["channel"]["id"] == posted["channel"]
    assert [m.text for m in slack.messages(ALICE)] == ["you are on call"]
    assert slack.messages(BOB) == []
    assert slack_error(client.conversations_open, users="U0NOBODY") == "user_not_found"


def test_ephemeral_messages(slack, client):
    answer = client.chat_postEphemeral(channel=INCIDENTS, user=ALICE, text="only you")
    [message] = slack.messages(INCIDENTS)
    assert (message.ts, message.ephemeral_user, message.text) == (
        answer["message_ts"],
        ALICE,
        "only you",
    )
    assert client.conversations_history(channel=INCIDENTS)["messages"] == []
    error = slack_error(client.chat_postEphemeral, channel=INCIDENTS, user=CAROL, text="x")
    assert error == "user_not_in_channel"


def test_permalinks(client):
    top = client.chat_postMessage(channel=INCIDENTS, text="top")
    reply = client.chat_postMessage(channel=INCIDENTS, text="reply", thread_ts=top["ts"])
    link = client.chat_getPermalink(channel=INCIDENTS, message_ts=top["ts"])["permalink"]
    assert link == f"https://standin.slack/archives/{INCIDENTS}/p{top['ts'].replace('.', '')}"
    threaded = client.chat_getPermalink(channel=INCIDENTS, message_ts=reply["ts"])["permalink"]
    assert threaded.endswith(f"?thread_ts={top['ts']}&cid={INCIDENTS}")


def test_reactions(slack, client):
    posted = client.chat_postMessage(channel=INCIDENTS, text="ack?")
    client.reactions_add(channel=INCIDENTS, timestamp=posted["ts"], name="eyes")
    assert slack.messages(INCIDENTS)[0].reactions == {"eyes": [BOT]}
    error = slack_error(
        client.reactions_add, channel=INCIDENTS, timestamp=posted["ts"], name="eyes"
    )
    assert error == "already_reacted"


# -- response URLs -------------------------------------------------------------------------


def test_response_urls_are_recorded(slack):
    url = slack.new_response_url()
    assert url.startswith(slack.base_url + "/response/")
    answer = WebhookClient(url).send(text="Incident declared", response_type="in_channel")
    assert answer.status_code == 200
    other = slack.new_response_url()
    WebhookClient(other).send(text="second", replace_original=True)
    assert slack.responses(url) == [{"text": "Incident declared", "response_type": "in_channel"}]
    assert [r["text"] for r in slack.responses()] == ["Incident declared", "second"]
    assert WebhookClient(slack.base_url + "/response/nope").send(text="x").status_code == 404


def test_response_urls_with_context_show_in_the_channel(slack, client):
    original = client.chat_postMessage(
        channel=INCIDENTS, text="Ack this page", blocks=[section("a")]
    )
    url = slack.new_response_url(channel=INCIDENTS, user=ALICE, message_ts=original["ts"])
    WebhookClient(url).send(text="Only alice sees this")
    WebhookClient(url).send(text="Everyone sees this", response_type="in_channel")
    WebhookClient(url).send(text="Acked by alice", replace_original=True)
    seen = [(m.text, m.ephemeral_user, m.edited) for m in slack.messages(INCIDENTS)]
    assert seen == [
        ("Acked by alice", None, True),
        ("Only alice sees this", ALICE, False),
        ("Everyone sees this", None, False),
    ]
    WebhookClient(url).send(delete_original=True)
    assert original["ts"] not in [m.ts for m in slack.messages(INCIDENTS)]

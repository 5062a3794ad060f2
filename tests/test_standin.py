"""The Slack Web API stand-in, exercised through the real slack_sdk WebClient over HTTP."""

from __future__ import annotations

import http.client
import io
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from freezegun import freeze_time
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from bot.standin import SlackStandIn

ALICE, BOB, CAROL = "U01ALICE", "U02BOB", "U03CAROL"
INCIDENTS = "C0INCIDENT"
BOT = "U0OPSBOT0"
QUICK = FixedValueRetryIntervalCalculator(0.01)

pytestmark = [
    # slack_sdk's advice about fallback text and files.upload, provoked on purpose here
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


# -- basics --------------------------------------------------------------------------------


def test_urls_and_auth_test_identify_the_bot(slack, client):
    assert slack.api_url == slack.base_url + "/api/"
    assert urlsplit(slack.base_url).hostname == "127.0.0.1"
    answer = client.auth_test()
    assert (answer["user_id"], answer["team_id"], answer["bot_id"]) == (
        BOT,
        "T0OPSBOT0",
        "B0OPSBOT0",
    )
    [call] = slack.calls
    assert (call.method, call.token, call.status, call.response["ok"]) == (
        "auth.test",
        "xoxb-test",
        200,
        True,
    )


def test_unknown_method_and_missing_token_are_answered_like_slack(slack, client):
    assert slack_error(client.api_call, "nope.nothing") == "unknown_method"
    anonymous = WebClient(base_url=slack.api_url)
    assert slack_error(anonymous.chat_postMessage, channel=INCIDENTS, text="x") == "not_authed"
    assert [c.method for c in slack.calls] == ["nope.nothing", "chat.postMessage"]
    assert slack.messages(INCIDENTS) == []
    slack.clear_calls()
    assert slack.calls == []


def test_token_may_come_as_an_argument(slack):
    anonymous = WebClient(base_url=slack.api_url)
    anonymous.api_call("auth.test", params={"token": "xoxb-arg"})
    assert slack.calls[0].token == "xoxb-arg"


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


def test_form_encoded_blocks_are_decoded_and_recorded_as_sent(slack, client):
    blocks = [section("*SEV1* payments")]
    client.api_call(
        "chat.postMessage",
        params={"channel": INCIDENTS, "text": "fallback", "blocks": json.dumps(blocks)},
    )
    [message] = slack.messages(INCIDENTS)
    assert message.blocks == blocks
    assert message.visible_text == "fallback\n*SEV1* payments"
    [call] = slack.calls_to("chat.postMessage")
    assert call.args["blocks"] == json.dumps(blocks)
    assert call.arg("blocks") == blocks
    assert call.decoded_args["channel"] == INCIDENTS


def test_multipart_bodies_are_understood(slack, client):
    client.api_call(
        "chat.postMessage",
        data={"channel": INCIDENTS, "text": "from a form"},
        files={"extra": io.BytesIO(b"raw bytes")},
    )
    assert [m.text for m in slack.messages(INCIDENTS)] == ["from a form"]
    [call] = slack.calls
    assert "multipart/form-data" in call.headers["Content-Type"]
    assert call.args["extra"] == b"raw bytes"


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


# -- conversations ---------------------------------------------------------------------------


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


# -- users ---------------------------------------------------------------------------------


def test_users(client):
    alice = client.users_info(user=ALICE)["user"]
    assert (alice["name"], alice["real_name"], alice["tz"], alice["tz_offset"]) == (
        "alice",
        "Alice A",
        "Asia/Tokyo",
        9 * 3600,
    )
    assert alice["profile"]["display_name"] == "alice"
    assert alice["is_bot"] is False
    assert slack_error(client.users_info, user="U0NOBODY") == "user_not_found"
    members = client.users_list()["members"]
    assert [m["id"] for m in members] == [BOT, ALICE, BOB, CAROL]
    assert members[0]["is_bot"] is True
    assert client.users_lookupByEmail(email="alice@example.com")["user"]["id"] == ALICE


def test_tz_offset_follows_frozen_time(client):
    with freeze_time("2024-07-01 12:00:00"):
        assert client.users_info(user=BOB)["user"]["tz_offset"] == 3600  # BST
    with freeze_time("2024-01-01 12:00:00"):
        assert client.users_info(user=BOB)["user"]["tz_offset"] == 0


# -- views ---------------------------------------------------------------------------------

MODAL = {
    "type": "modal",
    "callback_id": "declare_incident",
    "title": {"type": "plain_text", "text": "Declare incident"},
    "submit": {"type": "plain_text", "text": "Declare"},
    "blocks": [
        {
            "type": "input",
            "block_id": "summary",
            "label": {"type": "plain_text", "text": "Summary"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


def test_views_open_update_push(slack, client):
    opened = client.views_open(trigger_id="123.456.abc", view=MODAL)["view"]
    assert opened["id"].startswith("V")
    assert opened["state"] == {"values": {}}
    assert (opened["callback_id"], opened["blocks"]) == ("declare_incident", MODAL["blocks"])
    changed = {**MODAL, "title": {"type": "plain_text", "text": "Declared"}}
    updated = client.views_update(view_id=opened["id"], view=changed, hash=opened["hash"])["view"]
    assert updated["id"] == opened["id"]
    assert updated["hash"] != opened["hash"]
    assert slack.workspace.views[opened["id"]]["title"]["text"] == "Declared"
    stale = slack_error(client.views_update, view_id=opened["id"], view=MODAL, hash=opened["hash"])
    assert stale == "hash_conflict"
    assert slack_error(client.views_update, view_id="V0MISSING", view=MODAL) == "not_found"
    pushed = client.views_push(trigger_id="123.456.def", view=MODAL)["view"]
    assert pushed["id"] not in (opened["id"],)


def test_views_by_external_id_and_as_form_string(slack, client):
    view = {**MODAL, "external_id": "incident-42"}
    client.api_call("views.open", params={"trigger_id": "1.2.3", "view": json.dumps(view)})
    [stored] = slack.workspace.views.values()
    assert stored["external_id"] == "incident-42"
    client.views_update(external_id="incident-42", view={**view, "private_metadata": "42"})
    assert slack.workspace.views[stored["id"]]["private_metadata"] == "42"


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"view": MODAL}, "missing required field: trigger_id"),
        ({"trigger_id": "1.2.3", "view": {"blocks": []}}, "missing required field: type"),
        ({"trigger_id": "1.2.3", "view": {"type": "modal", "blocks": []}}, "title"),
        (
            {"trigger_id": "1.2.3", "view": {k: v for k, v in MODAL.items() if k != "submit"}},
            "submit",
        ),
    ],
)
def test_views_open_rejects_bad_arguments(client, kwargs, problem):
    with pytest.raises(SlackApiError) as info:
        client.api_call("views.open", json=kwargs)
    assert info.value.response["error"] == "invalid_arguments"
    assert problem in info.value.response["response_metadata"]["messages"][0]


def test_views_publish_home(slack, client):
    home = {"type": "home", "blocks": [section("You are on call today")]}
    first = client.views_publish(user_id=ALICE, view=home)["view"]
    second = client.views_publish(user_id=ALICE, view=home)["view"]
    assert first["id"] == second["id"] == slack.workspace.home_views[ALICE]
    assert slack_error(client.views_publish, user_id=ALICE, view=MODAL) == "invalid_arguments"


# -- files ---------------------------------------------------------------------------------


def test_files_upload_v2_end_to_end(slack, client):
    top = client.chat_postMessage(channel=INCIDENTS, text="timeline follows")
    answer = client.files_upload_v2(
        channel=INCIDENTS,
        content="09:00 paged\n09:05 mitigated\n",
        filename="timeline.txt",
        title="Timeline",
        initial_comment="Incident timeline",
        thread_ts=top["ts"],
    )
    assert answer["file"]["title"] == "Timeline"
    shared = slack.messages(INCIDENTS)[-1]
    assert (shared.text, shared.thread_ts) == ("Incident timeline", top["ts"])
    assert shared.file["name"] == "timeline.txt"
    assert shared.file["content"] == "09:00 paged\n09:05 mitigated\n"
    assert [c.method for c in slack.calls[1:]] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    info = client.files_info(file=answer["file"]["id"])["file"]
    assert info["channels"] == [INCIDENTS]


def test_file_upload_errors(slack, client):
    url = client.files_getUploadURLExternal(filename="x.txt", length=3)
    pending = [{"id": url["file_id"], "title": "x"}]
    assert slack_error(client.files_completeUploadExternal, files=pending) == "file_not_found"
    assert slack_error(client.files_upload, content="x", channels=INCIDENTS) == "method_deprecated"


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


# -- concurrency, lifecycle, quietness -------------------------------------------------------


def test_concurrent_posts_are_all_kept(slack, client):
    def post(worker: int) -> None:
        for n in range(10):
            client.chat_postMessage(channel=INCIDENTS, text=f"{worker}-{n}")

    threads = [threading.Thread(target=post, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = slack.messages(INCIDENTS)
    assert len(stored) == len({m.ts for m in stored}) == 80
    assert len(slack.calls_to("chat.postMessage")) == 80


def test_wait_for_call_works_with_frozen_time(slack, client):
    timer = threading.Timer(0.05, lambda: client.chat_postMessage(channel=ALICE, text="late"))
    with freeze_time("2024-03-01"):
        timer.start()
        [call] = slack.wait_for_call("chat.postMessage", timeout=2)
    assert call.ok
    with pytest.raises(TimeoutError):
        slack.wait_for_call("chat.postMessage", count=2, timeout=0.05)


def test_stop_releases_the_port():
    slack = SlackStandIn().start()
    port = urlsplit(slack.base_url).port
    assert make_client(slack).auth_test()["ok"]
    slack.stop()
    slack.stop()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_stop_ends_kept_alive_connections():
    slack = SlackStandIn().start()
    connection = http.client.HTTPConnection(urlsplit(slack.base_url).netloc, timeout=2)
    headers = {"Authorization": "Bearer xoxb-test"}
    connection.request("POST", "/api/auth.test", body=b"", headers=headers)
    assert json.loads(connection.getresponse().read())["ok"] is True
    slack.stop()
    with pytest.raises((http.client.HTTPException, OSError)):
        connection.request("POST", "/api/auth.test", body=b"", headers=headers)
        connection.getresponse()
    connection.close()


def test_the_stand_in_is_quiet(slack, client, capfd):
    client.auth_test()
    slack.drop_connection_next("auth.test")
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        make_client(slack).auth_test()
    request = urllib.request.Request(slack.base_url + "/elsewhere", data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(request, timeout=2)
    time.sleep(0.05)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_bolt_app_starts_against_the_stand_in(slack):
    from slack_bolt import App

    app = App(client=make_client(slack), signing_secret="secret")
    assert app.client.auth_test()["user_id"] == BOT
    assert slack.calls_to("auth.test")

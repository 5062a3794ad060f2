"""The Web API stand-in as a server: its URLs, authentication and unknown methods, the
request bodies it understands, concurrency, stopping, and quietness; exercised through
the real slack_sdk WebClient over HTTP."""

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

from bot.kit.standin import SlackStandIn
from tests.standin.workspace import (
    ALICE,
    BOT,
    INCIDENTS,
    SDK_ADVICE_IGNORED,
    make_client,
    section,
    slack_error,
)

pytestmark = SDK_ADVICE_IGNORED


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


# -- request bodies ------------------------------------------------------------------------


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


# -- concurrency, lifecycle, quietness -----------------------------------------------------


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

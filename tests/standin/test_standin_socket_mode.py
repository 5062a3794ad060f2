"""The stand-in's Socket Mode as an app sees it: `apps.connections.open` and its tokens, the
one-time WebSocket URL, `hello`, envelopes shaped as Slack sends them, acks matched by
envelope_id, events redelivered when not acknowledged in time, and `disconnect` — through a
bare WebSocket client (`websockets`) and through slack_sdk's own SocketModeClient."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from bot.kit.standin import real_monotonic
from tests.socket_mode import close
from tests.standin.workspace import ALICE, INCIDENTS, make_client, slack_error

COMMAND = {"command": "/incident", "text": "help", "user_id": ALICE, "channel_id": INCIDENTS}
CLICK = {"type": "block_actions", "user": {"id": ALICE}, "actions": [{"action_id": "ok"}]}
SUBMISSION = {"type": "view_submission", "user": {"id": ALICE}, "view": {"id": "V1"}}
EVENT = {
    "type": "event_callback",
    "event_id": "Ev0001",
    "event": {"type": "app_home_opened", "user": ALICE, "tab": "home"},
}


def open_url(slack) -> str:
    return make_client(slack, token=slack.app_token).apps_connections_open(
        app_token=slack.app_token
    )["url"]


class BareApp:
    """A Socket Mode app on a bare WebSocket: records what it receives and acks envelopes
    with `answer(envelope)` (None: no ack)."""

    def __init__(self, ws: ClientConnection, answer: Callable[[dict], dict | None]):
        self.ws = ws
        self.answer = answer
        self.hello = json.loads(ws.recv(timeout=5))
        self.received: list[dict] = []
        self.closed = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for text in self.ws:
                message = json.loads(text)
                self.received.append(message)
                if "envelope_id" in message and (ack := self.answer(message)) is not None:
                    self.ws.send(json.dumps(ack))
        except ConnectionClosed:
            pass
        self.closed.set()


def ack_with(payload: dict | None = None) -> Callable[[dict], dict]:
    def answer(envelope: dict) -> dict:
        return {"envelope_id": envelope["envelope_id"], **({"payload": payload} if payload else {})}

    return answer


ACK = ack_with()


@contextmanager
def bare_app(slack, answer: Callable[[dict], dict | None] = ACK) -> Iterator[BareApp]:
    with connect(open_url(slack)) as ws:
        yield BareApp(ws, answer)


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """A bounded wait for I/O done by other threads (real time, never a fixed sleep)."""
    deadline = real_monotonic() + timeout
    done = threading.Event()
    while not predicate():
        if real_monotonic() >= deadline:
            return False
        done.wait(0.01)
    return True


# -- apps.connections.open -----------------------------------------------------------------


def test_connections_open_answers_a_one_time_websocket_url_for_the_app_token(slack):
    url = open_url(slack)
    parts = urlsplit(url)
    assert (parts.scheme, parts.hostname, parts.path) == ("ws", "127.0.0.1", "/link/")
    query = parse_qs(parts.query)
    assert query["app_id"] == ["A0OPSBOT0"] and query["ticket"][0]
    assert open_url(slack) != url  # a fresh ticket each time


@pytest.mark.parametrize(
    ("token", "error"),
    [
        ("xoxb-bot-token", "not_allowed_token_type"),
        ("xoxp-user-token", "not_allowed_token_type"),
        ("xapp-1-A0OTHER-1-wrong", "invalid_auth"),
    ],
)
def test_connections_open_refuses_other_tokens_as_slack_does(slack, token, error):
    client = make_client(slack, token=token)
    assert slack_error(client.apps_connections_open, app_token=token) == error


def test_connections_open_without_a_token_is_not_authed(slack):
    client = make_client(slack, token="")
    assert slack_error(client.api_call, "apps.connections.open") == "not_authed"


def test_the_app_token_opens_nothing_but_connections(slack):
    client = make_client(slack, token=slack.app_token)
    refused = slack_error(client.chat_postMessage, channel=INCIDENTS, text="hi")
    assert refused == "not_allowed_token_type"
    assert slack.messages(INCIDENTS) == []


def test_a_ticket_opens_one_connection_only(slack):
    url = open_url(slack)
    with connect(url) as first:
        assert json.loads(first.recv(timeout=5))["type"] == "hello"
        with pytest.raises(InvalidStatus) as refused:
            connect(url)
    assert refused.value.response.status_code == 401


# -- hello, envelopes, acks ------------------------------------------------------------------


def test_hello_names_the_app_and_counts_the_connections(slack):
    with bare_app(slack) as first, bare_app(slack) as second:
        assert first.hello == {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {
                "host": "applink-standin",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": "A0OPSBOT0"},
        }
        assert second.hello["num_connections"] == 2
    assert [link.number for link in slack.socket_links] == [1, 2]


def test_a_slash_command_is_an_envelope_whose_ack_payload_is_the_reply(slack):
    with bare_app(slack, ack_with({"text": "Usage: /incident …"})) as app:
        ack = slack.send_slash_command(COMMAND)
    [envelope] = app.received
    assert envelope == {
        "envelope_id": envelope["envelope_id"],
        "payload": COMMAND,
        "type": "slash_commands",
        "accepts_response_payload": True,
    }
    assert ack is not None and ack.envelope_id == envelope["envelope_id"]
    assert ack.payload == {"text": "Usage: /incident …"} and not ack.late
    assert [a.envelope_id for a in slack.acks] == [envelope["envelope_id"]]


def test_interactions_say_whether_their_ack_may_answer(slack):
    with bare_app(slack) as app:
        assert slack.send_interaction(CLICK).payload is None
        assert slack.send_interaction(SUBMISSION) is not None
    click, submission = app.received
    assert (click["type"], click["payload"], click["accepts_response_payload"]) == (
        "interactive",
        CLICK,
        False,
    )
    assert submission["accepts_response_payload"] is True
    assert "retry_attempt" not in click  # only events carry retry fields


def test_an_event_carries_its_callback_and_retry_fields(slack):
    with bare_app(slack) as app:
        assert slack.send_event(EVENT) is not None
    [envelope] = app.received
    assert envelope["type"] == "events_api" and envelope["payload"] == EVENT
    assert (envelope["accepts_response_payload"], envelope["retry_attempt"]) == (False, 0)
    assert envelope["retry_reason"] == ""


def test_only_an_ack_naming_the_envelope_acknowledges_it(slack):
    def wrong_id(envelope: dict) -> dict:
        return {"envelope_id": "not-" + envelope["envelope_id"], "payload": {"text": "x"}}

    with bare_app(slack, wrong_id):
        assert slack.send_slash_command(COMMAND, timeout=0.3) is None
    [ack] = slack.acks
    assert ack.envelope_id.startswith("not-")


def test_an_envelope_waits_for_a_connection_and_gives_up_without_one(slack):
    assert slack.send_slash_command(COMMAND, timeout=0.2) is None
    assert slack.envelopes == []


# -- redelivery ------------------------------------------------------------------------------


def test_an_event_not_acknowledged_in_time_is_redelivered_as_a_retry(slack):
    slack.socket_mode.ack_timeout = 0.1
    seen: list[dict] = []

    def ack_the_second(envelope: dict) -> dict | None:
        seen.append(envelope)
        return ACK(envelope) if len(seen) == 2 else None

    with bare_app(slack, ack_the_second):
        ack = slack.send_event(EVENT)
    first, second = seen
    assert (first["retry_attempt"], first["retry_reason"]) == (0, "")
    assert (second["retry_attempt"], second["retry_reason"]) == (1, "timeout")
    assert second["payload"] == first["payload"] == EVENT
    assert second["envelope_id"] != first["envelope_id"]
    assert ack is not None and ack.envelope_id == second["envelope_id"]


def test_an_event_is_redelivered_at_most_three_times(slack):
    slack.socket_mode.ack_timeout = 0.05
    with bare_app(slack, lambda envelope: None) as app:
        assert slack.send_event(EVENT, timeout=0.5) is None
    assert [e["retry_attempt"] for e in app.received] == [0, 1, 2, 3]


def test_a_lost_ack_gets_the_event_redelivered(slack):
    slack.socket_mode.ack_timeout = 0.1
    slack.socket_mode.lose_next_ack()
    with bare_app(slack) as app:
        ack = slack.send_event(EVENT)
    assert [e["retry_attempt"] for e in app.received] == [0, 1]
    assert [a.lost for a in slack.acks] == [True, False]
    assert ack is not None and ack.envelope_id == app.received[1]["envelope_id"]


def test_a_slash_command_is_not_redelivered_and_a_late_ack_is_marked_late(slack):
    slack.socket_mode.ack_timeout = 0.05
    proceed = threading.Event()

    def slow(envelope: dict) -> dict:
        proceed.wait(5)
        return ack_with({"text": "late"})(envelope)

    with bare_app(slack, slow) as app:
        threading.Timer(0.2, proceed.set).start()
        ack = slack.send_slash_command(COMMAND)
    assert len(app.received) == 1
    assert ack is not None and ack.late


# -- disconnect ------------------------------------------------------------------------------


def test_disconnect_tells_the_app_why_and_closes_after_the_grace(slack):
    with bare_app(slack) as app:
        assert slack.disconnect("refresh_requested", grace=0.1) == 1
        assert app.closed.wait(5)
    assert app.received == [
        {
            "type": "disconnect",
            "reason": "refresh_requested",
            "debug_info": {"host": "applink-standin"},
        }
    ]
    assert wait_until(lambda: slack.socket_links[0].closed)


def test_link_disabled_closes_at_once_and_no_envelope_goes_to_a_told_link(slack):
    with bare_app(slack) as app:
        slack.disconnect("link_disabled")
        assert app.closed.wait(5)
        assert slack.send_event(EVENT, timeout=0.2) is None
    assert [m["type"] for m in app.received] == ["disconnect"]
    assert app.received[0]["reason"] == "link_disabled"
    assert slack.envelopes == []


def test_an_unknown_disconnect_reason_is_refused(slack):
    with pytest.raises(ValueError):
        slack.disconnect("bored")


def sdk_app(slack, replies: list[str]) -> SocketModeClient:
    """slack_sdk's own Socket Mode client, answering every slash command."""
    client = SocketModeClient(slack.app_token, web_client=make_client(slack, token=""))

    def answer(client: SocketModeClient, request: SocketModeRequest) -> None:
        payload: dict[str, Any] = {"text": f"{request.payload['text']} on {client.session_id()}"}
        replies.append(payload["text"])
        client.send_socket_mode_response(SocketModeResponse(request.envelope_id, payload))

    client.socket_mode_request_listeners.append(answer)
    return client


@pytest.mark.slow
def test_refresh_requested_gets_slack_sdks_client_onto_a_fresh_url(slack):
    replies: list[str] = []
    client = sdk_app(slack, replies)
    client.connect()
    try:
        [first] = slack.socket_mode.wait_for_links(1)
        assert slack.send_slash_command(COMMAND).payload["text"].startswith("help on ")
        slack.disconnect("refresh_requested")
        [second] = slack.socket_mode.wait_for_links(1)
        ack = slack.send_slash_command({**COMMAND, "text": "again"})
    finally:
        close([client], slack)
    assert second.number == 2 and second.ticket != first.ticket
    assert len(slack.calls_to("apps.connections.open")) == 2  # a fresh URL, not the old one
    assert ack is not None and ack.link == 2 and ack.payload["text"].startswith("again on ")
    assert slack.socket_links[0].disconnect_reason == "refresh_requested"

"""A local stand-in for Slack's Web API, for end-to-end tests and ``opsbot shell``.

``SlackStandIn`` is a small stateful HTTP server on a free loopback port that imitates the
Slack Web API closely enough for an unmodified ``slack_sdk.WebClient``::

    from slack_sdk import WebClient
    from bot.kit.standin import SlackStandIn

    with SlackStandIn(users=[{"id": "U01ALICE", "name": "alice"}]) as slack:
        incidents = slack.add_channel("incidents", "C0INCIDENT", members=["U01ALICE"])
        client = WebClient(base_url=slack.api_url, token="xoxb-test")
        client.chat_postMessage(channel=incidents, text="SEV2 declared")
        assert slack.messages(incidents)[0].text == "SEV2 declared"

It records every call (``calls``), keeps workspace state (``workspace``: users, channels,
messages, views, files, response URLs), injects faults (``fail_next``, ``error_next``,
``drop_connection_next``) and can rate-limit methods (``rate_limit``). Besides
``websockets`` (Socket Mode) it uses only the standard library and nothing else from ``bot``.

Implemented methods: auth.test; chat.postMessage/postEphemeral/update/delete/getPermalink;
reactions.add/remove; conversations.create/invite/join/leave/info/setTopic/setPurpose/
members/archive/unarchive/list/history/replies/open; users.info/list/lookupByEmail;
views.open/push/update/publish; files.getUploadURLExternal/completeUploadExternal/info
(the ``files_upload_v2`` flow); apps.connections.open. Anything else answers
``unknown_method``.

It also speaks Socket Mode (``socket_mode``, ``socket_api``): ``apps.connections.open`` with
the app-level token ``app_token`` hands out a one-time WebSocket URL on a second port
(served with ``websockets``) where the app gets ``hello`` and envelopes
(``send_slash_command``, ``send_interaction``, ``send_event``) and sends acks; events not
acknowledged in time are redelivered, and ``disconnect`` makes the app reconnect.
"""

from .faults import Fault, FaultPlan, Outcome, real_monotonic
from .models import JSON_ARGS, Args, Call, Channel, Message, SlackError, decode_json_arg
from .socket_messages import Ack, Envelope, Link
from .standin import METHODS, SlackStandIn
from .workspace import Workspace

__all__ = [
    "JSON_ARGS",
    "METHODS",
    "Ack",
    "Args",
    "Call",
    "Channel",
    "Envelope",
    "Fault",
    "FaultPlan",
    "Link",
    "Message",
    "Outcome",
    "SlackError",
    "SlackStandIn",
    "Workspace",
    "decode_json_arg",
    "real_monotonic",
]

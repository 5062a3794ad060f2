"""The in-process bot on Socket Mode: connected to the stand-in as `opsbot serve` connects it
when SLACK_APP_TOKEN is set (`bot.slack.socket_mode.connect`: two connections, each a
slack_bolt SocketModeHandler on the bot's Bolt app, whose WebClient calls
`apps.connections.open` at SLACK_API_URL), and disconnected quickly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler
from slack_sdk.socket_mode.websocket_client import SocketModeClient

from bot.app import OpsBot
from bot.kit.standin import SlackStandIn, real_monotonic
from bot.slack import socket_mode


@contextmanager
def connected(bot: OpsBot, standin: SlackStandIn) -> Iterator[list[SocketModeHandler]]:
    handlers = socket_mode.connect(bot.bolt, standin.app_token, bot.clock)
    try:
        standin.socket_mode.wait_for_links(len(handlers), timeout=10)
        yield handlers
    finally:
        close([handler.client for handler in handlers], standin)


def close(clients: list[SocketModeClient], standin: SlackStandIn) -> None:
    """`client.close()` for each, without waiting out slack_sdk's 3 s socket read.

    The built-in client closes its socket under the lock its reader holds while it waits
    (up to 3 s) for data; Slack's end closing, as it does when the app goes, wakes that
    read. So: close in threads, and once no client reconnects, the stand-in closes its
    end."""
    closing = [
        threading.Thread(target=client.close, name="socket-mode-close", daemon=True)
        for client in clients
    ]
    for thread in closing:
        thread.start()
    deadline = real_monotonic() + 5
    while any(c.auto_reconnect_enabled for c in clients) and real_monotonic() < deadline:
        closing[0].join(0.005)
    standin.socket_mode.stop()
    for thread in closing:
        thread.join(timeout=10)

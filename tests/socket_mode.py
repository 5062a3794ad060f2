"""The in-process bot on Socket Mode: connected to the stand-in as `opsbot serve` connects it
when SLACK_APP_TOKEN is set (slack_bolt's SocketModeHandler on the bot's Bolt app, whose
WebClient calls `apps.connections.open` at SLACK_API_URL), and disconnected quickly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode import SocketModeClient

from bot.app import OpsBot
from bot.standin import SlackStandIn, real_monotonic


@contextmanager
def connected(bot: OpsBot, standin: SlackStandIn) -> Iterator[SocketModeHandler]:
    handler = SocketModeHandler(bot.bolt, standin.app_token)
    handler.connect()
    try:
        standin.socket_mode.wait_for_links(1, timeout=10)
        yield handler
    finally:
        close(handler.client, standin)


def close(client: SocketModeClient, standin: SlackStandIn) -> None:
    """`client.close()`, without waiting out slack_sdk's 3 s socket read.

    The built-in client closes its socket under the lock its reader holds while it waits
    (up to 3 s) for data; Slack's end closing, as it does when the app goes, wakes that
    read. So: close in a thread, and once the client no longer reconnects, the stand-in
    closes its end."""
    closing = threading.Thread(target=client.close, name="socket-mode-close", daemon=True)
    closing.start()
    deadline = real_monotonic() + 5
    while client.auto_reconnect_enabled and real_monotonic() < deadline:
        closing.join(0.005)
    standin.socket_mode.stop()
    closing.join(timeout=10)

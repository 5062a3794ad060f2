"""Socket Mode: with SLACK_APP_TOKEN set, opsbot connects out to Slack over WebSockets
instead of (or as well as) taking Slack's HTTP requests.

Slack refreshes each connection every few hours: it sends `disconnect` with
`refresh_requested`, and the app opens a new one. slack_sdk's built-in client then keeps
reading the old connection until its 3-second read times out, so a slash command sent in
that moment is answered after Slack's 3 seconds, a timeout for the person who typed it.
Slack lets an app hold up to 10 connections and sends each envelope to one of them, so
opsbot holds two: while one is refreshed, the other answers."""

from __future__ import annotations

import logging
import threading
import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler

from bot.clock import Clock

log = logging.getLogger(__name__)

CONNECTIONS = 2
OPEN_WITHIN = 10.0  # seconds to wait at start for the WebSockets to open, before saying so


def connect(
    bolt: App, app_token: str, clock: Clock, connections: int = CONNECTIONS
) -> list[SocketModeHandler]:
    """Open `connections` Socket Mode connections for `bolt`, waiting `OPEN_WITHIN` seconds
    (on `clock`) for them to open. Slack refusing the token raises slack_sdk's SlackApiError
    (nothing is left open); a WebSocket that does not open by then is retried by its client
    in the background, and logged."""
    handlers: list[SocketModeHandler] = []
    try:
        for _ in range(connections):
            handler = SocketModeHandler(bolt, app_token)
            handler.connect()  # type: ignore[no-untyped-call]  # (slack_bolt leaves it unannotated)
            handlers.append(handler)
    except BaseException:
        close(handlers)
        raise
    deadline = clock.monotonic() + OPEN_WITHIN
    while clock.monotonic() < deadline and not all(h.client.is_connected() for h in handlers):
        time.sleep(0.05)  # each client opens its WebSocket on a thread of its own
    opened = sum(handler.client.is_connected() for handler in handlers)
    if opened == len(handlers):
        log.info("connected to Slack over Socket Mode (%d connections)", opened)
    else:
        log.warning(
            "Socket Mode: %d of %d connections open; the others keep trying", opened, connections
        )
    return handlers


def close(handlers: list[SocketModeHandler]) -> None:
    """Close every connection, side by side: each close may wait out its client's 3 s read."""
    closing = [
        threading.Thread(target=handler.close, name="socket-mode-close", daemon=True)
        for handler in handlers
    ]
    for thread in closing:
        thread.start()
    for thread in closing:
        thread.join(timeout=10)

"""Socket Mode on ``SlackStandIn``'s own face: send the app what Slack would send over its
WebSocket and get back its ack, tell it to reconnect, read what went each way."""

from __future__ import annotations

from typing import Any

from .socket_messages import EVENTS_API, INTERACTIVE, SLASH_COMMANDS, Ack, Envelope, Link
from .socket_mode import SocketModeServer


class SocketModeFace:
    """Mixed into ``SlackStandIn``; ``socket_mode`` is its ``SocketModeServer``::

    client = WebClient(base_url=slack.api_url)
    SocketModeHandler(bolt_app, slack.app_token, web_client=client).connect()
    slack.socket_mode.wait_for_links()
    ack = slack.send_slash_command({"command": "/incident", "text": "help", ...})
    assert "Usage" in ack.payload["text"]
    """

    socket_mode: SocketModeServer

    @property
    def app_token(self) -> str:
        """The app-level token ``apps.connections.open`` accepts (others: ``invalid_auth``)."""
        return self.socket_mode.app_token

    def send_slash_command(self, fields: dict[str, str], *, timeout: float = 10.0) -> Ack | None:
        """A ``slash_commands`` envelope whose payload is the command's form fields."""
        return self.socket_mode.deliver(SLASH_COMMANDS, fields, timeout=timeout)

    def send_interaction(self, payload: dict[str, Any], *, timeout: float = 10.0) -> Ack | None:
        """An ``interactive`` envelope: a click, a modal submission, a shortcut…"""
        return self.socket_mode.deliver(INTERACTIVE, payload, timeout=timeout)

    def send_event(
        self,
        callback: dict[str, Any],
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 10.0,
    ) -> Ack | None:
        """An ``events_api`` envelope carrying an ``event_callback`` body; redelivered when
        not acknowledged in time (see ``SocketModeServer.deliver``)."""
        return self.socket_mode.deliver(
            EVENTS_API,
            callback,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            timeout=timeout,
        )

    def disconnect(
        self,
        reason: str = "refresh_requested",
        *,
        grace: float | None = None,
        link: int | None = None,
    ) -> int:
        """Tell every connection of the app (or connection ``link``) to go (see
        ``SocketModeServer.disconnect``)."""
        return self.socket_mode.disconnect(reason, grace=grace, link=link)

    @property
    def envelopes(self) -> list[Envelope]:
        """Every envelope sent to the app, redeliveries included, in order."""
        return self.socket_mode.envelopes

    @property
    def acks(self) -> list[Ack]:
        """Every ack the app sent, in order."""
        return self.socket_mode.acks

    @property
    def socket_links(self) -> list[Link]:
        """Every WebSocket connection the app opened, in order."""
        return self.socket_mode.links

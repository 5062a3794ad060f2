"""The stand-in's Socket Mode side: a WebSocket server (``websockets``' sync API) on a second
loopback port that the app reaches through the one-time URL ``apps.connections.open``
hands out, greets with ``hello``, sends envelopes to, reads acks from, redelivers events
not acknowledged in time to, and can tell to reconnect (see ``socket_messages``)."""

from __future__ import annotations

import copy
import json
import logging
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import replace
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from . import socket_messages as messages
from .faults import real_monotonic
from .socket_messages import EVENTS_API, RETRY_REASON, Ack, Envelope, Link

ACK_TIMEOUT = 3.0  # seconds Slack waits for an ack before it gives up or redelivers
RETRIES = 3  # redeliveries of an event (Slack's come about 3 s, 1 min and 5 min apart)
DISCONNECT_GRACE = 10.0  # seconds between refresh_requested and the old link's close
_WAIT_SLICE = 0.02

log = logging.getLogger(__name__)


class SocketModeServer:
    """Slack's end of Socket Mode for one app. Threads: the server's, one per connection,
    and the callers of :meth:`deliver`, which wait (in real time, so freezegun does not
    stop them) for the app's ack.

    ``ack_timeout`` (default Slack's 3 s) is how long an envelope waits for its ack before
    an event is redelivered, or an ack counts as late; tests that exercise redelivery set it
    lower rather than sleep. ``retries`` is how many times an event is redelivered.
    """

    def __init__(
        self,
        app_id: str,
        *,
        note_error: Callable[[str], None],
        ack_timeout: float = ACK_TIMEOUT,
        retries: int = RETRIES,
        host: str = "127.0.0.1",
    ) -> None:
        self.app_id = app_id
        self.app_token = messages.app_token_for(app_id)
        self.ack_timeout = ack_timeout
        self.retries = retries
        self._host = host
        self._note_error = note_error
        self._changed = threading.Condition()
        self._tickets: dict[str, bool] = {}  # ticket -> already used
        self._links: list[Link] = []
        self._connections: dict[int, ServerConnection] = {}
        self._envelopes: list[Envelope] = []
        self._acks: list[Ack] = []
        self._acks_to_lose = 0
        self._timers: list[threading.Timer] = []
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # -- apps.connections.open -----------------------------------------------------------

    @property
    def methods(self) -> dict[str, Callable[[Any, Any], dict[str, Any]]]:
        """The Web API methods of Socket Mode, as the stand-in's method table takes them."""
        return {"apps.connections.open": lambda _workspace, _args: self.connections_open()}

    def token_refusal(self, method: str, token: str) -> str | None:
        return messages.token_refusal(method, token, self.app_token)

    def connections_open(self) -> dict[str, Any]:
        """A one-time WebSocket URL, as Slack's ``wss://…/link/?ticket=…&app_id=…``."""
        host, port = self._serving()
        ticket = uuid.uuid4().hex
        with self._changed:
            self._tickets[ticket] = False
        return {"ok": True, "url": f"ws://{host}:{port}/link/?ticket={ticket}&app_id={self.app_id}"}

    # -- lifecycle -----------------------------------------------------------------------

    def _serving(self) -> tuple[str, int]:
        """Start the WebSocket server on first use (most stand-ins never need it)."""
        with self._changed:
            if self._server is None:
                self._server = serve(
                    self._handle,
                    self._host,
                    0,
                    process_request=self._check_ticket,
                    compression=None,
                    close_timeout=1,
                    logger=log,
                )
                self._thread = threading.Thread(
                    target=self._server.serve_forever, name="slack-standin-socket", daemon=True
                )
                self._thread.start()
            host, port = self._server.socket.getsockname()[:2]
        return host, port

    def stop(self) -> None:
        """Close every link and the server (idempotent)."""
        with self._changed:
            server, self._server = self._server, None
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()
        if server is not None:
            server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- connections ---------------------------------------------------------------------

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        ticket = parse_qs(url.query).get("ticket", [""])[0]
        with self._changed:
            fresh = url.path.rstrip("/") == "/link" and self._tickets.get(ticket) is False
            if fresh:
                self._tickets[ticket] = True
        if not fresh:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "unknown or used ticket\n")
        return None

    def _handle(self, connection: ServerConnection) -> None:
        request = connection.request
        assert request is not None, "websockets hands over a connection once its handshake is read"
        ticket = parse_qs(urlsplit(request.path).query)["ticket"][0]
        with self._changed:
            link = Link(number=len(self._links) + 1, ticket=ticket)
            self._links.append(link)
            self._connections[link.number] = connection
            greeting = messages.hello(
                1 + sum(1 for other in self._links if other.live), self.app_id
            )
        try:
            connection.send(json.dumps(greeting))
            with self._changed:
                link.hello = greeting
                self._changed.notify_all()
            for message in connection:
                self._receive(link, message)
        except ConnectionClosed:
            pass
        except Exception:  # noqa: BLE001 - a stand-in bug is kept for the tests, not raised
            self._note_error(traceback.format_exc())
        finally:
            with self._changed:
                link.closed = True
                self._connections.pop(link.number, None)
                self._changed.notify_all()

    def _receive(self, link: Link, message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            return  # Slack ignores what is not JSON
        if not isinstance(data, dict) or not isinstance(data.get("envelope_id"), str):
            return
        payload = data.get("payload")
        now = real_monotonic()
        with self._changed:
            sent = next((e for e in self._envelopes if e.envelope_id == data["envelope_id"]), None)
            lost = self._acks_to_lose > 0
            self._acks_to_lose -= int(lost)
            self._acks.append(
                Ack(
                    envelope_id=data["envelope_id"],
                    payload=payload if isinstance(payload, dict) else None,
                    link=link.number,
                    late=sent is not None and now - sent.sent_at > self.ack_timeout,
                    lost=lost,
                )
            )
            self._changed.notify_all()

    # -- delivering ----------------------------------------------------------------------

    def deliver(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        timeout: float = 10.0,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> Ack | None:
        """Send ``payload`` as an envelope of ``kind`` and wait for its ack.

        An event not acknowledged within ``ack_timeout`` is sent again (a new envelope,
        ``retry_attempt`` one more, ``retry_reason`` "timeout"), up to ``retries`` times;
        slash commands and interactions are not (Slack tells the person the app did not
        respond). Returns the ack (``late`` when after ``ack_timeout``), or None when none
        came within ``timeout`` or no connection was open in that time.
        """
        if kind not in messages.ENVELOPE_TYPES:
            raise ValueError(f"envelope type must be one of {messages.ENVELOPE_TYPES}")
        deadline = real_monotonic() + timeout
        sent: list[str] = []
        attempt, reason = retry_attempt, retry_reason
        while True:
            envelope = self._send(kind, payload, attempt, reason, deadline)
            if envelope is None:
                return None
            sent.append(envelope.envelope_id)
            may_retry = kind == EVENTS_API and attempt < self.retries
            wait_until = (
                min(deadline, envelope.sent_at + self.ack_timeout) if may_retry else deadline
            )
            ack = self._wait_for_ack(sent, wait_until)
            if ack is not None or not may_retry or real_monotonic() >= deadline:
                return ack
            attempt, reason = attempt + 1, RETRY_REASON

    def _send(
        self, kind: str, payload: dict[str, Any], attempt: int, reason: str, deadline: float
    ) -> Envelope | None:
        while True:
            with self._changed:
                link = self._newest_live_link()
                while link is None and real_monotonic() < deadline:
                    self._changed.wait(_WAIT_SLICE)
                    link = self._newest_live_link()
                if link is None:
                    return None
                envelope = Envelope(
                    envelope_id=str(uuid.uuid4()),
                    type=kind,
                    payload=copy.deepcopy(payload),
                    link=link.number,
                    retry_attempt=attempt,
                    retry_reason=reason,
                    sent_at=real_monotonic(),
                )
                self._envelopes.append(envelope)  # before sending: the ack may come at once
                connection = self._connections[link.number]
            try:
                connection.send(json.dumps(envelope.message()))
                return envelope
            except ConnectionClosed:
                with self._changed:  # it went away meanwhile: another connection takes it
                    self._envelopes.remove(envelope)
                    link.closed = True

    def _newest_live_link(self) -> Link | None:
        return next((link for link in reversed(self._links) if link.live), None)

    def _wait_for_ack(self, envelope_ids: list[str], until: float) -> Ack | None:
        with self._changed:
            while True:
                for ack in self._acks:
                    if ack.envelope_id in envelope_ids and not ack.lost:
                        return replace(ack)
                if real_monotonic() >= until:
                    return None
                self._changed.wait(_WAIT_SLICE)

    def lose_next_ack(self, times: int = 1) -> None:
        """The next ``times`` acks are recorded but do not count, as if lost on the way:
        an event they acknowledge is redelivered after ``ack_timeout``."""
        with self._changed:
            self._acks_to_lose += times

    # -- disconnecting -------------------------------------------------------------------

    def disconnect(
        self,
        reason: str = "refresh_requested",
        *,
        grace: float | None = None,
        link: int | None = None,
    ) -> int:
        """Send ``{"type": "disconnect", "reason": reason}`` on every live connection (or
        only on connection number ``link``: Slack refreshes each connection on its own) and
        close each ``grace`` seconds later (``refresh_requested``: 10 s by default, as Slack
        gives; ``link_disabled``: at once). No envelope goes out on them any more. Returns
        how many connections were told."""
        message = json.dumps(messages.disconnect(reason))
        if grace is None:
            grace = 0.0 if reason == "link_disabled" else DISCONNECT_GRACE
        with self._changed:
            told = [each for each in self._links if each.live and link in (None, each.number)]
            for each in told:
                each.disconnect_reason = reason
            connections = [self._connections.get(each.number) for each in told]
        for connection in connections:
            if connection is None:
                continue
            try:
                connection.send(message)
            except ConnectionClosed:
                continue
            timer = threading.Timer(grace, connection.close, kwargs={"reason": reason})
            timer.daemon = True
            with self._changed:
                self._timers.append(timer)
            timer.start()
        return len(told)

    # -- records -------------------------------------------------------------------------

    @property
    def links(self) -> list[Link]:
        """Every connection the app opened, in order (copies)."""
        with self._changed:
            return [replace(link) for link in self._links]

    @property
    def envelopes(self) -> list[Envelope]:
        with self._changed:
            return [replace(envelope) for envelope in self._envelopes]

    @property
    def acks(self) -> list[Ack]:
        with self._changed:
            return [replace(ack) for ack in self._acks]

    def wait_for_links(self, count: int = 1, timeout: float = 5.0) -> list[Link]:
        """Wait until ``count`` live (greeted, not told to go) connections exist."""
        deadline = real_monotonic() + timeout
        with self._changed:
            while True:
                live = [replace(link) for link in self._links if link.live]
                if len(live) >= count:
                    return live
                if real_monotonic() >= deadline:
                    raise TimeoutError(f"expected {count} live Socket Mode connection(s)")
                self._changed.wait(_WAIT_SLICE)

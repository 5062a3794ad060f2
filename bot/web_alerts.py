"""`POST /alerts/<token>`: monitoring's way in (bot/flows/alerts.py reads and keeps what it
posts). 2xx only once the notification is committed, so that a sender retries anything not
stored; an unknown token 404; a malformed body 400 with one line saying what is wrong; a
body over 1 MiB 413; a database that does not answer 503 (retried by the sender). Acting on
the notification (the message, the page) happens after the answer, giving way to Slack's
requests as all work after an ack does."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bot.alerts.service import Processed
from bot.alerts.tokens import source_for_token, token_from_path
from bot.db.outage import reason, unreachable
from bot.flows.alerts import MAX_BODY_BYTES, Acted, Receipt
from bot.http_server import StartResponse

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


def _answer(start_response: StartResponse, status: str, body: dict[str, Any]) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    return {
        key[5:].replace("_", "-").title(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }


# A body over the limit is still read, up to this much, and dropped: a sender that writes
# its whole body before it reads the answer (most HTTP clients) then hears the 413, where
# a connection closed under it would be a broken pipe it retries.
DRAIN_BYTES = 8 * 1024 * 1024
CHUNK = 64 * 1024


def _drain(stream: Any, length: int) -> None:
    left = min(length, DRAIN_BYTES) if length >= 0 else DRAIN_BYTES
    while left > 0:
        chunk = stream.read(min(CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)


def _body(environ: dict[str, Any]) -> bytes | None:
    """The body, or None when it is over the limit (then drained, up to DRAIN_BYTES)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        length = -1
    stream = environ["wsgi.input"]
    if length > MAX_BODY_BYTES:
        _drain(stream, length)
        return None
    body: bytes = stream.read(length) if length >= 0 else stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        _drain(stream, -1)
        return None
    return body


def alerts_in(
    services: Services, path: str, environ: dict[str, Any], start_response: StartResponse
) -> Iterable[bytes]:
    token = token_from_path(path)
    try:
        source_id = source_for_token(services.db, token)
    except Exception as exc:
        if not unreachable(exc):
            raise
        log.warning("alerts: the database does not answer: %s", reason(exc))
        return _answer(start_response, "503 Service Unavailable", {"error": "try later"})
    if source_id is None:
        return _answer(start_response, "404 Not Found", {"error": "not found"})
    if environ.get("REQUEST_METHOD") != "POST":
        return _answer(start_response, "405 Method Not Allowed", {"error": "POST only"})
    body = _body(environ)
    if body is None:
        services.metrics.alert_received(source_id, "rejected")
        limit = f"the body is over {MAX_BODY_BYTES // 1024 // 1024} MiB"
        return _answer(start_response, "413 Content Too Large", {"error": limit})
    try:
        # Slack's requests first (a moment without one, at most GiveWay's patience); its
        # writes after Slack's and a new group's page, before the rest
        services.give_way.briefly()
        received = services.flows.alerts.receive(source_id, body, _headers(environ))
    except Exception as exc:
        if not unreachable(exc):
            raise
        log.warning("alerts: %s: the database does not answer: %s", source_id, reason(exc))
        return _answer(start_response, "503 Service Unavailable", {"error": "try later"})
    if received.receipt is Receipt.UNKNOWN:
        return _answer(start_response, "404 Not Found", {"error": "not found"})
    if received.receipt is Receipt.REFUSED:
        services.metrics.alert_received(source_id, "rejected")
        log.info("alerts: %s: refused a post: %s", source_id, received.line)
        return _answer(start_response, "400 Bad Request", {"error": received.line})
    services.metrics.alert_received(source_id, received.status)
    done = received.done
    if done is not None and (done.urgent or done.declare):  # a new group
        services.later(follow_up, services, done, urgent=True)
    elif done is not None:  # edits and notes of a group already posted
        services.deliver_soon(done.keys)
    elif received.inbox_id is not None:
        services.later(act_and_deliver, services, received.inbox_id, urgent=True)
    return _answer(start_response, "200 OK", {"ok": True})


def follow_up(services: Services, done: Processed) -> None:
    """After the answer, before other work after acks: send a new group's page and message
    (and declare the incident its route asks for); its edits and notes go with the rest of
    that work."""
    deliver(services, services.flows.alerts.follow_up(done))


def act_and_deliver(services: Services, inbox_id: int) -> None:
    """The same for a notification stored but not acted on."""
    deliver(services, services.flows.alerts.act(inbox_id))


def deliver(services: Services, acted: Acted) -> None:
    if acted.urgent:
        services.ledger.deliver_keys(acted.urgent)
    services.deliver_soon(acted.rest)

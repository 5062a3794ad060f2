"""The web routes of `opsbot serve`: a small WSGI router in front of Bolt (served by
bot/http_server.py): Slack's requests, /healthz, /metrics and the calendar feeds."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot.catch_up import last_tick
from bot.db.outage import reason, unreachable
from bot.http_server import StartResponse, WsgiApp
from bot.web_alerts import alerts_in

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Services
    from bot.settings import Settings

log = logging.getLogger(__name__)

# A web process reports the clock's last tick as stale after four missed ticks (one every 15 s).
STALE_TICK = dt.timedelta(seconds=60)


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def make_wsgi_app(bolt: App, services: Services) -> WsgiApp:
    """The routes of `opsbot serve`: Slack's requests go to `bolt`."""
    slack = SlackRequestHandler(bolt)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events":
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"error": "POST only"})
            # Slack times this answer (the ack): work after acks gives way meanwhile.
            started = services.clock.monotonic()
            kind = slack_request_kind(environ)
            with services.give_way.answering():
                answer = slack(
                    the_word_payload_spelled_out(environ, services.settings), start_response
                )
            services.metrics.request_answered(kind, services.clock.monotonic() - started)
            return answer
        if path == "/healthz":
            return healthz(services, start_response)
        if path.startswith("/alerts/"):
            return alerts_in(services, path, environ, start_response)
        if path == "/metrics":
            return prometheus_metrics(services, method, start_response)
        if path.startswith("/calendar/"):
            try:
                return calendar_feed(services, path, method, start_response)
            except Exception as exc:
                if not unreachable(exc):
                    raise
                # a calendar app fetches the feed again later; 503 says "later", not "broken"
                log.warning("calendar feed: the database does not answer: %s", reason(exc))
                return _json(start_response, "503 Service Unavailable", {"error": "try later"})
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return application


def slack_request_kind(environ: dict[str, Any]) -> str:
    """What a request to /slack/events is, for /metrics: "command" (a slash command's form
    body), "interactive" (a form body with a `payload` field), "event" (JSON) or "other".
    A form body is read into memory, and put back as a copy the next reader reads."""
    content_type = environ.get("CONTENT_TYPE", "")
    if content_type.startswith("application/json"):
        return "event"
    if not content_type.startswith(FORM):
        return "other"
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    environ["wsgi.input"] = io.BytesIO(body)
    fields = {field.partition(b"=")[0] for field in body.split(b"&")}
    if PAYLOAD in fields:
        return "interactive"
    return "command" if b"command" in fields else "other"


def prometheus_metrics(
    services: Services, method: str, start_response: StartResponse
) -> Iterable[bytes]:
    """`GET /metrics`: the metrics in Prometheus' text format (bot/metrics.py)."""
    if method != "GET":
        return _json(start_response, "405 Method Not Allowed", {"error": "GET only"})
    body, content_type = services.metrics.exposition()
    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


# Bolt reads a form body that holds the word "payload" anywhere (a slash command typed as
# `/incident update payload service down`, or in a channel named #payloads) as an
# interactive request, and finds none in it: the command would get no answer. Where a form
# body holds the word but no `payload` field, the word is written with one letter
# percent-encoded ("p%61yload"), which reads back the same, and the request is signed again
# with the signing secret, once its own signature has been checked.
PAYLOAD = b"payload"
SPELLED_OUT = b"p%61yload"
FORM = "application/x-www-form-urlencoded"


def the_word_payload_spelled_out(environ: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """`environ`, or a copy whose body holds no literal "payload" outside a payload field."""
    if not environ.get("CONTENT_TYPE", "").startswith(FORM):
        return environ
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    environ = {**environ, "wsgi.input": io.BytesIO(body)}
    if PAYLOAD not in body or "payload" in dict(parse_qsl(body.decode(errors="replace"))):
        return environ
    spelled = body.replace(PAYLOAD, SPELLED_OUT)
    environ.update({"wsgi.input": io.BytesIO(spelled), "CONTENT_LENGTH": str(len(spelled))})
    if settings.socket_mode:  # requests over HTTP are not verified in Socket Mode
        return environ
    verifier = SignatureVerifier(settings.signing_secret())
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if verifier.is_valid(body, timestamp, signature):
        environ["HTTP_X_SLACK_SIGNATURE"] = verifier.generate_signature(
            timestamp=timestamp, body=spelled
        )
    return environ


def healthz(services: Services, start_response: StartResponse) -> Iterable[bytes]:
    """200 while the database answers; 503 when it does not, or when this process runs the
    scheduler and its tick is stuck, as the clock's watchdog judges it (schedules/watchdog.py:
    a tick that has not moved, or none started, for its `stale_after`; a long tick that keeps
    moving is not stuck). Restarting this process fixes that. A database that cannot be
    reached is a 503 within the connect timeout (2 s), or at once while another request is
    trying it (bot/db/outage.py), and a 200 again as soon as it answers.

    A process without a scheduler (the Procfile's web) reports the clock's last tick from
    the database, `"clock": {"last_tick", "age_seconds", "state": "ticking"|"stale"}`, once
    any tick has been recorded, but does not fail on a stale one: restarting the web would
    not fix the clock (which ends itself when stuck, see schedules/watchdog.py), and the
    Slack app would go down with it."""
    try:
        services.db.ping()
        clock_tick = last_tick(services.db) if services.tick_watch is None else None
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        log.warning("health check: database does not answer: %s", reason(exc))
        return _json(start_response, "503 Service Unavailable", {"ok": False, "database": "down"})
    body: dict[str, Any] = {"ok": True, "database": "up"}
    if clock_tick is not None:
        age = max(services.clock.now() - clock_tick, dt.timedelta(0))
        body["clock"] = {
            "last_tick": clock_tick.isoformat(),
            "age_seconds": int(age.total_seconds()),
            "state": "stale" if age > STALE_TICK else "ticking",
        }
    if services.last_tick is not None:
        body["last_tick"] = services.last_tick.isoformat()
    if services.tick_watch is not None:
        stuck = services.tick_watch.stuck()
        if stuck is not None:
            log.error("health check: the scheduler is stuck: %s", stuck)
            body.update(ok=False, scheduler="stuck", reason=stuck)
            return _json(start_response, "503 Service Unavailable", body)
        body["scheduler"] = "ticking"
    return _json(start_response, "200 OK", body)


def calendar_feed(
    services: Services, path: str, method: str, start_response: StartResponse
) -> Iterable[bytes]:
    """`GET /calendar/<token>.ics`: a standby calendar feed (bot/standby/calendar.py). A wrong,
    rotated or malformed token is answered like any unknown path."""
    from bot.standby.calendar import (
        CACHE_SECONDS,
        CONTENT_TYPE,
        calendar_ics,
        feed_for_token,
        token_from_path,
    )

    feed = feed_for_token(services.db, token_from_path(path))
    if feed is None:
        return _json(start_response, "404 Not Found", {"error": "not found"})
    if method not in ("GET", "HEAD"):
        return _json(start_response, "405 Method Not Allowed", {"error": "GET only"})
    body = calendar_ics(services.standby, feed, services.clock.now())
    start_response(
        "200 OK",
        [
            ("Content-Type", CONTENT_TYPE),
            ("Content-Length", str(len(body))),
            ("Cache-Control", f"private, max-age={CACHE_SECONDS}"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
        ],
    )
    return [] if method == "HEAD" else [body]

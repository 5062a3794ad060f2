"""The HTTP side: a small WSGI router in front of Bolt, served by cheroot."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from cheroot import wsgi
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot.catch_up import last_tick
from bot.db.outage import reason, unreachable

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Services
    from bot.settings import Settings

log = logging.getLogger(__name__)
server_log = logging.getLogger("cheroot")

# A web process reports the clock's last tick as stale after four missed ticks (one every 15 s).
STALE_TICK = dt.timedelta(seconds=60)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


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
            with services.give_way.answering():
                return slack(
                    the_word_payload_spelled_out(environ, services.settings), start_response
                )
        if path == "/healthz":
            return healthz(services, start_response)
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


class HttpServer:
    """cheroot (CherryPy's production WSGI server) run in this process: `threads` worker
    threads, no forking.

    Stopping is a drain, not a cut, through cheroot's own graceful stop: stop accepting,
    close the idle keep-alive connections, let the workers answer every request already
    accepted (for `DRAIN_SECONDS` at most), then close. `serve_forever` drains and returns
    once the process is asked to stop (SIGTERM, see `exit_on_sigterm` and `Shutdown`);
    another thread stops it with `stop()`. Either way the drain runs once, and whoever
    stops waits for it.

    `Forwarded` and `X-Forwarded-*` headers are dropped before the app sees them: no proxy in
    front of opsbot is trusted to set them."""

    DRAIN_SECONDS = 20
    BACKLOG = 1024  # connections the kernel queues until they are accepted

    def __init__(self, app: WsgiApp, host: str = "0.0.0.0", port: int = 3000, threads: int = 8):
        self._server = _Cheroot(
            (host, port),
            without_proxy_headers(app),
            numthreads=threads,
            max=threads,
            server_name="opsbot",
            request_queue_size=self.BACKLOG,
            shutdown_timeout=self.DRAIN_SECONDS,
        )
        self._server.prepare_in_daemon_thread()  # binds now: a port taken fails here
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._draining: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.bind_addr[1])

    def serve_forever(self) -> None:
        """Serve until stopped (`stop()`, or the process asked to stop), then drain."""
        try:
            with SHUTDOWN.calling(self._drain_on_request):
                if self._draining is None:  # not stopped before it began
                    self._server.serve()  # returns once cheroot's `stop()` has begun
        finally:
            self._drain()

    def _drain_on_request(self) -> None:
        log.info("draining requests in progress")
        self._begin_drain()

    def _begin_drain(self) -> threading.Thread:
        """cheroot's `stop()`, once, on a thread of its own (started at the first call)."""
        with self._lock:
            if self._draining is None:
                self._draining = threading.Thread(
                    target=self._server.stop, name="http-drain", daemon=True
                )
                self._draining.start()
            return self._draining

    def _drain(self, timeout: float | None = None) -> None:
        """cheroot's `stop()`: it waits `DRAIN_SECONDS` for the workers, then closes their
        connections and waits for each to return from the app. That last wait is bounded
        here: a request stuck in the app does not hold the process (its worker is a daemon
        thread, see `_Cheroot.prepare_in_daemon_thread`)."""
        draining = self._begin_drain()
        draining.join(self.DRAIN_SECONDS + 1 if timeout is None else timeout)
        if draining.is_alive():
            log.warning("stopped waiting for requests still in progress")

    def start_in_thread(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.serve_forever, name="http", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 30) -> None:
        """From another thread: drain and close, then return (within `timeout`)."""
        deadline = time.monotonic() + timeout
        self._drain(min(timeout, self.DRAIN_SECONDS + 1))
        if self._thread is not None:
            self._thread.join(max(deadline - time.monotonic(), 0))


class _Cheroot(wsgi.Server):
    """cheroot's WSGI server with its notes logged through `logging` and the reason a bind
    failed kept (cheroot's `prepare()` words it into one message without its errno)."""

    bind_error: OSError | None = None

    def prepare_in_daemon_thread(self) -> None:
        """`prepare()` (bind, listen, start the workers) from a daemon thread: threads inherit
        their creator's daemon flag, so no worker keeps the process alive once it is done,
        as a request stuck in the app would otherwise do."""
        failed: list[BaseException] = []

        def prepare() -> None:
            try:
                self.prepare()
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
                failed.append(exc)

        preparing = threading.Thread(target=prepare, name="http-prepare", daemon=True)
        preparing.start()
        preparing.join()
        if failed:
            raise self.bind_error or failed[0]

    def bind(self, family: int, type: int, proto: int = 0) -> Any:
        try:
            return super().bind(family, type, proto)
        except OSError as exc:
            self.bind_error = exc
            raise

    def error_log(self, msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
        # cheroot notes a client that went away at INFO and its own steps at DEBUG: debug lines
        # here. A request that failed in the app is an ERROR with its traceback.
        server_log.log(
            level if level >= logging.WARNING else logging.DEBUG, "%s", msg, exc_info=traceback
        )


# waitress's list: the headers a proxy sets about the original request
PROXY_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_BY",
)


def without_proxy_headers(app: WsgiApp) -> WsgiApp:
    """`app` that never sees a proxy's headers: anyone can send them, and no proxy in front of
    opsbot is trusted (waitress's `clear_untrusted_proxy_headers`, as opsbot ran it)."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        for header in PROXY_HEADERS:
            environ.pop(header, None)
        return app(environ, start_response)

    return application


class Shutdown:
    """A stop asked of this process by a signal (SIGTERM, SIGINT), without raising anything
    where the signal lands.

    A signal's Python handler runs on the main thread between any two bytecodes: inside a
    `finally`, a lock's release, a library's cleanup, a `__del__` or weakref callback the
    garbage collector runs (where an exception is printed as "Exception ignored" and
    dropped). So the handler raises nothing and takes no lock: it notes the signal in an
    attribute, nothing more. (Even setting an Event there could deadlock: the main thread
    holds the Event's lock for a few bytecodes whenever it waits on it.)

    What follows runs on an ordinary thread: `signal.set_wakeup_fd` has the interpreter write
    the signal's number to a socket the moment it arrives, and a thread of this class
    (`signal-listener`) reads it and stops (`stop`): it logs the signal, sets `stopping` (an
    Event the main thread may wait on) and calls what is registered with `calling`
    (`HttpServer.serve_forever` registers its drain). Start-up asks `requested()` between its
    steps, which stops at once if the handler has run and the listener has not yet: the
    stop happens once, whichever thread comes first."""

    def __init__(self) -> None:
        self.signal: int | None = None  # the first signal received (set by the handler)
        self.stopping = threading.Event()  # set once stopped (`stop`)
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], object]] = []
        self._listening: frozenset[int] = frozenset()
        self._wake: socket.socket | None = None  # the wake-up fd's socket, kept open

    def requested(self) -> bool:
        """Whether a stop has been asked for (by a signal whose handler has run); if so,
        the stop has happened by the time this returns."""
        if self.signal is not None and not self.stopping.is_set():
            self.stop(self.signal)  # the listener has not had its turn yet
        return self.stopping.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Until stopped (or `timeout` seconds have passed): True once stopped."""
        return self.stopping.wait(timeout)

    def listen(self, *signals: int) -> None:
        """Take `signals` for a stop from now on. Only on the main thread (as
        `signal.signal`); once per process, since a process has one wake-up fd."""
        if self._listening:
            return
        receive, send = socket.socketpair()
        send.setblocking(False)  # the interpreter's signal handler never waits on it
        self._listening = frozenset(signals)
        threading.Thread(
            target=self._listen, args=(receive,), name="signal-listener", daemon=True
        ).start()
        signal.set_wakeup_fd(send.fileno(), warn_on_full_buffer=False)
        self._wake = send
        for signum in signals:
            signal.signal(signum, self._note)

    def _note(self, signum: int, _frame: Any) -> None:
        # The Python handler, on the main thread wherever it is: one attribute store, nothing
        # that could raise, wait or take a lock. The wake-up byte is already written.
        if self.signal is None:
            self.signal = signum

    def _listen(self, receive: socket.socket) -> None:
        received = 0
        while data := receive.recv(64):
            for signum in data:  # one byte a signal with a Python handler (SIGHUP's too)
                if signum not in self._listening:
                    continue
                received += 1
                if received == 1:
                    self.stop(signum)  # nothing new if `requested()` came first
                else:
                    log.info("received %s; already stopping", signal.Signals(signum).name)

    def stop(self, signum: int) -> None:
        """Stop, once: log `signum`, set `stopping`, call what is registered."""
        with self._lock:
            if self.stopping.is_set():
                return
            # logged before `stopping` is set: a main thread that sees it may end the process
            log.info("received %s; shutting down", signal.Signals(signum).name)
            self.stopping.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            _call(callback)

    @contextlib.contextmanager
    def calling(self, callback: Callable[[], object]) -> Iterator[None]:
        """`callback()` once stopped while in this block (at once if already stopped). It
        runs on the thread that stops (the listener's, mostly): it must return soon."""
        with self._lock:
            self._callbacks.append(callback)
            already = self.stopping.is_set()
        try:
            if already:
                _call(callback)
            yield
        finally:
            with self._lock:
                self._callbacks.remove(callback)


def _call(callback: Callable[[], object]) -> None:
    try:
        callback()
    except Exception:
        log.exception("stopping: %r failed", callback)


# The process's own, as signals are. `exit_on_sigterm` arms it; every
# `HttpServer.serve_forever` returns (after its drain) once it has stopped.
SHUTDOWN = Shutdown()


def exit_on_sigterm() -> Shutdown:
    """SIGTERM (Heroku gives 30 s) and SIGINT ask the process to stop (`SHUTDOWN`): a
    `HttpServer.serve_forever` drains (the requests in progress are answered) and returns;
    start-up asks `SHUTDOWN.requested()` between its steps; `opsbot clock` waits on it. Nothing
    is raised where the signal lands (see `Shutdown`). Call it on the main thread."""
    SHUTDOWN.listen(signal.SIGTERM, signal.SIGINT)
    return SHUTDOWN

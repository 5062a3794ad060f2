"""The HTTP server of `opsbot serve`: cheroot, run in this process, with a drain on stop."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from cheroot import wsgi

from bot.shutdown import SHUTDOWN

log = logging.getLogger(__name__)
server_log = logging.getLogger("cheroot")

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class HttpServer:
    """cheroot (CherryPy's production WSGI server) run in this process: `threads` worker
    threads, no forking.

    Stopping is a drain, not a cut, through cheroot's own graceful stop: stop accepting,
    close the idle keep-alive connections, let the workers answer every request already
    accepted (for `DRAIN_SECONDS` at most), then close. `serve_forever` drains and returns
    once the process is asked to stop (SIGTERM, see `stop_on_signals` and `Shutdown`);
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

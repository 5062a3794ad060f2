"""Stopping on SIGTERM and SIGINT without raising where the signal lands (`Shutdown`)."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

log = logging.getLogger(__name__)


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


# The process's own, as signals are. `stop_on_signals` arms it; every
# `HttpServer.serve_forever` returns (after its drain) once it has stopped.
SHUTDOWN = Shutdown()


def stop_on_signals() -> Shutdown:
    """SIGTERM (Heroku gives 30 s) and SIGINT ask the process to stop (`SHUTDOWN`): a
    `HttpServer.serve_forever` drains (the requests in progress are answered) and returns;
    start-up asks `SHUTDOWN.requested()` between its steps; `opsbot clock` waits on it. Nothing
    is raised where the signal lands (see `Shutdown`). Call it on the main thread."""
    SHUTDOWN.listen(signal.SIGTERM, signal.SIGINT)
    return SHUTDOWN

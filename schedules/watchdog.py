"""The clock's watchdog: a stuck `opsbot clock` exits so that the platform restarts it.

`opsbot clock` has no HTTP port for a platform to probe, so it watches its own tick.

What counts as stuck: the tick's thread has not moved, i.e. its call stack (every frame's
code and line) has stayed the same for `stale_after` seconds (blocked on a socket, a lock
or a database that never answers); or no tick has started for `interval + stale_after`
seconds although one is due every `interval`. A long tick that keeps moving (a big fan-out
sending one delivery after another, waiting out Slack's Retry-After between calls) is
working, not stuck: every Web API answer and every database statement moves its thread, and
the Web API client counts each call and each Retry-After it waits out (bot/progress.py), so
a tick sleeping at the same line between calls, sample after sample, still moves.
The longest single wait a working tick makes is one Web API attempt (15 s timeout), one
Retry-After sleep (Slack asks for seconds, rarely a minute) or one SQLite busy wait
(15 s), all well under the default `STALE_AFTER`. A tick that fails (raises) is not stuck:
it is logged and the next tick retries; restarting would not help. That is how a database
outage looks: a tick that cannot connect fails within the connect timeout (2 s, see
bot/db/engine.py), so the clock lives through the outage and catches up after it
(tests/test_database_outage_processes.py). Only a connection that stops answering
mid-conversation holds a tick in place, until TCP keepalives end it (about 25 s).

When stuck, the watchdog logs one line (where the tick's thread is waiting) and ends the
process at once with `STUCK_EXIT` (`os._exit`: a graceful shutdown would wait for the stuck
tick forever). Deliveries the stuck tick had claimed are claimed again by the next clock
once their lease expires (see bot/ledger)."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import CodeType, FrameType

from bot import progress

log = logging.getLogger(__name__)

STALE_AFTER = 120.0  # seconds the tick's thread may sit in one place: 8 tick intervals
STUCK_EXIT = 3  # the exit status of a clock that ended itself because it was stuck

Stack = tuple[tuple[CodeType, int], ...]
_ROOT = Path(__file__).resolve().parent.parent
_OURS = tuple(_ROOT / package for package in ("bot", "schedules", "handlers"))


def thread_frame(thread_id: int) -> FrameType | None:
    """The innermost frame of a running thread (None once it has ended)."""
    return sys._current_frames().get(thread_id)


def stack_of(frame: FrameType | None) -> Stack:
    """Each frame's code and current line, innermost first: it changes as the thread moves."""
    stack = []
    while frame is not None:
        stack.append((frame.f_code, frame.f_lineno))
        frame = frame.f_back
    return tuple(stack)


def _ours(code: CodeType) -> Path | None:
    """The file of opsbot's own code, relative to the project (None for other code)."""
    path = Path(os.path.realpath(code.co_filename))
    for package in _OURS:
        if path.is_relative_to(package):
            return path.relative_to(_ROOT)
    return None


def _place(code: CodeType, line: int) -> str:
    path = _ours(code) or Path(*Path(code.co_filename).parts[-2:])
    return f"{code.co_name} ({path.as_posix()}:{line})"


def describe(stack: Stack) -> str:
    """Where a thread waits: its innermost frame, and the innermost one of opsbot's own code
    when that is another."""
    if not stack:
        return "nowhere known"
    where = f"in {_place(*stack[0])}"
    for index, (code, line) in enumerate(stack):
        if _ours(code) is not None:
            if index:
                where += f", called from {_place(code, line)}"
            break
    return where


class TickWatch:
    """Told when each tick starts and finishes (by the tick's own thread); asked by the
    watchdog, every few seconds, whether the tick is stuck.

    `now` is a monotonic clock in seconds, `frame_of` finds a thread's innermost frame and
    `progress_of` counts a thread's signs of life (bot/progress.py); all are parameters so
    that tests can drive them."""

    def __init__(
        self,
        stale_after: float = STALE_AFTER,
        interval: float = 15.0,
        *,
        now: Callable[[], float] = time.monotonic,
        frame_of: Callable[[int], FrameType | None] = thread_frame,
        progress_of: Callable[[int], int] = progress.count,
    ):
        self.stale_after = stale_after
        self.interval = interval
        self._now = now
        self._frame_of = frame_of
        self._progress_of = progress_of
        self._lock = threading.Lock()
        self._moved = now()  # the last time something showed the tick was not stuck
        self._thread: int | None = None  # the running tick's thread
        self._stack: Stack = ()
        self._progress = 0

    def started(self) -> None:
        with self._lock:
            self._thread = threading.get_ident()
            self._stack, self._progress = (), self._progress_of(self._thread)
            self._moved = self._now()

    def finished(self) -> None:
        with self._lock:
            self._thread = None
            self._moved = self._now()

    def stuck(self) -> str | None:
        """Why the tick counts as stuck, or None while it is not."""
        with self._lock:
            now = self._now()
            if self._thread is None:
                idle = now - self._moved
                if idle > self.interval + self.stale_after:
                    return (
                        f"no tick has started for {idle:.0f} s (one is due every "
                        f"{self.interval:.0f} s)"
                    )
                return None
            stack = stack_of(self._frame_of(self._thread))
            signs = self._progress_of(self._thread)
            if stack != self._stack or signs != self._progress:
                self._stack, self._progress, self._moved = stack, signs, now
                return None
            still = now - self._moved
            if still > self.stale_after:
                return f"the tick has not moved for {still:.0f} s: it waits {describe(stack)}"
            return None


def check_every(stale_after: float) -> float:
    """How often the watchdog looks: often enough to notice within a tenth of the limit."""
    return min(5.0, max(0.05, stale_after / 10))


def start_watchdog(
    watch: TickWatch, *, exit: Callable[[int], object] = os._exit
) -> threading.Thread:
    """A daemon thread that ends the process with `STUCK_EXIT` once `watch` says stuck. It
    keeps watching during shutdown too: a clock told to stop while its tick is stuck would
    otherwise wait for that tick forever."""
    every = check_every(watch.stale_after)

    def run() -> None:
        while True:
            time.sleep(every)
            reason = watch.stuck()
            if reason is None:
                continue
            log.critical(
                "opsbot clock is stuck (%s); exiting with status %d so that the platform "
                "restarts it",
                reason,
                STUCK_EXIT,
            )
            for handler in logging.getLogger().handlers:
                handler.flush()
            exit(STUCK_EXIT)
            return

    thread = threading.Thread(target=run, name="clock-watchdog", daemon=True)
    thread.start()
    return thread

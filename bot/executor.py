"""Thread pools that can tell when they are idle: one for Bolt's listeners (which ack), one
for the Web API work that follows an ack, so that an ack never queues behind slow Slack
calls or a 429's Retry-After. Tests, the shell and a clean shutdown wait on them. And
`GiveWay`, so that the work after acks does not slow the acks of a burst down."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class TrackedExecutor(ThreadPoolExecutor):
    def __init__(self, max_workers: int = 16, name: str = "listener"):
        super().__init__(max_workers=max_workers, thread_name_prefix=name)
        self._idle = threading.Condition()
        self._running = 0

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        with self._idle:
            self._running += 1
        # the submitter's context (e.g. which request this is, for the logs) goes along
        context = contextvars.copy_context()

        def run() -> T:
            return context.run(fn, *args, **kwargs)

        future = super().submit(run)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future[T]) -> None:
        with self._idle:
            self._running -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 30) -> bool:
        """Block until no listener is running; False if `timeout` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout=timeout)

    @property
    def busy(self) -> bool:
        with self._idle:
            return self._running > 0


class GiveWay:
    """Lets work nobody is waiting for (the Web API work after an ack) give way to the
    requests this process is answering, which Slack times: in one interpreter every thread
    that runs Python slows the others, so a burst of acks would otherwise queue for the
    interpreter behind the work the burst itself caused.

    Requests are counted while they are answered (`answering`). Background work starts
    (`background`) at once when none is; while they keep coming, it waits for a moment
    without one, at most `patience` seconds, and then starts only when no other background
    work is running, so it always moves, one piece at a time. Urgent background work (an
    alert group's first message and page) goes before the rest: other background work does
    not start while urgent work waits."""

    def __init__(self, patience: float = 0.25):
        self.patience = patience
        self._changed = threading.Condition()
        self._answering = 0
        self._running = 0
        self._urgent_waiting = 0

    @contextmanager
    def answering(self) -> Iterator[None]:
        with self._changed:
            self._answering += 1
        try:
            yield
        finally:
            with self._changed:
                self._answering -= 1
                self._changed.notify_all()

    def briefly(self) -> None:
        """Wait for a moment without requests being answered, at most `patience` seconds
        (a request that is itself answered, an alert notification, gives Slack's the way
        without waiting behind background work)."""
        with self._changed:
            self._changed.wait_for(lambda: self._answering == 0, timeout=self.patience)

    @contextmanager
    def background(self, *, urgent: bool = False) -> Iterator[None]:
        with self._changed:
            if urgent:
                self._urgent_waiting += 1
            try:
                self._changed.wait_for(lambda: self._answering == 0, timeout=self.patience)
                self._changed.wait_for(
                    lambda: (
                        (self._answering == 0 or self._running == 0)
                        and (urgent or self._urgent_waiting == 0)
                    )
                )
            finally:
                if urgent:
                    self._urgent_waiting -= 1
                    self._changed.notify_all()
            self._running += 1
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()

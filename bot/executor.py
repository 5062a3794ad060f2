"""Thread pools that can tell when they are idle: one for Bolt's listeners (which ack), one
for the Web API work that follows an ack, so that an ack never queues behind slow Slack
calls or a 429's Retry-After. Tests, the shell and a clean shutdown wait on them."""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class TrackedExecutor(ThreadPoolExecutor):
    def __init__(self, max_workers: int = 16, name: str = "listener"):
        super().__init__(max_workers=max_workers, thread_name_prefix=name)
        self._idle = threading.Condition()
        self._running = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        with self._idle:
            self._running += 1
        # the submitter's context (e.g. which request this is, for the logs) goes along
        future = super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future) -> None:
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

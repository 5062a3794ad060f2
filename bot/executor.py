"""The pool Bolt runs listeners in. It can wait until every listener has finished, which
the tests, the shell and a clean shutdown use (after the ack, work goes on here)."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class ListenerExecutor(ThreadPoolExecutor):
    def __init__(self, max_workers: int = 16):
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self._idle = threading.Condition()
        self._running = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        with self._idle:
            self._running += 1
        future = super().submit(fn, *args, **kwargs)
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

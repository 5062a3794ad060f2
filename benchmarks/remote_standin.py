"""The Web API stand-in (bot/kit/standin) in a process of its own, so that it shares no GIL with
the server under test nor with the senders; optionally behind benchmarks/slow_proxy.py,
which waits before forwarding each call. RemoteSlack starts it and asks it, over a pipe,
what it recorded."""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Self

from benchmarks.servers import START_TIMEOUT, BenchmarkError


def _standin_process(
    conn: Connection, users: dict[str, str], channels: dict[str, str], delay: float
) -> None:
    """Child process: a SlackStandIn (behind a DelayingProxy when `delay`), answering the
    benchmark's questions about what it recorded over `conn` until told to stop."""
    from benchmarks.slow_proxy import DelayingProxy
    from bot.kit.standin import SlackStandIn

    with contextlib.ExitStack() as stack:
        standin = stack.enter_context(SlackStandIn())
        for user_id, name in users.items():
            standin.add_user(user_id, name)
        for name, channel_id in channels.items():
            standin.add_channel(name, channel_id)
        base = standin.base_url
        if delay > 0:
            base = stack.enter_context(DelayingProxy(standin.base_url, delay)).base_url
        conn.send(base)
        while True:
            op, args = conn.recv()
            if op == "stop":
                conn.send(("ok", None))
                return
            try:
                conn.send(("ok", _STANDIN_OPS[op](standin, base, *args)))
            except Exception:  # noqa: BLE001 - the benchmark process raises it
                conn.send(("error", traceback.format_exc()))


def _response_urls(standin: Any, base: str, count: int) -> list[str]:
    """Fresh response URLs, reached through `base` (the proxy, when Slack is slow)."""
    return [standin.new_response_url().replace(standin.base_url, base, 1) for _ in range(count)]


def _clear(standin: Any, _base: str) -> None:
    standin.clear_calls()
    with standin.workspace.lock:
        standin.workspace.response_log.clear()


def _error_next(standin: Any, _base: str, method: str, error: str) -> None:
    standin.error_next(method, error)


def _responses(standin: Any, _base: str) -> list[tuple[str, str]]:
    """(token of the response URL, text) of every response URL post."""
    with standin.workspace.lock:
        return [
            (url.rsplit("/", 1)[-1], str(body.get("text") or ""))
            for url, body in standin.workspace.response_log
        ]


def _calls(standin: Any, _base: str, methods: list[str]) -> list[tuple[str, bool, dict]]:
    """(method, answered ok, the arguments the checks read) of calls to `methods`."""
    return [
        (
            call.method,
            call.status == 200 and bool((call.response or {}).get("ok")),
            {k: call.args.get(k) for k in ("name", "text", "channel")},
        )
        for call in standin.calls
        if call.method in methods
    ]


def _progress_count(standin: Any, _base: str) -> tuple[int, int]:
    with standin.workspace.lock:
        responses = len(standin.workspace.response_log)
    return len(standin.calls), responses


def _errors(standin: Any, _base: str) -> list[str]:
    return list(standin.errors)


_STANDIN_OPS: dict[str, Callable[..., Any]] = {
    "response_urls": _response_urls,
    "clear": _clear,
    "error_next": _error_next,
    "responses": _responses,
    "calls": _calls,
    "progress": _progress_count,
    "errors": _errors,
}


class RemoteSlack:
    """The stand-in workspace running in another process, with `users` (id: name) and
    `channels` (name: id); `base_url` is where the server under test reaches it (the slow
    proxy, when there is one)."""

    def __init__(
        self,
        users: dict[str, str],
        channels: dict[str, str],
        delay: float,
        child_process: Callable[..., None] = _standin_process,
    ):
        """`child_process(conn, users, channels, delay)` runs the stand-in in the child (a
        top-level function: the process is spawned) and answers this object's `call`s."""
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=child_process, args=(child, users, channels, delay), name="slack-standin"
        )
        self._process.start()
        child.close()
        try:
            if not self._conn.poll(START_TIMEOUT):
                raise EOFError
            self.base_url: str = self._conn.recv()
        except EOFError:
            self._process.kill()
            self._process.join()
            raise BenchmarkError("the Web API stand-in did not start") from None
        self._lock = threading.Lock()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def call(self, op: str, *args: Any) -> Any:
        with self._lock:
            self._conn.send((op, args))
            status, result = self._conn.recv()
        if status != "ok":
            raise BenchmarkError(f"the stand-in failed at {op}:\n{result}")
        return result

    def close(self) -> None:
        with contextlib.suppress(OSError, EOFError, BenchmarkError):
            self.call("stop")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

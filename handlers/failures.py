"""What a person sees when a listener fails or hangs: one line saying opsbot could not finish
(or cannot reach its database right now), with the request id the failure is logged under,
instead of Slack's "dispatch_failed", a timeout or silence.

Every listener that answers a person is wrapped in `answers_failures`. Before the ack, a
command's ack is the line; a click is acknowledged and told through its response_url; a
modal submission is answered with the line under its first field (the modal stays open,
with what was typed, to be submitted again). After the ack the line goes through the
response_url, or by DM after a modal (which has none), and the exception goes no further:
Bolt, given an exception raised after `ack()`, forgets that ack when it comes within its
10 ms poll, and the request ends as "did not call ack()" after 3 s.

A listener that has not acknowledged `ACK_DEADLINE` seconds after it started (waiting on
a database that stopped answering, or on a lock) is acknowledged with the line there and
then, from another thread: Slack waits 3 seconds for an ack and no longer. Its own ack,
should it still come, is dropped; what it does afterwards (an answer through the
response_url, deliveries) still happens."""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

from bot.clock import Clock
from bot.db.outage import reason, unreachable
from bot.slack.escaping import code, decode
from handlers.views import ephemeral, request_id

log = logging.getLogger(__name__)

ACK_DEADLINE = 2.5  # seconds after the listener starts; Slack gives up at 3


def _what(body: dict[str, Any]) -> str:
    text = decode(body.get("text") or "")  # as Slack sends it: decode, then escape once
    typed = " ".join(part for part in (body.get("command"), text) if part)
    return code(typed) if typed else "that"


def failure_line(body: dict[str, Any], request: str, error: BaseException | None = None) -> str:
    """The line for a request that failed with `error`."""
    what = _what(body)
    if unreachable(error):
        return (
            f":x: opsbot cannot reach its database right now, so it could not finish {what}. "
            f"Try again in a minute; if it keeps failing, tell whoever runs opsbot "
            f"(request `{request}`)."
        )
    return (
        f":x: opsbot could not finish {what}: something failed on its side. "
        f"Check whether it was done before trying again; if it keeps failing, tell whoever "
        f"runs opsbot (request `{request}`)."
    )


def late_line(body: dict[str, Any], request: str, *, on_database: bool) -> str:
    """The line for a request not acknowledged by the deadline (`on_database`: its listener
    was waiting on the database)."""
    what = _what(body)
    if on_database:
        return (
            f":x: opsbot cannot reach its database right now (it does not answer), so {what} "
            f"may not be done. Check in a minute whether it was before trying again; if it "
            f"keeps happening, tell whoever runs opsbot (request `{request}`)."
        )
    return (
        f":x: opsbot could not answer {what} in time. Check in a minute whether it was done "
        f"before trying again; if it keeps happening, tell whoever runs opsbot "
        f"(request `{request}`)."
    )


def modal_line(line: str) -> str:
    """A line shown under a modal's field: plain text, no emoji or code marks."""
    return line.removeprefix(":x: ").replace("`", "")


def tell(
    body: dict[str, Any],
    respond: Any,
    request: str,
    error: BaseException | None = None,
    *,
    client: Any = None,
    line: str | None = None,
) -> None:
    """After the ack: the line saying the request failed, through the response_url, or by DM
    (`client`) where there is none (a modal submission). Its own failure is only a warning:
    the request's failure is logged already."""
    line = line or failure_line(body, request, error)
    try:
        if respond is not None and body.get("response_url"):
            respond(**ephemeral(line), replace_original=False)
        elif client is not None and (body.get("user") or {}).get("id"):
            client.chat_postMessage(channel=body["user"]["id"], text=line)
        else:
            log.warning("request %s: no way to tell the person it failed", request)
    except Exception:  # noqa: BLE001 - see above
        log.warning("request %s: could not tell the person it failed", request)


def log_failure(request: str, error: BaseException) -> None:
    """A database that cannot be reached is one line a request; anything else a traceback."""
    if unreachable(error):
        log.warning("request %s: cannot reach the database: %s", request, reason(error))
    else:
        log.error("request %s failed", request, exc_info=error)


class _Ack:
    """The listener's ack, sent once: by the listener, or at the deadline if it has not
    acknowledged by then (after which the listener's own ack is dropped)."""

    def __init__(self, ack: Any):
        self._ack = ack
        self._lock = threading.Lock()
        self.taken_over = False  # acknowledged here (at the deadline, or failed), not by it

    @property
    def response(self) -> Any:
        return self._ack.response

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return None if self.taken_over else self._ack(*args, **kwargs)

    def acknowledge_once(self, answer: Callable[[Any], None]) -> bool:
        """Acknowledge through `answer(ack)` unless the listener has; True if it did."""
        with self._lock:
            if self._ack.response is not None:
                return False
            self.taken_over = True
            answer(self._ack)
            return True


def _acknowledge_failure(ack: Any, body: dict[str, Any], line: str) -> bool:
    """Acknowledge a request that failed (or is late) with `line`: as a command's ack, or
    under a modal's first field; anything else with a plain ack. True when the person still
    has to be told (through the response_url, or by DM)."""
    if body.get("command"):
        ack(**ephemeral(line))
        return False
    fields = list((body.get("view") or {}).get("state", {}).get("values", {}))
    if body.get("type") == "view_submission" and fields:
        ack(response_action="errors", errors={fields[0]: modal_line(line)})
        return False
    ack()
    return True


Listener = Callable[..., Any]


def answers_failures(clock: Clock) -> Callable[[Listener], Listener]:
    """Wrap a listener so that its failures and a late ack are told (see above), the ack
    deadline timed on `clock` (the app's). Bolt passes listeners keyword arguments named
    after their parameters (it reads them through `functools.wraps`), so the wrapper sees
    the listener's own `ack`, `body` or `command`, `respond` and `client`."""
    deadlines = _deadlines_on(clock)

    def wrap(listener: Listener) -> Listener:
        @functools.wraps(listener)
        def guarded(**kwargs: Any) -> Any:
            body = kwargs.get("body") or kwargs.get("command") or {}
            respond, client = kwargs.get("respond"), kwargs.get("client")
            request = request_id(body)
            ack = _Ack(kwargs["ack"]) if kwargs.get("ack") is not None else None
            if ack is not None:
                kwargs["ack"] = ack
                listening = threading.get_ident()

                def answer_late() -> None:
                    line = late_line(body, request, on_database=_on_database(listening))
                    told: list[bool] = []
                    if not ack.acknowledge_once(
                        lambda raw: told.append(_acknowledge_failure(raw, body, line))
                    ):
                        return
                    log.warning(
                        "request %s: not acknowledged within %.1f s; told the person",
                        request,
                        ACK_DEADLINE,
                    )
                    if told[0]:  # not from this (the deadline's) thread: the call may take a while
                        threading.Thread(
                            target=tell,
                            args=(body, respond, request),
                            kwargs={"client": client, "line": line},
                        ).start()

                cancel = deadlines.call_later(ACK_DEADLINE, answer_late)
            try:
                return listener(**kwargs)
            except Exception as error:  # noqa: BLE001 - logged (log_failure) and told
                log_failure(request, error)
                if ack is not None and ack.taken_over:
                    return None  # told at the deadline already
                line = failure_line(body, request, error)
                told: list[bool] = []
                acknowledged_now = ack is not None and ack.acknowledge_once(
                    lambda raw: told.append(_acknowledge_failure(raw, body, line))
                )
                if not acknowledged_now or told[0]:
                    tell(body, respond, request, client=client, line=line)
                return None
            finally:
                if ack is not None:
                    cancel()

        return guarded

    return wrap


def telling_failures(
    body: dict[str, Any], respond: Any, work: Callable[[], Any]
) -> Callable[[], Any]:
    """Work done after the ack (`bot.later`) that, failing, tells the person before the
    failure is logged: after the ack nothing else would. A database that cannot be reached
    is logged here, in one line; other failures go on to services.later's log."""

    def run() -> Any:
        try:
            return work()
        except Exception as error:
            request = request_id(body)
            tell(body, respond, request, error)
            if unreachable(error):
                log_failure(request, error)
                return None
            raise  # services.later logs it

    return run


def _on_database(thread_id: int) -> bool:
    """Whether the thread is waiting in the database's code (SQLAlchemy and the driver)."""
    frame = sys._current_frames().get(thread_id)
    while frame is not None:
        if any(part in frame.f_code.co_filename for part in ("sqlalchemy", "/bot/db/")):
            return True
        frame = frame.f_back
    return False


class _Deadlines:
    """Calls made after a delay, timed on a clock's monotonic seconds, by one daemon thread
    (a thread a request would cost more than the request's ack)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._due: list[list[Any]] = []  # [when, order, call or None once cancelled]
        self._changed = threading.Condition()
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def call_later(self, seconds: float, call: Callable[[], None]) -> Callable[[], None]:
        """Run `call` in `seconds` unless the returned function is called first."""
        entry = [self.clock.monotonic() + seconds, next(self._order), call]
        with self._changed:
            heapq.heappush(self._due, entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ack-deadline", daemon=True)
                self._thread.start()
            if self._due[0] is entry:
                self._changed.notify()

        def cancel() -> None:
            entry[2] = None

        return cancel

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._due or self._due[0][0] > self.clock.monotonic():
                    wait = self._due[0][0] - self.clock.monotonic() if self._due else None
                    self._changed.wait(wait)
                call = heapq.heappop(self._due)[2]
            if call is not None:
                try:
                    call()
                except Exception:
                    log.exception("answering a request at its ack deadline failed")


# One per clock: an app's (the apps on the system clock share the process's one).
_RUNNERS: dict[Clock, _Deadlines] = {}
_RUNNERS_LOCK = threading.Lock()


def _deadlines_on(clock: Clock) -> _Deadlines:
    with _RUNNERS_LOCK:
        runner = _RUNNERS.get(clock)
        if runner is None:
            runner = _RUNNERS[clock] = _Deadlines(clock)
        return runner

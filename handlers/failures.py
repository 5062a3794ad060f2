"""What a person sees when a listener fails: a line saying opsbot could not finish, with the
request id the failure is logged under, instead of Slack's "dispatch_failed" or silence.

Every listener that answers a person is wrapped in `answers_failures`. Before the ack, a
command's ack is the line, and a click is acknowledged and told through its response_url;
a modal submission is left to Bolt's 500, which Slack shows in the modal. After the ack the
line goes through the response_url, and the exception goes no further: Bolt, given an
exception raised after `ack()`, forgets that ack when it comes within its 10 ms poll, and
the request ends as "did not call ack()" after 3 s."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from bot.escaping import code, decode
from handlers.request_log import request_id
from handlers.views import ephemeral

log = logging.getLogger(__name__)


def failure_line(body: dict[str, Any], request: str) -> str:
    text = decode(body.get("text") or "")  # as Slack sends it: decode, then escape once
    typed = " ".join(part for part in (body.get("command"), text) if part)
    what = code(typed) if typed else "that"
    return (
        f":x: opsbot could not finish {what}: something failed on its side. "
        f"Check whether it was done before trying again; if it keeps failing, tell whoever "
        f"runs opsbot (request `{request}`)."
    )


def tell(body: dict[str, Any], respond: Any, request: str) -> None:
    """Through the response_url: the line saying the request failed. Its own failure is only
    a warning: the request's failure is logged already."""
    try:
        respond(**ephemeral(failure_line(body, request)), replace_original=False)
    except Exception:  # noqa: BLE001 - see above
        log.warning("request %s: could not tell the person it failed", request)


def answers_failures(listener: Callable[..., Any]) -> Callable[..., Any]:
    """Bolt passes listeners keyword arguments named after their parameters (it reads them
    through `functools.wraps`), so the wrapper sees the listener's own `ack`, `body` or
    `command`, and `respond`."""

    @functools.wraps(listener)
    def guarded(**kwargs: Any) -> Any:
        try:
            return listener(**kwargs)
        except Exception as error:
            ack, respond = kwargs.get("ack"), kwargs.get("respond")
            body = kwargs.get("body") or kwargs.get("command") or {}
            request = request_id(body)
            log.error("request %s failed", request, exc_info=error)
            acknowledged = ack is None or ack.response is not None
            if body.get("type") == "view_submission" and not acknowledged:
                raise
            if not acknowledged and body.get("command"):
                ack(**ephemeral(failure_line(body, request)))
                return None
            if not acknowledged:
                ack()
            if respond is not None and body.get("response_url"):
                tell(body, respond, request)
            return None

    return guarded


def telling_failures(
    body: dict[str, Any], respond: Any, work: Callable[[], Any]
) -> Callable[[], Any]:
    """Work done after the ack (`bot.later`) that, failing, tells the person before the
    failure is logged: after the ack nothing else would."""

    def run() -> Any:
        try:
            return work()
        except Exception:
            tell(body, respond, request_id(body))
            raise  # bot.later logs it

    return run

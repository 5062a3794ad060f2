"""Logging: plain text, or one JSON object a line (OPSBOT_LOG_FORMAT=json)."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# What the current work belongs to: {"request": "..."} or {"job": "..."}. Executors copy it
# into their threads, so work done after an ack still logs under its request.
_CONTEXT: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "opsbot_log", default=None
)


@contextmanager
def log_context(**fields: str) -> Iterator[None]:
    token = _CONTEXT.set({**(_CONTEXT.get() or {}), **fields})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def set_log_context(**fields: str) -> None:
    """For the rest of this context (a request handled by Bolt's middleware chain)."""
    _CONTEXT.set({**(_CONTEXT.get() or {}), **fields})


_SECRET = re.compile(r"\b(xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)")


def redact(text: str) -> str:
    return _SECRET.sub(lambda m: m.group(1)[:5] + "…redacted", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
            **(_CONTEXT.get() or {}),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        context = " ".join(f"{k}={v}" for k, v in (_CONTEXT.get() or {}).items())
        return redact(super().format(record) + (f" [{context}]" if context else ""))


def setup_logging(fmt: str = "text", level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in (
        "apscheduler.executors.default",
        "apscheduler.scheduler",
        "slack_sdk.socket_mode.websocket_client",  # a line for each session it opens
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)

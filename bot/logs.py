"""Logging: plain text, or one JSON object a line (OPSBOT_LOG_FORMAT=json)."""

from __future__ import annotations

import json
import logging
import re
import sys

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
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


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
    for noisy in ("apscheduler.executors.default", "apscheduler.scheduler", "waitress.queue"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

"""The bot's log while the shell runs: warnings and errors go to a file next to the
database (tracebacks included, tokens redacted) and each shows in the transcript as one
line after the command, instead of a log dump in the middle of it. Bolt's warning about a
request nobody handles (a long developer hint) is left out: the shell says it in a line.
The file's lines are stamped with the shell's time, as what the bot did is."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from bot.logs import RedactingFormatter

Hide = Callable[[logging.LogRecord], bool]


class AtShellTime(RedactingFormatter):
    """`%(asctime)s` is `now()` (the shell's clock), in the machine's zone as logging's."""

    def __init__(self, fmt: str, now: Callable[[], dt.datetime]):
        super().__init__(fmt)
        self.now = now

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = self.now().astimezone()
        return f"{moment:%Y-%m-%d %H:%M:%S},{moment.microsecond // 1000:03d}"


class ShellLog(logging.Handler):
    """Attached to the root logger between `attach()` and `detach()`."""

    def __init__(
        self,
        path: Path,
        *,
        append: bool,
        now: Callable[[], dt.datetime],
        hide: Hide = lambda _record: False,
    ):
        super().__init__(logging.WARNING)
        self.path = path
        self.hide = hide
        self.setFormatter(AtShellTime("%(asctime)s %(levelname)s %(name)s: %(message)s", now))
        self._file = path.open("a" if append else "w", encoding="utf-8")
        self._pending: list[str] = []
        self._pending_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if self.hide(record):
            return
        try:
            text = self.format(record)
            self._file.write(text + "\n")
            self._file.flush()
            first, *more = record.getMessage().splitlines() or [""]
            note = f" (more in {self.path.name})" if more or record.exc_info else ""
            line = f"(log) {record.levelname.lower()}: {first}{note}"
        except Exception:  # noqa: BLE001 - logging must never break the shell
            self.handleError(record)
            return
        with self._pending_lock:
            self._pending.append(line)

    def drain(self) -> list[str]:
        """The lines logged since the last call, one per warning or error."""
        with self._pending_lock:
            lines, self._pending = self._pending, []
        return lines

    def attach(self) -> None:
        logging.getLogger().addHandler(self)

    def detach(self) -> None:
        logging.getLogger().removeHandler(self)
        self._file.close()


def unhandled_request(bolt_logger: logging.Logger) -> Hide:
    """Bolt's "Unhandled request … [Suggestion] …" warning, from the app's own logger."""
    return lambda record: (
        record.name == bolt_logger.name and record.getMessage().startswith("Unhandled request")
    )

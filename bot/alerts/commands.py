"""Parsing `/alerts` text. A problem raises UsageError with a line saying what was wrong;
the handler replies with it and the usage."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import UsageError
from bot.slack.escaping import code

RESOLVED_HOURS = 24  # `/alerts resolved` alone: the last day
MAX_HOURS = 7 * 24

USAGE = f"""\
*/alerts* — the alert groups monitoring sent to opsbot
• `/alerts` or `/alerts firing` — the groups firing now: who was paged, who acknowledged
• `/alerts resolved [HOURS]` — the groups resolved in the last {RESOLVED_HOURS} hours \
(or HOURS, up to {MAX_HOURS})
• `/alerts help` — this list
Each group is posted in the alerts channel with Acknowledge, Declare incident and Silence; \
your open pages are on opsbot's Home tab."""

_HOURS = re.compile(r"^(\d{1,4})\s*(?:h|hours?)?$", re.IGNORECASE)


@dataclass(frozen=True)
class AlertsCommand:
    name: str  # firing | resolved | help
    hours: int = RESOLVED_HOURS  # `resolved`: how far back


def _hours(words: list[str]) -> int:
    text = " ".join(words)
    match = _HOURS.match(text)
    if match is None:
        raise UsageError(
            f"{code(text)} is not a number of hours; write it like `/alerts resolved 48`."
        )
    hours = int(match.group(1))
    if not 1 <= hours <= MAX_HOURS:
        raise UsageError(f"`resolved` looks back 1 to {MAX_HOURS} hours, not {hours}.")
    return hours


def parse(text: str) -> AlertsCommand:
    words = text.split()
    if not words:
        return AlertsCommand("firing")
    name = words.pop(0).lower()
    if name in ("firing", "help"):
        if words:
            raise UsageError(f"`{name}` takes no arguments.")
        return AlertsCommand(name)
    if name == "resolved":
        return AlertsCommand("resolved", _hours(words) if words else RESOLVED_HOURS)
    raise UsageError(f"{code(name)} is not an /alerts command.")

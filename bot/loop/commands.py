"""Parsing `/lol` text."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import UsageError
from bot.slack.escaping import code

USAGE = """\
*/lol* — the weekly Loop of Loops
• `/lol` or `/lol update [TEAM]` — write or edit this week's update of my team
• `/lol status` — who has answered this week
• `/lol digest preview` — the digest as it would be now (only you see it)
• `/lol digest` — post the digest now (admins)
• `/lol history [TEAM]` — past updates"""


@dataclass(frozen=True)
class LoopCommand:
    name: str
    team: str | None = None


def parse(text: str) -> LoopCommand:
    words = text.split()
    if not words:
        return LoopCommand("update")
    name, rest = words[0].lower(), [w.lower() for w in words[1:]]
    if name in ("help", "status"):
        if rest:
            raise UsageError(f"`{name}` takes no arguments.")
        return LoopCommand(name)
    if name in ("update", "history"):
        if len(rest) > 1:
            raise UsageError(f"`{name}` takes at most one team, like `{name} payments`.")
        return LoopCommand(name, rest[0] if rest else None)
    if name == "digest":
        if rest == ["preview"]:
            return LoopCommand("preview")
        if rest:
            raise UsageError("`digest` takes only `preview`: `/lol digest preview`.")
        return LoopCommand("digest")
    raise UsageError(f"{code(name)} is not a /lol command.")

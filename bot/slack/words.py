"""Words people type in commands that name things: a person, mentioned as Slack sends it
(decoded: `<@U…|bob>`). A word that is something else gets a line saying what it is."""

from __future__ import annotations

import re

from bot.errors import UsageError
from bot.slack.escaping import code, escape

_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL = re.compile(r"^<#(C[A-Z0-9]+)(?:\|([^>]*))?>$")


def person(word: str) -> str:
    """The user id of a mentioned person, or a UsageError saying what `word` is instead."""
    if match := _USER.match(word):
        return match.group(1)
    if match := _CHANNEL.match(word):
        name = escape(f"#{match.group(2)}") if match.group(2) else "That"
        raise UsageError(f"{name} is a channel, not a person; mention someone, like @alice.")
    if word.startswith("@"):
        raise UsageError(f"Nobody in this workspace is called {code(word)}.")
    raise UsageError(f"{code(word)} is not a person; mention them, like @alice.")

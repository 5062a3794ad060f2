"""Text as Slack sends it to an app: what a person types in the message composer, encoded.

Slack's clients escape `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;` before sending, and
its server detects links (`https://…` → `<https://…>`); for a slash command with *escape
channels, users and links* on (opsbot's manifest turns it on) Slack also turns `@name` into
`<@U…|name>`, `#channel` into `<#C…|channel>` and `@here`, `@channel`, `@everyone` into
`<!here>`, `<!channel>`, `<!everyone>`. Modal inputs are not encoded: their values arrive
as typed. See https://api.slack.com/docs/formatting and the slash command docs."""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKEN = re.compile(
    r"(?P<url>https?://[^\s<>|]+[^\s<>|.,;:!?)\]'\"])"
    r"|(?<![\w@])@(?P<user>[a-z0-9][\w.-]*[a-z0-9_]|[a-z0-9])"
    r"|(?<![\w#&])#(?P<channel>[a-z0-9][a-z0-9_-]*)",
    re.IGNORECASE,
)
_BROADCASTS = {"here", "channel", "everyone"}

Lookup = Callable[[str], tuple[str, str] | None]  # typed name -> (id, name as Slack spells it)


def escape_entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def encode(text: str, *, user: Lookup | None = None, channel: Lookup | None = None) -> str:
    """``text`` as typed → as Slack sends it in a slash command (escaping on) or an event.

    ``user`` and ``channel`` find a typed name in the workspace; a name nobody has stays
    text, as in Slack."""
    parts, last = [], 0
    for match in _TOKEN.finditer(text):
        parts.append(escape_entities(text[last : match.start()]))
        parts.append(_token(match, user, channel))
        last = match.end()
    parts.append(escape_entities(text[last:]))
    return "".join(parts)


def _token(match: re.Match[str], user: Lookup | None, channel: Lookup | None) -> str:
    if url := match.group("url"):
        return f"<{escape_entities(url)}>"
    if name := match.group("user"):
        if name.lower() in _BROADCASTS:
            return f"<!{name.lower()}>"
        found = user(name) if user else None
        return f"<@{found[0]}|{found[1]}>" if found else escape_entities(match.group(0))
    name = match.group("channel")
    found = channel(name) if channel else None
    return f"<#{found[0]}|{found[1]}>" if found else escape_entities(match.group(0))

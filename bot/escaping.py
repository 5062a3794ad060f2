"""User text is shown, not obeyed: escape it before it goes into a Slack message."""

from __future__ import annotations

import re

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
ZWSP = "\u200b"


def escape(text: str) -> str:
    """Escape text for mrkdwn: no `<!channel>`, `<@U…>` or `<url|label>` survives, and a
    bare `@here`/`@channel`/`@everyone` is broken with a zero-width space so it pings nobody."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: f"@{ZWSP}{m.group(1)}", text)


def plain(text: str) -> str:
    """For plain_text fields, which Slack never parses for mentions: only break broadcasts."""
    return _BROADCAST.sub(lambda m: f"@{ZWSP}{m.group(1)}", text)


def mention(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "_nobody_"

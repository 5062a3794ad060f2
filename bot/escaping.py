"""User text is shown, not obeyed: escape it before it goes into a Slack message.

Broadcasts (`<!channel>`, `<!here>`, `<!everyone>`, a bare `@here`…) ping nobody and link
markup (`<https://…|click>`) links nowhere. Mentions of a person or a channel (`<@U…>`,
`<#C…>`, as Slack sends them with escaping on) stay mentions: naming a colleague in an
update is what people mean to do."""

from __future__ import annotations

import re

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_MENTION = re.compile(r"<(@[UW][A-Z0-9]{2,}|#C[A-Z0-9]{2,})(?:\|[^<>]*)?>")
ZWSP = "\u200b"
MODIFIER_GRAVE = "\u02cb"  # looks like a backtick, does not end inline code


def _escape_plain(text: str) -> str:
    return plain(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def escape(text: str) -> str:
    """Escape text for mrkdwn, keeping person and channel mentions (without their labels)."""
    parts, last = [], 0
    for match in _MENTION.finditer(text):
        parts.append(_escape_plain(text[last : match.start()]))
        parts.append(f"<{match.group(1)}>")
        last = match.end()
    parts.append(_escape_plain(text[last:]))
    return "".join(parts)


def without_mentions(text: str) -> str:
    """Mentions replaced by their label (`<@U…|bob>` → `bob`) or dropped: for channel names
    and topics, where markup means nothing."""
    return _MENTION.sub(
        lambda m: m.group(0).split("|", 1)[1][:-1] if "|" in m.group(0) else "", text
    )


def plain(text: str) -> str:
    """For plain_text fields, which Slack never parses for mentions: only break broadcasts."""
    return _BROADCAST.sub(lambda m: f"@{ZWSP}{m.group(1)}", text)


def code(text: str) -> str:
    """What someone typed, echoed back as inline code: escaped all the same (backticks do not
    make `<!channel>` or link markup safe: Slack asks for `&`, `<`, `>` to be escaped in any
    text not meant as markup), and with its own backticks made harmless, so they cannot
    close the span."""
    return "`" + _escape_plain(text).replace("`", MODIFIER_GRAVE) + "`"


def mention(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "_nobody_"

"""Text between people and Slack: decoded once on the way in, escaped once on the way out.

On the way in, Slack encodes `&`, `<` and `>` as entities in slash command text and message
events, and sends mentions, channels, links and broadcasts as markup (`<@U…|bob>`,
`<#C…|ops>`, `<https://…|label>`, `<!here>`); modal inputs arrive as typed. `decode()` and
`typed()` turn either into what the person meant: plain text, where only mentions of a
person or a channel stay markup (`<@U…|bob>`, `<#C…|ops>`). Markup someone typed by hand
(`<@U0BOB0001>` as characters) is not a mention: a zero-width space after its `<` keeps
it text.

On the way out, user text is shown, not obeyed. `escape()` makes it mrkdwn: `&`, `<`, `>`
escaped, broadcasts (`@here`, `@channel`, `@everyone`) broken with a zero-width space, so
nothing typed pings a channel or links anywhere, while mentions stay mentions (naming a
colleague in an update is what people mean to do). `plain()` is for plain_text fields,
which Slack never parses. Everything here works on stored text, never on text already
escaped: escaping twice shows `&amp;` to the reader."""

from __future__ import annotations

import re

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_MENTION = re.compile(r"<(@[UW][A-Z0-9]{2,}|#C[A-Z0-9]{2,})(?:\|([^<>]*))?>")
_MARKUP = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_SPECIAL_WORDS = {"here", "channel", "everyone", "group"}
ZWSP = "\u200b"
MODIFIER_GRAVE = "\u02cb"  # looks like a backtick, does not end inline code


def unescape(text: str) -> str:
    """Slack's three entities back to their characters (in one pass: `&amp;lt;` is `&lt;`)."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def typed(text: str) -> str:
    """Text as a person typed it (a modal input), stored as what they meant: characters that
    only look like a mention are kept as text."""
    return _MENTION.sub(lambda m: f"<{ZWSP}{m.group(0)[1:]}", text)


def decode(encoded: str) -> str:
    """Slash command or message text as Slack sends it → what the person meant.

    Mentions of people and channels stay markup (with their label); a link becomes what was
    typed (its label, else the address); a broadcast or user-group mention becomes its
    words (`@here`), which `escape()` then keeps from pinging; a date its fallback text."""
    parts, last = [], 0
    for match in _MARKUP.finditer(encoded):
        parts.append(typed(unescape(encoded[last : match.start()])))
        parts.append(_meant(match.group(1)))
        last = match.end()
    parts.append(typed(unescape(encoded[last:])))
    return "".join(parts)


def _meant(inner: str) -> str:
    target, _, label = inner.partition("|")
    if re.fullmatch(r"@[UW][A-Z0-9]{2,}|#C[A-Z0-9]{2,}", target):
        return f"<{target}|{label}>" if label else f"<{target}>"
    if target.startswith("!"):
        word = target[1:].split("^", 1)[0].lower()
        if word in _SPECIAL_WORDS:
            return f"@{'channel' if word == 'group' else word}"
        return typed(unescape(label))  # a user group's @handle, a date's fallback
    return typed(unescape(label or target))


def label_of(mention: re.Match[str]) -> str:
    """How a stored mention reads without markup: `@bob`, `#ops` (or the bare id)."""
    target, label = mention.group(1), mention.group(2)
    return f"{target[0]}{label}" if label else target


def _escape_plain(text: str) -> str:
    return plain(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def escape(text: str) -> str:
    """Stored text → mrkdwn: escaped, broadcasts broken, mentions kept (without labels)."""
    parts, last = [], 0
    for match in _MENTION.finditer(text):
        parts.append(_escape_plain(text[last : match.start()]))
        parts.append(f"<{match.group(1)}>")
        last = match.end()
    parts.append(_escape_plain(text[last:]))
    return "".join(parts)


def without_mentions(text: str) -> str:
    """Stored text with mentions as the words they read as (`<@U…|bob>` → `@bob`): for
    channel names, topics and files, where markup means nothing."""
    return _MENTION.sub(label_of, text)


def flat(text: str) -> str:
    """Stored text as mrkdwn with no markup at all: mentions as the words they read as,
    escaped, broadcasts broken. For channel topics, which Slack shows as message text but
    where a mention or link is not wanted."""
    return _escape_plain(without_mentions(text))


def plain(text: str) -> str:
    """For plain_text fields, which Slack never parses for mentions: only break broadcasts."""
    return _BROADCAST.sub(lambda m: f"@{ZWSP}{m.group(1)}", text)


def code(text: str) -> str:
    """What someone typed, echoed back as inline code: escaped all the same (backticks do not
    make `<!channel>` or link markup safe: Slack asks for `&`, `<`, `>` to be escaped in any
    text not meant as markup), and with its own backticks made harmless, so they cannot
    close the span."""
    return "`" + _escape_plain(text).replace("`", MODIFIER_GRAVE) + "`"


PERSON = re.compile(r"[UW][A-Z0-9]{2,}")


def mention(user_id: str | None) -> str:
    """A person as a mention; an actor that is not a person (`alerts:prometheus`, when
    monitoring declared) as words."""
    if not user_id:
        return "_nobody_"
    if PERSON.fullmatch(user_id):
        return f"<@{user_id}>"
    kind, _, name = user_id.partition(":")
    return f"_{_escape_plain(kind)} ({_escape_plain(name)})_" if name else _escape_plain(kind)

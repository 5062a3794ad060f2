"""What a Slack client shows for mrkdwn text, and whom it notifies.

`shown()` reads text as Slack renders it: entities decoded, `<@U…>` as `@name` (a
notification for that person), `<#C…>` as `#name`, `<!here>`, `<!channel>`,
`<!everyone>` and user groups as broadcasts (a notification for many), `<url|label>` as a
link, `<!date^…|fallback>` as a date. Tests use it to check that what people typed is
shown as typed and obeyed never; the shell uses it to print messages."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

_MARKUP = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}


@dataclass
class Shown:
    text: str
    mentions: list[str] = field(default_factory=list)  # people notified by id
    broadcasts: list[str] = field(default_factory=list)  # here, channel, everyone, subteam^S…
    links: list[str] = field(default_factory=list)  # addresses linked


def unescape(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def shown(
    mrkdwn: str,
    *,
    user_name: Callable[[str], str] = lambda user_id: user_id,
    channel_name: Callable[[str], str] = lambda channel_id: channel_id,
    date: Callable[[int, str, str], str] | None = None,
) -> Shown:
    """How a reader sees ``mrkdwn``. ``date(epoch, format, fallback)`` renders a date token
    (by default its fallback text)."""
    result = Shown("")
    parts, last = [], 0
    for match in _MARKUP.finditer(mrkdwn):
        parts.append(unescape(mrkdwn[last : match.start()]))
        parts.append(_markup(match.group(1), result, user_name, channel_name, date))
        last = match.end()
    parts.append(unescape(mrkdwn[last:]))
    result.text = "".join(parts)
    return result


def _markup(
    inner: str,
    result: Shown,
    user_name: Callable[[str], str],
    channel_name: Callable[[str], str],
    date: Callable[[int, str, str], str] | None,
) -> str:
    target, _, label = inner.partition("|")
    label = unescape(label)
    if target.startswith("@"):
        result.mentions.append(target[1:])
        return "@" + user_name(target[1:])
    if target.startswith("#"):
        return "#" + (label or channel_name(target[1:]))
    if target.startswith("!"):
        word, *rest = target[1:].split("^")
        if word in ("here", "channel", "everyone", "group"):
            result.broadcasts.append(word)
            return f"@{word}"
        if word == "subteam":
            result.broadcasts.append(target[1:])
            return label or "@group"
        if word == "date" and len(rest) >= 2 and rest[0].isdigit() and date is not None:
            return date(int(rest[0]), rest[1], label)
        return label
    result.links.append(unescape(target))
    return label or unescape(target)

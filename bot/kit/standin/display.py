"""What a Slack client shows for mrkdwn text, and whom it notifies.

`shown()` reads text as Slack renders it: entities decoded, `<@U…>` as `@name` (a
notification for that person), `<#C…>` as `#name`, `<!here>`, `<!channel>`,
`<!everyone>` and user groups as broadcasts (a notification for many), `<url|label>` as a
link, `<!date^…|fallback>` as a date (its fallback, or with ``date=date_in(zone)`` as a
reader in that zone sees it). Tests use it to check that what people typed is
shown as typed and obeyed never; the shell uses it to print messages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

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


# -- date tokens as a reader sees them --------------------------------------------------------

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FORMAT_TOKEN = re.compile(r"\{([a-z_]+)\}")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _relative(day: dt.date, today: dt.date) -> str | None:
    return {0: "today", -1: "yesterday", 1: "tomorrow"}.get((day - today).days)


def _date_text(word: str, moment: dt.datetime, today: dt.date) -> str | None:
    day = moment.date()
    month = _MONTHS[moment.month - 1]
    if word == "date_num":
        return day.isoformat()
    if word == "date_slash":
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    if word in ("date", "date_pretty"):
        text = f"{month} {_ordinal(day.day)}, {day.year}"
    elif word in ("date_short", "date_short_pretty"):
        text = f"{month[:3]} {day.day}, {day.year}"
    elif word in ("date_long", "date_long_pretty"):
        text = f"{_WEEKDAYS[day.weekday()]}, {month} {_ordinal(day.day)}, {day.year}"
    elif word == "time":
        return f"{moment.hour:02d}:{moment.minute:02d}"
    elif word == "time_secs":
        return f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    else:
        return None
    if word.endswith("_pretty"):
        return _relative(day, today) or text
    return text


def date_in(
    zone: str | dt.tzinfo, now: Callable[[], dt.datetime] | None = None
) -> Callable[[int, str, str], str]:
    """A ``date(epoch, format, fallback)`` hook for ``shown``: Slack's date tokens as a
    reader whose Slack time zone is ``zone`` sees them, with a 24-hour clock: ``{date_num}``
    2026-11-24, ``{date}`` November 24th, 2026, ``{date_short}`` Nov 24, 2026,
    ``{date_long}`` Tuesday, November 24th, 2026, the ``_pretty`` forms saying today,
    yesterday or tomorrow where they apply (by the reader's date at ``now()``, the wall
    clock by default), ``{time}`` 07:30, ``{time_secs}`` 07:30:00. A format with anything
    else shows the fallback, as Slack does when it cannot format a date."""
    reader = ZoneInfo(zone) if isinstance(zone, str) else zone

    def render(epoch: int, form: str, fallback: str) -> str:
        moment = dt.datetime.fromtimestamp(epoch, reader)
        today = (now() if now else dt.datetime.now(dt.UTC)).astimezone(reader).date()
        failed = False

        def word(match: re.Match[str]) -> str:
            nonlocal failed
            text = _date_text(match.group(1), moment, today)
            if text is None:
                failed = True
                return ""
            return text

        text = _FORMAT_TOKEN.sub(word, form)
        return fallback if failed else text

    return render

"""Slack's date tokens, `<!date^EPOCH^FORMAT|fallback>`, as a client shows them to a
reader in `zone` whose clock says `now`: the hook `bot.kit.standin.display.shown(date=...)`
takes. FORMAT's tokens are Slack's (api.slack.com's "Formatting text" reference):
{date_num} 2026-11-24, {date_slash} 24/11/2026, {date} November 24th, 2026,
{date_short} Nov 24, 2026, {date_long} Tuesday, November 24th, 2026, {date_long_full}
November 24, 2026, their `_pretty` forms (today, yesterday or tomorrow when it is one of
those, in lower case as Slack's reference writes them), {day_divider_pretty}, {time} 07:30,
{time_secs} 07:30:00 and {ago} (3 hours ago). Times are shown on the 24-hour clock, as
everywhere in the shell. A format with a token Slack does not know shows the fallback, as
Slack does."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

_TOKEN = re.compile(r"\{([a-z_]+)\}")


def ordinal(day: int) -> str:
    if 10 <= day % 100 <= 20:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def _date(moment: dt.datetime) -> str:
    return f"{moment:%B} {ordinal(moment.day)}, {moment.year}"


def _date_long(moment: dt.datetime) -> str:
    return f"{moment:%A}, {_date(moment)}"


def _relative_day(moment: dt.datetime, today: dt.date) -> str | None:
    return {-1: "yesterday", 0: "today", 1: "tomorrow"}.get((moment.date() - today).days)


def ago(moment: dt.datetime, now: dt.datetime) -> str:
    """`3 minutes ago`, `in 2 hours`, `just now`."""
    seconds = (now - moment).total_seconds()
    span = abs(seconds)
    for size, unit in ((86400 * 365, "year"), (86400, "day"), (3600, "hour"), (60, "minute")):
        if span >= size:
            count = int(span // size)
            amount = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"{amount} ago" if seconds > 0 else f"in {amount}"
    return "just now"


def date_token(epoch: int, fmt: str, fallback: str, *, zone: ZoneInfo, now: dt.datetime) -> str:
    """One date token as the reader sees it (see the module's docstring)."""
    moment = dt.datetime.fromtimestamp(epoch, zone)
    today = now.astimezone(zone).date()

    def pretty(plain: Callable[[dt.datetime], str]) -> Callable[[dt.datetime], str]:
        return lambda m: _relative_day(m, today) or plain(m)

    def divider(m: dt.datetime) -> str:
        near = _relative_day(m, today)
        if near:
            return near
        return f"{m:%A}, {m:%B} {ordinal(m.day)}" if m.year == today.year else _date_long(m)

    tokens: dict[str, Callable[[dt.datetime], str]] = {
        "date_num": lambda m: f"{m:%Y-%m-%d}",
        "date_slash": lambda m: f"{m:%d/%m/%Y}",
        "date": _date,
        "date_short": lambda m: f"{m:%b} {m.day}, {m.year}",
        "date_long": _date_long,
        "date_long_full": lambda m: f"{m:%B} {m.day}, {m.year}",
        "time": lambda m: f"{m:%H:%M}",
        "time_secs": lambda m: f"{m:%H:%M:%S}",
        "ago": lambda m: ago(m, now),
        "day_divider_pretty": divider,
    }
    for name in ("date", "date_short", "date_long"):
        tokens[f"{name}_pretty"] = pretty(tokens[name])
    if any(name not in tokens for name in _TOKEN.findall(fmt)):
        return fallback

    return _TOKEN.sub(lambda match: tokens[match.group(1)](moment), fmt)


def date_renderer(zone: ZoneInfo, now: Callable[[], dt.datetime]) -> Callable[[int, str, str], str]:
    """The `date(epoch, format, fallback)` hook of `display.shown` for a reader in `zone`."""
    return lambda epoch, fmt, fallback: date_token(epoch, fmt, fallback, zone=zone, now=now())

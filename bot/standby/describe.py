"""Shift times and origins as people read them: ``Tue 24 Nov 07:30–09:30 JST`` (written by
``bot.slack.timefmt``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from bot.slack import timefmt

from .schedule import Origin, Shift


def format_span(starts_at: dt.datetime, ends_at: dt.datetime, zone: ZoneInfo) -> str:
    """``Tue 24 Nov 07:30–09:30 JST``, written in ``zone`` (see ``bot.slack.timefmt.span``)."""
    return timefmt.span(starts_at, ends_at, zone)


def describe_shift(shift: Shift, zone: ZoneInfo) -> str:
    """The shift's times in ``zone`` (the asker's, say): ``Tue 24 Nov 07:30–09:30 JST``."""
    return format_span(shift.starts_at, shift.ends_at, zone)


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def describe_origin(
    origin: Origin | None, name: Callable[[str], str] = mention, *, plain: bool = False
) -> str:
    """``covering for <@U…> (override by <@U…>)`` for Slack, or with `plain` (calendars, the
    terminal) ``covering for U0CAROL01, override by U0ADMIN01``; empty for the rotation."""
    if origin is None or origin.source == "rotation" or origin.covering_for is None:
        return ""
    text = f"covering for {name(origin.covering_for)}"
    if origin.arranged_by is not None:
        arranged = f"{origin.source} by {name(origin.arranged_by)}"
        text += f", {arranged}" if plain else f" ({arranged})"
    return text

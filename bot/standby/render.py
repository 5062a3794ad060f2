"""Block Kit for standby: the roster post, pings, reminders and the /standby views.

Messages that stay in Slack (the roster post, pings, reminders) give times as Slack date
tokens, which each reader sees in their own time zone, with the fallback in ``zone`` (the
organisation's). The /standby views answer one person after their time zone is known, so
they write times out in it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Roster
from bot.slack import blocks as bk
from bot.slack import timefmt
from bot.slack.escaping import escape
from bot.standby.describe import describe_origin, describe_shift
from bot.standby.schedule import Shift
from bot.standby.service import RosterNow


def people(shift: Shift) -> str:
    parts = [f"<@{shift.primary}> (primary)"]
    if origin := describe_origin(shift.primary_origin):
        parts[0] += f", {origin}"
    if shift.secondary:
        second = f"<@{shift.secondary}> (secondary)"
        if origin := describe_origin(shift.secondary_origin):
            second += f", {origin}"
        parts.append(second)
    return " · ".join(parts)


def shift_line(shift: Shift, zone: ZoneInfo) -> str:
    """The shift written in one reader's ``zone``, with who is on."""
    return f"{describe_shift(shift, zone)} — {people(shift)}"


def posted_line(shift: Shift, zone: ZoneInfo) -> str:
    """The shift as date tokens (each reader's zone; fallback in ``zone``), with who is on."""
    return f"{timefmt.token_span(shift.starts_at, shift.ends_at, zone)} — {people(shift)}"


def my_shift_line(shift: Shift, user: str, roster_name: str, zone: ZoneInfo) -> str:
    """One of ``user``'s shifts, written in their ``zone``: which roster, which role, and
    whom they cover for."""
    primary = shift.primary == user
    role = "primary" if primary else "secondary"
    line = f"{describe_shift(shift, zone)} — {escape(roster_name)} ({role})"
    origin = describe_origin(shift.primary_origin if primary else shift.secondary_origin)
    return f"{line}, {origin}" if origin else line


def _acknowledgements(acknowledged: dict[str, dt.datetime], zone: ZoneInfo) -> str:
    return ", ".join(
        f"<@{user}> at {timefmt.token_time(at, zone)}" for user, at in acknowledged.items()
    )


def post(
    roster: Roster,
    pieces: list[Shift],
    upcoming: Shift | None,
    acknowledged: dict[str, dt.datetime],
    zone: ZoneInfo,
    *,
    ended: bool = False,
) -> dict[str, Any]:
    """The roster's post for one window: while it is open, who is on, an *Acknowledge*
    button for whoever has not acknowledged, and who is next; once ``ended``, that it ended,
    who acknowledged (or that nobody did), and no button."""
    first = pieces[0]
    span = timefmt.token_span(first.window_starts_at, first.window_ends_at, zone)
    name = escape(roster.name)
    on = list(dict.fromkeys(person for piece in pieces for person in piece.people))
    lines = [posted_line(p, zone) for p in pieces] if len(pieces) > 1 else [people(first)]
    if ended:
        head = f":white_circle: *{name}*: the standby window {span} has ended."
    else:
        head = f":large_green_circle: *{name}* is on standby: {span}"
    blocks = [bk.section(head), bk.section("\n".join(lines))]
    if acknowledged:
        acks = f":white_check_mark: Acknowledged by {_acknowledgements(acknowledged, zone)}"
        blocks.append(bk.context(acks))
    missing = [person for person in on if person not in acknowledged]
    if ended:
        if not acknowledged:
            blocks.append(bk.context("Nobody acknowledged this window."))
        elif missing:
            who = ", ".join(f"<@{p}>" for p in missing)
            blocks.append(bk.context(f"Not acknowledged by {who}."))
        return bk.message(
            f"{roster.name} standby {timefmt.wall(first.window_starts_at, zone)} has ended", blocks
        )
    if missing:
        blocks.append(
            bk.actions(bk.button("Acknowledge", "standby_ack", first.key, style="primary"))
        )
    if upcoming:
        blocks.append(bk.context(f"Next: {posted_line(upcoming, zone)}"))
    fallback = f"{roster.name} standby {span}: " + ", ".join(f"<@{p}>" for p in on)
    return bk.message(fallback, blocks)


def ping(roster: Roster, shift: Shift, user: str, zone: ZoneInfo) -> dict[str, Any]:
    role = "primary" if shift.primary == user else "secondary"
    text = (
        f":rotating_light: You are on standby for *{escape(roster.name)}* now ({role}): "
        f"{timefmt.token_span(shift.starts_at, shift.ends_at, zone)}. Please acknowledge."
    )
    button = bk.button("Acknowledge", "standby_ack", shift.key, style="primary")
    return bk.message(text, [bk.section(text), bk.actions(button)])


def reminder(roster: Roster, shift: Shift, user: str, zone: ZoneInfo) -> dict[str, Any]:
    role = "primary" if shift.primary == user else "secondary"
    text = (
        f":alarm_clock: Heads-up: your standby on *{escape(roster.name)}* starts in "
        f"{roster.remind_before_minutes} minutes ({role}): "
        f"{timefmt.token_span(shift.starts_at, shift.ends_at, zone)}."
    )
    return bk.message(text, [bk.section(text)])


def now_reply(rows: list[RosterNow], zone: ZoneInfo) -> dict[str, Any]:
    lines = []
    for row in rows:
        name = f"*{escape(row.roster.name)}*"
        if row.current:
            lines.append(f"{name}: now {shift_line(row.current, zone)}")
        else:
            lines.append(f"{name}: nobody now (outside the peak windows)")
        if row.upcoming:
            lines.append(f"    next {shift_line(row.upcoming, zone)}")
    text = "\n".join(lines) or "No rosters are configured."
    return bk.message(text, [bk.section(text)])


def _reply(lines: list[str]) -> dict[str, Any]:
    chunks: list[str] = []
    for line in lines:
        if chunks and len(chunks[-1]) + len(line) < 2900:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return bk.message("\n".join(lines), [bk.section(c) for c in chunks[:45]])


def week_reply(
    title: str, by_roster: Sequence[tuple[Roster, list[Shift]]], zone: ZoneInfo
) -> dict[str, Any]:
    """`/standby week`: each roster's shifts written in the asker's ``zone``; with more than
    one roster, each under its name."""
    lines = [f"*{title}*"]
    for roster, shifts in by_roster:
        if len(by_roster) > 1:
            lines.append(f"*{escape(roster.name)}*")
        lines += [shift_line(s, zone) for s in shifts] or ["Nobody is on standby."]
    return _reply(lines)


def mine_reply(
    title: str, shifts: Sequence[tuple[Shift, str]], user: str, zone: ZoneInfo, empty: str
) -> dict[str, Any]:
    """`/standby me`: ``user``'s shifts (each with its roster's name) in their ``zone``."""
    lines = [f"*{title}*"]
    lines += [my_shift_line(s, user, name, zone) for s, name in shifts] or [empty]
    return _reply(lines)

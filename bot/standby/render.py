"""Block Kit for standby: the roster post, pings, reminders and the /standby views."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot import blocks as bk
from bot.config import Roster
from bot.escaping import escape
from bot.standby.describe import describe_origin, describe_shift, format_span
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
    return f"{describe_shift(shift, zone)} — {people(shift)}"


def post(
    roster: Roster,
    pieces: list[Shift],
    upcoming: Shift | None,
    acknowledged: dict[str, dt.datetime],
    zone: ZoneInfo,
) -> dict:
    first = pieces[0]
    span = format_span(first.window_starts_at, first.window_ends_at, zone)
    head = f":large_green_circle: *{escape(roster.name)}* is on standby: {span}"
    lines = [shift_line(p, zone) for p in pieces] if len(pieces) > 1 else [people(first)]
    blocks = [bk.section(head), bk.section("\n".join(lines))]
    on = list(dict.fromkeys(person for piece in pieces for person in piece.people))
    if acknowledged:
        acks = ", ".join(
            f"<@{u}> at {at.astimezone(zone).strftime('%H:%M')}" for u, at in acknowledged.items()
        )
        blocks.append(bk.context(f":white_check_mark: Acknowledged by {acks}"))
    if any(person not in acknowledged for person in on):
        blocks.append(
            bk.actions(bk.button("Acknowledge", "standby_ack", first.key, style="primary"))
        )
    if upcoming:
        blocks.append(bk.context(f"Next: {shift_line(upcoming, zone)}"))
    fallback = f"{roster.name} standby {span}: " + ", ".join(f"<@{p}>" for p in on)
    return bk.message(fallback, blocks)


def ping(roster: Roster, shift: Shift, user: str, zone: ZoneInfo) -> dict:
    role = "primary" if shift.primary == user else "secondary"
    text = (
        f":rotating_light: You are on standby for *{escape(roster.name)}* now ({role}): "
        f"{describe_shift(shift, zone)}. Please acknowledge."
    )
    button = bk.button("Acknowledge", "standby_ack", shift.key, style="primary")
    return bk.message(text, [bk.section(text), bk.actions(button)])


def reminder(roster: Roster, shift: Shift, user: str, zone: ZoneInfo) -> dict:
    role = "primary" if shift.primary == user else "secondary"
    text = (
        f":alarm_clock: Heads-up: your standby on *{escape(roster.name)}* starts in "
        f"{roster.remind_before_minutes} minutes ({role}): {describe_shift(shift, zone)}."
    )
    return bk.message(text, [bk.section(text)])


def now_reply(rows: list[RosterNow], zone: ZoneInfo) -> dict:
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


def shifts_reply(title: str, shifts: list[Shift], zone: ZoneInfo, empty: str) -> dict:
    lines = (
        [f"*{title}*"] + [shift_line(s, zone) for s in shifts] if shifts else [f"*{title}*", empty]
    )
    chunks: list[str] = []
    for line in lines:
        if chunks and len(chunks[-1]) + len(line) < 2900:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return bk.message("\n".join(lines), [bk.section(c) for c in chunks[:45]])

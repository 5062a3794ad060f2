"""The standby load as Slack shows it (Block Kit: a section per person, its numbers as
fields; a plain-text fallback) and as the terminal shows it (`table_lines`, an aligned table
for `opsbot roster report`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from bot.slack import blocks as bk
from bot.slack import timefmt
from bot.slack.escaping import escape, mention, plain
from bot.standby.load import LoadReport, MemberLoad

MAX_PEOPLE = 40  # a section each, within Slack's 50 blocks
COLUMNS = (
    "Member",
    "Windows",
    "Hours",
    "Weekend h",
    "Pages",
    "Acks",
    "Median ack",
    "Covers given",
    "Covers taken",
    "Share",
)


def hours(value: float) -> str:
    """`6h`, `2.5h`, `0h`."""
    return f"{value:.1f}".removesuffix(".0") + "h"


def ack_time(delta: dt.timedelta | None) -> str:
    """`45s`, `2m`, `2m 30s`, `1h 05m`; `–` when nothing was acknowledged."""
    if delta is None:
        return "–"
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes}m {rest:02d}s" if rest else f"{minutes}m"
    hours_, rest = divmod(seconds, 3600)
    return f"{hours_}h {rest // 60:02d}m"


def share(value: float) -> str:
    return f"{value:.0%}"


def weeks_of(report: LoadReport) -> str:
    days = (report.end - report.start).days
    if days % 7 == 0:
        return "1 week" if days == 7 else f"{days // 7} weeks"
    return f"{days} days"


def flag_note(member: MemberLoad, report: LoadReport) -> str:
    return f"above {share(report.max_share)}"


def _cells(member: MemberLoad, report: LoadReport, name: str) -> list[str]:
    flag = f"  ⚠ {flag_note(member, report)}" if member.flagged else ""
    return [
        name,
        str(member.windows),
        hours(member.hours),
        hours(member.weekend_hours),
        str(member.pages),
        str(member.acknowledged),
        ack_time(member.median_ack),
        str(member.covers_given),
        str(member.covers_taken),
        share(member.share) + flag,
    ]


def table_lines(report: LoadReport, name: Callable[[str], str] = str) -> list[str]:
    """The load as an aligned text table (names by `name`: user IDs by default)."""
    rows = [list(COLUMNS)] + [_cells(m, report, name(m.user)) for m in report.members]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    lines = []
    for row in rows:
        first = row[0].ljust(widths[0])
        middle = [cell.rjust(width) for cell, width in zip(row[1:-1], widths[1:], strict=True)]
        lines.append("  ".join([first, *middle, row[-1]]).rstrip())
    return lines


def title(report: LoadReport) -> str:
    return f"Standby load: {report.roster_name}"


def summary(report: LoadReport) -> str:
    """Who carried how much, in one line of mrkdwn (the message's fallback text)."""
    people = "; ".join(
        f"{mention(m.user)} {hours(m.hours)} ({share(m.share)})"
        + (f" {flag_note(m, report)}" if m.flagged else "")
        for m in report.members
    )
    return f"{escape(title(report))}, last {weeks_of(report)}: {people or 'no members'}"


def _person(member: MemberLoad, report: LoadReport) -> dict[str, Any]:
    flag = f" :warning: *{flag_note(member, report)}*" if member.flagged else ""
    pages = f"{member.pages} received, {member.acknowledged} acknowledged"
    pairs = [
        ("Windows", str(member.windows)),
        ("Hours", f"{hours(member.hours)} (weekend {hours(member.weekend_hours)})"),
        ("Pages", pages),
        ("Median time to acknowledge", ack_time(member.median_ack)),
        ("Covers", f"{member.covers_given} given, {member.covers_taken} taken"),
    ]
    return {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": f"{mention(member.user)}: *{share(member.share)}* of the standby hours{flag}",
        },
        "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in pairs],
    }


def message(report: LoadReport, zone: dt.tzinfo, note: str | None = None) -> dict[str, Any]:
    """The load as a message: a section per person (the roster's members, with no load
    too), the flagged ones marked; `note` (mrkdwn) says where the chart is."""
    period = (
        f"From {timefmt.token(report.start, zone)} to {timefmt.token(report.end, zone)} "
        f"({weeks_of(report)}): {hours(report.seat_hours)} of standby over all seats. "
        f"A share above {share(report.max_share)} is flagged."
    )
    blocks: list[dict[str, Any]] = [bk.header(plain(title(report))), bk.context(period)]
    shown = report.members[:MAX_PEOPLE]
    blocks += [_person(m, report) for m in shown]
    if len(report.members) > len(shown):
        rest = len(report.members) - len(shown)
        blocks.append(bk.context(f"And {rest} more: `opsbot roster report` lists everyone."))
    if not report.members:
        blocks.append(bk.section("The roster has no members."))
    if note:
        blocks.append(bk.context(note))
    return bk.message(summary(report), blocks)

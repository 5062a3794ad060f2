"""The digest as Block Kit messages: attention (blocked, at risk) first, then cross-team asks
grouped by the team asked, each team's update, who did not answer, and the week's incidents
and standby. Sections hold at most 3,000 characters and messages at most `PER_MESSAGE`
blocks; the rest goes into the digest's thread, one continuation per message."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.config import OrgConfig
from bot.loop.digest import Digest, Ops
from bot.loop.models import LoopAsk
from bot.loop.render import status_label, update_text
from bot.slack.blocks import SECTION_LIMIT, Block, context, divider, header, section
from bot.slack.escaping import escape, mention

PER_MESSAGE = 45  # of Slack's 50: room for the "sent late" and continuation notes
LINE_LIMIT = 2800
ORDER = {"blocked": 0, "at_risk": 1, "on_track": 2}


def pack(lines: list[str], title: str | None = None) -> list[Block]:
    """Lines in as few sections as fit in 3,000 characters each (a long line is clipped)."""
    blocks: list[Block] = []
    current = title or ""
    for line in lines:
        line = line if len(line) <= LINE_LIMIT else line[: LINE_LIMIT - 1] + "…"
        if current and len(current) + 1 + len(line) > SECTION_LIMIT:
            blocks.append(section(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(section(current))
    return blocks


def _duration(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def _ops_lines(ops: Ops, config: OrgConfig) -> list[str]:
    total = sum(ops.declared.values())
    by_sev = ", ".join(f"{sev}: {n}" for sev, n in ops.declared.items() if n)
    lines = [f"*Incidents declared:* {total}" + (f" ({by_sev})" if by_sev else "")]
    if ops.resolved:
        lines.append(
            f"*Resolved:* {ops.resolved} — time to resolve: median "
            f"{_duration(ops.resolve_median or dt.timedelta())}, longest "
            f"{_duration(ops.resolve_max or dt.timedelta())}"
        )
    if ops.open:
        lines.append(f"*Open now:* {len(ops.open)}")
        lines += [f"• {i.ref} ({i.severity}) {escape(i.title)}" for i in ops.open]
    else:
        lines.append("*Open now:* none")
    lines.append(
        f"*Standby:* {ops.pages} pages, {ops.pages_acknowledged} acknowledged · "
        f"{ops.standby_acks} window acknowledgements"
    )
    if ops.alert_pages or config.alerts.sources:
        lines.append(_alert_pages_line(ops, config))
    return lines


def _alert_pages_line(ops: Ops, config: OrgConfig) -> str:
    """Alert pages: Platform standby 7 (5 acknowledged), Mobile release standby 2 (0 …)"""
    if not ops.alert_pages:
        return "*Alert pages:* none"
    counts = []
    for row in ops.alert_pages:
        roster = config.roster(row.roster_id)
        name = escape(roster.name if roster else row.roster_id)
        counts.append(f"{name} {row.pages} ({row.acknowledged} acknowledged)")
    return "*Alert pages:* " + ", ".join(counts)


def _asks_by_team(digest: Digest) -> list[str]:
    names = {t.id: t for t in digest.teams}
    grouped: dict[str, list[LoopAsk]] = {}
    for ask in digest.asks:
        grouped.setdefault(ask.to_team, []).append(ask)
    lines: list[str] = []
    for team_id in [t.id for t in digest.teams] + sorted(set(grouped) - set(names)):
        asks = grouped.get(team_id)
        if not asks:
            continue
        team = names.get(team_id)
        who = f"*{escape(team.name)}* — {mention(team.pm)}" if team else f"*{escape(team_id)}*"
        lines.append(f"{who} ({len(asks)})")
        lines += [_ask(ask, digest) for ask in asks]
    return lines


def _ask(ask: LoopAsk, digest: Digest) -> str:
    team = next((t for t in digest.teams if t.id == ask.from_team), None)
    name = escape(team.name if team else ask.from_team)
    since = f"open since {ask.week}" if ask.week != digest.week.id else "new this week"
    return f"• from *{name}*: {escape(ask.text)} _({since})_"


def blocks(digest: Digest) -> list[Block]:
    place = {t.id: n for n, t in enumerate(digest.teams)}
    updates = sorted(
        digest.updates.values(),
        key=lambda u: (ORDER.get(u.status, 3), place.get(u.team_id, len(place)), u.team_id),
    )
    names = {t.id: escape(t.name) for t in digest.teams}
    attention = [u for u in updates if u.status in ("blocked", "at_risk")]
    out: list[Block] = [
        header(f"Loop of Loops — {digest.week.id}"),
        context(
            f"Updates from {len(digest.updates)} of {len(digest.teams)} teams · "
            f"{len(attention)} blocked or at risk · {len(digest.asks)} open asks"
        ),
    ]
    if attention:
        lines = []
        for u in attention:
            why = escape(u.roadblocks) if u.roadblocks else "_no roadblock given_"
            lines.append(f"• *{names.get(u.team_id, u.team_id)}* — {status_label(u.status)}: {why}")
        out += pack(lines, "*:rotating_light: Blocked and at risk*")
    out.append(divider())
    ask_lines = _asks_by_team(digest) or ["_No open asks._"]
    out += pack(ask_lines, "*Cross-team asks* (by the team asked)")
    out.append(divider())
    out.append(section("*Updates*" if updates else "*Updates*\n_No updates yet._"))
    for u in updates:
        title = f"*{names.get(u.team_id, escape(u.team_id))}* — {status_label(u.status)}"
        out += pack(update_text(u, digest.config).split("\n"), title)
    missing = digest.missing
    if missing:
        out += pack([f"• {escape(t.name)} ({mention(t.pm)})" for t in missing], "*No update from*")
    out.append(divider())
    out += pack(_ops_lines(digest.ops, digest.config), "*Incidents and standby this week*")
    return out


def messages(digest: Digest) -> list[dict[str, Any]]:
    """The digest in messages of at most PER_MESSAGE blocks: the first is the digest, the
    others continue it in its thread."""
    every = blocks(digest)
    chunks = [every[i : i + PER_MESSAGE] for i in range(0, len(every), PER_MESSAGE)]
    text = (
        f"Loop of Loops {digest.week.id}: {len(digest.updates)} of {len(digest.teams)} teams "
        f"answered, {len(digest.asks)} open asks"
    )
    result = [{"text": text, "blocks": chunks[0]}]
    for index, chunk in enumerate(chunks[1:], start=2):
        note = context(f"Loop of Loops {digest.week.id}, continued ({index}/{len(chunks)})")
        result.append(
            {"text": f"{text} (continued, {index}/{len(chunks)})", "blocks": [note, *chunk]}
        )
    return result

"""Block Kit for incidents: announcement, card, timeline lines, replies, modals."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import SEVERITIES, OrgConfig
from bot.incidents.models import STATUSES, Incident, IncidentEvent
from bot.slack import blocks as bk
from bot.slack import timefmt
from bot.slack.escaping import escape, mention

SEV_EMOJI = {
    "sev1": ":red_circle:",
    "sev2": ":large_orange_circle:",
    "sev3": ":large_yellow_circle:",
    "sev4": ":white_circle:",
}
STATUS_LABEL = {s: s.capitalize() for s in STATUSES}


def duration(delta: dt.timedelta | None) -> str:
    if delta is None:
        return "—"
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours else []
    return " ".join([*parts, f"{minutes}m"])


def local(moment: dt.datetime, zone: ZoneInfo) -> str:
    """``2026-11-24 07:30 JST``: for text Slack does not render (the postmortem file)."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def paged_target(target: str | None) -> str:
    """Who a page went to, as a line names it: a person, or the incidents channel."""
    return "the incidents channel" if target == "channel" else mention(target)


def title_line(incident: Incident) -> str:
    emoji = SEV_EMOJI[incident.severity]
    return f"{emoji} *{incident.ref}* · {incident.severity} · {escape(incident.title)}"


def _channel(incident: Incident) -> str:
    return f"<#{incident.channel_id}>" if incident.channel_id else "_being created…_"


def _facts(incident: Incident, config: OrgConfig) -> bk.Block:
    team = config.team(incident.team_id) if incident.team_id else None
    pairs = [
        ("Status", STATUS_LABEL[incident.status]),
        ("Severity", incident.severity),
        ("Incident commander", mention(incident.commander)),
        ("Comms", mention(incident.comms)),
        ("Channel", _channel(incident)),
        ("Team", escape(team.name) if team else "—"),
    ]
    if incident.resolved_at:
        pairs.append(("Time to resolve", duration(incident.time_to_resolve)))
    return bk.fields(*pairs)


def announcement(incident: Incident, config: OrgConfig) -> dict[str, Any]:
    head = ":white_check_mark: Resolved: " if not incident.is_open else ":rotating_light: "
    blocks = [bk.section(head + title_line(incident)), _facts(incident, config)]
    if incident.description:
        blocks += bk.sections(escape(incident.description))
    if incident.summary:
        blocks += bk.sections(f"*Resolution:* {escape(incident.summary)}")
    blocks.append(
        bk.context(f"Declared by {mention(incident.declared_by)} · updates in the thread")
    )
    fallback = f"{incident.ref} ({incident.severity}, {incident.status}): {escape(incident.title)}"
    return bk.message(fallback, blocks)


def card(incident: Incident, config: OrgConfig) -> dict[str, Any]:
    value = str(incident.id)
    blocks = [bk.section(title_line(incident)), _facts(incident, config)]
    if incident.description:
        blocks += bk.sections(escape(incident.description))
    if incident.is_open:
        blocks.append(
            bk.actions(
                bk.button("Post update", "incident_update", value, style="primary"),
                bk.button("Identified", "incident_status_identified", value),
                bk.button("Monitoring", "incident_status_monitoring", value),
                bk.button("Take IC", "incident_take_ic", value),
                bk.button("Resolve", "incident_resolve", value, style="danger"),
                block_id=f"incident_card_{incident.id}",
            )
        )
    blocks.append(
        bk.context(
            "`/incident update …` · `/incident status …` · "
            "`/incident timeline` · `/incident postmortem`"
        )
    )
    return bk.message(f"{incident.ref}: {escape(incident.title)} — {incident.status}", blocks)


def event_line(event: IncidentEvent, incident: Incident) -> str:
    who = mention(event.actor)
    text = escape(event.text)
    match event.kind:
        case "declared":
            return f"{who} declared {incident.ref}: {text}"
        case "update":
            return f":memo: *Update* from {who}: {text}"
        case "status":
            return (
                f"{who} set the status to *{event.data.get('to')}* (was {event.data.get('from')})"
            )
        case "severity":
            to, was = event.data.get("to"), event.data.get("from")
            return f"{who} changed the severity to *{to}* (was {was})"
        case "role":
            return f"{who} made {mention(event.data.get('user'))} {text}"
        case "paged":
            paged = event.data.get("target")
            target = paged_target(paged)
            level = event.data.get("level", 0) + 1
            why = f": {text}" if text else ""
            return f":pager: Paged {target} ({event.data.get('roster')}, level {level}){why}"
        case "acknowledged":
            took = duration(dt.timedelta(seconds=event.data.get("after_seconds", 0)))
            return f":white_check_mark: {who} acknowledged the page after {took}"
        case "declined":
            return f"{who} can't take it; the page moves on"
        case "unanswered":
            again = f"Page another roster with `/incident escalate {incident.ref} ROSTER`."
            declined = event.data.get("declined") or []
            if declined:
                who = ", ".join(mention(user) for user in declined)
                return (
                    f":warning: Nobody else on {text} can be reached ({who} can't take it). {again}"
                )
            return f":warning: Nobody on {text} answered the page. {again}"
        case "alert":
            return f":rotating_light: Alert: {text}"
        case "resolved":
            summary = f": {text}" if text else ""
            took = duration(incident.time_to_resolve)
            return f":white_check_mark: {who} resolved {incident.ref} after {took}{summary}"
        case _:
            return f"{who}: {event.kind} {text}".strip()


def event_message(event: IncidentEvent, incident: Incident) -> dict[str, Any]:
    line = event_line(event, incident)
    return bk.message(line, bk.sections(line))


def declared_reply(incident: Incident) -> dict[str, Any]:
    line = (
        f"Declared *{incident.ref}* ({incident.severity}): {escape(incident.title)}. "
        f"Join {_channel(incident)}."
    )
    return {"text": line, "blocks": [bk.section(line)]}


def reminder(incident: Incident, minutes: int) -> dict[str, Any]:
    line = (
        f"{mention(incident.commander)} {incident.ref} has had no update for {minutes} minutes. "
        "Post one with `/incident update …` so everyone knows where it stands."
    )
    return bk.message(line, [bk.section(line)])


def list_reply(
    incidents: list[Incident], resolved: list[Incident] | None = None, *, now: dt.datetime
) -> dict[str, Any]:
    """The open incidents (how long each has been open at `now`), and those resolved lately
    with how long they took."""
    lines = [
        f"{title_line(i)} — {i.status}, IC {mention(i.commander)}, {_channel(i)}, "
        f"open {duration(now - i.declared_at)}, {paging_state(i)}"
        for i in incidents
    ]
    count = len(incidents)
    head = f"*{count} open incident{'s' if count != 1 else ''}*" if count else "No open incidents."
    done = [
        f"{title_line(i)} — {paging_state(i)}, resolved after {duration(i.time_to_resolve)}"
        for i in resolved or []
    ]
    if done:
        lines += ["*Resolved in the last 7 days*", *done]
    text = "\n".join([head, *lines])
    return bk.message(text, _within_a_message(_chunks([head, *lines]), "see each incident"))


def paging_state(incident: Incident) -> str:
    """Whether standby was paged and how long the first Acknowledge took."""
    if incident.paged_at is None:
        return "not paged"
    if incident.time_to_acknowledge is None:
        return "paged, not acknowledged"
    return f"acknowledged {duration(incident.time_to_acknowledge)} after the page"


def _chunks(lines: list[str], limit: int = 2900) -> list[str]:
    """Lines gathered into sections' worth of text (a line too long for one is split)."""
    chunks, current = [], ""
    for line in lines:
        if current and len(current) + len(line) + 1 > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    chunks = [*chunks, current] if current else chunks
    return [piece for chunk in chunks for piece in bk.split(chunk, limit)]


def _within_a_message(chunks: list[str], more: str) -> list[dict[str, Any]]:
    """Sections for `chunks`, within a message's 50 blocks: past that, a line saying what
    is left out and where to read it."""
    if len(chunks) <= bk.MAX_BLOCKS:
        return [bk.section(c) for c in chunks]
    kept = bk.MAX_BLOCKS - 1
    left = f"…and {len(chunks) - kept} more sections: {more}"
    return [*(bk.section(c) for c in chunks[:kept]), bk.context(left)]


def show_reply(
    incident: Incident, config: OrgConfig, paging: list[str] | None = None
) -> dict[str, Any]:
    blocks = [bk.section(title_line(incident)), _facts(incident, config)]
    zone = timefmt.org_zone(config)  # times as date tokens: each reader sees their own zone
    times = [f"Declared {timefmt.token(incident.declared_at, zone)}"]
    for label, moment in (
        ("paged", incident.paged_at),
        ("acknowledged", incident.acknowledged_at),
        ("mitigated", incident.mitigated_at),
        ("resolved", incident.resolved_at),
    ):
        if moment:
            times.append(
                f"{label} {timefmt.token(moment, zone)} "
                f"(+{duration(moment - incident.declared_at)})"
            )
    blocks.append(bk.context(" · ".join(times)))
    if paging:
        blocks.append(bk.section("*Paging*\n" + "\n".join(paging)))
    return bk.message(f"{incident.ref}: {escape(incident.title)}", blocks)


def timeline_reply(incident: Incident, config: OrgConfig) -> dict[str, Any]:
    zone = timefmt.org_zone(config)
    lines = [f"{timefmt.token(e.at, zone)} · {event_line(e, incident)}" for e in incident.events]
    text = f"*Timeline of {incident.ref}*\n" + "\n".join(lines)
    chunks = _chunks([f"*Timeline of {incident.ref}*", *lines])
    return bk.message(text, _within_a_message(chunks, "the postmortem draft has it all"))


def declare_modal(
    config: OrgConfig,
    private_metadata: str,
    title: str = "",
    *,
    severity: str = "sev3",
    description: str = "",
) -> dict[str, Any]:
    """The declare modal, filled with what is known (an alert's name and summaries)."""
    teams = [(t.name, t.id) for t in config.teams]
    blocks = [
        bk.plain_input(
            "title", "Title", initial=title or None, max_length=150, placeholder="Checkout is slow"
        ),
        bk.select_input("severity", "Severity", [(s, s) for s in SEVERITIES], initial=severity),
    ]
    if teams:
        blocks.append(bk.select_input("team", "Team", teams, optional=True))
    blocks.append(
        bk.plain_input(
            "description",
            "What is happening?",
            multiline=True,
            optional=True,
            initial=description or None,
        )
    )
    if config.rosters:
        page = {
            "type": "checkboxes",
            "action_id": "value",
            "options": [bk.option("Page standby now", "page")],
        }
        blocks.append(bk.input_block("page", "Paging", page, optional=True))
    return bk.modal("incident_declare", "Declare an incident", "Declare", blocks, private_metadata)


def update_modal(incident: Incident, private_metadata: str) -> dict[str, Any]:
    blocks = [
        bk.section(title_line(incident)),
        bk.plain_input("text", "Update", multiline=True, max_length=3000),
    ]
    return bk.modal("incident_update", f"Update {incident.ref}", "Post", blocks, private_metadata)


def resolve_modal(incident: Incident, private_metadata: str) -> dict[str, Any]:
    blocks = [
        bk.section(title_line(incident)),
        bk.plain_input(
            "summary", "Resolution summary", multiline=True, optional=True, max_length=3000
        ),
    ]
    return bk.modal(
        "incident_resolve", f"Resolve {incident.ref}", "Resolve", blocks, private_metadata
    )

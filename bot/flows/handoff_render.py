"""Block Kit for a standby window's handoff, with its plain-text fallback: one line for a
quiet window; else who acknowledged the window, what is left for the next person, and the
window's incidents, pages and alert groups.

Times are Slack date tokens, which each reader sees in their own zone (fallback in the
organisation's). Incident titles are people's text (`escape`: shown, never obeyed);
alert names are monitoring's (`shown`: no markup at all). Each list shows at most `SHOWN`
items, within a section's 3,000 characters, and counts the rest ("and 12 more")."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from bot.alerts.reading import GroupRead
from bot.alerts.render import NAME_CHARS, shown
from bot.escalation.models import ACKNOWLEDGED, EXHAUSTED, STOPPED
from bot.incidents.reading import IncidentRead
from bot.slack import blocks as bk
from bot.slack import timefmt
from bot.slack.escaping import code, escape, mention

if TYPE_CHECKING:
    from bot.flows.handoff_terms import Handoff, IncidentNote, PagedChain

QUIET = "Quiet window: no alerts, pages or incidents."
SHOWN = 10  # items listed in each part; the rest are counted
PART_CHARS = bk.SECTION_LIMIT - 100  # room for the "and N more" line
TITLE_CHARS = 200


def _who(target: str) -> str:
    return "the channel (@\u200bhere)" if target == "channel" else mention(target)


def _people(people: tuple[str, ...] | list[str]) -> str:
    return ", ".join(_who(p) for p in people) or "_nobody_"


def _incident_name(incident: IncidentRead) -> str:
    name = f"*{incident.ref}* ({code(incident.severity)}) {escape(_cut(incident.title))}"
    return f"{name} <#{incident.channel_id}>" if incident.channel_id else name


def _cut(text: str) -> str:
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"


def _part(title: str, lines: list[str], total: int | None = None) -> str:
    """`title` over the first of `lines`, within `SHOWN` items and a section's characters,
    with the rest counted (`total`: how many there are, when more than `lines`)."""
    total = len(lines) if total is None else total
    text, shown_count = f"*{title}*", 0
    for line in lines[:SHOWN]:
        if len(text) + 3 + len(line) > PART_CHARS:
            break
        text += f"\n• {line}"
        shown_count += 1
    if total > shown_count:
        text += f"\n_and {total - shown_count} more_"
    return text


def _span(start: dt.datetime, end: dt.datetime, zone: dt.tzinfo) -> str:
    return timefmt.token_span(start, end, zone)


# -- the lines -----------------------------------------------------------------------------


def _incident_line(note: IncidentNote, zone: dt.tzinfo) -> str:
    incident = note.incident
    said = []
    if note.declared_in_window:
        said.append(f"declared {timefmt.token_time(incident.declared_at, zone)}")
    else:
        said.append(f"open since {timefmt.token(incident.declared_at, zone)}")
    if incident.resolved_at is not None:
        said.append(f"resolved {timefmt.token(incident.resolved_at, zone)}")
    else:
        said.append(f"still {incident.status}")
    return f"{_incident_name(incident)} — {', '.join(said)}"


def _chain_subject(chain: PagedChain) -> str:
    return _incident_name(chain.incident) if chain.incident else chain.about


def _chain_line(chain: PagedChain, zone: dt.tzinfo) -> str:
    line = (
        f"{_chain_subject(chain)} — paged {_people(chain.targets)} "
        f"at {timefmt.token_time(chain.first_paged_at, zone)}"
    )
    if chain.status == ACKNOWLEDGED and chain.acknowledged_by:
        when = timefmt.token_time(chain.acknowledged_at, zone) if chain.acknowledged_at else ""
        return f"{line}; acknowledged by {mention(chain.acknowledged_by)} at {when}".rstrip()
    if chain.status == EXHAUSTED:
        return f"{line}; *nobody acknowledged* it"
    if chain.status == STOPPED:
        what = "the incident was resolved" if chain.incident else "it resolved"
        return f"{line}; {what} before anyone acknowledged"
    return f"{line}; *not acknowledged yet*"


def _alert_line(group: GroupRead, zone: dt.tzinfo) -> str:
    icon = ":red_circle:" if group.firing else ":large_green_circle:"
    head = f"{icon} *{shown(group.name, NAME_CHARS)}* (`{group.source_id}`)"
    fired = f"fired {timefmt.token_time(group.fired_at, zone)}"
    if group.firing:
        state = f"{fired}, *still firing* ({group.alerts_firing} of {group.alerts} alerts)"
    elif group.resolved_at is not None:
        state = f"{fired}, resolved {timefmt.token_time(group.resolved_at, zone)}"
    else:
        state = fired
    if group.acknowledged_by:
        state += f"; acknowledged by {mention(group.acknowledged_by)}"
    if group.incident_ref:
        state += f"; {group.incident_ref}"
    return f"{head} — {state}"


def _left_lines(handoff: Handoff, zone: dt.tzinfo) -> list[str]:
    """Each thing left once: an open incident or a firing group whose page nobody took
    says so on its own line."""
    unanswered = [c for c in handoff.chains if c.unanswered]
    never = ", its page never acknowledged"
    lines = [
        f":fire: {_incident_name(i)} is open ({i.status})"
        + (never if any(c.incident == i for c in unanswered) else "")
        for i in handoff.open_incidents
    ]
    lines += [
        f":red_circle: *{shown(g.name, NAME_CHARS)}* (`{g.source_id}`) still firing since "
        f"{timefmt.token_time(g.fired_at, zone)}"
        + (never if any(c.chain_id == g.chain_id for c in unanswered) else "")
        for g in handoff.firing_alerts
    ]
    lines += [
        f":pager: {_chain_subject(c)}: paged {_people(c.targets)}, never acknowledged"
        for c in handoff.unanswered_pages
    ]
    return lines


# -- the note ------------------------------------------------------------------------------


def _head(handoff: Handoff, zone: dt.tzinfo, reader: str | None) -> str:
    span = _span(handoff.starts_at, handoff.ends_at, zone)
    name = escape(handoff.roster_name)
    if reader is None:
        return f":handshake: *Handoff — {name}*, {span}"
    return f":handshake: *Handoff from {name}*, {span}: you're on next"


def _standby_ack(handoff: Handoff, zone: dt.tzinfo) -> str:
    if not handoff.acknowledged:
        return f"On standby: {_people(handoff.on_standby)}. Nobody acknowledged this window."
    acks = ", ".join(
        f"{mention(user)} at {timefmt.token_time(at, zone)}"
        for user, at in handoff.acknowledged.items()
    )
    return f"On standby: {_people(handoff.on_standby)}. Window acknowledged by {acks}."


def _next(handoff: Handoff, zone: dt.tzinfo) -> str | None:
    upcoming = handoff.upcoming
    if upcoming is None:
        return None
    span = _span(upcoming.starts_at, upcoming.ends_at, zone)
    return f"Next on standby: {_people(list(upcoming.people))}, {span}"


def note(handoff: Handoff, zone: dt.tzinfo, *, reader: str | None = None) -> dict[str, Any]:
    """The note in the window post's thread (`reader` None), or in the DM to `reader`, who
    is on the next shift."""
    head = _head(handoff, zone, reader)
    following = _next(handoff, zone)
    if handoff.quiet:
        line = f"{head}. {QUIET}"
        return bk.message(line, [bk.section(line)])
    left = _left_lines(handoff, zone)
    blocks = [bk.section(head), bk.context(_standby_ack(handoff, zone))]
    if left:
        blocks.append(bk.section(_part("Left for you", left)))
    else:
        blocks.append(bk.section("*Left for you:* nothing, everything was settled."))
    if handoff.incidents:
        lines = [_incident_line(n, zone) for n in handoff.incidents]
        blocks.append(bk.section(_part(f"Incidents ({len(lines)})", lines)))
    if handoff.chains:
        lines = [_chain_line(c, zone) for c in handoff.chains]
        blocks.append(bk.section(_part(f"Pages ({len(lines)})", lines)))
    if handoff.alerts_watched and handoff.alerts_total:
        lines = [_alert_line(g, zone) for g in handoff.alerts]
        title = f"Alert groups ({handoff.alerts_total})"
        blocks.append(bk.section(_part(title, lines, handoff.alerts_total)))
    if following and reader is None:
        blocks.append(bk.context(following))
    return bk.message(_fallback(handoff, head, left), blocks)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _fallback(handoff: Handoff, head: str, left: list[str]) -> str:
    said = [
        _count(len(handoff.incidents), "incident"),
        _count(len(handoff.chains), "page"),
    ]
    if handoff.alerts_watched:
        said.append(_count(handoff.alerts_total, "alert group"))
    summary = f"{head}: {', '.join(said)}."
    if not left:
        return f"{summary} Nothing left open."
    return f"{summary} Left for you: " + "; ".join(left)

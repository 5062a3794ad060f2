"""Block Kit for pages: the DM with Acknowledge / Can't take it, and the @here fallback."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.escalation.models import Escalation, Page
from bot.incidents.models import Incident
from bot.incidents.render import duration, paged_target, title_line
from bot.slack import blocks as bk
from bot.slack import timefmt
from bot.slack.escaping import escape

OUTCOME = {
    "acknowledged": ":white_check_mark: You acknowledged this page.",
    "declined": "You couldn't take it; the page moved on.",
    "no_answer": "No answer in time; the page moved on.",
    "answered_by_other": "Someone else acknowledged it; you're off the hook.",
    "resolved": ":large_green_circle: It resolved; nothing left to do.",
}


def page(page: Page, chain: Escalation, incident: Incident) -> dict[str, Any]:
    where = f"<#{incident.channel_id}>" if incident.channel_id else "its channel (being created)"
    reason = f"\n*Why:* {escape(chain.reason)}" if chain.reason else ""
    who = "<!here> " if page.target == "channel" else ""
    head = f"{who}:rotating_light: You are paged for {title_line(incident)}"
    body = f"{head}\nJoin {where}.{reason}"
    blocks = [bk.section(body)]
    if page.outcome == "waiting" and incident.is_open:
        value = str(chain.id)
        blocks.append(
            bk.actions(
                bk.button("Acknowledge", "page_ack", value, style="primary"),
                bk.button("Can't take it", "page_decline", value),
            )
        )
    elif page.outcome in OUTCOME:
        blocks.append(bk.context(OUTCOME[page.outcome]))
    fallback = f"Paged for {incident.ref} ({incident.severity}): {escape(incident.title)}"
    return bk.message(f"{who}{fallback}", blocks)


def page_about(page: Page, chain: Escalation) -> dict[str, Any]:
    """A page about something that is not an incident (an alert group): `chain.about` is
    its line, written and escaped by the domain that started the chain."""
    where = f"\nSee <#{chain.about_channel}>." if chain.about_channel else ""
    who = "<!here> " if page.target == "channel" else ""
    blocks = [bk.section(f"{who}:rotating_light: You are paged for {chain.about}{where}")]
    if page.outcome == "waiting" and chain.status in ("active", "exhausted"):
        value = str(chain.id)
        blocks.append(
            bk.actions(
                bk.button("Acknowledge", "page_ack", value, style="primary"),
                bk.button("Can't take it", "page_decline", value),
            )
        )
    elif page.outcome in OUTCOME:
        blocks.append(bk.context(OUTCOME[page.outcome]))
    return bk.message(f"{who}Paged for {chain.about}", blocks)


def history_lines(
    chains: list[tuple[Escalation, list[Page]]], zone: dt.tzinfo = dt.UTC
) -> list[str]:
    """Who was paged, when (a date token: each reader's zone, the fallback in ``zone``), and
    who acknowledged after how long."""
    lines = []
    for chain, pages in chains:
        for p in pages:
            target = paged_target(p.target)
            when = timefmt.token(p.paged_at, zone)
            lines.append(f"{when} paged {target}: {p.outcome.replace('_', ' ')}")
        if chain.acknowledged_at:
            took = duration(chain.acknowledged_at - chain.started_at)
            lines.append(f"acknowledged by <@{chain.acknowledged_by}> after {took}")
        elif chain.status == "exhausted":
            lines.append("nobody answered")
    return lines


def nobody_left(chain: Escalation, pages: list[Page], incident: Incident) -> dict[str, Any]:
    """The DM to whoever escalated when the chain ran out of people."""
    declined = sorted({p.target for p in pages if p.outcome == "declined"})
    silent = sorted({p.target for p in pages if p.outcome == "no_answer"} - set(declined))
    said = []
    if declined:
        said.append(f"{_people(declined)} can't take it")
    if silent:
        said.append(f"{_people(silent)} did not answer")
    why = f" ({'; '.join(said)})" if said else ""
    line = (
        f":warning: Nobody could be reached for {title_line(incident)}{why}. "
        f"Page another roster with `/incident escalate {incident.ref} ROSTER`, "
        "or reach someone directly."
    )
    return bk.message(line, [bk.section(line)])


def _people(targets: list[str]) -> str:
    return ", ".join(paged_target(t) for t in targets)

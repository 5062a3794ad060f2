"""Block Kit for alerts: an episode's message in the alerts channel (counts, each alert's
summary, labels and links, who was paged and who acknowledged, the buttons), its thread
notes, a storm's message, and the line a page shows. Labels, annotations and titles are
text from monitoring: shown, never obeyed."""

from __future__ import annotations

from typing import Any

from bot.alerts.models import AlertEpisode, AlertState, AlertStorm
from bot.escalation.models import Escalation, Page
from bot.incidents.models import Incident
from bot.slack import blocks as bk
from bot.slack.escaping import code, escape, flat, mention

SHOWN_ALERTS = 10  # alerts listed on a message; the rest are counted
SHOWN_LABELS = 6
SHOWN_GROUPS = 30  # groups listed on a storm's message
SILENCE_HOURS = (1, 4, 24)
ICON = {"firing": ":red_circle:", "resolved": ":large_green_circle:"}
# Monitoring's text is cut to these lengths before it is escaped, so that one long label
# cannot push the buttons past Slack's 50 blocks.
NAME_CHARS, SUMMARY_CHARS, LABEL_CHARS, VALUE_CHARS, MESSAGE_CHARS = 200, 300, 120, 60, 1500


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(text: str, limit: int) -> str:
    """Monitoring's text as mrkdwn: cut, escaped, broadcasts broken, and no markup at all:
    a mention in an alert's text reads as words and pings nobody (monitoring is not a
    person naming a colleague)."""
    return flat(cut(text, limit))


def link(url: str, label: str) -> str:
    """A mrkdwn link whose address cannot break out of its markup."""
    safe = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe}|{flat(label)}>"


def page_about(episode: AlertEpisode) -> str:
    """What a page for this episode says it is about (stored on the chain)."""
    return f"the alert *{shown(episode.name, NAME_CHARS)}* (from `{episode.source_id}`)"


def storm_about(source_id: str) -> str:
    return f"an *alert storm*: many new alert groups from `{source_id}`"


def _labels(labels: dict[str, str]) -> str:
    pairs = [code(cut(f"{k}={v}", LABEL_CHARS)) for k, v in list(labels.items())[:SHOWN_LABELS]]
    more = len(labels) - SHOWN_LABELS
    return " ".join(pairs) + (f" +{more}" if more > 0 else "")


def _alert_line(state: AlertState) -> str:
    parts = [f"{ICON.get(state.status, '')} {shown(state.summary, SUMMARY_CHARS)}"]
    labels = _labels(state.labels)
    if labels:
        parts.append(labels)
    values = ", ".join(shown(f"{k}={v}", VALUE_CHARS) for k, v in list(state.values.items())[:4])
    if values:
        parts.append(f"_{values}_")
    links = " · ".join(link(url, label) for label, url in state.links if len(url) <= 2000)
    if links:
        parts.append(links)
    return " — ".join(parts)


def _who_line(chain: Escalation | None, pages: list[Page], episode: AlertEpisode) -> str:
    said = []
    if pages:
        paged = ", ".join(dict.fromkeys(_target(p.target) for p in pages))
        said.append(f"Paged {paged}")
    elif episode.storm_id:
        said.append("Part of a storm: paged once for the storm")
    elif episode.declare:
        said.append(f"Declares a {episode.declare} incident")
    elif not episode.pages:
        said.append("Posted only (its route does not page)")
    elif episode.is_firing:
        said.append("Nobody paged (nobody on standby)")
    if episode.acknowledged_by:
        said.append(f"acknowledged by {mention(episode.acknowledged_by)}")
    elif chain is not None and chain.status == "exhausted":
        said.append("nobody answered")
    return " · ".join(said)


def _target(target: str) -> str:
    return "the channel" if target == "channel" else mention(target)


def episode_message(
    episode: AlertEpisode,
    states: list[AlertState],
    chain: Escalation | None,
    pages: list[Page],
    incident: Incident | None,
    silences: bool,
) -> dict[str, Any]:
    firing = [s for s in states if s.status == "firing"]
    resolved = [s for s in states if s.status != "firing"]
    word = "Firing" if episode.is_firing else "Resolved"
    counts = f"{len(firing)} firing, {len(resolved)} resolved"
    name = shown(episode.name, NAME_CHARS)
    head = f"{ICON[episode.status]} *{word}:* *{name}* · `{escape(episode.source_id)}` · {counts}"
    blocks = [bk.section(head)]
    if episode.message:
        blocks += bk.sections(shown(episode.message, MESSAGE_CHARS))
    listed = [*firing, *resolved][:SHOWN_ALERTS]
    lines = [f"• {_alert_line(s)}" for s in listed]
    left = len(states) - len(listed)
    if left > 0:
        lines.append(f"… and {left} more alerts")
    if episode.truncated:
        lines.append(f"+{episode.truncated} alerts the sender left out (truncated)")
    if lines:
        blocks += bk.sections("\n".join(lines))
    facts = [_who_line(chain, pages, episode)]
    if incident is not None:
        where = f" <#{incident.channel_id}>" if incident.channel_id else ""
        facts.append(f"Incident *{incident.ref}*{where}")
    blocks.append(bk.context(" · ".join(f for f in facts if f) or "—"))
    if episode.is_firing:
        buttons = []
        value = str(episode.id)
        if not episode.acknowledged_by:
            buttons.append(bk.button("Acknowledge", "alert_ack", value, style="primary"))
        if incident is None:
            buttons.append(bk.button("Declare incident", "alert_declare", value))
        if silences:
            buttons += [
                bk.button(f"Silence {h}h", f"alert_silence_{h}", value) for h in SILENCE_HOURS
            ]
        if buttons:
            blocks.append(bk.actions(*buttons, block_id=f"alert_{episode.id}"))
    fallback = f"{word}: {name} ({episode.source_id}, {counts})"
    return bk.message(fallback, blocks)


def note(episode: AlertEpisode, args: dict[str, Any]) -> dict[str, Any]:
    """A thread note: alerts that joined or resolved, the group over, who acknowledged."""
    lines = []
    if args.get("acknowledged_by"):
        lines.append(f":white_check_mark: {mention(args['acknowledged_by'])} acknowledged.")
    for summary in args.get("joined") or []:
        lines.append(f"{ICON['firing']} Firing: {shown(summary, SUMMARY_CHARS)}")
    for summary in args.get("resolved") or []:
        lines.append(f"{ICON['resolved']} Resolved: {shown(summary, SUMMARY_CHARS)}")
    if args.get("over"):
        lines.append(":large_green_circle: *The group resolved.* Paging stopped.")
    if args.get("unanswered"):
        lines.append(
            f":warning: Nobody on `{escape(args['unanswered'])}` answered the page. "
            "Acknowledge here, or reach someone directly."
        )
    if args.get("silenced_by"):
        hours = args.get("hours")
        lines.append(
            f":mute: {mention(args['silenced_by'])} silenced this group for {hours}h "
            f"(silence `{escape(str(args.get('silence_id', '')))}`)."
        )
    text = "\n".join(lines) or "Updated."
    return bk.message(text, bk.sections(text))


def storm_message(
    storm: AlertStorm,
    members: list[AlertEpisode],
    chain: Escalation | None,
    pages: list[Page],
) -> dict[str, Any]:
    firing = [m for m in members if m.is_firing]
    head = (
        f":thunder_cloud_and_rain: *Alert storm* from `{escape(storm.source_id)}`: "
        f"{len(members)} groups, {len(firing)} still firing. The standby is paged once for all."
    )
    lines = [f"• {ICON[m.status]} {shown(m.name, NAME_CHARS)}" for m in members[:SHOWN_GROUPS]]
    if len(members) > SHOWN_GROUPS:
        lines.append(f"… and {len(members) - SHOWN_GROUPS} more groups")
    blocks = [bk.section(head), *bk.sections("\n".join(lines) or "—")]
    said = []
    if pages:
        said.append("Paged " + ", ".join(dict.fromkeys(_target(p.target) for p in pages)))
    if chain is not None and chain.acknowledged_by:
        said.append(f"acknowledged by {mention(chain.acknowledged_by)}")
    if said:
        blocks.append(bk.context(" · ".join(said)))
    if chain is not None and chain.status in ("active", "exhausted"):
        blocks.append(
            bk.actions(bk.button("Acknowledge", "alert_storm_ack", str(storm.id), style="primary"))
        )
    return bk.message(f"Alert storm from {storm.source_id}: {len(members)} groups", blocks)

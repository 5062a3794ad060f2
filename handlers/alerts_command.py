"""`/alerts`: the alert groups firing now (or resolved lately), who was paged and who
acknowledged, in the reader's time zone. Parsed and acknowledged at once; the answer follows
through the response_url once the reader's zone is known (users.info)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.alerts import reading
from bot.alerts.commands import USAGE, AlertsCommand, parse
from bot.alerts.render import NAME_CHARS, shown
from bot.errors import UsageError
from bot.incidents.render import duration
from bot.slack import blocks as bk
from bot.slack import timefmt
from bot.slack.escaping import escape, mention
from handlers.failures import answers_failures, telling_failures
from handlers.views import ephemeral, typed_text

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond

    from bot.alerts.reading import GroupRead, Listed, Paged
    from bot.config import OrgConfig
    from bot.services import Services

ICON = {True: ":red_circle:", False: ":large_green_circle:"}
OUTCOME = {
    "waiting": "waiting",
    "acknowledged": "acknowledged",
    "answered_by_other": "someone else took it",
    "declined": "couldn't take it",
    "no_answer": "no answer",
    "resolved": "resolved before an answer",
}


def register(app: App, services: Services) -> None:
    @app.command("/alerts")
    @answers_failures(services.clock)
    def alerts(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        try:
            cmd = parse(typed_text(command))
        except UsageError as exc:
            ack(**ephemeral(f":warning: {exc}\n\n{USAGE}"))
            return
        if cmd.name == "help":
            ack(**ephemeral(USAGE))
            return
        ack()  # the answer follows in a moment, in the reader's time zone
        user = command["user_id"]

        def answer() -> None:
            respond(**ephemeral(**view(services, cmd, user)))

        services.later(telling_failures(command, respond, answer))


def view(services: Services, cmd: AlertsCommand, user: str) -> dict[str, Any]:
    """`/alerts` (firing) or `/alerts resolved` as `user` reads it."""
    zone, now = services.people.zone(user), services.clock.now()
    if cmd.name == "resolved":
        since = now - dt.timedelta(hours=cmd.hours)
        return resolved_reply(
            reading.resolved_since(services.db, since), cmd.hours, services.config, zone, now
        )
    return firing_reply(reading.firing(services.db), services.config, zone, now)


# -- rendering -----------------------------------------------------------------------------


def firing_reply(
    listed: Listed, config: OrgConfig, zone: ZoneInfo, now: dt.datetime
) -> dict[str, Any]:
    """The groups firing: what, from where, since when, who was paged, who acknowledged."""
    if not listed.total:
        text = "No alert groups are firing." + _no_sources(config)
        return bk.message(text, [bk.section(f":large_green_circle: {text}")])
    head = f"{_groups(listed.total)} firing"
    lines = [_firing_text(group, config, zone, now) for group in listed.groups]
    where = f"*{head}* (posted in <#{config.alerts_channel}>)"
    return _reply(head, where, lines, listed, config, zone, now)


def resolved_reply(
    listed: Listed, hours: int, config: OrgConfig, zone: ZoneInfo, now: dt.datetime
) -> dict[str, Any]:
    """The groups resolved in the last `hours`: when each fired and resolved, who took it."""
    span = f"the last {hours} hours" if hours != 1 else "the last hour"
    if not listed.total:
        text = f"No alert groups resolved in {span}." + _no_sources(config)
        return bk.message(text, [bk.section(text)])
    head = f"{_groups(listed.total)} resolved in {span}"
    lines = [_resolved_text(group, config, zone, now) for group in listed.groups]
    return _reply(head, f"*{head}*", lines, listed, config, zone, now)


def _reply(
    head: str,
    title: str,
    lines: list[str],
    listed: Listed,
    config: OrgConfig,
    zone: ZoneInfo,
    now: dt.datetime,
) -> dict[str, Any]:
    """`title`, then a section for each group (the latest first, `reading.SHOWN` at most);
    the fallback text, for notifications, says the same in a line."""
    blocks = [bk.section(title), *(bk.section(line) for line in lines)]
    left = listed.total - len(listed.groups)
    if left > 0:
        blocks.append(bk.context(f"…and {left} older: the alerts channel has every group."))
    blocks.append(bk.context(f"Times are in your time zone ({_zone(zone, now)})."))
    summary = "; ".join(_plain(group, config) for group in listed.groups)
    return bk.message(f"{head}: {summary}", blocks)


def _zone(zone: ZoneInfo, now: dt.datetime) -> str:
    return timefmt.zone_name(now.astimezone(zone))


def _groups(count: int) -> str:
    return f"{count} alert group{'s' if count != 1 else ''}"


def _no_sources(config: OrgConfig) -> str:
    if config.alerts.sources:
        return ""
    return (
        " No monitoring posts to opsbot yet: add sources under `alerts:` in opsbot.yaml, "
        "then give each its URL with `opsbot alerts url SOURCE`."
    )


def _roster(config: OrgConfig, roster_id: str) -> str:
    roster = config.roster(roster_id)
    return escape(roster.name if roster else roster_id)


def _title(group: GroupRead, config: OrgConfig) -> str:
    return (
        f"{ICON[group.firing]} *{shown(group.name, NAME_CHARS)}* · `{escape(group.source_id)}` → "
        f"{_roster(config, group.roster_id)}"
    )


def _when(moment: dt.datetime, zone: ZoneInfo, now: dt.datetime) -> str:
    """The time of day when `moment` is today where the reader is, else the day too."""
    local, today = moment.astimezone(zone), now.astimezone(zone)
    if local.date() == today.date():
        return f"{timefmt.clock_time(local)} {timefmt.zone_name(local)}"
    return timefmt.wall(moment, zone)


def _alerts(group: GroupRead) -> str:
    if group.alerts == 1:
        return "1 alert"
    return f"{group.alerts_firing} of {group.alerts} alerts firing"


def _firing_text(group: GroupRead, config: OrgConfig, zone: ZoneInfo, now: dt.datetime) -> str:
    since = f"Firing since {_when(group.fired_at, zone, now)} ({duration(now - group.fired_at)})"
    return "\n".join([_title(group, config), f"{since} · {_alerts(group)}", _who(group, zone, now)])


def _resolved_text(group: GroupRead, config: OrgConfig, zone: ZoneInfo, now: dt.datetime) -> str:
    ended = group.resolved_at or now
    times = (
        f"Fired {_when(group.fired_at, zone, now)}, resolved {_when(ended, zone, now)} "
        f"after {duration(ended - group.fired_at)}"
    )
    return "\n".join([_title(group, config), times, _who(group, zone, now)])


def _target(target: str) -> str:
    return "the channel (@\u200bhere)" if target == "channel" else mention(target)


def _page(page: Paged, zone: ZoneInfo, now: dt.datetime) -> str:
    outcome = OUTCOME.get(page.outcome, page.outcome)
    return f"{_target(page.target)} at {_when(page.at, zone, now)} ({outcome})"


def _who(group: GroupRead, zone: ZoneInfo, now: dt.datetime) -> str:
    """Who was paged (each page, in order) and who acknowledged; or why nobody was paged."""
    if group.paged:
        said = "Paged " + ", then ".join(_page(p, zone, now) for p in group.paged)
        if group.storm_paged:
            said += " — once for the storm it is part of"
    elif group.storm_paged:
        said = "Part of a storm: paged once for the storm"
    elif group.declares and group.incident_ref is None:
        said = f"Declares a {group.declares} incident"
    elif not group.route_pages:
        said = "Not paged: its route only posts"
    else:
        said = "Not paged: nobody was on standby to page"
    if group.acknowledged_by:
        at = f" at {_when(group.acknowledged_at, zone, now)}" if group.acknowledged_at else ""
        said += f" · :white_check_mark: acknowledged by {mention(group.acknowledged_by)}{at}"
    elif group.paging == "exhausted":
        said += " · :warning: nobody answered"
    elif group.paging == "active" and group.firing:
        said += " · not acknowledged yet"
    if group.incident_ref:
        said += f" · incident {group.incident_ref}"
    return said


def _plain(group: GroupRead, config: OrgConfig) -> str:
    """One group in the notification's fallback text."""
    paged = ", ".join(dict.fromkeys(_target(p.target) for p in group.paged)) or "nobody"
    taken = (
        f"acknowledged by {mention(group.acknowledged_by)}"
        if group.acknowledged_by
        else "not acknowledged"
    )
    name, roster = shown(group.name, NAME_CHARS), _roster(config, group.roster_id)
    return f"{name} ({escape(group.source_id)} → {roster}, paged {paged}, {taken})"

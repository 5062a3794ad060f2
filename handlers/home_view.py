"""The App Home tab: the pages waiting for a person (with Acknowledge), their coming standby
shifts, open incidents and Loop-of-Loops updates, in their own time zone. Built fresh each
time the tab is opened, and after an Acknowledge pressed on it."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.alerts.reading import OpenPage, open_pages_of
from bot.incidents.render import STATUS_LABEL, title_line
from bot.loop.render import status_label, week_state_line, write_button
from bot.slack import blocks as bk
from bot.slack import timefmt
from bot.slack.escaping import escape
from bot.standby.render import my_shift_line

if TYPE_CHECKING:
    from bot.config import Team
    from bot.incidents.models import Incident
    from bot.services import Services
    from bot.standby.schedule import Shift

HORIZON = dt.timedelta(days=14)
MAX_LINES = 40  # per section; a home view holds at most 100 blocks
ROLE_NAMES = (("commander", "incident commander"), ("comms", "comms"), ("declared_by", "declarer"))
MAX_PAGES = 10  # pages listed, each with its button
PAGE_BLOCK = "home_page_"  # + the chain's id: the block of a page's Acknowledge (page_ack)


def home_view(
    services: Services, user: str, now: dt.datetime | None = None, notice: str = ""
) -> dict[str, Any]:
    """The `home` view published for `user`; `notice`, a line on top (what their click did)."""
    now = now or services.clock.now()
    zone = services.people.zone(user)
    blocks: list[bk.Block] = [bk.header("opsbot")]
    if notice:
        blocks.append(bk.context(notice))
    blocks += _pages(services, user, zone)
    blocks += [bk.divider(), *_standby(services, user, now, zone)]
    blocks += [bk.divider(), *_incidents(services, user, zone)]
    teams = [t for t in services.config.teams if t.pm == user]
    if teams:
        blocks += [bk.divider(), *_loop(services, teams, now, zone)]
    updated = timefmt.wall(now, zone)
    blocks.append(bk.context(f"Updated {updated}. Times are in your time zone."))
    return {"type": "home", "blocks": blocks[:100]}


def _clipped(lines: list[str], more: str) -> str:
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], f"…and {len(lines) - MAX_LINES} more: {more}"]
    return "\n".join(lines)


def _pages(services: Services, user: str, zone: ZoneInfo) -> list[bk.Block]:
    """The pages waiting for `user`, oldest first, each with its Acknowledge."""
    pages = open_pages_of(services.db, user)
    title = "*:pager: Your open pages*"
    if not pages:
        return [bk.section(f"{title}\nNone: nothing is waiting for you.")]
    blocks = [bk.section(title)]
    for page in pages[:MAX_PAGES]:
        button = bk.button("Acknowledge", "page_ack", str(page.chain_id), style="primary")
        text = f"{_paged_for(page)}\n{_page_state(services, page, zone)}"
        blocks.append(bk.section(text, accessory=button, block_id=f"{PAGE_BLOCK}{page.chain_id}"))
    if len(pages) > MAX_PAGES:
        more = len(pages) - MAX_PAGES
        blocks.append(bk.context(f"…and {more} more: each page's DM has its Acknowledge."))
    return blocks


def _paged_for(page: OpenPage) -> str:
    if page.incident is not None:
        return f"• {title_line(page.incident)} · {_channel(page.incident)}"
    where = f" · <#{page.about_channel}>" if page.about_channel else ""
    return f"• {page.about}{where}"


def _page_state(services: Services, page: OpenPage, zone: ZoneInfo) -> str:
    roster = services.config.roster(page.roster_id)
    name = escape(roster.name if roster else page.roster_id)
    if page.exhausted:
        state = "nobody answered: it waits for anyone to take it"
    elif page.waiting:
        state = "waiting for you"
    else:
        state = "moved on to the next level; nobody has taken it yet"
    return f"      paged you {timefmt.wall(page.since, zone)} ({name}) · {state}"


def _standby(services: Services, user: str, now: dt.datetime, zone: ZoneInfo) -> list[bk.Block]:
    shifts = services.standby.user_shifts(user, now, now + HORIZON)
    title = "*:calendar: Your standby shifts, next 14 days*"
    if not shifts:
        return [bk.section(f"{title}\nNone.")]
    lines = [
        f"• {my_shift_line(shift, user, _roster_name(services, shift), zone)}" for shift in shifts
    ]
    return [bk.section(f"{title}\n{_clipped(lines, '`/standby me`')}")]


def _roster_name(services: Services, shift: Shift) -> str:
    roster = services.config.roster(shift.roster_id)
    return roster.name if roster else shift.roster_id


def _roles(incident: Incident, user: str) -> list[str]:
    return [name for field, name in ROLE_NAMES if getattr(incident, field) == user]


def _incidents(services: Services, user: str, zone: ZoneInfo) -> list[bk.Block]:
    mine = [(i, roles) for i in services.incidents.list_open() if (roles := _roles(i, user))]
    title = "*:rotating_light: Your open incidents*"
    if not mine:
        return [bk.section(f"{title}\nNone. Type `/incident` to declare one.")]
    lines = [
        f"• {title_line(incident)}\n"
        f"      {STATUS_LABEL[incident.status]} · you are {', '.join(roles)} · "
        f"{_channel(incident)} · declared {timefmt.wall(incident.declared_at, zone)}"
        for incident, roles in mine
    ]
    return [bk.section(f"{title}\n{_clipped(lines, '`/incident list`')}")]


def _channel(incident: Incident) -> str:
    return f"<#{incident.channel_id}>" if incident.channel_id else "_channel being created…_"


def _loop(
    services: Services, teams: list[Team], now: dt.datetime, zone: ZoneInfo
) -> list[bk.Block]:
    week = services.loop.week()
    state = services.loop.week_state(week)
    closed = state.closed
    where = week_state_line(state, now, lambda moment: timefmt.wall(moment, zone))
    blocks: list[bk.Block] = [bk.section(f"*:loop: Loop of Loops, {week.id}* — {where}")]
    for team in teams[:20]:
        update = services.loop.current_update(team.id, week.id)
        name = escape(team.name)
        if update is None:
            text = f"*{name}*: no update yet."
            button = None if closed else write_button(week.id, team.id)
        else:
            text = (
                f"*{name}*: {status_label(update.status)}, sent "
                f"{timefmt.wall(update.submitted_at, zone)} by <@{update.author}>"
            )
            value = json.dumps({"week": week.id, "team": team.id})
            button = None if closed else bk.button("Edit update", "loop_write", value)
        if closed:
            text += " The week is closed."
        blocks.append(bk.section(text, accessory=button) if button else bk.section(text))
    return blocks

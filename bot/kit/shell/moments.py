"""When the bot's tick must run while simulated time moves from one moment to another, so
that everything falls due on time without ticking every minute. `opsbot shell` uses it to
move its clock; tests can use it to step a simulated day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from bot.app import OpsBot
from bot.kit.shell.parsing import DAYS

STEP = dt.timedelta(minutes=5)


def tick_moments(
    bot: OpsBot, start: dt.datetime, end: dt.datetime, acted: Iterable[dt.datetime] = ()
) -> list[dt.datetime]:
    """Minute boundaries in (start, end], in UTC and in order, at which the bot's tick must
    run for everything to happen on time: every quarter hour (a heartbeat; the tick catches
    up on anything else), each standby window's reminder, start, end and escalation steps
    (every `ack_minutes` for an hour), each Loop moment, and every `STEP` minutes for two
    hours after each moment in `acted` (when commands reached the bot: incident update
    reminders and pages count from then). `bot` gives the configuration and the standby
    windows. Ticking every minute is exact but costs ~15 ms a tick."""
    config = bot.config
    moments: set[dt.datetime] = set()
    first = start.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    quarter = dt.timedelta(minutes=15)
    moment = first
    while moment <= end:
        if moment.minute % 15 == 0:
            moments.add(moment)
            moment += quarter
        else:
            moment += dt.timedelta(minutes=1)
    hour = dt.timedelta(hours=1)
    for roster in config.rosters:
        lead = dt.timedelta(minutes=roster.remind_before_minutes)
        ack = dt.timedelta(minutes=roster.escalation.ack_minutes)
        for shift in bot.standby.shifts(roster, start - hour, end + lead):
            moments.update({shift.window_starts_at - lead, shift.starts_at, shift.ends_at})
            step = shift.starts_at + ack
            while step <= shift.starts_at + hour:
                moments.add(step)
                step += ack
    zone = config.loop_zone()
    loop = config.loop
    day = start.astimezone(zone).date()
    while dt.datetime.combine(day, dt.time(0), zone) <= end:
        for when in [loop.prompt, *loop.reminders, loop.digest]:
            if DAYS[day.weekday()] == when.day:
                moments.add(dt.datetime.combine(day, when.time, zone))
        day += dt.timedelta(days=1)
    for moment in acted:
        step = moment.replace(second=0, microsecond=0)
        while step <= moment + 2 * hour:
            moments.add(step)
            step += STEP
    return sorted(m.astimezone(dt.UTC) for m in moments if start < m <= end)

"""Loop weeks, in the loop's time zone. A week is named by the ISO year-week of its prompt's
local date (`2026-W48`); its reminders and digest are the first such moments after the
prompt, and it ends at the next week's prompt."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.config import WEEKDAYS, LoopMoment, OrgConfig

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class LoopWeek:
    id: str
    prompt_at: dt.datetime  # aware, UTC
    reminders: tuple[dt.datetime, ...]
    digest_at: dt.datetime
    ends_at: dt.datetime  # the next week's prompt
    zone: ZoneInfo


def week_id(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(value: str) -> tuple[int, int]:
    match = _WEEK.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a week like 2026-W48")
    return int(match.group(1)), int(match.group(2))


def shift(week: str, weeks: int) -> str:
    year, number = parse_week(week)
    return week_id(dt.date.fromisocalendar(year, number, 1) + dt.timedelta(weeks=weeks))


def _at(day: dt.date, moment: LoopMoment, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, moment.time, tzinfo=zone).astimezone(dt.UTC)


def _after(
    prompt_day: dt.date, prompt: LoopMoment, moment: LoopMoment, zone: ZoneInfo
) -> dt.datetime:
    """The first `moment` after the prompt (within a week)."""
    ahead = (WEEKDAYS.index(moment.day) - WEEKDAYS.index(prompt.day)) % 7
    day = prompt_day + dt.timedelta(days=ahead)
    if ahead == 0 and moment.time <= prompt.time:
        day += dt.timedelta(days=7)
    return _at(day, moment, zone)


def loop_week(config: OrgConfig, week: str) -> LoopWeek:
    zone = config.loop_zone()
    loop = config.loop
    year, number = parse_week(week)
    monday = dt.date.fromisocalendar(year, number, 1)
    prompt_day = monday + dt.timedelta(days=WEEKDAYS.index(loop.prompt.day))
    return LoopWeek(
        id=week,
        prompt_at=_at(prompt_day, loop.prompt, zone),
        reminders=tuple(_after(prompt_day, loop.prompt, r, zone) for r in loop.reminders),
        digest_at=_after(prompt_day, loop.prompt, loop.digest, zone),
        ends_at=_at(prompt_day + dt.timedelta(days=7), loop.prompt, zone),
        zone=zone,
    )


def current_week(config: OrgConfig, now: dt.datetime) -> LoopWeek:
    """The week whose prompt came last (at or before `now`)."""
    week = loop_week(config, week_id(now.astimezone(config.loop_zone()).date()))
    return week if week.prompt_at <= now else loop_week(config, shift(week.id, -1))

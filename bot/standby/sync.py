"""When what Slack shows of who is on (the roster's user group, its channel's topic) is
brought in step: at each boundary (a piece of a window starting, a window ending), owed
by the tick under a key per roster and instant, so two clocks or a restart owe it once;
and at once after a swap, override or cover that changes who is on now (a hook of
`StandbyService.when_changed`, in the change's own transaction)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.orm import Session

from bot.config import Roster
from bot.ledger import Due, Ledger
from bot.standby.schedule import Shift
from bot.standby.topic import topic_due
from bot.standby.usergroups import sync


def boundary_dues(roster: Roster, shift: Shift, now: dt.datetime) -> list[Due]:
    """What `shift` owes by `now`: a sync at its start, and at its window's end."""
    instants = [shift.starts_at]
    if shift.ends_at == shift.window_ends_at:
        instants.append(shift.window_ends_at)
    dues: list[Due] = []
    for at in instants:
        if at <= now:
            dues.append(topic_due(roster, at))
            if roster.usergroup:
                dues.append(sync(roster, at))
    return dues


def after_change(
    session: Session, roster: Roster, changed: list[Shift], now: dt.datetime
) -> list[str]:
    """A `when_changed` hook: the topic is set again (it says who is on now, or next), and the
    user group synced when the change touches the window open now."""
    tag = uuid.uuid4().hex
    dues = [topic_due(roster, now, tag)]
    if roster.usergroup and any(shift.covers(now) for shift in changed):
        dues.append(sync(roster, now, tag))
    return [due.key for due in dues if Ledger.enqueue(session, due, now)]

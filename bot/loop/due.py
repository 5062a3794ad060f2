"""What the scheduler's tick owes the loop: prompts, reminders and the digest whose moment
has come since the last tick. Each is enqueued in the ledger under its unique key, so two
schedulers or a restart owe it once. Moments missed while nothing ran are enqueued with
their `expires_at` (a prompt or reminder until the digest, the digest until the next
week's prompt); the ledger sends them late, marked late, or skips them with a log line."""

from __future__ import annotations

import datetime as dt

from bot.catch_up import enqueue_since_last_tick
from bot.ledger import Due
from bot.loop import deliveries as out
from bot.loop.renderers import digest_messages
from bot.loop.service import LoopService
from bot.loop.weeks import current_week, loop_week, shift

LOOKBACK_LIMIT = dt.timedelta(days=8)
STATE = "loop_tick"


def owed(
    service: LoopService, since: dt.datetime, now: dt.datetime, *, first: bool = False
) -> list[Due]:
    """Deliveries whose moment falls in [since, now], for this week and the one before. On
    the `first` tick a loop ever has, this week's prompts are owed too while its digest is
    ahead: a bot started on a Tuesday still asks for this week's updates."""
    config = service.config
    this = current_week(config, now)
    dues: list[Due] = []
    if first and this.prompt_at < since and now < this.digest_at:
        dues += [out.prompt(this, team) for team in config.teams]
    for week in (loop_week(config, shift(this.id, -1)), this):
        if since <= week.prompt_at <= now:
            dues += [out.prompt(week, team) for team in config.teams]
        for index, at in enumerate(week.reminders):
            if since <= at <= now:
                dues += [out.reminder(week, index, team) for team in config.teams]
        if since <= week.digest_at <= now and config.channels.loop:
            parts = len(digest_messages(service, week.id))
            dues += out.digest(week, config, parts)
    return dues


def enqueue_loop(service: LoopService, now: dt.datetime | None = None) -> int:
    """Enqueue what has come due since the last tick, up to `now` (the service's clock's)."""
    return enqueue_since_last_tick(
        service.db,
        STATE,
        LOOKBACK_LIMIT,
        lambda since, at, first: owed(service, since, at, first=first),
        now or service.clock.now(),
    )

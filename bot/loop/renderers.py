"""Send-time renderers for loop deliveries: read the current state, build the message. A
reminder to a team that has answered, or a digest continuation with nothing left to say, is
skipped."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.config import Team
from bot.ledger.sender import Renderer, SkipDelivery
from bot.loop import digest as build
from bot.loop import render, render_digest
from bot.loop.models import OPEN, LoopAsk, LoopUpdate
from bot.loop.service import LoopService, latest_updates
from bot.loop.weeks import shift


def digest_messages(service: LoopService, week_id: str) -> list[dict[str, Any]]:
    week = service.week(week_id)
    with service.db.read() as session:
        data = build.build(session, service.config, week, service.clock.now())
    return render_digest.messages(data)


def loop_renderers(service: LoopService) -> dict[str, Renderer]:
    config = service.config

    def team_of(team_id: str) -> Team:
        team = config.team(team_id)
        if team is None:
            raise SkipDelivery(f"team {team_id} is no longer configured")
        return team

    def prompt(week: str, team_id: str, edit: bool = False) -> dict[str, Any]:
        """The prompt as it reads now; `edit`: for chat.update of the prompt already sent,
        which names the DM by the channel it was posted in."""
        team = team_of(team_id)
        with service.db.read() as session:
            last = latest_updates(session, shift(week, -1)).get(team_id)
            answered = latest_updates(session, week).get(team_id)
            asks = session.scalars(
                select(LoopAsk)
                .where(
                    LoopAsk.status == OPEN,
                    (LoopAsk.to_team == team_id) | (LoopAsk.from_team == team_id),
                )
                .order_by(LoopAsk.week, LoopAsk.id)
            ).all()
        asks_of = [a for a in asks if a.to_team == team_id]
        asks_by = [a for a in asks if a.from_team == team_id]
        week_of = service.week(week)
        message = render.prompt(config, week_of, team, last, asks_of, asks_by, answered)
        return message if edit else {"channel": team.pm, **message}

    def reminder(week: str, team_id: str) -> dict[str, Any]:
        team = team_of(team_id)
        with service.db.read() as session:
            answered = session.scalar(
                select(LoopUpdate.id).where(LoopUpdate.week == week, LoopUpdate.team_id == team_id)
            )
        if answered is not None:
            raise SkipDelivery(f"{team_id} has answered {week}")
        return {"channel": team.pm, **render.reminder(config, service.week(week), team)}

    def digest(week: str, part: int) -> dict[str, Any]:
        if not config.channels.loop:
            raise SkipDelivery("no loop channel is configured")
        messages = digest_messages(service, week)
        if part >= len(messages):
            raise SkipDelivery(f"the digest of {week} has no part {part + 1}")
        return {"channel": config.channels.loop, **messages[part]}

    def saved(update_id: int) -> dict[str, Any]:
        with service.db.read() as session:
            update = session.get(LoopUpdate, update_id)
        if update is None:
            raise SkipDelivery(f"loop update {update_id} does not exist")
        return {"channel": update.author, **render.saved(update, config)}

    return {
        "loop.prompt": prompt,
        "loop.reminder": reminder,
        "loop.digest": digest,
        "loop.saved": saved,
    }

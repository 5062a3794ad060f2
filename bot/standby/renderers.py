"""Send-time renderers for standby deliveries: recompute who is on, then build the message.
A ping or reminder for someone no longer on (a swap or override since) is skipped."""

from __future__ import annotations

from typing import Any

from bot.ledger.sender import Renderer, SkipDelivery
from bot.standby import render
from bot.standby.schedule import Shift
from bot.standby.service import WEEK, StandbyService, on_shift


def standby_renderers(service: StandbyService) -> dict[str, Renderer]:
    def load(roster_id: str, key: str) -> tuple[Any, list[Shift]]:
        roster = service.config.roster(roster_id)
        if roster is None:
            raise SkipDelivery(f"roster {roster_id} is no longer configured")
        pieces = service.occurrence(roster, key)
        if not pieces:
            raise SkipDelivery(f"{key} no longer happens (skip date or changed windows)")
        return roster, pieces

    def post(roster_id: str, key: str) -> dict[str, Any]:
        roster, pieces = load(roster_id, key)
        zone = service.zone(roster)
        upcoming = service.shifts(roster, pieces[-1].ends_at, pieces[-1].ends_at + WEEK)
        following = next((s for s in upcoming if s.key != key), None)
        message = render.post(roster, pieces, following, service.acknowledged_by(key), zone)
        return {"channel": roster.channel, **message}

    def personal(kind: str):  # type: ignore[no-untyped-def]
        def build(roster_id: str, key: str, user: str) -> dict[str, Any]:
            roster, pieces = load(roster_id, key)
            mine = [p for p in pieces if on_shift(p, user)]
            if not mine:
                raise SkipDelivery(f"{user} is no longer on standby for {key}")
            builder = render.ping if kind == "ping" else render.reminder
            return {"channel": user, **builder(roster, mine[0], user, service.zone(roster))}

        return build

    return {
        "standby.post": post,
        "standby.ping": personal("ping"),
        "standby.reminder": personal("reminder"),
    }

"""Send-time renderers for standby deliveries: recompute who is on, then build the message.
A ping or reminder for someone no longer on (a swap or override since) is skipped. The
roster post reads as ended once its window has ended, whichever delivery renders it; an
edit of a post that was never sent (missed while down) is skipped."""

from __future__ import annotations

from typing import Any

from bot.ledger import Ledger
from bot.ledger.sender import Renderer, SkipDelivery
from bot.slack import timefmt
from bot.standby import deliveries as out
from bot.standby import render
from bot.standby.render_moves import moved_renderer
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

    def require_post(key: str) -> None:
        with service.db.read() as session:
            posted = Ledger.sent_or_owed(session, out.post_key(key))
        if not posted:
            raise SkipDelivery(f"the post of {key} was never sent: nothing to edit")

    def post(roster_id: str, key: str, edit: str | None = None) -> dict[str, Any]:
        if edit:
            require_post(key)
        roster, pieces = load(roster_id, key)
        zone = timefmt.org_zone(service.config)
        ended = service.clock.now() >= pieces[-1].window_ends_at
        upcoming = service.shifts(roster, pieces[-1].ends_at, pieces[-1].ends_at + WEEK)
        following = next((s for s in upcoming if s.key != key), None)
        acknowledged = service.acknowledged_by(key)
        message = render.post(roster, pieces, following, acknowledged, zone, ended=ended)
        return {"channel": roster.channel, **message}

    def personal(kind: str) -> Renderer:
        def build(roster_id: str, key: str, user: str) -> dict[str, Any]:
            roster, pieces = load(roster_id, key)
            mine = [p for p in pieces if on_shift(p, user)]
            if not mine:
                raise SkipDelivery(f"{user} is no longer on standby for {key}")
            builder = render.ping if kind == "ping" else render.reminder
            zone = timefmt.org_zone(service.config)
            return {"channel": user, **builder(roster, mine[0], user, zone)}

        return build

    return {
        "standby.post": post,
        "standby.ping": personal("ping"),
        "standby.reminder": personal("reminder"),
        "standby.moved": moved_renderer(service),
    }

"""The DM telling someone a swap or an override moved them: which roster, who made the
change and what kind, and the stretches they take and hand over, with their role and from or
to whom. Times are Slack date tokens, so each reader sees them in their own time zone (the
fallback in the organisation's). People are mentions of their ids; nothing typed is shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bot.ledger.sender import Renderer, SkipDelivery
from bot.slack import blocks as bk
from bot.slack import timefmt
from bot.slack.escaping import escape, mention
from bot.standby.moves import Made, Piece, piece_from
from bot.standby.service import StandbyService

LINES_A_SECTION = 12  # a line is at most ~200 characters; a section holds 3,000


def _who(user: str, reader: str) -> str:
    return "you" if user == reader else mention(user)


def what_changed(made: Made, reader: str) -> str:
    """``@carol swapped with you``, ``override by @admin: @bob covers``, ``your override:
    you cover``, as `reader` reads it."""
    if made.kind == "swap":
        actor = _who(made.actor, reader)
        return f"{actor} swapped with {_who(made.other, reader)}"
    by = "your override" if made.actor == reader else f"override by {mention(made.actor)}"
    covers = "you cover" if made.other == reader else f"{mention(made.other)} covers"
    return f"{by}: {covers}"


def piece_line(piece: Piece, zone: dt.tzinfo, towards: str) -> str:
    """``today 08:30–09:30 (primary), from @carol``; `towards` is ``from`` or ``to``."""
    line = f"{timefmt.token_span(piece.starts_at, piece.ends_at, zone)} ({piece.role})"
    return f"{line}, {towards} {mention(piece.counterpart)}" if piece.counterpart else line


def moved(
    roster_name: str,
    reader: str,
    made: Made,
    gained: Sequence[Piece],
    lost: Sequence[Piece],
    zone: dt.tzinfo,
) -> dict[str, Any]:
    """The DM to `reader`, with the fallback text saying it all in one paragraph."""
    head = (
        f":arrows_counterclockwise: Your standby on *{escape(roster_name)}* changed: "
        f"{what_changed(made, reader)}."
    )
    parts = [("You take", gained, "from"), ("You hand over", lost, "to")]
    listed = [
        (title, [piece_line(p, zone, towards) for p in pieces])
        for title, pieces, towards in parts
        if pieces
    ]
    blocks = [bk.section(head)]
    for title, lines in listed:  # an override over weeks: whole lines, over several sections
        bullets = [f"• {line}" for line in lines]
        for at in range(0, len(bullets), LINES_A_SECTION):
            heading = [f"*{title}:*"] if at == 0 else []
            blocks.append(bk.section("\n".join(heading + bullets[at : at + LINES_A_SECTION])))
    text = " ".join([head, *(f"{title}: {'; '.join(lines)}." for title, lines in listed)])
    return bk.message(text, blocks)


def moved_renderer(service: StandbyService) -> Renderer:
    """The sender's renderer of the DMs of `bot.standby.moves`."""

    def render(
        roster_id: str,
        user: str,
        kind: str,
        actor: str,
        other: str,
        gained: list[dict[str, Any]],
        lost: list[dict[str, Any]],
    ) -> dict[str, Any]:
        roster = service.config.roster(roster_id)
        if roster is None:
            raise SkipDelivery(f"roster {roster_id} is no longer configured")
        made = Made("swap" if kind == "swap" else "override", actor, other)
        zone = timefmt.org_zone(service.config)
        took, gave = [piece_from(p) for p in gained], [piece_from(p) for p in lost]
        return {"channel": user, **moved(roster.name, user, made, took, gave, zone)}

    return render

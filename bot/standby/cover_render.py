"""Cover requests in Slack: the request message in the roster's channel (with **I'll take
it** and **Withdraw** while it is open, what became of it once closed), its re-raise in the
thread, and the DMs when it is taken. Times are Slack date tokens (each reader's zone; the
fallback in the organisation's); the reason is shown as typed, never obeyed.

`cover_renderers` builds them at send time from the request as it is then."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.ledger import Ledger
from bot.ledger.sender import Renderer, SkipDelivery
from bot.slack import blocks as bk
from bot.slack import timefmt
from bot.slack.escaping import escape
from bot.standby import cover_deliveries as out
from bot.standby.covers import OPEN, PAST, TAKEN, Cover, CoverService, still_theirs

TAKE = "standby_cover_take"
WITHDRAW = "standby_cover_withdraw"


def _shift(cover: Cover, roster_name: str, zone: ZoneInfo) -> str:
    span = timefmt.token_span(cover.starts_at, cover.ends_at, zone)
    return f"*{escape(roster_name)}*, {span} ({cover.role})"


def _reason(cover: Cover) -> list[bk.Block]:
    if not cover.reason:
        return []
    quoted = "\n".join(f">{line}" for line in escape(cover.reason).splitlines())
    return [bk.section(quoted)]


def _buttons(cover: Cover) -> bk.Block:
    return bk.actions(
        bk.button("I'll take it", TAKE, str(cover.id), style="primary"),
        bk.button("Withdraw", WITHDRAW, str(cover.id)),
    )


def closed_line(cover: Cover, roster_name: str, zone: ZoneInfo) -> str:
    """What became of a closed request, in one line."""
    who, shift = f"<@{cover.requested_by}>", _shift(cover, roster_name, zone)
    if cover.state == TAKEN:
        return f":white_check_mark: <@{cover.taken_by}> took {who}'s shift: {shift}. Thanks!"
    if cover.state == PAST:
        ended = "started" if cover.closes_at == cover.starts_at else "ended"
        return f":white_circle: Nobody took {who}'s shift before it {ended}: {shift}."
    by = "" if cover.closed_by in (None, cover.requested_by) else f" by <@{cover.closed_by}>"
    return f":heavy_minus_sign: {who}'s request for cover was withdrawn{by}: {shift}."


def request(cover: Cover, roster_name: str, zone: ZoneInfo) -> dict[str, Any]:
    """The request in the channel: open, with buttons; closed, what became of it."""
    if cover.state != OPEN:
        line = closed_line(cover, roster_name, zone)
        return bk.message(line, [bk.section(line), *_reason(cover)])
    line = (
        f":raising_hand: <@{cover.requested_by}> asks for cover of their standby shift: "
        f"{_shift(cover, roster_name, zone)}."
    )
    fallback = line + (f" {escape(cover.reason)}" if cover.reason else "")
    note = bk.context("The first member of the roster who clicks *I'll take it* takes it.")
    return bk.message(fallback, [bk.section(line), *_reason(cover), note, _buttons(cover)])


def reraise(cover: Cover, roster_name: str, zone: ZoneInfo) -> dict[str, Any]:
    """The request raised again, in its thread and broadcast to the channel."""
    if cover.state != OPEN:
        line = closed_line(cover, roster_name, zone)
        return bk.message(line, [bk.section(line)])
    line = (
        f":bell: Still nobody to cover <@{cover.requested_by}>'s shift, which starts soon: "
        f"{_shift(cover, roster_name, zone)}. Can you take it?"
    )
    return bk.message(line, [bk.section(line), _buttons(cover)])


def taken_dm(cover: Cover, user: str, roster_name: str, zone: ZoneInfo) -> dict[str, Any]:
    """The DM to the requester (``user`` asked) or to the taker."""
    shift = _shift(cover, roster_name, zone)
    if user == cover.requested_by:
        line = f":white_check_mark: <@{cover.taken_by}> took your standby shift: {shift}."
    else:
        line = (
            f":white_check_mark: You are covering <@{cover.requested_by}>'s standby shift: "
            f"{shift}. Thanks! You'll be pinged when it starts."
        )
    return bk.message(line, [bk.section(line)])


def cover_renderers(covers: CoverService) -> dict[str, Renderer]:
    def load(request_id: int) -> tuple[Cover, str]:
        cover = covers.get(request_id)
        if cover is None:
            raise SkipDelivery(f"cover request {request_id} is gone")
        roster = covers.config.roster(cover.roster_id)
        if roster is None:
            raise SkipDelivery(f"roster {cover.roster_id} is no longer configured")
        return cover, roster.name

    def channel_message(request_id: int, part: str, edit: str | None = None) -> dict[str, Any]:
        cover, name = load(request_id)
        zone = timefmt.org_zone(covers.config)
        if edit:
            target = (
                out.reraise_key(request_id) if part == "reraise" else out.request_key(request_id)
            )
            with covers.db.read() as session:
                if not Ledger.sent_or_owed(session, target):
                    raise SkipDelivery(f"{target} was never sent: nothing to edit")
        if part == "reraise":
            if not edit and cover.state != OPEN:
                raise SkipDelivery(f"cover request {request_id} is {cover.state}: not raised again")
            if not edit and not still_theirs(cover, covers.current_shifts(cover)):
                raise SkipDelivery(f"{cover.requested_by} is no longer on that shift")
            message = reraise(cover, name, zone)
            return message if edit else {**message, "reply_broadcast": True}
        return request(cover, name, zone)

    def personal(request_id: int, user: str) -> dict[str, Any]:
        cover, name = load(request_id)
        if cover.state != TAKEN:
            raise SkipDelivery(f"cover request {request_id} is {cover.state}")
        return {"channel": user, **taken_dm(cover, user, name, timefmt.org_zone(covers.config))}

    return {out.REQUEST: channel_message, out.PERSONAL: personal}

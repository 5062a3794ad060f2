"""Cover requests: `/standby cover [ROSTER] DATE|now [REASON]`.

A member asks the roster's channel to cover their piece of a shift. The first other member
who clicks **I'll take it** gets an override of exactly that piece, in the requester's
role (from the moment they click, for a shift already under way), and both are told by DM.
A request is closed when it is taken, withdrawn (by the requester or an admin), or past:
a request made before its shift starts is past when the shift starts; one made for the
shift on now is past when that shift ends. An open request is raised again in its thread,
broadcast to the channel, `RERAISE_BEFORE` (real hours) before the shift starts, if it was
made earlier than that.

Which shift: with a DATE, the requester's first piece of a shift that begins on that date
(the roster's) and has not ended, that has no open request yet; with `now`, the piece they
are on now, else their next one that begins later today.

Taking is a compare-and-set (UPDATE … WHERE state = 'open'): of two clicks at once, on
SQLite or PostgreSQL, one wins and the other is refused. Everything Slack must see is a
ledger delivery enqueued in the same transaction (bot/standby/cover_deliveries.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.change import Change
from bot.config import Roster
from bot.db.upsert import insert_if_absent, rows_matched
from bot.ledger import Ledger
from bot.slack import timefmt
from bot.standby import cover_deliveries as out
from bot.standby.models import StandbyCoverRequest
from bot.standby.schedule import Role, Shift
from bot.standby.service import StandbyError, StandbyService, on_shift
from bot.standby.windows import start_instant

RERAISE_BEFORE = dt.timedelta(hours=2)
OPEN, TAKEN, WITHDRAWN, PAST = "open", "taken", "withdrawn", "past"
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Cover:
    """A cover request as it is now (what the renderers and listeners read)."""

    id: int
    roster_id: str
    shift_key: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    role: str
    requested_by: str
    reason: str
    requested_at: dt.datetime
    state: str
    taken_by: str | None
    taken_at: dt.datetime | None
    closed_by: str | None

    @property
    def closes_at(self) -> dt.datetime:
        """When an untaken request is past: its shift's start, or (asked for the shift
        already under way) its end."""
        return self.starts_at if self.requested_at < self.starts_at else self.ends_at

    @property
    def reraise_at(self) -> dt.datetime | None:
        """When it is raised again, if it is: `RERAISE_BEFORE` before the start, for a
        request made earlier than that."""
        moment = self.starts_at - RERAISE_BEFORE
        return moment if self.requested_at < moment else None


def _cover(row: StandbyCoverRequest) -> Cover:
    return Cover(
        row.id,
        row.roster_id,
        row.shift_key,
        row.starts_at,
        row.ends_at,
        row.role,
        row.requested_by,
        row.reason,
        row.requested_at,
        row.state,
        row.taken_by,
        row.taken_at,
        row.closed_by,
    )


@dataclass(frozen=True)
class Piece:
    """A stretch of one occurrence that one person holds in one role."""

    key: str
    local_date: dt.date  # the date its occurrence begins on
    starts_at: dt.datetime
    ends_at: dt.datetime
    role: Role

    @property
    def open_for(self) -> str:
        return f"{self.key}|{self.role}|{self.starts_at:%Y%m%dT%H%M%S}"


def pieces_of(user: str, shifts: list[Shift]) -> list[Piece]:
    """`user`'s pieces in `shifts` (in order), neighbouring pieces of one occurrence in the
    same role joined (an override of the other role cuts a window without moving them)."""
    found: list[Piece] = []
    for shift in shifts:
        if not on_shift(shift, user):
            continue
        role: Role = "primary" if shift.primary == user else "secondary"
        last = found[-1] if found else None
        if last and (last.key, last.ends_at, last.role) == (shift.key, shift.starts_at, role):
            found[-1] = Piece(last.key, last.local_date, last.starts_at, shift.ends_at, role)
        else:
            found.append(Piece(shift.key, shift.local_date, shift.starts_at, shift.ends_at, role))
    return found


def refusal(cover: Cover, now: dt.datetime, verb: str = "take") -> str | None:
    """Why `cover` can no longer be taken (or withdrawn), or None while it is open."""
    if cover.state == TAKEN:
        if verb == "take":
            return f"<@{cover.taken_by}> already took this shift, thanks anyway."
        return f"<@{cover.taken_by}> already took this shift: there is nothing to withdraw."
    if cover.state == WITHDRAWN:
        return f"This request was withdrawn: there is nothing to {verb}."
    if cover.state == PAST or now >= cover.closes_at:
        started = cover.closes_at == cover.starts_at
        return f"This shift has {'started' if started else 'ended'}: the request is closed."
    return None


def still_theirs(cover: Cover, shifts: list[Shift]) -> bool:
    """The one who asked still holds their role over all of `shifts` (the piece's)."""
    holders = {s.primary if cover.role == "primary" else s.secondary for s in shifts}
    return holders == {cover.requested_by}


class CoverService:
    def __init__(self, standby: StandbyService):
        self.standby = standby
        self.db = standby.db
        self.config = standby.config
        self.clock = standby.clock

    # -- reading -----------------------------------------------------------------
    def get(self, request_id: int) -> Cover | None:
        with self.db.read() as session:
            row = session.get(StandbyCoverRequest, request_id)
            return _cover(row) if row else None

    def current_shifts(self, cover: Cover) -> list[Shift]:
        """The shifts over what is left of the request's piece, as they stand now."""
        roster = self._roster(cover)
        return self.standby.shifts(roster, max(cover.starts_at, self.clock.now()), cover.ends_at)

    def _roster(self, cover: Cover) -> Roster:
        roster = self.config.roster(cover.roster_id)
        if roster is None:
            raise StandbyError("That roster is no longer configured.")
        return roster

    def _when(self, starts_at: dt.datetime, ends_at: dt.datetime) -> str:
        return timefmt.token_span(starts_at, ends_at, timefmt.org_zone(self.config))

    # -- asking ------------------------------------------------------------------
    def _candidates(
        self, user: str, roster: Roster, day: dt.date | None
    ) -> tuple[list[Piece], str]:
        """The user's pieces the request may be for, and how the reply names the choice."""
        zone, now = self.standby.zone(roster), self.clock.now()
        today = now.astimezone(zone).date()
        if day is not None and day < today:
            raise StandbyError(f"{day.isoformat()} is in the past.")
        begins = start_instant(day or today, dt.time(0), zone)
        found = self.standby.shifts(roster, max(begins, now), begins + 2 * ONE_DAY)
        mine = [p for p in pieces_of(user, found) if p.ends_at > now]
        if day is not None:
            return [p for p in mine if p.local_date == day], f"your shift on {day.isoformat()}"
        on_now = [p for p in mine if p.starts_at <= now]
        if on_now:
            return on_now, "the shift you are on now"
        return [p for p in mine if p.local_date == today], "your next shift today"

    def request(self, user: str, roster: Roster, day: dt.date | None, reason: str) -> Change:
        """Ask `roster`'s channel to cover `user`'s shift on `day` (None: now, else later
        today)."""
        if user not in roster.members:
            raise StandbyError(
                f"You are not a member of {roster.name}: only its members ask it for cover."
            )
        pieces, which = self._candidates(user, roster, day)
        if not pieces:
            when = f"on {day.isoformat()}" if day else "now or later today"
            hint = "" if day else " (for another day, give its date: `/standby cover tomorrow`)"
            raise StandbyError(f"You have no coming shift on {roster.name} {when}{hint}.")
        now = self.clock.now()
        with self.db.session() as session:
            for piece in pieces:
                added = insert_if_absent(
                    session,
                    StandbyCoverRequest.__table__,
                    {
                        "roster_id": roster.id,
                        "shift_key": piece.key,
                        "starts_at": piece.starts_at,
                        "ends_at": piece.ends_at,
                        "role": piece.role,
                        "requested_by": user,
                        "reason": reason,
                        "requested_at": now,
                        "state": OPEN,
                        "open_for": piece.open_for,
                    },
                )
                if added:
                    break
            else:
                raise StandbyError("You have already asked for cover of that shift.")
            row = session.scalars(
                select(StandbyCoverRequest).where(StandbyCoverRequest.open_for == piece.open_for)
            ).one()
            cover = _cover(row)
            due = out.request_message(cover.id, roster.channel, now, cover.closes_at)
            Ledger.enqueue(session, due, now)
        zone = timefmt.org_zone(self.config)
        again = ""
        if cover.reraise_at:
            by = timefmt.token(cover.reraise_at, zone)
            again = f" If nobody has taken it by {by}, I'll ask again in the channel."
        return Change(
            f"Asked <#{roster.channel}> to cover {which} on {roster.name}: "
            f"{self._when(piece.starts_at, piece.ends_at)} ({piece.role}). The first member "
            f"who clicks *I'll take it* takes it, and you'll hear who.{again}",
            [due.key],
        )

    # -- taking ------------------------------------------------------------------
    def take(self, user: str, request_id: int) -> Change:
        cover = self.get(request_id)
        if cover is None:
            raise StandbyError("That cover request is not known.")
        now = self.clock.now()
        if why := refusal(cover, now):
            raise StandbyError(why)
        roster = self._roster(cover)
        if user == cover.requested_by:
            raise StandbyError("You asked for this cover: withdraw it instead of taking it.")
        if user not in roster.members:
            raise StandbyError(f"Only members of {roster.name} can take its shifts.")
        starts_at = max(cover.starts_at, now)
        covered = self.standby.shifts(roster, starts_at, cover.ends_at)
        if any(on_shift(s, user) for s in covered):
            raise StandbyError("You are already on standby for that shift.")
        if not still_theirs(cover, covered):  # a swap or override moved them meanwhile
            raise StandbyError(
                f"<@{cover.requested_by}> is no longer on that shift: there is nothing to take."
            )
        keys: list[str] = []
        with self.db.session() as session:
            won = _close(session, cover.id, state=TAKEN, taken_by=user, taken_at=now)
            if won:
                role: Role = "secondary" if cover.role == "secondary" else "primary"
                self.standby.add_override(
                    session, roster, user, starts_at, cover.ends_at, user, now, role=role
                )
                keys += self.standby.after_change(session, roster, covered, now)
                keys += self._closing(session, cover.id, now)
                for person in (cover.requested_by, user):
                    due = out.taken_dm(cover.id, person, now)
                    Ledger.enqueue(session, due, now)
                    keys.append(due.key)
        if not won:
            raise self._lost(request_id, now, "take")
        return Change(
            f"Thanks! You are covering <@{cover.requested_by}>'s shift on {roster.name}: "
            f"{self._when(starts_at, cover.ends_at)} ({cover.role}).",
            keys,
        )

    @staticmethod
    def _closing(session: Session, request_id: int, now: dt.datetime) -> list[str]:
        """The edits that close the request message and its re-raise (if it was raised)."""
        dues = [out.closed(request_id, "request", now)]
        if Ledger.sent_or_owed(session, out.reraise_key(request_id)):
            dues.append(out.closed(request_id, "reraise", now))
        return [due.key for due in dues if Ledger.enqueue(session, due, now)]

    # -- withdrawing -------------------------------------------------------------
    def withdraw(self, user: str, request_id: int) -> Change:
        cover = self.get(request_id)
        if cover is None:
            raise StandbyError("That cover request is not known.")
        now = self.clock.now()
        if user != cover.requested_by and not self.config.is_admin(user):
            raise StandbyError(
                f"Only <@{cover.requested_by}>, who asked, or an admin can withdraw this request."
            )
        if why := refusal(cover, now, "withdraw"):
            raise StandbyError(why)
        with self.db.session() as session:
            won = _close(session, cover.id, state=WITHDRAWN, closed_by=user)
            keys = self._closing(session, cover.id, now) if won else []
        if not won:
            raise self._lost(request_id, now, "withdraw")
        return Change("Withdrawn: the request for cover is closed.", keys)

    # -- the tick ----------------------------------------------------------------
    def enqueue_due(self, now: dt.datetime | None = None) -> int:
        """Raise again the open requests whose moment has come, and close as past those
        whose shift has started (or ended, for one asked while it was on). Each once: the
        re-raise under its unique key, the close by a compare-and-set."""
        now = now or self.clock.now()
        added = 0
        with self.db.session(background=True) as session:
            rows = session.scalars(
                select(StandbyCoverRequest)
                .where(
                    StandbyCoverRequest.state == OPEN,
                    StandbyCoverRequest.starts_at <= now + RERAISE_BEFORE,
                )
                .order_by(StandbyCoverRequest.id)
            ).all()
            for cover in [_cover(row) for row in rows]:
                if now >= cover.closes_at:
                    added += len(self._close_past(session, cover, now))
                elif cover.reraise_at is not None and now >= cover.reraise_at:
                    due = out.reraise(cover.id, cover.reraise_at, cover.closes_at)
                    added += Ledger.enqueue(session, due, now)
        return added

    def _close_past(self, session: Session, cover: Cover, now: dt.datetime) -> list[str]:
        won = _close(session, cover.id, state=PAST)
        return self._closing(session, cover.id, now) if won else []

    def _lost(self, request_id: int, now: dt.datetime, verb: str) -> StandbyError:
        """The refusal for a click that lost the compare-and-set to another one."""
        latest = self.get(request_id)
        why = refusal(latest, now, verb) if latest else None
        return StandbyError(why or "That cover request is no longer open.")


def _close(session: Session, request_id: int, **values: object) -> bool:
    """Close an open request (a compare-and-set: of two at once, one matches)."""
    statement = (
        update(StandbyCoverRequest)
        .where(StandbyCoverRequest.id == request_id, StandbyCoverRequest.state == OPEN)
        .values(open_for=None, **values)
    )
    return rows_matched(session, statement) == 1

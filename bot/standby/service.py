"""Standby with the database: overrides, swaps and acknowledgements made in Slack, applied
through the pure functions of `bot.standby.schedule`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.change import Change
from bot.clock import Clock
from bot.config import OrgConfig, Roster
from bot.db.engine import Database
from bot.db.upsert import insert_if_absent
from bot.errors import Refusal
from bot.ledger import Ledger
from bot.slack import timefmt
from bot.slack.escaping import code
from bot.standby import deliveries as out
from bot.standby.models import StandbyAcknowledgement, StandbyOverride, StandbySwap
from bot.standby.moves import Made, MoveWatch
from bot.standby.rotation import roster_calendar
from bot.standby.schedule import (
    Override,
    Role,
    Shift,
    Swap,
    next_shift,
    on_standby,
    parse_occurrence_key,
    shifts,
)
from bot.standby.windows import end_instant, start_instant

WEEK = dt.timedelta(days=7)
ONE_DAY = dt.timedelta(days=1)
# An override row's role, kept as text, as the Role it was written from.
_ROLES: dict[str, Role] = {"primary": "primary", "secondary": "secondary"}


ChangeHook = Callable[[Session, Roster, list[Shift], dt.datetime], list[str]]


class StandbyError(Refusal):
    """A refusal to show to the person who asked."""


class WindowEnded(StandbyError):
    """An acknowledgement of a window that has ended; ``ended_at`` says when (the listener
    words it in the reader's time zone)."""

    def __init__(self, ended_at: dt.datetime):
        super().__init__("That standby window has ended: it can no longer be acknowledged.")
        self.ended_at = ended_at


@dataclass(frozen=True)
class RosterNow:
    roster: Roster
    current: Shift | None
    upcoming: Shift | None


def _count(shifts: list[Shift]) -> str:
    return "1 shift" if len(shifts) == 1 else f"{len(shifts)} shifts"


def on_shift(shift: Shift, user: str) -> bool:
    return user in (shift.primary, shift.secondary)


class StandbyService:
    def __init__(self, db: Database, config: OrgConfig, clock: Clock):
        self.db = db
        self.config = config
        self.clock = clock
        # called by after_change: (session, roster, changed shifts, now) -> ledger keys
        self.when_changed: list[ChangeHook] = []
        self.prepare()

    def prepare(self) -> None:
        """Compile each roster's calendar now, not on the first question (at start, and
        after the configuration is reloaded)."""
        for roster in self.config.rosters:
            roster_calendar(roster, self.zone(roster))

    # -- reading -----------------------------------------------------------------
    def zone(self, roster: Roster) -> ZoneInfo:
        return self.config.roster_zone(roster)

    def _changes(self, session: Session, roster_id: str) -> tuple[list[Override], list[Swap]]:
        overrides = [
            Override(r.roster_id, r.user_id, r.starts_at, r.ends_at, r.created_by, _ROLES[r.role])
            for r in session.scalars(
                select(StandbyOverride)
                .where(StandbyOverride.roster_id == roster_id)
                .order_by(StandbyOverride.id)
            )
        ]
        swaps = [
            Swap(r.roster_id, r.shift_key_a, r.user_a, r.shift_key_b, r.user_b, r.created_by)
            for r in session.scalars(
                select(StandbySwap)
                .where(StandbySwap.roster_id == roster_id)
                .order_by(StandbySwap.id)
            )
        ]
        return overrides, swaps

    def changes(self, roster: Roster) -> tuple[list[Override], list[Swap]]:
        with self.db.read() as session:
            return self._changes(session, roster.id)

    def shifts(self, roster: Roster, start: dt.datetime, end: dt.datetime) -> list[Shift]:
        return shifts(roster, self.zone(roster), start, end, *self.changes(roster))

    def occurrence(self, roster: Roster, key: str) -> list[Shift]:
        """The pieces of one window occurrence, by its key (empty if it does not happen).
        A window lasts less than a day, so every piece of it overlaps the day from its start."""
        _, day, start = parse_occurrence_key(key)
        begins = start_instant(day, start, self.zone(roster))
        return [s for s in self.shifts(roster, begins, begins + ONE_DAY) if s.key == key]

    def now_and_next(self, at: dt.datetime | None = None) -> list[RosterNow]:
        at = at or self.clock.now()
        found = []
        for roster in self.config.rosters:
            zone, (overrides, swaps) = self.zone(roster), self.changes(roster)
            current = on_standby(roster, zone, at, overrides, swaps)
            upcoming = next_shift(
                roster, zone, current.ends_at if current else at, overrides, swaps
            )
            found.append(RosterNow(roster, current, upcoming))
        return found

    def user_shifts(self, user: str, start: dt.datetime, end: dt.datetime) -> list[Shift]:
        found = [
            shift
            for roster in self.config.rosters
            for shift in self.shifts(roster, start, end)
            if on_shift(shift, user)
        ]
        return sorted(found, key=lambda s: s.starts_at)

    def acknowledged_by(self, key: str) -> dict[str, dt.datetime]:
        with self.db.read() as session:
            rows = session.scalars(
                select(StandbyAcknowledgement)
                .where(StandbyAcknowledgement.shift_key == key)
                .order_by(StandbyAcknowledgement.id)
            )
            return {r.user_id: r.at for r in rows}

    # -- choosing a roster -------------------------------------------------------
    def roster_for(self, name: str | None, *people: str) -> Roster:
        """The roster named, else the one roster these people are members of, else the only one."""
        if name is not None:
            roster = self.config.roster(name)
            if roster is None:
                known = ", ".join(r.id for r in self.config.rosters) or "none configured"
                raise StandbyError(f"There is no roster {code(name)}. Rosters: {known}.")
            return roster
        if len(self.config.rosters) == 1:
            return self.config.rosters[0]
        for person in people:
            theirs = [r for r in self.config.rosters if person in r.members]
            if len(theirs) == 1:
                return theirs[0]
        if not self.config.rosters:
            raise StandbyError("No rosters are configured.")
        known = ", ".join(r.id for r in self.config.rosters)
        raise StandbyError(f"Name the roster: {known}.")

    # -- changing ----------------------------------------------------------------
    def override(
        self,
        actor: str,
        roster: Roster,
        user: str,
        start_local: dt.datetime,
        end_local: dt.datetime,
    ) -> Change:
        zone, now = self.zone(roster), self.clock.now()
        if actor not in roster.members and not self.config.is_admin(actor):
            raise StandbyError(
                f"Only members of {roster.name} or an admin may override its shifts."
            )
        if user not in roster.members:
            raise StandbyError(f"<@{user}> is not a member of {roster.name}.")
        starts_at = start_instant(start_local.date(), start_local.time(), zone)
        ends_at = end_instant(end_local.date(), end_local.time(), zone)
        if ends_at <= starts_at:
            raise StandbyError("The end must be after the start.")
        if ends_at <= now or start_local.date() < now.astimezone(zone).date():
            raise StandbyError("That time is in the past.")
        covered = self.shifts(roster, starts_at, ends_at)
        if not covered:
            raise StandbyError(
                f"Nobody is on standby on {roster.name} in that span: there is nothing to cover."
            )
        with self.db.session() as session:
            watch = MoveWatch(session, roster, zone, covered, self._changes)
            self.add_override(session, roster, user, starts_at, ends_at, actor, now)
            keys = watch.tell(Made("override", actor, user), now)
            keys += self.after_change(session, roster, covered, now)
        return Change(
            f"<@{user}> covers {roster.name} from {self._when(starts_at)} to "
            f"{self._when(ends_at)}: {_count(covered)} in that span.",
            keys,
        )

    def swap(self, actor: str, roster: Roster, other: str, day: dt.date) -> Change:
        zone, now = self.zone(roster), self.clock.now()
        if other == actor:
            raise StandbyError("You cannot swap with yourself.")
        if other not in roster.members:
            raise StandbyError(f"<@{other}> is not a member of {roster.name}.")
        if day < now.astimezone(zone).date():
            raise StandbyError(f"{day.isoformat()} is in the past.")
        begins = start_instant(day, dt.time(0), zone)
        mine = [
            s
            for s in self.shifts(roster, begins, begins + dt.timedelta(days=1))
            if s.local_date == day and on_shift(s, actor) and s.ends_at > now
        ]
        mine = list({s.key: s for s in mine}.values())
        if not mine:
            raise StandbyError(f"You have no coming shift on {roster.name} on {day.isoformat()}.")
        theirs: list[Shift] = []
        cursor = now
        while len(theirs) < len(mine):
            found = self._next_for(
                roster, other, cursor, exclude={s.key for s in mine + theirs}, avoid=actor
            )
            if found is None:
                raise StandbyError(f"<@{other}> has no coming shift on {roster.name} to swap with.")
            theirs.append(found)
            cursor = found.starts_at
        with self.db.session() as session:
            watch = MoveWatch(session, roster, zone, mine + theirs, self._changes)
            for a, b in zip(mine, theirs, strict=True):
                session.add(
                    StandbySwap(
                        roster_id=roster.id,
                        shift_key_a=a.key,
                        user_a=actor,
                        shift_key_b=b.key,
                        user_b=other,
                        created_by=actor,
                        created_at=now,
                    )
                )
            keys = watch.tell(Made("swap", actor, other), now)
            keys += self.after_change(session, roster, mine + theirs, now)
        return Change(
            f"Swapped: <@{other}> takes your {day.isoformat()} shift(s) ({self._spans(mine)}), "
            f"you take theirs ({self._spans(theirs)}).",
            keys,
        )

    def _when(self, moment: dt.datetime) -> str:
        """A moment for the reply to one person, before their time zone is known: a date
        token (their zone), with the organisation's zone in the fallback."""
        return timefmt.token(moment, timefmt.org_zone(self.config))

    def _spans(self, changed: list[Shift]) -> str:
        zone = timefmt.org_zone(self.config)
        return ", ".join(timefmt.token_span(s.starts_at, s.ends_at, zone) for s in changed)

    def _next_for(
        self, roster: Roster, user: str, after: dt.datetime, exclude: set[str], avoid: str
    ) -> Shift | None:
        for shift in self.shifts(roster, after, after + dt.timedelta(days=120)):
            if (
                shift.key not in exclude
                and shift.starts_at > after
                and on_shift(shift, user)
                and not on_shift(shift, avoid)
            ):
                return shift
        return None

    @staticmethod
    def add_override(
        session: Session,
        roster: Roster,
        user: str,
        starts_at: dt.datetime,
        ends_at: dt.datetime,
        actor: str,
        now: dt.datetime,
        role: Role = "primary",
    ) -> None:
        """Record that `user` covers `role` on `roster` from `starts_at` to `ends_at`."""
        session.add(
            StandbyOverride(
                roster_id=roster.id,
                user_id=user,
                role=role,
                starts_at=starts_at,
                ends_at=ends_at,
                created_by=actor,
                created_at=now,
            )
        )

    def after_change(
        self, session: Session, roster: Roster, changed: list[Shift], now: dt.datetime
    ) -> list[str]:
        """What a swap or override made in `session` owes, in the same transaction: the
        posts of `changed` windows already announced are edited, whoever it puts on the
        window open now is pinged, and each hook of `when_changed` adds its deliveries.
        Returns the ledger keys to send soon."""
        keys = self._refresh_posts(session, roster, changed, now)
        keys += self._ping_now_on(session, roster, now)
        for hook in self.when_changed:
            keys += hook(session, roster, changed, now)
        return keys

    def _ping_now_on(self, session: Session, roster: Roster, now: dt.datetime) -> list[str]:
        """Ping, at once, whoever a change puts on standby in the window open now: the tick
        would ping them a little later, marked late. Someone pinged for it already is not
        pinged again (the ledger's key is per window and person)."""
        session.flush()
        overrides, swaps = self._changes(session, roster.id)
        current = on_standby(roster, self.zone(roster), now, overrides, swaps)
        if current is None:
            return []
        dues = [out.ping(roster, current, person, due_at=now) for person in current.people]
        return [due.key for due in dues if Ledger.enqueue(session, due, now)]

    def _refresh_posts(
        self, session: Session, roster: Roster, changed: list[Shift], now: dt.datetime
    ) -> list[str]:
        """Edit the roster posts of windows already announced, so they show the change."""
        stamp = now.strftime("%Y%m%dT%H%M%S%f")
        occurrences = list(dict.fromkeys(s.key for s in changed))
        posted = Ledger.which_sent(session, [out.post_key(k) for k in occurrences])
        keys = []
        for key in occurrences:
            if out.post_key(key) not in posted:
                continue
            due = out.post_refresh(roster, key, stamp, now)
            Ledger.enqueue(session, due, now)
            keys.append(due.key)
        return keys

    def acknowledge(self, user: str, key: str) -> Change:
        try:
            roster_id = parse_occurrence_key(key)[0]
        except ValueError:
            raise StandbyError("That standby window is not known.") from None
        roster = self.config.roster(roster_id)
        if roster is None:
            raise StandbyError("That roster is no longer configured.")
        pieces = self.occurrence(roster, key)
        if not any(on_shift(p, user) for p in pieces):
            raise StandbyError(
                "You are not on standby for this window, so there is nothing to acknowledge."
            )
        now = self.clock.now()
        if now >= pieces[-1].window_ends_at:
            raise WindowEnded(pieces[-1].window_ends_at)
        with self.db.session() as session:
            added = insert_if_absent(
                session,
                StandbyAcknowledgement.__table__,
                {"roster_id": roster.id, "shift_key": key, "user_id": user, "at": now},
            )
            if not added:
                return Change("You have already acknowledged this window.", changed=False)
            due = out.post_refresh(roster, key, f"ack-{user}", now)
            Ledger.enqueue(session, due, now)
        return Change("Acknowledged: thanks, you're on.", [due.key])

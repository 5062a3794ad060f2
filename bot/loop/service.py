"""Loop-of-Loops operations. Each write runs in one transaction that also enqueues the
deliveries it causes in the ledger; callers deliver the returned keys right away."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.change import Change
from bot.clock import Clock
from bot.config import OrgConfig, Team
from bot.db.engine import Database
from bot.db.upsert import insert_if_absent
from bot.errors import Refusal
from bot.ledger import Ledger, Sent
from bot.loop import deliveries as out
from bot.loop.models import (
    DONE,
    OPEN,
    REPLACED,
    STATUSES,
    WITHDRAWN,
    ClosedWeek,
    LoopAsk,
    LoopUpdate,
)
from bot.loop.weeks import LoopWeek, current_week, loop_week, parse_week
from bot.slack.escaping import code

MAX_TEXT = 2500


class LoopError(Refusal):
    """A refusal to show to the person who asked; str() is the line."""


@dataclass(frozen=True)
class WeekState:
    """Where a week stands: whether its prompts were owed at all (a bot first started after
    the week's digest time sends none), and where its digest is: posted (the week is
    closed), going out right now, or still owed. None of the three when it was never owed
    (the bot was not running at the digest time) or could not be posted."""

    week: LoopWeek
    prompted: bool
    posted: bool
    going_out: bool
    owed: bool
    channel: bool  # a loop channel is configured: without one no digest is posted

    @property
    def closed(self) -> bool:
        """No update is taken for the week any more."""
        return self.posted or self.going_out


@dataclass(frozen=True)
class Need:
    teams: tuple[str, ...]
    text: str


def is_closed(session: Session, week: str, *, now: dt.datetime, hold: bool = False) -> bool:
    """Closed once the digest is posted (the week is recorded closed: `close_week`), and
    while it is being sent at `now` (its delivery claimed): an update saved then would miss
    it. With `hold`, the digest's delivery is kept from being claimed until the caller's
    transaction ends, so that an update being saved is committed before the digest is
    rendered and the digest includes it (Ledger.is_being_sent)."""
    # The ledger first: a digest recorded sent after this read is found closed below.
    going_out = Ledger.is_being_sent(session, out.digest_key(week), now, hold=hold)
    return going_out or is_posted(session, week)


def is_posted(session: Session, week: str) -> bool:
    """The week's digest is posted: the week is closed for good."""
    return session.get(ClosedWeek, week) is not None


def close_week(session: Session, digest: Sent) -> None:
    """The week's digest is recorded sent: the week is closed, in that same transaction (the
    ledger calls this for each `loop_digest` delivery it records sent)."""
    week = digest.args["week"]
    insert_if_absent(session, ClosedWeek.__table__, {"week": week, "closed_at": digest.at})


def latest_updates(session: Session, week: str) -> dict[str, LoopUpdate]:
    """Each team's last submission of the week (one statement)."""
    rows = session.scalars(
        select(LoopUpdate).where(LoopUpdate.week == week).order_by(LoopUpdate.id)
    )
    return {row.team_id: row for row in rows}


class LoopService:
    def __init__(self, db: Database, config: OrgConfig, clock: Clock):
        self.db = db
        self.config = config
        self.clock = clock

    # -- who and when ---------------------------------------------------------------
    def week(self, week: str | None = None) -> LoopWeek:
        return loop_week(self.config, week) if week else current_week(self.config, self.clock.now())

    def teams_of(self, user: str) -> list[Team]:
        """The teams `user` may answer for: their own, or every team for an admin."""
        if self.config.is_admin(user):
            return list(self.config.teams)
        return [t for t in self.config.teams if t.pm == user]

    def team(self, team_id: str) -> Team:
        team = self.config.team(team_id)
        if team is None:
            known = ", ".join(t.id for t in self.config.teams) or "none configured"
            raise LoopError(f"There is no team {code(team_id)} (teams: {known}).")
        return team

    def answerable(self, user: str, team_id: str | None) -> list[Team]:
        """The teams to offer `user` in the update modal (refuses when there is none)."""
        if team_id:
            team = self.team(team_id)
            self.check_pm(user, team)
            return [team]
        teams = self.teams_of(user)
        if not teams:
            raise LoopError("Only a team's PM answers the Loop of Loops, and you are not one.")
        return teams

    def check_pm(self, user: str, team: Team) -> None:
        if user != team.pm and not self.config.is_admin(user):
            raise LoopError(
                f"Only {team.name}'s PM (<@{team.pm}>) or an admin answers for {team.name}."
            )

    def check_open(self, session: Session, week: str) -> None:
        if is_closed(session, week, now=self.clock.now(), hold=True):
            raise LoopError(
                f"The digest of {week} is posted already (or going out now): that week is closed. "
                "The next week opens with its prompt."
            )

    # -- reading --------------------------------------------------------------------
    def current_update(self, team_id: str, week: str) -> LoopUpdate | None:
        with self.db.read() as session:
            return latest_updates(session, week).get(team_id)

    def week_is_closed(self, week: str) -> bool:
        with self.db.read() as session:
            return is_closed(session, week, now=self.clock.now())

    def week_state(self, week: LoopWeek) -> WeekState:
        digest = out.digest_key(week.id)
        with self.db.read() as session:
            prompted = Ledger.any_enqueued(session, out.prompt_key(week.id, ""))
            # The ledger first: a digest recorded sent after these reads is found posted.
            owed = Ledger.is_owed(session, digest)
            going_out = Ledger.is_being_sent(session, digest, self.clock.now())
            posted = is_posted(session, week.id)
        channel = bool(self.config.channels.loop)
        return WeekState(week, prompted, posted, going_out, owed, channel)

    def unanswered(self, week: str) -> list[Team]:
        answered = self.answered(week)
        return [t for t in self.config.teams if t.id not in answered]

    def answered(self, week: str) -> dict[str, LoopUpdate]:
        with self.db.read() as session:
            return latest_updates(session, week)

    def history(self, team_id: str, weeks: int = 8) -> list[LoopUpdate]:
        """The team's last submission of each of its latest `weeks` weeks, newest first."""
        with self.db.read() as session:
            rows = session.scalars(
                select(LoopUpdate)
                .where(LoopUpdate.team_id == team_id)
                .order_by(LoopUpdate.week.desc(), LoopUpdate.id.desc())
            )
            latest: dict[str, LoopUpdate] = {}
            for row in rows:
                latest.setdefault(row.week, row)
                if len(latest) > weeks:
                    break
        return list(latest.values())[:weeks]

    # -- writing --------------------------------------------------------------------
    def submit(
        self,
        user: str,
        team_id: str,
        week: str,
        *,
        working_on: str,
        needs: list[Need],
        roadblocks: str,
        status: str,
        key: str,
    ) -> Change:
        team = self.team(team_id)
        self.check_pm(user, team)
        parse_week(week)
        working_on, roadblocks = working_on.strip(), roadblocks.strip()
        if not working_on:
            raise LoopError("The update is empty: write what the team is working on.")
        if status not in STATUSES:
            raise LoopError("Choose a status: on track, at risk or blocked.")
        if max(len(working_on), len(roadblocks), *(len(n.text) for n in needs)) > MAX_TEXT:
            raise LoopError(f"Keep each field within {MAX_TEXT} characters.")
        for need in needs:
            for asked in need.teams:
                self.team(asked)
                if asked == team.id:
                    raise LoopError(f"{team.name} cannot ask itself; name another team.")
        now = self.clock.now()
        with self.db.session() as session:
            self.check_open(session, week)
            values: dict[str, Any] = {
                "week": week,
                "team_id": team.id,
                "author": user,
                "submitted_at": now,
                "status": status,
                "working_on": working_on,
                "roadblocks": roadblocks,
                "needs": [{"teams": list(n.teams), "text": n.text} for n in needs],
                "submit_key": key,
            }
            if not insert_if_absent(session, LoopUpdate.__table__, values):
                return Change(f"{team.name}'s update for {week} is saved already.", changed=False)
            row = session.scalar(select(LoopUpdate).where(LoopUpdate.submit_key == key))
            assert row is not None
            self._sync_asks(session, row, user)
            dues = [out.saved(week, team, user, row.id, now)]
            # The prompt DM was owed (it is sent, or will be): show the answer in it.
            if Ledger.was_enqueued(session, out.prompt_key(week, team.id)):
                dues.append(out.prompt_answered(self.week(week), team, row.id, now))
            for due in dues:
                Ledger.enqueue(session, due, now)
        edit = "You can edit it until the digest is posted."
        return Change(f"Saved {team.name}'s update for {week}. {edit}", [d.key for d in dues])

    def _sync_asks(self, session: Session, row: LoopUpdate, user: str) -> None:
        """Asks this week's earlier submissions opened and this one dropped are replaced; new
        ones are opened; ones kept (even done ones) are left as they are."""
        wanted = {(asked, n["text"]) for n in row.needs for asked in n["teams"]}
        earlier = session.scalars(
            select(LoopAsk).where(
                LoopAsk.week == row.week,
                LoopAsk.from_team == row.team_id,
                LoopAsk.status.in_((OPEN, DONE)),
            )
        ).all()
        kept = set()
        for ask in earlier:
            if (ask.to_team, ask.text) in wanted:
                kept.add((ask.to_team, ask.text))
            elif ask.status == OPEN:
                ask.status, ask.closed_by, ask.closed_at = REPLACED, user, row.submitted_at
        for asked, text in sorted(wanted - kept):
            session.add(
                LoopAsk(
                    week=row.week,
                    from_team=row.team_id,
                    to_team=asked,
                    text=text,
                    update_id=row.id,
                    status=OPEN,
                    opened_by=user,
                    opened_at=row.submitted_at,
                )
            )

    def close_ask(self, user: str, ask_id: int, how: str) -> Change:
        """`done` by the asked team's PM, `withdraw` by the asking team's PM (or an admin)."""
        with self.db.session() as session:
            ask = session.get(LoopAsk, ask_id)
            if ask is None:
                raise LoopError("That ask does not exist any more.")
            if ask.status != OPEN:
                return Change(f"That ask is {ask.status} already.", changed=False)
            owner = self.team(ask.to_team if how == "done" else ask.from_team)
            if user != owner.pm and not self.config.is_admin(user):
                who = "asked" if how == "done" else "asking"
                raise LoopError(
                    f"Only the {who} team's PM (<@{owner.pm}>) or an admin can do that."
                )
            session.execute(
                update(LoopAsk)
                .where(LoopAsk.id == ask_id, LoopAsk.status == OPEN)
                .values(
                    status=DONE if how == "done" else WITHDRAWN,
                    closed_by=user,
                    closed_at=self.clock.now(),
                )
            )
        verb = "Marked done" if how == "done" else "Withdrew"
        return Change(
            f"{verb}: the ask of {self.team(ask.from_team).name} to {self.team(ask.to_team).name}."
        )

    def check_digest_now(self, user: str, week: str) -> None:
        """Refuse `/lol digest` (post now) to anyone but an admin, without a loop channel,
        for a week that is not the current one, or once the week's digest is out."""
        if not self.config.is_admin(user):
            raise LoopError("Only an admin posts the digest early; `/lol digest preview` shows it.")
        if not self.config.channels.loop:
            raise LoopError("No loop channel is configured (`channels.loop`).")
        if week != self.week().id:
            raise LoopError(f"{week} is over: `/lol digest` posts the current week's digest.")
        if self.week_is_closed(week):
            raise LoopError(f"The digest of {week} is posted already.")

    def post_digest_now(self, user: str, parts: int, week_id: str | None = None) -> Change:
        week = self.week()
        self.check_digest_now(user, week_id or week.id)
        with self.db.session() as session:
            self.check_open(session, week.id)
            now = self.clock.now()
            dues = out.digest(week, self.config, parts, at=now)
            for due in dues:
                Ledger.enqueue(session, due, now)
        return Change(f"Posting the digest of {week.id} now.", [d.key for d in dues])

"""Escalation: page whoever is on standby, then up the roster's levels until someone
acknowledges. Every move is a compare-and-set on the chain's (status, level, loop), so two
schedulers never page the same level twice and an ack racing a step is settled by the
database: whichever commits first wins, the other finds the chain changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.change import Change
from bot.clock import Clock
from bot.config import OrgConfig, Roster
from bot.db.engine import Database
from bot.db.upsert import rows_matched
from bot.escalation import deliveries as out
from bot.escalation.levels import EscalationError, next_level, roster_for
from bot.escalation.models import ACKNOWLEDGED, ACTIVE, EXHAUSTED, STOPPED, Escalation, Page
from bot.incidents import deliveries as incident_out
from bot.incidents.models import Incident
from bot.incidents.render import paged_target
from bot.incidents.service import Actor, IncidentService
from bot.ledger import Ledger
from bot.standby.schedule import Shift, on_standby
from bot.standby.service import StandbyService

OFF_HOURS = (
    "Nobody is on standby now (outside the peak windows), so the page went to the first "
    "level that names a person."
)


def _stamp(now: dt.datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%f")


# What another domain does when a chain moves, inside the transaction that moves it; it
# returns the ledger keys it owes. Registered by the composition root (bot/app.py).
ChainHook = Callable[[Session, Escalation, dt.datetime], list[str]]
PageHook = Callable[[Escalation, Page], None]


class EscalationService:
    def __init__(
        self,
        db: Database,
        config: OrgConfig,
        incidents: IncidentService,
        standby: StandbyService,
        clock: Clock,
    ):
        self.db = db
        self.config = config
        self.incidents = incidents
        self.standby = standby
        self.clock = clock
        self.when_acknowledged: list[ChainHook] = []
        self.when_exhausted: list[ChainHook] = []
        self.when_paged: list[PageHook] = []  # after the page's row is written (metrics)

    def on_duty(self, roster: Roster, at: dt.datetime) -> Shift | None:
        """The roster's shift at `at`, overrides and swaps applied (None off-hours)."""
        overrides, swaps = self.standby.changes(roster)
        return on_standby(roster, self.standby.zone(roster), at, overrides, swaps)

    # -- starting ----------------------------------------------------------------
    def start(
        self, ref: int | None, actor: Actor, target: str | None = None, reason: str = ""
    ) -> Change:
        now = self.clock.now()
        with self.db.session() as session:
            incident = self.incidents.find(session, ref, actor)
            if not incident.is_open:
                raise EscalationError(
                    f"{incident.ref} is resolved; there is nobody to page for it."
                )
            roster = roster_for(self.config, incident, target)
            running = session.scalar(
                select(Escalation).where(
                    Escalation.incident_id == incident.id, Escalation.status == ACTIVE
                )
            )
            if running is not None:
                raise EscalationError(
                    f"{incident.ref} is already paging {roster.name}; wait for an answer."
                )
            shift = self.on_duty(roster, now)
            first = next_level(roster, -1, 0, shift)
            if first is None:
                raise EscalationError(
                    f"Nobody on {roster.name} can be reached: no level names anyone."
                )
            chain = Escalation(incident_id=incident.id, reason=reason, started_by=actor.user_id)
            keys = self._begin(session, chain, roster, first, now, incident)
        note = f" {OFF_HOURS}" if shift is None else ""
        who = first[2]
        return Change(f"Paged {paged_target(who)} on {roster.name} for {incident.ref}.{note}", keys)

    def start_about(
        self,
        session: Session,
        roster: Roster,
        *,
        about: str,
        about_channel: str,
        started_by: str,
        off_hours: bool = True,
    ) -> tuple[Escalation, list[str]] | None:
        """Page `roster` for something that is not an incident (an alert group), in the
        caller's transaction: `about` is the line the page shows (mrkdwn, escaped), and
        `about_channel` where it is. Outside the roster's windows, the first level that
        names a person is paged when `off_hours`, else nobody. None when nobody is paged."""
        now = self.clock.now()
        shift = self.on_duty(roster, now)
        first = next_level(roster, -1, 0, shift)
        if first is None or (shift is None and not off_hours):
            return None
        chain = Escalation(about=about, about_channel=about_channel, started_by=started_by)
        return chain, self._begin(session, chain, roster, first, now, None)

    def _begin(
        self,
        session: Session,
        chain: Escalation,
        roster: Roster,
        first: tuple[int, int, str],
        now: dt.datetime,
        incident: Incident | None,
    ) -> list[str]:
        level, loop, who = first
        chain.roster_id = roster.id
        chain.started_at = now
        chain.status = ACTIVE
        chain.level, chain.loop = level, loop
        session.add(chain)
        session.flush()
        return self._page(session, incident, roster, chain, who, now)

    def _page(
        self,
        session: Session,
        incident: Incident | None,
        roster: Roster,
        chain: Escalation,
        who: str,
        now: dt.datetime,
    ) -> list[str]:
        page = Page(
            escalation_id=chain.id,
            level=chain.level,
            loop=chain.loop,
            target=who,
            paged_at=now,
            outcome="waiting",
        )
        session.add(page)
        session.flush()
        chain.next_step_at = now + dt.timedelta(minutes=roster.escalation.ack_minutes)
        dues = [out.page(page, chain.about_channel or self.config.channels.incidents, now)]
        if incident is not None and who != "channel":
            # an invitation to the incident channel rides on the page's own key
            dues.append(incident_out.invite(incident, who, f"page{page.id}", now))
        for due in dues:
            Ledger.enqueue(session, due, now)
        keys = [due.key for due in dues]
        for hook in self.when_paged:
            hook(chain, page)
        if incident is None:
            return keys
        if incident.paged_at is None:
            incident.paged_at = now
        text = chain.reason if chain.reason else ""
        keys += self.incidents.record(
            session,
            incident,
            chain.started_by,
            "paged",
            text,
            {"target": who, "roster": roster.id, "level": chain.level, "loop": chain.loop},
        )
        return keys

    # -- moving on ---------------------------------------------------------------
    def step_due(self, now: dt.datetime | None = None) -> int:
        """Move every chain whose page went unanswered for `ack_minutes` to its next level."""
        now = now or self.clock.now()
        with self.db.read() as session:
            due = session.execute(
                select(Escalation.id, Escalation.level, Escalation.loop).where(
                    Escalation.status == ACTIVE, Escalation.next_step_at <= now
                )
            ).all()
        moved = 0
        for chain_id, level, loop in due:
            moved += bool(self._advance(chain_id, level, loop, "no_answer", None))
        return moved

    def _advance(
        self, chain_id: int, level: int, loop: int, outcome: str, actor: str | None
    ) -> list[str] | None:
        """Leave (level, loop) for the next reachable level, or give up; None if the chain had
        already moved (another scheduler, an ack or a decline got there first)."""
        now = self.clock.now()
        with self.db.session(background=actor is None) as session:
            chain = session.get(Escalation, chain_id)
            roster = self.config.roster(chain.roster_id) if chain else None
            if chain is None or roster is None:
                return None
            incident = None
            if chain.incident_id is not None:
                incident = session.get(Incident, chain.incident_id)
                if incident is None or not incident.is_open:
                    session.execute(
                        update(Escalation)
                        .where(Escalation.id == chain_id, Escalation.status == ACTIVE)
                        .values(status=STOPPED, next_step_at=None)
                        .execution_options(synchronize_session=False)
                    )
                    return None
            declined = frozenset(
                session.scalars(
                    select(Page.target).where(
                        Page.escalation_id == chain_id, Page.outcome == "declined"
                    )
                )
            ) | ({actor} if outcome == "declined" and actor else set())
            following = next_level(roster, level, loop, self.on_duty(roster, now), declined)
            values = (
                {"level": following[0], "loop": following[1]}
                if following
                else {"status": EXHAUSTED, "next_step_at": None}
            )
            won = rows_matched(
                session,
                update(Escalation)
                .where(
                    Escalation.id == chain_id,
                    Escalation.status == ACTIVE,
                    Escalation.level == level,
                    Escalation.loop == loop,
                )
                .values(**values)
                .execution_options(synchronize_session=False),
            )
            if won != 1:
                return None
            session.refresh(chain)
            keys = self._close_page(session, chain_id, level, loop, outcome, now)
            if outcome == "declined" and actor and incident is not None:
                keys += self.incidents.record(session, incident, actor, "declined", roster.name)
            if following:
                keys += self._page(session, incident, roster, chain, following[2], now)
            else:
                keys += self._exhausted(session, incident, roster, chain, declined, actor)
            return keys

    def _exhausted(
        self,
        session: Session,
        incident: Incident | None,
        roster: Roster,
        chain: Escalation,
        declined: frozenset[str],
        actor: str | None,
    ) -> list[str]:
        """Nobody is left to page: the incident channel hears it in its timeline, and
        whoever escalated by DM; a chain about something else tells its hooks."""
        now = self.clock.now()
        if incident is None:
            return [key for hook in self.when_exhausted for key in hook(session, chain, now)]
        data = {"roster": roster.id, "declined": sorted(declined)}
        keys = self.incidents.record(
            session, incident, actor or "system", "unanswered", roster.name, data
        )
        if chain.started_by.startswith(("U", "W")):
            due = out.nobody_left(chain, incident, now)
            Ledger.enqueue(session, due, now)
            keys.append(due.key)
        return keys

    def _close_page(
        self, session: Session, chain_id: int, level: int, loop: int, outcome: str, now: dt.datetime
    ) -> list[str]:
        page = session.scalar(
            select(Page).where(
                Page.escalation_id == chain_id, Page.level == level, Page.loop == loop
            )
        )
        if page is None or page.outcome != "waiting":
            return []
        page.outcome, page.answered_at = outcome, now
        due = out.page_refresh(page, _stamp(now), now)
        Ledger.enqueue(session, due, now)
        return [due.key]

    # -- stopping ----------------------------------------------------------------
    def stop(self, session: Session, chain_id: int) -> list[str]:
        """Stop a chain whose subject is over (an alert group resolved), in the caller's
        transaction: nobody more is paged, and the waiting page says so instead of asking."""
        now = self.clock.now()
        won = rows_matched(
            session,
            update(Escalation)
            .where(Escalation.id == chain_id, Escalation.status.in_([ACTIVE, EXHAUSTED]))
            .values(status=STOPPED, next_step_at=None)
            .execution_options(synchronize_session=False),
        )
        if won != 1:
            return []
        keys = []
        for page in session.scalars(
            select(Page).where(Page.escalation_id == chain_id, Page.outcome == "waiting")
        ):
            page.outcome, page.answered_at = "resolved", now
            due = out.page_refresh(page, _stamp(now), now)
            Ledger.enqueue(session, due, now)
            keys.append(due.key)
        return keys

    # -- answering ---------------------------------------------------------------
    def _chain_for(
        self, session: Session, chain_id: int, user: str, anyone: bool = False
    ) -> tuple[Escalation, list[Page]]:
        chain = session.get(Escalation, chain_id)
        if chain is None:
            raise EscalationError("That page is not known.")
        pages = list(
            session.scalars(select(Page).where(Page.escalation_id == chain_id).order_by(Page.id))
        )
        paged = any(p.target == user for p in pages)
        if not (anyone or paged or self.config.is_admin(user)):
            raise EscalationError(
                "You were not paged for this incident, so there is nothing for you to answer."
            )
        return chain, pages

    def acknowledge(self, chain_id: int, user: str, *, anyone: bool = False) -> Change:
        """`user` takes the page: the chain stops moving. Only someone paged (or an admin)
        may, unless `anyone` (the Acknowledge of an alert message, in the alerts channel)."""
        now = self.clock.now()
        with self.db.session() as session:
            chain, pages = self._chain_for(session, chain_id, user, anyone)
            incident = None
            if chain.incident_id is not None:
                incident = session.get(Incident, chain.incident_id)
                if incident is None:
                    raise EscalationError("That page is not known.")
            what = incident.ref if incident else "this alert"
            if chain.status == ACKNOWLEDGED:
                who = "You" if chain.acknowledged_by == user else f"<@{chain.acknowledged_by}>"
                return Change(f"{who} acknowledged {what} already.", changed=False)
            if chain.status == STOPPED and incident is None:
                return Change("The alert resolved already; nothing to acknowledge.", changed=False)
            won = rows_matched(
                session,
                update(Escalation)
                .where(Escalation.id == chain_id, Escalation.status.in_([ACTIVE, EXHAUSTED]))
                .values(
                    status=ACKNOWLEDGED,
                    acknowledged_by=user,
                    acknowledged_at=now,
                    next_step_at=None,
                )
                .execution_options(synchronize_session=False),
            )
            if won != 1:
                return Change(f"{what} is no longer paging anyone.", changed=False)
            session.refresh(chain)
            keys = []
            for page in pages:
                if page.outcome == "waiting" or page.target == user:
                    page.outcome = "acknowledged" if page.target == user else "answered_by_other"
                    page.answered_at = now
                    due = out.page_refresh(page, _stamp(now), now)
                    Ledger.enqueue(session, due, now)
                    keys.append(due.key)
            for hook in self.when_acknowledged:
                keys += hook(session, chain, now)
            if incident is None:
                return Change("Acknowledged the alert: you're on it. Thanks!", keys)
            if incident.acknowledged_at is None:
                incident.acknowledged_at = now
            took = now - chain.started_at
            keys += self.incidents.record(
                session,
                incident,
                user,
                "acknowledged",
                "",
                {"after_seconds": int(took.total_seconds())},
            )
        return Change(f"Acknowledged {incident.ref}: you're on it. Thanks!", keys)

    def decline(self, chain_id: int, user: str) -> Change:
        with self.db.read() as session:
            chain, pages = self._chain_for(session, chain_id, user)
            current = next(
                (p for p in pages if p.level == chain.level and p.loop == chain.loop), None
            )
        if chain.status != ACTIVE or current is None or current.target != user:
            return Change("The page has moved on already; nothing changed.", changed=False)
        keys = self._advance(chain_id, chain.level, chain.loop, "declined", user)
        if keys is None:
            return Change("The page has moved on already; nothing changed.", changed=False)
        return Change("Understood: the page moves on to the next level.", keys)

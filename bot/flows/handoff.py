"""A standby window's handoff, gathered across domains: what happened on the roster during
the window (its alert groups, its pages and who acknowledged them, the incidents declared
then or still open at its end, the window's own acknowledgement) and what is left for
whoever is on next (incidents still open, groups still firing, pages nobody acknowledged).

Each domain answers through its reading functions (bot/escalation/reading.py,
bot/alerts/reading.py, bot/incidents/reading.py); the ledger sends the note under the keys
of bot/standby/handoff_deliveries.py, rendered at send time by `handoff_renderers` (its
Block Kit: bot/flows/handoff_render.py). What happened is judged at the window's end; what
is left, as it stands when the note is sent (a note sent late leaves out what was settled
meanwhile).

An incident belongs to a roster's handoff when its team's roster is that roster, when it
has no team (it concerns everyone on standby), when the roster was paged for it during the
window, or when one of the roster's alert groups declared it."""

from __future__ import annotations

from typing import Any

from bot.alerts.reading import episodes_of_roster
from bot.config import Roster
from bot.escalation.reading import RosterPage, pages_of_roster
from bot.flows import handoff_render
from bot.flows.handoff_terms import Handoff, IncidentNote, PagedChain
from bot.incidents.reading import IncidentRead, declared_or_open
from bot.ledger import Ledger
from bot.ledger.sender import Renderer, SkipDelivery
from bot.slack import timefmt
from bot.standby.deliveries import post_key
from bot.standby.handoff_deliveries import RENDER, following
from bot.standby.schedule import Shift
from bot.standby.service import StandbyService, on_shift

ALERTS_READ = 40  # alert groups read at most (the note shows fewer, and counts the rest)


def _chains(pages: list[RosterPage], incidents: dict[int, IncidentRead]) -> list[PagedChain]:
    grouped: dict[int, list[RosterPage]] = {}
    for page in pages:
        grouped.setdefault(page.chain_id, []).append(page)
    found = []
    for chain_pages in grouped.values():
        first = chain_pages[0]
        incident_id = first.incident_id
        found.append(
            PagedChain(
                chain_id=first.chain_id,
                incident=incidents.get(incident_id) if incident_id is not None else None,
                about=first.about,
                targets=tuple(dict.fromkeys(p.target for p in chain_pages)),
                first_paged_at=first.paged_at,
                status=first.chain_status,
                acknowledged_by=first.acknowledged_by,
                acknowledged_at=first.acknowledged_at,
            )
        )
    return found


def _belongs(roster: Roster, standby: StandbyService, incident: IncidentRead) -> bool:
    if incident.team_id is None:
        return True
    team = standby.config.team(incident.team_id)
    return team is None or team.roster in (None, roster.id)


def gather(
    standby: StandbyService, roster: Roster, pieces: list[Shift], upcoming: Shift | None
) -> Handoff:
    """The handoff of the window occurrence made of `pieces` (overrides and swaps applied)
    to whoever is on `upcoming`."""
    first = pieces[0]
    key, starts_at, ends_at = first.key, first.window_starts_at, first.window_ends_at
    db, config = standby.db, standby.config
    pages = pages_of_roster(db, roster.id, starts_at, ends_at)
    watched = bool(config.alerts.sources)
    groups = episodes_of_roster(db, roster.id, starts_at, ends_at, ALERTS_READ) if watched else None
    from_alerts = {
        int(g.incident_ref.removeprefix("INC-"))
        for g in (groups.groups if groups else [])
        if g.incident_ref
    }
    paged_for = {p.incident_id for p in pages if p.incident_id is not None}
    incidents = {
        i.id: i for i in declared_or_open(db, starts_at, ends_at, also=paged_for | from_alerts)
    }
    notes = [
        IncidentNote(
            incident,
            declared_in_window=starts_at <= incident.declared_at < ends_at,
            open_at_end=incident.open_at(ends_at),
        )
        for incident in incidents.values()
        if (incident.id in paged_for or incident.id in from_alerts)
        or (
            _belongs(roster, standby, incident)
            and (starts_at <= incident.declared_at < ends_at or incident.open_at(ends_at))
        )
    ]
    return Handoff(
        roster_id=roster.id,
        roster_name=roster.name,
        key=key,
        starts_at=starts_at,
        ends_at=ends_at,
        on_standby=tuple(dict.fromkeys(p for piece in pieces for p in piece.people)),
        acknowledged=standby.acknowledged_by(key),
        upcoming=upcoming,
        alerts_watched=watched,
        alerts=tuple(groups.groups) if groups else (),
        alerts_total=groups.total if groups else 0,
        chains=tuple(_chains(pages, incidents)),
        incidents=tuple(notes),
    )


def handoff_renderers(standby: StandbyService) -> dict[str, Renderer]:
    """`standby.handoff`: the note in the thread of the window's post (skipped when the post
    was never sent), or, with `user`, the DM to a person on the next shift (skipped when a
    change since took them off it)."""

    def build(
        roster_id: str, key: str, user: str | None = None, next_key: str | None = None
    ) -> dict[str, Any]:
        roster = standby.config.roster(roster_id)
        if roster is None:
            raise SkipDelivery(f"roster {roster_id} is no longer configured")
        pieces = standby.occurrence(roster, key)
        if not pieces:
            raise SkipDelivery(f"{key} no longer happens (skip date or changed windows)")
        if user is None:
            with standby.db.read() as session:
                if not Ledger.sent_or_owed(session, post_key(key)):
                    raise SkipDelivery(f"the post of {key} was never sent: no thread to note in")
            upcoming = following(standby, roster, pieces[-1])
        else:
            theirs = standby.occurrence(roster, next_key) if next_key else []
            if not any(on_shift(piece, user) for piece in theirs):
                raise SkipDelivery(f"{user} is no longer on the shift after {key}")
            upcoming = theirs[0]
        handoff = gather(standby, roster, pieces, upcoming)
        zone = timefmt.org_zone(standby.config)
        message = handoff_render.note(handoff, zone, reader=user)
        return {"channel": user, **message} if user else message

    return {RENDER: build}

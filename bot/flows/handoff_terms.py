"""What a standby window's handoff says, as plain values: the pages of the roster's chains,
the incidents it concerns and the window itself (gathered by bot/flows/handoff.py, rendered
by bot/flows/handoff_render.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.alerts.reading import GroupRead
from bot.escalation.models import ACTIVE, EXHAUSTED
from bot.incidents.reading import IncidentRead
from bot.standby.schedule import Shift


@dataclass(frozen=True)
class PagedChain:
    """An escalation chain of the roster that paged someone during the window."""

    chain_id: int
    incident: IncidentRead | None  # an incident's page, else `about`
    about: str  # mrkdwn, escaped by the domain that started the chain
    targets: tuple[str, ...]  # who was paged in the window (a user id, or "channel")
    first_paged_at: dt.datetime
    status: str  # the chain's, now: active | acknowledged | exhausted | stopped
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None

    @property
    def unanswered(self) -> bool:
        """Nobody took it, and it still asks for someone: left for the next person."""
        if self.status not in (ACTIVE, EXHAUSTED):
            return False
        return self.incident is None or self.incident.is_open


@dataclass(frozen=True)
class IncidentNote:
    incident: IncidentRead
    declared_in_window: bool
    open_at_end: bool


@dataclass(frozen=True)
class Handoff:
    roster_id: str
    roster_name: str  # from the configuration: escape it
    key: str  # the window occurrence
    starts_at: dt.datetime
    ends_at: dt.datetime
    on_standby: tuple[str, ...]  # who was on during the window
    acknowledged: dict[str, dt.datetime]  # the window's standby acknowledgements
    upcoming: Shift | None  # the next shift, overrides and swaps applied
    alerts_watched: bool  # an `alerts:` section is configured
    alerts: tuple[GroupRead, ...]  # the groups that fired or were firing, oldest first
    alerts_total: int  # more than `alerts` when clipped
    chains: tuple[PagedChain, ...]
    incidents: tuple[IncidentNote, ...]

    @property
    def quiet(self) -> bool:
        return not (self.alerts_total or self.chains or self.incidents)

    @property
    def open_incidents(self) -> list[IncidentRead]:
        return [n.incident for n in self.incidents if n.open_at_end and n.incident.is_open]

    @property
    def firing_alerts(self) -> list[GroupRead]:
        return [group for group in self.alerts if group.firing]

    @property
    def unanswered_pages(self) -> list[PagedChain]:
        """Pages nobody took, but not those of an open incident or a firing group listed
        already: each thing left is named once."""
        listed = {group.chain_id for group in self.firing_alerts}
        listed |= {chain.chain_id for chain in self.chains if chain.incident in self.open_incidents}
        return [c for c in self.chains if c.unanswered and c.chain_id not in listed]

    @property
    def anything_left(self) -> bool:
        return bool(self.open_incidents or self.firing_alerts or self.unanswered_pages)

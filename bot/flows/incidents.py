"""Incident flows: declaring an incident, and paging standby for it when the declarer asks
to or when its severity always pages (`incidents.page_on_declare` in the configuration);
giving an incident role to a person (whom Slack must know as one)."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from bot.change import Change
from bot.config import OrgConfig
from bot.errors import Refusal
from bot.escalation.service import EscalationService
from bot.incidents.models import Incident
from bot.incidents.service import Actor, IncidentService
from bot.slack.people import People

log = logging.getLogger(__name__)


class PagingOutcome(enum.Enum):
    """What became of paging standby for a declared incident."""

    NOT_ASKED = "not asked"  # not wanted and not the severity's policy, or declared before
    PAGED = "paged"
    REFUSED = "refused"  # the escalation refused: nobody could be paged, and why
    FAILED = "failed"  # paging broke: the incident stands, nobody was paged


@dataclass(frozen=True)
class Paging:
    outcome: PagingOutcome
    line: str = ""  # PAGED: whom (the escalation's line); REFUSED: why nobody
    error: Exception | None = None  # FAILED: what paging raised (logged already)


NOT_ASKED = Paging(PagingOutcome.NOT_ASKED)


@dataclass(frozen=True)
class Declared:
    """What declaring did: the incident (new, or the one declared under the same key
    before), the declare's Change (the page's deliveries added to its own), and what became
    of paging."""

    incident: Incident
    change: Change
    paging: Paging


class IncidentFlows:
    def __init__(
        self,
        config: OrgConfig,
        incidents: IncidentService,
        escalations: EscalationService,
        people: People,
    ):
        self.config = config
        self.incidents = incidents
        self.escalations = escalations
        self.people = people

    def declare(
        self,
        actor: Actor,
        *,
        title: str,
        severity: str,
        key: str,
        team_id: str | None = None,
        description: str = "",
        page: bool = False,
    ) -> Declared:
        """Declare an incident (once per `key`), then page standby for it when `page` is
        asked for or its severity always pages. A refusal or failure of the declare itself
        is raised (nothing was declared); paging's are in the answer (the incident stands)."""
        incident, change = self.incidents.declare(
            actor,
            title=title,
            severity=severity,
            key=key,
            team_id=team_id,
            description=description,
        )
        paging = self._page_on_declare(incident, change, actor, wanted=page)
        return Declared(incident, change, paging)

    def _page_on_declare(
        self, incident: Incident, change: Change, actor: Actor, *, wanted: bool
    ) -> Paging:
        if not change.changed:  # declared before: paged then, if at all
            return NOT_ASKED
        if not (wanted or incident.severity in self.config.incidents.page_on_declare):
            return NOT_ASKED
        try:
            paged = self.escalations.start(incident.id, actor, None, "declared")
        except Refusal as exc:
            return Paging(PagingOutcome.REFUSED, str(exc))
        except Exception as error:
            log.exception("paging on declare failed for %s", incident.ref)
            return Paging(PagingOutcome.FAILED, error=error)
        change.deliveries.extend(paged.deliveries)
        return Paging(PagingOutcome.PAGED, paged.message)

    def assign(self, ref: int | None, actor: Actor, role: str, user_id: str) -> Change:
        """Give an incident role to `user_id`: roles go to people, not to bots or to ids
        Slack does not know (users.info, asked before the incident is touched)."""
        self.people.require_person(user_id)
        return self.incidents.assign(ref, actor, role, user_id)

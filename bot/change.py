"""What an operation asked for in Slack did: one type for every domain (incidents, standby,
escalation, the loop) and for the flows that cross them (bot/flows/)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Change:
    """The line for the person who asked, the ledger deliveries the operation owes (to send
    right after the ack), and whether anything changed at all. An operation that also hands
    back what it made returns it beside its Change (`IncidentService.declare`)."""

    message: str
    deliveries: list[str] = field(default_factory=list)
    changed: bool = True

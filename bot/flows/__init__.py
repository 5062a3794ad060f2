"""Flows that cross domains: an operation asked for once that involves more than one domain
service (declare an incident, then page standby for it; give a role, once Slack says the
user is a person). Plain Python, below the services object and above the domain packages:
the handlers parse and reply, the flows decide what happens and say so in facts (types,
not wording a handler would have to match), the domain services do it.

`Flows` gathers them by what they start from; the alert flows (an alert that pages, or
declares and then pages) sit beside the incident flows and use them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.alerts import AlertFlows
from bot.flows.incidents import IncidentFlows


@dataclass(frozen=True)
class Flows:
    incidents: IncidentFlows
    alerts: AlertFlows

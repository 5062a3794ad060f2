"""A notification as opsbot reads it, whatever sent it: Alertmanager's webhook (version 4),
Grafana alerting's webhook, the generic `{"key", "status", ...}` body, or a heartbeat's beat.
`bot/alerts/payloads.py` reads each body into these; nothing past it sees a payload."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["firing", "resolved"]
FIRING: Status = "firing"
RESOLVED: Status = "resolved"


@dataclass(frozen=True)
class Link:
    """A link shown on the alert message, labelled. opsbot shows these; it never calls them."""

    label: str  # "Source", "Silence", "Dashboard", "Panel", "Link"
    url: str


@dataclass(frozen=True)
class AlertItem:
    """One alert of a group, as the sender last described it."""

    fingerprint: str  # stable per alert within its source (Alertmanager's, Grafana's, or the key)
    status: Status
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    starts_at: dt.datetime | None = None  # aware UTC
    ends_at: dt.datetime | None = None  # aware UTC; None where the sender gave the zero time
    links: tuple[Link, ...] = ()
    values: dict[str, str] = field(default_factory=dict)  # Grafana's values, shown as text

    @property
    def summary(self) -> str:
        """The line that names the alert: its summary, else description, else its name."""
        for key in ("summary", "description", "message"):
            if self.annotations.get(key):
                return self.annotations[key]
        return self.labels.get("alertname", "") or self.fingerprint


@dataclass(frozen=True)
class Notification:
    """One notification of one alert group: the whole group as the sender sees it now."""

    group_key: str  # Alertmanager's and Grafana's groupKey, or the generic body's key
    status: Status  # the group's: firing while any alert fires
    alerts: tuple[AlertItem, ...]
    truncated: int = 0  # Alertmanager's truncatedAlerts: alerts left out of this body
    title: str = ""  # Grafana's title; else made from the labels (`title_of`)
    message: str = ""  # Grafana's message
    group_labels: dict[str, str] = field(default_factory=dict)
    common_labels: dict[str, str] = field(default_factory=dict)
    common_annotations: dict[str, str] = field(default_factory=dict)

    @property
    def firing(self) -> tuple[AlertItem, ...]:
        return tuple(a for a in self.alerts if a.status == FIRING)

    @property
    def resolved(self) -> tuple[AlertItem, ...]:
        return tuple(a for a in self.alerts if a.status == RESOLVED)

    @property
    def route_labels(self) -> dict[str, str]:
        """The labels routes match: the labels every alert of the group shares."""
        return {**self.group_labels, **self.common_labels}

    @property
    def name(self) -> str:
        """What the group is called on its message: the title, else the common summary,
        else the alert name, else the group's key."""
        if self.title:
            return self.title
        summary = self.common_annotations.get("summary")
        if summary:
            return summary
        name = self.route_labels.get("alertname")
        if name:
            return name
        if len(self.alerts) == 1:
            return self.alerts[0].summary
        return self.group_key

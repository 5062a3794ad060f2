"""The inbox: a notification is stored, as read, before its sender hears 2xx, and acted on
after (right away, or by the next tick after a crash). A notification is kept as JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts.models import AlertInbox
from bot.alerts.terms import AlertItem, Link, Notification, Status
from bot.db.engine import Database


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def to_json(note: Notification) -> dict[str, Any]:
    return {
        "group_key": note.group_key,
        "status": note.status,
        "truncated": note.truncated,
        "title": note.title,
        "message": note.message,
        "group_labels": note.group_labels,
        "common_labels": note.common_labels,
        "common_annotations": note.common_annotations,
        "alerts": [
            {
                "fingerprint": a.fingerprint,
                "status": a.status,
                "labels": a.labels,
                "annotations": a.annotations,
                "starts_at": _when(a.starts_at),
                "ends_at": _when(a.ends_at),
                "links": [[link.label, link.url] for link in a.links],
                "values": a.values,
            }
            for a in note.alerts
        ],
    }


def _status(value: Any) -> Status:
    return "resolved" if value == "resolved" else "firing"


def from_json(data: dict[str, Any]) -> Notification:
    return Notification(
        group_key=data["group_key"],
        status=_status(data["status"]),
        truncated=data.get("truncated", 0),
        title=data.get("title", ""),
        message=data.get("message", ""),
        group_labels=data.get("group_labels", {}),
        common_labels=data.get("common_labels", {}),
        common_annotations=data.get("common_annotations", {}),
        alerts=tuple(
            AlertItem(
                fingerprint=a["fingerprint"],
                status=_status(a["status"]),
                labels=a.get("labels", {}),
                annotations=a.get("annotations", {}),
                starts_at=_moment(a.get("starts_at")),
                ends_at=_moment(a.get("ends_at")),
                links=tuple(Link(label, url) for label, url in a.get("links", [])),
                values=a.get("values", {}),
            )
            for a in data.get("alerts", [])
        ),
    )


def add(
    session: Session,
    source_id: str,
    note: Notification,
    now: dt.datetime,
    *,
    acted_on: bool = False,
) -> int:
    """Keep the notification in the caller's transaction (marked processed when the caller
    acts on it in that same transaction); its inbox id."""
    row = AlertInbox(
        source_id=source_id,
        received_at=now,
        notification=to_json(note),
        processed_at=now if acted_on else None,
    )
    session.add(row)
    session.flush()
    return row.id


def store(db: Database, source_id: str, note: Notification, now: dt.datetime) -> int:
    """Keep the notification (committed when this returns); its inbox id."""
    with db.session(background=True) as session:  # Slack's acks go first
        return add(session, source_id, note, now)


def pending(db: Database, limit: int = 200) -> list[int]:
    """The ids of notifications not acted on yet, oldest first."""
    with db.read() as session:
        return list(
            session.scalars(
                select(AlertInbox.id)
                .where(AlertInbox.processed_at.is_(None))
                .order_by(AlertInbox.id)
                .limit(limit)
            )
        )

"""Heartbeat sources: any POST to the source's URL is a beat. No beat for `expect_every`
opens a firing group "heartbeat missing", which pages like any alert group; the next beat
resolves it. Before its first beat a source is counted from when opsbot started watching
it. Both moves go through the inbox, as any notification does."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts import inbox
from bot.alerts.models import AlertEpisode, AlertGroup, Heartbeat
from bot.alerts.terms import FIRING, RESOLVED, AlertItem, Notification, Status
from bot.config import OrgConfig
from bot.db.engine import Database
from bot.db.upsert import insert_if_absent

GROUP_KEY = "heartbeat-missing"


def every_words(every: dt.timedelta) -> str:
    """`1 day, 2:00:00` as people write it in the configuration: `26h`, `90m`, `45s`."""
    seconds = int(every.total_seconds())
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def missing(source_id: str, status: Status, last_beat_at: dt.datetime, every: str) -> Notification:
    summary = f"No heartbeat from {source_id} since {last_beat_at:%Y-%m-%d %H:%M} UTC"
    item = AlertItem(
        fingerprint=GROUP_KEY,
        status=status,
        labels={"alertname": "HeartbeatMissing", "source": source_id},
        annotations={"summary": summary, "description": f"Expected a beat every {every}."},
        starts_at=last_beat_at,
    )
    return Notification(
        group_key=GROUP_KEY,
        status=status,
        alerts=(item,),
        title=f"Heartbeat missing: {source_id}",
        group_labels={"alertname": "HeartbeatMissing", "source": source_id},
        common_labels=dict(item.labels),
    )


def _firing(session: Session, source_id: str) -> bool:
    episode = session.scalar(
        select(AlertEpisode)
        .join(AlertGroup, AlertGroup.episode_id == AlertEpisode.id)
        .where(AlertGroup.source_id == source_id, AlertGroup.group_key == GROUP_KEY)
    )
    return episode is not None and episode.is_firing


def _watch(session: Session, source_id: str, now: dt.datetime) -> Heartbeat:
    insert_if_absent(
        session, Heartbeat.__table__, {"source_id": source_id, "last_beat_at": now, "beats": 0}
    )
    row = session.get(Heartbeat, source_id, with_for_update=True)
    assert row is not None
    return row


def beat(db: Database, source_id: str, every: str, now: dt.datetime) -> int | None:
    """A beat, stored before the sender hears 2xx; the inbox id of the notification that
    resolves a missing heartbeat, if one was firing."""
    with db.session(background=True) as session:  # Slack's acks go first
        row = _watch(session, source_id, now)
        last = row.last_beat_at
        row.last_beat_at, row.beats = now, row.beats + 1
        if not _firing(session, source_id):
            return None
        note = missing(source_id, RESOLVED, last, every)
        return inbox.add(session, source_id, note, now)


def overdue(db: Database, config: OrgConfig, now: dt.datetime) -> list[int]:
    """Open "heartbeat missing" for each heartbeat source whose last beat is older than its
    `expect_every`; the inbox ids written (a second clock writing one more changes nothing:
    the group fires already)."""
    written = []
    for source in config.alerts.sources:
        if source.kind != "heartbeat" or source.expect_every is None:
            continue
        with db.session(background=True) as session:
            row = _watch(session, source.id, now)
            if now - row.last_beat_at <= source.expect_every or _firing(session, source.id):
                continue
            note = missing(source.id, FIRING, row.last_beat_at, every_words(source.expect_every))
            written.append(inbox.add(session, source.id, note, now))
    return written

"""Storms: past `LIMIT` new groups of one source in `WINDOW`, the standby gets one page for
the storm and one message listing its groups, edited as more come; each group still posts
its own message but pages no more. A storm lasts while new groups keep coming within
`WINDOW` of the last."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts.models import AlertEpisode, AlertStorm

LIMIT = 5
WINDOW = dt.timedelta(minutes=10)


def open_storm(session: Session, source_id: str, now: dt.datetime) -> AlertStorm | None:
    return session.scalar(
        select(AlertStorm)
        .where(AlertStorm.source_id == source_id, AlertStorm.last_group_at > now - WINDOW)
        .order_by(AlertStorm.id.desc())
        .limit(1)
    )


def join_or_start(
    session: Session, episode: AlertEpisode, roster_id: str, now: dt.datetime
) -> tuple[AlertStorm, bool] | None:
    """The storm this new episode belongs to, and whether it just began; None when the
    source is calm (this is at most its `LIMIT`th new group in `WINDOW`)."""
    storm = open_storm(session, episode.source_id, now)
    if storm is not None:
        episode.storm_id = storm.id
        storm.last_group_at = now
        storm.edits += 1
        return storm, False
    recent = list(
        session.scalars(
            select(AlertEpisode).where(
                AlertEpisode.source_id == episode.source_id,
                AlertEpisode.fired_at > now - WINDOW,
                AlertEpisode.id != episode.id,
                AlertEpisode.storm_id.is_(None),
            )
        )
    )
    if len(recent) < LIMIT:
        return None
    storm = AlertStorm(
        source_id=episode.source_id, started_at=now, last_group_at=now, roster_id=roster_id
    )
    session.add(storm)
    session.flush()
    for member in [*recent, episode]:
        member.storm_id = storm.id
    return storm, True


def members(session: Session, storm_id: int) -> list[AlertEpisode]:
    return list(
        session.scalars(
            select(AlertEpisode).where(AlertEpisode.storm_id == storm_id).order_by(AlertEpisode.id)
        )
    )

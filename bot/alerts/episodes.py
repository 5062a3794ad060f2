"""An episode's alerts brought up to a notification: which alerts joined, which resolved,
and whether anything its message shows changed. Pure bookkeeping on the session's rows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts.models import FIRING, RESOLVED, AlertEpisode, AlertState
from bot.alerts.terms import AlertItem, Notification


@dataclass
class Moves:
    """What a notification changed in an episode."""

    joined: list[str] = field(default_factory=list)  # summaries of alerts now firing
    resolved: list[str] = field(default_factory=list)  # summaries of alerts now resolved
    shown: bool = False  # something the message shows changed

    @property
    def any(self) -> bool:
        return bool(self.joined or self.resolved)


FINGERPRINT_CHARS = 200


def fingerprint_of(item: AlertItem) -> str:
    """The alert's fingerprint as stored: a long one (a generic body's key may be 1 KiB) by
    its SHA-256, so that it fits its column and its index."""
    if len(item.fingerprint) <= FINGERPRINT_CHARS:
        return item.fingerprint
    return "sha256:" + hashlib.sha256(item.fingerprint.encode()).hexdigest()


def _fields(item: AlertItem) -> dict[str, object]:
    return {
        "status": item.status,
        "summary": item.summary,
        "labels": dict(item.labels),
        "links": [[link.label, link.url] for link in item.links],
        "values": dict(item.values),
        "starts_at": item.starts_at,
        "ends_at": item.ends_at,
    }


def states(session: Session, episode: AlertEpisode) -> list[AlertState]:
    return list(
        session.scalars(
            select(AlertState).where(AlertState.episode_id == episode.id).order_by(AlertState.id)
        )
    )


def apply(session: Session, episode: AlertEpisode, note: Notification, *, fresh: bool) -> Moves:
    """Bring the episode's alerts to `note`. Alerts the notification leaves out keep their
    state (Alertmanager truncates, and drops resolved alerts after a while). On a `fresh`
    episode every alert is new, and none counts as joining."""
    moves = Moves()
    known = {state.fingerprint: state for state in ([] if fresh else states(session, episode))}
    for item in note.alerts:
        values = _fields(item)
        fingerprint = fingerprint_of(item)
        state = known.get(fingerprint)
        if state is None:
            state = AlertState(episode_id=episode.id, fingerprint=fingerprint, **values)
            session.add(state)
            known[fingerprint] = state
            moves.shown = True
            if not fresh and item.status == FIRING:
                moves.joined.append(item.summary)
            continue
        if state.status != item.status:
            (moves.joined if item.status == FIRING else moves.resolved).append(item.summary)
        for name, value in values.items():
            if getattr(state, name) != value:
                setattr(state, name, value)
                moves.shown = True
    for name, value in (
        ("name", note.name),
        ("message", note.message),
        ("truncated", note.truncated),
    ):
        if getattr(episode, name) != value:
            setattr(episode, name, value)
            moves.shown = True
    return moves


def resolve_all(session: Session, episode: AlertEpisode, note: Notification) -> Moves:
    """The group resolved: its notification's alerts as sent, every other alert resolved."""
    moves = apply(session, episode, note, fresh=False)
    for state in states(session, episode):
        if state.status != RESOLVED:
            state.status = RESOLVED
            moves.resolved.append(state.summary)
    moves.shown = True
    return moves

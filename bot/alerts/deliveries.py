"""What alert groups owe Slack, each under its unique ledger key: an episode's message in
the alerts channel, its edits, its thread notes, and a storm's message and edits. The
renderers (bot/alerts/renderers.py) build each from the database at send time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.alerts.models import AlertEpisode, AlertStorm
from bot.ledger import Due

POST = "alert_post"
UPDATE = "alert_update"
NOTE = "alert_note"
STORM = "alert_storm"
STORM_UPDATE = "alert_storm_update"


def post_key(episode: AlertEpisode) -> str:
    return f"alerts:episode:{episode.id}"


def post(episode: AlertEpisode, channel: str, now: dt.datetime) -> Due:
    """The episode's one message in the alerts channel."""
    return Due.rendered(
        post_key(episode),
        POST,
        "alerts.episode",
        {"episode_id": episode.id},
        to=channel,
        due_at=now,
    )


def refresh(episode: AlertEpisode, now: dt.datetime) -> Due:
    """An edit of the episode's message to what the group is now (one per revision)."""
    return Due.rendered(
        f"{post_key(episode)}:rev:{episode.revision}",
        UPDATE,
        "alerts.episode",
        {"episode_id": episode.id},
        edits=post_key(episode),
        due_at=now,
    )


def note(episode: AlertEpisode, tag: str, lines: dict[str, Any], now: dt.datetime) -> Due:
    """A note in the thread of the episode's message: alerts that joined or resolved, who
    acknowledged, who silenced. `tag` makes the key unique to the change."""
    return Due.rendered(
        f"{post_key(episode)}:note:{tag}",
        NOTE,
        "alerts.note",
        {"episode_id": episode.id, **lines},
        thread_of=post_key(episode),
        due_at=now,
    )


def storm_key(storm: AlertStorm) -> str:
    return f"alerts:storm:{storm.id}"


def storm_post(storm: AlertStorm, channel: str, now: dt.datetime) -> Due:
    return Due.rendered(
        storm_key(storm), STORM, "alerts.storm", {"storm_id": storm.id}, to=channel, due_at=now
    )


def storm_refresh(storm: AlertStorm, now: dt.datetime) -> Due:
    return Due.rendered(
        f"{storm_key(storm)}:edit:{storm.edits}",
        STORM_UPDATE,
        "alerts.storm",
        {"storm_id": storm.id},
        edits=storm_key(storm),
        due_at=now,
    )

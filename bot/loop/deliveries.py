"""The deliveries the loop owes Slack, each under its unique ledger key
(`loop:{week}:prompt:{team}`, `loop:{week}:reminder:{n}:{team}`, `loop:{week}:digest`,
`loop:{week}:digest:part:{n}`). Messages are rendered at send time from the database."""

from __future__ import annotations

import datetime as dt

from bot import clock
from bot.config import OrgConfig, Team
from bot.ledger import Due
from bot.loop.weeks import LoopWeek


def digest_key(week: str) -> str:
    return f"loop:{week}:digest"


def prompt(week: LoopWeek, team: Team) -> Due:
    return Due(
        key=f"loop:{week.id}:prompt:{team.id}",
        kind="loop_prompt",
        method="chat.postMessage",
        payload={
            "channel": team.pm,
            "render": "loop.prompt",
            "args": {"week": week.id, "team_id": team.id},
        },
        due_at=week.prompt_at,
        expires_at=week.digest_at,
    )


def reminder(week: LoopWeek, index: int, team: Team) -> Due:
    return Due(
        key=f"loop:{week.id}:reminder:{index}:{team.id}",
        kind="loop_reminder",
        method="chat.postMessage",
        payload={
            "channel": team.pm,
            "render": "loop.reminder",
            "args": {"week": week.id, "team_id": team.id},
        },
        due_at=week.reminders[index],
        expires_at=week.digest_at,
    )


def digest(
    week: LoopWeek, config: OrgConfig, parts: int, at: dt.datetime | None = None
) -> list[Due]:
    """The digest in the loop channel, and its continuations in the digest's thread. `parts`
    is how many messages the digest takes now; two spare continuations cover asks or late
    edits that make it longer by send time (a continuation with nothing to say is skipped)."""
    due_at = at or week.digest_at
    dues = [
        Due(
            key=digest_key(week.id),
            kind="loop_digest",
            method="chat.postMessage",
            payload={
                "channel": config.channels.loop,
                "render": "loop.digest",
                "args": {"week": week.id, "part": 0},
            },
            due_at=due_at,
            expires_at=week.ends_at,
        )
    ]
    for part in range(1, parts + 2):
        dues.append(
            Due(
                key=f"{digest_key(week.id)}:part:{part}",
                kind="loop_digest_part",
                method="chat.postMessage",
                payload={
                    "thread_ts_of": digest_key(week.id),
                    "render": "loop.digest",
                    "args": {"week": week.id, "part": part},
                },
                due_at=due_at,
                expires_at=week.ends_at,
            )
        )
    return dues


def saved(week: str, team: Team, user: str, update_id: int) -> Due:
    """The confirmation DM after a submission."""
    return Due(
        key=f"loop:{week}:saved:{update_id}",
        kind="loop_saved",
        method="chat.postMessage",
        payload={
            "channel": user,
            "render": "loop.saved",
            "args": {"update_id": update_id},
        },
        due_at=clock.now(),
    )

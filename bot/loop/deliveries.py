"""The deliveries the loop owes Slack, each under its unique ledger key
(`loop:{week}:prompt:{team}`, `loop:{week}:reminder:{n}:{team}`, `loop:{week}:digest`,
`loop:{week}:digest:part:{n}`). Messages are rendered at send time from the database."""

from __future__ import annotations

import datetime as dt

from bot.config import OrgConfig, Team
from bot.ledger import Due
from bot.loop.weeks import LoopWeek

DIGEST = "loop_digest"  # the kind of a week's digest delivery (its continuations are another)


def digest_key(week: str) -> str:
    return f"loop:{week}:digest"


def prompt_key(week: str, team_id: str) -> str:
    return f"loop:{week}:prompt:{team_id}"


def prompt(week: LoopWeek, team: Team) -> Due:
    return Due.rendered(
        prompt_key(week.id, team.id),
        "loop_prompt",
        "loop.prompt",
        {"week": week.id, "team_id": team.id},
        to=team.pm,
        due_at=week.prompt_at,
        expires_at=week.digest_at,
    )


def prompt_answered(week: LoopWeek, team: Team, update_id: int, now: dt.datetime) -> Due:
    """The week's prompt DM edited to show the answer (after each submission, `now`)."""
    return Due.rendered(
        f"{prompt_key(week.id, team.id)}:answered:{update_id}",
        "loop_prompt_update",
        "loop.prompt",
        {"week": week.id, "team_id": team.id, "edit": True},
        edits=prompt_key(week.id, team.id),
        due_at=now,
        expires_at=week.digest_at,
    )


def reminder(week: LoopWeek, index: int, team: Team) -> Due:
    return Due.rendered(
        f"loop:{week.id}:reminder:{index}:{team.id}",
        "loop_reminder",
        "loop.reminder",
        {"week": week.id, "team_id": team.id},
        to=team.pm,
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
    main = Due.rendered(
        digest_key(week.id),
        DIGEST,
        "loop.digest",
        {"week": week.id, "part": 0},
        to=config.channels.loop,
        due_at=due_at,
        expires_at=week.ends_at,
    )
    continuations = [
        Due.rendered(
            f"{digest_key(week.id)}:part:{part}",
            "loop_digest_part",
            "loop.digest",
            {"week": week.id, "part": part},
            thread_of=digest_key(week.id),
            due_at=due_at,
            expires_at=week.ends_at,
        )
        for part in range(1, parts + 2)
    ]
    return [main, *continuations]


def saved(week: str, team: Team, user: str, update_id: int, now: dt.datetime) -> Due:
    """The confirmation DM after a submission (`now`)."""
    return Due.rendered(
        f"loop:{week}:saved:{update_id}",
        "loop_saved",
        "loop.saved",
        {"update_id": update_id},
        to=user,
        due_at=now,
    )

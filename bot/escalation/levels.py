"""Whom a page goes to: the roster an incident's page is for, who each escalation level
means during a shift, and the next level that reaches someone. Pure functions of the
configuration, the shift and the chain's position."""

from __future__ import annotations

from bot.config import OrgConfig, Roster
from bot.errors import Refusal
from bot.incidents.models import Incident
from bot.slack.escaping import code
from bot.standby.schedule import Shift


class EscalationError(Refusal):
    """A refusal to show to the person who asked."""


def roster_for(config: OrgConfig, incident: Incident, target: str | None) -> Roster:
    """The roster named (or the named team's), else the incident team's, else the only one."""
    if target:
        team = config.team(target)
        roster = config.roster(team.roster) if team and team.roster else None
        roster = roster or config.roster(target)
        if roster is None:
            known = [t.id for t in config.teams] + [r.id for r in config.rosters]
            raise EscalationError(
                f"There is no team or roster {code(target)}. Known: {', '.join(known)}."
            )
        return roster
    team = config.team(incident.team_id) if incident.team_id else None
    roster = config.roster(team.roster) if team and team.roster else None
    if roster is not None:  # (a team's roster is known: the config check sees to it)
        return roster
    if len(config.rosters) == 1:
        return config.rosters[0]
    if not config.rosters:
        raise EscalationError("No rosters are configured, so there is nobody to page.")
    rosters = ", ".join(r.id for r in config.rosters)
    raise EscalationError(
        f"{incident.ref} has no team, so opsbot cannot tell whom to page: page with "
        f"`/incident escalate {incident.ref} ROSTER`, ROSTER being one of {rosters}."
    )


def targets(roster: Roster, shift: Shift | None) -> list[str | None]:
    """Who each escalation level means during `shift`: a user id, "channel", or None."""
    resolved: list[str | None] = []
    for level in roster.escalation.levels:
        if level == "primary":
            resolved.append(shift.primary if shift else None)
        elif level == "secondary":
            resolved.append(shift.secondary if shift else None)
        else:
            resolved.append(level)  # a user id, or "channel"
    return resolved


def next_level(
    roster: Roster,
    level: int,
    loop: int,
    shift: Shift | None,
    declined: frozenset[str] = frozenset(),
) -> tuple[int, int, str] | None:
    """The first level after (level, loop) that reaches someone who has not said they
    can't take it, wrapping `repeat` times."""
    levels = targets(roster, shift)
    position = loop * len(levels) + level + 1
    last = (roster.escalation.repeat + 1) * len(levels)
    while position < last:
        loop_, level_ = divmod(position, len(levels))
        target = levels[level_]
        if target and target not in declined:
            return level_, loop_, target
        position += 1
    return None

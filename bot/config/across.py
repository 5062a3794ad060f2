"""The rules across fields (`bot/config/rules.py`), judged on the file's data as read, so
that they are reported beside the errors of single fields wherever they can be judged:
two teams with one id are found even when a roster has a bad time.

A rule is judged on the values it needs that are valid on their own: the windows of a
roster that validate (the others have errors of their own), the ids that are text. A
team's roster is judged only when every roster has an id, since one without might be the
one meant.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from bot.config import rules
from bot.config.model import ACROSS_FIELDS_LATER, Loop, LoopMoment, Window


def findings_across_fields(data: dict[str, Any]) -> list[rules.Finding]:
    teams = _mappings(data.get("teams"))
    rosters = _mappings(data.get("rosters"))
    found = rules.ids_used_twice("teams", _texts(teams, "id"))
    found += rules.ids_used_twice("rosters", _texts(rosters, "id"))
    roster_ids = [roster_id for _, roster_id in _texts(rosters, "id")]
    listed = data.get("rosters")
    if listed is None or (isinstance(listed, list) and len(listed) == len(roster_ids)):
        found += rules.unknown_rosters(_texts(teams, "roster"), roster_ids)
    for index, roster in rosters:
        found += [(("rosters", index, *loc), message) for loc, message in _roster(roster)]
    loop = data.get("loop")
    if isinstance(loop, dict):
        found += [(("loop", *loc), message) for loc, message in _loop(loop)]
    return found


def _loop(loop: dict[Any, Any]) -> list[rules.Finding]:
    """Judged when the prompt and the digest are valid (or left to their defaults), on the
    reminders that are valid."""
    defaults = Loop()
    prompt = _moment(loop.get("prompt", defaults.prompt))
    digest = _moment(loop.get("digest", defaults.digest))
    if prompt is None or digest is None:
        return []
    reminders = [(index, _moment(raw)) for index, raw in _items(loop.get("reminders"))]
    valid = [(index, moment) for index, moment in reminders if moment is not None]
    return rules.loop_rules(prompt, valid, digest)


def _moment(raw: Any) -> LoopMoment | None:
    try:
        return LoopMoment.model_validate(raw)
    except ValidationError:
        return None


def _roster(roster: dict[Any, Any]) -> list[rules.Finding]:
    found: list[rules.Finding] = []
    windows: list[tuple[int, Window]] = []
    for index, raw in _mappings(roster.get("windows")):
        try:
            window = Window.model_validate(raw, context=ACROSS_FIELDS_LATER)
        except ValidationError:
            continue  # its errors are reported as errors of its fields
        own = rules.window_rules(window.start, window.end)
        found += [(("windows", index, *loc), message) for loc, message in own]
        if not own:  # a window with no length overlaps nothing
            windows.append((index, window))
    per_window = roster.get("per_window", 1)
    if isinstance(per_window, bool) or per_window not in (1, 2):
        per_window = None  # an error of its own
    members = roster.get("members")
    return found + rules.roster_rules(
        per_window, members if isinstance(members, list) else None, windows
    )


def _items(value: Any) -> list[tuple[int, Any]]:
    return list(enumerate(value)) if isinstance(value, list) else []


def _mappings(value: Any) -> list[tuple[int, dict[Any, Any]]]:
    """(position, item) of the items of a list that are mappings."""
    return [(index, item) for index, item in _items(value) if isinstance(item, dict)]


def _texts(items: list[tuple[int, dict[Any, Any]]], key: str) -> list[tuple[int, str]]:
    return [(index, item[key]) for index, item in items if isinstance(item.get(key), str)]

"""The rules across fields (`bot/config/rules.py`), judged on the file's data as read, so
that they are reported beside the errors of single fields wherever they can be judged:
two teams with one id are found even when a roster has a bad time.

A rule is judged on the values it needs that are valid on their own: the windows of a
roster that validate (the others have errors of their own), the ids that are text. A
team's roster is judged only when every roster has an id, since one without might be the
one meant; so are the rosters of alert sources and of their routes.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from bot.config import rules
from bot.config.model import ACROSS_FIELDS_LATER, SEVERITIES, Loop, LoopMoment, Window
from bot.config.source import Loc


def findings_across_fields(data: dict[str, Any]) -> list[rules.Finding]:
    teams = _mappings(data.get("teams"))
    rosters = _mappings(data.get("rosters"))
    found = rules.ids_used_twice("teams", _texts(teams, "id"))
    found += rules.ids_used_twice("rosters", _texts(rosters, "id"))
    roster_ids = [roster_id for _, roster_id in _texts(rosters, "id")]
    listed = data.get("rosters")
    every_roster_named = listed is None or (
        isinstance(listed, list) and len(listed) == len(roster_ids)
    )
    if every_roster_named:
        found += rules.unknown_rosters(_texts(teams, "roster"), roster_ids)
    for index, roster in rosters:
        found += [(("rosters", index, *loc), message) for loc, message in _roster(roster)]
    loop = data.get("loop")
    if isinstance(loop, dict):
        found += [(("loop", *loc), message) for loc, message in _loop(loop)]
    alerts = data.get("alerts")
    if isinstance(alerts, dict):
        known = roster_ids if every_roster_named else None
        found += rules.prefixed(("alerts",), _alerts(alerts, known))
    return found


def _alerts(alerts: dict[Any, Any], roster_ids: list[str] | None) -> list[rules.Finding]:
    """`roster_ids`: None when some roster has no id, and any name might be meant."""
    sources = _mappings(alerts.get("sources"))
    found = rules.ids_used_twice("sources", _texts(sources, "id"))
    named: list[tuple[Loc, str]] = []
    for index, source in sources:
        found += rules.prefixed(("sources", index), _alert_source(source))
        if isinstance(source.get("roster"), str):
            named.append((("sources", index, "roster"), source["roster"]))
        named += [
            (("sources", index, "routes", at, "roster"), name)
            for at, name in _texts(_mappings(source.get("routes")), "roster")
        ]
    if roster_ids is not None:
        found += rules.rosters_not_defined(named, roster_ids)
    return found


def _alert_source(source: dict[Any, Any]) -> list[rules.Finding]:
    """Judged on its kind when the kind is valid, and on each route whose `page` and
    `declare` are valid."""
    found: list[rules.Finding] = []
    kind = source.get("kind")
    if isinstance(kind, str) and kind in rules.ALERT_SOURCE_EXTRAS:
        optional = ("alertmanager_url", "grafana_signature", "expect_every")
        given = [key for key in optional if source.get(key) is not None]
        if _items(source.get("routes")):
            given.append("routes")
        found += rules.alert_source_rules(kind, given)
    for index, route in _mappings(source.get("routes")):
        page, declare = route.get("page", True), route.get("declare")
        if isinstance(page, bool) and (declare is None or declare in SEVERITIES):
            found += rules.prefixed(("routes", index), rules.alert_route_rules(page, declare))
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

"""Which roster an alert group pages, whether it pages, whether it declares: the first route
of its source whose every matcher matches the group's labels, else the source's own roster.

A matcher is an exact label value, or `/regex/` matched against the whole value. A label the
group does not have is read as empty: it matches only a regex that matches the empty string
(`/|none/`), never an exact value.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.config.model import AlertSource, Severity, matcher_regex


@dataclass(frozen=True)
class Routing:
    roster_id: str
    page: bool
    declare: Severity | None
    route_index: int | None  # the position of the route that matched; None: the default


def route(source: AlertSource, labels: Mapping[str, str]) -> Routing:
    for index, candidate in enumerate(source.routes):
        if all(matches(matcher, labels.get(name)) for name, matcher in candidate.match.items()):
            return Routing(
                roster_id=candidate.roster or source.roster,
                page=candidate.page,
                declare=candidate.declare,
                route_index=index,
            )
    return Routing(roster_id=source.roster, page=True, declare=None, route_index=None)


def matches(matcher: str, value: str | None) -> bool:
    """Whether a label's value (None: the label is missing) satisfies a route's matcher."""
    pattern = matcher_regex(matcher)
    if pattern is None:
        return value == matcher
    return _compiled(pattern).fullmatch(value or "") is not None


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    """Compiled once per pattern; the configuration checked that it compiles."""
    return re.compile(pattern)

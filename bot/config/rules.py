"""Rules across fields of `opsbot.yaml`: an id used twice, a roster named that does not
exist, a window with no length, windows that overlap, more people per window than members,
a loop reminder that does not fall between the prompt and the digest, an alert source with
keys its kind does not take, an alert route that declares without paging.

Each rule takes the values it judges, each already valid on its own, with their positions,
and returns findings: where (a location as pydantic gives one) and what is wrong, in words.
The models apply them when they are built directly (`Roster(...)`); `parse_config` applies
them to the file's data wherever they can be judged (`bot/config/across.py`), so that one run
of `opsbot config check` reports them beside the errors of single fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from typing import Any, Protocol

from bot.config.source import Loc
from bot.config.week import WEEKDAY_NUMBERS, WindowLike, overlapping_windows

Finding = tuple[Loc, str]


def where(loc: Iterable[Any]) -> str:
    """`("rosters", 0, "windows", 1, "start")` → `rosters[0].windows[1].start`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def as_error(findings: Sequence[Finding]) -> ValueError:
    """The findings as one ValueError, for a model built directly."""
    return ValueError("; ".join(f"{where(loc)}: {message}" for loc, message in findings))


def prefixed(prefix: Loc, findings: Iterable[Finding]) -> list[Finding]:
    """The findings of a part of the file, located in the whole file."""
    return [((*prefix, *loc), message) for loc, message in findings]


def ids_used_twice(section: str, ids: Iterable[tuple[int, str]]) -> list[Finding]:
    """`section` is "teams", "rosters" or "sources" (alerts'); `ids` are (position, id)."""
    kind = section.removesuffix("s")
    first: dict[str, int] = {}
    found: list[Finding] = []
    for index, item_id in ids:
        if item_id in first:
            found.append(
                (
                    (section, index, "id"),
                    f"{kind} id {item_id!r} is already the id of {section}[{first[item_id]}]",
                )
            )
        else:
            first[item_id] = index
    return found


def unknown_rosters(
    team_rosters: Iterable[tuple[int, str]], roster_ids: Collection[str]
) -> list[Finding]:
    """`team_rosters` are (position of the team, the roster it names)."""
    return rosters_not_defined(
        [(("teams", index, "roster"), name) for index, name in team_rosters], roster_ids
    )


def rosters_not_defined(
    named: Iterable[tuple[Loc, str]], roster_ids: Collection[str]
) -> list[Finding]:
    """`named` are (where a roster is named, the roster it names): a team's roster, an
    alert source's or an alert route's."""
    known = f"the rosters are {', '.join(roster_ids)}" if roster_ids else "no roster is defined"
    return [
        (loc, f"{name!r} is not the id of a roster; {known}")
        for loc, name in named
        if name not in roster_ids
    ]


# What each kind of alert source may have beyond id, kind, roster and outside_windows.
ALERT_SOURCE_EXTRAS = {
    "alertmanager": ("alertmanager_url", "routes"),
    "grafana": ("grafana_signature", "routes"),
    "webhook": ("routes",),
    "heartbeat": ("expect_every",),
}


def alert_source_rules(kind: str, given: Collection[str]) -> list[Finding]:
    """`kind` is the source's (valid) kind; `given` are the keys of the source that hold a
    value (`routes` when it lists any route). Locations are the source's own."""
    found: list[Finding] = []
    if kind == "heartbeat" and "expect_every" not in given:
        found.append(
            (
                ("expect_every",),
                "required for a heartbeat source: how long may pass without a beat, such as 26h",
            )
        )
    for key in ("expect_every", "alertmanager_url", "grafana_signature", "routes"):
        if key in given and key not in ALERT_SOURCE_EXTRAS[kind]:
            found.append(((key,), _not_for(kind, key)))
    return found


def _not_for(kind: str, key: str) -> str:
    if key == "routes":
        return "a heartbeat source has no routes: a missing beat pages the source's roster"
    owner = next(k for k, extras in ALERT_SOURCE_EXTRAS.items() if key in extras)
    return f"only a source of kind {owner} has {key}; this one is of kind {kind}"


def alert_route_rules(page: bool, declare: str | None) -> list[Finding]:
    """Locations are the route's own."""
    if declare is not None and not page:
        return [
            (
                ("declare",),
                f"a route with page: false cannot declare an incident ({declare}); remove "
                "one of the two",
            )
        ]
    return []


def window_rules(start: dt.time, end: dt.time) -> list[Finding]:
    if start == end:
        return [(("end",), f"{end:%H:%M} is also its start: a window needs a length")]
    return []


def roster_rules(
    per_window: int | None,
    members: Sequence[Any] | None,
    windows: Sequence[tuple[int, WindowLike]],
) -> list[Finding]:
    """`windows` are (position, window) of the roster's valid windows. Locations are the
    roster's own (`("windows", 1)`)."""
    found: list[Finding] = []
    if per_window is not None and members and per_window > len(members):
        count = f"{len(members)} member" + ("s" if len(members) != 1 else "")
        found.append(
            (("per_window",), f"is {per_window}, but the roster has only {count} to take turns")
        )
    for first, second in overlapping_windows([window for _, window in windows]):
        (earlier, one), (later, other) = windows[first], windows[second]
        past_midnight = any(w.end < w.start for w in (one, other))
        note = " (a window past midnight reaches into the next day)" if past_midnight else ""
        found.append((("windows", later), f"overlaps windows[{earlier}]{note}"))
    return found


class MomentLike(Protocol):
    """What the loop rules need of a configured moment (`bot.config.LoopMoment` fits)."""

    @property
    def day(self) -> str: ...

    @property
    def time(self) -> dt.time: ...


def _minute_of_week(moment: MomentLike) -> int:
    return (WEEKDAY_NUMBERS[moment.day] * 24 + moment.time.hour) * 60 + moment.time.minute


def _minutes_after(moment: MomentLike, prompt: MomentLike) -> int:
    """How long after the prompt `moment` comes in the loop's week (0: at the prompt)."""
    return (_minute_of_week(moment) - _minute_of_week(prompt)) % (7 * 24 * 60)


def _named(moment: MomentLike) -> str:
    return f"{moment.day} {moment.time:%H:%M}"


def loop_rules(
    prompt: MomentLike, reminders: Sequence[tuple[int, MomentLike]], digest: MomentLike
) -> list[Finding]:
    """The loop's week runs from the prompt to the next prompt: the digest comes after the
    prompt, and each reminder between the two (one after the digest would ask for updates
    already posted). Locations are the loop's own."""
    until_digest = _minutes_after(digest, prompt)
    if until_digest == 0:
        return [(("digest",), f"{_named(digest)} is the prompt's moment: it must come after it")]
    return [
        (
            ("reminders", index),
            f"{_named(reminder)} does not fall between the prompt ({_named(prompt)}) and the "
            f"digest ({_named(digest)})",
        )
        for index, reminder in reminders
        if not 0 < _minutes_after(reminder, prompt) < until_digest
    ]

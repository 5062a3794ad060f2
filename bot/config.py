"""The organisation's configuration (`opsbot.yaml`): teams, rosters, the loop.

Loaded from YAML and validated with pydantic. Errors carry their place in the file
(`opsbot.yaml:14:7 rosters[0].windows[1].start: ...`) so `opsbot config check` can list
every one of them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _user_id(value: str) -> str:
    if not re.fullmatch(r"[UW][A-Z0-9]{2,}", value):
        raise ValueError(f"{value!r} is not a Slack user ID (U…)")
    return value


def _channel_id(value: str) -> str:
    if not re.fullmatch(r"[CG][A-Z0-9]{2,}", value):
        raise ValueError(f"{value!r} is not a Slack channel ID (C…)")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone such as Asia/Tokyo") from None
    return value


def _slug_id(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", value):
        raise ValueError(f"{value!r} must be lowercase letters, digits, - or _")
    return value


UserId = Annotated[str, AfterValidator(_user_id)]
ChannelId = Annotated[str, AfterValidator(_channel_id)]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
SlugId = Annotated[str, AfterValidator(_slug_id)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Severity = Literal["sev1", "sev2", "sev3", "sev4"]


def _parse_hhmm(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 07:30 as a sexagesimal integer (450).
        value = f"{value // 60:02d}:{value % 60:02d}"
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,2}:\d{2}", value):
        raise ValueError(f"{value!r} is not a time of day as HH:MM")
    hours, minutes = (int(part) for part in value.split(":"))
    if hours > 23 or minutes > 59:
        raise ValueError(f"{value!r} is not a time of day as HH:MM")
    return dt.time(hours, minutes)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Channels(_Model):
    incidents: ChannelId
    loop: ChannelId | None = None


class IncidentSettings(_Model):
    channel_prefix: str = "inc"
    update_reminder_minutes: dict[Severity, Annotated[int, Field(gt=0)]] = Field(
        default_factory=dict
    )
    page_on_declare: list[Severity] = Field(default_factory=list)

    @field_validator("channel_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,20}", value):
            raise ValueError("must be 1 to 21 lowercase letters, digits, - or _")
        return value


class Team(_Model):
    id: SlugId
    name: str
    pm: UserId
    channel: ChannelId | None = None
    roster: str | None = None
    members: list[UserId] = Field(default_factory=list)


class Window(_Model):
    days: list[Weekday]
    start: dt.time
    end: dt.time

    _hhmm = field_validator("start", "end", mode="before")(lambda cls, v: _parse_hhmm(v))

    @model_validator(mode="after")
    def _not_empty(self) -> Window:
        if not self.days:
            raise ValueError("a window needs at least one day")
        if self.start == self.end:
            raise ValueError("start and end are the same time")
        return self

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start


class Escalation(_Model):
    ack_minutes: Annotated[int, Field(gt=0)] = 5
    levels: list[str] = Field(default_factory=lambda: ["primary", "secondary"])
    repeat: Annotated[int, Field(ge=0)] = 0

    @field_validator("levels")
    @classmethod
    def _levels(cls, levels: list[str]) -> list[str]:
        if not levels:
            raise ValueError("at least one level is needed")
        for level in levels:
            if level not in ("primary", "secondary", "channel"):
                _user_id(level)
        return levels


class Roster(_Model):
    id: SlugId
    name: str
    channel: ChannelId
    timezone: TimeZoneName | None = None
    members: list[UserId]
    per_window: Literal[1, 2] = 1
    rotation: Literal["window", "day", "week"] = "window"
    rotation_start: dt.date
    remind_before_minutes: Annotated[int, Field(ge=0)] = 15
    skip_dates: list[dt.date] = Field(default_factory=list)
    windows: list[Window]
    escalation: Escalation = Field(default_factory=Escalation)

    @model_validator(mode="after")
    def _members(self) -> Roster:
        if not self.members:
            raise ValueError("a roster needs at least one member")
        if len(set(self.members)) != len(self.members):
            raise ValueError("members are listed more than once")
        if self.per_window > len(self.members):
            raise ValueError("per_window is larger than the number of members")
        if not self.windows:
            raise ValueError("a roster needs at least one window")
        from bot.standby.windows import overlapping_windows

        for first, second in overlapping_windows(self.windows):
            raise ValueError(
                f"windows[{first}] and windows[{second}] overlap (a window past midnight "
                "may reach into the next day's windows)"
            )
        return self


class LoopMoment(_Model):
    day: Weekday
    time: dt.time

    _hhmm = field_validator("time", mode="before")(lambda cls, v: _parse_hhmm(v))


class Loop(_Model):
    timezone: TimeZoneName | None = None
    prompt: LoopMoment = LoopMoment(day="mon", time=dt.time(10, 0))
    reminders: list[LoopMoment] = Field(default_factory=list)
    digest: LoopMoment = LoopMoment(day="thu", time=dt.time(9, 0))


class OrgConfig(_Model):
    timezone: TimeZoneName = "UTC"
    admins: list[UserId] = Field(default_factory=list)
    channels: Channels
    incidents: IncidentSettings = Field(default_factory=IncidentSettings)
    teams: list[Team] = Field(default_factory=list)
    rosters: list[Roster] = Field(default_factory=list)
    loop: Loop = Field(default_factory=Loop)

    @model_validator(mode="after")
    def _references(self) -> OrgConfig:
        for kind, items in (("team", self.teams), ("roster", self.rosters)):
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    raise ValueError(f"{kind} id {item.id!r} is used twice")
                seen.add(item.id)
        roster_ids = {r.id for r in self.rosters}
        for team in self.teams:
            if team.roster is not None and team.roster not in roster_ids:
                raise ValueError(
                    f"team {team.id!r} names roster {team.roster!r}, which is not defined"
                )
        return self

    def take_over(self, new: OrgConfig) -> None:
        """Become `new` for everyone holding this object (the services, the renderers and
        the listeners all share one), in one step: the fields are swapped as one dict, so
        a reader sees the old configuration or the new one field by field, never a field
        half built. Used by the reload on SIGHUP (bot/reload.py); the model stays frozen."""
        object.__setattr__(self, "__dict__", dict(new.__dict__))
        object.__setattr__(self, "__pydantic_fields_set__", set(new.__pydantic_fields_set__))

    def team(self, team_id: str) -> Team | None:
        return next((t for t in self.teams if t.id == team_id), None)

    def roster(self, roster_id: str) -> Roster | None:
        return next((r for r in self.rosters if r.id == roster_id), None)

    def roster_zone(self, roster: Roster) -> ZoneInfo:
        return ZoneInfo(roster.timezone or self.timezone)

    def loop_zone(self) -> ZoneInfo:
        return ZoneInfo(self.loop.timezone or self.timezone)

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins


@dataclass(frozen=True)
class ConfigProblem:
    path: str
    line: int | None
    column: int | None
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.path}:{self.line}:{self.column}" if self.line else self.path
        return f"{place} {self.where}: {self.message}" if self.where else f"{place} {self.message}"


class ConfigError(Exception):
    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _node_at(node: yaml.Node | None, loc: tuple[Any, ...]) -> yaml.Node | None:
    """Follow a pydantic error location through the composed YAML tree."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                key = next((k for k, _ in node.value if k.value == part), None)
                return key or node
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node
            node = node.value[part]
        else:
            return node
    return node


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_config(text: str, path: str = "opsbot.yaml") -> OrgConfig:
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            [ConfigProblem(path, line, col, "", f"not valid YAML: {problem}")]
        ) from None
    if not isinstance(data, dict):
        raise ConfigError([ConfigProblem(path, 1, 1, "", "the file must be a YAML mapping")])
    try:
        return OrgConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
            node = _node_at(root, loc)
            mark = node.start_mark if node is not None else None
            message = error["msg"].removeprefix("Value error, ")
            problems.append(
                ConfigProblem(
                    path,
                    mark.line + 1 if mark else None,
                    mark.column + 1 if mark else None,
                    _where(loc),
                    message,
                )
            )
        raise ConfigError(problems) from None


def load_config(path: str | Path) -> OrgConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            [ConfigProblem(str(path), None, None, "", exc.strerror or str(exc))]
        ) from None
    return parse_config(text, str(path))


def example_config_path() -> Path:
    return Path(__file__).parent / "examples" / "opsbot.example.yaml"

"""The organisation's configuration as pydantic models: each field's type says what it
accepts, and its validator says in words what else it got (`'25:00' is not a time of day as
HH:MM`). Rules across fields are in `bot/config/rules.py`; the models apply them when built
directly, and leave them to `parse_config` when it validates with `ACROSS_FIELDS_LATER`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

from bot.config import rules
from bot.config.source import Loc

SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LEVEL_WORDS = ("primary", "secondary", "channel")

# The validation context under which the models leave the rules across fields to the
# caller, which judges them where it can even when some fields are invalid.
ACROSS_FIELDS_LATER = {"across_fields": "later"}


def _judged_later(info: ValidationInfo) -> bool:
    return isinstance(info.context, dict) and info.context.get("across_fields") == "later"


_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def _user_id(value: str) -> str:
    if not _USER_ID.fullmatch(value):
        raise ValueError(f"{shown(value)} is not a Slack user ID (U…)")
    return value


def _channel_id(value: str) -> str:
    if not re.fullmatch(r"[CG][A-Z0-9]{2,}", value):
        raise ValueError(f"{shown(value)} is not a Slack channel ID (C…)")
    return value


def _usergroup_id(value: str) -> str:
    if not re.fullmatch(r"S[A-Z0-9]{2,}", value):
        raise ValueError(f"{shown(value)} is not a Slack user group ID (S…)")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{shown(value)} is not an IANA time zone such as Asia/Tokyo") from None
    return value


def _slug_id(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", value):
        raise ValueError(f"{shown(value)} must be lowercase letters, digits, - or _")
    return value


def _escalation_level(value: str) -> str:
    if value in LEVEL_WORDS or _USER_ID.fullmatch(value):
        return value
    raise ValueError(f"{shown(value)} is not primary, secondary, channel or a Slack user ID (U…)")


def shown(value: Any) -> str:
    """A value as the user typed it, briefly (a list or a mapping by its kind only: one
    built from YAML aliases may be huge)."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple | set):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def _time_of_day(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip()) if isinstance(value, str) else None
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"{shown(value)} is not a time of day as HH:MM")
    return dt.time(int(match[1]), int(match[2]))


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError(f"{shown(value)} is not a date as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:  # "month must be in 1..12"
        raise ValueError(f"{shown(value)} is not a date as YYYY-MM-DD ({exc})") from None


Item = TypeVar("Item")


def _at_least_one(what: str) -> Callable[[list[Item]], list[Item]]:
    def check(items: list[Item]) -> list[Item]:
        if not items:
            raise ValueError(f"at least one {what} is needed")
        return items

    return check


def _each_once(items: list[str]) -> list[str]:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise ValueError(f"{item} is listed more than once")
        seen.add(item)
    return items


UserId = Annotated[str, AfterValidator(_user_id)]
ChannelId = Annotated[str, AfterValidator(_channel_id)]
UsergroupId = Annotated[str, AfterValidator(_usergroup_id)]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
SlugId = Annotated[str, AfterValidator(_slug_id)]
EscalationLevel = Annotated[str, AfterValidator(_escalation_level)]
TimeOfDay = Annotated[dt.time, BeforeValidator(_time_of_day)]
Date = Annotated[dt.date, BeforeValidator(_date)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Severity = Literal["sev1", "sev2", "sev3", "sev4"]
# Bounds keep every moment computed from them within a datetime's range, and every
# escalation chain short enough to walk.
Minutes = Annotated[int, Field(gt=0, le=10080)]  # at most a week


def _raise(findings: Sequence[rules.Finding]) -> None:
    if findings:
        raise rules.as_error(findings)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Channels(_Model):
    incidents: ChannelId
    loop: ChannelId | None = None


def _channel_prefix(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,20}", value):
        raise ValueError(f"{shown(value)} must be 1 to 21 lowercase letters, digits, - or _")
    return value


class IncidentSettings(_Model):
    channel_prefix: Annotated[str, AfterValidator(_channel_prefix)] = "inc"
    update_reminder_minutes: dict[Severity, Minutes] = Field(default_factory=dict)
    page_on_declare: list[Severity] = Field(default_factory=list)


class Team(_Model):
    id: SlugId
    name: str
    pm: UserId
    channel: ChannelId | None = None
    roster: str | None = None
    members: list[UserId] = Field(default_factory=list)


class Window(_Model):
    days: Annotated[list[Weekday], AfterValidator(_at_least_one("day"))]
    start: TimeOfDay
    end: TimeOfDay

    @model_validator(mode="after")
    def _has_length(self, info: ValidationInfo) -> Window:
        if not _judged_later(info):
            _raise(rules.window_rules(self.start, self.end))
        return self

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start


class Escalation(_Model):
    ack_minutes: Annotated[int, Field(gt=0, le=1440)] = 5
    levels: Annotated[list[EscalationLevel], AfterValidator(_at_least_one("level"))] = Field(
        default_factory=lambda: ["primary", "secondary"]
    )
    repeat: Annotated[int, Field(ge=0, le=10)] = 0


class Roster(_Model):
    id: SlugId
    name: str
    channel: ChannelId
    timezone: TimeZoneName | None = None
    members: Annotated[
        list[UserId], AfterValidator(_at_least_one("member")), AfterValidator(_each_once)
    ]
    per_window: Literal[1, 2] = 1
    rotation: Literal["window", "day", "week"] = "window"
    rotation_start: Date
    remind_before_minutes: Annotated[int, Field(ge=0, le=10080)] = 15
    skip_dates: list[Date] = Field(default_factory=list)
    windows: Annotated[list[Window], AfterValidator(_at_least_one("window"))]
    escalation: Escalation = Field(default_factory=Escalation)
    # the Slack user group that names whoever is on standby while a window is open
    usergroup: UsergroupId | None = None
    # a member holding more of the roster's standby hours than this is flagged by the load
    max_share: Annotated[float, Field(gt=0, le=1)] = 0.5

    @model_validator(mode="after")
    def _across_fields(self, info: ValidationInfo) -> Roster:
        if not _judged_later(info):
            _raise(rules.roster_rules(self.per_window, self.members, list(enumerate(self.windows))))
        return self


class LoopMoment(_Model):
    day: Weekday
    time: TimeOfDay


class Loop(_Model):
    timezone: TimeZoneName | None = None
    prompt: LoopMoment = LoopMoment(day="mon", time=dt.time(10, 0))
    reminders: list[LoopMoment] = Field(default_factory=list)
    digest: LoopMoment = LoopMoment(day="thu", time=dt.time(9, 0))

    @model_validator(mode="after")
    def _across_fields(self, info: ValidationInfo) -> Loop:
        if not _judged_later(info):
            _raise(rules.loop_rules(self.prompt, list(enumerate(self.reminders)), self.digest))
        return self


_DURATION_PART = re.compile(r"(\d{1,9})([dhms])")
_SECONDS_IN = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def _duration(value: Any) -> dt.timedelta:
    """`90s`, `15m`, `26h`, `2d`, or Go-style combinations such as `1h30m`."""
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
    else:
        text = value.strip() if isinstance(value, str) else ""
        if not text or _DURATION_PART.sub("", text):
            raise ValueError(f"{shown(value)} is not a duration such as 90s, 15m, 26h, 2d or 1h30m")
        seconds = sum(int(n) * _SECONDS_IN[unit] for n, unit in _DURATION_PART.findall(text))
    if seconds < 60:
        raise ValueError(f"{shown(value)} is shorter than 1 minute")
    if seconds > 30 * 86400:
        raise ValueError(f"{shown(value)} is longer than 30 days")
    return dt.timedelta(seconds=seconds)


def matcher_regex(matcher: str) -> str | None:
    """The regular expression of a route's matcher written `/regex/`; None for an exact
    value."""
    return matcher[1:-1] if len(matcher) >= 2 and matcher[0] == matcher[-1] == "/" else None


def _label_matcher(value: str) -> str:
    pattern = matcher_regex(value)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{shown(value)} is not a regular expression: {exc}") from None
    return value


def _http_url(value: str) -> str:
    """Kept without a trailing /, so that `/api/v2/silences` can follow it."""
    try:
        parts = urlsplit(value)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 1)
    except ValueError:  # an IPv6 address not closed, a port that is not a number
        usable = False
    if not usable or any(c.isspace() for c in value):
        raise ValueError(f"{shown(value)} is not an http:// or https:// URL")
    return value.rstrip("/")


def _environment_variable(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        # Not echoed: it may be the secret itself, pasted here by mistake.
        raise ValueError(
            "is not the name of an environment variable (letters, digits, _); the secret "
            "goes in that variable, never in this file"
        )
    return value


def _header_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", value):
        raise ValueError(f"{shown(value)} is not an HTTP header name")
    return value


Duration = Annotated[dt.timedelta, BeforeValidator(_duration)]
HeaderName = Annotated[str, AfterValidator(_header_name)]
LabelMatch = dict[str, Annotated[str, AfterValidator(_label_matcher)]]


class GrafanaSignature(_Model):
    """Grafana's HMAC-SHA256 signature of each webhook body; the secret is in the
    environment variable `secret_env`, never in this file."""

    secret_env: Annotated[str, AfterValidator(_environment_variable)]
    header: HeaderName = "X-Grafana-Alerting-Signature"
    timestamp_header: HeaderName | None = None


class AlertRoute(_Model):
    match: Annotated[LabelMatch, AfterValidator(_at_least_one("label to match"))]
    roster: str | None = None
    page: bool = True
    declare: Severity | None = None

    @model_validator(mode="after")
    def _across_fields(self, info: ValidationInfo) -> AlertRoute:
        if not _judged_later(info):
            _raise(rules.alert_route_rules(self.page, self.declare))
        return self


SOURCE_ID_CHARS = 24  # "alerts:<id>" names the source as an actor, in 32 characters


def _source_id(value: str) -> str:
    if len(value) > SOURCE_ID_CHARS:
        raise ValueError(f"{shown(value)} is longer than {SOURCE_ID_CHARS} characters")
    return value


class AlertSource(_Model):
    id: Annotated[SlugId, AfterValidator(_source_id)]
    kind: Literal["alertmanager", "grafana", "webhook", "heartbeat"]
    roster: str
    outside_windows: Literal["page", "post"] = "page"
    alertmanager_url: Annotated[str, AfterValidator(_http_url)] | None = None
    grafana_signature: GrafanaSignature | None = None
    expect_every: Duration | None = None
    routes: list[AlertRoute] = Field(default_factory=list)

    @model_validator(mode="after")
    def _across_fields(self, info: ValidationInfo) -> AlertSource:
        if not _judged_later(info):
            optional = ("alertmanager_url", "grafana_signature", "expect_every", "routes")
            given = [key for key in optional if getattr(self, key) not in (None, [])]
            _raise(rules.alert_source_rules(self.kind, given))
        return self


class Alerts(_Model):
    channel: ChannelId | None = None  # None: channels.incidents
    sources: list[AlertSource] = Field(default_factory=list)


class OrgConfig(_Model):
    timezone: TimeZoneName = "UTC"
    admins: list[UserId] = Field(default_factory=list)
    channels: Channels
    incidents: IncidentSettings = Field(default_factory=IncidentSettings)
    teams: list[Team] = Field(default_factory=list)
    rosters: list[Roster] = Field(default_factory=list)
    loop: Loop = Field(default_factory=Loop)
    alerts: Alerts = Field(default_factory=Alerts)

    @model_validator(mode="after")
    def _across_fields(self, info: ValidationInfo) -> OrgConfig:
        if not _judged_later(info):
            _raise(
                rules.ids_used_twice("teams", enumerate(t.id for t in self.teams))
                + rules.ids_used_twice("rosters", enumerate(r.id for r in self.rosters))
                + rules.unknown_rosters(
                    [(i, t.roster) for i, t in enumerate(self.teams) if t.roster is not None],
                    [r.id for r in self.rosters],
                )
                + rules.prefixed(
                    ("alerts",),
                    rules.ids_used_twice("sources", enumerate(s.id for s in self.alerts.sources)),
                )
                + rules.rosters_not_defined(
                    self._alert_rosters_named(), [r.id for r in self.rosters]
                )
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

    def alert_source(self, source_id: str) -> AlertSource | None:
        return next((s for s in self.alerts.sources if s.id == source_id), None)

    @property
    def alerts_channel(self) -> str:
        """Where alert groups are posted: alerts.channel, else channels.incidents."""
        return self.alerts.channel or self.channels.incidents

    def _alert_rosters_named(self) -> list[tuple[Loc, str]]:
        named: list[tuple[Loc, str]] = []
        for i, source in enumerate(self.alerts.sources):
            named.append((("alerts", "sources", i, "roster"), source.roster))
            for j, route in enumerate(source.routes):
                if route.roster is not None:
                    named.append((("alerts", "sources", i, "routes", j, "roster"), route.roster))
        return named

"""What every payload reader shares: the JSON body, its limits, and the fields that
Alertmanager's webhook and Grafana's (which extends it) have in common.

Anything wrong raises `PayloadError`, whose message is one short line naming the field as it
is spelled in the body (`alerts[2].labels`), which the route answers with a 400. Strings are
kept exactly as sent; they are only checked for size and for what could not be stored later
(a lone surrogate, which is not UTF-8; a NUL character, which PostgreSQL's text refuses)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from bot.alerts.terms import FIRING, RESOLVED, AlertItem, Link, Notification, Status

MAX_BODY_BYTES = 1024 * 1024
MAX_ALERTS = 1000
MAX_KEY_CHARS = 256  # a label's, an annotation's or a value's name
MAX_VALUE_BYTES = 16 * 1024  # any string kept (UTF-8 bytes)
MAX_GROUP_KEY_CHARS = 1024  # groupKey, the generic key, a fingerprint
MAX_TRUNCATED = 2**31 - 1

Body = dict[str, Any]  # a JSON object as json.loads gives it
ReadAlert = Callable[[Body, str], AlertItem]

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,  # no other script's digits
)
_GO_ZERO_TIME = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")
_UNPRINTABLE = re.compile(r"[\x00-\x20\x7f-\x9f]")


class PayloadError(ValueError):
    """A body opsbot cannot read. The message is one short line saying what is wrong."""


class _NotJsonConstant(ValueError):
    pass


def _refuse_constant(name: str) -> object:
    raise _NotJsonConstant(f"{name} is not a JSON value")


def load_object(body: bytes) -> Body:
    """The body as a JSON object (UTF-8, an optional BOM)."""
    if len(body) > MAX_BODY_BYTES:
        raise PayloadError("the body is over 1 MiB")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PayloadError(f"not JSON: the body is not UTF-8 (byte {error.start})") from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise PayloadError(
            f"not JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except _NotJsonConstant as error:
        raise PayloadError(f"not JSON: {error}") from None
    except RecursionError:
        raise PayloadError("not JSON: nested too deeply") from None
    except ValueError:  # an integer past Python's 4300 digits
        raise PayloadError("not JSON: a number has too many digits") from None
    if not isinstance(document, dict):
        raise PayloadError(f"the body must be a JSON object, not {kind_of(document)}")
    return document


def kind_of(value: object) -> str:
    """What a JSON value is, in words: `an object`, `a string`, `null`..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def shown(value: object) -> str:
    """A value as an error line may quote it: short, on one line, ASCII."""
    if isinstance(value, str):
        escaped: list[str] = []  # quotes, newlines and non-ASCII escaped as JSON escapes them
        size = 0
        for character in value:
            piece = json.dumps(character)[1:-1]
            if size + len(piece) > 40:
                return '"' + "".join(escaped) + '..."'
            escaped.append(piece)
            size += len(piece)
        return '"' + "".join(escaped) + '"'
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**15:
        return str(value)
    return kind_of(value)


def member(where: str, name: str) -> str:
    """The path of a member: `alerts[0].labels.team`, or `labels["a b"]` for an odd name."""
    if _PLAIN_NAME.fullmatch(name):
        return f"{where}.{name}" if where else name
    return f"{where}[{shown(name)}]"


def checked_text(value: str, where: str, *, max_chars: int | None = None) -> str:
    """`value` unchanged, if it can be stored and is not too long."""
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise PayloadError(f"{where} is not valid Unicode (a lone surrogate)") from None
    if max_chars is not None and len(value) > max_chars:
        raise PayloadError(f"{where} is over {max_chars} characters")
    if size > MAX_VALUE_BYTES:
        raise PayloadError(f"{where} is over 16 KiB")
    if "\x00" in value:
        raise PayloadError(f"{where} holds a NUL character")
    return value


def optional_text(body: Body, name: str, where: str = "", *, max_chars: int | None = None) -> str:
    """A string member; absent or null reads as "" (as Go's decoder reads it)."""
    value = body.get(name)
    if value is None:
        return ""
    path = member(where, name)
    if not isinstance(value, str):
        raise PayloadError(f"{path} must be a string, not {kind_of(value)}")
    return checked_text(value, path, max_chars=max_chars)


def required_key(body: Body, name: str, where: str = "") -> str:
    """A group's key: a non-empty string of at most 1024 characters."""
    path = member(where, name)
    if body.get(name) is None:
        raise PayloadError(f"{path} is missing")
    value = optional_text(body, name, where, max_chars=MAX_GROUP_KEY_CHARS)
    if not value:
        raise PayloadError(f"{path} must not be empty")
    return value


def status_of(body: Body, name: str = "status", where: str = "") -> Status:
    path = member(where, name)
    value = body.get(name)
    if value is None:
        raise PayloadError(f"{path} is missing")
    if value == FIRING:
        return FIRING
    if value == RESOLVED:
        return RESOLVED
    raise PayloadError(f'{path} must be "firing" or "resolved", not {shown(value)}')


def string_map(body: Body, name: str, where: str = "") -> dict[str, str]:
    """An object of strings (labels, annotations); absent or null reads as empty."""
    value = body.get(name)
    if value is None:
        return {}
    path = member(where, name)
    if not isinstance(value, dict):
        raise PayloadError(f"{path} must be an object of strings, not {kind_of(value)}")
    read: dict[str, str] = {}
    for key, item in value.items():
        checked_key(key, path)
        if not isinstance(item, str):
            raise PayloadError(
                f"{path} must be an object of strings ({shown(key)} is {kind_of(item)})"
            )
        read[key] = checked_text(item, member(path, key))
    return read


def checked_key(key: str, where: str) -> str:
    if len(key) > MAX_KEY_CHARS:
        raise PayloadError(f"{where} has a name over {MAX_KEY_CHARS} characters")
    return checked_text(key, f"a name in {where}")


def time_of(body: Body, name: str, where: str) -> dt.datetime | None:
    """An RFC 3339 time (Go writes up to nine fractional digits) as an aware UTC datetime;
    absent, empty or Go's zero time (`0001-01-01T00:00:00Z`) reads as None."""
    value = body.get(name)
    if value is None or value == "":
        return None
    path = member(where, name)
    if not isinstance(value, str):
        raise PayloadError(f"{path} must be an RFC 3339 time, not {kind_of(value)}")
    found = _RFC3339.fullmatch(value)
    if found is None:
        raise PayloadError(f"{path} must be an RFC 3339 time, not {shown(value)}")
    year, month, day, hour, minute, second, fraction, zone = found.groups()
    try:
        if zone in ("Z", "z"):
            offset = dt.UTC
        else:
            hours, minutes = int(zone[1:3]), int(zone[4:6])
            sign = -1 if zone[0] == "-" else 1
            offset = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
        moment = dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0").ljust(6, "0")[:6]),  # microseconds: nanoseconds cut
            tzinfo=offset,
        ).astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise PayloadError(f"{path} is not a real time: {shown(value)}") from None
    return None if moment == _GO_ZERO_TIME else moment


def link(label: str, url: str) -> tuple[Link, ...]:
    """`(Link(label, url),)` when `url` is an absolute http(s) URL; `()` for anything else
    (`javascript:`, relative, blank), which is never shown."""
    if not url or _UNPRINTABLE.search(url):
        return ()
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return ()
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ()
    return (Link(label, url),)


def fingerprint_of(labels: Mapping[str, str]) -> str:
    """A stable fingerprint for a sender that gives none (Alertmanagers before 0.19)."""
    canonical = json.dumps(sorted(labels.items()), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def alerts_of(body: Body, read_alert: ReadAlert) -> tuple[AlertItem, ...]:
    value = body.get("alerts")
    if value is None:
        raise PayloadError("alerts is missing")
    if not isinstance(value, list):
        raise PayloadError(f"alerts must be an array, not {kind_of(value)}")
    if not value:
        raise PayloadError("alerts must hold at least one alert")
    if len(value) > MAX_ALERTS:
        raise PayloadError(f"alerts holds {len(value)} alerts; at most {MAX_ALERTS} are read")
    read = []
    for index, raw in enumerate(value):
        where = f"alerts[{index}]"
        if not isinstance(raw, dict):
            raise PayloadError(f"{where} must be an object, not {kind_of(raw)}")
        read.append(read_alert(raw, where))
    return tuple(read)


def truncated_of(body: Body) -> int:
    value = body.get("truncatedAlerts")
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_TRUNCATED:
        raise PayloadError(
            f"truncatedAlerts must be a whole number from 0 to {MAX_TRUNCATED}, not {shown(value)}"
        )
    return value


def alertmanager_alert(raw: Body, where: str) -> AlertItem:
    """One alert of Alertmanager's `template.Alert` shape (Grafana's extends it)."""
    labels = string_map(raw, "labels", where)
    return AlertItem(
        fingerprint=optional_text(raw, "fingerprint", where, max_chars=MAX_GROUP_KEY_CHARS)
        or fingerprint_of(labels),
        status=status_of(raw, "status", where),
        labels=labels,
        annotations=string_map(raw, "annotations", where),
        starts_at=time_of(raw, "startsAt", where),
        ends_at=time_of(raw, "endsAt", where),
        links=link("Source", optional_text(raw, "generatorURL", where)),
    )


def alertmanager_group(body: Body, read_alert: ReadAlert) -> Notification:
    """A group of Alertmanager's `template.Data` shape, with `groupKey` and
    `truncatedAlerts` (Alertmanager's webhook message; Grafana's extends it)."""
    return Notification(
        group_key=required_key(body, "groupKey"),
        status=status_of(body),
        alerts=alerts_of(body, read_alert),
        truncated=truncated_of(body),
        group_labels=string_map(body, "groupLabels"),
        common_labels=string_map(body, "commonLabels"),
        common_annotations=string_map(body, "commonAnnotations"),
    )

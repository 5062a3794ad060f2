"""Grafana alerting's webhook: the body (grafana/alerting `receivers/webhook`, its
`webhookMessage`) and its optional HMAC signature (grafana/alerting `http/hmac.go`).

The body is Alertmanager's message (`templates.ExtendedData`) plus `orgId`, `title`, `state`
and `message`; each alert (`templates.ExtendedAlert`) adds `silenceURL`, `dashboardURL`,
`panelURL`, `values` (numbers by query ref), `valueString` and `imageURL`. Its `version` is
"1"; it is not checked, since nothing read here depends on it."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import math
from collections.abc import Mapping

from bot.alerts.payload_reading import (
    Body,
    PayloadError,
    alertmanager_alert,
    alertmanager_group,
    checked_key,
    kind_of,
    link,
    member,
    optional_text,
    shown,
)
from bot.alerts.terms import AlertItem, Notification

SIGNATURE_HEADER = "X-Grafana-Alerting-Signature"


def read_grafana(body: Body) -> Notification:
    group = alertmanager_group(body, _grafana_alert)
    return dataclasses.replace(
        group, title=optional_text(body, "title"), message=optional_text(body, "message")
    )


def _grafana_alert(raw: Body, where: str) -> AlertItem:
    alert = alertmanager_alert(raw, where)
    links = (
        alert.links
        + link("Silence", optional_text(raw, "silenceURL", where))
        + link("Dashboard", optional_text(raw, "dashboardURL", where))
        + link("Panel", optional_text(raw, "panelURL", where))
    )
    return dataclasses.replace(alert, links=links, values=_values(raw, where))


def _values(raw: Body, where: str) -> dict[str, str]:
    """`values` ({"B": 97.2, "C": 1}) as text, written as Go writes the numbers."""
    value = raw.get("values")
    if value is None:  # Go writes an absent map as null
        return {}
    path = member(where, "values")
    if not isinstance(value, dict):
        raise PayloadError(f"{path} must be an object of numbers, not {kind_of(value)}")
    read: dict[str, str] = {}
    for ref, number in value.items():
        checked_key(ref, path)
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise PayloadError(
                f"{path} must be an object of numbers ({shown(ref)} is {kind_of(number)})"
            )
        if isinstance(number, float) and not math.isfinite(number):
            raise PayloadError(f"{member(path, ref)} is out of range")
        read[ref] = repr(number).replace("e-0", "e-") if isinstance(number, float) else str(number)
    return read


def verify_grafana_signature(
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    header: str = SIGNATURE_HEADER,
    timestamp_header: str | None = None,
) -> bool:
    """Whether `headers[header]` is Grafana's signature of `body`: the hex HMAC-SHA256, keyed
    with `secret`, of `timestamp:body` when a timestamp header is configured (its value being
    the timestamp), else of the body alone. Header names match in any case. A missing
    header, an empty secret or a signature that is not ASCII is a False, never an error.
    How old the timestamp may be is the caller's to decide."""
    if not secret:
        return False
    sent = _header(headers, header)
    if sent is None:
        return False
    signed = body
    if timestamp_header:
        timestamp = _header(headers, timestamp_header)
        if timestamp is None or not timestamp.isascii():
            return False
        signed = timestamp.encode("ascii") + b":" + body
    if not sent.isascii():
        return False
    expected = hmac.new(secret.encode("utf-8", "surrogatepass"), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), sent.strip().lower().encode("ascii"))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None

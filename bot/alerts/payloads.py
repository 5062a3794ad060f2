"""A posted body read into a `Notification` (bot/alerts/terms.py), by the source's kind:

- `alertmanager`: Alertmanager's webhook, version 4 (prometheus/alertmanager
  `notify/webhook/webhook.go`'s `Message`: `template.Data` with `version`, `groupKey` and
  `truncatedAlerts`);
- `grafana`: Grafana alerting's webhook (bot/alerts/grafana.py);
- `webhook`: the generic `{"key", "status", "summary", "severity", "labels", "url"}`.

`parse` returns a Notification or raises `PayloadError`, whatever the bytes: its message is
one line for the 400. Links are kept only for http(s) URLs; opsbot shows them, never calls
them."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.alerts.grafana import SIGNATURE_HEADER, read_grafana, verify_grafana_signature
from bot.alerts.payload_reading import (
    MAX_ALERTS,
    MAX_BODY_BYTES,
    Body,
    PayloadError,
    alertmanager_alert,
    alertmanager_group,
    link,
    load_object,
    optional_text,
    required_key,
    shown,
    status_of,
    string_map,
)
from bot.alerts.terms import AlertItem, Notification

__all__ = [
    "KINDS",
    "MAX_ALERTS",
    "MAX_BODY_BYTES",
    "SIGNATURE_HEADER",
    "PayloadError",
    "parse",
    "verify_grafana_signature",
]


def parse(kind: str, body: bytes, headers: Mapping[str, str] | None = None) -> Notification:
    """The notification `body` holds, read as `kind` ("alertmanager", "grafana" or
    "webhook"). Raises PayloadError (one line) for a body it cannot read; a kind it does not
    know is the caller's mistake, a plain ValueError. `headers` are not read today: no
    reader needs them (Grafana's signature is `verify_grafana_signature`'s)."""
    read = _READERS.get(kind)
    if read is None:
        raise ValueError(f"no payload reader for the kind {kind!r}")
    return read(load_object(body))


def read_alertmanager(body: Body) -> Notification:
    version = body.get("version")
    if version is None:
        raise PayloadError('version is missing (Alertmanager\'s webhook sends "4")')
    if version != "4":
        raise PayloadError(
            f'version must be "4" (Alertmanager\'s webhook version 4), not {shown(version)}'
        )
    return alertmanager_group(body, alertmanager_alert)


def read_generic(body: Body) -> Notification:
    """`{"key", "status", "summary", "severity", "labels", "url"}`: one alert, whose
    fingerprint is the key; `severity` joins the labels."""
    key = required_key(body, "key")
    status = status_of(body)
    labels = string_map(body, "labels")
    severity = optional_text(body, "severity")
    if severity:
        labels["severity"] = severity
    summary = optional_text(body, "summary")
    annotations = {"summary": summary} if summary else {}
    alert = AlertItem(
        fingerprint=key,
        status=status,
        labels=labels,
        annotations=annotations,
        links=link("Link", optional_text(body, "url")),
    )
    return Notification(
        group_key=key,
        status=status,
        alerts=(alert,),
        group_labels=dict(labels),
        common_labels=dict(labels),
        common_annotations=dict(annotations),
    )


_READERS: dict[str, Callable[[Body], Notification]] = {
    "alertmanager": read_alertmanager,
    "grafana": read_grafana,
    "webhook": read_generic,
}
KINDS = tuple(_READERS)

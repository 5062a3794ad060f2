"""Alerts in the shell, with no monitoring: `alert NAME [firing|resolved]` (commands.py)
posts a notification to the bot's own `POST /alerts/<token>`, as monitoring would, through
the configuration's first source that takes one (a webhook or an Alertmanager). A
configuration with no such source (the packaged example has no `alerts:` section) gets one
for the shell alone: `shell`, a webhook paging the first roster."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from typing import Any

from bot.config import AlertSource, OrgConfig
from bot.kit.shell.errors import ShellError

SHELL_SOURCE = "shell"
POSTS = ("webhook", "alertmanager")  # the kinds `alert` writes a body for
USAGE = "alert NAME [firing|resolved], e.g. `alert HighLatency`, then `alert HighLatency resolved`"


def with_test_source(config: OrgConfig) -> OrgConfig:
    """`config`, with the shell's own webhook source when it has none that `alert` can use
    (and a roster to page)."""
    if source_for_alert(config) is not None or not config.rosters:
        return config
    source = AlertSource(id=SHELL_SOURCE, kind="webhook", roster=config.rosters[0].id)
    alerts = config.alerts.model_copy(update={"sources": [*config.alerts.sources, source]})
    return config.model_copy(update={"alerts": alerts})


def source_for_alert(config: OrgConfig) -> AlertSource | None:
    return next((s for s in config.alerts.sources if s.kind in POSTS), None)


def body_for(source: AlertSource, name: str, status: str, now: dt.datetime) -> dict[str, Any]:
    """What that kind of sender posts for one alert `name` (its group is the name too)."""
    stamp = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    labels = {"alertname": name, "severity": "warning", "sent_by": "opsbot shell"}
    summary = name
    if source.kind == "webhook":
        return {"key": name, "status": status, "summary": summary, "labels": labels}
    alert = {
        "status": status,
        "labels": labels,
        "annotations": {"summary": summary},
        "startsAt": stamp,
        "endsAt": stamp if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "",
        "fingerprint": name,
    }
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}"}}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "opsbot",
        "groupLabels": {"alertname": name},
        "commonLabels": labels,
        "commonAnnotations": {"summary": summary},
        "externalURL": "",
        "alerts": [alert],
    }


def parse_alert(rest: str) -> tuple[str, str]:
    """`NAME [firing|resolved]` → (name, status)."""
    words = rest.split()
    if not words or len(words) > 2:
        raise ShellError(f"usage: {USAGE}")
    name, status = words[0], (words[1].lower() if len(words) == 2 else "firing")
    if status not in ("firing", "resolved"):
        raise ShellError(f"{words[1]!r} is neither firing nor resolved; usage: {USAGE}")
    return name, status


def send(url: str, body: dict[str, Any]) -> int:
    """POST `body` as JSON to `url` (the bot's own); the HTTP status it answered 2xx with."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        raise ShellError(f"the bot answered HTTP {error.code}: {error.read()[:200]!r}") from None

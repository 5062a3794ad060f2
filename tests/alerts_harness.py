"""For the alerts tests: the example configuration with an `alerts:` section, the alerts
channel in the stand-in, a source's secret URL, and Alertmanager-shaped bodies."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from typing import Any

import yaml

from bot.alerts.tokens import alerts_url, issue_token
from bot.config import OrgConfig, example_config_path

ALERTS = "C0ALERTS"


def with_alerts(base: OrgConfig, alertmanager_url: str | None = None, **extra: Any) -> OrgConfig:
    """`base` with three sources: `prometheus` (Alertmanager: critical payments alerts
    declare a sev2, info alerts only post), `hooks` (the generic webhook) and `backup` (a
    heartbeat every 26h); all page the `platform` roster."""
    prometheus: dict[str, Any] = {
        "id": "prometheus",
        "kind": "alertmanager",
        "roster": "platform",
        "routes": [
            {"match": {"severity": "critical", "team": "payments"}, "declare": "sev2"},
            {"match": {"severity": "/info|none/"}, "page": False},
        ],
    }
    if alertmanager_url:
        prometheus["alertmanager_url"] = alertmanager_url
    del base  # the example's own text: its times are written as people write them
    data = yaml.safe_load(example_config_path().read_text())
    data["alerts"] = {
        "channel": ALERTS,
        "sources": [
            prometheus,
            {"id": "hooks", "kind": "webhook", "roster": "platform", **extra},
            {"id": "backup", "kind": "heartbeat", "roster": "platform", "expect_every": "26h"},
        ],
    }
    return OrgConfig.model_validate(data)


def url_of(bot: Any, server: str, source: str) -> str:
    return alerts_url(issue_token(bot.db, source, bot.clock.now()), server)


def post(url: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def am_alert(
    name: str,
    status: str = "firing",
    *,
    instance: str = "a",
    severity: str = "warning",
    summary: str | None = None,
    **labels: str,
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": name, "instance": instance, "severity": severity, **labels},
        "annotations": {"summary": summary or f"{name} on {instance}"},
        "startsAt": "2026-11-24T07:39:00.123456789Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-24T07:50:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up&g0.tab=1",
        "fingerprint": f"{name}-{instance}",
    }


def am_body(
    name: str, alerts: list[dict[str, Any]], *, truncated: int = 0, **common: str
) -> dict[str, Any]:
    """Alertmanager's webhook body (version 4) of the group `{alertname=name}`."""
    firing = any(a["status"] == "firing" for a in alerts)
    shared = {"alertname": name, **common}
    return {
        "receiver": "opsbot",
        "status": "firing" if firing else "resolved",
        "alerts": alerts,
        "groupLabels": {"alertname": name},
        "commonLabels": shared,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}"}}',
        "truncatedAlerts": truncated,
    }


def later(moment: dt.datetime, **delta: float) -> dt.datetime:
    return moment + dt.timedelta(**delta)

"""`opsbot alerts url SOURCE`: print a source's secret URL for monitoring to post to. Asking
again rotates it: the old URL stops working at once (only the token's hash is kept)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from bot.clock import SYSTEM_CLOCK
from bot.config import OrgConfig
from bot.settings import Settings

Load = Callable[[], tuple[Settings, OrgConfig]]

WHERE = {
    "alertmanager": "Alertmanager: a receiver with `webhook_configs: [{url: <this URL>, "
    "send_resolved: true}]`.",
    "grafana": "Grafana: a contact point of type Webhook, URL <this URL>, method POST.",
    "webhook": 'Any tool: POST JSON {"key", "status": "firing"|"resolved", "summary", '
    '"severity", "labels", "url"} to it.',
    "heartbeat": "The job: POST anything to it each time it runs (curl -fsS -X POST <URL>).",
}


def cmd_alerts_url(args: argparse.Namespace, load: Load) -> int:
    from bot.alerts.tokens import alerts_url, has_token, issue_token
    from bot.db.engine import Database
    from bot.schema.migrate import upgrade

    settings, config = load()
    source = config.alert_source(args.source)
    if source is None:
        known = ", ".join(s.id for s in config.alerts.sources) or "none configured"
        print(
            f"opsbot: there is no alert source {args.source!r}; sources: {known}", file=sys.stderr
        )
        return 2
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        replaced = has_token(db, source.id)
        token = issue_token(db, source.id, SYSTEM_CLOCK.now())
    finally:
        db.dispose()
    print(alerts_url(token, settings.opsbot_public_url))
    notes = [
        f"The URL of alert source {source.id} ({source.kind}); keep it secret.",
        WHERE[source.kind],
    ]
    if replaced:
        notes.append("The source's previous URL no longer works.")
    notes.append(
        "Only a hash of its secret is kept, so it cannot be shown again: running this "
        "command again issues a new URL and the old one stops working."
    )
    if not settings.opsbot_public_url:
        notes.append("OPSBOT_PUBLIC_URL is not set: put the bot's public address before this path.")
    for note in notes:
        print(note, file=sys.stderr)
    return 0


def add_parser(sub: Any, load: Load) -> None:
    alerts = sub.add_parser("alerts", help="alert sources (monitoring posting to opsbot)")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", required=True)
    url = alerts_sub.add_parser(
        "url",
        help="print a source's secret URL (a new one each time: the old URL stops working)",
        description="Print the secret URL an alert source (alerts.sources[].id) posts to. "
        "Each run issues a new URL; the previous one stops working.",
    )
    url.add_argument("source", metavar="SOURCE", help="the source's id in opsbot.yaml")
    url.set_defaults(func=lambda args: cmd_alerts_url(args, load))

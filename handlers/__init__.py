"""Bolt listeners, the Slack adapter: ack at once, parse, call the domain through the
services object, render. Slack work after the ack. `bot.app.create_app` registers them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers import (
    alert_actions,
    alerts_command,
    app_home,
    incident_actions,
    incident_command,
    loop_command,
    request_log,
    standby_command,
    standby_cover_actions,
    unhandled,
)

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Services


def register_all(app: App, services: Services) -> None:
    request_log.register(app, services)
    unhandled.register(app, services)
    app_home.register_actions(app, services)  # before incident_actions: see app_home.py
    incident_command.register(app, services)
    incident_actions.register(app, services)
    standby_command.register(app, services)
    standby_command.register_actions(app, services)
    standby_cover_actions.register(app, services)
    loop_command.register(app, services)
    alert_actions.register(app, services)
    alerts_command.register(app, services)
    app_home.register(app, services)

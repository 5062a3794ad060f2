"""Bolt listeners: ack at once, parse, call the domain, render. Slack work after the ack."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import OpsBot


def register_all(bot: OpsBot) -> None:
    from handlers import (
        app_home,
        incident_actions,
        incident_command,
        loop_command,
        standby_command,
    )

    incident_command.register(bot)
    incident_actions.register(bot)
    standby_command.register(bot)
    standby_command.register_actions(bot)
    loop_command.register(bot)
    app_home.register(bot)

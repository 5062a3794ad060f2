"""Buttons on alert messages: Acknowledge (the group's, or a storm's), Declare incident (the
declare modal filled from the alert; the incident links the group) and Silence 1h/4h/24h
(a silence through the source's Alertmanager, made after the ack)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.errors import Refusal
from bot.incidents import render as incident_render
from handlers.failures import answers_failures

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.change import Change
    from bot.services import Services


def register(app: App, services: Services) -> None:
    def tell(respond: Respond, text: str) -> None:
        respond(text=text, response_type="ephemeral", replace_original=False)

    def answer(respond: Respond, change: Change) -> None:
        tell(respond, change.message)
        services.deliver_soon(change.deliveries)

    acknowledging = {
        "alert_ack": services.alerts.acknowledge,  # a group's message
        "alert_storm_ack": services.alerts.storm_acknowledge,  # a storm's message
    }

    @app.action("alert_ack")
    @app.action("alert_storm_ack")
    @answers_failures(services.clock)
    def acknowledge(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        take = acknowledging[action["action_id"]]
        try:
            change = take(int(action["value"]), body["user"]["id"])
        except Refusal as exc:
            tell(respond, f":warning: {exc}")
            return
        answer(respond, change)

    @app.action("alert_declare")
    @answers_failures(services.clock)
    def declare(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        episode_id = int(action["value"])
        try:
            draft = services.flows.alerts.draft(episode_id)
        except Refusal as exc:
            tell(respond, f":warning: {exc}")
            return
        metadata = json.dumps(
            {"alert_episode": episode_id, "channel": (body.get("channel") or {}).get("id")}
        )
        view = incident_render.declare_modal(
            services.config,
            metadata,
            draft.title,
            severity=draft.severity,
            description=draft.description,
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action("alert_silence_1")
    @app.action("alert_silence_4")
    @app.action("alert_silence_24")
    @answers_failures(services.clock)
    def silence(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        hours = int(action["action_id"].rsplit("_", 1)[1])
        user = body["user"]["id"]
        who = body["user"].get("username") or body["user"].get("name") or user

        def make() -> None:
            try:
                change = services.flows.alerts.silence(int(action["value"]), user, hours, who)
            except Refusal as exc:
                tell(respond, f":warning: {exc}")
                return
            answer(respond, change)

        services.later(make)

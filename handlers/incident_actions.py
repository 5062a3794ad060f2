"""Buttons on the incident card and the incident modals."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.config import SEVERITIES
from bot.errors import Refusal
from bot.flows.incidents import PagingOutcome
from bot.incidents import render
from bot.incidents.commands import MAX_TEXT, MAX_TITLE
from bot.incidents.service import Actor
from handlers.failures import answers_failures
from handlers.incident_replies import paging_note
from handlers.views import field_value, view_metadata

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.change import Change
    from bot.services import Services


def register(app: App, services: Services) -> None:
    service = services.incidents

    def run(respond: Respond, call: Callable[[], Change]) -> None:
        try:
            change = call()
        except Refusal as exc:
            respond(text=f":warning: {exc}", response_type="ephemeral", replace_original=False)
            return
        if not change.changed:
            respond(text=change.message, response_type="ephemeral", replace_original=False)
        services.deliver_soon(change.deliveries)

    def actor_of(body: dict[str, Any]) -> Actor:
        return Actor(body["user"]["id"], (body.get("channel") or {}).get("id"))

    @app.action("incident_status_identified")
    @app.action("incident_status_monitoring")
    @answers_failures(services.clock)
    def status_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        status = action["action_id"].removeprefix("incident_status_")
        run(respond, lambda: service.set_status(int(action["value"]), actor_of(body), status))

    @app.action("page_ack")
    @app.action("page_decline")
    @answers_failures(services.clock)
    def page_answer(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        user, chain = body["user"]["id"], int(action["value"])
        answer = (
            services.escalations.acknowledge
            if action["action_id"] == "page_ack"
            else services.escalations.decline
        )
        try:
            result = answer(chain, user)
        except Refusal as exc:
            respond(text=f":warning: {exc}", response_type="ephemeral", replace_original=False)
            return
        respond(text=result.message, response_type="ephemeral", replace_original=False)
        services.deliver_soon(result.deliveries)

    @app.action("incident_take_ic")
    @answers_failures(services.clock)
    def take_ic(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        actor = actor_of(body)
        run(respond, lambda: service.assign(int(action["value"]), actor, "ic", actor.user_id))

    @app.action("incident_update")
    @app.action("incident_resolve")
    @answers_failures(services.clock)
    def open_modal(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        try:
            incident = service.get(int(action["value"]), actor_of(body))
        except Refusal as exc:
            respond(text=f":warning: {exc}", response_type="ephemeral", replace_original=False)
            return
        metadata = json.dumps({"incident": incident.id})
        builder = (
            render.update_modal
            if action["action_id"] == "incident_update"
            else render.resolve_modal
        )
        client.views_open(trigger_id=body["trigger_id"], view=builder(incident, metadata))

    @app.view("incident_declare")
    @answers_failures(services.clock)
    def declare_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        title = field_value(view, "title")
        severity = field_value(view, "severity") or "sev3"
        team = field_value(view, "team") or None
        description = field_value(view, "description")
        errors: dict[str, str] = {}
        if not title:
            errors["title"] = "Give the incident a title."
        elif len(title) > MAX_TITLE:
            errors["title"] = f"Keep the title within {MAX_TITLE} characters."
        if severity not in SEVERITIES:
            errors["severity"] = "Choose a severity."
        if len(description) > MAX_TEXT:
            errors["description"] = f"Keep the description within {MAX_TEXT} characters."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        metadata = view_metadata(view)
        actor = Actor(body["user"]["id"], metadata.get("channel"), metadata.get("response_url"))
        fields = {
            "title": title,
            "severity": severity,
            "key": f"view:{view['id']}",
            "team_id": team,
            "description": description,
            "page": "page" in (field_value(view, "page") or []),
        }
        episode = metadata.get("alert_episode")
        try:
            if isinstance(episode, int):  # declared from an alert's message: linked to it
                declared = services.flows.alerts.declare_from_alert(episode, actor, **fields)
            else:
                declared = services.flows.incidents.declare(actor, **fields)
        except Refusal as exc:
            client.chat_postMessage(channel=actor.user_id, text=f":warning: {exc}")
            return
        paging = declared.paging
        if paging.error is not None:  # as any failure after the ack: the declarer is told
            raise paging.error
        try:
            if paging.outcome is not PagingOutcome.NOT_ASKED:  # the declarer asked, or sev pages
                icon = ":warning:" if paging.outcome is PagingOutcome.REFUSED else ":pager:"
                client.chat_postMessage(
                    channel=actor.user_id,
                    text=f"{icon} {declared.incident.ref}:{paging_note(paging)}",
                )
        finally:
            services.deliver_soon(declared.change.deliveries)

    @app.view("incident_update")
    @answers_failures(services.clock)
    def update_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        text = field_value(view, "text")
        if not text:
            ack(response_action="errors", errors={"text": "Write the update."})
            return
        ack()
        incident_id = view_metadata(view).get("incident")
        actor = Actor(body["user"]["id"])
        submit(
            client,
            actor,
            lambda: service.update(incident_id, actor, text, key=f"view:{view['id']}"),
        )

    @app.view("incident_resolve")
    @answers_failures(services.clock)
    def resolve_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        incident_id = view_metadata(view).get("incident")
        actor = Actor(body["user"]["id"])
        submit(
            client, actor, lambda: service.resolve(incident_id, actor, field_value(view, "summary"))
        )

    def submit(client: WebClient, actor: Actor, call: Callable[[], Change]) -> None:
        try:
            change = call()
        except Refusal as exc:
            client.chat_postMessage(channel=actor.user_id, text=f":warning: {exc}")
            return
        services.deliver_soon(change.deliveries)

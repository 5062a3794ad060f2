"""`/incident`: parse, act, answer within Slack's 3 seconds; Slack work after the ack."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.db.outage import unreachable
from bot.errors import Refusal, UsageError
from bot.escalation.reading import history
from bot.escalation.render import history_lines
from bot.incidents import render
from bot.incidents.commands import USAGE, Command, parse
from bot.incidents.models import Incident
from bot.incidents.postmortem import postmortem_markdown
from bot.incidents.service import Actor
from bot.slack import blocks as bk
from bot.slack import timefmt
from bot.slack.escaping import escape
from handlers.failures import answers_failures, telling_failures
from handlers.incident_replies import paging_note
from handlers.views import ephemeral, typed_text

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.change import Change
    from bot.services import Services

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    service = services.incidents

    @app.command("/incident")
    @answers_failures(services.clock)
    def incident(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        try:
            cmd = parse(typed_text(command))
        except UsageError as exc:
            ack(**ephemeral(f":warning: {exc}\n\n{USAGE}"))
            return
        actor = Actor(command["user_id"], command.get("channel_id"), command.get("response_url"))
        try:
            handle(cmd, actor, command, ack, client, respond)
        except Refusal as exc:
            ack(**ephemeral(f":warning: {exc}"))

    def handle(
        cmd: Command,
        actor: Actor,
        command: dict[str, Any],
        ack: Ack,
        client: WebClient,
        respond: Respond,
    ) -> None:
        match cmd.name:
            case "help":
                ack(**ephemeral(USAGE))
            case "declare" if not cmd.title:
                ack()
                metadata = json.dumps(
                    {"channel": actor.channel_id, "response_url": actor.response_url}
                )
                client.views_open(
                    trigger_id=command["trigger_id"],
                    view=render.declare_modal(services.config, metadata),
                )
            case "declare":
                # Ack first: under load the write waits its turn at the database, and Slack
                # must not wait for it. The number follows through the response_url.
                severity = cmd.severity or "sev3"
                ack(**ephemeral(f":hourglass: {declaring(severity, cmd.title)}"))
                key = f"command:{command['trigger_id']}"  # Slack's retry declares nothing more
                services.later(
                    declare_after_ack, services, actor, cmd.title, severity, key, respond
                )
            case "update":
                finish(
                    ack,
                    service.update(
                        cmd.ref, actor, cmd.text, key=f"command:{command['trigger_id']}"
                    ),
                )
            case "status":
                finish(ack, service.set_status(cmd.ref, actor, cmd.status or ""))
            case "sev":
                finish(ack, service.set_severity(cmd.ref, actor, cmd.severity or ""))
            case "assign":
                # Slack is asked whether the person is one (users.info): after the ack.
                ack()
                work = functools.partial(assign_after_ack, services, cmd, actor, respond)
                services.later(telling_failures(command, respond, work))
            case "resolve":
                finish(ack, service.resolve(cmd.ref, actor, cmd.text))
            case "list":
                week_ago = services.clock.now() - dt.timedelta(days=7)
                listed = render.list_reply(
                    service.list_open(),
                    service.list_resolved_since(week_ago),
                    now=services.clock.now(),
                )
                ack(**ephemeral(**listed))
            case "show":
                incident = service.get(cmd.ref, actor)
                zone = timefmt.org_zone(services.config)  # the date tokens' fallback
                paging = history_lines(history(services.db, incident.id), zone)
                ack(**ephemeral(**render.show_reply(incident, services.config, paging)))
            case "timeline":
                ack(
                    **ephemeral(
                        **render.timeline_reply(service.get(cmd.ref, actor), services.config)
                    )
                )
            case "postmortem":
                incident = service.get(cmd.ref, actor)
                ack(**ephemeral(f"Drafting the postmortem of {incident.ref}…"))
                post = functools.partial(post_postmortem, services, incident, respond)
                services.later(telling_failures(command, respond, post))
            case "escalate":
                target, reason = cmd.target, cmd.text
                if target and not (services.config.team(target) or services.config.roster(target)):
                    target, reason = None, f"{target} {reason}".strip()
                finish(ack, services.escalations.start(cmd.ref, actor, target, reason))

    def finish(ack: Ack, change: Change) -> None:
        ack(**ephemeral(change.message))
        services.deliver_soon(change.deliveries)


DECLARE_UNREACHABLE = (
    "opsbot cannot reach its database right now, so nothing was declared. Try again in a "
    "minute; meanwhile, open a channel and tell people by hand."
)
DECLARE_FAILED = "Something went wrong while declaring; see `/incident list` before trying again."


def declaring(severity: str, title: str) -> str:
    """The ack of `/incident declare [sevN] TITLE`, before the incident exists."""
    return f"Declaring a {severity} incident: {escape(title)}…"


def declare_after_ack(
    services: Services, actor: Actor, title: str, severity: str, key: str, respond: Respond
) -> None:
    """The work of `/incident declare [sevN] TITLE` once Slack has its ack: declare the
    incident (once per `key`; the flow pages when its severity always pages), tell the
    declarer its number (or why not) through the response_url, then send what it owes Slack."""
    try:
        declared = services.flows.incidents.declare(actor, title=title, severity=severity, key=key)
    except Refusal as exc:
        respond(**ephemeral(f":warning: {exc}"))
        return
    except Exception as error:
        if unreachable(error):  # nothing was declared: say why, and to try again
            log.warning("declaring an incident failed: the database cannot be reached")
            respond(**ephemeral(f":x: {DECLARE_UNREACHABLE}"))
            return
        log.exception("declaring an incident failed")
        respond(**ephemeral(f":x: {DECLARE_FAILED}"))
        return
    change = declared.change
    try:
        if change.changed:
            note = paging_note(declared.paging)
            respond(**ephemeral(f":rotating_light: {change.message} Creating its channel…{note}"))
        else:
            respond(**ephemeral(change.message))
    finally:
        services.deliver_soon(change.deliveries)


def assign_after_ack(services: Services, cmd: Command, actor: Actor, respond: Respond) -> None:
    """`/incident assign`, once Slack has its ack: the flow asks Slack whether the user is a
    person before giving the role."""
    try:
        change = services.flows.incidents.assign(cmd.ref, actor, cmd.role or "", cmd.user or "")
    except Refusal as exc:
        respond(**ephemeral(f":warning: {exc}"))
        return
    try:
        respond(**ephemeral(change.message))
    finally:
        services.deliver_soon(change.deliveries)


def post_postmortem(services: Services, incident: Incident, respond: Respond) -> None:
    paging = history_lines(history(services.db, incident.id))
    markdown = postmortem_markdown(incident, services.config, paging, services.people.name)
    if incident.channel_id:
        try:
            services.client.files_upload_v2(
                channel=incident.channel_id,
                content=markdown,
                filename=f"postmortem-{incident.ref.lower()}.md",
                title=f"Postmortem draft: {incident.ref}",
                initial_comment=f"Postmortem draft for {incident.ref}: fill in the TODOs.",
            )
            respond(text=f"Posted the postmortem draft in <#{incident.channel_id}>.")
            return
        except SlackApiError as exc:
            log.warning(
                "postmortem upload for %s failed: %s", incident.ref, exc.response.get("error")
            )
    # the draft as a code block: what people typed in it escaped like everything else
    fenced = escape(markdown).replace("```", "`\u200b``")
    respond(text=f"```\n{bk.clip(fenced, 3800)}\n```")

"""`/incident`: parse, act, answer within Slack's 3 seconds; Slack work after the ack."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot import clock
from bot.db.outage import unreachable
from bot.errors import Refusal, UsageError
from bot.escalation.render import history_lines
from bot.incidents import render
from bot.incidents.commands import USAGE, Command, parse
from bot.incidents.postmortem import postmortem_markdown
from bot.incidents.service import Actor
from bot.slack import blocks as bk
from bot.slack import timefmt
from bot.slack.escaping import escape
from handlers.failures import answers_failures, telling_failures
from handlers.views import ephemeral, typed_text

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Services

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    service = services.incidents

    @app.command("/incident")
    @answers_failures
    def incident(ack: Any, command: dict[str, Any], client: Any, respond: Any) -> None:
        try:
            cmd = parse(typed_text(command))
        except UsageError as exc:
            ack(**ephemeral(f":warning: {exc}\n\n{USAGE}"))
            return
        actor = Actor(command["user_id"], command.get("channel_id"), command.get("response_url"))
        try:
            handle(services, cmd, actor, command, ack, client, respond)
        except Refusal as exc:
            ack(**ephemeral(f":warning: {exc}"))

    def handle(services, cmd: Command, actor: Actor, command, ack, client, respond) -> None:  # type: ignore[no-untyped-def]
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
                week_ago = clock.now() - dt.timedelta(days=7)
                listed = render.list_reply(
                    service.list_open(), service.list_resolved_since(week_ago)
                )
                ack(**ephemeral(**listed))
            case "show":
                incident = service.get(cmd.ref, actor)
                zone = timefmt.org_zone(services.config)  # the date tokens' fallback
                paging = history_lines(services.escalations.history(incident.id), zone)
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

    def finish(ack, result) -> None:  # type: ignore[no-untyped-def]
        ack(**ephemeral(result.message))
        services.deliver_soon(result.deliveries)


DECLARE_UNREACHABLE = (
    "opsbot cannot reach its database right now, so nothing was declared. Try again in a "
    "minute; meanwhile, open a channel and tell people by hand."
)
DECLARE_FAILED = "Something went wrong while declaring; see `/incident list` before trying again."


def declaring(severity: str, title: str) -> str:
    """The ack of `/incident declare [sevN] TITLE`, before the incident exists."""
    return f"Declaring a {severity} incident: {escape(title)}…"


def declare_after_ack(
    services: Services, actor: Actor, title: str, severity: str, key: str, respond: Any
) -> None:
    """The work of `/incident declare [sevN] TITLE` once Slack has its ack: record the
    incident (once per `key`), page when its severity always pages, tell the declarer its
    number (or why not) through the response_url, then send what it owes Slack."""
    try:
        result = services.incidents.declare(actor, title=title, severity=severity, key=key)
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
    try:
        paging = page_on_declare(services, result, actor, wanted=False)
    except Exception:  # the incident is declared: say so, and that paging failed
        log.exception("paging on declare failed for %s", result.incident.ref)
        paging = " Paging standby failed; page with `/incident escalate`."
    try:
        if result.changed:
            respond(**ephemeral(f":rotating_light: {result.message} Creating its channel…{paging}"))
        else:
            respond(**ephemeral(result.message))
    finally:
        services.deliver_soon(result.deliveries)


def assign_after_ack(services: Services, cmd: Command, actor: Actor, respond: Any) -> None:
    """`/incident assign`: roles go to people, not to bots or to ids Slack does not know."""
    try:
        services.people.require_person(cmd.user or "")
        result = services.incidents.assign(cmd.ref, actor, cmd.role or "", cmd.user or "")
    except Refusal as exc:
        respond(**ephemeral(f":warning: {exc}"))
        return
    try:
        respond(**ephemeral(result.message))
    finally:
        services.deliver_soon(result.deliveries)


def page_on_declare(services: Services, result: Any, actor: Actor, *, wanted: bool) -> str:
    """Page standby for a new incident when asked to, or when its severity always pages.
    Returns a note for the declarer ("" when nobody was paged)."""
    incident = result.incident
    if not result.changed:
        return ""
    if not (wanted or incident.severity in services.config.incidents.page_on_declare):
        return ""
    try:
        paged = services.escalations.start(incident.id, actor, None, "declared")
    except Refusal as exc:
        return f" Not paged: {exc}"
    result.deliveries.extend(paged.deliveries)
    return f" {paged.message}"


def post_postmortem(services: Services, incident: Any, respond: Any) -> None:
    paging = history_lines(services.escalations.history(incident.id))
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

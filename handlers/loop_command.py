"""`/lol`, the loop's buttons and its update modal: ack at once, Slack work after the ack."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.errors import Refusal, UsageError
from bot.loop import render
from bot.loop.commands import USAGE, LoopCommand, parse
from bot.loop.renderers import digest_messages
from bot.loop.service import LoopError, Need
from bot.slack import timefmt
from handlers.failures import answers_failures
from handlers.views import ephemeral, field_value, typed_text, view_metadata

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.config import Team
    from bot.services import Services


def register(app: App, services: Services) -> None:
    service = services.loop

    def say(body: dict[str, Any], respond: Respond, text: str) -> None:
        """Answer the person who clicked: ephemerally where the click came with a
        response_url (a message), by DM where it did not (the App Home tab)."""
        if body.get("response_url"):
            respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            services.client.chat_postMessage(channel=body["user"]["id"], text=text)

    def open_modal(
        client: WebClient, trigger_id: str, user: str, team_id: str | None, week: str
    ) -> None:
        teams = service.answerable(user, team_id)
        if service.week_is_closed(week):
            raise LoopError(f"The digest of {week} is posted already: that week is closed.")
        current = service.current_update(teams[0].id, week) if len(teams) == 1 else None
        view = render.update_modal(services.config, week, teams, current)
        client.views_open(trigger_id=trigger_id, view=view)

    @app.command("/lol")
    @answers_failures(services.clock)
    def lol(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        try:
            cmd = parse(typed_text(command))
        except UsageError as exc:
            ack(**ephemeral(f":warning: {exc}\n\n{USAGE}"))
            return
        try:
            handle(cmd, command["user_id"], command, ack, client, respond)
        except Refusal as exc:
            ack(**ephemeral(f":warning: {exc}"))

    def handle(
        cmd: LoopCommand,
        user: str,
        command: dict[str, Any],
        ack: Ack,
        client: WebClient,
        respond: Respond,
    ) -> None:
        week = service.week()
        match cmd.name:
            case "help":
                ack(**ephemeral(USAGE))
            case "update":
                teams = service.answerable(user, cmd.team)  # refuses before the ack
                if service.week_is_closed(week.id):
                    opens = timefmt.token(week.ends_at, timefmt.org_zone(services.config))
                    raise LoopError(
                        f"The digest of {week.id} is posted already: that week is closed. "
                        f"The next week opens {opens}."
                    )
                ack()
                team_id = teams[0].id if len(teams) == 1 else None
                open_modal(client, command["trigger_id"], user, team_id, week.id)
            case "status":
                updates = service.answered(week.id)
                state = service.week_state(week)
                now = services.clock.now()
                ack(**ephemeral(render.status_reply(services.config, state, updates, now)))
            case "preview":
                messages = digest_messages(service, week.id)
                ack(**ephemeral(**messages[0]))
                for more in messages[1:]:
                    services.later(lambda m=more: respond(response_type="ephemeral", **m))
            case "digest":
                service.check_digest_now(user, week.id)
                missing = service.unanswered(week.id)
                if missing:  # ask first, naming them
                    ack(**ephemeral(**render.confirm_digest(week, missing)))
                    return
                result = service.post_digest_now(user, len(digest_messages(service, week.id)))
                ack(**ephemeral(result.message))
                services.deliver_soon(result.deliveries)
            case "history":
                team = history_team(user, cmd.team)
                ack(
                    **ephemeral(
                        **render.history_reply(services.config, team, service.history(team.id))
                    )
                )

    def history_team(user: str, team_id: str | None) -> Team:
        if team_id:
            return service.team(team_id)
        mine = [t for t in services.config.teams if t.pm == user]
        if len(mine) != 1:
            names = ", ".join(t.id for t in services.config.teams)
            raise LoopError(f"Name the team, like `/lol history payments` (teams: {names}).")
        return mine[0]

    @app.action("loop_write")
    @answers_failures(services.clock)
    def write(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        try:
            value = json.loads(action.get("value") or "{}")
            open_modal(
                client, body["trigger_id"], body["user"]["id"], value.get("team"), value["week"]
            )
        except (ValueError, KeyError):
            say(body, respond, ":warning: That button is broken; type `/lol update`.")
        except Refusal as exc:
            say(body, respond, f":warning: {exc}")

    @app.action("loop_digest_now")
    @answers_failures(services.clock)
    def digest_now(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        """*Post digest now*, confirming `/lol digest`: the confirmation is replaced by the
        outcome, so the button is pressed once."""
        ack()
        week_id = action.get("value") or ""
        try:
            parts = len(digest_messages(service, service.week().id))
            result = service.post_digest_now(body["user"]["id"], parts, week_id)
        except Refusal as exc:
            respond(text=f":warning: {exc}", response_type="ephemeral", replace_original=True)
            return
        respond(text=result.message, response_type="ephemeral", replace_original=True)
        services.deliver_soon(result.deliveries)

    @app.action("loop_ask_done")
    @app.action("loop_ask_withdraw")
    @answers_failures(services.clock)
    def close_ask(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        how = "done" if action["action_id"] == "loop_ask_done" else "withdraw"
        try:
            result = service.close_ask(body["user"]["id"], int(action["value"]), how)
        except (ValueError, Refusal) as exc:
            say(body, respond, f":warning: {exc}")
            return
        say(body, respond, result.message)

    @app.view(render.CALLBACK)
    @answers_failures(services.clock)
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        metadata = view_metadata(view)
        team_id = metadata.get("team") or field_value(view, "team")
        needs, errors = read_needs(view, int(metadata.get("slots") or render.NEED_SLOTS))
        working_on, status = field_value(view, "working_on"), field_value(view, "status")
        if not team_id:
            errors["team"] = "Choose the team this update is for."
        if not working_on:
            errors["working_on"] = "The update is empty: write what the team is working on."
        if not status:
            errors["status"] = "Choose a status."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        try:
            result = service.submit(
                body["user"]["id"],
                team_id,
                str(metadata.get("week") or service.week().id),
                working_on=working_on,
                needs=needs,
                roadblocks=field_value(view, "roadblocks") or "",
                status=status,
                key=f"view:{view['id']}",
            )
        except Refusal as exc:
            block = "team" if not metadata.get("team") else "working_on"
            ack(response_action="errors", errors={block: str(exc)})
            return
        ack()
        services.deliver_soon(result.deliveries)


def read_needs(view: dict[str, Any], slots: int) -> tuple[list[Need], dict[str, str]]:
    needs: list[Need] = []
    errors: dict[str, str] = {}
    for index in range(slots):
        teams = field_value(view, f"need_{index}_teams") or []
        text = field_value(view, f"need_{index}_text") or ""
        if text and not teams:
            errors[f"need_{index}_teams"] = "Choose the team(s) this is asked of."
        elif teams and not text:
            errors[f"need_{index}_text"] = "Say what is needed from them."
        elif text:
            needs.append(Need(tuple(teams), text))
    return needs, errors

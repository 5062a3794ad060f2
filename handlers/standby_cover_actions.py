"""The buttons of a cover request (`/standby cover`): **I'll take it** and **Withdraw**.
A refused click is answered with one ephemeral line; what the channel and the people
involved must see goes through the ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.standby.cover_render import TAKE, WITHDRAW
from bot.standby.service import StandbyError
from handlers.failures import answers_failures

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond

    from bot.change import Change
    from bot.services import Services


def register(app: App, services: Services) -> None:
    covers = services.covers

    def answer(respond: Respond, line: str) -> None:
        respond(text=line, response_type="ephemeral", replace_original=False)

    def click(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, take: bool
    ) -> None:
        ack()
        user = body["user"]["id"]
        try:
            request_id = int(action.get("value") or "")
        except ValueError:
            answer(respond, ":warning: That cover request is not known.")
            return
        try:
            result: Change = (covers.take if take else covers.withdraw)(user, request_id)
        except StandbyError as exc:
            answer(respond, str(exc))  # a polite line: someone was quicker, or not theirs
            return
        answer(respond, result.message)
        services.deliver_soon(result.deliveries)

    @app.action(TAKE)
    @answers_failures(services.clock)
    def take(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        click(ack, body, action, respond, take=True)

    @app.action(WITHDRAW)
    @answers_failures(services.clock)
    def withdraw(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        click(ack, body, action, respond, take=False)

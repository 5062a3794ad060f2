"""Slack's own errors on invites, end to end: `user_not_found`, `cant_invite_self`,
`already_in_channel` while the bot invites people to an incident channel. The rest of the
work is done and nothing is retried for ever. (Errors on posting, `channel_not_found`,
`is_archived`, `user_not_found` on a DM, `invalid_blocks`, `msg_too_long`, `not_in_channel`:
tests/test_delivery_ledger.py.)"""

from __future__ import annotations

from sqlalchemy import select

from bot.incidents.models import Incident
from bot.ledger.models import Delivery
from tests.conftest import ALICE, BOB, DAVE


def declare_for_payments(slack) -> str:
    """Bob declares for Payments (members Alice and Dave): the bot invites Bob, Alice, Dave."""
    slack.submit(
        "incident_declare",
        {
            "title": "Card payments fail",
            "severity": {"option": "sev2"},
            "team": {"option": "payments"},
        },
        user=BOB,
    )
    with slack.bot.db.read() as session:
        return session.scalars(select(Incident.channel_id)).one()


def status_of(bot, key: str) -> tuple[str, int, str | None]:
    with bot.db.read() as session:
        delivery = session.scalars(select(Delivery).where(Delivery.key == key)).one()
        return delivery.status, delivery.attempts, delivery.last_error


def invited(standin) -> list[str]:
    return [c.arg("users") for c in standin.calls_to("conversations.invite")]


def test_an_invitee_slack_no_longer_knows_is_passed_over_and_the_rest_are_invited(
    slack, standin, bot
):
    standin.error_next("conversations.invite", "user_not_found")  # the first one has left
    channel = declare_for_payments(slack)
    members = set(standin.workspace.channels[channel].members)
    assert len(invited(standin)) == 3  # each asked once: no retry of a refused invite
    assert {ALICE, BOB, DAVE} - members == {invited(standin)[0]}
    assert status_of(bot, "incident:1:provision")[0] == "sent"


def test_inviting_the_bot_itself_or_someone_already_there_is_not_an_error(slack, standin, bot):
    standin.error_next("conversations.invite", "cant_invite_self")
    standin.error_next("conversations.invite", "already_in_channel")
    channel = declare_for_payments(slack)
    assert status_of(bot, "incident:1:provision") == ("sent", 1, None)
    assert DAVE in standin.workspace.channels[channel].members
    assert len(invited(standin)) == 3

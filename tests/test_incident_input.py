"""Wrong commands get a line saying what was wrong and the usage; user text is escaped."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.incidents.models import Incident
from tests.conftest import ALICE, GENERAL, INCIDENTS


def count(bot) -> int:
    with bot.db.session() as session:
        return session.scalar(select(func.count()).select_from(Incident))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("frobnicate", "`frobnicate` is not an /incident command."),
        ("declare sev2", "`declare` needs a title"),
        ("sev 5", "`sev` needs a severity from 1 to 4"),
        ("status fixed", "`status` needs one of: investigating, identified, monitoring, resolved"),
        ("assign boss @alice", "`assign` needs a role (ic or comms)"),
        ("assign ic alice", "`alice` is not a person"),
        ("update", "`update` needs the text of the update."),
        ("list everything", "`list` takes no arguments."),
        ("declare sev2 " + "x" * 151, "The title is 151 characters long; the limit is 150."),
    ],
)
@pytest.mark.slow
def test_wrong_commands_answer_with_the_problem_and_the_usage(slack, standin, bot, text, expected):
    reply = slack.command(text)
    assert reply.status == 200
    assert reply.json().get("response_type", "ephemeral") == "ephemeral"
    assert expected in reply.text
    assert "/incident declare [sev1-4] TITLE" in reply.text  # the usage follows
    assert count(bot) == 0
    assert standin.calls_to("chat.postMessage") == []


def test_help_lists_every_subcommand(slack):
    reply = slack.command("help")
    for sub in (
        "declare",
        "update",
        "status",
        "sev",
        "assign",
        "escalate",
        "resolve",
        "list",
        "show",
    ):
        assert f"/incident {sub}" in reply.text


def test_unknown_incident_id(slack):
    reply = slack.command("update INC-99 hello")
    assert "INC-99 does not exist." in reply.text


def test_no_incident_named_outside_an_incident_channel(slack):
    reply = slack.command("status monitoring", channel=GENERAL)
    assert "This is not an incident channel" in reply.text


def test_broadcasts_and_links_in_a_title_ping_and_link_nothing(slack, standin, bot):
    title = "<!channel> deploy <https://evil.example|click here> @here <@U0BOB0001> & co"
    slack.command(f"declare sev2 {title}", user=ALICE)

    posted = [c for c in standin.calls if c.method in ("chat.postMessage", "chat.update")]
    assert posted
    for call in posted:
        raw = str(call.args)
        assert "<!channel>" not in raw and "<!here" not in raw
        assert "<https://evil.example" not in raw
        assert "<@U0BOB0001|" not in raw  # a mention stays a mention, without its label
        assert "@here" not in raw.replace("@\\u200bhere", "").replace("@\u200bhere", "")
    [announcement] = standin.messages(INCIDENTS)
    assert "&lt;!channel&gt;" in announcement.visible_text
    with bot.db.session() as session:
        # stored as typed; the typed mention look-alike is kept from becoming one
        assert session.scalars(select(Incident.title)).one() == title.replace("<@", "<\u200b@")
    topic = standin.workspace.channels[standin.messages(INCIDENTS)[0].channel].topic
    assert topic is not None


def test_a_person_mentioned_in_an_update_is_mentioned_not_shown_as_markup(slack, standin, bot):
    slack.command("declare sev2 Search is flaky", user=ALICE)
    channel = bot.incidents.get(1, None).channel_id  # type: ignore[arg-type]
    slack.command("update @bob is rolling back <!here> @here", user=ALICE, channel=channel)
    [update] = [m for m in standin.messages(channel) if "Update" in m.text]
    assert "<@U0BOB0001> is rolling back &lt;!here&gt; @\u200bhere" in update.text


def test_a_mention_in_a_title_gives_a_readable_channel_name(slack, bot):
    slack.command("declare sev3 Search is flaky for @bob", user=ALICE)
    assert bot.incidents.get(1, None).channel_name == "inc-1-search-is-flaky-for-bob"  # type: ignore[arg-type]

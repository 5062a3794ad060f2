"""What people type is shown as they typed it: end to end, any text typed into a command or
a modal field, sent as Slack sends it (slash command text encoded by Slack's composer,
modal values as typed), is shown by the bot as typed: never double-escaped (`&amp;`),
never a ping (a broadcast, a person nobody named), never a link someone dressed up.

"Shown" is what a Slack client renders from what the bot posted (`SlackStandIn.shown`):
entities decoded, `<@U…>` as `@name`. The zero-width space that keeps a typed `@here` or a
typed `<@U…>` from being obeyed is invisible, so it is not compared."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.incidents.commands import MAX_TITLE
from bot.incidents.models import Incident
from bot.slack.escaping import ZWSP, without_mentions
from tests.conftest import ALICE, BOB, GENERAL, INCIDENTS

PIECES = [
    "R&D",
    "portal <login>",
    "&amp;",
    "&lt;b&gt;",
    "<!channel>",
    "@here",
    "@channel",
    "@everyone",
    "<@U0BOB0001>",
    "<#C0GENERAL1>",
    "<https://evil.example|click here>",
    "https://example.com/a?b=1&c=2",
    "@bob",
    "#general",
    "a|b",
    "*bold*",
    "`code`",
    "naïve 日本 🚨",
    "&",
    "<",
    ">",
    "@",
]
WORD = st.one_of(
    st.sampled_from(PIECES),
    st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S"]), max_size=8),
)
TYPED = st.lists(WORD, min_size=1, max_size=6).map(" ".join)
START, END = "Zq1", "Zq2"  # around what was typed, to find it in what is shown


def typed_in_slash_command(text: str) -> str:
    """A slash command's words, as the bot reads them (runs of spaces are one)."""
    return " ".join(text.split())


def check_shown(standin, messages: list[str], wanted: str, *bots_own: str) -> None:
    """`wanted` (what was typed, between the markers) is shown in one of `messages`, and
    none of them pings or links anything but the people the bot itself names (`bots_own`)
    and those the typing named."""
    shown = [standin.shown(text) for text in messages]
    visible = [s.text.replace(ZWSP, "") for s in shown]
    assert any(wanted in text for text in visible), (wanted, visible)
    named = {BOB} if re.search(r"(?<![\w@])@bob\b", wanted) else set()
    for seen in shown:
        assert not seen.broadcasts, (wanted, seen.text)
        assert not [link for link in seen.links if "evil" in link], (wanted, seen.text)
        assert set(seen.mentions) <= {*bots_own, *named}, (wanted, seen.text, seen.mentions)


def texts_of(messages) -> list[str]:
    return [m.visible_text for m in messages]


def newest_incident(bot) -> Incident:
    with bot.db.read() as session:
        newest = session.scalar(select(func.max(Incident.id)))
        return session.get(Incident, newest)


PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(typed=TYPED)
@pytest.mark.slow
def test_a_title_typed_in_a_slash_command_is_shown_as_typed(slack, standin, bot, typed):
    expected = typed_in_slash_command(f"{START} {typed} {END}")
    assume(len(expected) <= MAX_TITLE)  # a longer title is refused (test_incident_input)
    slack.command(f"declare sev2 {START} {typed} {END}", user=ALICE)
    incident = newest_incident(bot)
    assert without_mentions(incident.title).replace(ZWSP, "") == expected  # stored as meant
    announcement = [m for m in standin.messages(INCIDENTS) if incident.ref in m.visible_text]
    check_shown(standin, texts_of(announcement), expected, ALICE)
    check_shown(standin, texts_of(standin.messages(incident.channel_id)), expected, ALICE)


@PROPERTY
@given(typed=TYPED)
@pytest.mark.slow
def test_an_update_typed_in_a_slash_command_is_shown_as_typed(slack, standin, bot, typed):
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    channel = newest_incident(bot).channel_id
    slack.command(f"update {START} {typed} {END}", user=ALICE, channel=channel)
    updates = [m for m in standin.messages(channel) if START in m.visible_text]
    expected = typed_in_slash_command(f"{START} {typed} {END}")
    check_shown(standin, texts_of(updates), expected, ALICE)


@PROPERTY
@given(title=TYPED, description=TYPED)
@pytest.mark.slow
def test_the_declare_form_shows_what_was_typed(slack, standin, bot, title, description):
    slack.submit(
        "incident_declare",
        {
            "title": f"{START} {title} {END}",
            "severity": {"option": "sev3"},
            "description": f"{START} {description} {END}",
        },
        user=ALICE,
    )
    incident = newest_incident(bot)
    card = texts_of(standin.messages(incident.channel_id))
    check_shown(standin, card, f"{START} {title} {END}", ALICE)
    check_shown(standin, card, f"{START} {description} {END}", ALICE)


@PROPERTY
@given(typed=TYPED)
@pytest.mark.slow
def test_the_loop_update_form_shows_what_was_typed(slack, standin, bot, typed):
    slack.submit(
        "loop_update",
        {
            "working_on": f"{START} {typed} {END}",
            "roadblocks": f"{START} {typed} {END}",
            "status": {"option": "on_track"},
        },
        user="U0PMPAY01",
        private_metadata=json.dumps({"week": bot.loop.week().id, "team": "payments", "slots": 0}),
    )
    before = len(standin.responses())
    reply = slack.command("digest preview", command="/lol", user="U0ADMIN01")
    bodies = [reply.json(), *standin.responses()[before:]]
    shown = [str(body.get("text", "")) for body in bodies]
    for body in bodies:
        shown += [b["text"]["text"] for b in body.get("blocks", []) if "text" in b]
    pms = [team.pm for team in bot.config.teams]  # the digest names who did not answer
    check_shown(standin, shown, f"{START} {typed} {END}", *pms)


def test_r_and_d_portal_is_shown_as_typed_everywhere(slack, standin, bot):
    """The issue's own example: today it reads `R&amp;amp;D portal &amp;lt;login&amp;gt;`."""
    reply = slack.command("declare sev2 R&D portal <login> is down", user=ALICE)
    assert "R&amp;D portal &lt;login&gt;" in reply.text  # the ack, escaped once
    incident = newest_incident(bot)
    assert incident.title == "R&D portal <login> is down"
    [announcement] = standin.messages(INCIDENTS)
    assert "R&D portal <login> is down" in standin.shown(announcement.visible_text).text
    topic = standin.workspace.channels[incident.channel_id].topic["value"]
    assert "<" not in topic  # no markup at all
    assert standin.shown(topic).text == "INC-1 · sev2 · R&D portal <login> is down"
    listed = slack.command("list", user=ALICE)
    assert "R&D portal <login>" in standin.shown(listed.text).text


def test_a_mention_in_a_title_is_a_name_in_the_topic(slack, standin, bot):
    slack.command("declare sev3 Search is flaky for @bob", user=ALICE)
    incident = newest_incident(bot)
    topic = standin.workspace.channels[incident.channel_id].topic["value"]
    assert topic == "INC-1 · sev3 · Search is flaky for @bob"


def test_limits_count_what_was_typed_not_its_escaped_form(slack, standin, bot):
    """2,960 characters with `&` in them fit the 3,000 limit; escaped they are 5,919."""
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    channel = newest_incident(bot).channel_id
    typed = ("R&D " * 740)[:2960]
    reply = slack.command(f"update {typed}", user=ALICE, channel=channel)
    assert "limit" not in reply.text
    [update] = [m for m in standin.messages(channel) if "Update" in m.text and not m.is_reply]
    sections = [b["text"]["text"] for b in update.blocks if b["type"] == "section"]
    assert all(len(text) <= 3000 for text in sections)
    assert all(not re.search(r"&[a-z]{0,3}$", text) for text in sections)  # no entity cut
    shown = " ".join(standin.shown(text).text for text in sections)
    assert shown.count("R&D") == typed.count("R&D")
    too_long = slack.command(f"update {'x' * 3001}", user=ALICE, channel=channel)
    assert "3001 characters" in too_long.text


@pytest.mark.parametrize(
    "sent",
    [
        "<!subteam^S0PLATFORM|@platform-team> can you look",
        "see <https://evil.example/login|the runbook>",
        "<!here> <!channel|channel> <!everyone>",
        "on <!date^1795000000^{date_short}|Nov 19> at <mailto:a@b.example|a@b.example>",
    ],
)
@pytest.mark.slow
def test_markup_slack_makes_is_shown_as_its_words_and_obeyed_never(slack, standin, bot, sent):
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    channel = newest_incident(bot).channel_id
    slack.requests.command(
        "/incident", f"update {START} {sent} {END}", user=ALICE, channel=channel, as_sent=True
    )
    assert bot.wait_idle(timeout=30)
    [update] = [m for m in standin.messages(channel) if START in m.visible_text]
    shown = standin.shown(update.visible_text)
    assert not shown.broadcasts and not shown.links, shown
    assert set(shown.mentions) <= {ALICE}


def test_the_postmortem_fallback_is_escaped(slack, standin, bot):
    slack.command("declare sev2 <!channel> R&D is down", user=ALICE)
    channel = newest_incident(bot).channel_id
    standin.error_next("files.getUploadURLExternal", "not_allowed_token_type")
    slack.command("postmortem", user=ALICE, channel=channel)
    [fallback] = [r["text"] for r in standin.responses() if r.get("text", "").startswith("```")]
    shown = standin.shown(fallback)
    assert "<!channel> R&D is down" in shown.text.replace(ZWSP, "") and not shown.broadcasts
    assert "&amp;amp;" not in fallback


def test_a_general_channel_mention_in_a_title_stays_a_channel(slack, standin, bot):
    slack.command("declare sev3 Noise in #general", user=ALICE)
    [announcement] = standin.messages(INCIDENTS)
    assert f"<#{GENERAL}>" in announcement.visible_text
    assert "Noise in #general" in standin.shown(announcement.visible_text).text

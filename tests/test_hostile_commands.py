"""Any text typed after /incident, /standby or /lol, sent as Slack sends it (signed, through
the running app), gets an answer and never a 5xx, and nothing the bot then posts, edits,
opens or answers carries a broadcast or a link that came from what was typed.

The words mix each command's own vocabulary with hostile markup, so examples reach past the
parsers into the commands themselves (declaring, updating, escalating, swapping…)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.incidents.models import Incident
from tests.conftest import ADMIN, ALICE, BOB, GENERAL

pytestmark = pytest.mark.slow  # property tests through the running app

HOSTILE = [
    "<!channel>",
    "<!everyone>",
    "<!here|here>",
    "<!subteam^S0PLATFORM|@platform-team>",
    "<https://evil.example/login|click here>",
    "<http://evil.example>",
    "<mailto:boss@evil.example|boss>",
    "&lt;!channel&gt;",
    "@channel",
    "*bold*",
    "`code`",
    "```",
    "\n",
    "|",
    ">",
    "<",
    "&",
]
# each command's beginnings, so most examples get past the parser into the command itself;
# what follows them is drawn freely. INC-1 is declared before the examples start and stays
# open: `{fresh}` is an incident declared for that example alone, to be resolved.
BEGINNINGS = {
    "/incident": [
        "",
        "declare",
        "declare sev1",
        "update",
        "update INC-1",
        "status INC-1",
        "status INC-1 identified",
        "sev INC-1",
        "sev INC-1 2",
        "assign INC-1 ic",
        "assign comms",
        "escalate INC-1",
        "escalate INC-1 platform",
        "resolve {fresh}",
        "show",
        "timeline INC-1",
        "postmortem INC-1",
        "list",
        "help",
    ],
    "/standby": [
        "",
        "week",
        "week platform",
        "me",
        "swap @bob",
        "swap @bob tomorrow",
        "override @bob tomorrow 07:30",
        "override @bob today 07:30 09:30",
        "calendar",
        "calendar off",
        "help",
    ],
    "/lol": ["", "update", "status", "digest", "digest preview", "history", "history payments"],
}
WORDS = ["identified", "2", "platform", "payments", "tomorrow", "07:30", "@bob", "@bob"]
COMMANDS = st.sampled_from(sorted(BEGINNINGS))
MRKDWN_CALLS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.open")
BROADCAST = re.compile(r"<!(channel|everyone|subteam|here\|)")
LINK = re.compile(r"<[^<>]*evil\.example")
BOTS_OWN_PAGE = "<!here> "  # an escalation page to a channel starts so, by design


def typed(command: str) -> st.SearchStrategy[str]:
    word = st.one_of(st.sampled_from(WORDS), st.sampled_from(HOSTILE), st.text(max_size=6))
    rest = st.lists(word, max_size=6).map(" ".join)
    begun = st.tuples(st.sampled_from(BEGINNINGS[command]), rest).map(" ".join)
    return st.one_of(begun, begun, begun, st.text())


def mrkdwn_texts(value: Any, top: bool = True) -> Iterator[str]:
    """Text Slack renders as mrkdwn: a message's own `text`, and mrkdwn text objects in
    blocks and views. plain_text objects and input values are shown as typed and ping
    nobody, so they are not looked at."""
    if isinstance(value, dict):
        if isinstance(value.get("text"), str) and (top or value.get("type") == "mrkdwn"):
            yield value["text"]
        for key, item in value.items():
            if key != "text" or not isinstance(item, str):
                yield from mrkdwn_texts(item, top=False)
    elif isinstance(value, list):
        for item in value:
            yield from mrkdwn_texts(item, top=False)


def emitted_since(standin, calls_before: int, responses_before: int) -> list[str]:
    texts: list[str] = []
    for call in standin.calls[calls_before:]:
        if call.method in MRKDWN_CALLS:
            texts.extend(mrkdwn_texts(call.decoded_args))
    for body in standin.responses()[responses_before:]:
        texts.extend(mrkdwn_texts(body))
    return texts


@pytest.fixture
def incident_channel(slack, bot) -> str:
    """INC-1, declared by Alice before the examples, and its channel."""
    slack.command("declare sev2 Checkout is slow")
    with bot.db.session() as session:
        return session.scalars(select(Incident.channel_id)).one()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.data(),
    command=COMMANDS,
    user=st.sampled_from([ALICE, BOB, ADMIN]),
    in_incident_channel=st.booleans(),
)
def test_any_command_text_is_answered_and_posts_nothing_it_obeys(
    slack, standin, incident_channel, data, command, user, in_incident_channel
):
    text = data.draw(typed(command), label="text")
    channel = incident_channel if in_incident_channel else GENERAL
    if "{fresh}" in text:
        slack.command("declare sev3 To be resolved", user=user)
        with slack.bot.db.session() as session:
            text = text.replace("{fresh}", f"INC-{session.scalar(select(func.max(Incident.id)))}")
    calls_before, responses_before = len(standin.calls), len(standin.responses())

    reply = slack.command(text, command=command, user=user, channel=channel)

    assert reply.status == 200
    new_calls = standin.calls[calls_before:]
    answered = (
        reply.text.strip()
        or len(standin.responses()) > responses_before
        or any(c.method in ("views.open", "chat.postEphemeral") for c in new_calls)
    )
    assert answered, f"{command} {text!r} got no answer"
    print(
        "EX",
        command,
        repr(text)[:60],
        "=>",
        reply.text[:90].replace("\n", " "),
        sorted({c.method for c in new_calls}),
    )
    shown_texts = [
        *mrkdwn_texts(reply.json()),
        *emitted_since(standin, calls_before, responses_before),
    ]
    for shown in shown_texts:
        shown = shown.removeprefix(BOTS_OWN_PAGE)
        assert not BROADCAST.search(shown), f"{command} {text!r} posted a broadcast: {shown!r}"
        assert not LINK.search(shown), f"{command} {text!r} posted a link: {shown!r}"

"""The /incident parser: any text gets a command or a usage line, never an exception."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UsageError
from bot.incidents.commands import parse
from bot.loop.commands import parse as parse_lol
from bot.slack.escaping import escape
from bot.standby.commands import parse as parse_standby


def test_examples():
    assert parse("").name == "declare" and not parse("").title
    cmd = parse("declare sev2 Checkout is slow")
    assert (cmd.severity, cmd.title) == ("sev2", "Checkout is slow")
    assert parse("declare SEV1 x").severity == "sev1"
    assert parse("update INC-7 it works").ref == 7
    assert parse("update inc-7 it works").text == "it works"
    assert parse("sev #3 2").severity == "sev2" and parse("sev #3 2").ref == 3
    assert parse("assign ic <@U0ALICE01|alice>").user == "U0ALICE01"
    assert parse("resolve").text == ""


@settings(max_examples=400, deadline=None)
@given(st.text())
@pytest.mark.slow
def test_any_text_parses_or_says_what_is_wrong(text):
    try:
        parse(text)
    except UsageError as exc:
        assert str(exc)


@settings(max_examples=400, deadline=None)
@given(st.text())
@pytest.mark.slow
def test_escaped_text_has_no_markup_left_but_mentions(text):
    escaped = escape(text)
    # what is left of markup is only person and channel mentions, without labels
    markup = re.findall(r"<[^<>]*>", escaped)
    assert all(re.fullmatch(r"<(@[UW]|#C)[A-Z0-9]+>", m) for m in markup), markup
    assert "<!" not in escaped and "|" not in "".join(markup)
    for word in ("@here", "@channel", "@everyone"):
        assert word not in escaped.lower()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<!channel>",
                "<@U0BOB0001|bob>",
                "<#C0GENERAL1|general>",
                "<https://x.example|go>",
                "<!here|here>",
                "a",
                " ",
                "&",
                ">",
                "<",
            ]
        ),
        max_size=8,
    ).map("".join)
)
@pytest.mark.slow
def test_slack_markup_mixes_escape_to_mentions_only(text):
    escaped = escape(text)
    assert "<!" not in escaped and "<http" not in escaped
    assert escaped.count("<@U0BOB0001>") == text.count("<@U0BOB0001|bob>")


TODAY = dt.date(2026, 11, 23)

# words the parsers know, mixed with anything, so examples reach past the first word
VOCABULARY = st.sampled_from(
    [
        "swap",
        "override",
        "week",
        "me",
        "calendar",
        "help",
        "status",
        "update",
        "digest",
        "preview",
        "history",
        "platform",
        "today",
        "tomorrow",
        "2026-11-24",
        "2026-02-30",
        "07:30",
        "25:00",
        "22:00",
        "2026-11-24T07:30",
        "<@U0BOB0001|bob>",
        "<@U0BOB0001>",
        "@bob",
    ]
)
COMMAND_TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(VOCABULARY, st.text(min_size=1, max_size=8)), max_size=7).map(" ".join),
)


@settings(max_examples=500, deadline=None)
@given(COMMAND_TEXT)
@pytest.mark.slow
def test_any_standby_text_parses_or_says_what_is_wrong(text):
    try:
        command = parse_standby(text, TODAY)
    except UsageError as exc:
        assert str(exc)
        return
    if command.start is not None:
        assert command.end is not None and command.end > command.start


@settings(max_examples=300, deadline=None)
@given(COMMAND_TEXT)
@pytest.mark.slow
def test_any_lol_text_parses_or_says_what_is_wrong(text):
    try:
        parse_lol(text)
    except UsageError as exc:
        assert str(exc)

"""The /incident parser: any text gets a command or a usage line, never an exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UsageError
from bot.escaping import escape
from bot.incidents.commands import parse


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
def test_any_text_parses_or_says_what_is_wrong(text):
    try:
        parse(text)
    except UsageError as exc:
        assert str(exc)


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_escaped_text_has_no_markup_left(text):
    escaped = escape(text)
    assert "<" not in escaped and ">" not in escaped
    for word in ("@here", "@channel", "@everyone"):
        assert word not in escaped.lower()

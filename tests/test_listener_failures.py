"""When a listener fails (here: the incidents table is gone, as after a botched restore),
the person who typed or clicked is told in a line, with the request id that is in the log,
instead of Slack's "dispatch_failed" or silence."""

from __future__ import annotations

import logging

from sqlalchemy import text

from tests.conftest import ALICE, GENERAL


def lose_table(bot, table: str = "incidents") -> None:
    with bot.db.session() as session:
        session.execute(text(f"ALTER TABLE {table} RENAME TO {table}_lost"))


def test_a_command_failing_before_its_ack_answers_with_a_line_and_the_request_id(
    slack, standin, bot, caplog
):
    lose_table(bot)
    with caplog.at_level(logging.ERROR):
        reply = slack.command("list", user=ALICE, channel=GENERAL)

    assert reply.status == 200
    assert reply.json()["response_type"] == "ephemeral"
    assert reply.text.startswith(":x: opsbot could not finish `/incident list`")
    [failure] = [r for r in caplog.records if r.getMessage().startswith("request ")]
    request = failure.getMessage().removeprefix("request ").removesuffix(" failed")
    assert f"(request `{request}`)" in reply.text
    assert "incidents" in str(failure.exc_info[1])  # the cause is in the log, not in Slack
    assert "incidents" not in reply.text.replace("/incident list", "")


def test_a_click_failing_after_its_ack_is_answered_through_the_response_url(slack, standin, bot):
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    lose_table(bot)
    responses_before = len(standin.responses())

    reply = slack.click("incident_take_ic", "1", user=ALICE)

    assert reply.status == 200  # acknowledged before the work failed
    [answer] = standin.responses()[responses_before:]
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith(":x: opsbot could not finish that")


def test_work_after_the_ack_that_fails_tells_the_person(slack, standin, bot, caplog):
    """`/standby` acks at once and answers in a moment, in the asker's time zone."""
    lose_table(bot, "standby_overrides")
    with caplog.at_level(logging.ERROR):
        reply = slack.command("", command="/standby", user=ALICE)

    assert reply.status == 200 and reply.text == ""
    [answer] = standin.responses()
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith(":x: opsbot could not finish `/standby`")
    assert "work after the ack failed" in caplog.text

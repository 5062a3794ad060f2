"""`/lol status` (and the App Home's loop line) never give a due time in the past: before the
digest they say when it is due, after it what became of it and what happens next. Times as
in test_loop_e2e: week 2026-W48 runs from Mon 23 Nov 10:00 JST, its digest is Thu 26 Nov
09:00, and 2026-W49's prompts go out Mon 30 Nov 10:00. Readers in Tokyo and London."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from bot.config import example_config_path, load_config
from tests.conftest import ADMIN
from tests.test_app_home import home_of

PAY, MOBILE = "U0PMPAY01", "U0PMMOB01"
LONDON = "U0LONDON1"
LOOP = "C0LOOPLOOP"
JST = dt.timezone(dt.timedelta(hours=9))


def jst(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=JST)


@pytest.fixture
def clock(standin):
    standin.add_user(LONDON, "lon", tz="Europe/London")
    with freeze_time(jst(11, 23, 10, 0)) as frozen:
        yield frozen


def status(slack, standin, reader: str) -> str:
    reply = slack.command("status", user=reader, command="/lol")
    return standin.shown(reply.text, reader=reader).text


def last_line(slack, standin, reader: str) -> str:
    return status(slack, standin, reader).split("\n")[-1]


def test_before_the_digest_it_says_when_it_is_due_in_the_readers_zone(slack, bot, standin, clock):
    standin.add_channel("loop", LOOP)
    bot.tick()
    assert last_line(slack, standin, ADMIN) == "The digest is due Nov 26, 2026 09:00."
    assert last_line(slack, standin, LONDON) == "The digest is due Nov 26, 2026 00:00."

    clock.move_to(jst(11, 26, 9, 0))
    bot.tick()
    assert last_line(slack, standin, ADMIN) == (
        "The digest of 2026-W48 is posted. Next: the 2026-W49 prompts, Nov 30, 2026 10:00."
    )
    assert last_line(slack, standin, LONDON).endswith("Nov 30, 2026 01:00.")


def test_a_bot_first_started_after_the_digest_time_says_what_happens_next(
    slack, bot, standin, clock
):
    standin.add_channel("loop", LOOP)
    clock.move_to(jst(11, 27, 15, 0))  # Friday: the first tick this loop ever has
    bot.tick()
    text = status(slack, standin, ADMIN)
    assert text.endswith(
        "opsbot started after this week's digest time, so no prompts went out for 2026-W48 "
        "and no digest is due. Next: the 2026-W49 prompts, Nov 30, 2026 10:00."
    )
    assert "Nov 26" not in text and "due Nov" not in text

    # The App Home of a PM says the same, written in their zone.
    _, home = home_of(slack, standin, PAY)
    assert "Next: the 2026-W49 prompts, Mon 30 Nov 10:00 JST." in home
    standin.add_user(MOBILE, "mo", tz="Europe/London")
    _, home = home_of(slack, standin, MOBILE)
    assert "Next: the 2026-W49 prompts, Mon 30 Nov 01:00 GMT." in home


def test_the_next_prompt_across_the_autumn_change_in_a_london_readers_zone(slack, bot, standin):
    """Week 2026-W43's digest is Thu 22 Oct 09:00 JST (01:00 BST); London's clocks go back on
    Sun 25 Oct, so W44's prompt, Mon 26 Oct 10:00 JST, is 01:00 GMT there."""
    standin.add_user(LONDON, "lon", tz="Europe/London")
    with freeze_time(jst(10, 23, 12, 0)):
        bot.tick()
        assert last_line(slack, standin, LONDON).endswith(
            "Next: the 2026-W44 prompts, Oct 26, 2026 01:00."
        )


def test_a_digest_slack_keeps_refusing_is_said_to_be_on_its_way(slack, bot, standin, clock):
    standin.add_channel("loop", LOOP)
    bot.tick()
    clock.move_to(jst(11, 26, 9, 0))
    standin.error_next("chat.postMessage", "internal_error", times=100)
    bot.tick()
    clock.move_to(jst(11, 26, 9, 5))
    assert last_line(slack, standin, ADMIN) == (
        "The digest, due today 09:00, has not gone out yet: it is sent as soon as Slack takes it."
    )


def test_a_digest_that_could_not_be_posted_says_so_and_what_is_next(slack, bot, standin, clock):
    bot.tick()  # no #loop channel in this workspace: Slack answers channel_not_found
    clock.move_to(jst(11, 26, 9, 0))
    bot.tick()
    clock.move_to(jst(11, 26, 12, 0))
    assert last_line(slack, standin, ADMIN) == (
        "The digest of 2026-W48 could not be posted at its time (today 09:00); opsbot's log "
        "says why. Next: the 2026-W49 prompts, Nov 30, 2026 10:00."
    )


class TestWithoutALoopChannel:
    @pytest.fixture
    def config(self):
        config = load_config(example_config_path())
        channels = config.channels.model_copy(update={"loop": None})
        return config.model_copy(update={"channels": channels})

    def test_status_says_no_digest_is_posted_not_a_due_time(self, slack, bot, standin, clock):
        bot.tick()
        assert last_line(slack, standin, ADMIN) == (
            "No digest is posted: no loop channel is configured (`channels.loop`)."
        )
        clock.move_to(jst(11, 27, 9, 0))
        bot.tick()
        assert "could not be posted" not in last_line(slack, standin, ADMIN)

"""The roster channel's topic names who is on standby now, or next between windows, with
times in the roster's zone (a topic shows mentions as names, but no date token). It is set
at each boundary through the ledger, at once after a swap, never twice with the same text,
and never past Slack's 250 characters. The example roster `platform` (Asia/Tokyo) has Carol
on Tue 2026-11-24 07:30–09:30, Alice 19:00–22:00 and Bob on Wed 07:30."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import yaml
from freezegun import freeze_time

from bot.app import create_app
from bot.config import OrgConfig, example_config_path, parse_config
from bot.standby.schedule import ROTATION, Shift
from bot.standby.topic import TOPIC_MAX, topic_text
from tests.conftest import ALICE, BOB, CAROL, TEST_CLOCK, make_settings

JST = ZoneInfo("Asia/Tokyo")
STANDBY = "C0STANDBY1"
MOBILE = "C0STANDBY2"
SET_TOPIC = "conversations.setTopic"


def jst(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=JST)


@pytest.fixture
def clock():
    with freeze_time(jst(24, 7, 0)) as frozen:
        yield frozen


def topic(standin, channel=STANDBY) -> str:
    return standin.workspace.channels[channel].topic["value"]


def shown(standin, channel=STANDBY) -> str:
    """The topic as people see it in Slack: names for mentions."""
    return standin.shown(topic(standin, channel)).text


def topics_set(standin, channel=STANDBY) -> list[str]:
    return [c.arg("topic") for c in standin.calls_to(SET_TOPIC) if c.arg("channel") == channel]


def tick_at(bot, clock, moment: dt.datetime, times: int = 1) -> None:
    clock.move_to(moment)
    for _ in range(times):
        bot.tick()


def test_the_topic_says_who_is_on_now_and_who_is_next(bot, standin, clock):
    tick_at(bot, clock, jst(24, 7, 30), times=2)
    assert topic(standin) == f"On standby: <@{CAROL}> until 09:30 JST"
    assert shown(standin) == "On standby: @carol until 09:30 JST"

    tick_at(bot, clock, jst(24, 9, 30), times=2)
    assert shown(standin) == "Next on standby: @alice from 19:00 JST"

    tick_at(bot, clock, jst(24, 19, 0))
    assert shown(standin) == "On standby: @alice until 22:00 JST"
    tick_at(bot, clock, jst(24, 22, 0))
    assert shown(standin) == "Next on standby: @bob from Wed 25 Nov 07:30 JST"

    # Once per boundary, however often the clock ticks.
    assert topics_set(standin) == [
        f"On standby: <@{CAROL}> until 09:30 JST",
        f"Next on standby: <@{ALICE}> from 19:00 JST",
        f"On standby: <@{ALICE}> until 22:00 JST",
        f"Next on standby: <@{BOB}> from Wed 25 Nov 07:30 JST",
    ]


def test_a_swap_sets_the_topic_at_once_and_an_unchanged_topic_is_left_alone(
    slack, bot, standin, clock
):
    tick_at(bot, clock, jst(24, 7, 30))
    clock.move_to(jst(24, 7, 40))
    slack.command("swap @alice 2026-11-24", user=CAROL, command="/standby")
    assert shown(standin) == "On standby: @alice until 09:30 JST"  # no tick needed
    assert len(topics_set(standin)) == 2

    # A swap of later windows changes neither who is on nor who is next: nothing is set.
    clock.move_to(jst(24, 7, 50))
    slack.command("swap @carol 2026-11-25", user=BOB, command="/standby")
    assert len(topics_set(standin)) == 2
    # (Carol had taken Alice's evening; Bob took it from her for his Wednesday morning.)
    tick_at(bot, clock, jst(24, 9, 30))
    assert shown(standin) == "Next on standby: @bob from 19:00 JST"


def test_a_topic_set_by_hand_to_the_same_words_is_not_set_again(bot, standin, clock):
    standin.workspace.channels[STANDBY].topic = {
        "value": f"On standby: <@{CAROL}> until 09:30 JST",
        "creator": ALICE,
        "last_set": 0,
    }
    tick_at(bot, clock, jst(24, 7, 30))
    assert topics_set(standin) == []
    assert standin.workspace.channels[STANDBY].topic["creator"] == ALICE


def test_two_a_window_across_the_autumn_change_in_the_rosters_zone(bot, standin):
    """Europe/London, two a window: the Sat 22:00 BST window ends at 02:00 GMT."""
    with freeze_time(dt.datetime(2027, 10, 30, 21, 0, tzinfo=dt.UTC)) as frozen:
        bot.tick()
        text = shown(standin, MOBILE)
        assert text.startswith("On standby: @")
        assert "(primary), @" in text and text.endswith("(secondary) until Sun 31 Oct 02:00 GMT")
        frozen.move_to(dt.datetime(2027, 10, 31, 2, 0, tzinfo=dt.UTC))
        bot.tick()
        assert shown(standin, MOBILE).endswith("(secondary) from 10:00 GMT")  # Sun 10:00


LONG = ["U" + "VERYLONGNAME" * 10 + str(n) for n in range(4)]


def long_ids_config() -> OrgConfig:
    """The example, with the mobile roster's members having very long user IDs."""
    data = yaml.safe_load(example_config_path().read_text())
    for team in data["teams"]:
        if team["roster"] == "mobile":
            team["members"] = LONG[:2]
    mobile = next(r for r in data["rosters"] if r["id"] == "mobile")
    mobile["members"] = LONG
    return parse_config(yaml.safe_dump(data))


def test_the_topic_stays_within_slacks_250_characters(database_url, standin):
    for n, user in enumerate(LONG):
        standin.add_user(user, f"person-with-a-long-name-{n}")
    settings = make_settings(database_url, standin)
    app = create_app(settings, long_ids_config(), backoff_factor=0.01, clock=TEST_CLOCK)
    try:
        with freeze_time(dt.datetime(2027, 10, 30, 21, 0, tzinfo=dt.UTC)):
            app.tick()
    finally:
        app.close()
    [sent] = topics_set(standin, MOBILE)
    assert len(sent) <= TOPIC_MAX and topic(standin, MOBILE) == sent  # Slack took it
    assert sent.startswith("On standby: <@UVERYLONGNAME") and sent.endswith(
        "> and 1 more until Sun 31 Oct 02:00 GMT"
    )
    assert sent.count("<@") == sent.count(">")  # no mention cut in half


def shift(primary: str, secondary: str | None, start: dt.datetime, end: dt.datetime) -> Shift:
    return Shift(
        "r", "r:2026-11-24:0730", start.date(), start, end, primary, secondary, 0,
        ROTATION, ROTATION if secondary else None, 0, start, end,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("length", "named"),
    [(3, "roles"), (60, "roles"), (95, "both"), (150, "counted"), (190, "counted"), (400, "")],
)
@pytest.mark.parametrize("now_on", [True, False])
def test_any_topic_text_fits_with_its_mentions_whole(length, named, now_on):
    """The roles go first, then the second person is counted; a mention too long for a topic
    (Slack's IDs are far shorter) is left out rather than cut."""
    start, end = jst(24, 22), jst(25, 2)
    people = shift("U" + "A" * length, "W" + "B" * length, start, end)
    text = (
        topic_text(people, None, start, JST)
        if now_on
        else topic_text(None, people, start - dt.timedelta(hours=3), JST)
    )
    assert len(text) <= TOPIC_MAX
    assert text.count("<@") == text.count(">")
    if not named:
        assert text == ("On standby: …" if now_on else "Next on standby: …")
        return
    assert text.startswith("On standby: <@U" if now_on else "Next on standby: <@U")
    assert text.endswith("until Wed 25 Nov 02:00 JST" if now_on else "from 22:00 JST")
    assert ("(primary)" in text) == (named == "roles")
    assert ("<@W" in text) == (named in ("roles", "both"))
    assert ("and 1 more" in text) == (named == "counted")


def test_no_window_ahead_says_so():
    assert topic_text(None, None, jst(24, 12), JST) == "No standby is scheduled."

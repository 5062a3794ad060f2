"""The handoff at a standby window's end, end to end: a note in the thread of the window's
post and a DM to whoever is on next (overrides and swaps applied), once through the ledger
(`standby:{occurrence}:handoff[:{person}]`), whichever clock comes first; late-marked when a
clock down at the end is back within 12 hours, and never after. Incidents are declared and
pages acknowledged through signed requests, alerts posted as Alertmanager posts them.

Times as in test_standby_e2e: Tue 2026-11-24 07:30–09:30 JST is Carol's window on
`platform`, 19:00–22:00 Alice's (so Alice is on next)."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.app import create_app
from bot.escalation.models import Escalation
from bot.ledger.models import Delivery
from bot.slack.blocks import MAX_BLOCKS, SECTION_LIMIT
from tests.alerts_harness import ALERTS, am_alert, am_body, post, url_of, with_alerts
from tests.conftest import ADMIN, ALICE, BOB, CAROL, TEST_CLOCK, make_settings
from tests.test_standby_e2e import KEY, STANDBY, jst, posts

QUIET = "Quiet window: no alerts, pages or incidents."
NOTE = f"standby:{KEY}:handoff"


@pytest.fixture
def clock():
    with freeze_time(jst(24, 7, 0)) as frozen:
        yield frozen


def notes(standin, channel=STANDBY):
    """The replies in the thread of the (first) window's post."""
    window_post = posts(standin, channel)[0]
    return [m for m in standin.messages(channel) if m.is_reply and m.thread_ts == window_post.ts]


def handoff_dms(standin, user):
    return [m for m in standin.messages(user) if "Handoff" in m.text]


def seen(standin, message, reader) -> str:
    """The message's blocks as `reader` sees them in Slack, a line per section or context."""
    texts = []
    for block in message.blocks:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts += [element["text"] for element in block.get("elements", [])]
    return standin.shown("\n".join(texts), reader=reader).text


def delivery(bot, key: str) -> Delivery | None:
    with bot.db.read() as session:
        return session.scalar(select(Delivery).where(Delivery.key == key))


def through_the_window(bot, clock) -> None:
    clock.move_to(jst(24, 7, 30))
    bot.tick()
    clock.move_to(jst(24, 9, 30))
    bot.tick()


@pytest.fixture
def config(config):
    return with_alerts(config)


@pytest.fixture
def standin(standin):
    standin.add_channel("alerts", ALERTS)
    return standin


@pytest.fixture
def prometheus(bot, server):
    return url_of(bot, server, "prometheus")


# -- a quiet window ------------------------------------------------------------------------


def test_a_quiet_window_says_so_in_one_line_in_the_thread_and_to_whoever_is_next(
    bot, standin, clock
):
    clock.move_to(jst(24, 7, 30))
    bot.tick()
    clock.move_to(jst(24, 9, 29))
    bot.tick()
    assert notes(standin) == [] and handoff_dms(standin, ALICE) == []

    clock.move_to(jst(24, 9, 30))
    bot.tick()
    [note] = notes(standin)
    assert len(note.blocks) == 1 and note.text == note.blocks[0]["text"]["text"]
    text = standin.shown(note.text, reader=ALICE).text
    assert "\n" not in text
    assert text == f":handshake: *Handoff — Platform standby*, today 07:30–09:30. {QUIET}"
    [dm] = handoff_dms(standin, ALICE)
    assert standin.shown(dm.text, reader=ALICE).text == (
        f":handshake: *Handoff from Platform standby*, today 07:30–09:30: you're on next. {QUIET}"
    )
    assert len(dm.blocks) == 1
    assert handoff_dms(standin, CAROL) == [] and handoff_dms(standin, BOB) == []
    assert delivery(bot, NOTE).status == "sent"
    assert delivery(bot, f"{NOTE}:{ALICE}").status == "sent"


# -- a busy window -------------------------------------------------------------------------


def test_a_busy_window_lists_what_happened_and_what_is_left_for_the_next_person(
    slack, bot, standin, clock, prometheus
):
    def alert(body):
        assert post(prometheus, body)[0] == 200
        assert bot.wait_idle(30)

    clock.move_to(jst(24, 7, 30))
    bot.tick()
    clock.move_to(jst(24, 7, 33))
    slack.click("standby_ack", KEY, user=CAROL, channel=STANDBY)

    clock.move_to(jst(24, 7, 40))
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    slack.command("escalate INC-1 platform", user=ALICE)
    with bot.db.read() as session:
        chain = session.scalars(select(Escalation)).one()
    clock.move_to(jst(24, 7, 42))
    slack.click("page_ack", str(chain.id), user=CAROL, channel=CAROL)

    clock.move_to(jst(24, 8, 0))
    alert(am_body("DiskFull", [am_alert("DiskFull")]))
    clock.move_to(jst(24, 8, 10))
    alert(am_body("DiskFull", [am_alert("DiskFull", "resolved")]))
    clock.move_to(jst(24, 8, 20))
    alert(am_body("HighLatency", [am_alert("HighLatency", summary="p99 over 2s")]))
    clock.move_to(jst(24, 8, 30))
    slack.command("declare sev3 Old cache warning", user=ALICE)
    slack.command("resolve INC-2 it was nothing", user=ALICE)

    clock.move_to(jst(24, 9, 30))
    bot.tick()
    bot.tick()

    [note] = notes(standin)
    text = seen(standin, note, ALICE)
    head = text.partition("\n")[0]
    assert head == ":handshake: *Handoff — Platform standby*, today 07:30–09:30"
    assert "On standby: @carol. Window acknowledged by @carol at 07:33." in text
    left = text.split("*Left for you*")[1].split("*Incidents")[0]
    assert "INC-1" in left and "Checkout is slow" in left and "is open (investigating)" in left
    # the firing group whose page nobody took is named once, saying so
    assert (
        "*HighLatency* (`prometheus`) still firing since 08:20, its page never acknowledged" in left
    )
    assert ":pager:" not in left and left.count("HighLatency") == 1
    assert "DiskFull" not in left and "INC-2" not in left

    incidents = text.split("*Incidents (2)*")[1].split("*Pages")[0]
    assert "INC-1* (`sev2`) Checkout is slow" in incidents
    assert "declared 07:40, still investigating" in incidents
    assert "INC-2* (`sev3`) Old cache warning" in incidents and "resolved" in incidents

    pages = text.split("*Pages (3)*")[1].split("*Alert groups")[0]
    assert "Checkout is slow" in pages
    assert "paged @carol at 07:40; acknowledged by @carol at 07:42" in pages
    assert (
        "*DiskFull* (from `prometheus`) — paged @carol at 08:00; it resolved before anyone "
        "acknowledged" in pages
    )
    assert "*HighLatency* (from `prometheus`) — paged @carol at 08:20" in pages

    groups = text.split("*Alert groups (2)*")[1]
    assert ":large_green_circle: *DiskFull* (`prometheus`) — fired 08:00, resolved 08:10" in groups
    assert ":red_circle: *HighLatency* (`prometheus`) — fired 08:20, *still firing*" in groups
    assert "Next on standby: @alice, today 19:00–22:00" in text

    [dm] = handoff_dms(standin, ALICE)
    dm_text = seen(standin, dm, ALICE)
    assert dm_text.startswith(":handshake: *Handoff from Platform standby*, today 07:30–09:30")
    assert "*Left for you*" in dm_text and "HighLatency" in dm_text
    assert "Left for you:" in dm.text  # the plain-text fallback names what is left
    assert "Next on standby" not in dm_text


# -- once ----------------------------------------------------------------------------------


def test_sent_once_with_repeated_ticks_and_two_apps_on_the_same_database(
    bot, standin, clock, database_url, config
):
    other = create_app(make_settings(database_url, standin), config, clock=TEST_CLOCK)
    try:
        clock.move_to(jst(24, 7, 30))
        other.tick()
        bot.tick()
        for moment in (jst(24, 9, 30), jst(24, 9, 31), jst(24, 10, 0)):
            clock.move_to(moment)
            for _ in range(2):
                bot.tick()
                other.tick()
    finally:
        other.close()
    assert len(notes(standin)) == 1
    assert len(handoff_dms(standin, ALICE)) == 1
    with bot.db.read() as session:
        keys = session.scalars(
            select(Delivery.key).where(Delivery.key.startswith(NOTE)).order_by(Delivery.key)
        ).all()
    assert keys == [NOTE, f"{NOTE}:{ALICE}"]


def test_a_clock_down_at_the_end_sends_it_late_marked_when_back(
    bot, standin, clock, database_url, config
):
    clock.move_to(jst(24, 7, 30))
    bot.tick()
    bot.close()
    clock.move_to(jst(24, 12, 0))  # down from 07:30 to noon
    restarted = create_app(make_settings(database_url, standin), config, clock=TEST_CLOCK)
    try:
        restarted.tick()
        restarted.tick()
    finally:
        restarted.close()
    [note] = notes(standin)
    assert QUIET in note.text
    assert "Sent late: this was due at" in seen(standin, note, ALICE)
    [dm] = handoff_dms(standin, ALICE)
    assert "Sent late" in seen(standin, dm, ALICE)


def test_a_clock_down_for_more_than_12_hours_after_the_end_lets_it_expire(
    bot, standin, clock, database_url, config
):
    clock.move_to(jst(24, 7, 30))
    bot.tick()
    bot.close()
    clock.move_to(jst(24, 21, 31))  # 12 h and a minute after 09:30
    restarted = create_app(make_settings(database_url, standin), config, clock=TEST_CLOCK)
    try:
        restarted.tick()
    finally:
        restarted.close()
    assert notes(standin) == [] and handoff_dms(standin, ALICE) == []
    for key in (NOTE, f"{NOTE}:{ALICE}"):
        missed = delivery(restarted, key)
        assert (missed.status, missed.last_error) == ("skipped", "expired")


def test_a_window_whose_post_was_never_sent_has_no_thread_note_but_the_next_person_hears(
    bot, standin, clock
):
    bot.tick()  # the first tick: 07:00
    clock.move_to(jst(24, 10, 0))  # nothing ran through the window: its post expired
    bot.tick()
    assert posts(standin) == []
    note = delivery(bot, NOTE)
    assert note.status == "skipped" and "never sent" in note.last_error
    [dm] = handoff_dms(standin, ALICE)
    assert QUIET in dm.text and "Sent late" in seen(standin, dm, ALICE)


# -- whoever is on next --------------------------------------------------------------------


def test_after_an_override_of_the_next_window_the_cover_gets_the_dm(slack, bot, standin, clock):
    slack.command("override @bob 2026-11-24 19:00 22:00 platform", user=ADMIN, command="/standby")
    through_the_window(bot, clock)
    [dm] = handoff_dms(standin, BOB)
    assert QUIET in dm.text and "you're on next" in dm.text
    assert handoff_dms(standin, ALICE) == []
    assert "Next on standby" not in notes(standin)[0].text  # quiet: one line


def test_after_a_swap_of_the_next_window_the_person_swapped_in_gets_the_dm(
    slack, bot, standin, clock
):
    reply = slack.command("swap @bob 2026-11-24", user=ALICE, command="/standby")
    assert "Swapped: @bob takes your 2026-11-24 shift" in standin.shown(reply.text).text
    through_the_window(bot, clock)
    assert len(handoff_dms(standin, BOB)) == 1
    assert handoff_dms(standin, ALICE) == []


def test_someone_taken_off_the_next_shift_before_the_dm_goes_is_skipped(slack, bot, standin, clock):
    clock.move_to(jst(24, 7, 30))
    bot.tick()
    standin.error_next("chat.postMessage", "internal_error", times=2)  # Slack fails at 09:30
    clock.move_to(jst(24, 9, 30))
    bot.tick()
    assert handoff_dms(standin, ALICE) == []
    slack.command("override @bob 2026-11-24 19:00 22:00 platform", user=ADMIN, command="/standby")
    clock.move_to(jst(24, 9, 45))
    bot.tick()
    assert len(notes(standin)) == 1
    assert handoff_dms(standin, ALICE) == []
    dm = delivery(bot, f"{NOTE}:{ALICE}")
    assert dm.status == "skipped" and "no longer on the shift after" in dm.last_error


# -- daylight saving -----------------------------------------------------------------------


def test_a_window_across_the_autumn_change_hands_over_at_its_real_end(bot, standin):
    """Europe/London (`mobile`, two a window): Sat 30 Oct 2027 22:00 BST – Sun 31 Oct 02:00
    GMT ends at 02:00 UTC, five hours after it opened, not at 01:00 UTC."""
    mobile = bot.config.roster("mobile")
    with freeze_time(dt.datetime(2027, 10, 30, 21, 0, tzinfo=dt.UTC)) as frozen:
        bot.tick()
        assert len(posts(standin, mobile.channel)) == 1
        frozen.move_to(dt.datetime(2027, 10, 31, 1, 0, tzinfo=dt.UTC))
        bot.tick()
        frozen.move_to(dt.datetime(2027, 10, 31, 1, 59, tzinfo=dt.UTC))
        bot.tick()
        assert notes(standin, mobile.channel) == []
        frozen.move_to(dt.datetime(2027, 10, 31, 2, 0, tzinfo=dt.UTC))
        bot.tick()
        [note] = notes(standin, mobile.channel)
        assert QUIET in note.text and "Sent late" not in note.text
        upcoming = bot.standby.now_and_next()[1].upcoming
    assert upcoming is not None and upcoming.starts_at == dt.datetime(
        2027, 10, 31, 10, 0, tzinfo=dt.UTC
    )  # Sunday 10:00 GMT
    assert len(upcoming.people) == 2
    for person in upcoming.people:
        [dm] = handoff_dms(standin, person)
        assert "Handoff from Mobile release standby" in dm.text
    ended = delivery(bot, "standby:mobile:2027-10-30:2200:handoff")
    assert ended.due_at == dt.datetime(2027, 10, 31, 2, 0, tzinfo=dt.UTC)


# -- what people typed ---------------------------------------------------------------------


def test_hostile_titles_are_shown_as_typed_and_obeyed_never(slack, bot, standin, clock):
    title = "<!channel> & <https://x|y>"
    clock.move_to(jst(24, 7, 30))
    bot.tick()
    clock.move_to(jst(24, 8, 0))
    slack.command(f"declare sev2 {title}", user=ALICE)
    clock.move_to(jst(24, 9, 30))
    bot.tick()
    [note] = notes(standin)
    [dm] = handoff_dms(standin, ALICE)
    for message in (note, dm):
        raw = message.text + str(message.blocks)
        assert "<!channel>" not in raw and "<https://x" not in raw
        shown = standin.shown(message.visible_text, reader=ALICE)
        assert shown.broadcasts == [] and shown.links == []
        assert f"*INC-1* (`sev2`) {title}" in shown.text


# -- a busy window within Slack's limits ---------------------------------------------------


def test_a_very_busy_window_lists_the_first_items_and_counts_the_rest(slack, bot, standin, clock):
    clock.move_to(jst(24, 7, 30))
    bot.tick()
    clock.move_to(jst(24, 7, 40))
    for n in range(22):
        slack.command(f"declare sev3 Trouble number {n} & co", user=ALICE)
    clock.move_to(jst(24, 9, 30))
    bot.tick()
    [note] = notes(standin)
    text = seen(standin, note, ALICE)
    incidents = text.split("*Incidents (22)*")[1]
    assert "_and 12 more_" in incidents
    assert "Trouble number 9 & co" in incidents and "Trouble number 10 " not in incidents
    assert len(note.blocks) <= MAX_BLOCKS
    for block in note.blocks:
        if "text" in block:
            assert len(block["text"]["text"]) <= SECTION_LIMIT
    assert len(note.text) <= 3000

"""`/standby cover` end to end: the request in the roster's channel, **I'll take it** (first
click wins, on SQLite and PostgreSQL, also two at once), **Withdraw**, the re-raise two real
hours before the shift (once, with two clocks, across a daylight-saving change) and the
close as past when the shift starts untaken.

The example roster `platform` (Asia/Tokyo) rotates Alice, Bob, Carol per window from Mon
2026-11-02: on Tue 2026-11-24, 07:30–09:30 is Carol's and 19:00–22:00 Alice's; Wed 25
07:30 is Bob's. Nobody is on standby on Saturdays."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
import yaml
from freezegun import freeze_time
from sqlalchemy import func, select

from bot.app import create_app
from bot.config import OrgConfig, example_config_path, load_config
from bot.ledger.models import Delivery
from bot.standby.models import StandbyCoverRequest, StandbyOverride
from tests.conftest import ADMIN, ALICE, BOB, CAROL, TEST_CLOCK, make_settings

STANDBY = "C0STANDBY1"
JST = dt.timezone(dt.timedelta(hours=9))
TAKE, WITHDRAW = "standby_cover_take", "standby_cover_withdraw"


def jst(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=JST)


@pytest.fixture
def clock():
    with freeze_time(jst(24, 10, 0)) as frozen:
        yield frozen


def top_level(standin, channel=STANDBY):
    return [m for m in standin.messages(channel) if not m.is_reply]


def replies(standin, channel=STANDBY):
    return [m for m in standin.messages(channel) if m.is_reply]


def buttons(message):
    return [
        (e["action_id"], e.get("value"))
        for b in message.blocks
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def seen(standin, text, reader=ALICE) -> str:
    return standin.shown(text, reader=reader).text


def last_response(standin) -> str:
    return standin.responses()[-1]["text"]


def requests_in(bot):
    with bot.db.read() as session:
        return session.scalars(select(StandbyCoverRequest).order_by(StandbyCoverRequest.id)).all()


def overrides_in(bot):
    with bot.db.read() as session:
        return session.scalars(select(StandbyOverride).order_by(StandbyOverride.id)).all()


def ask(slack, text, user=ALICE):
    return slack.command(f"cover {text}", user=user, command="/standby")


def test_request_posts_in_the_roster_channel_with_the_reason_shown_as_typed(
    slack, bot, standin, clock
):
    reply = ask(slack, "2026-11-24 dentist & <b>not</b> @channel")
    assert seen(standin, reply.text) == (
        "Asked #standby-platform to cover your shift on 2026-11-24 on Platform standby: "
        "today 19:00–22:00 (primary). The first member who clicks *I'll take it* takes it, "
        "and you'll hear who. If nobody has taken it by today 17:00, I'll ask again in the "
        "channel."
    )
    [post] = top_level(standin)
    [request] = requests_in(bot)
    assert buttons(post) == [(TAKE, str(request.id)), (WITHDRAW, str(request.id))]
    shown = standin.shown(post.visible_text, reader=BOB)
    assert (
        "@alice asks for cover of their standby shift: *Platform standby*, today 19:00–22:00 "
        "(primary)"
    ) in shown.text
    # the reason reads as typed: `&` and the tags literally; the broadcast pings nobody
    assert "dentist & <b>not</b> @\u200bchannel" in shown.text
    assert shown.broadcasts == [] and set(shown.mentions) == {ALICE}
    assert "<!channel>" not in post.visible_text
    assert (request.state, request.role, request.requested_by) == ("open", "primary", ALICE)
    assert request.reason == "dentist & <b>not</b> @channel"
    assert (request.starts_at, request.ends_at) == (jst(24, 19), jst(24, 22))


def test_first_click_takes_it_both_are_told_and_a_second_click_is_refused(
    slack, bot, standin, clock
):
    ask(slack, "today")
    [request] = requests_in(bot)

    slack.click(TAKE, str(request.id), user=BOB, channel=STANDBY)
    assert seen(standin, last_response(standin), BOB) == (
        "Thanks! You are covering @alice's shift on Platform standby: today 19:00–22:00 (primary)."
    )
    [override] = overrides_in(bot)
    assert (override.user_id, override.role) == (BOB, "primary")
    assert (override.starts_at, override.ends_at) == (jst(24, 19), jst(24, 22))

    [post] = top_level(standin)
    assert post.edited and buttons(post) == []
    assert "@bob took @alice's shift: *Platform standby*, today 19:00–22:00" in seen(
        standin, post.visible_text
    )
    told_alice = [m.text for m in standin.messages(ALICE) if "took your standby shift" in m.text]
    told_bob = [m.text for m in standin.messages(BOB) if "You are covering" in m.text]
    assert len(told_alice) == 1 and f"<@{BOB}>" in told_alice[0]
    assert len(told_bob) == 1 and f"<@{ALICE}>" in told_bob[0]

    slack.click(TAKE, str(request.id), user=CAROL, channel=STANDBY)
    assert seen(standin, last_response(standin), CAROL) == (
        "@bob already took this shift, thanks anyway."
    )
    assert len(overrides_in(bot)) == 1 and requests_in(bot)[0].taken_by == BOB

    slack.command("", user=ALICE, command="/standby")
    now = last_response(standin)
    assert f"next Tue 24 Nov 19:00–22:00 JST — <@{BOB}> (primary), covering for <@{ALICE}>" in (now)


def test_refused_clicks_the_requester_a_stranger_and_someone_already_on(
    slack, bot, standin, clock, config
):
    at_carols = jst(24, 7, 0)
    clock.move_to(at_carols)
    ask(slack, "today", user=CAROL)  # Carol's 07:30–09:30
    [request] = requests_in(bot)
    slack.click(TAKE, str(request.id), user=CAROL, channel=STANDBY)
    assert "withdraw it instead" in last_response(standin)
    slack.click(TAKE, str(request.id), user="U0FRANK01", channel=STANDBY)
    assert "Only members of Platform standby can take its shifts." in last_response(standin)
    slack.click(TAKE, "not-a-number", user=BOB, channel=STANDBY)
    assert "That cover request is not known." in last_response(standin)
    assert overrides_in(bot) == [] and requests_in(bot)[0].state == "open"


def test_two_clicks_at_once_give_one_override(slack, bot, standin, clock):
    ask(slack, "today")
    [request] = requests_in(bot)
    start = threading.Barrier(2)

    def click(user: str) -> None:
        start.wait()
        slack.requests.click(TAKE, str(request.id), user=user, channel=STANDBY)

    threads = [threading.Thread(target=click, args=(user,)) for user in (BOB, CAROL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert bot.wait_idle(timeout=30)

    [override] = overrides_in(bot)
    [request] = requests_in(bot)
    assert request.state == "taken" and request.taken_by == override.user_id
    answers = sorted(r["text"] for r in standin.responses())
    loser = CAROL if override.user_id == BOB else BOB
    assert any(a.startswith("Thanks! You are covering") for a in answers)
    assert f"<@{override.user_id}> already took this shift, thanks anyway." in answers
    assert [m for m in standin.messages(loser) if "You are covering" in m.text] == []


def test_raised_again_two_hours_before_once_with_two_clocks_then_past_at_the_start(
    slack, bot, standin, clock, database_url, config
):
    ask(slack, "2026-11-24 flight delayed")
    [request] = requests_in(bot)
    other = create_app(make_settings(database_url, standin), config, clock=TEST_CLOCK)
    try:
        clock.move_to(jst(24, 16, 59))
        bot.tick()
        other.tick()
        assert replies(standin) == []

        clock.move_to(jst(24, 17, 0))
        for _ in range(2):
            bot.tick()
            other.tick()
        [again] = replies(standin)
        assert again.reply_broadcast and again.thread_ts == top_level(standin)[0].ts
        assert buttons(again) == [(TAKE, str(request.id)), (WITHDRAW, str(request.id))]
        assert (
            "Still nobody to cover @alice's shift, which starts soon: *Platform standby*, "
            "today 19:00–22:00 (primary). Can you take it?"
        ) in seen(standin, again.visible_text)

        clock.move_to(jst(24, 18, 59))
        bot.tick()
        other.tick()
        assert not top_level(standin)[0].edited

        clock.move_to(jst(24, 19, 0))
        bot.tick()
        other.tick()
    finally:
        other.close()
    post = top_level(standin)[0]  # (the window's own post follows it at 19:00)
    [again] = replies(standin)
    assert post.edited and again.edited and buttons(post) == [] and buttons(again) == []
    assert "Nobody took @alice's shift before it started" in seen(standin, post.visible_text)
    [request] = requests_in(bot)
    assert request.state == "past" and overrides_in(bot) == []

    slack.click(TAKE, str(request.id), user=BOB, channel=STANDBY)
    assert last_response(standin) == "This shift has started: the request is closed."
    assert overrides_in(bot) == []


def test_withdraw_by_the_requester_closes_it_and_nothing_is_raised_again(
    slack, bot, standin, clock
):
    ask(slack, "2026-11-24")
    [request] = requests_in(bot)
    slack.click(WITHDRAW, str(request.id), user=BOB, channel=STANDBY)
    assert seen(standin, last_response(standin), BOB) == (
        "Only @alice, who asked, or an admin can withdraw this request."
    )
    slack.click(WITHDRAW, str(request.id), user=ALICE, channel=STANDBY)
    assert last_response(standin) == "Withdrawn: the request for cover is closed."
    [post] = top_level(standin)
    assert post.edited and buttons(post) == []
    assert "@alice's request for cover was withdrawn: *Platform standby*" in seen(
        standin, post.visible_text
    )

    slack.click(TAKE, str(request.id), user=BOB, channel=STANDBY)
    assert last_response(standin) == "This request was withdrawn: there is nothing to take."
    clock.move_to(jst(24, 17, 0))
    bot.tick()
    clock.move_to(jst(24, 19, 0))
    bot.tick()
    assert replies(standin) == [] and overrides_in(bot) == []
    assert requests_in(bot)[0].state == "withdrawn"

    # withdrawn, it may be asked for again; an admin may withdraw it too
    ask_again = jst(24, 18, 0)
    clock.move_to(ask_again)
    reply = ask(slack, "today")
    assert "Asked" in reply.text and "I'll ask again" not in reply.text  # under 2 h to go
    second = requests_in(bot)[-1]
    slack.click(WITHDRAW, str(second.id), user=ADMIN, channel=STANDBY)
    assert "withdrawn by @admin" in seen(standin, top_level(standin)[-1].visible_text)


def test_now_means_the_shift_on_now_and_the_taker_covers_what_is_left(slack, bot, standin, clock):
    clock.move_to(jst(24, 7, 45))
    reply = ask(slack, "now", user=CAROL)
    assert "cover the shift you are on now on Platform standby: today 07:30–09:30" in seen(
        standin, reply.text, CAROL
    )
    [request] = requests_in(bot)
    clock.move_to(jst(24, 8, 0))
    bot.tick()
    assert requests_in(bot)[0].state == "open"  # under way: open until it ends
    slack.click(TAKE, str(request.id), user=BOB, channel=STANDBY)
    [override] = overrides_in(bot)
    assert (override.starts_at, override.ends_at) == (jst(24, 8, 0), jst(24, 9, 30))
    pinged = [m.text for m in standin.messages(BOB) if "You are on standby" in m.text]
    assert len(pinged) == 1  # on now: pinged at once


def test_now_without_a_shift_on_now_is_the_next_one_today(slack, bot, standin, clock):
    reply = ask(slack, "now")  # 10:00: Alice is on at 19:00
    assert "cover your next shift today on Platform standby: today 19:00–22:00" in seen(
        standin, reply.text
    )


def test_asking_twice_for_one_shift_is_refused(slack, bot, standin, clock):
    ask(slack, "2026-11-24")
    reply = ask(slack, "today sorry again")
    assert reply.text == ":warning: You have already asked for cover of that shift."
    assert len(requests_in(bot)) == 1 and len(top_level(standin)) == 1


@pytest.mark.parametrize(
    ("text", "user", "expected"),
    [
        (
            "platform 2026-11-28",
            ALICE,
            "You have no coming shift on Platform standby on 2026-11-28.",
        ),
        ("now", BOB, "You have no coming shift on Platform standby now or later today"),
        ("platform 2026-11-24", "U0FRANK01", "You are not a member of Platform standby"),
        ("platform 2026-11-20", ALICE, "2026-11-20 is in the past."),
        ("2026-11-24", CAROL, "You have no coming shift"),  # hers ended at 09:30
        ("nowhere 2026-11-24", ALICE, "There is no roster `nowhere`"),
        ("platform 24/11", ALICE, "`24/11` is not a date"),
        ("", ALICE, "`cover` needs the date of your shift or `now`"),
    ],
)
def test_bad_requests_get_one_line_and_record_nothing(
    slack, bot, standin, clock, text, user, expected
):
    reply = ask(slack, text, user=user)
    assert expected in reply.text
    assert requests_in(bot) == [] and top_level(standin) == []
    with bot.db.read() as session:
        owed = session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.key.like("standby:cover:%"))
        )
    assert owed == 0


# -- across a daylight-saving change --------------------------------------------------------
NYC = "C0STANDBY3"


@pytest.fixture
def dst_config(tmp_path: Path) -> OrgConfig:
    """The example configuration with a New York roster whose window opens at 03:30 every
    day: on Sun 8 Mar 2026 (02:00 EST → 03:00 EDT) it opens at 07:30 UTC."""
    data = yaml.safe_load(example_config_path().read_text())
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    data["rosters"].append(
        {
            "id": "nyc",
            "name": "NYC standby",
            "channel": NYC,
            "timezone": "America/New_York",
            "members": [ALICE, BOB],
            "rotation": "day",
            "rotation_start": "2026-03-02",
            "remind_before_minutes": 0,
            "windows": [{"days": every_day, "start": "03:30", "end": "06:00"}],
        }
    )
    path = tmp_path / "opsbot.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_config(path)


@pytest.fixture
def config(dst_config: OrgConfig, request: pytest.FixtureRequest) -> OrgConfig:
    if "dst" in request.node.name:
        return dst_config
    return load_config(example_config_path())


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_dst_raised_again_two_real_hours_before_the_shift(slack, bot, standin):
    """03:30 EDT on 8 Mar is 07:30 UTC; two real hours before is 05:30 UTC, 00:30 EST on
    the wall clock (three wall-clock hours before, the 02:00 hour not existing)."""
    with freeze_time(utc(2026, 3, 7, 17, 0)) as frozen:
        roster = bot.config.roster("nyc")
        shift = next(
            s
            for s in bot.standby.shifts(roster, utc(2026, 3, 8, 0), utc(2026, 3, 9, 0))
            if s.local_date == dt.date(2026, 3, 8)
        )
        assert (shift.starts_at, shift.ends_at) == (utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 10))
        asker = shift.primary
        reply = ask(slack, "nyc 2026-03-08 wedding", user=asker)
        assert "Asked" in reply.text
        assert len(top_level(standin, NYC)) == 1

        frozen.move_to(utc(2026, 3, 8, 5, 29))
        bot.tick()
        assert replies(standin, NYC) == []
        frozen.move_to(utc(2026, 3, 8, 5, 30))
        bot.tick()
        bot.tick()
        [again] = replies(standin, NYC)
        assert again.reply_broadcast
        frozen.move_to(utc(2026, 3, 8, 6, 30))  # two wall-clock hours before: nothing more
        bot.tick()
        assert len(replies(standin, NYC)) == 1
        frozen.move_to(utc(2026, 3, 8, 7, 30))
        bot.tick()
    assert requests_in(bot)[0].state == "past"
    assert top_level(standin, NYC)[0].edited


def test_a_secondary_asks_and_the_taker_becomes_secondary_for_that_piece(
    slack, bot, standin, clock
):
    """`mobile` (Europe/London, two a window, by day): Saturday 28 Nov's 10:00–13:00."""
    mobile = bot.config.roster("mobile")
    day = dt.date(2026, 11, 28)
    found = bot.standby.shifts(mobile, jst(27, 12), jst(29, 12))
    shift = next(s for s in found if s.local_date == day)
    secondary, primary = shift.secondary, shift.primary
    taker = next(m for m in mobile.members if m not in shift.people)
    reply = ask(slack, "mobile 2026-11-28 moving house", user=secondary)
    assert "(secondary)" in reply.text
    [request] = requests_in(bot)
    assert (request.role, request.starts_at, request.ends_at) == (
        "secondary",
        shift.starts_at,
        shift.ends_at,
    )
    slack.click(TAKE, str(request.id), user=primary, channel=mobile.channel)
    assert last_response(standin) == "You are already on standby for that shift."
    slack.click(TAKE, str(request.id), user=taker, channel=mobile.channel)
    [override] = overrides_in(bot)
    assert (override.user_id, override.role) == (taker, "secondary")
    after = next(
        s for s in bot.standby.shifts(mobile, jst(27, 12), jst(29, 12)) if s.local_date == day
    )
    assert (after.primary, after.secondary) == (primary, taker)


def test_a_request_whose_asker_was_moved_off_the_shift_is_not_taken(slack, bot, standin, clock):
    ask(slack, "2026-11-24")
    [request] = requests_in(bot)
    slack.command("override @carol 2026-11-24 19:00 22:00 platform", user=ADMIN, command="/standby")
    slack.click(TAKE, str(request.id), user=BOB, channel=STANDBY)
    assert seen(standin, last_response(standin), BOB) == (
        "@alice is no longer on that shift: there is nothing to take."
    )
    assert [o.user_id for o in overrides_in(bot)] == [CAROL]
    clock.move_to(jst(24, 17, 0))
    bot.tick()
    assert replies(standin) == []  # not raised again: it is no longer Alice's to give


def test_the_cover_table_is_what_migration_0008_makes(database_url):
    """The model and the migration agree (what `alembic revision --autogenerate` would see)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bot.db.engine import make_engine
    from bot.schema.models import Base

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert [d for d in diffs if "standby_cover_requests" in repr(d)] == []


def test_hostile_reason_is_shown_and_obeyed_nowhere(slack, bot, standin, clock):
    """A reason of broadcasts, links and markup, exactly as Slack sends it: the request, its
    re-raise, the edits and the DMs carry no broadcast and no link."""
    from tests.test_hostile_commands import BROADCAST, HOSTILE, LINK, emitted_since

    reason = " ".join(h for h in HOSTILE if h != "\n")
    slack.requests.command(
        "/standby", f"cover today {reason}", user=ALICE, channel=STANDBY, as_sent=True
    )
    assert bot.wait_idle(timeout=30)
    [request] = requests_in(bot)
    clock.move_to(jst(24, 17, 0))
    bot.tick()
    slack.click(TAKE, str(request.id), user=BOB, channel=STANDBY)
    methods = {call.method for call in standin.calls}
    assert {"chat.postMessage", "chat.update"} <= methods
    texts = emitted_since(standin, 0, 0)
    assert any("evil.example" in text for text in texts)  # shown, as typed
    for text in texts:
        assert not BROADCAST.search(text), text
        assert not LINK.search(text), text
    [post] = top_level(standin)
    assert standin.shown(post.visible_text).broadcasts == []


def test_asked_under_two_hours_before_it_is_not_raised_again_and_closes_at_the_start(
    slack, bot, standin, clock
):
    clock.move_to(jst(24, 17, 30))
    reply = ask(slack, "today")
    assert "I'll ask again" not in reply.text
    for moment in (jst(24, 17, 31), jst(24, 18, 30), jst(24, 19, 0)):
        clock.move_to(moment)
        bot.tick()
    assert replies(standin) == [] and requests_in(bot)[0].state == "past"


def test_asked_for_the_shift_under_way_it_stays_open_until_the_shift_ends(
    slack, bot, standin, clock
):
    clock.move_to(jst(24, 7, 40))
    ask(slack, "now", user=CAROL)
    clock.move_to(jst(24, 9, 29))
    bot.tick()
    assert requests_in(bot)[0].state == "open" and replies(standin) == []
    clock.move_to(jst(24, 9, 30))
    bot.tick()
    assert requests_in(bot)[0].state == "past"
    post = next(m for m in top_level(standin) if "cover" in m.text or "Nobody took" in m.text)
    assert post.edited and buttons(post) == []
    assert "Nobody took @carol's shift before it ended" in seen(standin, post.visible_text, CAROL)

"""Loop of Loops end to end through signed requests and the Web API stand-in, with time
moved by freezegun through whole weeks. The example loop (Asia/Tokyo) prompts Mondays 10:00,
reminds Wednesdays 10:00 and posts the digest Thursdays 09:00: week 2026-W48 runs from
Mon 23 Nov 10:00 JST, its digest is Thu 26 Nov 09:00, and 2026-W49 starts Mon 30 Nov."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.app import create_app
from bot.ledger.models import Delivery
from bot.loop.models import DONE, OPEN, LoopAsk, LoopUpdate
from tests.conftest import ADMIN, ALICE, GENERAL, TEST_CLOCK, make_settings

PAY, SEARCH, MOBILE = "U0PMPAY01", "U0PMSRCH1", "U0PMMOB01"
LOOP = "C0LOOPLOOP"
JST = dt.timezone(dt.timedelta(hours=9))


def jst(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=JST)


@pytest.fixture
def clock(standin):
    standin.add_channel("loop", LOOP)
    standin.add_user(MOBILE, "mo", tz="Europe/London")
    with freeze_time(jst(11, 23, 9, 59)) as frozen:
        yield frozen


def at(bot, clock, moment, ticks: int = 1) -> None:
    clock.move_to(moment)
    for _ in range(ticks):
        bot.tick()


def prompts(standin, user):
    return [m for m in standin.messages(user) if "time for" in m.text]


def reminders(standin, user):
    return [m for m in standin.messages(user) if m.text.startswith("Reminder")]


def digests(standin):
    return [m for m in standin.messages(LOOP) if not m.is_reply]


def seen(standin, message, reader) -> str:
    """The message as `reader` sees it in Slack: names for mentions, dates in their zone."""
    return standin.shown(message.visible_text, reader=reader).text


def buttons(message):
    """The (action_id, value) of a message's buttons (a Message, or a reply's JSON)."""
    blocks = message["blocks"] if isinstance(message, dict) else message.blocks
    found = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    found += [b["accessory"] for b in blocks if "accessory" in b]
    return [(e["action_id"], e.get("value")) for e in found]


def open_modal(slack, standin, user, *, via_button=None):
    before = len(standin.calls_to("views.open"))
    if via_button:
        slack.click("loop_write", via_button, user=user, channel=user)
    else:
        slack.command("update", user=user, command="/lol")
    calls = standin.calls_to("views.open")
    assert len(calls) == before + 1, standin.responses()
    return calls[-1].arg("view")


def answer(slack, user, view, *, working_on, status="on_track", needs=(), roadblocks="", **extra):
    values = {
        "working_on": working_on,
        "roadblocks": roadblocks,
        "status": {"option": status},
        **extra,
    }
    for index, (teams, text) in enumerate(needs):
        values[f"need_{index}_teams"] = {"options": list(teams)}
        values[f"need_{index}_text"] = text
    return slack.submit("loop_update", values, user=user, private_metadata=view["private_metadata"])


def test_a_whole_week_then_an_ask_carried_into_the_next_and_closed_there(
    slack, bot, standin, clock
):
    at(bot, clock, jst(11, 23, 9, 59))
    assert prompts(standin, PAY) == []

    # Monday 10:00: one prompt per PM, once, with a Write update button.
    at(bot, clock, jst(11, 23, 10, 0), ticks=2)
    [prompt] = prompts(standin, PAY)
    assert "2026-W48" in prompt.visible_text
    assert "The digest is posted Nov 26, 2026 09:00;" in seen(standin, prompt, PAY)
    [mobile_prompt] = prompts(standin, MOBILE)  # Mobile's PM reads Slack in London
    assert "The digest is posted Nov 26, 2026 00:00;" in seen(standin, mobile_prompt, MOBILE)
    assert ("loop_write", json.dumps({"week": "2026-W48", "team": "payments"})) in buttons(prompt)
    assert len(prompts(standin, SEARCH)) == 1 and len(prompts(standin, MOBILE)) == 1

    # Payments answers through the prompt's button, at risk, asking Search for something.
    at(bot, clock, jst(11, 23, 11, 0))
    view = open_modal(slack, standin, PAY, via_button=buttons(prompt)[0][1])
    assert view["callback_id"] == "loop_update"
    reply = answer(
        slack,
        PAY,
        view,
        working_on="Checkout v2 <!channel>",
        status="at_risk",
        needs=[(["search"], "Receipt search index by Friday")],
    )
    assert reply.body == "" or "errors" not in reply.json()
    assert "Saved *Payments*'s update for 2026-W48" in standin.messages(PAY)[-1].text

    # ...then edits it (blocked now); the modal comes prefilled, the last submission counts.
    pay_view = open_modal(slack, standin, PAY)
    assert "Checkout v2" in json.dumps(pay_view)
    answer(
        slack,
        PAY,
        pay_view,
        working_on="Checkout v2 <!channel>",
        status="blocked",
        roadblocks="Waiting on the PCI audit",
        needs=[(["search"], "Receipt search index by Friday")],
    )
    view = open_modal(slack, standin, SEARCH)
    answer(slack, SEARCH, view, working_on="Ranking experiments")
    with bot.db.read() as session:
        kept = session.scalars(select(LoopUpdate.status).order_by(LoopUpdate.id)).all()
        [ask] = session.scalars(select(LoopAsk)).all()
    assert kept == ["at_risk", "blocked", "on_track"]  # every submission is kept
    assert (ask.from_team, ask.to_team, ask.status) == ("payments", "search", OPEN)

    reply = slack.command("status", user=ADMIN, command="/lol")
    assert "2 of 3 teams answered" in reply.text and f"<@{MOBILE}>" in reply.text

    # Incidents this week: a sev2 declared and resolved, a sev1 still open.
    at(bot, clock, jst(11, 24, 12, 0))
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    at(bot, clock, jst(11, 24, 13, 30))
    slack.command("resolve INC-1 fixed", user=ALICE)
    slack.command("declare sev1 Payments down", user=ALICE)

    # Wednesday 10:00: only Mobile, which has not answered, is reminded.
    at(bot, clock, jst(11, 25, 10, 0), ticks=2)
    assert len(reminders(standin, MOBILE)) == 1
    assert reminders(standin, PAY) == [] and reminders(standin, SEARCH) == []

    # Thursday 09:00: one digest.
    at(bot, clock, jst(11, 26, 9, 0), ticks=2)
    [digest] = digests(standin)
    text = digest.visible_text
    order = [
        text.index("Blocked and at risk"),
        text.index("Cross-team asks"),
        text.index("*Updates*"),
        text.index("No update from"),
        text.index("Incidents and standby"),
    ]
    assert order == sorted(order)
    assert "Waiting on the PCI audit" in text
    assert f"*Search* — <@{SEARCH}>" in text and "Receipt search index by Friday" in text
    assert text.index("*Payments* — :red_circle: Blocked") < text.index("*Search* — :large_g")
    assert f"Mobile apps (<@{MOBILE}>)" in text
    assert "Incidents declared:* 2 (sev1: 1, sev2: 1)" in text
    assert "time to resolve: median 1h 30m" in text and "INC-2 (sev1) Payments down" in text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "Sent late" not in text

    # The week is closed: edits are refused with a clear line.
    reply = slack.command("update", user=PAY, command="/lol")
    assert "2026-W48 is posted already" in reply.text
    reply = answer(slack, PAY, pay_view, working_on="too late")
    assert "closed" in json.dumps(reply.json())

    # Next week: Search's prompt carries the ask, open since W48; Search marks it done.
    at(bot, clock, jst(11, 30, 10, 0))
    [_, prompt] = prompts(standin, SEARCH)
    assert "Receipt search index by Friday" in prompt.visible_text
    assert "open since 2026-W48" in prompt.visible_text
    assert ("loop_ask_done", str(ask.id)) in buttons(prompt)
    [_, pay_prompt] = prompts(standin, PAY)
    assert ("loop_ask_withdraw", str(ask.id)) in buttons(pay_prompt)
    slack.click("loop_ask_done", str(ask.id), user=PAY, channel=PAY)
    assert "Only the asked team's PM" in standin.responses()[-1]["text"]
    slack.click("loop_ask_done", str(ask.id), user=SEARCH, channel=SEARCH)
    assert "Marked done" in standin.responses()[-1]["text"]
    with bot.db.read() as session:
        assert session.get(LoopAsk, ask.id).status == DONE

    at(bot, clock, jst(12, 3, 9, 0))
    [_, second] = digests(standin)
    assert "2026-W49" in second.visible_text and "No open asks" in second.visible_text
    assert "Receipt search index" not in second.visible_text


def test_an_open_ask_stays_in_every_digest_until_withdrawn(slack, bot, standin, clock):
    at(bot, clock, jst(11, 23, 10, 0))
    view = open_modal(slack, standin, PAY)
    answer(slack, PAY, view, working_on="Checkout", needs=[(["mobile"], "SDK 3.2 release")])
    at(bot, clock, jst(11, 26, 9, 0))
    at(bot, clock, jst(11, 30, 10, 0))
    at(bot, clock, jst(12, 3, 9, 0))
    first, second = digests(standin)
    assert "new this week" in first.visible_text
    assert "SDK 3.2 release _(open since 2026-W48)_" in second.visible_text
    with bot.db.read() as session:
        ask_id = session.scalars(select(LoopAsk.id)).one()
    slack.click("loop_ask_withdraw", str(ask_id), user=MOBILE, channel=MOBILE)
    assert "Only the asking team's PM" in standin.responses()[-1]["text"]
    slack.click("loop_ask_withdraw", str(ask_id), user=PAY, channel=PAY)
    assert "Withdrew" in standin.responses()[-1]["text"]
    at(bot, clock, jst(12, 7, 10, 0))
    at(bot, clock, jst(12, 10, 9, 0))
    assert "SDK 3.2 release" not in digests(standin)[-1].visible_text


def test_a_digest_missed_while_down_is_posted_late_once_and_not_after_the_next_prompt(
    database_url, standin, clock, bot
):
    at(bot, clock, jst(11, 23, 10, 0))
    bot.close()
    clock.move_to(jst(11, 27, 15, 0))  # down from Monday to Friday
    restarted = create_app(
        make_settings(database_url, standin), bot.config, backoff_factor=0.01, clock=TEST_CLOCK
    )
    second = create_app(
        make_settings(database_url, standin), bot.config, backoff_factor=0.01, clock=TEST_CLOCK
    )
    try:
        restarted.tick()
        second.tick()
        [digest] = digests(standin)
        assert "Sent late" in digest.visible_text and "2026-W48" in digest.visible_text
        with restarted.db.read() as session:
            row = session.scalar(select(Delivery).where(Delivery.key == "loop:2026-W48:digest"))
        assert row.late
        # Reminders missed while down were past the digest: not sent.
        assert reminders(standin, MOBILE) == []

        restarted.close()
        clock.move_to(jst(12, 7, 10, 30))  # down past W49's digest and W50's prompt
        second.tick()
        assert len(digests(standin)) == 1  # W49's digest was superseded: skipped
        with second.db.read() as session:
            row = session.scalar(select(Delivery).where(Delivery.key == "loop:2026-W49:digest"))
        assert row.status == "skipped"
        assert len(prompts(standin, PAY)) == 2  # W48's and W50's
    finally:
        second.close()


def test_an_admin_posts_the_digest_early_after_confirming_and_it_is_not_posted_again(
    slack, bot, standin, clock
):
    at(bot, clock, jst(11, 23, 10, 0))
    reply = slack.command("digest", user=PAY, command="/lol")
    assert "Only an admin" in reply.text
    reply = slack.command("digest preview", user=PAY, command="/lol")
    assert "Loop of Loops — 2026-W48" in json.dumps(reply.json(), ensure_ascii=False)
    assert digests(standin) == []

    at(bot, clock, jst(11, 25, 18, 0))
    answer(slack, PAY, open_modal(slack, standin, PAY), working_on="Checkout")
    reply = slack.command("digest", user=ADMIN, command="/lol")
    asked = standin.shown(reply.text).text
    assert asked.startswith("2 teams have not answered 2026-W48 yet: Search (@sam), Mobile")
    assert buttons(reply.json()) == [("loop_digest_now", "2026-W48")]
    assert digests(standin) == []  # nothing posted before the confirmation

    slack.click("loop_digest_now", "2026-W48", user=PAY, channel=GENERAL)
    assert "Only an admin" in standin.responses()[-1]["text"] and digests(standin) == []
    slack.click("loop_digest_now", "2026-W48", user=ADMIN, channel=GENERAL)
    confirmed = standin.responses()[-1]
    assert confirmed["text"] == "Posting the digest of 2026-W48 now."
    assert confirmed["replace_original"] is True  # the button goes with the question
    assert len(digests(standin)) == 1
    slack.click("loop_digest_now", "2026-W48", user=ADMIN, channel=GENERAL)  # a double click
    assert "posted already" in standin.responses()[-1]["text"]
    reply = slack.command("digest", user=ADMIN, command="/lol")
    assert "posted already" in reply.text
    at(bot, clock, jst(11, 26, 9, 0), ticks=2)
    assert len(digests(standin)) == 1

    at(bot, clock, jst(11, 30, 11, 0))  # W49 now: last week's button posts nothing
    slack.click("loop_digest_now", "2026-W48", user=ADMIN, channel=GENERAL)
    assert "2026-W48 is over" in standin.responses()[-1]["text"]
    assert len(digests(standin)) == 1


def test_with_every_team_answered_the_digest_is_posted_at_once(slack, bot, standin, clock):
    at(bot, clock, jst(11, 23, 10, 0))
    for pm in (PAY, SEARCH, MOBILE):
        answer(slack, pm, open_modal(slack, standin, pm), working_on="Things")
    reply = slack.command("digest", user=ADMIN, command="/lol")
    assert reply.text == "Posting the digest of 2026-W48 now."
    [digest] = digests(standin)
    assert "Updates from 3 of 3 teams" in digest.visible_text


def test_the_prompt_shows_the_answer_once_given_and_the_latest_edit(slack, bot, standin, clock):
    at(bot, clock, jst(11, 23, 10, 0))
    [prompt] = prompts(standin, PAY)
    assert "Answered" not in prompt.visible_text

    at(bot, clock, jst(11, 23, 11, 0))
    answer(slack, PAY, open_modal(slack, standin, PAY), working_on="Checkout v2 <!here>")
    [prompt] = prompts(standin, PAY)  # the same DM, edited: no new message
    assert prompt.edited
    assert "Answered* by @pam today 11:00" in seen(standin, prompt, PAY)
    assert "Checkout v2 &lt;!here&gt;" in prompt.visible_text
    labels = [
        e["text"]["text"] for b in prompt.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert labels == ["Edit update"]

    at(bot, clock, jst(11, 23, 12, 0))
    answer(slack, PAY, open_modal(slack, standin, PAY), working_on="Checkout v3", status="blocked")
    [prompt] = prompts(standin, PAY)
    assert "Checkout v3" in prompt.visible_text and "Checkout v2" not in prompt.visible_text
    assert "Answered* by @pam today 12:00" in seen(standin, prompt, PAY)


def test_an_answer_before_any_prompt_was_sent_edits_nothing(slack, bot, standin, clock):
    at(bot, clock, jst(11, 23, 9, 0))
    answer(slack, SEARCH, open_modal(slack, standin, SEARCH), working_on="Early bird")
    assert "Saved *Search*'s update" in standin.messages(SEARCH)[-1].text
    assert prompts(standin, SEARCH) == [] and standin.calls_to("chat.update") == []
    with bot.db.read() as session:
        kinds = session.scalars(select(Delivery.kind).where(Delivery.status == "pending")).all()
    assert "loop_prompt_update" not in kinds


@pytest.mark.parametrize(
    ("started", "prompted"),
    [(jst(11, 24, 12, 0), True), (jst(11, 26, 9, 30), False), (jst(11, 23, 10, 0), True)],
)
def test_a_bot_first_started_mid_week_asks_for_this_weeks_updates_until_the_digest(
    bot, standin, clock, started, prompted
):
    at(bot, clock, started, ticks=2)
    at(bot, clock, started + dt.timedelta(minutes=15))
    assert len(prompts(standin, PAY)) == (1 if prompted else 0)
    if prompted:
        assert "2026-W48" in prompts(standin, PAY)[0].visible_text
        assert len(prompts(standin, SEARCH)) == 1 and len(prompts(standin, MOBILE)) == 1


def digest_id(bot) -> int:
    with bot.db.read() as session:
        return session.scalar(select(Delivery.id).where(Delivery.key == "loop:2026-W48:digest"))


def test_no_update_is_saved_while_the_digest_is_going_out(
    slack, bot, standin, clock, database_url, config
):
    """An update saved between the digest being built and it being recorded sent would be
    missing from it: while a scheduler holds the digest, the week is closed."""
    at(bot, clock, jst(11, 23, 10, 0))
    sender = create_app(
        make_settings(database_url, standin), config, owner="sending", clock=TEST_CLOCK
    )
    try:
        clock.move_to(jst(11, 26, 9, 0))
        from bot.loop.due import enqueue_loop

        enqueue_loop(bot.loop)
        view = open_modal(slack, standin, PAY)  # opened before the digest goes out...
        _, claimed = sender.ledger.leases.claim([digest_id(bot)])  # being rendered and sent now
        assert [d.key for d in claimed] == ["loop:2026-W48:digest"]
        reply = answer(slack, PAY, view, working_on="Too late")  # ...submitted meanwhile
        assert "posted already (or going out now)" in json.dumps(reply.json())
        again = slack.command("update", user=PAY, command="/lol")
        assert "posted already" in again.text
        with bot.db.read() as session:
            assert session.scalars(select(LoopUpdate)).all() == []
    finally:
        sender.close()


def test_a_digest_is_not_claimed_while_an_update_is_being_saved(bot, standin, clock, database_url):
    """The other order: an update's transaction holds the digest's row, so a scheduler
    skips it until the update is committed, and the digest then includes it."""
    if not database_url.startswith("postgresql"):
        pytest.skip("on SQLite writers take turns: the claim would wait for the update")
    from bot.loop.service import is_closed

    at(bot, clock, jst(11, 23, 10, 0))
    clock.move_to(jst(11, 26, 9, 0))
    from bot.loop.due import enqueue_loop

    enqueue_loop(bot.loop)
    with bot.db.session() as saving:
        assert not is_closed(saving, "2026-W48", now=jst(11, 26, 9, 0), hold=True)
        _, claimed = bot.ledger.leases.claim([digest_id(bot)])
        assert claimed == []  # skipped, not waited for
    _, claimed = bot.ledger.leases.claim([digest_id(bot)])
    assert [d.key for d in claimed] == ["loop:2026-W48:digest"]

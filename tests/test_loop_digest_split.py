"""A digest too long for one Slack message continues in its thread, every message within
Block Kit's limits (the stand-in refuses more than 50 blocks or a section over 3,000
characters, as Slack does), and every team that answered appears once."""

from __future__ import annotations

import re

from freezegun import freeze_time
from sqlalchemy import select

from benchmarks.loop_digest import NOW, WEEK, fill, org
from bot.app import create_app
from bot.loop.models import LoopUpdate
from tests.conftest import TEST_CLOCK, make_settings

LOOP = "C0LOOPLOOP"


def test_a_long_digest_continues_in_its_thread_within_slacks_limits(standin, database_url):
    config = org(120)
    standin.add_channel("loop", LOOP)
    app = create_app(make_settings(database_url, standin), config, clock=TEST_CLOCK)
    try:
        fill(app.db, config)
        with freeze_time(NOW):
            app.tick()
            app.tick()
        with app.db.read() as session:
            answered = set(
                session.scalars(select(LoopUpdate.team_id).where(LoopUpdate.week == WEEK))
            )
    finally:
        app.close()

    posts = standin.calls_to("chat.postMessage")
    assert posts and all(call.ok for call in posts), [c.error for c in posts if not c.ok]
    messages = standin.messages(LOOP)
    [digest] = [m for m in messages if not m.is_reply]
    continuations = [m for m in messages if m.is_reply]
    assert continuations and all(m.thread_ts == digest.ts for m in continuations)
    assert all(len(m.blocks) <= 50 for m in messages)
    assert WEEK in digest.visible_text

    # an update's title starts its section: "*Team 7* — <status>" (an ask group names the PM)
    titles = re.findall(
        r"(?m)^\*Team (\d+)\* — (?!<@)", "\n".join(m.visible_text for m in messages)
    )
    shown = [f"team-{int(n):03d}" for n in titles]
    assert sorted(shown) == sorted(answered)  # each team that answered, once

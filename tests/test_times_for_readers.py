"""One zone per reader, end to end: `/incident show` and `timeline`, the postmortem draft and
the ledger's "Sent late" note, as a reader in Tokyo and a reader in London see them. Date
tokens render in each reader's Slack time zone; their fallback is in the organisation's
(Asia/Tokyo). On Tue 2026-11-24 07:30–09:30 JST (Mon 23 Nov 22:30–00:30 GMT) Carol is on
standby on `platform`."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.escalation.models import Escalation
from bot.incidents.models import Incident
from tests.conftest import ALICE, CAROL

LONDON = "U0LONDON1"
STANDBY = "C0STANDBY1"
JST = dt.timezone(dt.timedelta(hours=9))


def jst(hour: int, minute: int = 0, day: int = 24, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=JST)


@pytest.fixture
def clock(standin):
    standin.add_user(LONDON, "lon", tz="Europe/London")
    with freeze_time(jst(7, 30)) as frozen:
        yield frozen


def blocks_text(reply) -> str:
    body = reply.json()
    texts = [body.get("text", "")]
    for block in body.get("blocks", []):
        texts.append((block.get("text") or {}).get("text", ""))
        texts += [e.get("text", "") for e in block.get("elements", []) if isinstance(e, dict)]
    return "\n".join(texts)


def paged_and_acknowledged(slack, bot, clock) -> str:
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    clock.move_to(jst(7, 31))
    slack.command("escalate INC-1", user=ALICE)
    clock.move_to(jst(7, 43))
    with bot.db.read() as session:
        chain_id = session.scalars(select(Escalation.id)).one()
        channel = session.scalars(select(Incident.channel_id)).one()
    slack.click("page_ack", str(chain_id), user=CAROL)
    return channel


def test_incident_show_gives_every_time_in_the_readers_zone(slack, bot, standin, clock):
    channel = paged_and_acknowledged(slack, bot, clock)
    shown = blocks_text(slack.command("show", channel=channel))

    tokyo = standin.shown(shown, reader=CAROL).text
    assert "Declared today 07:30 · paged today 07:31 (+1m)" in tokyo
    assert "acknowledged today 07:43 (+13m)" in tokyo
    assert "today 07:31 paged @carol: acknowledged" in tokyo

    london = standin.shown(shown, reader=LONDON).text
    assert "Declared today 22:30 · paged today 22:31 (+1m)" in london
    assert "today 22:31 paged @carol: acknowledged" in london
    assert "UTC" not in tokyo + london

    fallback = standin.shown(shown).text  # clients that cannot render a date: Tokyo's
    assert "Tue 24 Nov 07:31 JST paged @carol" in fallback and "UTC" not in fallback

    timeline = blocks_text(slack.command("timeline INC-1", channel=channel))
    lines = standin.shown(timeline, reader=LONDON).text.split("\n")
    assert "today 22:30 · @alice declared INC-1: Checkout is slow" in lines


def test_the_postmortem_draft_writes_paging_times_in_the_organisations_zone(
    slack, bot, standin, clock
):
    channel = paged_and_acknowledged(slack, bot, clock)
    slack.command("postmortem", channel=channel)
    [upload] = [m for m in standin.messages(channel) if m.file]
    content = upload.file["content"]
    assert "- Tue 24 Nov 07:31 JST paged @carol: acknowledged" in content
    assert "<!date" not in content and "UTC" not in content


def test_a_late_post_says_when_it_was_due_in_each_readers_zone(bot, standin, clock):
    clock.move_to(jst(7, 14))
    bot.tick()
    clock.move_to(jst(8, 0))  # nothing ran from 07:14 to 08:00
    bot.tick()
    [post] = [m for m in standin.messages(STANDBY) if not m.is_reply]
    assert (
        "Sent late: this was due at today 07:30."
        in standin.shown(post.visible_text, reader=CAROL).text
    )
    assert (
        "Sent late: this was due at today 22:30."
        in standin.shown(post.visible_text, reader=LONDON).text
    )
    assert "due at Tue 24 Nov 07:30 JST" in standin.shown(post.text).text


def test_across_the_autumn_change_a_london_reader_sees_bst_then_gmt_times(slack, bot, standin):
    """London's clocks go back on Sun 25 Oct 2026: an incident declared Fri 23 Oct 08:00 JST
    (00:00 BST) and resolved Mon 26 Oct 09:00 JST (00:00 GMT) reads 00:00 both times."""
    standin.add_user(LONDON, "lon", tz="Europe/London")
    with freeze_time(jst(8, 0, day=23, month=10)) as frozen:
        slack.command("declare sev3 Slow search", user=ALICE)
        frozen.move_to(jst(9, 0, day=26, month=10))
        slack.command("resolve INC-1 fixed", user=ALICE)
        shown = blocks_text(slack.command("show INC-1"))
        london = standin.shown(shown, reader=LONDON).text
    assert "Declared Oct 23, 2026 00:00" in london
    assert "resolved today 00:00 (+3d 1h 0m)" in london

"""Who carried the standby load: `/standby load`, the monthly post and `opsbot roster report`.

Hand-computed on the example organisation (bot/examples/opsbot.example.yaml):

- `platform` (Asia/Tokyo, per_window 1) rotates Alice, Bob, Carol per window from Mon
  2 Nov 2026, 07:30–09:30 (2 h) and 19:00–22:00 (3 h) on weekdays. The week from Fri 20 Nov
  12:00 JST to Fri 27 Nov 12:00 JST holds 10 windows: Fri 20 19:00 Carol (turn 29), Mon 23
  07:30 Alice, 19:00 Bob, Tue 24 07:30 Carol, 19:00 Alice, Wed 25 07:30 Bob, 19:00 Carol,
  Thu 26 07:30 Alice, 19:00 Bob, Fri 27 07:30 Carol. Alice 7 h, Bob 8 h, Carol 10 h of 25.
- `mobile` (Europe/London, per_window 2, rotation by day) has Fri and Sat 22:00–02:00 and
  Sat and Sun 10:00–13:00. From Fri 20 Nov 00:00 to Mon 23 Nov 00:00 GMT: Fri 22:00 Heidi
  and Ivan, Sat 10:00 and Sat 22:00 Ivan and Frank, Sun 10:00 Frank and Grace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.app import create_app
from bot.cli import main
from bot.config import example_config_path, load_config
from bot.escalation.models import Escalation
from bot.standby import Override, shifts
from bot.standby.load import (
    chart_key,
    first_monday,
    measure,
    monthly_at,
    monthly_dues,
    monthly_key,
    weekend_time,
)
from bot.standby.load_chart import PNG_SIGNATURE
from tests.conftest import ADMIN, ALICE, BOB, CAROL, TEST_CLOCK, make_settings
from tests.test_standby_dst import LONDON, daily

TOKYO = ZoneInfo("Asia/Tokyo")
JST = dt.timezone(dt.timedelta(hours=9))
HOUR = dt.timedelta(hours=1)
STANDBY, MOBILE_CHANNEL = "C0STANDBY1", "C0STANDBY2"
FRANK, GRACE, HEIDI, IVAN = "U0FRANK01", "U0GRACE01", "U0HEIDI01", "U0IVAN001"


def jst(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=JST)


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


@pytest.fixture(scope="module")
def org():
    return load_config(example_config_path())


def by_user(report) -> dict[str, Any]:
    return {m.user: m for m in report.members}


@dataclass(frozen=True)
class APage:
    target: str
    paged_at: dt.datetime
    outcome: str
    answered_at: dt.datetime | None = None


# -- the arithmetic -------------------------------------------------------------------------


def test_two_seats_a_window_each_count_and_the_shares_sum_to_one(org):
    roster = org.roster("mobile")
    start, end = london(2026, 11, 20), london(2026, 11, 23)
    found = shifts(roster, LONDON, start, end)
    report = measure(roster, LONDON, found, [], start, end)
    load = by_user(report)
    assert [m.user for m in report.members] == [FRANK, GRACE, HEIDI, IVAN]  # rotation order
    assert {u: (m.windows, m.hours, m.weekend_hours) for u, m in load.items()} == {
        HEIDI: (1, 4, 2),  # Fri 22:00–Sat 02:00: the 2 h after midnight are Saturday's
        IVAN: (3, 11, 9),
        FRANK: (3, 10, 10),
        GRACE: (1, 3, 3),
    }
    assert report.seat_hours == 28  # 14 h of windows, two seats each
    assert sum(m.share for m in report.members) == pytest.approx(1)
    assert load[IVAN].share == pytest.approx(11 / 28)
    assert report.flagged == []


def test_weekend_hours_are_those_of_saturday_and_sunday_in_the_rosters_zone():
    friday_night = london(2026, 11, 20, 22), london(2026, 11, 21, 2)
    assert weekend_time(*friday_night, LONDON) == 2 * HOUR
    assert weekend_time(*friday_night, TOKYO) == 4 * HOUR  # Sat 07:00–11:00 in Tokyo
    sunday_night = london(2026, 11, 22, 22), london(2026, 11, 23, 2)
    assert weekend_time(*sunday_night, LONDON) == 2 * HOUR
    assert weekend_time(*sunday_night, TOKYO) == 0 * HOUR  # Mon 07:00–11:00 in Tokyo


@pytest.mark.parametrize(
    ("day", "real_hours"),
    [
        (dt.date(2026, 10, 25), 5),  # 02:00 BST → 01:00 GMT: 00:00–04:00 lasts 5 h
        (dt.date(2026, 3, 29), 3),  # 01:00 GMT → 02:00 BST: 00:00–04:00 lasts 3 h
        (dt.date(2026, 11, 1), 4),
    ],
)
def test_a_window_across_a_daylight_saving_change_counts_the_hours_that_passed(day, real_hours):
    roster = daily(LONDON, "00:00", "04:00", members=[ALICE], per_window=1)
    start = dt.datetime.combine(day, dt.time(0), LONDON) - 2 * HOUR
    end = start + 12 * HOUR
    report = measure(roster, LONDON, shifts(roster, LONDON, start, end), [], start, end)
    [alice] = report.members
    assert (alice.windows, alice.hours, alice.weekend_hours) == (1, real_hours, real_hours)
    assert alice.share == 1 and alice.flagged  # alone on the roster: above 50%


def test_covers_given_and_taken_and_a_share_above_max_share_is_flagged(org):
    roster = org.roster("platform")
    start, end = jst(20, 12), jst(27, 12)
    thursday = Override("platform", CAROL, jst(26, 19), jst(26, 22), ADMIN)
    found = shifts(roster, TOKYO, start, end, [thursday])
    report = measure(roster, TOKYO, found, [], start, end)
    load = by_user(report)
    assert {u: (m.windows, m.hours) for u, m in load.items()} == {
        ALICE: (3, 7),
        BOB: (2, 5),
        CAROL: (5, 13),
    }
    assert (load[CAROL].covers_given, load[CAROL].covers_taken) == (1, 0)
    assert (load[BOB].covers_given, load[BOB].covers_taken) == (0, 1)
    assert load[CAROL].share == pytest.approx(13 / 25) and load[CAROL].flagged
    assert [m.user for m in report.flagged] == [CAROL]


def test_pages_acknowledgements_and_the_median_time_to_acknowledge(org):
    roster = org.roster("platform")
    start, end = jst(20, 12), jst(27, 12)
    t = jst(24, 7, 40)
    pages = [
        APage(CAROL, t, "acknowledged", t + dt.timedelta(minutes=2)),
        APage(CAROL, t + HOUR, "acknowledged", t + HOUR + dt.timedelta(minutes=10)),
        APage(CAROL, t + 2 * HOUR, "acknowledged", t + 2 * HOUR + dt.timedelta(minutes=4)),
        APage(CAROL, t + 3 * HOUR, "no_answer", t + 3 * HOUR + dt.timedelta(minutes=5)),
        APage(ALICE, t, "answered_by_other", t + dt.timedelta(minutes=2)),
        APage("channel", t, "no_answer"),  # an @here: nobody's
        APage("U0LEAD001", t, "no_answer"),  # no member and no seat: not listed
        APage(BOB, start - HOUR, "acknowledged", start),  # before the period
    ]
    report = measure(roster, TOKYO, shifts(roster, TOKYO, start, end), pages, start, end)
    load = by_user(report)
    assert (load[CAROL].pages, load[CAROL].acknowledged) == (4, 3)
    assert load[CAROL].median_ack == dt.timedelta(minutes=4)
    assert (load[ALICE].pages, load[ALICE].acknowledged, load[ALICE].median_ack) == (1, 0, None)
    assert (load[BOB].pages, load[BOB].median_ack) == (0, None)
    assert "U0LEAD001" not in load


def test_the_monthly_post_is_due_the_first_monday_at_nine_in_the_rosters_zone(org):
    assert first_monday(2026, 12) == dt.date(2026, 12, 7)
    assert first_monday(2027, 2) == dt.date(2027, 2, 1)  # the 1st is a Monday
    platform, mobile = org.roster("platform"), org.roster("mobile")
    assert monthly_at(2026, 12, TOKYO) == jst(7, 9, month=12)
    since = jst(7, 8, 59, month=12)
    assert monthly_dues(platform, TOKYO, since, jst(7, 8, 59, month=12)) == []
    post, chart = monthly_dues(platform, TOKYO, since, jst(7, 9, month=12))
    assert post.key == monthly_key("platform", 2026, 12) == "standby:load:platform:2026-12"
    assert chart.key == chart_key(post.key)
    assert post.payload["channel"] == STANDBY and post.due_at == jst(7, 9, month=12)
    # over the weeks since the previous month's post (Mon 2 Nov 09:00 JST)
    assert post.payload["args"]["start"] == jst(2, 9).astimezone(dt.UTC).isoformat()
    assert monthly_dues(mobile, LONDON, since, jst(7, 9, month=12)) == []  # 00:00 in London


# -- end to end -------------------------------------------------------------------------------


def texts(node: Any) -> list[str]:
    """Every text in a Block Kit tree."""
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [t for v in node.values() for t in texts(v)]
    if isinstance(node, list):
        return [t for item in node for t in texts(item)]
    return []


def section_of(blocks: list[dict[str, Any]], user: str) -> str:
    [section] = [b for b in blocks if b.get("text", {}).get("text", "").startswith(f"<@{user}>")]
    return "\n".join(texts(section))


@pytest.fixture
def clock():
    with freeze_time(jst(24, 7, 0)) as frozen:
        yield frozen


def test_standby_load_answers_the_asker_with_the_table_and_their_dm_with_the_chart(
    slack, bot, standin, clock
):
    slack.command("override @carol 2026-11-26 19:00 22:00 platform", user=ADMIN, command="/standby")
    clock.move_to(jst(24, 7, 40))
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    slack.command("escalate INC-1", user=ALICE)  # Carol is on standby
    with bot.db.read() as session:
        first = session.scalars(select(Escalation.id)).one()
    clock.move_to(jst(24, 7, 42))
    slack.click("page_ack", str(first), user=CAROL)  # after 2 minutes
    clock.move_to(jst(24, 19, 10))
    slack.command("declare sev2 Search is down", user=BOB)
    slack.command("escalate INC-2", user=BOB)  # Alice is on standby
    clock.move_to(jst(24, 19, 14))
    with bot.db.read() as session:
        second = session.scalars(select(Escalation.id).order_by(Escalation.id.desc())).first()
    slack.click("page_ack", str(second), user=ALICE)  # after 4 minutes

    clock.move_to(jst(27, 12))
    reply = slack.command("load platform 1", user=BOB, command="/standby")
    assert reply.status == 200 and reply.text == ""  # acknowledged at once
    answer = standin.responses()[-1]
    assert answer["response_type"] == "ephemeral"
    blocks = answer["blocks"]
    shown = standin.shown("\n".join(texts(blocks)), reader=BOB).text
    assert "Standby load: Platform standby" in shown
    assert (
        "From Nov 20, 2026 12:00 to today 12:00 (1 week): 25h of standby over all seats. "
        "A share above 50% is flagged." in shown
    )
    carol = standin.shown(section_of(blocks, CAROL), reader=BOB).text
    assert "@carol: *52%* of the standby hours :warning: *above 50%*" in carol
    assert "*Windows*\n5" in carol and "*Hours*\n13h (weekend 0h)" in carol
    assert "*Pages*\n1 received, 1 acknowledged" in carol
    assert "*Median time to acknowledge*\n2m" in carol and "*Covers*\n1 given, 0 taken" in carol
    alice = section_of(blocks, ALICE)
    assert "*28%*" in alice and ":warning:" not in alice
    assert "*Median time to acknowledge*\n4m" in alice and "*Covers*\n0 given, 0 taken" in alice
    bob = section_of(blocks, BOB)
    assert "*Hours*\n5h" in bob and "*Covers*\n0 given, 1 taken" in bob and "*20%*" in bob
    assert "*Pages*\n0 received, 0 acknowledged" in bob
    assert "The chart of hours per person is in your DM with me." in shown
    assert answer["text"].startswith("Standby load: Platform standby, last 1 week: <@U0ALICE01> 7h")

    [upload] = [m for m in standin.messages(BOB) if m.files]
    assert upload.channel.startswith("D")  # the DM, opened with conversations.open
    assert "Hours on standby per person: Platform standby, last 1 week." in upload.text
    file = upload.file
    assert file["mimetype"] == "image/png" and file["name"].endswith(".png")
    assert file["content"] is None  # no text to show: the stand-in keeps the bytes aside
    assert standin.workspace.files[file["id"]]["content"].startswith(PNG_SIGNATURE)
    [complete] = standin.calls_to("files.completeUploadExternal")
    assert complete.arg("channel_id") == upload.channel


def test_a_chart_that_cannot_reach_the_dm_is_said_so_under_the_table(slack, standin, clock):
    standin.error_next("files.completeUploadExternal", "internal_error")
    slack.command("load", user=CAROL, command="/standby")  # Carol's one roster: platform
    answer = standin.responses()[-1]
    assert "Standby load: Platform standby" in answer["text"]
    assert ":warning: The chart could not be sent to your DM (`internal_error`)." in texts(
        answer["blocks"]
    )
    assert [m for m in standin.messages(CAROL) if m.files] == []


def test_the_stand_in_refuses_a_user_id_as_the_channel_of_an_upload_as_slack_does(standin):
    client = WebClient(token="xoxb-test-token", base_url=standin.api_url)
    with pytest.raises(SlackApiError) as refused:
        client.files_upload_v2(channel=CAROL, content=b"x", filename="x.txt")
    assert refused.value.response["error"] == "invalid_arguments"
    assert "json-pointer:/channel_id" in refused.value.response["response_metadata"]["messages"][0]
    dm = client.conversations_open(users=CAROL)["channel"]["id"]
    client.files_upload_v2(channel=dm, content=b"x", filename="x.txt")
    assert [m.file["name"] for m in standin.messages(CAROL)] == ["x.txt"]


def test_standby_load_of_an_unknown_roster_is_refused_at_once(slack, standin, clock):
    reply = slack.command("load nowhere", user=BOB, command="/standby")
    assert "There is no roster `nowhere`" in reply.text
    assert standin.calls_to("files.getUploadURLExternal") == []


def test_the_monthly_post_goes_out_once_on_the_first_monday_with_its_chart_in_the_thread(
    bot, standin, database_url, config
):
    other = create_app(make_settings(database_url, standin), config, clock=TEST_CLOCK)
    try:
        with freeze_time(jst(7, 8, 59, month=12)) as clock:
            bot.tick()
            other.tick()
            assert [m for m in standin.messages(STANDBY) if "Standby load" in m.text] == []
            clock.move_to(jst(7, 9, month=12))
            for _ in range(2):
                bot.tick()
                other.tick()
            clock.move_to(jst(7, 9, 5, month=12))
            bot.tick()
            other.tick()
    finally:
        other.close()
    [post] = [m for m in standin.messages(STANDBY) if "Standby load" in m.text and not m.is_reply]
    shown = standin.shown(post.visible_text, reader=ALICE).text
    assert "Standby load: Platform standby" in shown and "(5 weeks)" in shown
    assert "follows in the thread" in shown
    charts = [m for m in standin.messages(STANDBY) if m.files]
    assert len(charts) == 1 and charts[0].thread_ts == post.ts
    file_id = charts[0].file["id"]
    assert charts[0].file["name"] == "standby-load-platform-2026-12.png"
    assert standin.workspace.files[file_id]["content"].startswith(PNG_SIGNATURE)
    assert len(standin.calls_to("files.completeUploadExternal")) == 1
    # the mobile roster's is due at 09:00 in London, not yet
    assert [m for m in standin.messages(MOBILE_CHANNEL) if "Standby load" in m.text] == []


def test_a_chart_upload_that_fails_is_retried_and_shown_once(bot, standin):
    with freeze_time(jst(7, 8, 59, month=12)) as clock:
        bot.tick()
        clock.move_to(jst(7, 9, month=12))
        standin.error_next("files.completeUploadExternal", "internal_error")
        bot.tick()
        assert [m for m in standin.messages(STANDBY) if m.files] == []
        clock.move_to(jst(7, 9, 10, month=12))
        bot.tick()
        bot.tick()
    assert len([m for m in standin.messages(STANDBY) if m.files]) == 1
    assert len([m for m in standin.messages(STANDBY) if "Standby load" in m.text]) == 1


# -- opsbot roster report ---------------------------------------------------------------------


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPSBOT_CONFIG", str(example_config_path()))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    monkeypatch.chdir(tmp_path)


def test_roster_report_prints_the_table_in_the_terminal(env, capsys):
    with freeze_time(jst(27, 12)):
        assert main(["roster", "report", "platform", "--weeks", "1"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "Standby load: Platform standby (roster platform), last 1 week"
    assert lines[1].startswith("from Fri 20 Nov 12:00 JST to Fri 27 Nov 12:00 JST: 25h")
    assert lines[3].split() == [
        "Member",
        "Windows",
        "Hours",
        "Weekend",
        "h",
        "Pages",
        "Acks",
        "Median",
        "ack",
        "Covers",
        "given",
        "Covers",
        "taken",
        "Share",
    ]
    assert [line.split() for line in lines[4:]] == [
        [ALICE, "3", "7h", "0h", "0", "0", "–", "0", "0", "28%"],
        [BOB, "3", "8h", "0h", "0", "0", "–", "0", "0", "32%"],
        [CAROL, "4", "10h", "0h", "0", "0", "–", "0", "0", "40%"],
    ]


def test_roster_report_of_an_unknown_roster_names_the_rosters(env, capsys):
    assert main(["roster", "report", "nowhere"]) == 2
    assert "there is no roster 'nowhere'; rosters: platform, mobile" in capsys.readouterr().err

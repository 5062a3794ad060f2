"""ICS calendar feeds of standby shifts, fetched from the running app over real HTTP.

Hand-computed from the example organisation (bot/examples/opsbot.example.yaml): the platform
roster rotates Alice, Bob, Carol per window from Mon 2 Nov 2026, two windows a weekday
(07:30–09:30 and 19:00–22:00 JST = 22:30–00:30 and 10:00–13:00 UTC), so Mon 23 Nov (three
weeks, 30 turns in) has Alice at 07:30 and Bob at 19:00, Tue 24 Nov Carol at 07:30 and Alice at
19:00. 31 Dec and 1 Jan are skipped.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.error
import urllib.request

import pytest
from freezegun import freeze_time
from icalendar import Calendar

from bot.cli import main
from bot.config import example_config_path
from bot.settings import SettingsError, load_settings
from bot.standby.calendar import feed_for_token, hash_token, issue_feed, revoke_feed
from bot.standby.models import CalendarFeed
from tests.conftest import ADMIN, ALICE, BOB, CAROL

UTC = dt.UTC
JST = dt.timezone(dt.timedelta(hours=9))
GRACE = "U0GRACE01"


def utc(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def window(clock) -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(UTC)
    return now - dt.timedelta(days=30), now + dt.timedelta(days=180)


@pytest.fixture
def clock():
    with freeze_time("2026-11-23 12:00:00") as frozen:  # Mon 23 Nov 21:00 JST
        yield frozen


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def events(server: str, token: str) -> dict[str, dict]:
    """The feed's events by UID: start, end, summary, description, alarm trigger."""
    status, _, body = fetch(f"{server}/calendar/{token}.ics")
    assert status == 200, body
    calendar = Calendar.from_ical(body)
    found = {}
    for event in calendar.walk("VEVENT"):
        alarms = event.walk("VALARM")
        found[str(event["uid"])] = {
            "start": event.decoded("dtstart"),
            "end": event.decoded("dtend"),
            "summary": str(event["summary"]),
            "description": str(event["description"]),
            "alarm": alarms[0].decoded("trigger") if alarms else None,
        }
    return found


def by_start(found: dict[str, dict]) -> dict[dt.datetime, dict]:
    return {e["start"]: e for e in found.values()}


def override(bot, user: str, start: tuple[int, int], end: tuple[int, int], day: int = 24) -> None:
    roster = bot.config.roster("platform")
    bot.standby.override(
        ADMIN,
        roster,
        user,
        dt.datetime(2026, 11, day, *start),
        dt.datetime(2026, 11, day, *end),
    )


def test_roster_feed_holds_the_rosters_shifts_in_utc(bot, server, clock):
    token = issue_feed(bot.db, "roster", "platform", bot.clock.now())
    status, headers, body = fetch(f"{server}/calendar/{token}.ics")
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "max-age=300" in headers["Cache-Control"]
    calendar = Calendar.from_ical(body)
    assert str(calendar["x-wr-calname"]) == "Platform standby"
    assert b"DTSTART:20261123T100000Z" in body  # UTC, not floating or zoned times

    shifts = by_start(events(server, token))
    tonight = shifts[utc(11, 23, 10)]
    assert tonight["end"] == utc(11, 23, 13)
    assert tonight["summary"] == f"Standby: {BOB} (primary)"
    assert "Platform standby: Mon 23 Nov 19:00–22:00 JST" in tonight["description"]
    assert tonight["alarm"] is None  # a roster feed reminds nobody
    assert shifts[utc(11, 23, 22, 30)]["summary"] == f"Standby: {CAROL} (primary)"  # Tue 07:30
    assert shifts[utc(11, 24, 10)]["summary"] == f"Standby: {ALICE} (primary)"  # Tue 19:00
    assert shifts[utc(11, 22, 22, 30)]["summary"] == f"Standby: {ALICE} (primary)"  # Mon 07:30

    # from 30 days back (the rotation began on 2 Nov) to 180 days ahead, holidays left out
    first, last = min(shifts), max(shifts)
    assert first == utc(11, 1, 22, 30)  # Mon 2 Nov 07:30 JST
    assert last == utc(5, 21, 10, year=2027)  # Fri 21 May 2027 19:00 JST; 180 days: Sat 22 May
    assert not [s for s in shifts if s.astimezone(JST).date() == dt.date(2026, 12, 31)]
    assert not [s for s in shifts if s.astimezone(JST).date() == dt.date(2027, 1, 1)]
    # Mon 2 Nov to Fri 21 May: 29 whole weeks of 10 windows, less two skipped days of 2 each
    assert len(shifts) == 29 * 10 - 4


def test_uids_are_stable_across_fetches_and_days(bot, server, clock):
    token = issue_feed(bot.db, "roster", "platform", bot.clock.now())
    first = events(server, token)
    assert first == events(server, token)
    uid = "platform:2026-11-23:1900/20261123T100000Z/roster@opsbot"
    assert first[uid]["summary"] == f"Standby: {BOB} (primary)"
    assert len(set(first)) == len(first)

    clock.tick(dt.timedelta(days=1))
    later = events(server, token)
    kept = set(first) & set(later)
    assert uid in kept
    assert all(first[u] == later[u] for u in kept)


def test_person_feed_holds_only_that_persons_shifts_with_a_reminder(bot, server, clock):
    token = issue_feed(bot.db, "person", ALICE, bot.clock.now())
    mine = events(server, token)
    expected = bot.standby.user_shifts(ALICE, *window(clock))
    assert sorted(e["start"] for e in mine.values()) == [s.starts_at for s in expected]
    assert all(s.primary == ALICE for s in expected)
    for uid, event in mine.items():
        assert uid.startswith("platform:") and uid.endswith(f"/{ALICE}@opsbot")
        assert event["summary"] == "Standby: Platform standby (primary)"
        assert f"{ALICE} (primary)" in event["description"]
        assert BOB not in event["description"] and CAROL not in event["description"]
        assert event["alarm"] == -dt.timedelta(minutes=15)
    shifts = by_start(mine)
    assert utc(11, 22, 22, 30) in shifts and utc(11, 24, 10) in shifts  # Mon 07:30, Tue 19:00
    assert utc(11, 23, 10) not in shifts  # Bob's

    # a two-person roster: Grace is primary on some shifts, secondary on others
    grace = events(server, issue_feed(bot.db, "person", GRACE, bot.clock.now()))
    summaries = {e["summary"] for e in grace.values()}
    assert summaries == {
        "Standby: Mobile release standby (primary)",
        "Standby: Mobile release standby (secondary)",
    }
    assert {e["alarm"] for e in grace.values()} == {-dt.timedelta(minutes=30)}
    assert all("With U0" in e["description"] for e in grace.values())
    assert len(grace) == len(bot.standby.user_shifts(GRACE, *window(clock)))


def test_an_override_shows_in_both_feeds_with_its_origin(bot, server, clock):
    roster_token = issue_feed(bot.db, "roster", "platform", bot.clock.now())
    carol_token = issue_feed(bot.db, "person", CAROL, bot.clock.now())
    bob_token = issue_feed(bot.db, "person", BOB, bot.clock.now())
    carol_uid = "platform:2026-11-24:0730/20261123T223000Z/U0CAROL01@opsbot"
    before = events(server, carol_token)[carol_uid]
    assert before["end"] == utc(11, 24, 0, 30)
    assert utc(11, 23, 23, 30) not in by_start(events(server, bob_token))

    override(bot, BOB, (8, 30), (9, 30))  # Bob covers the second hour of Carol's Tue 07:30

    roster = by_start(events(server, roster_token))
    assert roster[utc(11, 23, 22, 30)]["summary"] == f"Standby: {CAROL} (primary)"
    assert roster[utc(11, 23, 22, 30)]["end"] == utc(11, 23, 23, 30)
    covered = roster[utc(11, 23, 23, 30)]
    assert covered["end"] == utc(11, 24, 0, 30)
    assert covered["summary"] == f"Standby: {BOB} (primary)"
    assert f"covering for {CAROL}, override by {ADMIN}" in covered["description"]
    assert "Part of the window Tue 24 Nov 07:30–09:30 JST" in covered["description"]

    bobs = by_start(events(server, bob_token))[utc(11, 23, 23, 30)]
    assert bobs["end"] == utc(11, 24, 0, 30)
    assert bobs["summary"] == "Standby: Platform standby (primary)"
    assert f"covering for {CAROL}, override by {ADMIN}" in bobs["description"]

    carols = events(server, carol_token)
    assert carols[carol_uid]["end"] == utc(11, 23, 23, 30)  # same event, now shorter


def test_a_person_keeps_one_event_when_their_partner_changes_mid_window(bot, server, clock):
    heidi, ivan = "U0HEIDI01", "U0IVAN001"
    mobile = bot.config.roster("mobile")  # Fri 27 Nov 22:00-02:00 GMT: Grace, Heidi secondary
    bot.standby.override(
        ADMIN, mobile, ivan, dt.datetime(2026, 11, 27, 23), dt.datetime(2026, 11, 28, 1)
    )
    [friday] = [
        e
        for e in events(server, issue_feed(bot.db, "person", heidi, bot.clock.now())).values()
        if e["start"] == utc(11, 27, 22)
    ]
    assert friday["end"] == utc(11, 28, 2)
    assert friday["summary"] == "Standby: Mobile release standby (secondary)"
    assert f"With {GRACE} (primary) (Fri 27 Nov 22:00–23:00 GMT)" in friday["description"]
    assert (
        f"With {ivan} (primary), covering for {GRACE}, override by {ADMIN} "
        "(Fri 27 Nov 23:00–Sat 28 Nov 01:00 GMT)"
    ) in friday["description"]

    grace = by_start(events(server, issue_feed(bot.db, "person", GRACE, bot.clock.now())))
    assert grace[utc(11, 27, 22)]["end"] == utc(11, 27, 23)
    assert grace[utc(11, 28, 1)]["end"] == utc(11, 28, 2)
    assert utc(11, 27, 23) not in grace


def test_a_swap_shows_with_its_origin(bot, server, clock):
    token = issue_feed(bot.db, "roster", "platform", bot.clock.now())
    bot.standby.swap(CAROL, bot.config.roster("platform"), ALICE, dt.date(2026, 11, 24))
    shifts = by_start(events(server, token))
    morning, evening = shifts[utc(11, 23, 22, 30)], shifts[utc(11, 24, 10)]
    assert morning["summary"] == f"Standby: {ALICE} (primary)"
    assert f"covering for {CAROL}, swap by {CAROL}" in morning["description"]
    assert evening["summary"] == f"Standby: {CAROL} (primary)"
    assert f"covering for {ALICE}, swap by {CAROL}" in evening["description"]


def test_a_roster_feed_never_holds_another_rosters_shifts(bot, server, clock):
    platform = events(server, issue_feed(bot.db, "roster", "platform", bot.clock.now()))
    mobile = events(server, issue_feed(bot.db, "roster", "mobile", bot.clock.now()))
    assert platform and mobile
    assert all(uid.startswith("platform:") for uid in platform)
    assert all(uid.startswith("mobile:") for uid in mobile)
    assert not {e["summary"] for e in mobile.values()} & {e["summary"] for e in platform.values()}
    assert all(" (secondary)" in e["summary"] for e in mobile.values())  # per_window: 2


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/",
        "/calendar/.ics",
        "/calendar/short.ics",
        "/calendar/" + "A" * 32 + ".ics",  # well-formed, never issued
        "/calendar/" + "A" * 32,
        "/calendar/..%2Fhealthz.ics",
        "/calendar/%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00.ics",
        "/calendar/" + "A" * 400 + ".ics",
    ],
)
@pytest.mark.slow
def test_a_wrong_or_malformed_token_is_not_found(bot, server, clock, path):
    issue_feed(bot.db, "roster", "platform", bot.clock.now())
    status, _, body = fetch(server + path)
    unknown_status, _, unknown_body = fetch(server + "/no-such-page")
    assert (status, body) == (404, unknown_body) and unknown_status == 404


def test_a_valid_token_with_extra_path_is_not_found(bot, server, clock):
    token = issue_feed(bot.db, "roster", "platform", bot.clock.now())
    assert fetch(f"{server}/calendar/{token}.ics")[0] == 200
    for path in (f"/calendar/{token}", f"/calendar/{token}.ics/x", f"/calendar/x/{token}.ics"):
        assert fetch(server + path)[0] == 404
    if token.upper() != token:
        assert fetch(f"{server}/calendar/{token.upper()}.ics")[0] == 404
    assert fetch(f"{server}/calendar/{token}.ics", method="POST")[0] == 405


def test_head_answers_without_a_body(bot, server, clock):
    token = issue_feed(bot.db, "person", ALICE, bot.clock.now())
    status, headers, body = fetch(f"{server}/calendar/{token}.ics", method="HEAD")
    assert status == 200 and body == b""
    assert headers["Content-Type"].startswith("text/calendar")


def test_rotating_a_token_retires_the_old_url(bot, server, clock):
    old = issue_feed(bot.db, "person", ALICE, bot.clock.now())
    assert fetch(f"{server}/calendar/{old}.ics")[0] == 200
    new = issue_feed(bot.db, "person", ALICE, bot.clock.now())
    assert new != old
    assert fetch(f"{server}/calendar/{old}.ics")[0] == 404
    assert fetch(f"{server}/calendar/{new}.ics")[0] == 200
    assert revoke_feed(bot.db, "person", ALICE)
    assert fetch(f"{server}/calendar/{new}.ics")[0] == 404
    assert not revoke_feed(bot.db, "person", ALICE)


def test_only_the_tokens_hash_is_stored(bot, clock):
    token = issue_feed(bot.db, "roster", "platform", bot.clock.now())
    assert len(token) == 32 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    with bot.db.read() as session:
        [row] = session.query(CalendarFeed).all()
    assert row.token_hash == hash_token(token) != token and token not in row.token_hash
    assert (row.kind, row.subject) == ("roster", "platform")
    assert feed_for_token(bot.db, token).id == row.id
    assert feed_for_token(bot.db, row.token_hash) is None  # the hash does not open the feed
    assert feed_for_token(bot.db, None) is None and feed_for_token(bot.db, "") is None


def test_issuing_refuses_nonsense(bot):
    with pytest.raises(ValueError):
        issue_feed(bot.db, "team", "payments", bot.clock.now())
    with pytest.raises(ValueError):
        issue_feed(bot.db, "person", "alice", bot.clock.now())


def test_a_feed_of_a_roster_no_longer_configured_is_empty(bot, server, clock):
    token = issue_feed(bot.db, "roster", "retired", bot.clock.now())
    status, _, body = fetch(f"{server}/calendar/{token}.ics")
    assert status == 200 and Calendar.from_ical(body).walk("VEVENT") == []


@pytest.fixture
def cli_env(monkeypatch, tmp_path, database_url):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "OPSBOT_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPSBOT_CONFIG", str(example_config_path()))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return monkeypatch


def test_cli_prints_a_working_url_and_rotates_it(cli_env, capsys, bot, server, clock):
    cli_env.setenv("OPSBOT_PUBLIC_URL", "https://opsbot.example.com/")
    assert main(["calendar", "url", "--roster", "platform"]) == 0
    out, err = capsys.readouterr()
    match = re.fullmatch(r"https://opsbot\.example\.com(/calendar/[A-Za-z0-9_-]{32}\.ics)\n", out)
    assert match, out
    first = match.group(1)
    assert "keep it secret" in err and "old one stops working" in err
    assert fetch(server + first)[0] == 200

    assert main(["calendar", "url", "--roster", "platform", "--rotate"]) == 0
    out, err = capsys.readouterr()
    second = out.strip().removeprefix("https://opsbot.example.com")
    assert second != first and "previous URL no longer works" in err
    assert fetch(server + first)[0] == 404
    assert fetch(server + second)[0] == 200


def test_cli_without_a_public_url_prints_the_path(cli_env, capsys, bot, server, clock):
    assert main(["calendar", "url", "--person", ALICE]) == 0
    out, err = capsys.readouterr()
    assert re.fullmatch(r"/calendar/[A-Za-z0-9_-]{32}\.ics\n", out)
    assert "OPSBOT_PUBLIC_URL is not set" in err
    mine = events(server, out.strip().removeprefix("/calendar/").removesuffix(".ics"))
    assert mine and all(e["summary"].startswith("Standby: Platform standby") for e in mine.values())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--roster", "nope"], "there is no roster 'nope'; rosters: platform, mobile"),
        (["--person", "alice"], "'alice' is not a Slack user ID"),
    ],
)
def test_cli_refuses_unknown_subjects_in_one_line(cli_env, capsys, args, message):
    assert main(["calendar", "url", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and message in err


@pytest.mark.parametrize(
    "value", ["opsbot.example.com", "ftp://opsbot.example.com", "https://", "https://x/?a=1"]
)
def test_a_bad_public_url_is_named_in_one_line(monkeypatch, tmp_path, value):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPSBOT_PUBLIC_URL", value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith("OPSBOT_PUBLIC_URL is invalid: must be an http(s) URL")


def test_public_url_is_optional_and_loses_its_trailing_slash(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPSBOT_PUBLIC_URL", raising=False)
    assert load_settings().opsbot_public_url is None
    monkeypatch.setenv("OPSBOT_PUBLIC_URL", "https://bots.example.com/opsbot/")
    assert load_settings().opsbot_public_url == "https://bots.example.com/opsbot"

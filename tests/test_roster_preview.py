"""`opsbot roster preview`, on the example organisation (bot/examples/opsbot.example.yaml).

Hand-computed: the platform roster rotates Alice, Bob, Carol per window from Mon 2 Nov 2026,
two windows a weekday (07:30–09:30 and 19:00–22:00 JST), so each whole week uses 10 turns.
Mon 23 Nov is 3 weeks in: turn 30 (07:30, 30 % 3 = 0, Alice), turn 31 (19:00, Bob), then
Carol, Alice, Bob, … Mon 28 Dec is 8 weeks in: turn 80 (Carol). 31 Dec and 1 Jan are skipped
without using up a turn, so Mon 4 Jan 07:30 is turn 86 (Carol).
"""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from bot.cli import main
from bot.config import example_config_path, load_config
from bot.db.engine import Database
from bot.schema.migrate import upgrade
from bot.standby.service import StandbyService
from tests.conftest import ADMIN, ALICE, BOB, CAROL, TEST_CLOCK

A, B, C = (f"{u} (primary)" for u in (ALICE, BOB, CAROL))


@pytest.fixture
def env(monkeypatch, tmp_path):
    """Only OPSBOT_CONFIG and a DATABASE_URL of a database that does not exist yet."""
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "OPSBOT_LOG_FORMAT",
        "OPSBOT_PUBLIC_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("OPSBOT_CONFIG", str(example_config_path()))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return url


def preview(capsys, *args: str, now: str = "2026-11-23 12:00:00") -> list[str]:
    with freeze_time(now):
        assert main(["roster", "preview", *args]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out.splitlines()


def test_the_coming_two_weeks_of_the_platform_roster(env, capsys):
    lines = preview(capsys, "platform")  # Mon 23 Nov 21:00 JST, inside the 19:00 window
    assert lines[0] == (
        "Platform standby (platform): the next 14 days from Mon 23 Nov 21:00 JST (Asia/Tokyo)"
    )
    assert lines[1:12] == [
        f"Mon 23 Nov 19:00–22:00 JST — {B} [on now]",
        f"Tue 24 Nov 07:30–09:30 JST — {C}",
        f"Tue 24 Nov 19:00–22:00 JST — {A}",
        f"Wed 25 Nov 07:30–09:30 JST — {B}",
        f"Wed 25 Nov 19:00–22:00 JST — {C}",
        f"Thu 26 Nov 07:30–09:30 JST — {A}",
        f"Thu 26 Nov 19:00–22:00 JST — {B}",
        f"Fri 27 Nov 07:30–09:30 JST — {C}",
        f"Fri 27 Nov 19:00–22:00 JST — {A}",
        f"Mon 30 Nov 07:30–09:30 JST — {B}",  # no windows at the weekend
        f"Mon 30 Nov 19:00–22:00 JST — {C}",
    ]
    # until Mon 7 Dec 21:00 JST: the 19:00 window that day is the last to start
    assert lines[-1] == f"Mon 7 Dec 19:00–22:00 JST — {A}"
    assert len(lines) == 1 + 21


def test_days_limits_the_span(env, capsys):
    assert preview(capsys, "platform", "--days", "1")[1:] == [
        f"Mon 23 Nov 19:00–22:00 JST — {B} [on now]",
        f"Tue 24 Nov 07:30–09:30 JST — {C}",
        f"Tue 24 Nov 19:00–22:00 JST — {A}",
    ]
    assert preview(capsys, "platform", "--days=1")[0].startswith(
        "Platform standby (platform): the next day from"
    )


def test_skipped_holidays_are_shown_and_use_up_no_turn(env, capsys):
    lines = preview(capsys, "platform", "--days", "8", now="2026-12-27 15:00:00")  # Mon 00:00
    assert lines[1:] == [
        f"Mon 28 Dec 07:30–09:30 JST — {C}",
        f"Mon 28 Dec 19:00–22:00 JST — {A}",
        f"Tue 29 Dec 07:30–09:30 JST — {B}",
        f"Tue 29 Dec 19:00–22:00 JST — {C}",
        f"Wed 30 Dec 07:30–09:30 JST — {A}",
        f"Wed 30 Dec 19:00–22:00 JST — {B}",
        "Thu 31 Dec — skipped (holiday)",
        "Fri 1 Jan — skipped (holiday)",
        f"Mon 4 Jan 07:30–09:30 JST — {C}",
        f"Mon 4 Jan 19:00–22:00 JST — {A}",
    ]


def test_a_two_person_roster_in_its_own_time_zone(env, capsys):
    lines = preview(capsys, "mobile", "--days", "7")
    assert lines[0].endswith("(Europe/London)")
    # rotation by day from Mon 2 Nov over Frank, Grace, Heidi, Ivan; one turn a day with
    # windows (Fri, Sat, Sun): Fri 27 Nov is turn 9 (Grace, with Heidi as secondary)
    assert lines[1:] == [
        "Fri 27 Nov 22:00–Sat 28 Nov 02:00 GMT — U0GRACE01 (primary) · U0HEIDI01 (secondary)",
        "Sat 28 Nov 10:00–13:00 GMT — U0HEIDI01 (primary) · U0IVAN001 (secondary)",
        "Sat 28 Nov 22:00–Sun 29 Nov 02:00 GMT — U0HEIDI01 (primary) · U0IVAN001 (secondary)",
        "Sun 29 Nov 10:00–13:00 GMT — U0IVAN001 (primary) · U0FRANK01 (secondary)",
    ]


def test_overrides_and_swaps_in_the_database_are_applied(env, capsys):
    upgrade(env)
    config = load_config(example_config_path())
    service = StandbyService(Database(env), config, TEST_CLOCK)
    roster = config.roster("platform")
    with freeze_time("2026-11-23 12:00:00"):
        service.override(
            ADMIN, roster, BOB, dt.datetime(2026, 11, 24, 8, 30), dt.datetime(2026, 11, 24, 9, 30)
        )
        service.swap(BOB, roster, ALICE, dt.date(2026, 11, 25))
    service.db.dispose()

    lines = preview(capsys, "platform", "--days", "4")
    assert f"Tue 24 Nov 07:30–08:30 JST — {C}" in lines
    assert f"Tue 24 Nov 08:30–09:30 JST — {B}, covering for {CAROL}, override by {ADMIN}" in lines
    # Bob's Wed 07:30 goes to Alice, and Alice's next shift (Tue 19:00) to Bob
    assert f"Tue 24 Nov 19:00–22:00 JST — {B}, covering for {ALICE}, swap by {BOB}" in lines
    assert f"Wed 25 Nov 07:30–09:30 JST — {A}, covering for {BOB}, swap by {BOB}" in lines
    assert f"Thu 26 Nov 07:30–09:30 JST — {A}" in lines  # the rest as the rotation has it


def test_an_unknown_roster_names_the_known_ones_in_one_line(env, capsys, tmp_path):
    assert main(["roster", "preview", "nope"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "opsbot: there is no roster 'nope'; rosters: platform, mobile\n"
    assert not (tmp_path / "fresh.db").exists()  # a typo creates no database


@pytest.mark.parametrize("days", ["0", "-3", "two", "367"])
def test_days_must_be_a_sensible_number(env, capsys, days):
    with pytest.raises(SystemExit) as exited:
        main(["roster", "preview", "platform", "--days", days])
    assert exited.value.code == 2
    assert "--days" in capsys.readouterr().err


def test_a_missing_config_is_named(env, capsys, monkeypatch):
    monkeypatch.setenv("OPSBOT_CONFIG", "missing.yaml")
    assert main(["roster", "preview", "platform"]) == 2
    assert "OPSBOT_CONFIG" in capsys.readouterr().err


def test_before_the_rotation_starts(env, capsys):
    lines = preview(capsys, "platform", "--days", "3", now="2026-10-29 00:00:00")
    assert lines[1:] == [
        "(no standby before the rotation starts on 2026-11-02)",
        "Nobody is on standby in that time.",
    ]

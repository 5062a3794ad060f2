"""`rosters[].usergroup`: while a window is open the Slack user group holds exactly the
people on standby, swaps and overrides applied; between windows it is disabled (Slack
refuses to empty one), and enabled with the right people when the next window opens. Each
boundary is synced once through the ledger, with two clocks too; a group Slack refuses to
change is one log line. The example roster `platform` (Asia/Tokyo) has Carol on Tue
2026-11-24 07:30–09:30 and Alice 19:00–22:00; `mobile` (Europe/London, two a window)."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
import yaml
from freezegun import freeze_time
from sqlalchemy import select

from bot.app import create_app
from bot.config import OrgConfig, example_config_path, parse_config
from bot.ledger.models import SKIPPED, Delivery
from tests.conftest import ADMIN, ALICE, BOB, CAROL, TEST_CLOCK, make_settings

JST = dt.timezone(dt.timedelta(hours=9))
PLATFORM_GROUP = "S0PLATFORM"
MOBILE_GROUP = "S0MOBILE01"
FRANK, GRACE, HEIDI, IVAN = "U0FRANK01", "U0GRACE01", "U0HEIDI01", "U0IVAN001"
UPDATE, ENABLE, DISABLE = "usergroups.users.update", "usergroups.enable", "usergroups.disable"


def jst(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=JST)


def with_usergroups(**groups: str) -> OrgConfig:
    """The example configuration, with `usergroup` on the rosters named."""
    data = yaml.safe_load(example_config_path().read_text())
    for roster in data["rosters"]:
        if roster["id"] in groups:
            roster["usergroup"] = groups[roster["id"]]
    return parse_config(yaml.safe_dump(data))


@pytest.fixture
def config() -> OrgConfig:
    return with_usergroups(platform=PLATFORM_GROUP, mobile=MOBILE_GROUP)


@pytest.fixture
def groups(standin):
    """The rosters' groups, as a workspace admin made them: enabled, with someone in."""
    standin.add_usergroup("Platform standby", "platform-standby", [ADMIN], PLATFORM_GROUP)
    standin.add_usergroup("Mobile standby", "mobile-standby", [ADMIN], MOBILE_GROUP)
    return standin


@pytest.fixture
def clock():
    with freeze_time(jst(24, 7, 0)) as frozen:
        yield frozen


def group(standin, group_id=PLATFORM_GROUP) -> tuple[bool, list[str]]:
    """(enabled, users) of the group as Slack holds it now."""
    found = standin.usergroup(group_id)
    return not found["date_delete"], sorted(found["users"])


def writes(standin, group_id=PLATFORM_GROUP) -> list[tuple[str, list[str] | None]]:
    """The changes opsbot asked of the group, in order: (method, users)."""
    return [
        (c.method, sorted(c.arg("users").split(",")) if c.method == UPDATE else None)
        for c in standin.calls
        if c.method in (UPDATE, ENABLE, DISABLE) and c.arg("usergroup") == group_id
    ]


def tick_at(bot, clock, moment: dt.datetime, times: int = 1) -> None:
    clock.move_to(moment)
    for _ in range(times):
        bot.tick()


def test_the_group_holds_who_is_on_and_is_disabled_between_windows(bot, groups, clock):
    standin = groups
    tick_at(bot, clock, jst(24, 7, 0))
    assert writes(standin) == []  # nothing owed before the first window

    tick_at(bot, clock, jst(24, 7, 30), times=2)
    assert group(standin) == (True, [CAROL])
    assert writes(standin) == [(UPDATE, [CAROL])]  # it was enabled: only the people change

    tick_at(bot, clock, jst(24, 9, 30), times=2)
    assert group(standin) == (False, [CAROL])  # disabled: Slack cannot empty it
    assert writes(standin)[1:] == [(DISABLE, None)]

    tick_at(bot, clock, jst(24, 12, 0), times=2)  # between windows: nothing to do
    tick_at(bot, clock, jst(24, 19, 0), times=2)
    assert group(standin) == (True, [ALICE])
    assert writes(standin)[2:] == [(ENABLE, None), (UPDATE, [ALICE])]  # enable, then people

    tick_at(bot, clock, jst(24, 22, 0))
    assert group(standin) == (False, [ALICE])
    assert writes(standin)[4:] == [(DISABLE, None)]
    # The mobile roster has no window on a Tuesday: its group was never touched.
    assert writes(standin, MOBILE_GROUP) == []


def test_a_swap_during_the_open_window_updates_the_group_at_once(slack, bot, groups, clock):
    standin = groups
    tick_at(bot, clock, jst(24, 7, 30))
    assert group(standin) == (True, [CAROL])

    clock.move_to(jst(24, 7, 40))
    slack.command("swap @alice 2026-11-24", user=CAROL, command="/standby")
    assert group(standin) == (True, [ALICE])  # no tick: at once, with the reply

    # The tick's boundaries change nothing more; the window's end disables it once.
    tick_at(bot, clock, jst(24, 7, 41), times=2)
    tick_at(bot, clock, jst(24, 9, 30))
    assert writes(standin) == [(UPDATE, [CAROL]), (UPDATE, [ALICE]), (DISABLE, None)]
    # Carol took Alice's evening window in exchange.
    tick_at(bot, clock, jst(24, 19, 0))
    assert group(standin) == (True, [CAROL])


def test_an_override_from_now_puts_the_cover_in_the_group_and_its_end_takes_them_out(
    slack, bot, groups, clock
):
    standin = groups
    tick_at(bot, clock, jst(24, 7, 30))
    clock.move_to(jst(24, 8, 0))
    slack.command("override @bob 2026-11-24 08:00 09:00 platform", user=ADMIN, command="/standby")
    assert group(standin) == (True, [BOB])

    tick_at(bot, clock, jst(24, 9, 0), times=2)  # the override's end: Carol again
    assert group(standin) == (True, [CAROL])
    tick_at(bot, clock, jst(24, 9, 30))
    assert writes(standin) == [
        (UPDATE, [CAROL]),
        (UPDATE, [BOB]),
        (UPDATE, [CAROL]),
        (DISABLE, None),
    ]


def test_a_cover_taken_during_the_open_window_updates_group_and_topic_at_once(
    slack, bot, groups, clock
):
    from bot.standby.models import StandbyCoverRequest

    standin = groups
    tick_at(bot, clock, jst(24, 7, 30))
    clock.move_to(jst(24, 7, 45))
    slack.command("cover now", user=CAROL, command="/standby")
    with bot.db.read() as session:
        [request] = session.scalars(select(StandbyCoverRequest.id)).all()
    clock.move_to(jst(24, 8, 0))
    slack.click("standby_cover_take", str(request), user=BOB, channel="C0STANDBY1")
    assert group(standin) == (True, [BOB])  # no tick: with the click
    topic = standin.workspace.channels["C0STANDBY1"].topic["value"]
    assert topic == f"On standby: <@{BOB}> until 09:30 JST"


def test_a_late_tick_syncs_to_who_is_on_at_send_time(bot, groups, clock):
    """Down over a whole window and into the next: the missed boundaries are owed, but each
    sync makes the group match who is on when it runs, so the group is simply right."""
    standin = groups
    tick_at(bot, clock, jst(24, 7, 0))
    tick_at(bot, clock, jst(24, 19, 30), times=2)
    assert group(standin) == (True, [ALICE])
    assert writes(standin) == [(UPDATE, [ALICE])]


def test_two_clocks_make_each_change_once(bot, groups, clock, database_url, config):
    """Two schedulers on one database tick at the same moments, in threads: one update or
    disable per boundary, as one clock would make."""
    standin = groups
    other = create_app(
        make_settings(database_url, standin), config, backoff_factor=0.01, clock=TEST_CLOCK
    )
    errors: list[BaseException] = []

    def both_tick() -> None:
        start = threading.Barrier(2)

        def run(app) -> None:
            start.wait()
            try:
                app.tick()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(app,)) for app in (bot, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    try:
        for moment in (jst(24, 7, 0), jst(24, 7, 30), jst(24, 9, 30), jst(24, 19, 0)):
            clock.move_to(moment)
            both_tick()
            both_tick()
        clock.move_to(jst(24, 22, 0))
        both_tick()
    finally:
        other.close()
    assert errors == []
    assert writes(standin) == [
        (UPDATE, [CAROL]),
        (DISABLE, None),
        (ENABLE, None),
        (UPDATE, [ALICE]),
        (DISABLE, None),
    ]
    assert group(standin) == (False, [ALICE])


def test_two_people_a_window_across_the_autumn_change(bot, groups):
    """Europe/London, two a window: the Sat 22:00–02:00 window on the night BST ends (30–31
    Oct 2027) opens at 21:00 UTC and ends at 02:00 UTC, five hours later."""
    standin = groups
    with freeze_time(dt.datetime(2027, 10, 30, 20, 59, tzinfo=dt.UTC)) as frozen:
        bot.tick()
        assert writes(standin, MOBILE_GROUP) == []
        frozen.move_to(dt.datetime(2027, 10, 30, 21, 0, tzinfo=dt.UTC))
        bot.tick()
        enabled, people = group(standin, MOBILE_GROUP)
        assert enabled and len(people) == 2 and set(people) <= {FRANK, GRACE, HEIDI, IVAN}
        frozen.move_to(dt.datetime(2027, 10, 31, 1, 59, tzinfo=dt.UTC))  # 01:59 GMT
        bot.tick()
        assert group(standin, MOBILE_GROUP) == (True, people)
        frozen.move_to(dt.datetime(2027, 10, 31, 2, 0, tzinfo=dt.UTC))  # 02:00 GMT
        bot.tick()
        assert group(standin, MOBILE_GROUP) == (False, people)
    assert writes(standin, MOBILE_GROUP) == [(UPDATE, people), (DISABLE, None)]


def usergroup_deliveries(bot) -> list[Delivery]:
    with bot.db.read() as session:
        return list(
            session.scalars(
                select(Delivery).where(Delivery.kind == "standby_usergroup").order_by(Delivery.id)
            )
        )


def refusals(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "user group" in r.getMessage()]


def test_a_deleted_group_is_one_log_line_and_no_retry(bot, standin, clock, caplog):
    """No group S0PLATFORM in the workspace (an admin deleted it): the sync is given up with
    one line naming the roster, the group and Slack's error, and not tried again."""
    caplog.set_level(logging.INFO)
    tick_at(bot, clock, jst(24, 7, 30), times=3)
    tick_at(bot, clock, jst(24, 7, 45), times=3)
    [line] = refusals(caplog)
    assert "roster platform" in line and PLATFORM_GROUP in line and "no_such_subteam" in line
    assert len(standin.calls_to("usergroups.list")) == 1
    [delivery] = usergroup_deliveries(bot)
    assert delivery.status == SKIPPED and "no_such_subteam" in (delivery.last_error or "")


def test_a_missing_scope_is_one_log_line_naming_the_scope(bot, groups, clock, caplog):
    standin = groups
    caplog.set_level(logging.INFO)
    standin.error_next(UPDATE, "missing_scope")
    tick_at(bot, clock, jst(24, 7, 30), times=3)
    [line] = refusals(caplog)
    assert "roster platform" in line and PLATFORM_GROUP in line
    assert "missing_scope" in line and "usergroups:write" in line
    assert len(standin.calls_to(UPDATE)) == 1  # not tried again
    # The next boundary is a delivery of its own: the group is disabled then.
    tick_at(bot, clock, jst(24, 9, 30))
    assert group(standin) == (False, [ADMIN])


def test_a_transient_failure_is_tried_again(bot, groups, clock):
    standin = groups
    standin.error_next(UPDATE, "internal_error")
    tick_at(bot, clock, jst(24, 7, 30))
    assert group(standin) == (True, [ADMIN])
    tick_at(bot, clock, jst(24, 7, 31))  # after the ledger's backoff
    assert group(standin) == (True, [CAROL])


# -- `opsbot config check`: the groups checked against the workspace where it can be known --


def config_check(tmp_path, monkeypatch, capsys, env: dict[str, str]) -> tuple[int, list[str]]:
    """`opsbot config check` of the example with both groups, in a directory without .env."""
    from bot.cli import main

    data = yaml.safe_load(example_config_path().read_text())
    for roster in data["rosters"]:
        roster["usergroup"] = {"platform": PLATFORM_GROUP, "mobile": MOBILE_GROUP}[roster["id"]]
    path = tmp_path / "opsbot.yaml"
    path.write_text(yaml.safe_dump(data))
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(["config", "check", str(path)])
    return code, capsys.readouterr().out.splitlines()


def test_config_check_without_a_token_says_the_groups_were_not_checked(
    tmp_path, monkeypatch, capsys
):
    code, lines = config_check(tmp_path, monkeypatch, capsys, {})
    assert code == 0
    assert lines[0].endswith("is valid: 3 teams, 2 rosters")
    assert lines[1:] == [
        "user groups not checked: SLACK_BOT_TOKEN is not set (set it to check them against "
        "the workspace)"
    ]


def test_config_check_names_a_group_the_workspace_does_not_have(
    standin, tmp_path, monkeypatch, capsys
):
    standin.add_usergroup("Platform standby", "platform-standby", [ADMIN], PLATFORM_GROUP)
    env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": standin.api_url}
    code, lines = config_check(tmp_path, monkeypatch, capsys, env)
    assert code == 1
    assert lines[1:] == [
        f"user group {PLATFORM_GROUP} of roster platform: @platform-standby, enabled",
        f"rosters[1].usergroup: {MOBILE_GROUP} (roster mobile) is not a user group of this "
        "workspace (deleted?)",
    ]
    [listed] = standin.calls_to("usergroups.list")
    assert listed.arg("include_disabled") in (True, "true", "1")


def test_config_check_names_the_scope_the_app_lacks(standin, tmp_path, monkeypatch, capsys):
    standin.error_next("usergroups.list", "missing_scope")
    env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": standin.api_url}
    code, lines = config_check(tmp_path, monkeypatch, capsys, env)
    assert code == 1
    assert lines[1:] == [
        "user groups not checked: the app lacks the scope usergroups:read (missing_scope); "
        "add it (opsbot manifest lists every scope) and reinstall the app"
    ]

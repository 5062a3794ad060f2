"""`opsbot.yaml` is read again on SIGHUP: a valid file is in use from the next tick and the
next request on; a broken one changes nothing and says why, with places in the file.

Times as in test_standby_e2e: Tue 2026-11-24 07:30 JST is Carol's window on `platform`."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import time

import pytest
from freezegun import freeze_time

from bot.config import example_config_path
from bot.kit.slack_requests import SlackRequests
from bot.reload import reload_config
from tests.conftest import CAROL, DAVE, SIGNING_SECRET
from tests.test_processes import environment, free_port, opsbot, stop, wait_healthy

EXAMPLE = example_config_path().read_text()
ROTATION = "members: [U0ALICE01, U0BOB0001, U0CAROL01]   # rotation order"
JST = dt.timezone(dt.timedelta(hours=9))
STANDBY = "C0STANDBY1"
INFRA = """  - id: infra
    name: Infrastructure
    pm: U0PMINF01
    channel: C0INFRA001
rosters:"""


def at(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 11, 24, hour, minute, tzinfo=JST)


def test_the_next_window_is_planned_from_the_reloaded_file(bot, standin, tmp_path):
    path = tmp_path / "opsbot.yaml"
    path.write_text(EXAMPLE.replace(ROTATION, f"members: [{DAVE}]"))
    with freeze_time(at(7, 0)) as clock:
        bot.tick()  # running on the file it started with
        assert reload_config(bot, str(path))
        clock.move_to(at(7, 15))
        bot.tick()
        clock.move_to(at(7, 30))
        bot.tick()
    [post] = [m for m in standin.messages(STANDBY) if not m.is_reply]
    assert f"<@{DAVE}>" in post.text and f"<@{CAROL}>" not in post.text
    heads_up, ping = standin.messages(DAVE)
    assert "starts in 15 minutes" in heads_up.text and "You are on standby" in ping.text
    assert standin.messages(CAROL) == []


def test_a_broken_file_changes_nothing_and_says_where_it_is_wrong(
    slack, bot, standin, tmp_path, caplog
):
    path = tmp_path / "opsbot.yaml"
    path.write_text(EXAMPLE.replace(ROTATION, "members: [alice]").replace("rosters:", INFRA))
    with caplog.at_level(logging.ERROR):
        assert not reload_config(bot, str(path))
    assert "was not reloaded (1 problem); the configuration in use stays" in caplog.text
    assert f"{path}:" in caplog.text and "members" in caplog.text
    reply = slack.command("history infra", command="/lol")
    assert "There is no team `infra`" in reply.text  # the old file is still in use
    with freeze_time(at(7, 30)):
        bot.tick()
    [post] = [m for m in standin.messages(STANDBY) if not m.is_reply]
    assert f"<@{CAROL}>" in post.text


@pytest.mark.slow
def test_serve_reloads_its_file_on_sighup(tmp_path, standin):
    path = tmp_path / "opsbot.yaml"
    path.write_text(EXAMPLE)
    env = environment(tmp_path, standin) | {"OPSBOT_CONFIG": str(path)}
    port = free_port()
    process = opsbot(env, "serve", "--port", str(port), "--no-scheduler")
    url = f"http://127.0.0.1:{port}"
    slack = SlackRequests(url, SIGNING_SECRET, response_url=standin.new_response_url)

    def history_of_infra() -> str:
        return slack.command("/lol", "history infra", user="U0ADMIN01", channel="C0GENERAL1").text

    try:
        wait_healthy(url, process)
        assert "There is no team `infra`" in history_of_infra()
        path.write_text(EXAMPLE.replace("rosters:", INFRA))
        process.send_signal(signal.SIGHUP)
        for _ in range(200):
            answer = history_of_infra()
            if "There is no team" not in answer:
                break
            time.sleep(0.05)  # waiting for a real process to read its file
    finally:
        code, log = stop(process)
    assert code == 0, log
    assert "Infrastructure" in answer
    assert "reloaded" in log and "(4 teams, 2 rosters)" in log

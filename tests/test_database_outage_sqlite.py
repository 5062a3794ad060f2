"""SQLite that cannot be used for a while: its file locked by another process for longer
than Slack waits, or gone (deleted, its volume unmounted). Requests get HTTP 200 and the
line saying opsbot cannot reach its database, within Slack's 3 seconds; /healthz says 503
while the file is gone; all works again once the lock is released or the file is back."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.incidents.models import Incident
from bot.schema.migrate import upgrade
from tests.conftest import ALICE, GENERAL, TEST_CLOCK, make_settings
from tests.test_health import health

SLACK_ACK_LIMIT = 3.0
CANNOT_REACH = ":x: opsbot cannot reach its database right now"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def bot(data_dir: Path, standin, config):
    url = f"sqlite:///{data_dir / 'opsbot.db'}"
    upgrade(url)
    app = create_app(make_settings(url, standin), config, backoff_factor=0.01, clock=TEST_CLOCK)
    yield app
    app.close()


def timed(send):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    reply = send()
    return reply, time.monotonic() - started


def status_of(bot) -> str:
    with bot.db.read() as session:
        return session.scalars(select(Incident.status)).one()


@pytest.mark.slow
def test_a_file_locked_by_another_process_gets_the_line_within_3_seconds(slack, bot, data_dir):
    """Another process holds the write lock (a backup, a sqlite3 shell left in a
    transaction): the change waits on SQLite's 15 s busy timeout, and the ack goes at the
    deadline, saying the change may not be done. Once the lock goes, it is done."""
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    holder = sqlite3.connect(data_dir / "opsbot.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        reply, took = timed(
            lambda: slack.requests.command(
                "/incident", "status INC-1 identified", user=ALICE, channel=GENERAL
            )
        )
        listed = slack.requests.command("/incident", "list", user=ALICE, channel=GENERAL)
        assert "INC-1" in listed.text  # reading is not locked out
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert reply.status == 200 and took < SLACK_ACK_LIMIT
    assert reply.text.startswith(
        f"{CANNOT_REACH} (it does not answer), so `/incident status INC-1 identified` may not "
        "be done. Check in a minute whether it was before trying again;"
    )
    assert bot.wait_idle(30)
    assert status_of(bot) == "identified"


def test_a_file_that_is_gone_gets_the_line_and_503_until_it_is_back(
    slack, bot, standin, server, data_dir
):
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    bot.db.dispose()  # connections are opened anew from here (as after a pool recycles them)
    moved = data_dir.rename(data_dir.with_name("unmounted"))

    reply, took = timed(lambda: slack.command("list", user=ALICE))
    assert reply.status == 200 and took < SLACK_ACK_LIMIT
    assert reply.text.startswith(f"{CANNOT_REACH}, so it could not finish `/incident list`.")
    assert health(server) == (503, {"ok": False, "database": "down"})
    # the App Home says so, instead of staying as it was with a traceback in the log
    assert (
        slack.requests.event({"type": "app_home_opened", "user": ALICE, "tab": "home"}).status
        == 200
    )
    assert bot.wait_idle(timeout=30)
    [view] = [c.arg("view") for c in standin.calls_to("views.publish")]
    assert "cannot reach its database right now" in view["blocks"][0]["text"]["text"]

    moved.rename(data_dir)
    assert health(server) == (200, {"ok": True, "database": "up"})
    assert "INC-1" in slack.command("list", user=ALICE).text


def test_a_file_deleted_while_running_is_not_replaced_by_an_empty_one(
    slack, bot, standin, data_dir
):
    """Connections opened after the file was deleted would otherwise create an empty
    database in its place, which knows no tables (and would be migrated, empty, at the
    next start)."""
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    bot.db.dispose()
    for leftover in data_dir.iterdir():
        leftover.unlink()

    reply = slack.command("list", user=ALICE)
    assert reply.status == 200
    assert reply.text.startswith(f"{CANNOT_REACH}, so it could not finish `/incident list`.")
    assert list(data_dir.iterdir()) == []

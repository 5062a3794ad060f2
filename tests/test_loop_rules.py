"""Loop-of-Loops rules: who may answer, bad input, a PM of two teams, week arithmetic,
`/lol` parsing, status and history. Here Payments' PM also runs Mobile apps."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.config import OrgConfig, example_config_path, load_config
from bot.errors import UsageError
from bot.loop.commands import parse
from bot.loop.models import LoopUpdate
from bot.loop.weeks import current_week, loop_week, shift
from tests.conftest import ADMIN, ALICE

PAY, SEARCH = "U0PMPAY01", "U0PMSRCH1"
JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def config() -> OrgConfig:
    data = load_config(example_config_path()).model_dump()
    for team in data["teams"]:
        if team["id"] == "mobile":
            team["pm"] = PAY
    return OrgConfig.model_validate(data)


@pytest.fixture
def clock(standin):
    standin.add_channel("loop", "C0LOOPLOOP")
    with freeze_time(dt.datetime(2026, 11, 23, 11, 0, tzinfo=JST)) as frozen:
        yield frozen


def submit(slack, user, metadata, **values):
    values.setdefault("status", {"option": "on_track"})
    return slack.submit("loop_update", values, user=user, private_metadata=json.dumps(metadata))


def errors(reply) -> dict:
    return reply.json().get("errors", {}) if reply.body else {}


def test_a_pm_of_two_teams_chooses_the_team_in_the_modal(slack, bot, standin, clock):
    slack.command("", user=PAY, command="/lol")
    view = standin.calls_to("views.open")[-1].arg("view")
    team_block = next(b for b in view["blocks"] if b.get("block_id") == "team")
    assert [o["value"] for o in team_block["element"]["options"]] == ["payments", "mobile"]
    metadata = json.loads(view["private_metadata"])
    assert metadata["team"] is None and metadata["week"] == "2026-W48"

    reply = submit(slack, PAY, metadata, working_on="Release 3.2")
    assert errors(reply) == {"team": "Choose the team this update is for."}
    reply = submit(slack, PAY, metadata, working_on="Release 3.2", team={"option": "mobile"})
    assert errors(reply) == {}
    reply = submit(slack, PAY, metadata, working_on="Checkout", team={"option": "search"})
    assert "Only Search's PM" in errors(reply)["team"]
    with bot.db.read() as session:
        assert session.scalars(select(LoopUpdate.team_id)).all() == ["mobile"]


def test_bad_input_gets_a_clear_line(slack, bot, standin, clock):
    reply = slack.command("update", user=ALICE, command="/lol")
    assert "you are not one" in reply.text
    reply = slack.command("update nosuch", user=PAY, command="/lol")
    assert "There is no team `nosuch`" in reply.text and "payments" in reply.text
    reply = slack.command("update search", user=PAY, command="/lol")
    assert "Only Search's PM" in reply.text
    reply = slack.command("frobnicate", user=PAY, command="/lol")
    assert "not a /lol command" in reply.text and "/lol status" in reply.text
    assert standin.calls_to("views.open") == []

    metadata = {"week": "2026-W48", "team": "payments", "slots": 3}
    reply = submit(slack, PAY, metadata, working_on="   ")
    assert "The update is empty" in errors(reply)["working_on"]
    reply = submit(slack, PAY, metadata, working_on="x", need_0_text="an index")
    assert errors(reply) == {"need_0_teams": "Choose the team(s) this is asked of."}
    reply = submit(slack, PAY, metadata, working_on="x", need_1_teams={"options": ["search"]})
    assert errors(reply) == {"need_1_text": "Say what is needed from them."}
    reply = submit(slack, SEARCH, metadata, working_on="x")
    assert "Only Payments's PM" in errors(reply)["working_on"]

    reply = submit(slack, ADMIN, metadata, working_on="Admin answers <@U0BOB0001>")
    assert errors(reply) == {}  # an admin may answer for any team


def test_status_and_history(slack, bot, standin, clock):
    metadata = {"week": "2026-W47", "team": "payments", "slots": 3}
    submit(slack, PAY, metadata, working_on="Last week's work")
    metadata["week"] = "2026-W48"
    submit(slack, PAY, metadata, working_on="This week's work", status={"option": "at_risk"})
    reply = slack.command("status", user=SEARCH, command="/lol")
    assert "1 of 3 teams answered" in reply.text and f"<@{SEARCH}>" in reply.text

    reply = slack.command("history payments", user=SEARCH, command="/lol")
    text = json.dumps(reply.json())
    assert text.index("2026-W48") < text.index("2026-W47") and "Last week's work" in text
    reply = slack.command("history", user=PAY, command="/lol")  # PM of two teams
    assert "Name the team" in reply.text


def test_weeks_in_the_loops_time_zone(config):
    week = loop_week(config, "2026-W48")
    assert week.prompt_at == dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
    assert week.reminders == (dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC),)
    assert week.digest_at == dt.datetime(2026, 11, 26, 0, 0, tzinfo=dt.UTC)
    assert week.ends_at == loop_week(config, "2026-W49").prompt_at
    assert shift("2026-W53", 1) == "2027-W01" and shift("2027-W01", -1) == "2026-W53"
    sunday = dt.datetime(2026, 11, 29, 23, 0, tzinfo=JST)
    assert current_week(config, sunday).id == "2026-W48"
    assert current_week(config, dt.datetime(2026, 11, 30, 10, 0, tzinfo=JST)).id == "2026-W49"


def test_a_digest_day_before_the_prompt_day_falls_in_the_next_iso_week():
    data = load_config(example_config_path()).model_dump()
    data["loop"] = {
        "prompt": {"day": "fri", "time": "15:00"},
        "digest": {"day": "mon", "time": "09:00"},
    }
    week = loop_week(OrgConfig.model_validate(data), "2026-W48")
    assert week.digest_at == dt.datetime(2026, 11, 30, 0, 0, tzinfo=dt.UTC)


def test_parse():
    assert parse("").name == "update" and parse("update Search").team == "search"
    assert parse("digest preview").name == "preview" and parse("digest").name == "digest"
    assert parse("history").team is None
    for bad in ("digest now", "status x", "update a b", "nope"):
        with pytest.raises(UsageError):
            parse(bad)

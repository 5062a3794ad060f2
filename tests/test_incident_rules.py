"""What `/incident` accepts and refuses, and what paging counts, end to end: severities as
people write them, acknowledgements that are a page's Acknowledge only, roles that go to
people, and a chain that never pages back whoever said they can't take it.

The example roster `platform` pages [primary, secondary, U0LEAD001], ack_minutes 5, repeat 1;
on Tue 2026-11-24 07:30–09:30 JST Carol is on standby. Alice is in the payments team, whose
roster is platform; Carol is in no team."""

from __future__ import annotations

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.escalation.models import Page
from tests.conftest import ALICE, CAROL, GENERAL, INCIDENTS
from tests.test_escalation_e2e import LEAD, chain, jst, pages_to
from tests.test_incident_declare import incidents


@pytest.fixture
def clock():
    with freeze_time(jst(7, 40)) as frozen:
        yield frozen


def incident_channel(bot, ref: int = 1) -> str:
    return next(i.channel_id for i in incidents(bot) if i.id == ref)


def last_response(standin) -> str:
    return standin.responses()[-1]["text"]


# -- severities ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "severity", "title"),
    [
        ("declare SEV2 Checkout is slow", "sev2", "Checkout is slow"),
        ("declare Sev1 Checkout is down", "sev1", "Checkout is down"),
        ("declare P1 Checkout is down", "sev1", "Checkout is down"),
        ("declare p4 Typo on the login page", "sev4", "Typo on the login page"),
        ("declare P99 latency is up", "sev3", "P99 latency is up"),  # a title, not a severity
    ],
)
@pytest.mark.slow
def test_severities_in_any_case_and_p_aliases(slack, bot, clock, typed, severity, title):
    slack.command(typed, user=ALICE)
    [incident] = incidents(bot)
    assert (incident.severity, incident.title) == (severity, title)


@pytest.mark.parametrize(
    ("typed", "line"),
    [
        ("declare sev0 Everything is down", "`sev0` is not a severity"),
        ("declare SEV5 Everything is down", "`SEV5` is not a severity"),
        ("declare sev 1 Everything is down", "`sev 1` is not a severity: write it as one word"),
        ("declare P0 Everything is down", "`P0` is not a severity"),
        ("declare sev-2 Everything is down", "`sev-2` is not a severity"),
    ],
)
@pytest.mark.slow
def test_what_looks_like_a_severity_but_is_none_is_refused_with_the_usage(
    slack, bot, clock, typed, line
):
    reply = slack.command(typed, user=ALICE)
    assert line in reply.text and "/incident declare [sev1-4] TITLE" in reply.text
    assert incidents(bot) == []
    assert slack.standin.messages(INCIDENTS) == []


def test_errors_name_what_is_wrong(slack, clock):
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    assert "`INC-abc` is not an incident id" in slack.command("show INC-abc").text
    assert "`INC-x` is not an incident id" in slack.command("update INC-x it works").text
    assert "Checkout is slow" in str(slack.command("show 1").json())
    standby = {"command": "/standby", "user": ALICE}
    reply = slack.command("override @bob 2026-11-24 25:00 26:00", **standby)
    assert "`25:00` is not a time" in reply.text and "/standby override" in reply.text
    assert "`9:99` is not a time" in slack.command("override @bob today 07:30 9:99", **standby).text
    reply = slack.command("swap #payments tomorrow", **standby)
    assert "#payments is a channel, not a person" in reply.text and "<#C" not in reply.text


# -- acknowledgement ----------------------------------------------------------------------


def test_naming_an_incident_commander_is_not_an_acknowledgement(slack, standin, bot, clock):
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    slack.command("assign INC-1 ic @carol", user=ALICE)
    assert "is now incident commander of INC-1" in last_response(standin)
    [incident] = incidents(bot)
    assert incident.commander == CAROL and incident.acknowledged_at is None
    shown = str(slack.command("show INC-1").json())
    assert "acknowledged" not in shown
    assert "not paged" in slack.command("list").text

    slack.command("escalate INC-1", user=ALICE)
    for moment in (jst(7, 46), jst(7, 51), jst(7, 56), jst(8, 2)):  # nobody ever answers
        clock.move_to(moment)
        bot.tick()
    assert chain(bot).status == "exhausted"
    listed = slack.command("list").text
    assert "paged, not acknowledged" in listed and "acknowledged after" not in listed
    [incident] = incidents(bot)
    assert incident.acknowledged_at is None and incident.time_to_acknowledge is None


def test_time_to_acknowledge_runs_from_the_first_page(slack, bot, clock):
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    clock.move_to(jst(7, 50))
    slack.command("escalate INC-1", user=ALICE)  # ten minutes after the declare
    clock.move_to(jst(7, 52))
    slack.click("page_ack", str(chain(bot).id), user=CAROL)
    assert "acknowledged 2m after the page" in slack.command("list").text


# -- roles go to people -------------------------------------------------------------------


@pytest.fixture
def more_people(standin):
    standin.add_user("U0DEPLOY01", "deploybot", is_bot=True)
    standin.add_user("U0GONE0001", "gone", deleted=True)


@pytest.mark.parametrize(
    ("typed", "line"),
    [
        ("assign INC-1 ic @opsbot", "<@U0OPSBOT0> is a bot, not a person"),
        ("assign INC-1 ic @deploybot", "<@U0DEPLOY01> is a bot, not a person"),
        ("assign INC-1 comms @gone", "<@U0GONE0001> has left this workspace"),
        ("assign INC-1 ic #payments", "#payments is a channel, not a person"),
        ("assign INC-1 ic @nobody", "Nobody in this workspace is called `@nobody`"),
    ],
)
@pytest.mark.slow
def test_roles_go_to_people(slack, standin, bot, clock, more_people, typed, line):
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    reply = slack.command(typed, user=ALICE)
    said = reply.text + " " + last_response(standin)
    assert line in said, said
    assert "<#C" not in reply.text  # a channel is named, never shown as raw markup
    [incident] = incidents(bot)
    assert (incident.commander, incident.comms) == (ALICE, None)


def test_an_id_slack_does_not_know_gets_no_role(slack, standin, bot, clock):
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    # as Slack would send a mention of an account it no longer has
    slack.requests.command(
        "/incident", "assign INC-1 ic <@U0GHOST01|ghost>", user=ALICE, channel=GENERAL, as_sent=True
    )
    assert bot.wait_idle(timeout=30)
    assert "`U0GHOST01` is nobody in this workspace" in last_response(standin)
    assert incidents(bot)[0].commander == ALICE


# -- paging -------------------------------------------------------------------------------


def test_who_cant_take_it_is_not_paged_again_and_whoever_escalated_is_told(
    slack, standin, bot, clock
):
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    slack.command("escalate INC-1", user=ALICE)
    slack.click("page_decline", str(chain(bot).id), user=CAROL)
    for minute in (46, 51, 56, 59):  # the lead never answers, on both passes
        clock.move_to(jst(7, minute))
        bot.tick()
    with bot.db.read() as session:
        pages = [(p.target, p.loop, p.outcome) for p in session.scalars(select(Page))]
    assert pages == [(CAROL, 0, "declined"), (LEAD, 0, "no_answer"), (LEAD, 1, "no_answer")]
    assert len(pages_to(standin, CAROL)) == 1  # the repeat skipped her
    assert chain(bot).status == "exhausted"
    said = [m.text for m in standin.messages(incident_channel(bot))]
    assert any(
        "Nobody else on Platform standby can be reached (<@U0CAROL01> can't take it)" in t
        for t in said
    )
    [dm] = [m for m in standin.messages(ALICE) if "Nobody could be reached" in m.text]
    assert "<@U0CAROL01> can't take it" in dm.text and "<@U0LEAD001> did not answer" in dm.text
    assert "/incident escalate INC-1 ROSTER" in dm.text
    bot.tick()  # once
    assert len([m for m in standin.messages(ALICE) if "Nobody could be reached" in m.text]) == 1


def test_a_sev1_without_a_team_says_how_to_page(slack, standin, bot, clock):
    slack.command("declare sev1 Everything is down", user=CAROL)  # Carol is in no team
    [declared] = [r for r in standin.responses() if "Declared INC-1" in r["text"]]
    assert "Not paged" in declared["text"]
    assert (
        "`/incident escalate INC-1 ROSTER`, ROSTER being one of platform, mobile"
        in (declared["text"])
    )


def test_a_page_from_the_declare_form_tells_the_declarer_who_was_paged(slack, standin, clock):
    slack.submit(
        "incident_declare",
        {"title": "Search is slow", "severity": {"option": "sev3"}, "page": {"options": ["page"]}},
        user=ALICE,
    )
    assert len(pages_to(standin, CAROL)) == 1
    told = [m.text for m in standin.messages(ALICE)]
    assert any("INC-1: Paged <@U0CAROL01> on Platform standby" in t for t in told), told

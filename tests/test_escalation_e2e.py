"""Escalation end to end. The example roster `platform` pages [primary, secondary,
U0LEAD001] with ack_minutes 5 and repeat 1; per_window is 1, so `secondary` reaches nobody
and is skipped. On Tue 2026-11-24 07:30–09:30 JST Carol is on standby."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.app import create_app
from bot.escalation.models import Escalation, Page
from bot.incidents.models import Incident
from tests.conftest import ALICE, BOB, CAROL, GENERAL, TEST_CLOCK, make_settings

LEAD = "U0LEAD001"
JST = dt.timezone(dt.timedelta(hours=9))


def jst(hour: int, minute: int = 0, day: int = 24) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=JST)


def pages_to(standin, user: str):
    return [m for m in standin.messages(user) if "You are paged" in m.visible_text]


def chain(bot) -> Escalation:
    with bot.db.read() as session:
        return session.scalars(select(Escalation)).one()


def paged(bot) -> list[tuple[str, int, str]]:
    with bot.db.read() as session:
        return [
            (p.target, p.loop, p.outcome) for p in session.scalars(select(Page).order_by(Page.id))
        ]


def incident_channel(bot) -> str:
    with bot.db.read() as session:
        return session.scalars(select(Incident.channel_id)).first()


@pytest.fixture
def clock():
    with freeze_time(jst(7, 40)) as frozen:
        yield frozen


@pytest.fixture
def declared(slack, clock):
    slack.command("declare sev2 Checkout is slow", user=ALICE)


def step(bot, clock, moment):
    clock.move_to(moment)
    bot.tick()
    bot.tick()


def test_page_goes_up_the_levels_repeats_then_says_nobody_answered(
    slack, standin, bot, clock, declared
):
    reply = slack.command("escalate INC-1 platform the database is on fire", user=ALICE)
    assert reply.text == "Paged <@U0CAROL01> on Platform standby for INC-1."
    [page] = pages_to(standin, CAROL)
    assert "INC-1" in page.visible_text and "the database is on fire" in page.visible_text
    buttons = [e["action_id"] for b in page.blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["page_ack", "page_decline"]
    channel = incident_channel(bot)
    assert CAROL in standin.workspace.channels[channel].members
    assert any(":pager: Paged <@U0CAROL01>" in m.text for m in standin.messages(channel))

    step(bot, clock, jst(7, 44))
    assert pages_to(standin, LEAD) == []
    step(bot, clock, jst(7, 45))  # 5 minutes: secondary is nobody, so the lead
    assert len(pages_to(standin, LEAD)) == 1
    assert "No answer in time" in pages_to(standin, CAROL)[0].visible_text  # buttons gone
    step(bot, clock, jst(7, 50))  # repeat: Carol again
    assert len(pages_to(standin, CAROL)) == 2
    step(bot, clock, jst(7, 55))
    assert len(pages_to(standin, LEAD)) == 2
    step(bot, clock, jst(8, 0))
    assert chain(bot).status == "exhausted"
    assert any("Nobody on Platform standby answered" in m.text for m in standin.messages(channel))
    step(bot, clock, jst(8, 30))
    assert paged(bot) == [
        (CAROL, 0, "no_answer"),
        (LEAD, 0, "no_answer"),
        (CAROL, 1, "no_answer"),
        (LEAD, 1, "no_answer"),
    ]


def test_acknowledge_stops_the_chain_and_records_time_to_acknowledge(
    slack, standin, bot, clock, declared
):
    slack.command("escalate INC-1", user=ALICE)
    clock.move_to(jst(7, 42))
    value = str(chain(bot).id)
    slack.click("page_ack", value, user=BOB)
    assert "You were not paged" in standin.responses()[-1]["text"]
    slack.click("page_ack", value, user=CAROL)
    slack.click("page_ack", value, user=CAROL)
    assert "You acknowledged INC-1 already" in standin.responses()[-1]["text"]

    stored = chain(bot)
    assert (stored.status, stored.acknowledged_by) == ("acknowledged", CAROL)
    with bot.db.read() as session:
        incident = session.scalars(select(Incident)).one()
    assert incident.time_to_acknowledge == dt.timedelta(minutes=2)
    assert "You acknowledged this page" in pages_to(standin, CAROL)[0].visible_text
    assert any(
        "acknowledged the page after 2m" in m.text for m in standin.messages(incident.channel_id)
    )

    step(bot, clock, jst(8, 30))
    assert pages_to(standin, LEAD) == []
    listed = slack.command("list")
    assert "acknowledged 2m after the page" in listed.text


def test_cant_take_it_moves_on_at_once(slack, standin, bot, clock, declared):
    slack.command("escalate INC-1", user=ALICE)
    slack.click("page_decline", str(chain(bot).id), user=CAROL)
    assert len(pages_to(standin, LEAD)) == 1
    assert paged(bot) == [(CAROL, 0, "declined"), (LEAD, 0, "waiting")]
    slack.click("page_decline", str(chain(bot).id), user=CAROL)  # a second click changes nothing
    assert len(pages_to(standin, LEAD)) == 1


def test_off_hours_pages_the_first_level_that_names_a_person(slack, standin, bot, clock, declared):
    clock.move_to(jst(12, 0))
    reply = slack.command("escalate INC-1 platform", user=ALICE)
    assert "Paged <@U0LEAD001>" in reply.text and "Nobody is on standby now" in reply.text
    assert len(pages_to(standin, LEAD)) == 1 and pages_to(standin, CAROL) == []


def test_a_restart_mid_chain_resumes_the_countdown_without_repeating(
    slack, standin, bot, clock, declared, database_url, config
):
    slack.command("escalate INC-1", user=ALICE)
    restarted = create_app(make_settings(database_url, standin), config, clock=TEST_CLOCK)
    try:
        clock.move_to(jst(7, 46))
        restarted.tick()
        bot.tick()
        restarted.tick()
    finally:
        restarted.close()
    assert len(pages_to(standin, LEAD)) == 1
    assert [t for t, _, _ in paged(bot)] == [CAROL, LEAD]


def test_an_ack_racing_a_step_is_settled_by_the_database(slack, standin, bot, clock, declared):
    slack.command("escalate INC-1", user=ALICE)
    clock.move_to(jst(7, 45))
    chain_id = chain(bot).id
    start = threading.Barrier(2)

    def ack():
        start.wait()
        bot.escalations.acknowledge(chain_id, CAROL)

    def tick():
        start.wait()
        bot.tick()

    threads = [threading.Thread(target=ack), threading.Thread(target=tick)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bot.tick()
    assert chain(bot).status == "acknowledged"
    outcomes = paged(bot)
    # Either the ack came first (the lead is never paged) or the step did (the lead was
    # paged once and told someone else answered); never a second page, never both waiting.
    assert outcomes in (
        [(CAROL, 0, "acknowledged")],
        [(CAROL, 0, "acknowledged"), (LEAD, 0, "answered_by_other")],
    )
    assert len(pages_to(standin, LEAD)) <= 1


def test_severity_configured_to_page_on_declare_pages_at_once(slack, standin, bot, clock):
    slack.command("declare sev1 Payments are down", user=ALICE)
    # the ack only says "Declaring…"; the number and the page follow through the response_url
    [declared, *_] = standin.responses()
    assert "Paged <@U0CAROL01>" in declared["text"]
    assert len(pages_to(standin, CAROL)) == 1


def test_the_declare_form_checkbox_pages(slack, standin, bot, clock):
    slack.submit(
        "incident_declare",
        {"title": "Search is slow", "severity": {"option": "sev3"}, "page": {"options": ["page"]}},
        user=ALICE,
    )
    assert len(pages_to(standin, CAROL)) == 1


def test_show_and_postmortem_say_who_was_paged_and_how_long_the_ack_took(
    slack, standin, bot, clock, declared
):
    slack.command("escalate INC-1", user=ALICE)
    clock.move_to(jst(7, 43))
    slack.click("page_ack", str(chain(bot).id), user=CAROL)
    channel = incident_channel(bot)
    shown = str(slack.command("show", channel=channel).json()["blocks"])
    assert "paged <@U0CAROL01>: acknowledged" in shown
    assert "acknowledged by <@U0CAROL01> after 3m" in shown
    slack.command("resolve Fixed", user=ALICE, channel=channel)
    slack.command("postmortem", channel=channel)
    [upload] = [m for m in standin.messages(channel) if m.file]
    content = upload.file["content"]
    assert "## Paging" in content and "acknowledged by @carol after 3m" in content
    assert "| time to acknowledge | 3m |" in content


def test_resolving_stops_the_chain(slack, standin, bot, clock, declared):
    slack.command("escalate INC-1", user=ALICE)
    slack.command("resolve", user=ALICE, channel=incident_channel(bot))
    step(bot, clock, jst(7, 50))
    assert pages_to(standin, LEAD) == []
    assert chain(bot).status == "stopped"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("escalate INC-9", "INC-9 does not exist."),
        (
            "escalate INC-1 nowhere",
            "page with `/incident escalate INC-1 ROSTER`, ROSTER being one of platform, mobile.",
        ),
    ],
)
@pytest.mark.slow
def test_bad_escalations_get_a_clear_line(slack, clock, text, expected):
    slack.command("declare sev2 Nobody's team", user=CAROL)  # Carol is in no team
    assert expected in slack.command(text, user=CAROL, channel=GENERAL).text


def test_escalating_a_resolved_incident_is_refused(slack, bot, clock, declared):
    slack.command("resolve INC-1", user=ALICE)
    assert "is resolved; there is nobody to page" in slack.command("escalate INC-1").text


def test_escalating_twice_is_refused_while_a_page_is_open(slack, clock, declared):
    slack.command("escalate INC-1", user=ALICE)
    assert "is already paging" in slack.command("escalate INC-1", user=ALICE).text


def test_a_channel_level_pages_here_in_the_incidents_channel(slack, standin, bot, clock, declared):
    """The mobile roster's levels are [primary, secondary, channel]: off-hours nobody is on
    standby, so the only level that reaches anyone is the @here."""
    reply = slack.command("escalate INC-1 mobile", user=ALICE)
    assert "Paged the incidents channel" in reply.text
    [here] = [m for m in standin.messages("C0INCIDENT") if "<!here>" in m.text]
    assert "You are paged" in here.visible_text and "INC-1" in here.visible_text

"""Everything after declare: updates, status, severity, roles, resolve, views, postmortem."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.incidents.models import Incident, IncidentEvent
from tests.conftest import ADMIN, ALICE, BOB, CAROL, GENERAL, INCIDENTS


@pytest.fixture
def incident(slack, bot) -> Incident:
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    with bot.db.session() as session:
        return session.scalars(select(Incident)).one()


def reload(bot, incident_id: int = 1) -> Incident:
    with bot.db.session() as session:
        found = session.get(Incident, incident_id)
        session.refresh(found, ["events"])
        return found


def announcement(standin):
    [message] = [m for m in standin.messages(INCIDENTS) if not m.is_reply]
    return message


def test_update_posts_in_channel_and_threads_under_announcement(slack, standin, bot, incident):
    reply = slack.command("update Rolled back the deploy", user=BOB, channel=incident.channel_id)

    assert "Update posted to INC-1" in reply.text
    in_channel = [m for m in standin.messages(incident.channel_id) if "Rolled back" in m.text]
    assert len(in_channel) == 1 and in_channel[0].thread_ts is None
    thread = [m for m in standin.messages(INCIDENTS) if m.is_reply]
    assert len(thread) == 1
    assert thread[0].thread_ts == announcement(standin).ts
    assert "Rolled back the deploy" in thread[0].text and f"<@{BOB}>" in thread[0].text
    [event] = [e for e in reload(bot).events if e.kind == "update"]
    assert (event.actor, event.text) == (BOB, "Rolled back the deploy")


def test_update_by_id_from_another_channel(slack, standin, incident):
    reply = slack.command("update INC-1 Still looking", channel=GENERAL)
    assert "Update posted to INC-1" in reply.text
    assert any("Still looking" in m.text for m in standin.messages(incident.channel_id))


def test_status_change_updates_announcement_and_records_mitigation(slack, standin, bot, incident):
    slack.command("status monitoring", user=BOB, channel=incident.channel_id)

    stored = reload(bot)
    assert stored.status == "monitoring" and stored.mitigated_at is not None
    assert announcement(standin).edited
    assert "Monitoring" in announcement(standin).visible_text
    assert any(
        "set the status to *monitoring*" in m.text for m in standin.messages(incident.channel_id)
    )


def test_severity_change_is_refused_for_others_and_allowed_for_admin(slack, standin, bot, incident):
    refused = slack.command("sev 1", user=CAROL, channel=incident.channel_id)
    assert "Only INC-1's incident commander, its declarer or an admin" in refused.text
    assert reload(bot).severity == "sev2"
    assert not announcement(standin).edited

    allowed = slack.command("sev INC-1 1", user=ADMIN, channel=GENERAL)
    assert "INC-1 is now sev1" in allowed.text
    assert reload(bot).severity == "sev1"
    assert "sev1" in announcement(standin).visible_text


def test_assign_roles_invites_and_lets_the_new_ic_resolve(slack, standin, bot, incident):
    slack.command("assign ic @carol", user=ALICE, channel=incident.channel_id)
    slack.command("assign comms @bob", user=ALICE, channel=incident.channel_id)

    stored = reload(bot)
    assert (stored.commander, stored.comms) == (CAROL, BOB)
    assert stored.acknowledged_at is None  # naming an IC is not acknowledging a page
    members = standin.workspace.channels[incident.channel_id].members
    assert CAROL in members and BOB in members
    assert f"<@{CAROL}>" in announcement(standin).visible_text

    reply = slack.command("resolve Rolled back", user=CAROL, channel=incident.channel_id)
    assert "INC-1 is resolved" in reply.text


def test_resolve_by_a_bystander_is_refused(slack, bot, incident):
    reply = slack.command("resolve", user=CAROL, channel=incident.channel_id)
    assert "may resolve it" in reply.text
    assert reload(bot).status == "investigating"


def test_resolve_records_time_and_summary_everywhere(slack, standin, bot, incident):
    reply = slack.command("resolve Bad config rolled back", user=ALICE, channel=incident.channel_id)

    assert "INC-1 is resolved" in reply.text
    stored = reload(bot)
    assert stored.status == "resolved" and stored.resolved_at is not None
    assert stored.summary == "Bad config rolled back"
    text = announcement(standin).visible_text
    assert "Resolved" in text and "Bad config rolled back" in text and "Time to resolve" in text
    # the card loses its buttons once resolved
    card = standin.messages(incident.channel_id)[0]
    assert not [b for b in card.blocks if b["type"] == "actions"]
    again = slack.command("resolve", user=ALICE, channel=incident.channel_id)
    assert "already resolved" in again.text
    assert len([e for e in reload(bot).events if e.kind == "resolved"]) == 1


def test_update_after_resolve_is_refused(slack, incident):
    slack.command("resolve", user=ALICE, channel=incident.channel_id)
    reply = slack.command("update more", user=ALICE, channel=incident.channel_id)
    assert "is resolved" in reply.text


def test_list_show_and_timeline(slack, bot, incident):
    slack.command("declare sev4 Typo on the pricing page", user=BOB)
    slack.command("resolve INC-2", user=BOB)

    listed = slack.command("list")
    assert "1 open incident" in listed.text
    open_part, resolved_part = listed.text.split("Resolved in the last 7 days")
    assert "INC-1" in open_part and "INC-2" not in open_part
    assert "INC-2" in resolved_part and "resolved after 0m" in resolved_part

    shown = slack.command("show", channel=incident.channel_id)
    assert "INC-1" in shown.text and "Checkout is slow" in str(shown.json()["blocks"])

    slack.command("update Found it", user=BOB, channel=incident.channel_id)
    timeline = slack.command("timeline INC-1", channel=GENERAL)
    assert timeline.text.index("declared INC-1") < timeline.text.index("Found it")


def test_postmortem_is_uploaded_as_markdown_with_the_timeline(slack, standin, incident):
    slack.command("update Rolled back the deploy", user=BOB, channel=incident.channel_id)
    slack.command("resolve Bad config", user=ALICE, channel=incident.channel_id)

    reply = slack.command("postmortem", channel=incident.channel_id)

    assert "Drafting the postmortem of INC-1" in reply.text
    [upload] = [m for m in standin.messages(incident.channel_id) if m.file]
    content = upload.file["content"]
    assert content.startswith("# Postmortem: INC-1 — Checkout is slow")
    for expected in ("## Timeline", "Rolled back the deploy", "time to resolve", "## Follow-ups"):
        assert expected in content
    # people by name, not as markup a file would show as typed
    assert "by @alice" in content and "| @bob | Update: Rolled back the deploy |" in content
    assert "<@" not in content
    assert any("Posted the postmortem draft" in r.get("text", "") for r in standin.responses())


def test_card_buttons_change_status_once_and_take_ic(slack, standin, bot, incident):
    slack.click("incident_status_monitoring", "1", user=BOB, channel=incident.channel_id)
    slack.click("incident_status_monitoring", "1", user=BOB, channel=incident.channel_id)
    slack.click("incident_take_ic", "1", user=CAROL, channel=incident.channel_id)

    stored = reload(bot)
    assert stored.status == "monitoring" and stored.commander == CAROL
    assert len([e for e in stored.events if e.kind == "status"]) == 1
    assert any("already monitoring" in r.get("text", "") for r in standin.responses())


def test_update_and_resolve_buttons_open_modals_that_act(slack, standin, bot, incident):
    slack.click("incident_update", "1", user=BOB, channel=incident.channel_id)
    [opened] = standin.calls_to("views.open")
    view = opened.arg("view")
    assert view["callback_id"] == "incident_update"

    metadata = view["private_metadata"]
    for _ in range(2):  # the same submission twice
        slack.submit(
            "incident_update",
            {"text": "Cache warmed"},
            user=BOB,
            private_metadata=metadata,
            view_id="V1",
        )
    updates = [e for e in reload(bot).events if e.kind == "update"]
    assert [e.text for e in updates] == ["Cache warmed"]  # submitted twice, posted once

    slack.click("incident_resolve", "1", user=ALICE, channel=incident.channel_id)
    resolve_view = standin.calls_to("views.open")[-1].arg("view")
    slack.submit(
        "incident_resolve",
        {"summary": "Warm cache"},
        user=ALICE,
        private_metadata=resolve_view["private_metadata"],
    )
    assert reload(bot).status == "resolved"


def test_timeline_is_append_only_with_who_and_when(slack, bot, incident):
    slack.command("status identified", user=BOB, channel=incident.channel_id)
    slack.command("sev 3", user=ALICE, channel=incident.channel_id)
    with bot.db.session() as session:
        rows = session.execute(
            select(IncidentEvent.kind, IncidentEvent.actor, IncidentEvent.data)
        ).all()
    assert [(k, a) for k, a, _ in rows] == [
        ("declared", ALICE),
        ("status", BOB),
        ("severity", ALICE),
    ]
    assert rows[2].data == {"from": "sev2", "to": "sev3"}

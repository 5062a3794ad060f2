"""Reading alerts in Slack, end to end: `/alerts` and `/alerts resolved` (who was paged, who
acknowledged, in the reader's time zone), its usage, the App Home's open pages with their
Acknowledge, and the weekly digest's alert pages per roster. Notifications are POSTed to
the running app as Alertmanager sends them. The example roster `platform` has Carol on
standby on Tue 2026-11-24 07:30–09:30 JST."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.alerts.commands import USAGE
from bot.alerts.models import AlertEpisode
from bot.escalation.models import Escalation
from tests.alerts_harness import ALERTS, am_alert, am_body, post, url_of, with_alerts
from tests.conftest import ADMIN, ALICE, BOB, CAROL, GENERAL
from tests.shell_runs import run_shell, section

JST = dt.timezone(dt.timedelta(hours=9))


def jst(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 24, hour, minute, tzinfo=JST)


@pytest.fixture
def config(config):
    return with_alerts(config)


@pytest.fixture
def standin(standin):
    standin.add_channel("alerts", ALERTS)
    standin.workspace.users[CAROL]["tz"] = "Europe/London"  # she reads in GMT
    return standin


@pytest.fixture
def clock():
    with freeze_time(jst(7, 40)) as frozen:
        yield frozen


@pytest.fixture
def prometheus(bot, server):
    return url_of(bot, server, "prometheus")


def fire(bot, url, name, status="firing", **labels):
    alert = am_alert(name, status, summary=f"{name} summary", **labels)
    assert post(url, am_body(name, [alert], **labels))[0] == 200
    assert bot.wait_idle(30)


def episode_of(bot, name) -> AlertEpisode:
    with bot.db.read() as session:
        return session.scalars(
            select(AlertEpisode).where(AlertEpisode.name == name).order_by(AlertEpisode.id.desc())
        ).first()


def alerts(slack, standin, text="", user=CAROL) -> dict:
    """What `/alerts TEXT` shows `user`: the ack, or the answer after it."""
    reply = slack.command(text, user=user, command="/alerts")
    assert reply.status == 200
    return reply.json() if reply.body else standin.responses()[-1]


def shown(answer: dict) -> str:
    return "\n".join(
        [answer["text"], *(json.dumps(b, ensure_ascii=False) for b in answer["blocks"])]
    )


def test_alerts_lists_the_firing_groups_with_who_was_paged_and_who_acknowledged(
    slack, bot, standin, prometheus, clock
):
    fire(bot, prometheus, "HighLatency")
    clock.move_to(jst(7, 45))
    fire(bot, prometheus, "DiskFull")
    slack.click("alert_ack", str(episode_of(bot, "DiskFull").id), user=BOB, channel=ALERTS)
    clock.move_to(jst(7, 52))

    answer = alerts(slack, standin)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("2 alert groups firing: DiskFull (prometheus → Platform")
    sections = [b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"]
    assert sections[0] == f"*2 alert groups firing* (posted in <#{ALERTS}>)"
    disk, latency = sections[1], sections[2]  # the latest first
    # Carol reads in London: 07:45 JST is 22:45 GMT
    assert disk.splitlines() == [
        ":red_circle: *DiskFull* · `prometheus` → Platform standby",
        "Firing since 22:45 GMT (7m) · 1 alert",
        f"Paged <@{CAROL}> at 22:45 GMT (someone else took it) · :white_check_mark: "
        f"acknowledged by <@{BOB}> at 22:45 GMT",
    ]
    assert latency.splitlines()[1:] == [
        "Firing since 22:40 GMT (12m) · 1 alert",
        f"Paged <@{CAROL}> at 22:40 GMT (waiting) · not acknowledged yet",
    ]
    assert "Times are in your time zone (GMT)" in shown(answer)

    # The page moves on unanswered: the next level shows, in order.
    clock.move_to(jst(7, 53))
    bot.tick()
    latency = alerts(slack, standin, "firing")["blocks"][2]["text"]["text"]
    assert latency.splitlines()[2] == (
        f"Paged <@{CAROL}> at 22:40 GMT (no answer), then <@U0LEAD001> at 22:53 GMT (waiting)"
        " · not acknowledged yet"
    )


def test_a_resolved_group_leaves_the_list_and_shows_under_resolved(
    slack, bot, standin, prometheus, clock
):
    fire(bot, prometheus, "DiskFull")
    fire(bot, prometheus, "HighLatency")
    clock.move_to(jst(8, 10))
    fire(bot, prometheus, "DiskFull", "resolved")

    firing = shown(alerts(slack, standin))
    assert "HighLatency" in firing and "DiskFull" not in firing
    assert "1 alert group firing" in firing

    resolved = alerts(slack, standin, "resolved")
    [group] = [b["text"]["text"] for b in resolved["blocks"] if b["type"] == "section"][1:]
    assert resolved["blocks"][0]["text"]["text"] == "*1 alert group resolved in the last 24 hours*"
    assert group.splitlines()[:2] == [
        ":large_green_circle: *DiskFull* · `prometheus` → Platform standby",
        "Fired 22:40 GMT, resolved 23:10 GMT after 30m",
    ]
    assert f"Paged <@{CAROL}> at 22:40 GMT (resolved before an answer)" in group

    clock.move_to(jst(9, 30))  # 80 minutes after it resolved
    assert "No alert groups resolved in the last hour." in shown(
        alerts(slack, standin, "resolved 1")
    )
    assert "DiskFull" in shown(alerts(slack, standin, "resolved 2h"))


def test_what_monitoring_named_is_shown_not_obeyed(slack, bot, standin, prometheus, clock):
    fire(bot, prometheus, "<!channel> & <https://evil.example|click>")
    text = shown(alerts(slack, standin))
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in text
    assert "<!channel>" not in text and "<https://evil" not in text


def test_nothing_firing_says_so(slack, standin, bot, clock):
    answer = alerts(slack, standin)
    assert answer["text"] == "No alert groups are firing."


def test_help_and_a_wrong_subcommand_answer_with_the_usage_at_once(slack, standin, bot, clock):
    reply = slack.command("help", user=ALICE, command="/alerts")
    assert reply.json() == {"response_type": "ephemeral", "text": USAGE}
    assert "`/alerts resolved [HOURS]`" in USAGE

    reply = slack.command("silence everything", user=ALICE, command="/alerts")
    assert reply.json()["text"] == f":warning: `silence` is not an /alerts command.\n\n{USAGE}"
    reply = slack.command("resolved soon", user=ALICE, command="/alerts")
    assert reply.json()["text"].startswith(":warning: `soon` is not a number of hours")
    reply = slack.command("resolved 9999", user=ALICE, command="/alerts")
    assert reply.json()["text"].startswith(":warning: `resolved` looks back 1 to 168 hours")
    assert standin.responses() == []  # answered in the ack, nothing after


# -- App Home ------------------------------------------------------------------------------


def open_home(slack, standin, user: str) -> dict:
    body = slack.requests.event_body(
        {"type": "app_home_opened", "user": user, "tab": "home", "event_ts": "1.0"}
    )
    assert slack.requests.post(body, "application/json").status == 200
    assert slack.bot.wait_idle(30)
    return home_published(standin, user)


def home_published(standin, user: str) -> dict:
    [*_, view] = [
        c.arg("view") for c in standin.calls_to("views.publish") if c.arg("user_id") == user
    ]
    return view


def click_on_home(slack, user: str, button: dict, block_id: str) -> None:
    """A button pressed on the Home tab, as Slack sends it: a view, no response_url."""
    slack.requests.interaction(
        {
            "type": "block_actions",
            "team": {"id": slack.requests.team_id},
            "user": {"id": user},
            "api_app_id": "A0OPSBOT0",
            "trigger_id": "trigger.home",
            "container": {"type": "view", "view_id": "V0HOME"},
            "view": {"id": "V0HOME", "type": "home"},
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": block_id,
                    "value": button["value"],
                    "action_ts": "1",
                }
            ],
        }
    )
    assert slack.bot.wait_idle(30)


def page_blocks(view: dict) -> list[dict]:
    return [b for b in view["blocks"] if b.get("block_id", "").startswith("home_page_")]


def test_app_home_shows_my_open_pages_and_loses_one_once_i_acknowledge_it(
    slack, bot, standin, prometheus, clock
):
    fire(bot, prometheus, "HighLatency")
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    slack.command("escalate INC-1 platform", user=ALICE)
    with bot.db.read() as session:
        alert_chain, incident_chain = session.scalars(
            select(Escalation.id).order_by(Escalation.id)
        ).all()

    view = open_home(slack, standin, CAROL)
    text = json.dumps(view, ensure_ascii=False)
    assert "Your open pages" in text
    alert_page, incident_page = page_blocks(view)  # the oldest first
    assert "the alert *HighLatency* (from `prometheus`)" in alert_page["text"]["text"]
    assert (
        "paged you Mon 23 Nov 22:40 GMT (Platform standby) · waiting for you"
        in (alert_page["text"]["text"])
    )
    assert "*INC-1* · sev2 · Checkout is slow" in incident_page["text"]["text"]
    button = alert_page["accessory"]
    assert (button["action_id"], button["value"]) == ("page_ack", str(alert_chain))
    assert incident_page["accessory"]["value"] == str(incident_chain)
    assert page_blocks(open_home(slack, standin, BOB)) == []  # Bob was not paged

    click_on_home(slack, CAROL, button, alert_page["block_id"])
    view = home_published(standin, CAROL)  # published again at once
    assert view["blocks"][1]["elements"][0]["text"] == (
        "Acknowledged the alert: you're on it. Thanks!"
    )
    [left] = page_blocks(view)
    assert "INC-1" in left["text"]["text"]
    # The same Acknowledge as the page's own: the page and the alert's message say so.
    pages = [m for m in standin.messages(CAROL) if "HighLatency" in m.visible_text]
    assert "You acknowledged this page" in pages[-1].visible_text
    assert f"acknowledged by <@{CAROL}>" in shown(alerts(slack, standin))

    # A page I was never sent cannot be taken from my tab: the tab says why.
    click_on_home(slack, BOB, incident_page["accessory"], incident_page["block_id"])
    notice = home_published(standin, BOB)["blocks"][1]["elements"][0]["text"]
    assert notice.startswith(":warning: You were not paged")


def test_a_page_that_resolved_leaves_my_home(slack, bot, standin, prometheus, clock):
    fire(bot, prometheus, "DiskFull")
    assert len(page_blocks(open_home(slack, standin, CAROL))) == 1
    fire(bot, prometheus, "DiskFull", "resolved")
    view = open_home(slack, standin, CAROL)
    assert page_blocks(view) == []
    assert "None: nothing is waiting for you." in json.dumps(view)


# -- the weekly digest ----------------------------------------------------------------------


def test_the_digest_counts_alert_pages_per_roster_beside_incidents(
    slack, bot, standin, prometheus, clock
):
    fire(bot, prometheus, "HighLatency")
    fire(bot, prometheus, "DiskFull")
    fire(bot, prometheus, "Info", severity="info")  # its route only posts: no page
    slack.click("alert_ack", str(episode_of(bot, "DiskFull").id), user=CAROL, channel=ALERTS)
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    slack.command("escalate INC-1 platform", user=ALICE)  # a person's page, not monitoring's

    reply = slack.command("digest preview", user=ADMIN, command="/lol", channel=GENERAL)
    text = json.dumps(reply.json(), ensure_ascii=False)
    assert "*Incidents declared:* 1 (sev2: 1)" in text
    assert "*Alert pages:* Platform standby 2 (1 acknowledged)" in text


# -- opsbot shell ----------------------------------------------------------------------------


SHELL_SCRIPT = """\
alert HighLatency
as @carol
/alerts
home
click Acknowledge
alert HighLatency resolved
/alerts resolved
alert HighLatency later
"""


def test_the_shell_fires_a_test_alert_and_lists_it_without_monitoring(
    monkeypatch, capsys, tmp_path
):
    """The packaged example has no `alerts:` section: the shell posts through a source of its
    own, to the bot's real `/alerts/<token>`, and `/alerts` answers as in Slack."""
    db = str(tmp_path / "shell.db")
    lines = run_shell(monkeypatch, capsys, SHELL_SCRIPT, "--db", db, "--start", "2026-11-24 07:40")
    fired = section(lines, "alert HighLatency")
    assert fired[0] == "(monitoring posted HighLatency firing through `shell` (webhook): 200)"
    assert (
        "07:40 DM → @carol  opsbot: 🚨 You are paged for the alert *HighLatency* (from `shell`)"
        in (fired)
    )
    assert section(lines, "/alerts")[1:4] == [
        "    🔴 *HighLatency* · `shell` → Platform standby",
        "    Firing since 07:40 JST (0m) · 1 alert",
        "    Paged @carol at 07:40 JST (waiting) · not acknowledged yet",
    ]
    home = section(lines, "home")
    assert "│ *📟 Your open pages*" in home and "│ [1] Acknowledge" in home
    assert "    ✅ You acknowledged this page." in section(lines, "click Acknowledge")
    assert (
        "    Paged @carol at 07:40 JST (acknowledged) · ✅ acknowledged by @carol at 07:40 JST"
        in (section(lines, "/alerts resolved"))
    )
    assert section(lines, "alert HighLatency later") == [
        "error: 'later' is neither firing nor resolved; usage: alert NAME [firing|resolved], "
        "e.g. `alert HighLatency`, then `alert HighLatency resolved`"
    ]


def test_a_storm_member_and_a_declared_group_say_how_they_paged(
    slack, bot, standin, prometheus, clock
):
    for n in range(6):  # the sixth new group in ten minutes starts a storm
        fire(bot, prometheus, f"Storm{n}")
    fire(bot, prometheus, "PaymentsDown", severity="critical", team="payments")
    groups = {
        b["text"]["text"].splitlines()[0]: b["text"]["text"].splitlines()[2]
        for b in alerts(slack, standin)["blocks"][1:]
        if b["type"] == "section"
    }
    assert len(groups) == 7
    storm5 = groups[":red_circle: *Storm5* · `prometheus` → Platform standby"]
    assert storm5.startswith(f"Paged <@{CAROL}> at 22:40 GMT (waiting) — once for the storm")
    storm0 = groups[":red_circle: *Storm0* · `prometheus` → Platform standby"]
    assert storm0 == f"Paged <@{CAROL}> at 22:40 GMT (waiting) · not acknowledged yet"
    declared = groups[":red_circle: *PaymentsDown* · `prometheus` → Platform standby"]
    assert declared.endswith("· incident INC-1")

"""`opsbot manifest`: the app manifest asks for exactly the scopes the code needs.

The flows below are the suite's end-to-end flows run one after another against the stand-in
(loop prompt and update, standby heads-up, post, ping and acknowledgement, `/standby`, an
incident declared, updated, escalated, acknowledged, resolved and its postmortem uploaded, the
App Home tab, the digest posted in a channel the bot is not in yet). Every Web API method the
stand-in recorded must be in `METHOD_SCOPES` with its scopes in the manifest, every method of
the table must have been called, and every scope of the manifest must be needed."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

import pytest
import yaml
from freezegun import freeze_time
from sqlalchemy import select

from bot.cli import main, slash_commands
from bot.escalation.models import Escalation
from bot.incidents.models import Incident
from bot.slack.manifest import (
    BOT_EVENTS,
    FEATURE_SCOPES,
    METHOD_SCOPES,
    bot_scopes,
    build_manifest,
    manifest_yaml,
)
from tests.conftest import ALICE, CAROL
from tests.test_app_home import open_home
from tests.test_standby_usergroup import PLATFORM_GROUP, with_usergroups

PAM = "U0PMPAY01"
LOOP = "C0LOOPLOOP"
STANDBY = "C0STANDBY1"
JST = dt.timezone(dt.timedelta(hours=9))
URL = "https://opsbot.example.com"
USERGROUPS = ["usergroups:read", "usergroups:write"]


def jst(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=JST)


@pytest.fixture
def config():
    """The example, with the platform roster's user group: the standby flows sync it."""
    return with_usergroups(platform=PLATFORM_GROUP)


@pytest.fixture
def clock(standin):
    standin.add_channel("loop", LOOP, bot_is_member=False)  # the digest makes the bot join
    standin.add_usergroup("Platform standby", "platform-standby", [ALICE], PLATFORM_GROUP)
    with freeze_time(jst(23, 9, 59)) as frozen:
        yield frozen


def at(bot, clock, moment: dt.datetime, ticks: int = 2) -> None:
    clock.move_to(moment)
    for _ in range(ticks):
        bot.tick()


def run_every_flow(slack, bot, standin, clock) -> None:
    # Loop of Loops: Monday's prompt, Pam's update through /lol and the modal.
    at(bot, clock, jst(23, 10, 0))
    slack.command("update", user=PAM, command="/lol")
    modal = standin.calls_to("views.open")[-1].arg("view")
    slack.submit(
        "loop_update",
        {"working_on": "Refunds v2", "roadblocks": "", "status": {"option": "on_track"}},
        user=PAM,
        private_metadata=modal["private_metadata"],
    )
    slack.command("status", user=PAM, command="/lol")

    # Standby: Tuesday's heads-up, the window's post and ping, the acknowledgement.
    at(bot, clock, jst(24, 7, 15))
    at(bot, clock, jst(24, 7, 30))
    slack.click("standby_ack", "platform:2026-11-24:0730", user=CAROL, channel=STANDBY)
    slack.command("", command="/standby", user=ALICE)
    slack.command("me", command="/standby", user=CAROL)
    slack.command("load", command="/standby", user=CAROL)  # the chart: Carol's DM, opened

    # An incident: declare (form and command), update, escalate, acknowledge, resolve,
    # postmortem.
    clock.move_to(jst(24, 7, 40))
    slack.command("declare", user=ALICE)
    slack.command("declare sev2 Checkout is slow", user=ALICE)
    with bot.db.read() as session:
        channel = session.scalars(select(Incident.channel_id)).one()
    assert channel
    slack.command("update Rolled back the deploy", user=ALICE, channel=channel)
    slack.command("escalate INC-1", user=ALICE)
    with bot.db.read() as session:
        chain = session.scalars(select(Escalation.id)).one()
    clock.move_to(jst(24, 7, 42))
    slack.click("page_ack", str(chain), user=CAROL)
    slack.command("resolve INC-1 Bad config", user=ALICE)
    slack.command("postmortem", user=ALICE, channel=channel)

    # The App Home tab.
    open_home(slack, PAM)

    # Thursday's digest, in a channel the bot joins first.
    at(bot, clock, jst(26, 9, 0))


def test_the_manifest_scopes_cover_every_method_the_flows_call_and_no_more(
    slack, bot, standin, clock
):
    run_every_flow(slack, bot, standin, clock)
    called = {call.method for call in standin.calls}
    assert [c.arg("channel") for c in standin.calls_to("conversations.join")] == [LOOP]
    assert standin.calls_to("files.completeUploadExternal")
    assert standin.calls_to("views.publish")
    # The roster's user group: disabled between windows, enabled with Carol at 07:30.
    assert standin.calls_to("usergroups.disable") and standin.calls_to("usergroups.enable")

    # Every method called is in the table, and every method of the table was called.
    assert called - set(METHOD_SCOPES) == set(), "add these methods and their scopes"
    assert set(METHOD_SCOPES) - called == set(), "the flows never call these"

    scopes = set(yaml.safe_load(manifest_yaml(slash_commands()))["oauth_config"]["scopes"]["bot"])
    for method in called:
        assert set(METHOD_SCOPES[method]) <= scopes, method

    # No scope more than needed: each is needed by a method called or by a feature.
    needed = {s for m in called for s in METHOD_SCOPES[m]}
    needed |= {s for feature in FEATURE_SCOPES.values() for s in feature}
    assert scopes == needed
    expected = [
        *["channels:join", "channels:manage", "channels:read", "chat:write", "commands"],
        "files:write",
    ]
    assert sorted(scopes) == bot_scopes() == [*expected, "im:write", *USERGROUPS, "users:read"]


class RecordingBolt:
    """Stands in for the Bolt app while the handlers register: records what they listen to."""

    def __init__(self) -> None:
        self.registered: dict[str, list[Any]] = defaultdict(list)

    def __getattr__(self, kind: str) -> Any:
        def register(*args: Any, **_kwargs: Any) -> Any:
            if args and callable(args[0]):  # used as a bare decorator (@app.middleware)
                return args[0]
            self.registered[kind].append(args[0] if args else None)
            return lambda fn: fn

        return register


def test_commands_and_events_are_those_the_handlers_register(bot, slack):
    from handlers import register_all

    recorder = RecordingBolt()
    register_all(recorder, bot)
    manifest = build_manifest(slash_commands())
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    registered = sorted(recorder.registered["command"])
    assert sorted(commands) == registered == ["/alerts", "/incident", "/lol", "/standby"]
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == list(BOT_EVENTS)
    assert set(recorder.registered["event"]) == set(BOT_EVENTS)

    # And the running app answers each of them.
    for command in commands:
        reply = slack.command("help", command=command)
        assert reply.status == 200 and command in reply.text

    for entry in manifest["features"]["slash_commands"]:
        assert entry["should_escape"] is True
        assert entry["description"] and len(entry["description"]) <= 100
        assert "help" in entry["usage_hint"] and len(entry["usage_hint"]) <= 1000


def urls(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k.endswith("url")] + [
            u for v in node.values() for u in urls(v)
        ]
    if isinstance(node, list):
        return [u for v in node for u in urls(v)]
    return []


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    """`opsbot ARGV` through the command's entry point: (exit status, stdout)."""
    code = main(argv)
    return code, capsys.readouterr().out


@pytest.mark.parametrize(
    "given",
    [URL, URL + "/", URL + "/slack/events", URL + "/slack/events/", f"  {URL}  "],
)
def test_with_url_every_url_is_the_events_endpoint_over_https(given, capsys):
    """The base URL or the events URL itself: either way every request URL is the events
    URL, never `…/slack/events/slack/events`."""
    code, out = run_cli(["manifest", "--url", given], capsys)
    assert code == 0
    manifest = yaml.safe_load(out)
    found = urls(manifest)
    assert len(found) == 6  # four commands, events, interactivity
    assert set(found) == {f"{URL}/slack/events"}
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    assert settings["event_subscriptions"]["request_url"] == f"{URL}/slack/events"
    assert settings["interactivity"] == {"is_enabled": True, "request_url": f"{URL}/slack/events"}


def test_a_base_url_with_a_path_keeps_it(capsys):
    """Behind a proxy that serves the bot under a path."""
    _, out = run_cli(["manifest", "--url", "https://tools.example.com:8443/opsbot/"], capsys)
    assert set(urls(yaml.safe_load(out))) == {"https://tools.example.com:8443/opsbot/slack/events"}


def test_without_url_socket_mode_and_no_urls(capsys):
    code, out = run_cli(["manifest"], capsys)
    assert code == 0
    manifest = yaml.safe_load(out)
    assert urls(manifest) == []
    assert manifest["display_information"]["name"] == "opsbot"
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"] == "opsbot"
    assert manifest["settings"] == {
        "event_subscriptions": {"bot_events": ["app_home_opened"]},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": True,
        "token_rotation_enabled": False,
    }
    assert json.loads(json.dumps(manifest)) == build_manifest(slash_commands())


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("http://opsbot.example.com", "is http: Slack sends requests only to https URLs"),
        ("http://opsbot.example.com/slack/events", "is http: Slack sends requests only to https"),
        ("opsbot.example.com", "is not an absolute https URL like https://opsbot.example.com"),
        ("/slack/events", "is not an absolute https URL"),
        ("ftp://x", "is not an absolute https URL"),
        ("https://", "is not an absolute https URL"),
        ("", "is not an absolute https URL"),
        ("https://x:port", "is not a URL like https://opsbot.example.com"),
        ("https://x?a=1", "must be the bot's address alone"),
        ("https://x/#events", "must be the bot's address alone"),
        ("https://user:pass@x", "must be the bot's address alone"),
    ],
)
def test_a_url_slack_cannot_use_is_refused_in_one_line(bad, why, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["manifest", "--url", bad])
    assert exited.value.code == 2
    out = capsys.readouterr()
    assert out.out == ""
    usage, error = out.err.strip().splitlines()  # argparse: the usage, then the error
    assert usage.startswith("usage: opsbot manifest")
    assert error.startswith(f"opsbot manifest: error: argument --url: {bad!r} {why}")

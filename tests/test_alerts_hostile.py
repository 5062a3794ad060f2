"""Hostile input to `POST /alerts/<token>`, through the running app, for each kind of source:
any bytes and any JSON value are answered 2xx or 400 (never a 5xx, never a hang); and what
the app then posts to Slack for the bodies it takes carries no broadcast and no link that
came from labels, annotations, titles or messages (user text, shown and never obeyed), and
is accepted by Slack (the stand-in checks Block Kit's limits)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.app import OpsBot
from bot.config import OrgConfig, example_config_path
from bot.kit.standin import SlackStandIn
from tests.alerts_harness import ALERTS, post, url_of

pytestmark = pytest.mark.slow  # property tests through the running app

SOURCES = {"alertmanager": "prometheus", "grafana": "grafana", "webhook": "hooks"}
HEARTBEAT = "backup"
NASTY = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!here|here>",
    "<!subteam^S0PLATFORM|@platform-team>",
    "@here",
    "@channel",
    "@everyone",
    "<https://evil.example|click>",
    "<http://evil.example>",
    "<mailto:boss@evil.example|boss>",
    "&amp;",
    "&lt;!channel&gt;",
    "*bold*",
    "_it_",
    "~gone~",
    "`",
    "```",
    ">",
    "<",
    "|",
    "&",
    "\n",
    "\u200b",
    "\u202e",
    "日本語",
    "🔥",
    "critical",
    "payments",
]
LONG = "x" * 3100  # past a section's 3000 characters
LINK_LABELS = {"Source", "Silence", "Dashboard", "Panel", "Link"}
TEXT_CALLS = ("chat.postMessage", "chat.update", "chat.postEphemeral")
TOPIC_CALLS = ("conversations.setTopic", "conversations.setPurpose")

SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def hostile_config() -> OrgConfig:
    """The example with a source of each kind, all paging `platform`; critical payments
    alerts from Alertmanager declare a sev2 (so hostile names reach an incident too)."""
    data = yaml.safe_load(example_config_path().read_text())
    data["alerts"] = {
        "channel": ALERTS,
        "sources": [
            {
                "id": "prometheus",
                "kind": "alertmanager",
                "roster": "platform",
                "routes": [
                    {"match": {"severity": "critical", "team": "payments"}, "declare": "sev2"}
                ],
            },
            {"id": "grafana", "kind": "grafana", "roster": "platform"},
            {"id": "hooks", "kind": "webhook", "roster": "platform"},
            {"id": HEARTBEAT, "kind": "heartbeat", "roster": "platform", "expect_every": "1h"},
        ],
    }
    return OrgConfig.model_validate(data)


@pytest.fixture
def config() -> OrgConfig:
    return hostile_config()


@pytest.fixture
def standin(standin: SlackStandIn) -> SlackStandIn:
    standin.add_channel("alerts", ALERTS)
    return standin


@pytest.fixture
def urls(bot: OpsBot, server: str) -> dict[str, str]:
    """Each kind's source URL (and the heartbeat's)."""
    found = {kind: url_of(bot, server, source) for kind, source in SOURCES.items()}
    found["heartbeat"] = url_of(bot, server, HEARTBEAT)
    return found


# -- what is drawn -------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=16,
)
# neither NUL nor a lone surrogate, which are refused (test_any_body_... draws those)
words = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8)
short_nasty = st.lists(st.sampled_from(NASTY) | words, max_size=4).map("".join)  # names, keys
nasty_text = short_nasty | st.lists(st.sampled_from(NASTY) | words | st.just(LONG), max_size=4).map(
    "".join
)
label_maps = st.dictionaries(
    st.sampled_from(["alertname", "severity", "team", "instance", "job"]) | short_nasty,
    nasty_text,
    max_size=4,
)
urls_drawn = st.one_of(
    st.just(""),
    st.sampled_from(["https://grafana.example.com/d/x?a=1&b=2", "javascript:alert(1)"]),
    nasty_text.map(lambda text: "https://monitoring.example/" + text),
    nasty_text,
)
group_keys = st.sampled_from(["group-a", "group-b"]) | short_nasty.filter(bool)
statuses = st.sampled_from(["firing", "firing", "resolved"])


@st.composite
def alertmanager_alert(draw: st.DrawFn, grafana: bool = False) -> dict[str, Any]:
    alert = {
        "status": draw(statuses),
        "labels": draw(label_maps),
        "annotations": draw(
            st.fixed_dictionaries({}, optional={"summary": nasty_text, "description": nasty_text})
        ),
        "startsAt": "2026-11-24T07:39:00.123456789Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": draw(urls_drawn),
        "fingerprint": draw(st.sampled_from(["f1", "f2", "f3"]) | short_nasty),
    }
    if grafana:
        alert.update(
            silenceURL=draw(urls_drawn),
            dashboardURL=draw(urls_drawn),
            panelURL=draw(urls_drawn),
            values=draw(st.dictionaries(short_nasty, st.floats(allow_nan=False), max_size=3)),
        )
    return alert


@st.composite
def alertmanager_body(draw: st.DrawFn, grafana: bool = False) -> dict[str, Any]:
    common = draw(label_maps)
    body = {
        "receiver": "opsbot",
        "status": draw(statuses),
        "alerts": draw(st.lists(alertmanager_alert(grafana), min_size=1, max_size=3)),
        "groupLabels": common,
        "commonLabels": {**common, **draw(label_maps)},
        "commonAnnotations": draw(st.dictionaries(st.sampled_from(["summary"]), nasty_text)),
        "externalURL": draw(urls_drawn),
        "version": "1" if grafana else "4",
        "groupKey": draw(group_keys),
        "truncatedAlerts": draw(st.integers(0, 3)),
    }
    if grafana:
        body.update(title=draw(nasty_text), message=draw(nasty_text), state="alerting")
    return body


generic_body = st.fixed_dictionaries(
    {"key": group_keys, "status": statuses},
    optional={
        "summary": nasty_text,
        "severity": nasty_text,
        "labels": label_maps,
        "url": urls_drawn,
    },
)
BODIES = {
    "alertmanager": alertmanager_body(),
    "grafana": alertmanager_body(grafana=True),
    "webhook": generic_body,
}


# -- what reaches Slack --------------------------------------------------------------------

BROADCAST = re.compile(r"<!(channel|here|everyone|subteam)", re.IGNORECASE)
BROADCAST_WORD = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
MARKUP = re.compile(r"<([^<>]*)>")
ALLOWED = re.compile(r"@[UW][A-Z0-9]+|#C[A-Z0-9]+|!date\^[^<>]*")
LINK = re.compile(r"(https?://[^\x00-\x20|<>]+)(?:\|(.*))?", re.DOTALL)


def mrkdwn_texts(value: Any, top: bool = True) -> Iterator[str]:
    """A message's own `text` and the mrkdwn text objects of its blocks (plain_text is shown
    as it is and pings nobody)."""
    if isinstance(value, dict):
        if isinstance(value.get("text"), str) and (top or value.get("type") == "mrkdwn"):
            yield value["text"]
        for key, item in value.items():
            if key != "text" or not isinstance(item, str):
                yield from mrkdwn_texts(item, top=False)
    elif isinstance(value, list):
        for item in value:
            yield from mrkdwn_texts(item, top=False)


def problems_in(text: str) -> list[str]:
    """What in `text` Slack would obey rather than show: a broadcast, or markup that is
    not a mention, a date or a link opsbot made (a monitoring URL is shown under one of
    opsbot's labels; nothing else may link to where the payload says)."""
    found = []
    if BROADCAST.search(text):
        found.append("a broadcast")
    if BROADCAST_WORD.search(MARKUP.sub(lambda m: m.group(1).partition("|")[2], text)):
        found.append("an unbroken @here/@channel/@everyone")  # outside a link's address
    for inner in MARKUP.findall(text):
        if ALLOWED.fullmatch(inner):
            continue
        link = LINK.fullmatch(inner)
        if link is None:
            found.append(f"markup <{inner[:80]}>")
        elif "evil.example" in link.group(1) and link.group(2) not in LINK_LABELS:
            found.append(f"a link to where the payload says <{inner[:80]}>")
    return found


def check_what_was_sent(standin: SlackStandIn, since: int, sent: Any) -> None:
    for call in standin.calls[since:]:
        args = call.decoded_args
        texts: list[str] = []
        if call.method in TEXT_CALLS:
            texts = list(mrkdwn_texts(args))
            assert call.response and call.response.get("ok"), (
                f"Slack refused {call.method}: {call.response} for {sent!r:.300}"
            )
        elif call.method in TOPIC_CALLS:
            texts = [str(args.get("topic") or args.get("purpose") or "")]
        for text in texts:
            problems = problems_in(text)
            assert not problems, f"{call.method} showed {problems} of {sent!r:.300}: {text!r:.500}"


def send(bot: OpsBot, url: str, body: bytes) -> int:
    status, _ = post(url, body)  # urllib's timeout (10 s): a hang fails the test
    assert bot.wait_idle(30), "the app is still busy 30 s after the answer"
    return status


# -- the properties ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [*SOURCES, "heartbeat"])
@settings(SETTINGS, max_examples=25)
@given(
    body=st.one_of(
        json_values.map(lambda value: json.dumps(value).encode()),
        st.binary(max_size=200),
    ),
)
def test_any_body_is_answered_200_or_400(bot, urls, standin, kind, body):
    since = len(standin.calls)
    status = send(bot, urls[kind], body)
    event(f"{kind}: {status}")
    assert status in (200, 400)
    check_what_was_sent(standin, since, body)


@pytest.mark.parametrize("kind", sorted(BODIES))
@settings(SETTINGS, max_examples=40)
@given(data=st.data())
def test_user_text_in_a_taken_body_is_shown_and_never_obeyed(bot, urls, standin, kind, data):
    body = data.draw(BODIES[kind], label="body")
    since = len(standin.calls)
    status = send(bot, urls[kind], json.dumps(body).encode())
    event(f"{kind}: {status}")
    assert status in (200, 400)
    check_what_was_sent(standin, since, body)

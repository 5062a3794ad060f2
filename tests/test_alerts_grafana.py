"""Alerts in from Grafana: the samples in tests/alert_samples/ (written from grafana/alerting's
`receivers/webhook` message) POSTed to a `grafana` source of the running app, with and
without the HMAC signature Grafana's webhook contact point can add (hex HMAC-SHA256 of the
body, or of `timestamp:body` when a timestamp header is configured; grafana/alerting
`http/hmac.go`). What reaches Slack is read in the stand-in."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from freezegun import freeze_time
from sqlalchemy import func, select

from bot.alerts.models import AlertInbox
from bot.app import OpsBot
from bot.config import OrgConfig, example_config_path
from bot.kit.standin import SlackStandIn
from bot.kit.standin.models import Message
from tests.alerts_harness import ALERTS, post, url_of
from tests.conftest import CAROL
from tests.test_alerts_alertmanager import CAROL_ON_STANDBY, pages_to, thread_of, top_level

SAMPLES = Path(__file__).parent / "alert_samples"
SECRET_ENV = "OPSBOT_TEST_GRAFANA_SECRET"
SECRET = "grafana-webhook-secret"
STAMP_HEADER = "X-Grafana-Alerting-Timestamp"
LINK_LABELS = {"Source", "Silence", "Dashboard", "Panel", "Link"}


def grafana_config() -> OrgConfig:
    """The example with three Grafana sources, all paging `platform`: `grafana` (unsigned),
    `grafana-signed` (the signature in Grafana's default header) and `grafana-stamped` (a
    header of its own, and a timestamp header)."""
    data = yaml.safe_load(example_config_path().read_text())
    data["alerts"] = {
        "channel": ALERTS,
        "sources": [
            {"id": "grafana", "kind": "grafana", "roster": "platform"},
            {
                "id": "grafana-signed",
                "kind": "grafana",
                "roster": "platform",
                "grafana_signature": {"secret_env": SECRET_ENV},
            },
            {
                "id": "grafana-stamped",
                "kind": "grafana",
                "roster": "platform",
                "grafana_signature": {
                    "secret_env": SECRET_ENV,
                    "header": "X-Signature",
                    "timestamp_header": STAMP_HEADER,
                },
            },
        ],
    }
    return OrgConfig.model_validate(data)


@pytest.fixture
def config() -> OrgConfig:
    return grafana_config()


@pytest.fixture
def standin(standin: SlackStandIn) -> SlackStandIn:
    standin.add_channel("alerts", ALERTS)
    return standin


@pytest.fixture(autouse=True)
def clock(bot: OpsBot) -> Iterator[Any]:
    """Carol on standby; frozen once the app is built (its database driver imported)."""
    with freeze_time(CAROL_ON_STANDBY) as frozen:
        yield frozen


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    return SECRET


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def signature(body: bytes, key: str = SECRET, timestamp: str | None = None) -> str:
    signed = body if timestamp is None else timestamp.encode() + b":" + body
    return hmac.new(key.encode(), signed, hashlib.sha256).hexdigest()


def send(bot: OpsBot, url: str, body: bytes, headers: dict[str, str] | None = None) -> Any:
    answer = post(url, body, headers)
    assert bot.wait_idle(30)
    return answer


def stored(bot: OpsBot) -> int:
    with bot.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(AlertInbox)) or 0)


# -- what a message shows, as Slack parses it ----------------------------------------------


def mrkdwn_texts(message: Message) -> list[str]:
    """The message's text and every mrkdwn text of its blocks (plain_text is never parsed)."""
    texts = [message.text]

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                texts.append(node["text"])
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)

    walk(message.blocks)
    return texts


MARKUP = re.compile(r"<([^<>]*)>")


def links_in(message: Message) -> list[tuple[str, str]]:
    """Every `<url|label>` of the message as (url as Slack opens it, label)."""
    found = []
    for text in mrkdwn_texts(message):
        for inner in MARKUP.findall(text):
            url, bar, label = inner.partition("|")
            if bar and url.startswith(("http://", "https://")):
                found.append((url.replace("&amp;", "&"), label))
    return found


def assert_markup_is_only_opsbots(message: Message) -> None:
    """Each `<…>` of the message is a link opsbot made (an http(s) address with one of its
    link labels) or a mention: nothing in what Grafana sent became markup of its own."""
    for text in mrkdwn_texts(message):
        assert "<!" not in text, text
        for inner in MARKUP.findall(text):
            if re.fullmatch(r"@[UW][A-Z0-9]+|#C[A-Z0-9]+", inner):
                continue
            url, bar, label = inner.partition("|")
            assert bar and label in LINK_LABELS, inner
            assert re.fullmatch(r"https?://[^\s|]+", url), inner


# -- the samples ---------------------------------------------------------------------------


def test_a_grafana_group_shows_its_title_message_values_and_links(bot, server, standin):
    body = sample("grafana_firing.json")
    assert send(bot, url_of(bot, server, "grafana"), body) == (200, {"ok": True})
    [message] = top_level(standin)
    shown = message.visible_text
    assert "*Firing:* *[FIRING:2] High CPU Platform (critical platform)*" in shown
    assert "2 firing, 0 resolved" in shown
    assert "Value: B=97.2, C=1" in shown  # Grafana's message
    assert "CPU above 90% on web-1" in shown and "CPU above 90% on web-2" in shown
    assert "_B=97.2, C=1_" in shown and "_B=93.05, C=1_" in shown  # each alert's values

    sent = json.loads(body)
    links = links_in(message)
    for alert in sent["alerts"]:
        for key, label in (
            ("dashboardURL", "Dashboard"),
            ("panelURL", "Panel"),
            ("silenceURL", "Silence"),
            ("generatorURL", "Source"),
        ):
            assert (alert[key], label) in links
    assert_markup_is_only_opsbots(message)

    [page] = pages_to(standin, CAROL)
    assert "[FIRING:2] High CPU Platform" in page.visible_text


def test_the_resolved_sample_resolves_the_group_and_stops_the_page(bot, server, standin):
    url = url_of(bot, server, "grafana")
    send(bot, url, sample("grafana_firing.json"))
    assert send(bot, url, sample("grafana_resolved.json"))[0] == 200
    [message] = top_level(standin)
    assert "*Resolved:*" in message.visible_text
    assert "0 firing, 2 resolved" in message.visible_text
    assert "The group resolved" in thread_of(standin, message)[-1].visible_text
    [page] = pages_to(standin, CAROL)
    assert "It resolved; nothing left to do." in page.visible_text


def test_urls_grafana_sends_cannot_break_out_of_their_links(bot, server, standin):
    """A dashboard, panel or silence URL holding `|`, `>` or `<` stays one link to one
    address; a title or message holding markup is shown as text; a URL that is not http(s)
    is not shown."""
    body = json.loads(sample("grafana_firing.json"))
    body["title"] = "<!channel> <https://evil.example|click here> @here"
    body["message"] = "see <https://evil.example|this> & <@U0BOB0001|bob>"
    hostile = body["alerts"][0]
    hostile["dashboardURL"] = "https://grafana.example.com/d/x?a=1|<!channel>&b=2"
    hostile["panelURL"] = "https://grafana.example.com/p>|<https://evil.example|click>"
    hostile["silenceURL"] = "javascript:alert(1)"
    body["alerts"] = [hostile]
    assert send(bot, url_of(bot, server, "grafana"), json.dumps(body).encode())[0] == 200

    [message] = top_level(standin)
    assert_markup_is_only_opsbots(message)
    links = links_in(message)
    assert [label for _, label in links] == ["Source", "Dashboard", "Panel"]
    opened = {label: url for url, label in links}
    assert opened["Dashboard"] == "https://grafana.example.com/d/x?a=1%7C%3C!channel%3E&b=2"
    assert (
        opened["Panel"] == "https://grafana.example.com/p%3E%7C%3Chttps://evil.example%7Cclick%3E"
    )
    shown = message.visible_text
    assert "&lt;!channel&gt; &lt;https://evil.example|click here&gt;" in shown
    assert "@here" not in shown  # broken with a zero-width space


# -- the signature -------------------------------------------------------------------------


def test_a_body_signed_with_the_secret_is_taken(bot, server, standin, secret):
    body = sample("grafana_firing.json")
    headers = {"X-Grafana-Alerting-Signature": signature(body)}
    assert send(bot, url_of(bot, server, "grafana-signed"), body, headers) == (200, {"ok": True})
    assert len(top_level(standin)) == 1 and len(pages_to(standin, CAROL)) == 1


def test_a_signature_over_the_timestamp_and_body_is_taken(bot, server, standin, secret):
    body = sample("grafana_firing.json")
    headers = {"X-Signature": signature(body, timestamp="1796748000"), STAMP_HEADER: "1796748000"}
    assert send(bot, url_of(bot, server, "grafana-stamped"), body, headers)[0] == 200
    assert len(top_level(standin)) == 1


BODY = sample("grafana_firing.json")


@pytest.mark.parametrize(
    ("source", "headers"),
    [
        pytest.param("grafana-signed", {}, id="missing"),
        pytest.param(
            "grafana-signed",
            {"X-Grafana-Alerting-Signature": signature(BODY, key="another-secret")},
            id="another-secret",
        ),
        pytest.param(
            "grafana-signed",
            {"X-Grafana-Alerting-Signature": signature(BODY + b" ")},
            id="another-body",
        ),
        pytest.param(
            "grafana-signed",
            {"X-Grafana-Alerting-Signature": "sha256=" + signature(BODY)},
            id="prefixed",
        ),
        pytest.param("grafana-signed", {"X-Grafana-Alerting-Signature": ""}, id="empty"),
        pytest.param(
            "grafana-stamped",
            {"X-Signature": signature(BODY)},  # the body alone, no timestamp header
            id="no-timestamp",
        ),
        pytest.param(
            "grafana-stamped",
            {"X-Signature": signature(BODY, timestamp="1796748000"), STAMP_HEADER: "1796748001"},
            id="another-timestamp",
        ),
        pytest.param(
            "grafana-stamped",
            {"X-Grafana-Alerting-Signature": signature(BODY)},  # not the header configured
            id="another-header",
        ),
    ],
)
def test_a_wrong_or_missing_signature_is_refused_and_nothing_is_kept(
    bot, server, standin, secret, source, headers
):
    status, answer = send(bot, url_of(bot, server, source), BODY, headers)
    assert status == 400
    assert "signature" in answer["error"] and "\n" not in answer["error"]
    assert stored(bot) == 0
    assert top_level(standin) == [] and pages_to(standin, CAROL) == []


def test_a_source_whose_secret_is_not_set_refuses_saying_so(bot, server, standin, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    headers = {"X-Grafana-Alerting-Signature": signature(BODY)}
    status, answer = send(bot, url_of(bot, server, "grafana-signed"), BODY, headers)
    assert (status, answer) == (
        400,
        {"error": f"the signature cannot be checked: {SECRET_ENV} is not set"},
    )
    assert stored(bot) == 0 and top_level(standin) == []


def test_an_unsigned_source_ignores_a_signature_header(bot, server, standin):
    headers = {"X-Grafana-Alerting-Signature": "not-checked-here"}
    assert send(bot, url_of(bot, server, "grafana"), BODY, headers)[0] == 200
    assert len(top_level(standin)) == 1

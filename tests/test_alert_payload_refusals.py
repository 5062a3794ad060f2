"""Bodies opsbot refuses, each with the one line the route answers 400 with: naming the
field as the body spells it, quoting at most a short, escaped piece of what was sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.payloads import PayloadError, parse

SAMPLES = Path(__file__).parent / "alert_samples"


def sample_body(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((SAMPLES / name).read_bytes())
    return body


def encoded(body: object) -> bytes:
    return json.dumps(body).encode()


LONG = "x" * (16 * 1024 + 1)
REFUSED_BYTES = {
    "not JSON: Expecting value at line 1 column 1": b"",
    "not JSON: Expecting value at line 2 column 12": b'{"key": "k",\n "status": }',
    "not JSON: the body is not UTF-8 (byte 0)": b"\xff\xfe{}",
    "not JSON: NaN is not a JSON value": b'{"key": NaN}',
    "not JSON: nested too deeply": b"[" * 100_000,
    "not JSON: a number has too many digits": b'{"x": ' + b"9" * 5000 + b"}",
    "the body must be a JSON object, not an array": b"[]",
    "the body must be a JSON object, not a string": b'"firing"',
    "the body is over 1 MiB": b" " * (1024 * 1024 + 1),
}
V4 = "(Alertmanager's webhook version 4)"
STATUS = 'alerts[0].status must be "firing" or "resolved"'
TRUNCATED = "truncatedAlerts must be a whole number from 0 to 2147483647"
REFUSED_GROUPS = {  # a change to alertmanager_firing.json, and the line it gets
    'version is missing (Alertmanager\'s webhook sends "4")': {"version": None},
    f'version must be "4" {V4}, not "3"': {"version": "3"},
    f'version must be "4" {V4}, not 4': {"version": 4},
    'status must be "firing" or "resolved", not "broken"': {"status": "broken"},
    "status is missing": {"status": None},
    "groupKey must not be empty": {"groupKey": ""},
    "groupKey is over 1024 characters": {"groupKey": "k" * 1025},
    "groupKey must be a string, not an array": {"groupKey": ["a"]},
    "alerts is missing": {"alerts": None},
    "alerts must be an array, not an object": {"alerts": {}},
    "alerts must hold at least one alert": {"alerts": []},
    "alerts holds 1001 alerts; at most 1000 are read": {"alerts": [{"status": "firing"}] * 1001},
    "alerts[1] must be an object, not a string": {"alerts": [{"status": "firing"}, "x"]},
    "commonLabels.team is not valid Unicode (a lone surrogate)": {
        "commonLabels": {"team": "\ud800"}
    },
    "commonAnnotations.summary holds a NUL character": {"commonAnnotations": {"summary": "a\x00b"}},
    "groupLabels must be an object of strings, not an array": {"groupLabels": []},
    f"{TRUNCATED}, not -1": {"truncatedAlerts": -1},
    f'{TRUNCATED}, not "3"': {"truncatedAlerts": "3"},
    f"{TRUNCATED}, not a number": {"truncatedAlerts": 2.5},
}
REFUSED_ALERTS = {  # a change to the first alert of alertmanager_firing.json
    'alerts[0].status must be "firing" or "resolved", not "pending"': {"status": "pending"},
    "alerts[0].labels must be an object of strings, not a number": {"labels": 7},
    'alerts[0].labels must be an object of strings ("team" is a number)': {"labels": {"team": 7}},
    "alerts[0].labels has a name over 256 characters": {"labels": {"k" * 257: "v"}},
    "alerts[0].annotations.summary is over 16 KiB": {"annotations": {"summary": LONG}},
    'alerts[0].annotations["the\\nsummary"] is over 16 KiB': {
        "annotations": {"the\nsummary": LONG}
    },
    'alerts[0].startsAt must be an RFC 3339 time, not "yesterday"': {"startsAt": "yesterday"},
    "alerts[0].startsAt must be an RFC 3339 time, not a number": {"startsAt": 1764780000},
    'alerts[0].endsAt is not a real time: "2026-02-30T00:00:00Z"': {
        "endsAt": "2026-02-30T00:00:00Z"
    },
    'alerts[0].endsAt is not a real time: "0001-01-01T00:00:00+01:00"': {
        "endsAt": "0001-01-01T00:00:00+01:00"
    },
    'alerts[0].startsAt must be an RFC 3339 time, not "\\u0662026-12-03T16:52:07Z"': {
        "startsAt": "\u0662026-12-03T16:52:07Z"  # an Arabic-Indic digit
    },
    "alerts[0].fingerprint must be a string, not true or false": {"fingerprint": True},
    # a long value is quoted clipped at 40 characters, escapes counted
    f'{STATUS}, not "{("firing" * 9)[:40]}..."': {"status": "firing" * 9},
    STATUS + ', not "' + "\\n" * 20 + '..."': {"status": "\n" * 30},
}
REFUSED_GENERIC = {
    "key is missing": {"status": "firing"},
    "status is missing": {"key": "k"},
    'status must be "firing" or "resolved", not "FIRING"': {"key": "k", "status": "FIRING"},
    "labels must be an object of strings, not an array": {
        "key": "k",
        "status": "firing",
        "labels": ["a"],
    },
    "summary must be a string, not an object": {"key": "k", "status": "firing", "summary": {}},
    "url must be a string, not a number": {"key": "k", "status": "firing", "url": 1},
}


def refused_line(kind: str, body: bytes) -> str:
    with pytest.raises(PayloadError) as refused:
        parse(kind, body)
    return str(refused.value)


@pytest.mark.parametrize(("line", "body"), REFUSED_BYTES.items())
@pytest.mark.parametrize("kind", ["alertmanager", "grafana", "webhook"])
def test_bodies_that_are_not_a_json_object(kind: str, line: str, body: bytes) -> None:
    assert refused_line(kind, body) == line


@pytest.mark.parametrize(("line", "change"), REFUSED_GROUPS.items())
def test_malformed_alertmanager_groups(line: str, change: dict[str, Any]) -> None:
    body = {**sample_body("alertmanager_firing.json"), **change}
    assert refused_line("alertmanager", encoded(body)) == line


@pytest.mark.parametrize(("line", "change"), REFUSED_ALERTS.items())
def test_malformed_alerts(line: str, change: dict[str, Any]) -> None:
    body = sample_body("alertmanager_firing.json")
    body["alerts"][0].update(change)
    assert refused_line("alertmanager", encoded(body)) == line
    grafana = sample_body("grafana_firing.json")
    grafana["alerts"][0].update(change)
    assert refused_line("grafana", encoded(grafana)) == line


@pytest.mark.parametrize(("line", "body"), REFUSED_GENERIC.items())
def test_malformed_generic_bodies(line: str, body: dict[str, Any]) -> None:
    assert refused_line("webhook", encoded(body)) == line


def test_grafana_title_must_be_a_string() -> None:
    body = {**sample_body("grafana_firing.json"), "title": 1}
    assert refused_line("grafana", encoded(body)) == "title must be a string, not a number"


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ({"B": "97.2"}, 'alerts[0].values must be an object of numbers ("B" is a string)'),
        ({"B": True}, 'alerts[0].values must be an object of numbers ("B" is true or false)'),
        ([97.2], "alerts[0].values must be an object of numbers, not an array"),
        ({"B": "1e400"}, "alerts[0].values.B is out of range"),
    ],
)
def test_grafana_values_must_be_numbers(values: object, line: str) -> None:
    body = sample_body("grafana_firing.json")
    body["alerts"][0]["values"] = values
    sent = encoded(body).replace(b'"1e400"', b"1e400")  # a number past float64
    assert refused_line("grafana", sent) == line


def test_an_unknown_kind_is_the_callers_mistake_not_the_bodys() -> None:
    with pytest.raises(ValueError, match="heartbeat") as refused:
        parse("heartbeat", b"{}")
    assert not isinstance(refused.value, PayloadError)

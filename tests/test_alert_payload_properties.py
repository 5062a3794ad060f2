"""Any input at all gives a Notification or a PayloadError with a one-line message, never
another exception: arbitrary bytes, arbitrary JSON values, and real sample bodies with any
one member replaced by an arbitrary JSON value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.alerts.payloads import PayloadError, parse

pytestmark = pytest.mark.slow  # property tests

SAMPLES = Path(__file__).parent / "alert_samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


KINDS = ("alertmanager", "grafana", "webhook")
SAMPLE_NAMES = sorted(path.name for path in SAMPLES.glob("*.json"))
PROPERTY_SETTINGS = settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def field_names() -> list[str]:
    names: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            names.update(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for name in SAMPLE_NAMES:
        walk(json.loads(sample(name)))
    return sorted(names)


FIELD_NAMES = field_names()
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from(["firing", "resolved", "4", "0001-01-01T00:00:00Z", "javascript:x"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.sampled_from(FIELD_NAMES), children, max_size=4)
    ),
    max_leaves=20,
)


def paths_in(value: object, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths_in(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths_in(item, (*prefix, index))
    return found


def replaced(value: Any, path: tuple[str | int, ...], new: object) -> Any:
    """`value` with the member at `path` replaced by `new`."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: replaced(value[head], rest, new)}
    return [replaced(item, rest, new) if i == head else item for i, item in enumerate(value)]


def assert_read_or_refused(kind: str, body: bytes) -> None:
    try:
        notification = parse(kind, body)
    except PayloadError as refused:
        line = str(refused)
        assert line and "\n" not in line and len(line) <= 200, line
        return
    assert notification.group_key and notification.alerts
    for alert in notification.alerts:
        assert alert.fingerprint
        for shown_link in alert.links:
            assert shown_link.url.lower().startswith(("http://", "https://"))


@PROPERTY_SETTINGS
@given(kind=st.sampled_from(KINDS), body=st.binary(max_size=2000))
def test_any_bytes_read_or_refused(kind: str, body: bytes) -> None:
    assert_read_or_refused(kind, body)


@PROPERTY_SETTINGS
@given(kind=st.sampled_from(KINDS), value=json_values)
def test_any_json_value_read_or_refused(kind: str, value: object) -> None:
    assert_read_or_refused(kind, json.dumps(value).encode())


@PROPERTY_SETTINGS
@given(data=st.data(), name=st.sampled_from(SAMPLE_NAMES), new=json_values)
def test_any_field_of_a_real_body_changed_read_or_refused(
    data: st.DataObject, name: str, new: object
) -> None:
    body = json.loads(sample(name))
    path = data.draw(st.sampled_from(paths_in(body)))
    changed = json.dumps(replaced(body, path, new)).encode()
    for kind in KINDS:
        assert_read_or_refused(kind, changed)

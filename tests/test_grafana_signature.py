"""Grafana alerting's optional HMAC signature (grafana/alerting `http/hmac.go`): the hex
HMAC-SHA256 of the body, or of `timestamp:body` when a timestamp header is configured."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from bot.alerts.payloads import verify_grafana_signature

SECRET = "grafana-hmac-secret"
BODY = (Path(__file__).parent / "alert_samples" / "grafana_firing.json").read_bytes()


def signature(message: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def test_signature_over_the_body() -> None:
    headers = {"X-Grafana-Alerting-Signature": signature(BODY)}
    assert verify_grafana_signature(SECRET, BODY, headers)


def test_signature_header_in_any_case() -> None:
    assert verify_grafana_signature(SECRET, BODY, {"x-grafana-alerting-signature": signature(BODY)})
    upper = {"X-GRAFANA-ALERTING-SIGNATURE": signature(BODY).upper()}
    assert verify_grafana_signature(SECRET, BODY, upper)


def test_signature_with_a_timestamp_header() -> None:
    headers = {
        "X-Grafana-Alerting-Signature": signature(b"1764780000:" + BODY),
        "x-grafana-alerting-timestamp": "1764780000",
    }
    assert verify_grafana_signature(
        SECRET, BODY, headers, timestamp_header="X-Grafana-Alerting-Timestamp"
    )
    # The timestamp is part of what is signed: another one does not verify.
    moved = {**headers, "x-grafana-alerting-timestamp": "1764780001"}
    assert not verify_grafana_signature(
        SECRET, BODY, moved, timestamp_header="X-Grafana-Alerting-Timestamp"
    )


def test_signature_in_a_custom_header() -> None:
    headers = {"X-Opsbot-Signature": signature(BODY)}
    assert verify_grafana_signature(SECRET, BODY, headers, header="X-Opsbot-Signature")
    assert not verify_grafana_signature(SECRET, BODY, headers)


@pytest.mark.parametrize(
    ("headers", "timestamp_header"),
    [
        ({}, None),  # no signature
        ({"X-Grafana-Alerting-Signature": ""}, None),
        ({"X-Grafana-Alerting-Signature": signature(BODY, "another-secret")}, None),
        ({"X-Grafana-Alerting-Signature": signature(BODY + b" ")}, None),  # body changed
        ({"X-Grafana-Alerting-Signature": "é" * 64}, None),  # not ASCII: no error
        # a timestamp header is configured, and the request has none
        ({"X-Grafana-Alerting-Signature": signature(BODY)}, "X-Grafana-Alerting-Timestamp"),
        # signed without the timestamp though one is sent
        (
            {"X-Grafana-Alerting-Signature": signature(BODY), "X-Ts": "1764780000"},
            "X-Ts",
        ),
    ],
)
def test_wrong_or_missing_signature(headers: dict[str, str], timestamp_header: str | None) -> None:
    assert not verify_grafana_signature(SECRET, BODY, headers, timestamp_header=timestamp_header)


def test_no_secret_verifies_nothing() -> None:
    assert not verify_grafana_signature(
        "", BODY, {"X-Grafana-Alerting-Signature": signature(BODY, "")}
    )

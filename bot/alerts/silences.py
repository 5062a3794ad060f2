"""Silences through Alertmanager's v2 API (`POST /api/v2/silences`), for the Silence 1h / 4h
/ 24h buttons of an Alertmanager source's alert message.

The base URL is the source's `alertmanager_url` from the configuration, never one taken
from a payload. The standard library's urllib is enough for one JSON POST; the project has
no HTTP client dependency and this adds none.

Refused connections and 5xx answers are tried again twice, shortly (tenacity); a 4xx answer
is never tried again (the same silence would be refused the same way), and neither is a
timeout (Alertmanager may have created the silence before its answer was lost: a second try
could make a second silence). Every failure is a `SilenceError` whose text is one line."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

ATTEMPTS = 3  # the first try and two more, for refused connections and 5xx answers
REASON_LIMIT = 300  # characters of Alertmanager's message kept in an error


class SilenceError(Exception):
    """A silence was not created. `str()` is one line saying why, fit to show in Slack."""


class _Transient(SilenceError):
    """A failure worth one more try: the connection was refused or reset, or a 5xx."""


def create_silence(
    base_url: str,
    matchers: Mapping[str, str],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    created_by: str,
    comment: str,
    *,
    timeout: float = 5.0,
) -> str:
    """Creates a silence of the alerts whose labels equal `matchers` (each an exact,
    equality matcher) from `starts_at` to `ends_at` (aware datetimes) in the Alertmanager at
    `base_url` (`http://alertmanager:9093`, or with its route prefix), and returns its id.
    `timeout` bounds each wait on the socket. Raises `SilenceError` when it was not created."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("starts_at and ends_at must be aware datetimes")
    url = silences_url(base_url)
    body = {
        "matchers": [
            {"name": name, "value": value, "isRegex": False, "isEqual": True}
            for name, value in matchers.items()
        ],
        "startsAt": _rfc3339(starts_at),
        "endsAt": _rfc3339(ends_at),
        "createdBy": created_by,
        "comment": comment,
    }
    try:
        answer = _post_json(url, body, timeout)
    except _Transient as error:
        raise SilenceError(str(error)) from error
    silence_id = answer.get("silenceID") if isinstance(answer, dict) else None
    if not isinstance(silence_id, str) or not silence_id:
        raise SilenceError(f"Alertmanager at {base_url} answered without a silence id")
    return silence_id


def silences_url(base_url: str) -> str:
    """`<base_url>/api/v2/silences`; only http and https URLs are called."""
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SilenceError(f"not an http(s) URL of Alertmanager: {base_url!r}")
    return base_url.rstrip("/") + "/api/v2/silences"


@retry(
    retry=retry_if_exception_type(_Transient),
    stop=stop_after_attempt(ATTEMPTS),
    wait=wait_exponential(multiplier=0.2, max=1.0),
    reraise=True,
)
def _post_json(url: str, body: Mapping[str, Any], timeout: float) -> Any:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    where = _origin(url)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as error:
        reason = _reason(error.read())
        if error.code >= 500:
            raise _Transient(
                f"Alertmanager at {where} failed: HTTP {error.code}: {reason}"
            ) from None
        raise SilenceError(f"Alertmanager at {where} refused the silence: {reason}") from None
    except TimeoutError:
        raise SilenceError(f"Alertmanager at {where} did not answer within {timeout:g}s") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise SilenceError(
                f"Alertmanager at {where} did not answer within {timeout:g}s"
            ) from None
        if isinstance(error.reason, ConnectionRefusedError):
            raise _Transient(f"Alertmanager at {where} refused the connection") from None
        raise _Transient(f"Alertmanager at {where} could not be reached: {error.reason}") from None
    except ConnectionError as error:  # reset or closed while the answer was awaited
        raise _Transient(f"Alertmanager at {where} closed the connection: {error}") from None
    try:
        return json.loads(raw)
    except ValueError:
        raise SilenceError(f"Alertmanager at {where} answered with no JSON") from None


def _reason(raw: bytes) -> str:
    """Alertmanager's message on one line: its JSON string, or the text, else the code's."""
    text = raw.decode(errors="replace").strip()
    try:
        decoded = json.loads(text)
    except ValueError:
        decoded = text
    if isinstance(decoded, dict):  # {"code": ..., "message": ...} from go-swagger
        decoded = decoded.get("message", text)
    line = " ".join(str(decoded).split()) or "no reason given"
    return line if len(line) <= REASON_LIMIT else line[: REASON_LIMIT - 1] + "…"


def _origin(url: str) -> str:
    """scheme://host:port, without any user:password@ the URL holds."""
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}"


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")

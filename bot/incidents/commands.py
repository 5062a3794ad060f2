"""Parsing `/incident` text into commands. A problem raises UsageError with a line saying
what was wrong; the handler replies with it and the usage."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import UsageError
from bot.incidents.models import STATUSES
from bot.slack.escaping import code
from bot.slack.words import person

MAX_TITLE = 150
MAX_TEXT = 3000

USAGE = """\
*/incident* — run an incident
• `/incident` or `/incident declare` — open the declare form
• `/incident declare [sev1-4] TITLE` — declare at once (default sev3; P1–P4 work too)
• `/incident update [INC-n] TEXT` — post a status update
• `/incident status [INC-n] investigating|identified|monitoring|resolved`
• `/incident sev [INC-n] 1-4` — change the severity
• `/incident assign [INC-n] ic|comms @user` — assign a role
• `/incident escalate [INC-n] [TEAM|ROSTER] [REASON]` — page whoever is on standby
• `/incident resolve [INC-n] [SUMMARY]` — resolve it
• `/incident list` — the open incidents
• `/incident show|timeline|postmortem [INC-n]`
Without INC-n, the incident of the channel you type in is meant."""


@dataclass(frozen=True)
class Command:
    name: str
    ref: int | None = None  # INC-n, when given
    severity: str | None = None
    title: str = ""
    text: str = ""
    status: str | None = None
    role: str | None = None
    user: str | None = None
    target: str | None = None


_REF = re.compile(r"^(?:INC-?|#)(\d+)$", re.IGNORECASE)
_LOOKS_LIKE_REF = re.compile(r"^INC\b", re.IGNORECASE)
_SEV = re.compile(r"^(?:sev|p)([1-4])$", re.IGNORECASE)
# Words meant as a severity that is none: sev0, SEV5, sev-1, `sev` alone, P0, P5 (not P99:
# "P99 latency is up" is a title).
_LOOKS_LIKE_SEV = re.compile(r"^(?:sev[-_]?\d*|p[05])$", re.IGNORECASE)
_NO_ARGS = {"list", "help"}
_REF_ONLY = {"show", "timeline", "postmortem"}


def _take_ref(words: list[str]) -> int | None:
    if words and (match := _REF.match(words[0])):
        words.pop(0)
        return int(match.group(1))
    if words and _LOOKS_LIKE_REF.match(words[0]):
        raise UsageError(f"{code(words[0])} is not an incident id; they look like INC-42.")
    return None


def _severity(word: str) -> str | None:
    if match := _SEV.match(word):
        return f"sev{match.group(1)}"
    if word in {"1", "2", "3", "4"}:
        return f"sev{word}"
    return None


def _not_a_severity(words: list[str]) -> str:
    """The line for a severity that is none (`sev0`, `sev 1`, `P5`)."""
    word = words[0]
    if word.lower() == "sev" and len(words) > 1 and words[1].isdigit():
        return (
            f"{code(f'{word} {words[1]}')} is not a severity: write it as one word, "
            f"like `sev{words[1]}`."
        )
    return f"{code(word)} is not a severity: severities are sev1 (worst) to sev4."


def _bounded(text: str, what: str, limit: int) -> str:
    if len(text) > limit:
        raise UsageError(f"The {what} is {len(text)} characters long; the limit is {limit}.")
    return text


def parse(text: str) -> Command:
    words = text.split()
    if not words:
        return Command("declare")
    name = words.pop(0).lower()
    if name in _NO_ARGS:
        if words:
            raise UsageError(f"`{name}` takes no arguments.")
        return Command(name)
    if name in _REF_ONLY:
        if len(words) == 1 and words[0].isdigit():
            words[0] = f"INC-{words[0]}"  # `show 42`: nothing else could be meant
        ref = _take_ref(words)
        if len(words) == 1 and ref is None:
            raise UsageError(f"{code(words[0])} is not an incident id; they look like INC-42.")
        if words:
            raise UsageError(f"`{name}` takes only an incident id, like INC-42.")
        return Command(name, ref=ref)
    if name == "declare":
        return _parse_declare(words)
    if name == "update":
        ref = _take_ref(words)
        body = " ".join(words)
        if not body:
            raise UsageError("`update` needs the text of the update.")
        return Command("update", ref=ref, text=_bounded(body, "update", MAX_TEXT))
    if name == "status":
        ref = _take_ref(words)
        if len(words) != 1 or words[0].lower() not in STATUSES:
            raise UsageError(f"`status` needs one of: {', '.join(STATUSES)}.")
        return Command("status", ref=ref, status=words[0].lower())
    if name in ("sev", "severity"):
        ref = _take_ref(words)
        severity = _severity(words[0]) if len(words) == 1 else None
        if severity is None:
            given = f"{code(' '.join(words))} is not a severity. " if words else ""
            raise UsageError(f"{given}`sev` needs a severity from 1 to 4, like `/incident sev 2`.")
        return Command("sev", ref=ref, severity=severity)
    if name == "assign":
        ref = _take_ref(words)
        if len(words) != 2 or words[0].lower() not in ("ic", "comms"):
            raise UsageError(
                "`assign` needs a role (ic or comms) and a person, like `assign ic @alice`."
            )
        return Command("assign", ref=ref, role=words[0].lower(), user=person(words[1]))
    if name == "escalate":
        ref = _take_ref(words)
        target = words.pop(0).lower() if words else None
        return Command("escalate", ref=ref, target=target, text=" ".join(words))
    if name == "resolve":
        ref = _take_ref(words)
        return Command("resolve", ref=ref, text=_bounded(" ".join(words), "summary", MAX_TEXT))
    raise UsageError(f"{code(name)} is not an /incident command.")


def _parse_declare(words: list[str]) -> Command:
    if not words:
        return Command("declare")
    severity = _severity(words[0]) if _SEV.match(words[0]) else None
    if severity:
        words.pop(0)
    elif _LOOKS_LIKE_SEV.match(words[0]):
        raise UsageError(_not_a_severity(words))
    title = " ".join(words).strip()
    if not title:
        raise UsageError("`declare` needs a title, like `/incident declare sev2 Checkout is slow`.")
    return Command(
        "declare", severity=severity or "sev3", title=_bounded(title, "title", MAX_TITLE)
    )

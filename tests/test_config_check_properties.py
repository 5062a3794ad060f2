"""Property tests of `opsbot config check` through its entry point (`bot.cli.main`): for any
file (the example mutated, YAML pieces, any text, any bytes) it never raises, exits 0 or 1,
and on 1 every error it prints has a `file:line:column` place inside the file; a bad value
put anywhere in the example is reported at its line, all of them in one run."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.config import example_config_path

pytestmark = pytest.mark.slow  # property tests

EXAMPLE = example_config_path().read_text()
EXAMPLE_LINES = EXAMPLE.splitlines(keepends=True)


@pytest.fixture(scope="module")
def path(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("config") / "opsbot.yaml"


def check(path: Path, content: str | bytes) -> tuple[int, list[str], str]:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["config", "check", str(path)])
    return code, out.getvalue().splitlines(), err.getvalue()


def assert_answered(path: Path, content: str | bytes, code: int, lines: list[str], err: str):
    """Valid, or every error at a place inside the file, counted on stderr."""
    assert code in (0, 1), (code, err)
    assert "Traceback" not in err
    if code == 0:
        assert lines == [f"{path} is valid: " + lines[0].split(" is valid: ", 1)[1]]
        assert err == ""
        return
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    line_count = len(text.splitlines()) + 1
    place = re.compile(rf"{re.escape(str(path))}:(\d+):(\d+) \S")
    assert lines
    for line in lines:
        found = place.match(line)
        assert found, line
        assert 1 <= int(found[1]) <= line_count and int(found[2]) >= 1, line
    count = len(lines)
    assert err == f"{count} error{'s' if count != 1 else ''} in {path}\n"


TRICKY = [
    "2026-13-02",
    "2026-02-30",
    "07:30",
    "19:00",
    "25:00",
    "1:00:00",
    "7.30",
    "1e400",
    "0x1f",
    "0o17",
    "08",
    "9" * 5000,
    "-1",
    "yes",
    "~",
    "",
    "null",
    "[]",
    "{}",
    "[a, [b, {c: d}]]",
    "!!int 08",
    "!!bool maybe",
    "!!float x",
    "!!timestamp 2026-13-02",
    "!!binary ###",
    "!!python/object:os.system x",
    "!!set {a, b}",
    "!!omap [a]",
    "&anchor value",
    "*nowhere",
    "<<: *nowhere",
    "'unterminated",
    '"bad \\escape \\q"',
    "|\n  block",
    "[",
    "{",
    ": :",
    "- - -",
    "\t",
    "\x00",
    "\ufeff",
    "é ü 日本",
    "? complex\n: key",
    "%YAML 1.1",
    "--- \n---",
    "...",
]

value = st.one_of(st.sampled_from(TRICKY), st.text(max_size=20))


@st.composite
def mutated_example(draw) -> str:
    """The example with 1 to 4 edits: a value replaced, a line dropped, doubled, indented
    differently or inserted, the text cut short or characters slipped in."""
    lines = list(EXAMPLE_LINES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["value", "drop", "double", "indent", "insert", "cut", "slip"]))
        line = lines[index]
        if edit == "value" and ": " in line:
            key, _ = line.split(": ", 1)
            lines[index] = f"{key}: {draw(value)}\n"
        elif edit == "drop" and len(lines) > 1:
            del lines[index]
        elif edit == "double":
            lines.insert(index, line)
        elif edit == "indent":
            shift = draw(st.integers(-4, 4))
            lines[index] = " " * max(0, shift) + (line[-shift:] if shift < 0 else line)
        elif edit == "insert":
            lines.insert(index, draw(value) + "\n")
        elif edit == "cut":
            lines = [*lines[:index], line[: draw(st.integers(0, len(line)))]]
        elif edit == "slip":
            at = draw(st.integers(0, len(line)))
            lines[index] = line[:at] + draw(value) + line[at:]
    return "".join(lines)


YAML_PIECES = st.lists(
    st.sampled_from(
        [
            "timezone: Asia/Tokyo\n",
            "timezone: [1, 2]\n",
            "channels: {incidents: C0INCIDENT}\n",
            "channels: {incidents: 42}\n",
            "admins: [U0ADMIN01, nope]\n",
            "teams:\n  - {id: a, name: A, pm: U0PM00001, roster: r}\n",
            "teams:\n  - {id: a, name: A, pm: U0PM00001}\n  - {id: a, name: B, pm: x}\n",
            "teams: 7\n",
            "rosters:\n  - id: r\n    name: R\n    channel: C0STAND01\n    members: [U0A00001]\n"
            "    rotation_start: 2026-11-02\n    windows: [{days: [mon], start: 07:30, end: x}]\n",
            "rosters:\n  - {id: r, windows: [{days: [mon], start: 1:00, end: 3:00}, "
            "{days: [mon], start: 2:00, end: 4:00}, 5]}\n",
            "rosters: [7, {id: 8}]\n",
            "loop: {prompt: {day: funday, time: '10:00'}}\n",
            "incidents: {update_reminder_minutes: {sev9: -1, 7: x}}\n",
            "- a list item\n",
            ": : :\n",
            "key: 'unterminated\n",
            "\t tabbed: value\n",
            "&anchor a: *alias\n",
            "base: &b {timezone: UTC}\n",
            "<<: *b\n",
        ]
    ),
    max_size=6,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        mutated_example(),
        YAML_PIECES,
        st.text(max_size=200),
        st.binary(max_size=200),
    )
)
def test_any_file_is_valid_or_every_error_has_its_place(path, content):
    code, lines, err = check(path, content)
    assert_answered(path, content, code, lines, err)


# Values that are wrong for a key: (the line's text in the example, what replaces it). Each
# line is unique in the example.
REMINDERS = '  reminders: [{day: wed, time: "10:00"}]\n'
DIGEST = '  digest: {day: thu, time: "09:00"}\n'
BAD_VALUES = {
    "timezone: Asia/Tokyo\n": ["timezone: Mars/Olympus\n", "timezone: 2026-11-02\n"],
    "  incidents: C0INCIDENT       # every incident is announced here\n": [
        "  incidents: general\n",
        "  incidents: 42\n",
    ],
    "  channel_prefix: inc         # incident channels: inc-42-checkout-is-slow\n": [
        "  channel_prefix: Incidents!\n"
    ],
    "    pm: U0PMSRCH1\n": ["    pm: sam\n", "    pm: yes\n"],
    "    roster: mobile\n": ["    roster: nope\n"],
    "    per_window: 1\n": ["    per_window: 3\n", "    per_window: one\n"],
    "    rotation: day\n": ["    rotation: hourly\n"],
    "    rotation_start: 2026-11-02\n": ["    rotation_start: 2026-13-02\n"],
    "    remind_before_minutes: 30\n": ["    remind_before_minutes: -5\n"],
    '      - {days: [mon, tue, wed, thu, fri], start: "19:00", end: "22:00"}\n': [
        "      - {days: [mon, tue, wed, thu, fri], start: 25:00, end: 22:00}\n",
        "      - {days: [mon, funday], start: 19:00, end: 22:00}\n",
    ],
    "      ack_minutes: 10\n": ["      ack_minutes: 0x10\n", "      ack_minutes: 0\n"],
    "      levels: [primary, secondary, channel]\n": ["      levels: [primary, everyone]\n"],
    "      repeat: 1\n": ["      repeat: 99\n"],
    REMINDERS: ['  reminders: [{day: fri, time: "10:00"}]\n'],  # after the digest
    DIGEST: ['  digest: {day: thu, time: "9h"}\n'],
}
# A rule across fields is judged only where the values it needs are valid: a reminder's
# place in the week is judged against a valid digest.
NEEDS = {REMINDERS: DIGEST}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(sorted(BAD_VALUES)), min_size=1, max_size=5, unique=True).flatmap(
        lambda keys: st.tuples(*(st.sampled_from(BAD_VALUES[key]) for key in keys)).map(
            lambda bad: dict(zip(keys, bad, strict=True))
        )
    )
)
def test_every_bad_value_is_reported_at_its_line_in_one_run(path, replaced):
    lines = list(EXAMPLE_LINES)
    changed = []
    for old, new in replaced.items():
        index = lines.index(old)
        lines[index] = new
        if NEEDS.get(old) not in replaced:
            changed.append(index + 1)
    code, reported, err = check(path, "".join(lines))
    assert code == 1
    assert_answered(path, "".join(lines), code, reported, err)
    lines_reported = {int(line.split(":")[1]) for line in reported}
    assert set(changed) <= lines_reported, (changed, reported)

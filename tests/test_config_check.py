"""`opsbot config check`: every error in one run, each at its `file:line:column`, in words;
errors across fields beside errors of single fields; values as typed, not as YAML 1.1 reads
them; never a traceback, whatever the file holds."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import example_config_path, load_config

EXAMPLE = example_config_path().read_text()


def check(path: Path) -> tuple[int, list[str], str]:
    """`opsbot config check PATH`: (exit status, the lines printed, what went to stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["config", "check", str(path)])
    return code, out.getvalue().splitlines(), err.getvalue()


def write(tmp_path: Path, text: str, name: str = "opsbot.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


MANY_ERRORS = """\
    timezone: Asia/Tokyo
    timezon: Asia/Tokyo
    channels:
      incidents: C0INCIDENT
    teams:
      - id: payments
        name: Payments
        pm: U0PMPAY01
        roster: platform
      - id: payments
        name: Search
        pm: U0PMSRCH1
        roster: plattform
    rosters:
      - id: platform
        name: Platform standby
        channel: C0STANDBY1
        members: [U0ALICE01, U0BOB0001]
        rotation_start: 2026-13-02
        remind_before_minutes: 0x10
        windows:
          - {days: [mon], start: 25:00, end: "09:30"}
          - {days: [mon, tue], start: 07:30, end: 09:30}
          - {days: [tue], start: "08:00", end: "10:00"}
        escalation:
          levels: [primary, sekondary]
          repeat: 1
          repeat: 2
    loop:
      prompt: {day: funday, time: "10:00"}
"""


def test_every_error_is_reported_in_one_run_at_its_place_in_words(tmp_path):
    """Field errors, errors across fields (an id twice, a roster that does not exist,
    overlapping windows), a key typed twice and values YAML 1.1 would have misread: all at
    once, in the order of the file, even though some fields are invalid."""
    path = write(tmp_path, MANY_ERRORS)
    code, lines, err = check(path)
    assert code == 1
    assert lines == [
        f"{path}:2:1 timezon: is not a key opsbot knows here; did you mean 'timezone'? The "
        "keys here are timezone, admins, channels, incidents, teams, rosters, loop, alerts",
        f"{path}:10:9 teams[1].id: team id 'payments' is already the id of teams[0]",
        f"{path}:13:13 teams[1].roster: 'plattform' is not the id of a roster; the rosters are "
        "platform",
        f"{path}:19:21 rosters[0].rotation_start: '2026-13-02' is not a date as YYYY-MM-DD "
        "(month must be in 1..12)",
        f"{path}:20:28 rosters[0].remind_before_minutes: '0x10' is not a whole number",
        f"{path}:22:30 rosters[0].windows[0].start: '25:00' is not a time of day as HH:MM",
        f"{path}:24:9 rosters[0].windows[2]: overlaps windows[1]",
        f"{path}:26:25 rosters[0].escalation.levels[1]: 'sekondary' is not primary, secondary, "
        "channel or a Slack user ID (U…)",
        f"{path}:28:7 rosters[0].escalation.repeat: is given twice in this mapping (first at "
        "line 27); YAML would ignore the first silently: remove one",
        f"{path}:30:17 loop.prompt.day: must be one of 'mon', 'tue', 'wed', 'thu', 'fri', "
        "'sat' or 'sun', not 'funday'",
    ]
    assert err == f"10 errors in {path}\n"


def test_two_teams_with_one_id_are_found_while_a_roster_has_a_bad_time(tmp_path):
    text = EXAMPLE.replace("  - id: search\n", "  - id: payments\n").replace(
        'start: "19:00"', 'start: "25:00"'
    )
    code, lines, _ = check(write(tmp_path, text))
    assert code == 1
    assert [line.split(" ", 1)[1] for line in lines] == [
        "teams[1].id: team id 'payments' is already the id of teams[0]",
        "rosters[0].windows[1].start: '25:00' is not a time of day as HH:MM",
    ]


def test_a_window_past_midnight_reaching_into_the_next_day_is_named(tmp_path):
    text = EXAMPLE.replace(
        '{days: [sat, sun], start: "10:00", end: "13:00"}',
        '{days: [sat, sun], start: "01:00", end: "03:00"}',
    )
    code, lines, _ = check(write(tmp_path, text))
    assert code == 1
    [line] = lines
    assert line.endswith(
        "rosters[1].windows[1]: overlaps windows[0] (a window past midnight reaches into the "
        "next day)"
    )


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        ("start: 07:30, end: 09:30", "07:30–09:30"),
        ("start: 15:00, end: 16:00", "15:00–16:00"),  # YAML 1.1: the integer 900
        ("start: 9:30, end: 10:00", "09:30–10:00"),  # YAML 1.1: the integer 570
    ],
)
def test_unquoted_times_are_read_as_typed(tmp_path, typed, read_as):
    text = EXAMPLE.replace('start: "07:30", end: "09:30"', typed)
    config = load_config(write(tmp_path, text))
    window = config.roster("platform").windows[0]
    assert f"{window.start:%H:%M}–{window.end:%H:%M}" == read_as


@pytest.mark.parametrize(
    ("replace", "by", "error", "at"),
    [
        # YAML 1.1 reads these as numbers or dates and the error echoed something else, or
        # took them for valid values: each is refused in the words typed, at its line (or,
        # for a rule across fields, at the line of the value `at` names).
        ('start: "07:30"', "start: 7:5", "'7:5' is not a time of day as HH:MM", None),
        ('start: "07:30"', "start: 1:00:00", "'1:00:00' is not a time of day as HH:MM", None),
        ('start: "07:30"', "start: 7.30", "'7.30' is not a time of day as HH:MM", None),
        ("ack_minutes: 5", "ack_minutes: 0x10", "'0x10' is not a whole number", None),
        ("ack_minutes: 5", "ack_minutes: 2.5", "'2.5' is not a whole number", None),
        ("rotation_start: 2026-11-02\n    remind", "rotation_start: 2026-02-30\n    remind",
         "'2026-02-30' is not a date as YYYY-MM-DD (day is out of range for month)", None),
        ("rotation_start: 2026-11-02\n    remind", "rotation_start: 2026-11-02 10:00\n    remind",
         "'2026-11-02 10:00' is not a date as YYYY-MM-DD", None),
        ("skip_dates: [2026-12-31", "skip_dates: [2026-13-31", "'2026-13-31' is not a date", None),
        ("name: Payments", "name: 2024", 'must be text, not 2024 (put it in quotes: "2024")', None),
        ("name: Payments", "name: true", 'must be text, not true (put it in quotes: "true")', None),
        ("per_window: 1", "per_window: 3", "per_window: must be 1 or 2, not 3", None),
        ("repeat: 1", "repeat: 1000000", "must be 10 or less, not 1000000", None),
        ("remind_before_minutes: 15", "remind_before_minutes: 99999999999",
         "must be 10080 or less, not 99999999999", None),
        ("sev1: 30", "sev1: 0", "must be more than 0, not 0", None),
        ("sev1: 30", "sev9: 30", "must be one of 'sev1', 'sev2', 'sev3' or 'sev4', not 'sev9'",
         None),
        ("page_on_declare: [sev1]", "page_on_declare: sev1", "must be a list such as [a, b]",
         None),
        ('prompt: {day: mon, time: "10:00"}', "prompt: monday",
         "loop.prompt: must be a mapping of keys to values, not 'monday'", None),
        ("members: [U0ALICE01, U0BOB0001", "members: [U0ALICE01, U0ALICE01",
         "U0ALICE01 is listed more than once", None),
        ("{days: [mon, tue, wed, thu, fri], start: \"07:30\"", "{days: [], start: \"07:30\"",
         "rosters[0].windows[0].days: at least one day is needed", None),
        ("members: [U0FRANK01, U0GRACE01, U0HEIDI01, U0IVAN001]", "members: [U0FRANK01]",
         "rosters[1].per_window: is 2, but the roster has only 1 member to take turns",
         "per_window: 2"),
        ('{days: [fri, sat], start: "22:00", end: "02:00"}',
         '{days: [fri, sat], start: "22:00", end: "22:00"}',
         "rosters[1].windows[0].end: 22:00 is also its start: a window needs a length", None),
        ('reminders: [{day: wed, time: "10:00"}]', 'reminders: [{day: fri, time: "10:00"}]',
         "loop.reminders[0]: fri 10:00 does not fall between the prompt (mon 10:00) and the "
         "digest (thu 09:00)", None),
        ('digest: {day: thu, time: "09:00"}', 'digest: {day: mon, time: "10:00"}',
         "loop.digest: mon 10:00 is the prompt's moment: it must come after it", None),
    ],
)  # fmt: skip
def test_a_bad_value_is_refused_in_the_words_typed_at_its_line(tmp_path, replace, by, error, at):
    assert replace in EXAMPLE
    text = EXAMPLE.replace(replace, by, 1)
    changed = next(i for i, (old, new) in enumerate(zip(EXAMPLE, text, strict=False)) if old != new)
    place = text.index(at, text.index(by)) if at else changed
    line = text[:place].count("\n") + 1
    path = write(tmp_path, text)
    code, lines, _ = check(path)
    assert code == 1
    assert any(
        re.match(rf"{re.escape(str(path))}:{line}:\d+ ", reported) and error in reported
        for reported in lines
    ), (line, lines)


def test_numbers_are_decimal(tmp_path):
    """YAML 1.1 reads `010` as octal 8."""
    text = EXAMPLE.replace("      repeat: 1\n", "      repeat: 010\n")
    assert load_config(write(tmp_path, text)).roster("platform").escalation.repeat == 10


def test_yes_no_on_off_are_text(tmp_path):
    """YAML 1.1 reads `name: No` (Norway's code) and `on` as booleans."""
    text = EXAMPLE.replace("name: Payments", "name: No").replace("name: Search", "name: on")
    config = load_config(write(tmp_path, text))
    assert [team.name for team in config.teams[:2]] == ["No", "on"]


@pytest.mark.parametrize(
    ("content", "line", "error"),
    [
        (b"", "1:1", "the file holds no settings; it needs at least `channels: {incidents: C"),
        (b"# only a comment\n", "1:1", "the file holds no settings"),
        (b"- a list\n", "1:1", "the file must be a mapping of settings (timezone:, channels:, "),
        (b"just words\n", "1:1", "the file must be a mapping of settings"),
        (b"channels:\n  incidents: C0X\xff1\n", "2:17", "is not UTF-8 text (the byte 0xff "),
        (b"channels: {incidents: C0X1}\nteams: [\n", "3:1", "not valid YAML: "),
        (b"channels: {incidents: C0X1}\nname: \x00\n", "2:7", "the character '\\x00' is not "),
        (b"channels: {incidents: !!int 08}\n", "1:23", "not valid YAML: '08' is not a whole"),
        (
            b"channels:\n  incidents: !!python/name:os.system x\n",
            "2:14",
            "not valid YAML: could not determine a constructor for the tag",
        ),
        (b"a: " + b"[" * 2000 + b"\n", "1:1", "not valid YAML: nested too deeply"),
    ],
)
def test_files_that_are_not_a_configuration_are_one_located_error(tmp_path, content, line, error):
    path = tmp_path / "opsbot.yaml"
    path.write_bytes(content)
    code, lines, err = check(path)
    assert code == 1
    [reported] = lines
    assert reported.startswith(f"{path}:{line} {error}")
    assert err == f"1 error in {path}\n"


def test_a_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "opsbot.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.encode())
    assert check(path)[0] == 0


@pytest.mark.parametrize(
    ("name", "error"), [("missing.yaml", "no such file"), (".", "is a directory, not a file")]
)
def test_a_file_that_cannot_be_read_is_one_line(tmp_path, name, error):
    path = tmp_path / name
    code, lines, err = check(path)
    assert (code, lines) == (2, [])
    assert err == f"opsbot: {path}: {error}\n"


def test_aliases_and_merge_keys_work_and_errors_point_into_them(tmp_path):
    text = EXAMPLE.replace(
        "    escalation:\n      ack_minutes: 5\n",
        "    escalation: &fast\n      ack_minutes: 5\n",
    ).replace(
        "    escalation:\n      ack_minutes: 10\n      levels: [primary, secondary, channel]\n"
        "      repeat: 0\n",
        "    escalation:\n      <<: *fast\n      repeat: 0\n",
    )
    config = load_config(write(tmp_path, text))
    assert config.roster("mobile").escalation.levels == ["primary", "secondary", "U0LEAD001"]
    assert config.roster("mobile").escalation.repeat == 0

    bad = text.replace("levels: [primary, secondary, U0LEAD001]", "levels: [primary, nobody]")
    path = write(tmp_path, bad)
    code, lines, _ = check(path)
    line = bad[: bad.index("nobody")].count("\n") + 1
    assert code == 1
    assert [reported.split(" ", 1)[0] for reported in lines] == [f"{path}:{line}:25"] * 2
    assert lines[1].split(" ", 2)[1] == "rosters[1].escalation.levels[1]:"


@pytest.mark.slow
def test_config_check_through_a_real_process_never_prints_a_traceback(tmp_path):
    """The console entry point, as a user runs it, on files that were tracebacks before."""
    cases = {
        "date.yaml": EXAMPLE.replace("rotation_start: 2026-11-02", "rotation_start: 2026-13-02"),
        "bytes.yaml": b"timezone: \xff\xfe\n",
        "tag.yaml": "channels: {incidents: !!bool maybe}\n",
    }
    for name, content in cases.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "config", "check", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        lines = done.stdout.splitlines()
        assert all(re.match(rf"{re.escape(str(path))}:\d+:\d+ ", line) for line in lines)
        count = len(lines)
        assert done.stderr == f"{count} error{'s' if count > 1 else ''} in {path}\n"

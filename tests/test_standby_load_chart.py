"""The load chart: a PNG drawn with matplotlib, which only drawing imports (an idle
`opsbot serve` must stay under its memory goal), without touching matplotlib's global state."""

from __future__ import annotations

import datetime as dt
import struct
import subprocess
import sys
import textwrap

from bot.standby.load import LoadReport, MemberLoad
from bot.standby.load_chart import PNG_SIGNATURE, alt_text, draw, filename

START = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)


def report(*members: MemberLoad) -> LoadReport:
    return LoadReport(
        "platform", "Platform standby", START, START + dt.timedelta(weeks=4), 0.5, [*members]
    )


def run_python(code: str, tmp_path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_building_the_app_does_not_import_matplotlib(tmp_path):
    out = run_python(
        f"""
        import sys
        from bot.app import create_app
        from bot.config import example_config_path, load_config
        from bot.settings import Settings
        import bot.cli, bot.cli_roster, bot.flows.standby_load, bot.standby.load_chart

        settings = Settings(
            _env_file=None,
            slack_bot_token="xoxb-test-token",
            slack_signing_secret="secret",
            slack_api_url="http://127.0.0.1:9/api/",
            database_url="sqlite:///{tmp_path / "idle.db"}",
        )
        app = create_app(settings, load_config(example_config_path()))
        app.close()
        print(sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib"))
        """,
        tmp_path,
    )
    assert out == "[]"


def test_drawing_leaves_pyplot_and_the_backend_alone(tmp_path):
    out = run_python(
        """
        import datetime as dt, sys
        from bot.standby.load import LoadReport, MemberLoad
        from bot.standby.load_chart import draw
        start = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
        members = [MemberLoad("alice", held=dt.timedelta(hours=3), share=1.0, flagged=True)]
        png = draw(LoadReport("p", "P", start, start + dt.timedelta(weeks=1), 0.5, members))
        print("matplotlib.pyplot" in sys.modules, png[:4] == b"\\x89PNG")
        """,
        tmp_path,
    )
    assert out == "False True"


def test_the_chart_is_a_png_as_wide_as_the_roster_needs():
    alice = MemberLoad("alice", held=dt.timedelta(hours=13), share=0.52, flagged=True)
    bob = MemberLoad("bob", held=dt.timedelta(hours=12), share=0.48)
    few = draw(report(alice, bob))
    many = draw(report(*(MemberLoad(f"person{i}") for i in range(8))))
    for png in (few, many):
        assert png.startswith(PNG_SIGNATURE)
    width = struct.unpack(">I", few[16:20])[0]
    assert width == 420  # 1.1 inch a person and 2 more, at 100 dpi
    assert struct.unpack(">I", many[16:20])[0] > width
    assert draw(report()).startswith(PNG_SIGNATURE)  # a roster with nobody: an empty chart


def test_the_charts_alt_text_and_file_name():
    alice = MemberLoad("alice", held=dt.timedelta(hours=13), share=0.52, flagged=True)
    bob = MemberLoad("bob", held=dt.timedelta(hours=12), share=0.48)
    assert alt_text(report(alice, bob), str.title) == (
        "Hours on standby per person, Platform standby, last 4 weeks: Alice 13h (flagged), Bob 12h"
    )
    assert filename(report()) == "standby-load-platform-2026-11-30.png"

"""Settings and the organisation's configuration: clear one-line errors, every config error
with its place in the file."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.config import ConfigError, example_config_path, load_config, parse_config
from bot.settings import SettingsError, load_settings

VALID = example_config_path().read_text()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "DATABASE_URL",
        "OPSBOT_CONFIG",
        "OPSBOT_LOG_FORMAT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_are_the_contracts():
    settings = load_settings()
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///opsbot.db"
    assert settings.opsbot_config == "opsbot.yaml"
    assert settings.opsbot_log_format == "text"
    assert not settings.socket_mode


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "SLACK_BOT_TOKEN is invalid: must be a bot token"),
        ("SLACK_APP_TOKEN", "xoxb-wrong", "SLACK_APP_TOKEN is invalid: must be an app-level token"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL is invalid: must be an http(s) URL"),
        ("DATABASE_URL", "not a url", "DATABASE_URL is invalid: is not a SQLAlchemy URL"),
        ("OPSBOT_LOG_FORMAT", "xml", "OPSBOT_LOG_FORMAT is invalid"),
    ],
)
def test_a_bad_setting_is_named_in_one_line(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\nOPSBOT_LOG_FORMAT=json\n")
    settings = load_settings()
    assert settings.bot_token() == "xoxb-from-dotenv" and settings.opsbot_log_format == "json"


def test_serve_without_token_stops_with_one_line(capsys):
    assert main(["serve"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "opsbot: SLACK_BOT_TOKEN is not set; it is required for this command"


def test_serve_with_missing_config_names_the_setting(monkeypatch, capsys):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("OPSBOT_CONFIG", "missing.yaml")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("opsbot: OPSBOT_CONFIG: missing.yaml") and "\n" not in err


def test_example_config_is_valid_and_realistic():
    config = load_config(example_config_path())
    assert len(config.teams) == 3 and len(config.rosters) == 2
    assert config.team("payments").roster == "platform"
    assert config.roster("platform").windows[0].start.isoformat() == "07:30:00"
    assert config.roster("mobile").windows[0].crosses_midnight


def test_config_check_lists_every_error_with_its_place(tmp_path, capsys):
    bad = VALID.replace("timezone: Asia/Tokyo\n", "timezone: Mars/Olympus\n", 1)
    bad = bad.replace("incidents: C0INCIDENT", "incidents: general")
    bad = bad.replace('start: "19:00"', 'start: "25:00"')
    path = tmp_path / "bad.yaml"
    path.write_text(bad)

    assert main(["config", "check", str(path)]) == 1
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert len(lines) == 3
    assert any(
        f"{path}:4:" in line and "timezone" in line and "Mars/Olympus" in line for line in lines
    )
    assert any(
        "channels.incidents" in line and "'general' is not a Slack channel ID" in line
        for line in lines
    )
    assert any("rosters[0].windows[1].start" in line and "'25:00'" in line for line in lines)
    assert "3 errors" in out.err


def test_config_check_accepts_the_example(capsys):
    assert main(["config", "check", str(example_config_path())]) == 0
    assert "valid: 3 teams, 2 rosters" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("channels: [", "not valid YAML"),
        ("- a list", "must be a YAML mapping"),
        (
            "channels: {incidents: C0X1}\nteams:\n  - {id: a, name: A, pm: U0A1, roster: nope}\n",
            "names roster 'nope'",
        ),
        (
            "channels: {incidents: C0X1}\nfavourite_colour: blue\n",
            "favourite_colour: Extra inputs are not permitted",
        ),
    ],
)
def test_config_errors(text, message):
    with pytest.raises(ConfigError) as raised:
        parse_config(text, "opsbot.yaml")
    assert message in str(raised.value)


def test_unquoted_times_are_read_as_times():
    config = parse_config(VALID.replace('start: "07:30"', "start: 07:30"))
    assert config.roster("platform").windows[0].start.isoformat() == "07:30:00"


def test_db_upgrade_creates_the_schema(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0  # idempotent
    import sqlite3

    tables = {
        r[0]
        for r in sqlite3.connect(tmp_path / "fresh.db").execute("select name from sqlite_master")
    }
    assert {"incidents", "incident_events", "deliveries", "alembic_version"} <= tables
    mode = sqlite3.connect(tmp_path / "fresh.db").execute("pragma journal_mode").fetchone()[0]
    assert mode == "wal"


YAML_PIECES = st.sampled_from(
    [
        "timezone: Asia/Tokyo\n",
        "timezone: [1, 2]\n",
        "channels: {incidents: C0INCIDENT}\n",
        "channels: {incidents: 42}\n",
        "admins: [U0ADMIN01, nope]\n",
        "teams:\n  - {id: a, name: A, pm: U0PM00001, roster: r}\n",
        "teams: 7\n",
        "rosters:\n  - id: r\n    name: R\n    channel: C0STAND01\n    members: [U0A00001]\n"
        "    rotation_start: 2026-11-02\n    windows: [{days: [mon], start: '07:30', end: x}]\n",
        "loop: {prompt: {day: funday, time: '10:00'}}\n",
        "incidents: {update_reminder_minutes: {sev9: -1}}\n",
        "- a list item\n",
        ": : :\n",
        "key: 'unterminated\n",
        "\t tabbed: value\n",
        "&anchor a: *alias\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(YAML_PIECES, max_size=6).map("".join)))
def test_any_configuration_text_loads_or_lists_located_errors(text):
    try:
        parse_config(text, "fuzz.yaml")
    except ConfigError as exc:
        assert exc.problems and all(str(p).startswith("fuzz.yaml") for p in exc.problems)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql+psycopg://opsbot:hunter2@127.0.0.1:{port}/opsbot", "Connection refused"),
        ("sqlite:///{tmp}/no-such-dir/opsbot.db", "unable to open database file"),
    ],
)
def test_an_unreachable_database_is_one_line_naming_the_setting(
    monkeypatch, capsys, tmp_path, url, reason
):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("DATABASE_URL", url.format(port=port, tmp=tmp_path))
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("opsbot: DATABASE_URL: cannot connect to ") and "\n" not in err
    assert reason in err
    assert "hunter2" not in err

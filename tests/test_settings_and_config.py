"""Settings: a missing or invalid one stops `opsbot serve`, `opsbot clock` and `opsbot db
upgrade` with one line naming it, never a traceback. (`opsbot config check` and the
configuration's errors: tests/test_config_check.py.)"""

from __future__ import annotations

import socket

import pytest

from bot.cli import main
from bot.config import example_config_path, load_config
from bot.settings import SettingsError, load_settings


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
        "OPSBOT_PUBLIC_URL",
        "PORT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_are_the_contracts():
    settings = load_settings()
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///opsbot.db"
    assert settings.opsbot_config == "opsbot.yaml"
    assert settings.opsbot_log_format == "text"
    assert settings.port is None  # serve listens on 3000
    assert not settings.socket_mode


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "SLACK_BOT_TOKEN is invalid: must be a bot token"),
        ("SLACK_APP_TOKEN", "xoxb-wrong", "SLACK_APP_TOKEN is invalid: must be an app-level token"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL is invalid: must be an http(s) URL"),
        ("DATABASE_URL", "not a url", "DATABASE_URL is invalid: is not a SQLAlchemy URL"),
        ("OPSBOT_LOG_FORMAT", "xml", "OPSBOT_LOG_FORMAT is invalid"),
        ("PORT", "abc", "PORT is invalid: 'abc' is not a port number (1 to 65535)"),
        ("PORT", "70000", "PORT is invalid: '70000' is not a port number (1 to 65535)"),
        (
            "DATABASE_URL",
            "mysql://opsbot:hunter2@db/opsbot",
            "DATABASE_URL is invalid: mysql:// needs the driver module MySQLdb, which is not "
            "installed",
        ),
        (
            "DATABASE_URL",
            "postgresql+asyncpg://opsbot@db/opsbot",
            "DATABASE_URL is invalid: postgresql+asyncpg:// is an asyncio driver; opsbot "
            "needs a synchronous one, such as postgresql+psycopg://",
        ),
        (
            "DATABASE_URL",
            "postgresql+psycopg2://opsbot@db/opsbot",
            "DATABASE_URL is invalid: postgresql+psycopg2:// needs the driver module psycopg2, "
            "which is not installed (or use postgresql+psycopg://: pip install "
            "'opsbot[postgres]')",
        ),
        (
            "DATABASE_URL",
            "cockroach://db/opsbot",
            "DATABASE_URL is invalid: cockroach:// is not a database SQLAlchemy knows",
        ),
    ],
)
def test_a_bad_setting_is_named_in_one_line(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_a_port_is_read_as_a_number(monkeypatch):
    monkeypatch.setenv("PORT", " 8080 ")
    assert load_settings().port == 8080
    monkeypatch.setenv("PORT", "")  # as unset
    assert load_settings().port is None


PORT_LINE = "opsbot: PORT is invalid: 'abc' is not a port number (1 to 65535)"
MYSQL_LINE = (
    "opsbot: DATABASE_URL is invalid: mysql:// needs the driver module MySQLdb, which is not "
    "installed"
)
ASYNCPG_LINE = (
    "opsbot: DATABASE_URL is invalid: postgresql+asyncpg:// is an asyncio driver; opsbot needs "
    "a synchronous one, such as postgresql+psycopg://"
)


@pytest.mark.parametrize(
    ("command", "name", "value", "line"),
    [
        (["serve"], "PORT", "abc", PORT_LINE),
        *(
            (command, "DATABASE_URL", url, line)
            for command in (["serve"], ["clock"], ["db", "upgrade"])
            for url, line in (
                ("mysql://opsbot:hunter2@db/opsbot", MYSQL_LINE),
                ("postgresql+asyncpg://opsbot:hunter2@db/opsbot", ASYNCPG_LINE),
            )
        ),
    ],
)
def test_a_bad_port_or_database_driver_stops_the_command_with_one_line(
    monkeypatch, capsys, command, name, value, line
):
    """Everything else is in order: without the bad setting each command would start."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("OPSBOT_CONFIG", str(example_config_path()))
    monkeypatch.setenv(name, value)
    assert main(command) == 2
    out = capsys.readouterr()
    assert out.err.strip() == line and out.out == ""
    assert "hunter2" not in out.err


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\nOPSBOT_LOG_FORMAT=json\n")
    settings = load_settings()
    assert settings.bot_token() == "xoxb-from-dotenv" and settings.opsbot_log_format == "json"


def test_a_dotenv_file_that_is_not_utf8_is_one_line(tmp_path, capsys):
    (tmp_path / ".env").write_bytes(b"OPSBOT_LOG_FORMAT=json\nSLACK_BOT_TOKEN=xoxb-\xff\n")
    assert main(["db", "upgrade"]) == 2
    assert capsys.readouterr().err == (
        "opsbot: .env is not UTF-8 text (the byte 0xff at byte 45 cannot be read)\n"
    )


def test_config_check_needs_no_other_setting(monkeypatch, capsys):
    """It reads OPSBOT_CONFIG and nothing else: a CI job checking the file needs neither
    the tokens nor the database's driver."""
    monkeypatch.setenv("OPSBOT_CONFIG", str(example_config_path()))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-a-user-token")
    monkeypatch.setenv("DATABASE_URL", "mysql://opsbot@db/opsbot")
    monkeypatch.setenv("PORT", "abc")
    assert main(["config", "check"]) == 0
    out = capsys.readouterr()
    assert out.out == f"{example_config_path()} is valid: 3 teams, 2 rosters\n"
    assert out.err == ""


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
    assert err == "opsbot: OPSBOT_CONFIG: missing.yaml: no such file"


def test_serve_with_an_invalid_config_names_the_first_problem_and_counts_the_rest(
    monkeypatch, capsys, tmp_path
):
    path = tmp_path / "opsbot.yaml"
    path.write_text("channels: {incidents: general}\ntimezone: Mars/Olympus\n")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("OPSBOT_CONFIG", str(path))
    assert main(["serve"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"opsbot: OPSBOT_CONFIG: {path}:1:23 channels.incidents: 'general' is not a Slack "
        "channel ID (C…) (and 1 more; run `opsbot config check`)"
    )


def test_example_config_is_valid_and_realistic():
    config = load_config(example_config_path())
    assert len(config.teams) == 3 and len(config.rosters) == 2
    assert config.team("payments").roster == "platform"
    assert config.roster("platform").windows[0].start.isoformat() == "07:30:00"
    assert config.roster("mobile").windows[0].crosses_midnight


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

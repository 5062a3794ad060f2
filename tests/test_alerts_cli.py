"""`opsbot alerts url SOURCE`: a secret URL per source; asking again rotates it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.alerts.tokens import source_for_token, token_from_path
from bot.cli import main
from bot.db.engine import Database

ROOT_EXAMPLE = Path(__file__).resolve().parent.parent / "opsbot.example.yaml"


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("OPSBOT_CONFIG", str(ROOT_EXAMPLE))  # it has an alerts: section
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("OPSBOT_PUBLIC_URL", "https://opsbot.example.com/")
    monkeypatch.chdir(tmp_path)
    return url


def issued(capsys) -> tuple[str, str]:
    assert main(["alerts", "url", "prometheus"]) == 0
    out, err = capsys.readouterr()
    return out.strip(), err


def test_the_url_opens_its_source_until_it_is_asked_for_again(env, capsys):
    first, err = issued(capsys)
    assert first.startswith("https://opsbot.example.com/alerts/")
    assert "webhook_configs" in err and "previous URL" not in err
    db = Database(env)
    try:
        old_token = token_from_path(first.removeprefix("https://opsbot.example.com"))
        assert source_for_token(db, old_token) == "prometheus"
        second, err = issued(capsys)
        assert "The source's previous URL no longer works." in err
        new_token = token_from_path(second.removeprefix("https://opsbot.example.com"))
        assert new_token != old_token
        assert source_for_token(db, old_token) is None
        assert source_for_token(db, new_token) == "prometheus"
        assert source_for_token(db, new_token[:-1] + "x") is None
    finally:
        db.dispose()


def test_an_unknown_source_is_one_line_naming_the_known_ones(env, capsys):
    assert main(["alerts", "url", "nope"]) == 2
    _, err = capsys.readouterr()
    assert err.strip() == (
        "opsbot: there is no alert source 'nope'; sources: prometheus, grafana, nightly-backup"
    )

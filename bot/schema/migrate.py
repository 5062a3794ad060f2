"""Alembic migrations, run from code (`opsbot db upgrade`, and at the start of serve/clock)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.db.engine import make_engine
from bot.settings import SettingsError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def check_reachable(url: str) -> None:
    """A database that cannot be reached at start is one line naming DATABASE_URL (with
    its password hidden), not a page of traceback."""
    engine = make_engine(url)
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        where = make_url(url).render_as_string(hide_password=True)
        raise SettingsError(f"DATABASE_URL: cannot connect to {where}: {reason}") from None
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    check_reachable(url)
    command.upgrade(alembic_config(url), revision)

"""Database: engine, session factory, models and migrations."""

from bot.db.engine import Database, make_engine

__all__ = ["Database", "make_engine"]

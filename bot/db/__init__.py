"""Database plumbing: engine, sessions, column types (the schema and its migrations: bot.schema)."""

from bot.db.engine import Database, make_engine

__all__ = ["Database", "make_engine"]

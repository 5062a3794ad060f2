"""Writes that say what they did, for SQLite and PostgreSQL alike: an insert unless the row
exists, and the rows an UPDATE or DELETE matched."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Delete, FromClause, Insert, Table, Update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_if_absent(session: Session, table: FromClause, values: dict[str, Any]) -> bool:
    """Insert a row unless one with the same unique key exists; True if this call inserted it.
    `table` is a mapped class's `__table__` (which SQLAlchemy types as any FROM clause)."""
    assert isinstance(table, Table)
    dialect = session.get_bind().dialect.name
    statement: Insert
    if dialect == "sqlite":
        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "postgresql":
        statement = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    else:
        raise NotImplementedError(f"insert_if_absent does not support {dialect}")
    # RETURNING, not rowcount: with an implicit RETURNING, psycopg reports rowcount -1.
    result = session.execute(statement.returning(*table.primary_key.columns))
    return result.first() is not None


def rows_matched(session: Session, statement: Update | Delete) -> int:
    """Run an UPDATE or DELETE; how many rows it matched. (`Session.execute` is typed as
    returning a `Result`; for these statements it is a `CursorResult`, which counts them.)"""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount

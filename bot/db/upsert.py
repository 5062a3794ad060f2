"""Insert-if-absent on a unique key, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_if_absent(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """Insert a row unless one with the same unique key exists; True if this call inserted it."""
    dialect = session.get_bind().dialect.name
    builder = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
    if builder is None:
        raise NotImplementedError(f"insert_if_absent does not support {dialect}")
    # RETURNING, not rowcount: with an implicit RETURNING, psycopg reports rowcount -1.
    statement = builder(table).values(**values).on_conflict_do_nothing()
    result = session.execute(statement.returning(*table.primary_key.columns))
    return result.first() is not None

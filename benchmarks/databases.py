"""PostgreSQL for the benchmarks: a schema of the run's own, and whether a server answers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """An empty schema of this run's own in `base_url`, dropped afterwards; a URL using it."""
    schema = f"opsbot_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = create_engine(base_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        joiner = "&" if "?" in base_url else "?"
        yield f"{base_url}{joiner}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()


def postgres_problem(url: str) -> str | None:
    """Why PostgreSQL at `url` cannot be used (None when it answers)."""
    if not url:
        return "no --ack-postgres-url"
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means: skip it, saying why
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None

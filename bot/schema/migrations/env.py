"""Alembic environment: batch mode so SQLite can alter tables."""

from alembic import context
from sqlalchemy import text

from bot.db.engine import make_engine
from bot.schema.models import Base

config = context.config
LOCK_KEY = 0x6F707362  # "opsb": the advisory lock migrations take on PostgreSQL


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """One process at a time: replicas starting together (or a new clock starting before
    the old one stops) each run the migrations at start. On PostgreSQL a transaction-level
    advisory lock serialises them; on SQLite the transaction begins IMMEDIATE, which does.
    Whoever comes second reads the version after the first has committed and has nothing
    left to do."""
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("no sqlalchemy.url: bot.schema.migrate.alembic_config sets it")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=Base.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

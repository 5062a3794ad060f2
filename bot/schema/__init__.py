"""The database's schema: every domain's tables in one registry (`models`), their history as
Alembic migrations (`migrations/`) and the code that applies them (`migrate`).

It stands above the domains, whose models it gathers, and above `bot.db`, the plumbing that
every domain uses (engine, sessions, column types)."""

"""Each source's secret URL, `/alerts/<token>`: the token is `secrets.token_urlsafe` (256
bits), only its SHA-256 is stored, and issuing a token again replaces the old one, whose URL
stops working at once. A token is found by its hash and the hash compared in constant time."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from sqlalchemy import select

from bot.alerts.models import AlertSourceToken
from bot.db.engine import Database

TOKEN_BYTES = 32
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
PATH_PREFIX = "/alerts/"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def alerts_url(token: str, public_url: str | None = None) -> str:
    """The source's full URL under `public_url` (OPSBOT_PUBLIC_URL), else only its path."""
    return (public_url or "").rstrip("/") + PATH_PREFIX + token


def token_from_path(path: str) -> str | None:
    """The token of an `/alerts/<token>` path, or None if the path is not one."""
    if not path.startswith(PATH_PREFIX):
        return None
    token = path[len(PATH_PREFIX) :]
    return token if _TOKEN.fullmatch(token) else None


def issue_token(db: Database, source_id: str, now: dt.datetime) -> str:
    """A new secret token for `source_id`; any earlier one stops working. Only its hash is
    kept: show the token to whoever asked, now."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with db.session() as session:
        row = session.get(AlertSourceToken, source_id)
        if row is None:
            session.add(
                AlertSourceToken(source_id=source_id, token_hash=hash_token(token), issued_at=now)
            )
        else:
            row.token_hash, row.issued_at = hash_token(token), now
    return token


def has_token(db: Database, source_id: str) -> bool:
    """Whether a URL was ever issued for this source."""
    with db.read() as session:
        return session.get(AlertSourceToken, source_id) is not None


def source_for_token(db: Database, token: str | None) -> str | None:
    """The id of the source this token opens, or None (wrong, rotated or malformed)."""
    if not token or not _TOKEN.fullmatch(token):
        return None
    digest = hash_token(token)
    with db.read() as session:
        row = session.scalar(select(AlertSourceToken).where(AlertSourceToken.token_hash == digest))
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return row.source_id

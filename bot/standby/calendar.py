"""ICS calendar feeds of standby shifts: one roster's, or one person's across all rosters.

A feed is reached at ``/calendar/<token>.ics``. The token is a secret (``secrets.token_urlsafe``,
192 bits); only its SHA-256 is stored (``CalendarFeed.token_hash``), so a token cannot be shown
again once issued. Issuing a feed's token again replaces the old one (rotation): the old URL
stops working at once. A wrong, missing or malformed token is answered like any unknown path
(404), so the route does not tell anyone which feeds exist.

A feed holds the shifts from ``PAST`` ago to ``AHEAD`` from now, with overrides and swaps
applied. Each event's UID is the occurrence key plus the start of the piece (an override can
cut an occurrence in pieces) plus whose feed it is, so calendar apps update events on refresh
rather than duplicate them. Times are in UTC; people are named by their Slack IDs, since a
calendar app cannot resolve mentions.

    issue_feed(db, "roster", "platform", now) -> token     (replaces any earlier token)
    feed_for_token(db, token) -> CalendarFeed | None
    calendar_ics(service, feed, now) -> bytes
    feed_url(token, public_url) -> "https://opsbot.example.com/calendar/<token>.ics"
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from icalendar import Alarm, Calendar, Event, vDuration
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.db.upsert import rows_matched
from bot.standby.describe import describe_origin, format_span
from bot.standby.models import CalendarFeed

if TYPE_CHECKING:
    from bot.config import Roster
    from bot.db.engine import Database
    from bot.standby.schedule import Origin, Shift
    from bot.standby.service import StandbyService

Kind = Literal["roster", "person"]
KINDS: tuple[Kind, ...] = ("roster", "person")
PAST = dt.timedelta(days=30)
AHEAD = dt.timedelta(days=180)
CACHE_SECONDS = 300  # how long a client or proxy may reuse a fetched feed
REFRESH = dt.timedelta(minutes=30)  # the refresh interval suggested to calendar apps
CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//opsbot//standby calendar//EN"
UID_DOMAIN = "opsbot"

TOKEN_BYTES = 24
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_PATH = re.compile(r"^/calendar/([^/]*)\.ics$")
_SUBJECT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PERSON_ID = re.compile(r"^[UW][A-Z0-9]{2,63}$")


class FeedError(ValueError):
    """A feed that cannot be issued (unknown kind, malformed subject)."""


# -- tokens ---------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_from_path(path: str) -> str | None:
    """The token of a ``/calendar/<token>.ics`` path, or None if the path is not one."""
    match = _PATH.match(path)
    if match is None or not _TOKEN.match(match.group(1)):
        return None
    return match.group(1)


def feed_path(token: str) -> str:
    return f"/calendar/{token}.ics"


def feed_url(token: str, public_url: str | None = None) -> str:
    """The feed's full URL under ``public_url`` (``OPSBOT_PUBLIC_URL``), else only its path."""
    return (public_url or "").rstrip("/") + feed_path(token)


def _check(kind: str, subject: str) -> None:
    if kind not in KINDS:
        raise FeedError(f"a calendar feed is of a roster or a person, not {kind!r}")
    if kind == "person" and not PERSON_ID.match(subject):
        raise FeedError(f"{subject!r} is not a Slack user ID like U0ALICE01")
    if kind == "roster" and not _SUBJECT.match(subject):
        raise FeedError(f"{subject!r} is not a roster id")


def find_feed(db: Database, kind: str, subject: str) -> CalendarFeed | None:
    """The feed of this roster or person, if a token was ever issued for it."""
    with db.read() as session:
        return session.scalars(
            select(CalendarFeed).where(CalendarFeed.kind == kind, CalendarFeed.subject == subject)
        ).one_or_none()


def issue_feed(db: Database, kind: str, subject: str, now: dt.datetime) -> str:
    """A new secret token for the feed of roster ``subject`` (kind ``roster``) or of user
    ``subject`` (kind ``person``). Any earlier token of that feed stops working. Returns the
    token; only its hash is kept, so show it (``feed_url``) to the person who asked, now
    (``now``: when it is issued)."""
    _check(kind, subject)
    for attempt in range(2):  # two issuing at once: the loser of the insert updates instead
        token = secrets.token_urlsafe(TOKEN_BYTES)
        try:
            with db.session() as session:
                feed = session.scalars(
                    select(CalendarFeed).where(
                        CalendarFeed.kind == kind, CalendarFeed.subject == subject
                    )
                ).one_or_none()
                if feed is None:
                    session.add(
                        CalendarFeed(
                            kind=kind,
                            subject=subject,
                            token_hash=hash_token(token),
                            created_at=now,
                        )
                    )
                else:
                    feed.token_hash = hash_token(token)
                    feed.created_at = now
            return token
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def revoke_feed(db: Database, kind: str, subject: str) -> bool:
    """Make the feed's URL stop working without issuing a new one; False if there was none."""
    with db.session() as session:
        deleted = rows_matched(
            session,
            delete(CalendarFeed).where(CalendarFeed.kind == kind, CalendarFeed.subject == subject),
        )
        return bool(deleted)


def feed_for_token(db: Database, token: str | None) -> CalendarFeed | None:
    """The feed this token opens, or None (wrong, rotated, revoked or malformed token)."""
    if not token or not _TOKEN.match(token):
        return None
    digest = hash_token(token)
    with db.read() as session:
        feed = session.scalars(
            select(CalendarFeed).where(CalendarFeed.token_hash == digest)
        ).one_or_none()
    if feed is None or not hmac.compare_digest(feed.token_hash, digest):
        return None
    return feed


# -- the calendar ---------------------------------------------------------------------------


def plain_origin(origin: Origin | None) -> str:
    """``covering for U0CAROL01, override by U0ADMIN01``; empty for the rotation."""
    return describe_origin(origin, str, plain=True)


def _person(user: str, role: str, origin: Origin | None) -> str:
    text = f"{user} ({role})"
    if how := plain_origin(origin):
        text += f", {how}"
    return text


def _roles(shift: Shift) -> list[tuple[str, str, Origin | None]]:
    found: list[tuple[str, str, Origin | None]] = [(shift.primary, "primary", shift.primary_origin)]
    if shift.secondary is not None:
        found.append((shift.secondary, "secondary", shift.secondary_origin))
    return found


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass
class _Stint:
    """One person's time on one occurrence: neighbouring pieces in which they hold the same
    role for the same reason are one event in their feed."""

    roster: Roster
    role: str
    origin: Origin | None
    pieces: list[Shift]

    @property
    def starts_at(self) -> dt.datetime:
        return self.pieces[0].starts_at

    @property
    def ends_at(self) -> dt.datetime:
        return self.pieces[-1].ends_at


def _stints(
    service: StandbyService, user: str, start: dt.datetime, end: dt.datetime
) -> list[_Stint]:
    stints: list[_Stint] = []
    for roster in service.config.rosters:
        for shift in service.shifts(roster, start, end):
            for person, role, origin in _roles(shift):
                if person != user:
                    continue
                last = stints[-1] if stints else None
                if (
                    last is not None
                    and last.pieces[-1].key == shift.key
                    and last.ends_at == shift.starts_at
                    and (last.role, last.origin) == (role, origin)
                ):
                    last.pieces.append(shift)
                else:
                    stints.append(_Stint(roster, role, origin, [shift]))
    return sorted(stints, key=lambda s: s.starts_at)


def _new_calendar(name: str, description: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-caldesc", description)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    return calendar


def _event(uid: str, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(dt.UTC).replace(microsecond=0))
    event.add("dtstart", starts_at.astimezone(dt.UTC))
    event.add("dtend", ends_at.astimezone(dt.UTC))
    return event


def _roster_calendar(service: StandbyService, feed: CalendarFeed, now: dt.datetime) -> Calendar:
    roster = service.config.roster(feed.subject)
    name = roster.name if roster else feed.subject
    calendar = _new_calendar(name, f"Who is on standby on {name} (opsbot)")
    if roster is None:  # no longer configured: an empty calendar clears the events
        return calendar
    zone = service.zone(roster)
    for shift in service.shifts(roster, now - PAST, now + AHEAD):
        roles = _roles(shift)
        uid = f"{shift.key}/{_stamp(shift.starts_at)}/roster@{UID_DOMAIN}"
        event = _event(uid, shift.starts_at, shift.ends_at, now)
        event.add("summary", "Standby: " + ", ".join(f"{user} ({role})" for user, role, _ in roles))
        lines = [
            f"{roster.name}: {format_span(shift.starts_at, shift.ends_at, zone)}",
            *(_person(*p) for p in roles),
        ]
        if shift.is_piece:
            window = format_span(shift.window_starts_at, shift.window_ends_at, zone)
            lines.append(f"Part of the window {window}.")
        event.add("description", "\n".join(lines))
        calendar.add_component(event)
    return calendar


def _person_calendar(service: StandbyService, feed: CalendarFeed, now: dt.datetime) -> Calendar:
    user = feed.subject
    calendar = _new_calendar(f"Standby: {user}", f"The standby shifts of {user} (opsbot)")
    for stint in _stints(service, user, now - PAST, now + AHEAD):
        roster, zone = stint.roster, service.zone(stint.roster)
        first = stint.pieces[0]
        event = _event(
            f"{first.key}/{_stamp(stint.starts_at)}/{user}@{UID_DOMAIN}",
            stint.starts_at,
            stint.ends_at,
            now,
        )
        event.add("summary", f"Standby: {roster.name} ({stint.role})")
        lines = [
            f"{roster.name}: {format_span(stint.starts_at, stint.ends_at, zone)}",
            _person(user, stint.role, stint.origin),
        ]
        for piece in stint.pieces:
            others = [_person(*p) for p in _roles(piece) if p[0] != user]
            if not others:
                continue
            when = (
                f" ({format_span(piece.starts_at, piece.ends_at, zone)})"
                if len(stint.pieces) > 1
                else ""
            )
            lines.append(f"With {', '.join(others)}{when}")
        event.add("description", "\n".join(lines))
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -dt.timedelta(minutes=roster.remind_before_minutes))
        alarm.add(
            "description",
            f"Standby on {roster.name} ({stint.role}) starts"
            + (
                f" in {roster.remind_before_minutes} minutes"
                if roster.remind_before_minutes
                else ""
            ),
        )
        event.add_component(alarm)
        calendar.add_component(event)
    return calendar


def calendar_ics(service: StandbyService, feed: CalendarFeed, now: dt.datetime) -> bytes:
    """The feed's calendar as ICS bytes: the shifts from ``PAST`` before ``now`` to ``AHEAD``
    after it, overrides and swaps applied. A roster feed holds that roster's shifts only; a
    person feed only the shifts (or the parts of them) in which that person is on standby."""
    if feed.kind == "roster":
        calendar = _roster_calendar(service, feed, now)
    elif feed.kind == "person":
        calendar = _person_calendar(service, feed, now)
    else:
        raise FeedError(f"unknown feed kind {feed.kind!r}")
    ics: bytes = calendar.to_ical()  # (icalendar leaves to_ical unannotated)
    return ics

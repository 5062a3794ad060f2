"""Times as people read them: the one place opsbot turns an instant into text for Slack.

Two ways, by who reads the message:

- **Many readers** (channel posts, digests, DMs, late notes, and replies made before the
  reader's zone is known): Slack's date token, ``<!date^EPOCH^{date_short_pretty}
  {time}|fallback>``. Each reader's Slack client shows it in their own time zone ("today
  07:30", "Nov 24, 2026 07:30"); the fallback, for clients and notifications that cannot
  render it, is written in the organisation's zone (``token``, ``token_span``,
  ``token_time``).
- **One reader whose zone is known** (a reply after users.info, the App Home): written out
  in that zone, ``Tue 24 Nov 07:30 JST`` (``wall``, ``span``).

The written form is also the fallback's: English day and month names whatever the process
locale; a zone whose abbreviation is a bare offset (``-03``) is shown as ``UTC-03``.
``written(mrkdwn, zone)`` turns the tokens of a text back into written times, for places
that are not Slack messages (an uploaded Markdown file).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from bot.config import OrgConfig

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WHEN = "{date_short_pretty} {time}"  # a date token's format: day and time of day
TIME = "{time}"  # time of day only
_TOKEN = re.compile(r"<!date\^(\d+)\^([^^|>]*)(?:\^[^|>]*)?\|([^>]*)>")
ONE_DAY = dt.timedelta(days=1)


def org_zone(config: OrgConfig) -> ZoneInfo:
    """The organisation's zone: date tokens' fallback text is written in it."""
    return ZoneInfo(config.timezone)


def zone_name(moment: dt.datetime) -> str:
    """``JST``, ``GMT``, ``BST``; ``UTC-03`` for zones that have only an offset."""
    name = moment.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def day(moment: dt.datetime | dt.date) -> str:
    """``Tue 24 Nov``"""
    return f"{DAYS[moment.weekday()]} {moment.day} {MONTHS[moment.month - 1]}"


def clock_time(moment: dt.datetime) -> str:
    """``07:30``"""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def wall(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """``Tue 24 Nov 07:30 JST``: ``moment`` written out in ``zone``."""
    local = moment.astimezone(zone)
    return f"{day(local)} {clock_time(local)} {zone_name(local)}"


def _span_parts(starts_at: dt.datetime, ends_at: dt.datetime, zone: dt.tzinfo) -> tuple[str, str]:
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    end_text = clock_time(end) if end.date() == start.date() else f"{day(end)} {clock_time(end)}"
    start_zone, end_zone = zone_name(start), zone_name(end)
    if start_zone == end_zone:
        return f"{day(start)} {clock_time(start)}", f"{end_text} {end_zone}"
    return f"{day(start)} {clock_time(start)} {start_zone}", f"{end_text} {end_zone}"


def span(starts_at: dt.datetime, ends_at: dt.datetime, zone: dt.tzinfo) -> str:
    """``Tue 24 Nov 07:30–09:30 JST``; the end's date is written when it differs
    (``Fri 6 Nov 22:00–Sat 7 Nov 02:00 GMT``), and each time's zone when a daylight-saving
    change falls inside (``Sun 25 Oct 00:30 BST–02:00 GMT``)."""
    return "–".join(_span_parts(starts_at, ends_at, zone))


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _token(moment: dt.datetime, form: str, fallback: str) -> str:
    return f"<!date^{_epoch(moment)}^{form}|{fallback}>"


def token(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """A date token each reader sees in their own zone, ``Nov 24, 2026 07:30`` or ``today
    07:30``; its fallback is ``wall(moment, zone)``."""
    return _token(moment, WHEN, wall(moment, zone))


def token_time(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """A time of day in each reader's zone (where the day is plain from the context, e.g. an
    acknowledgement in a window's post); its fallback is ``07:33`` in ``zone``."""
    return _token(moment, TIME, clock_time(moment.astimezone(zone)))


def token_span(starts_at: dt.datetime, ends_at: dt.datetime, zone: dt.tzinfo) -> str:
    """A span each reader sees in their own zone: ``today 07:30–09:30``; the end shows only
    its time of day when the span is shorter than a day. The fallback reads as
    ``span(starts_at, ends_at, zone)``."""
    start_text, end_text = _span_parts(starts_at, ends_at, zone)
    end_form = TIME if ends_at - starts_at < ONE_DAY else WHEN
    return f"{_token(starts_at, WHEN, start_text)}–{_token(ends_at, end_form, end_text)}"


def written(mrkdwn: str, zone: dt.tzinfo) -> str:
    """``mrkdwn`` with each date token written out in ``zone`` (``Tue 24 Nov 07:30 JST``,
    or ``07:30`` for a time of day), for text that Slack will not render (a file)."""

    def write(match: re.Match[str]) -> str:
        moment = dt.datetime.fromtimestamp(int(match.group(1)), zone)
        return clock_time(moment) if match.group(2) == TIME else wall(moment, zone)

    return _TOKEN.sub(write, mrkdwn)

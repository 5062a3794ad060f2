"""Parsing `/standby` text. Dates and times are local wall-clock values; the service reads
them in the roster's time zone."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.errors import UsageError
from bot.slack.escaping import code
from bot.slack.words import person

USAGE = """\
*/standby* — who is on standby
• `/standby` — who is on standby now and next, for each roster
• `/standby week [ROSTER]` — the next 7 days
• `/standby me` — my coming shifts
• `/standby swap @user DATE [ROSTER]` — exchange my shift(s) on DATE with @user's next shift(s)
• `/standby override @user START END [ROSTER]` — @user covers from START to END
• `/standby calendar [ROSTER]` — a private calendar (ICS) link: my shifts, or a roster's
• `/standby calendar off [ROSTER]` — make that link stop working
• `/standby cover [ROSTER] DATE|now [REASON]` — ask the roster's channel to cover my shift
  (`now`: the shift I am on, else my next one today); withdraw it with its *Withdraw* button
• `/standby load [ROSTER] [WEEKS]` — who carried the standby load (default: 4 weeks)
Dates are `YYYY-MM-DD`, `today` or `tomorrow`; times `HH:MM`, in the roster's time zone,
e.g. `/standby override @bob 2026-11-24 07:30 09:30 platform`."""

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_LOOKS_LIKE_TIME = re.compile(r"^\d{1,2}[:.]\d{1,2}$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\S+)$")


@dataclass(frozen=True)
class StandbyCommand:
    name: str
    roster: str | None = None
    user: str | None = None
    date: dt.date | None = None
    start: dt.datetime | None = None  # naive, local to the roster
    end: dt.datetime | None = None
    reason: str = ""  # cover: as typed
    weeks: int = 4  # load: how many weeks back from today


def parse_date(word: str, today: dt.date) -> dt.date:
    lowered = word.lower()
    if lowered == "today":
        return today
    if lowered == "tomorrow":
        return today + dt.timedelta(days=1)
    if _DATE.match(word):
        try:
            return dt.date.fromisoformat(word)
        except ValueError:
            pass
    raise UsageError(f"{code(word)} is not a date; write it as YYYY-MM-DD, today or tomorrow.")


def _time(word: str) -> dt.time | None:
    """The time of day `word` names; None when it is no time; a UsageError when it looks
    like one but is not (`25:00`, `9:99`)."""
    if match := _TIME.match(word):
        return dt.time(int(match.group(1)), int(match.group(2)))
    if _LOOKS_LIKE_TIME.match(word):
        raise UsageError(f"{code(word)} is not a time; times are HH:MM, from 00:00 to 23:59.")
    return None


def _take_moment(words: list[str], today: dt.date, base: dt.date | None) -> dt.datetime:
    """A local moment from `DATE HH:MM`, `DATETHH:MM`, or (with a base date) `HH:MM`."""
    if not words:
        raise UsageError("`override` needs a start and an end, like `2026-11-24 07:30 09:30`.")
    word = words.pop(0)
    if match := _DATETIME.match(word):
        day = parse_date(match.group(1), today)
        clock = _time(match.group(2))
        if clock is None:
            raise UsageError(f"{code(match.group(2))} is not a time; times are HH:MM.")
        return dt.datetime.combine(day, clock)
    if (clock := _time(word)) is not None:
        if base is None:
            raise UsageError("The start needs a date, like `2026-11-24 07:30`.")
        return dt.datetime.combine(base, clock)
    day = parse_date(word, today)
    if words and (clock := _time(words[0])) is not None:
        words.pop(0)
        return dt.datetime.combine(day, clock)
    raise UsageError(f"{code(word)} needs a time after it, like {code(word + ' 07:30')}.")


def _roster(words: list[str], name: str) -> str | None:
    if len(words) > 1:
        raise UsageError(f"`{name}` got more than it understands: {code(' '.join(words))}.")
    return words[0].lower() if words else None


MAX_LOAD_WEEKS = 52
_DATE_WORDS = ("now", "today", "tomorrow")


def _is_date_word(word: str) -> bool:
    return word.lower() in _DATE_WORDS or bool(_DATE.match(word))


def _cover(rest: str, today: dt.date) -> StandbyCommand:
    """`[ROSTER] DATE|now [REASON]`; the reason is kept as typed. `now` leaves the date
    out: the shift on now, or the next one."""
    parts = rest.split(None, 1)
    roster = None
    if parts and not _is_date_word(parts[0]):
        roster = parts[0].lower()
        parts = parts[1].split(None, 1) if len(parts) > 1 else []
    if not parts:
        raise UsageError("`cover` needs the date of your shift or `now`, like `cover 2026-11-24`.")
    when, reason = parts[0], (parts[1].strip() if len(parts) > 1 else "")
    day = None if when.lower() == "now" else parse_date(when, today)
    return StandbyCommand("cover", roster=roster, date=day, reason=reason)


def _load(words: list[str]) -> StandbyCommand:
    """`[ROSTER] [WEEKS]`, in either order."""
    roster, weeks = None, 4
    for word in words:
        if word.isdigit():
            weeks = int(word)
            if not 1 <= weeks <= MAX_LOAD_WEEKS:
                raise UsageError(f"WEEKS is from 1 to {MAX_LOAD_WEEKS}, not {code(word)}.")
        elif roster is None:
            roster = word.lower()
        else:
            raise UsageError(f"`load` got more than it understands: {code(' '.join(words))}.")
    return StandbyCommand("load", roster=roster, weeks=weeks)


def parse(text: str, today: dt.date) -> StandbyCommand:
    words = text.split()
    if words and words[0].lower() == "cover":
        return _cover(text.strip()[len(words[0]) :].strip(), today)
    if words and words[0].lower() == "load":
        return _load(words[1:])
    if not words:
        return StandbyCommand("now")
    name = words.pop(0).lower()
    if name in ("now", "help", "me"):
        if words:
            raise UsageError(f"`{name}` takes no arguments.")
        return StandbyCommand(name)
    if name == "calendar" and words and words[0].lower() == "off":
        words.pop(0)
        return StandbyCommand("calendar_off", roster=_roster(words, "calendar off"))
    if name in ("week", "calendar"):
        return StandbyCommand(name, roster=_roster(words, name))
    if name == "swap":
        if len(words) < 2:
            raise UsageError("`swap` needs a person and a date, like `swap @bob 2026-11-24`.")
        user = person(words.pop(0))
        day = parse_date(words.pop(0), today)
        return StandbyCommand("swap", roster=_roster(words, name), user=user, date=day)
    if name == "override":
        if not words:
            raise UsageError("`override` needs a person, a start and an end.")
        user = person(words.pop(0))
        start = _take_moment(words, today, None)
        end = _take_moment(words, today, start.date())
        if end <= start and end.date() == start.date():
            if start - end < dt.timedelta(hours=12):
                raise UsageError(
                    f"The end ({end:%H:%M}) is before the start ({start:%H:%M}); for a span "
                    "past midnight give the end's date too."
                )
            end += dt.timedelta(days=1)  # `22:00 02:00` runs past midnight
        return StandbyCommand(
            "override", roster=_roster(words, name), user=user, start=start, end=end
        )
    raise UsageError(f"{code(name)} is not a /standby command.")

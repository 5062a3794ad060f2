"""The roster channel's topic names who is on standby now, or next between windows:
"On standby: <@U1> (primary), <@U2> (secondary) until 09:30 JST".

Slack shows a mention in a topic as the person's name, but no date token (a topic has no
formatting): times are written in the roster's zone, with its abbreviation. A topic holds
at most 250 characters (`too_long`): a longer text drops the roles, then is clipped with
its mentions kept whole.

Setting it is a ledger action, at the same boundaries as the user group, and on a change
of who is on. It computes the text at send time, and sets nothing when the topic already
says it (`conversations.info`): a late or repeated delivery changes nothing."""

from __future__ import annotations

import datetime as dt

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Roster
from bot.ledger import Claimed, Due, Outcome
from bot.ledger.sender import PERMANENT
from bot.slack import timefmt
from bot.slack.blocks import clip
from bot.slack.client import retry_after
from bot.standby.schedule import Shift, next_shift, on_standby
from bot.standby.service import StandbyService
from bot.standby.usergroups import stamp

SET_TOPIC = "standby.topic"  # the ledger action's method
KIND = "standby_topic"
TOPIC_MAX = 250  # Slack's limit (conversations.setTopic answers too_long past it)


def topic_due(roster: Roster, at: dt.datetime, tag: str | None = None) -> Due:
    """The topic set at boundary `at`, or, with `tag`, after a change made at `at`."""
    suffix = f"change:{tag}" if tag else stamp(at)
    return Due(f"standby:{roster.id}:topic:{suffix}", KIND, SET_TOPIC, {"roster_id": roster.id}, at)


def _people(shift: Shift) -> list[str]:
    """Ways to name the people of `shift`, from the fullest to the shortest."""
    if shift.secondary is None:
        return [f"<@{shift.primary}>"]
    return [
        f"<@{shift.primary}> (primary), <@{shift.secondary}> (secondary)",
        f"<@{shift.primary}>, <@{shift.secondary}>",
        f"<@{shift.primary}> and 1 more",
    ]


def _moment(moment: dt.datetime, now: dt.datetime, zone: dt.tzinfo) -> str:
    """`09:30 JST` on the day of `now` (in `zone`), else `Wed 25 Nov 02:00 GMT`."""
    local = moment.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return f"{timefmt.clock_time(local)} {timefmt.zone_name(local)}"
    return timefmt.wall(moment, zone)


def topic_text(
    current: Shift | None, upcoming: Shift | None, now: dt.datetime, zone: dt.tzinfo
) -> str:
    """What the topic says at `now`: who is on until when, else who is next from when;
    within 250 characters (the roles dropped, then the second person counted, then the
    text clipped with its mentions whole)."""
    if current is not None:
        until = _moment(current.ends_at, now, zone)
        candidates = [f"On standby: {people} until {until}" for people in _people(current)]
    elif upcoming is not None:
        when = _moment(upcoming.starts_at, now, zone)
        candidates = [f"Next on standby: {people} from {when}" for people in _people(upcoming)]
    else:
        return "No standby is scheduled."
    for text in candidates:
        if len(text) <= TOPIC_MAX:
            return text
    return clip(candidates[-1], TOPIC_MAX)


class TopicSetter:
    """The ledger action that makes the roster channel's topic say who is on (or next)."""

    def __init__(self, service: StandbyService, client: WebClient):
        self.service = service
        self.client = client

    def text(self, roster: Roster, now: dt.datetime) -> str:
        overrides, swaps = self.service.changes(roster)
        zone = self.service.zone(roster)
        current = on_standby(roster, zone, now, overrides, swaps)
        after = current.ends_at if current else now
        upcoming = None if current else next_shift(roster, zone, after, overrides, swaps)
        return topic_text(current, upcoming, now, zone)

    def __call__(self, delivery: Claimed) -> Outcome:
        roster = self.service.config.roster(delivery.payload["roster_id"])
        if roster is None:
            return Outcome(skip="the roster is no longer configured")
        text = self.text(roster, self.service.clock.now())
        try:
            if self._says(roster.channel, text):
                return Outcome(skip="the topic already says it")
            self._set(roster.channel, text)
            # Who is on changed while this ran (a swap just committed): say it, once more.
            again = self.text(roster, self.service.clock.now())
            if again != text:
                self._set(roster.channel, again)
        except SlackApiError as exc:
            error = str(exc.response.get("error", exc.response.status_code))
            if exc.response.status_code == 429 or error == "ratelimited":
                return Outcome(error="ratelimited", rate_limited=retry_after(exc.response.headers))
            if error in PERMANENT or error == "too_long":
                return Outcome(
                    permanent_error=f"the topic of {roster.channel} (roster {roster.id}): "
                    f"Slack refused conversations.setTopic: {error}"
                )
            return Outcome(error=error)
        except OSError as exc:
            return Outcome(error=f"{type(exc).__name__}: {exc}")
        return Outcome(sent=True, channel=roster.channel)

    def _says(self, channel: str, text: str) -> bool:
        """The topic is `text` already; False when Slack does not say (a private channel
        without groups:read): then it is set all the same."""
        try:
            info = self.client.conversations_info(channel=channel)
        except SlackApiError as exc:
            if exc.response.status_code == 429 or exc.response.get("error") == "ratelimited":
                raise
            return False
        topic = (info.get("channel") or {}).get("topic") or {}
        return bool(topic.get("value") == text)

    def _set(self, channel: str, text: str) -> None:
        """Set the topic; in a public channel the bot is not in, join it first."""
        try:
            self.client.conversations_setTopic(channel=channel, topic=text)
        except SlackApiError as exc:
            if exc.response.get("error") != "not_in_channel":
                raise
            self.client.conversations_join(channel=channel)
            self.client.conversations_setTopic(channel=channel, topic=text)

"""What opsbot knows of people from Slack (users.info): whether a user id is a person who
can take a role, and their time zone, cached briefly."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.errors import Refusal

log = logging.getLogger(__name__)

CACHE_FOR = dt.timedelta(hours=1)
NOT_FOUND = {"user_not_found", "users_not_found"}


class NotAPerson(Refusal):
    """A role or duty offered to someone who cannot hold it: a bot, a deactivated account,
    an id Slack does not know."""


class People:
    """Slack's record of each person (users.info), kept for an hour."""

    def __init__(self, client: WebClient, default_zone: ZoneInfo, clock: Clock):
        self.client = client
        self.default_zone = default_zone
        self.clock = clock
        self._users: dict[str, tuple[dt.datetime, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def _record(self, user_id: str) -> dict[str, Any]:
        """users.info's `user`, cached; raises what the Web API client raises."""
        with self._lock:
            cached = self._users.get(user_id)
        if cached and self.clock.now() - cached[0] < CACHE_FOR:
            return cached[1]
        user: dict[str, Any] = self.client.users_info(user=user_id)["user"]
        with self._lock:
            self._users[user_id] = (self.clock.now(), user)
        return user

    def require_person(self, user_id: str) -> None:
        """Refuse a user id that is not a person of this workspace, as Slack knows it. When
        Slack cannot be asked (a fault, a rate limit), the person is given the benefit of
        the doubt, with a log line: a role is better given than refused for Slack's sake."""
        try:
            user = self._record(user_id)
        except SlackApiError as exc:
            if exc.response.get("error") in NOT_FOUND:
                raise NotAPerson(
                    f"`{user_id}` is nobody in this workspace; mention a person, like @alice."
                ) from exc
            log.warning("could not check that %s is a person: %s", user_id, exc)
            return
        except OSError as exc:
            log.warning("could not check that %s is a person: %s", user_id, exc)
            return
        if user.get("is_bot") or user_id == "USLACKBOT":
            raise NotAPerson(f"<@{user_id}> is a bot, not a person; roles go to people.")
        if user.get("deleted"):
            raise NotAPerson(f"<@{user_id}> has left this workspace (deactivated).")

    def zone(self, user_id: str) -> ZoneInfo:
        """The person's time zone as Slack has it, or the organisation's when unknown."""
        try:
            name = self._record(user_id).get("tz")
            return ZoneInfo(name) if name else self.default_zone
        except (SlackApiError, ZoneInfoNotFoundError, ValueError, OSError) as exc:
            log.warning("time zone of %s unknown, using the default: %s", user_id, exc)
            return self.default_zone

    def name(self, user_id: str) -> str:
        """How Slack names the person (display name, else real name, else handle), for text
        where a mention would show as markup (a file); the id when Slack cannot say."""
        try:
            user = self._record(user_id)
        except (SlackApiError, OSError) as exc:
            log.warning("name of %s unknown: %s", user_id, exc)
            return user_id
        profile = user.get("profile") or {}
        for found in (profile.get("display_name"), profile.get("real_name"), user.get("name")):
            if found:
                return str(found)
        return user_id

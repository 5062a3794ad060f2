"""What opsbot knows of people from Slack: their time zone (users.info), cached briefly."""

from __future__ import annotations

import logging
import threading
import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

CACHE_SECONDS = 3600


class People:
    def __init__(self, client: WebClient, default_zone: ZoneInfo):
        self.client = client
        self.default_zone = default_zone
        self._zones: dict[str, tuple[float, ZoneInfo]] = {}
        self._lock = threading.Lock()

    def zone(self, user_id: str) -> ZoneInfo:
        """The person's time zone as Slack has it, or the organisation's when unknown."""
        with self._lock:
            cached = self._zones.get(user_id)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        try:
            name = self.client.users_info(user=user_id)["user"].get("tz")
            zone = ZoneInfo(name) if name else self.default_zone
        except (SlackApiError, ZoneInfoNotFoundError, ValueError, OSError) as exc:
            log.warning("time zone of %s unknown, using the default: %s", user_id, exc)
            return self.default_zone
        with self._lock:
            self._zones[user_id] = (time.monotonic(), zone)
        return zone

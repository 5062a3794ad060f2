"""The stand-in's workspace state: users, channels, messages, views, files, response URLs.

All state lives in one :class:`Workspace` guarded by ``Workspace.lock`` (re-entrant); every
Web API method runs with the lock held. Tests may read the public attributes directly once
the bot is quiet, or use the copying accessors on ``SlackStandIn``.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, overload

from .models import Channel, Message, SlackError
from .shapes import PERMALINK_HOST, ApiShapes

TS_BASE_US = 1_700_000_000_000_000  # first ts is 1700000000.000100
TS_STEP_US = 100


class Workspace(ApiShapes):
    """State of one fake Slack workspace with one bot user."""

    def __init__(
        self,
        *,
        bot_user_id: str = "U0OPSBOT0",
        team_id: str = "T0OPSBOT0",
        bot_name: str = "opsbot",
        ts_clock: Callable[[], float] | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.bot_user_id = bot_user_id
        self.team_id = team_id
        self.bot_name = bot_name
        self.bot_id = "B" + bot_user_id[1:]
        self.app_id = "A" + bot_user_id[1:]
        self.base_url = ""  # set by the server once it is bound
        self.url = PERMALINK_HOST + "/"
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, Channel] = {}
        self.message_log: list[Message] = []  # every live message, in ts order
        self.views: dict[str, dict[str, Any]] = {}  # view id -> view as last answered
        self.home_views: dict[str, str] = {}  # user id -> view id published as App Home
        self.files: dict[str, dict[str, Any]] = {}  # file id -> record incl. raw content
        self.usergroups: dict[str, dict[str, Any]] = {}  # S… -> usergroup (api_usergroups)
        self.response_urls: dict[str, dict[str, Any]] = {}  # token -> context of the url
        self.response_log: list[tuple[str, dict[str, Any]]] = []  # (url, body) in order
        self._ids = itertools.count(1)
        self._hashes = itertools.count(1)
        self._ts_clock = ts_clock
        self._last_ts_us = TS_BASE_US
        self.add_user(bot_user_id, bot_name, tz="UTC", real_name=bot_name, is_bot=True)

    # -- identifiers ---------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """A fresh Slack-looking id such as ``C0000000007``, unique across all kinds."""
        while True:
            candidate = f"{prefix}{next(self._ids):010d}"
            if (
                candidate not in self.channels
                and candidate not in self.users
                and (candidate not in self.views and candidate not in self.files)
            ):
                return candidate

    def next_ts(self) -> str:
        """A strictly increasing message ts, from a counter (optionally never behind a clock).

        Never read from the wall clock by default: freezegun freezes ``time.time()`` for
        every thread, which would make timestamps collide.
        """
        with self.lock:
            us = self._last_ts_us + TS_STEP_US
            if self._ts_clock is not None:
                us = max(us, int(self._ts_clock() * 1_000_000))
            self._last_ts_us = us
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def new_hash(self) -> str:
        """An opaque view hash that changes on every update."""
        return f"1700000000.{next(self._hashes):08d}"

    @staticmethod
    def now() -> int:
        return int(time.time())

    # -- users ---------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        tz: str = "Asia/Tokyo",
        real_name: str | None = None,
        is_bot: bool = False,
        email: str | None = None,
        deleted: bool = False,
    ) -> None:
        with self.lock:
            self.users[user_id] = {
                "id": user_id,
                "name": name,
                "real_name": real_name or name,
                "tz": tz,
                "is_bot": is_bot,
                "email": email,
                "deleted": deleted,
            }

    def require_user(self, user_id: str | None, error: str = "user_not_found") -> str:
        if not user_id or user_id not in self.users:
            raise SlackError(error)
        return user_id

    # -- channels ------------------------------------------------------------------------

    def add_channel(
        self,
        name: str,
        channel_id: str | None = None,
        members: Iterable[str] = (),
        *,
        bot_is_member: bool = True,
        is_private: bool = False,
        creator: str | None = None,
    ) -> Channel:
        with self.lock:
            if self.channel_named(name) is not None:
                raise ValueError(f"channel name already taken: {name}")
            channel_id = channel_id or self.new_id("C")
            if channel_id in self.channels:
                raise ValueError(f"channel id already exists: {channel_id}")
            channel = Channel(
                id=channel_id,
                name=name,
                creator=creator or self.bot_user_id,
                created=self.now(),
                is_private=is_private,
                topic={"value": "", "creator": "", "last_set": 0},
                purpose={"value": "", "creator": "", "last_set": 0},
            )
            if bot_is_member:
                channel.add_members([self.bot_user_id])
            channel.add_members(members)
            self.channels[channel_id] = channel
            return channel

    def channel_named(self, name: str) -> Channel | None:
        name = name.removeprefix("#")
        for channel in self.channels.values():
            if not channel.is_im and not channel.is_mpim and channel.name == name:
                return channel
        return None

    @overload
    def im_for(self, user_id: str) -> Channel: ...

    @overload
    def im_for(self, user_id: str, *, create: bool) -> Channel | None: ...

    def im_for(self, user_id: str, *, create: bool = True) -> Channel | None:
        """The bot's IM with ``user_id`` (opened on demand, as chat.postMessage does)."""
        with self.lock:
            for channel in self.channels.values():
                if channel.is_im and channel.im_user == user_id:
                    return channel
            if not create:
                return None
            channel = Channel(
                id=self.new_id("D"),
                name=user_id,
                creator=self.bot_user_id,
                created=self.now(),
                is_im=True,
                im_user=user_id,
                is_private=True,
                members=[self.bot_user_id, user_id],
            )
            self.channels[channel.id] = channel
            return channel

    def resolve(
        self, ref: str | None, *, allow_user: bool = False, allow_name: bool = False
    ) -> Channel:
        """The channel for an id (or a user id / channel name when allowed), else raise."""
        if not ref:
            raise SlackError("channel_not_found")
        channel = self.channels.get(ref)
        if channel is None and allow_user and ref in self.users:
            channel = self.im_for(ref)
        if channel is None and allow_name:
            channel = self.channel_named(ref)
        if channel is None or (channel.is_private and self.bot_user_id not in channel.members):
            raise SlackError("channel_not_found")
        return channel

    def require_member(self, channel: Channel) -> None:
        if self.bot_user_id not in channel.members:
            raise SlackError("not_in_channel")

    # -- messages ------------------------------------------------------------------------

    def add_message(self, message: Message) -> Message:
        with self.lock:
            self.message_log.append(message)
        return message

    def find_message(self, channel_id: str, ts: str | None) -> Message | None:
        for message in self.message_log:
            if message.channel == channel_id and message.ts == ts:
                return message
        return None

    def thread_root(self, channel_id: str, ts: str | None) -> str:
        """The ts a new reply to ``ts`` belongs under; ``thread_not_found`` if unknown."""
        parent = self.find_message(channel_id, ts)
        if parent is None or parent.ephemeral_user:
            raise SlackError("thread_not_found")
        return parent.thread_ts or parent.ts

    def replies_to(self, channel_id: str, ts: str) -> list[Message]:
        return [
            m
            for m in self.message_log
            if m.channel == channel_id and m.thread_ts == ts and m.ts != ts and not m.ephemeral_user
        ]

    def messages_in(self, channel_id: str) -> list[Message]:
        with self.lock:
            return [copy.deepcopy(m) for m in self.message_log if m.channel == channel_id]

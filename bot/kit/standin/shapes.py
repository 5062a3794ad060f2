"""The JSON shapes Slack answers with (users, channels, messages, files), as a mixin.

Kept apart from the state in ``workspace.py``, which mixes them in: every method reads the
workspace's attributes, as ``WorkspaceState`` lists them, and imports nothing of it.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .models import Channel, Message

PERMALINK_HOST = "https://standin.slack"


def tz_offset(tz: str) -> int:
    """UTC offset in seconds of ``tz`` at the current (possibly frozen) time; 0 if unknown."""
    try:
        offset = dt.datetime.now(ZoneInfo(tz)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset else 0


class WorkspaceState(Protocol):
    """What the shapes read of the workspace (``workspace.Workspace`` is one)."""

    team_id: str
    bot_user_id: str
    bot_id: str
    app_id: str
    users: dict[str, dict[str, Any]]
    files: dict[str, dict[str, Any]]

    def find_message(self, channel_id: str, ts: str | None) -> Message | None: ...

    def replies_to(self, channel_id: str, ts: str) -> list[Message]: ...

    def file_api(self, file_id: str) -> dict[str, Any]: ...


class ApiShapes:
    """Serialisers mixed into ``Workspace``."""

    def user_api(self: WorkspaceState, user_id: str) -> dict[str, Any]:
        user = self.users[user_id]
        profile: dict[str, Any] = {
            "display_name": user["name"],
            "display_name_normalized": user["name"],
            "real_name": user["real_name"],
            "real_name_normalized": user["real_name"],
            "team": self.team_id,
        }
        if user["email"]:
            profile["email"] = user["email"]
        if user_id == self.bot_user_id:
            profile["bot_id"] = self.bot_id
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": user["name"],
            "deleted": user.get("deleted", False),
            "real_name": user["real_name"],
            "tz": user["tz"],
            "tz_label": user["tz"],
            "tz_offset": tz_offset(user["tz"]),
            "is_bot": user["is_bot"],
            "is_admin": False,
            "is_owner": False,
            "is_app_user": False,
            "updated": 1_700_000_000,
            "profile": profile,
        }

    def channel_api(self: WorkspaceState, channel: Channel) -> dict[str, Any]:
        if channel.is_im:
            return {
                "id": channel.id,
                "created": channel.created,
                "is_im": True,
                "is_org_shared": False,
                "is_archived": False,
                "user": channel.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": channel.id,
            "name": channel.name,
            "name_normalized": channel.name,
            "is_channel": not channel.is_mpim,
            "is_group": False,
            "is_im": False,
            "is_mpim": channel.is_mpim,
            "is_private": channel.is_private,
            "created": channel.created,
            "creator": channel.creator,
            "is_archived": channel.is_archived,
            "is_general": False,
            "unlinked": 0,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": self.bot_user_id in channel.members,
            "topic": dict(channel.topic),
            "purpose": dict(channel.purpose),
            "previous_names": [],
            "num_members": len(channel.members),
        }

    def message_api(self: WorkspaceState, message: Message) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": "message",
            "text": message.text,
            "user": message.user,
            "ts": message.ts,
            "team": self.team_id,
        }
        if message.bot_id:
            data.update(bot_id=message.bot_id, app_id=self.app_id)
        if message.blocks:
            data["blocks"] = copy.deepcopy(message.blocks)
        if message.attachments:
            data["attachments"] = copy.deepcopy(message.attachments)
        if message.files:
            data["files"] = [self.file_api(f["id"]) for f in message.files]
            data["upload"] = True
        if message.metadata:
            data["metadata"] = copy.deepcopy(message.metadata)
        if message.edited:
            data["edited"] = {"user": message.user, "ts": message.edited_ts or message.ts}
        if message.reactions:
            data["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in message.reactions.items()
            ]
        if message.is_reply:
            parent = self.find_message(message.channel, message.thread_ts)
            data["thread_ts"] = message.thread_ts
            data["parent_user_id"] = parent.user if parent else ""
            if message.reply_broadcast:
                data["subtype"] = "thread_broadcast"
        else:
            replies = self.replies_to(message.channel, message.ts)
            if replies:
                users = list(dict.fromkeys(r.user for r in replies))
                data.update(
                    thread_ts=message.ts,
                    reply_count=len(replies),
                    reply_users_count=len(users),
                    reply_users=users,
                    latest_reply=replies[-1].ts,
                )
        return data

    def permalink(self: WorkspaceState, message: Message) -> str:
        link = f"{PERMALINK_HOST}/archives/{message.channel}/p{message.ts.replace('.', '')}"
        if message.is_reply:
            link += f"?thread_ts={message.thread_ts}&cid={message.channel}"
        return link

    def file_api(self: WorkspaceState, file_id: str) -> dict[str, Any]:
        record = self.files[file_id]
        name = record["name"]
        return {
            "id": file_id,
            "created": record["created"],
            "timestamp": record["created"],
            "name": name,
            "title": record["title"],
            "mimetype": record["mimetype"],
            "filetype": name.rsplit(".", 1)[-1] if "." in name else "text",
            "user": self.bot_user_id,
            "size": len(record["content"] or b""),
            "mode": "hosted",
            "is_external": False,
            "is_public": False,
            "url_private": f"{PERMALINK_HOST}/files/{file_id}/{name}",
            "url_private_download": f"{PERMALINK_HOST}/files/{file_id}/download/{name}",
            "permalink": f"{PERMALINK_HOST}/files/{self.bot_user_id}/{file_id}/{name}",
            "channels": list(record["channels"]),
            **({"alt_txt": record["alt_txt"]} if record.get("alt_txt") else {}),
        }

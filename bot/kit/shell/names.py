"""Who and where, by name: the people and channels the configuration names, set up in the
stand-in workspace under readable names, and the lookups between Slack ids and the
`@name` / `#channel` the user types and reads."""

from __future__ import annotations

import re

from bot.config import OrgConfig
from bot.kit.shell.errors import ShellError
from bot.kit.standin import Message, SlackStandIn, Workspace

BOT_USER = "U0OPSBOT0"


def readable_name(user_id: str) -> str:
    """`U0ALICE01` → `alice`: the example's IDs carry their person's name."""
    match = re.fullmatch(r"U0([A-Z]+?)0*\d*", user_id)
    return match.group(1).lower() if match else user_id.lower()


def config_users(config: OrgConfig) -> list[str]:
    found: list[str] = []
    ids = list(config.admins)
    for team in config.teams:
        ids += [team.pm, *team.members]
    for roster in config.rosters:
        ids += roster.members
        ids += [level for level in roster.escalation.levels if re.fullmatch(r"[UW]\w+", level)]
    for user_id in ids:
        if user_id not in found:
            found.append(user_id)
    return found


def config_channels(config: OrgConfig) -> list[tuple[str, str]]:
    """(name, id) of every channel the configuration names."""
    channels = [("incidents", config.channels.incidents)]
    if config.channels.loop:
        channels.append(("loop", config.channels.loop))
    if config.alerts.channel:
        channels.append(("alerts", config.alerts.channel))
    channels += [(team.id, team.channel) for team in config.teams if team.channel]
    channels += [(f"standby-{roster.id}", roster.channel) for roster in config.rosters]
    seen: set[str] = set()
    unique = []
    for name, channel_id in channels:
        if channel_id not in seen:
            seen.add(channel_id)
            unique.append((name, channel_id))
    return unique


def populate_workspace(standin: SlackStandIn, config: OrgConfig) -> dict[str, str]:
    """Add the configuration's people and channels (and #general) that the stand-in does
    not have yet (a resumed workspace has them), everyone a member of every channel; the
    readable name of each user id, the bot's included."""
    ws = standin.workspace
    names: dict[str, str] = {}
    for user_id in config_users(config):
        if user_id in ws.users:
            names[user_id] = ws.users[user_id]["name"]
            continue
        name = readable_name(user_id)
        while name in names.values():
            name += "_"
        names[user_id] = name
        standin.add_user(user_id, name, tz=config.timezone)
    names[BOT_USER] = "opsbot"
    members = [u for u in names if u != BOT_USER]
    for name, channel_id in [*config_channels(config), ("general", "C0GENERAL0")]:
        if channel_id not in ws.channels and ws.channel_named(name) is None:
            standin.add_channel(name, channel_id, members)
    return names


def memberships(config: OrgConfig, user_id: str) -> list[str]:
    """What the configuration makes `user_id`: admin, a team's PM or member, on a roster,
    a roster's escalation level."""
    found = ["admin"] if user_id in config.admins else []
    for team in config.teams:
        if team.pm == user_id:
            found.append(f"PM of {team.name}")
        if user_id in team.members:
            found.append(f"team {team.name}")
    for roster in config.rosters:
        if user_id in roster.members:
            found.append(f"roster {roster.name}")
        if user_id in roster.escalation.levels:
            found.append(f"escalation of {roster.name}")
    return found


class Directory:
    """The workspace's users and channels: Slack ids to readable names and back."""

    def __init__(self, ws: Workspace, names: dict[str, str]) -> None:
        self.ws = ws
        self.names = names  # user id -> readable name

    def user_name(self, user_id: str) -> str:
        if user_id in self.names:
            return self.names[user_id]
        user = self.ws.users.get(user_id)
        return user["name"] if user else user_id

    def channel_name(self, channel_id: str) -> str:
        channel = self.ws.channels.get(channel_id)
        if channel is None:
            return channel_id
        return (
            f"@{self.user_name(channel.im_user or channel.id)}" if channel.is_im else channel.name
        )

    def find_user(self, ref: str) -> str:
        ref = ref.strip().removeprefix("@")
        if ref in self.ws.users:
            return ref
        for user_id, user in self.ws.users.items():
            if user["name"].lower() == ref.lower():
                return user_id
        raise ShellError(f"no user @{ref}; users: {', '.join(sorted(self.names.values()))}")

    def find_channel(self, ref: str) -> str:
        ref = ref.strip()
        if ref.startswith("@"):
            im = self.ws.im_for(self.find_user(ref), create=False)
            if im is None:
                raise ShellError(f"the bot has no DM with {ref} yet")
            return im.id
        channel = self.ws.channels.get(ref) or self.ws.channel_named(ref)
        if channel is None:
            raise ShellError(f"no channel {ref} (try `channels`)")
        return channel.id

    def where(self, message: Message, me: str) -> str:
        """Where `message` shows, as seen by user `me`: `(only you)`, `DM → @x`, `#name`."""
        if message.ephemeral_user:
            who = (
                "you"
                if message.ephemeral_user == me
                else "@" + self.user_name(message.ephemeral_user)
            )
            return f"(only {who})"
        channel = self.ws.channels.get(message.channel)
        if channel is not None and channel.is_im:
            return f"DM → @{self.user_name(channel.im_user or channel.id)}"
        return f"#{self.channel_name(message.channel)}"

    def where_channel(self, channel_id: str) -> str:
        channel = self.ws.channels.get(channel_id)
        if channel is not None and channel.is_im:
            return f"DM → @{self.user_name(channel.im_user or channel.id)}"
        return f"#{self.channel_name(channel_id)}"

"""`opsbot manifest [--url URL]`: the Slack app manifest (YAML) of this app.

The slash commands come from the caller (`opsbot manifest` hands over the commands the
handlers register, each described by its usage text), so that this adapter piece stands
below the domains that write those texts. The bot scopes are derived, not listed by hand:
`METHOD_SCOPES` maps every Web API method the code calls to the scope(s) Slack requires for
it (per each method's page on api.slack.com/methods), and `FEATURE_SCOPES` adds what the
app's features need (slash commands). `tests/test_manifest.py` runs the end-to-end flows
against the stand-in and checks that every method called is in the table and every method
in the table is called.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

APP_NAME = "opsbot"
DESCRIPTION = "Incidents, peak-hour standby and the weekly Loop of Loops."
LONG_DESCRIPTION = (
    "opsbot runs three jobs of a platform organisation in Slack. Incidents: /incident declares "
    "one, creates its channel, announces it, tracks roles, status and updates, pages whoever "
    "is on standby and drafts the postmortem. Peak-hour standby: rosters of developers on "
    "standby during the platform's peak windows, with posts, pings, reminders, swaps and "
    "overrides. Loop of Loops: each week every team's PM is asked what the team works on, "
    "what it needs and what blocks it, and one digest is posted before the PM sync."
)
BACKGROUND_COLOR = "#1d3557"

# Every Web API method opsbot calls, and the bot scopes Slack requires for it.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    # Bolt's single-workspace authorization calls it once; it needs no scope.
    "auth.test": (),
    # Announcements, cards, updates, pages, standby posts and pings, loop prompts and digests
    # (DMs go to user IDs: chat:write is enough). Posting in a public channel the bot is not
    # in gets `not_in_channel`; the ledger then joins (conversations.join) and posts again,
    # so chat:write.public is not needed.
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "conversations.join": ("channels:join",),
    # Incident channels (public): create, set the topic, invite the people.
    "conversations.create": ("channels:manage",),
    "conversations.setTopic": ("channels:manage",),
    "conversations.invite": ("channels:manage",),
    # A roster channel's topic says who is on standby: read first, set only when it differs
    # (a public channel; for a private one Slack answers missing_scope and it is set anyway).
    "conversations.info": ("channels:read",),
    # A roster's user group holds whoever is on standby (rosters[].usergroup): read it, then
    # enable it with the people when a window opens, disable it between windows.
    "usergroups.list": ("usergroups:read",),
    "usergroups.enable": ("usergroups:write",),
    "usergroups.disable": ("usergroups:write",),
    "usergroups.users.update": ("usergroups:write",),
    # People's time zones.
    "users.info": ("users:read",),
    # The postmortem draft and the standby load chart (WebClient.files_upload_v2).
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    # The standby load chart of `/standby load` goes to the asker's DM with the bot: a file is
    # shared in a conversation ID, so the DM is opened first.
    "conversations.open": ("im:write",),
    # Modals and the App Home tab: no scope beyond the app itself.
    "views.open": (),
    "views.publish": (),
}

# Scopes a feature needs rather than a method: slash commands need `commands`.
FEATURE_SCOPES: dict[str, tuple[str, ...]] = {"slash commands": ("commands",)}

# Events the app subscribes to (bot events); app_home_opened needs no scope.
BOT_EVENTS: tuple[str, ...] = ("app_home_opened",)

# Where `opsbot serve` takes Slack's requests: commands, interactivity and events alike.
EVENTS_PATH = "/slack/events"


@dataclass(frozen=True)
class SlashCommand:
    command: str
    description: str
    usage_hint: str

    @classmethod
    def from_usage(cls, command: str, usage: str) -> SlashCommand:
        """The command described by its usage text (`/incident help`): the description from
        its first line, the hint from the subcommands it lists."""
        return cls(command, _summary(usage), _hint(usage))


def _summary(usage: str) -> str:
    """`*/incident* — run an incident` → `Run an incident` (the usage text's first line)."""
    first = usage.splitlines()[0]
    text = first.split("—", 1)[-1].strip()
    return text[:1].upper() + text[1:]


def _hint(usage: str) -> str:
    """The subcommands of the usage text, e.g. `declare | update | status | …` (≤ 1000 chars)."""
    words: list[str] = []
    for line in usage.splitlines()[1:]:
        if not line.startswith("•"):
            continue
        for quoted in line.split("`")[1::2]:
            parts = quoted.split()
            if len(parts) > 1 and not parts[1].startswith("["):
                words.extend(parts[1].split("|"))
    hint = " | ".join(dict.fromkeys([*words, "help"]))
    return hint[:1000]


def bot_scopes() -> list[str]:
    scopes = {s for needed in METHOD_SCOPES.values() for s in needed}
    scopes |= {s for needed in FEATURE_SCOPES.values() for s in needed}
    return sorted(scopes)


def events_url(url: str) -> str:
    """The URL Slack sends every request to, from the bot's base URL (`https://host`,
    `https://host/`, `https://host/prefix`) or from that URL itself
    (`https://host/slack/events`). ValueError, saying why, for anything but an absolute
    https URL: Slack sends requests only to https."""
    text = url.strip()
    example = "https://opsbot.example.com"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError(f"{url!r} is not a URL like {example}") from None
    if parts.scheme == "http":
        raise ValueError(f"{url!r} is http: Slack sends requests only to https URLs")
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"{url!r} is not an absolute https URL like {example}")
    if parts.query or parts.fragment or parts.username or any(c.isspace() for c in text):
        raise ValueError(f"{url!r} must be the bot's address alone, like {example}")
    path = parts.path.rstrip("/")
    if not path.endswith(EVENTS_PATH):
        path += EVENTS_PATH
    return urlunsplit(("https", parts.netloc, path, "", ""))


def build_manifest(
    slash_commands: Sequence[SlashCommand], url: str | None = None
) -> dict[str, Any]:
    """The manifest as a dict: HTTP mode with `url` (the base URL or the events URL; every
    request URL is the events URL), Socket Mode without it."""
    endpoint = events_url(url) if url else None
    commands = []
    for cmd in slash_commands:
        entry: dict[str, Any] = {"command": cmd.command}
        if endpoint:
            entry["url"] = endpoint
        entry.update(description=cmd.description, usage_hint=cmd.usage_hint, should_escape=True)
        commands.append(entry)
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if endpoint:
        events = {"request_url": endpoint, **events}
        interactivity["request_url"] = endpoint
    return {
        "display_information": {
            "name": APP_NAME,
            "description": DESCRIPTION,
            "long_description": LONG_DESCRIPTION,
            "background_color": BACKGROUND_COLOR,
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                # opsbot DMs people but does not read what they write back.
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": APP_NAME, "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": bot_scopes()}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": endpoint is None,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(slash_commands: Sequence[SlashCommand], url: str | None = None) -> str:
    import yaml

    return yaml.safe_dump(
        build_manifest(slash_commands, url),
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
    )


def _url(value: str) -> str:
    try:
        return events_url(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parser(
    subparsers: Any, slash_commands: Callable[[], Sequence[SlashCommand]]
) -> argparse.ArgumentParser:
    """Add `opsbot manifest [--url URL]` to the `opsbot` command's subparsers; it prints the
    manifest of the commands `slash_commands()` gives."""

    def cmd_manifest(args: argparse.Namespace) -> int:
        print(manifest_yaml(slash_commands(), args.url), end="")
        return 0

    manifest: argparse.ArgumentParser = subparsers.add_parser(
        "manifest",
        help="print the Slack app manifest (commands, scopes, events, interactivity)",
        description="Print the Slack app manifest as YAML. With --url, the app is reached over "
        "HTTPS at URL/slack/events; without it, over Socket Mode.",
    )
    manifest.add_argument(
        "--url",
        type=_url,
        metavar="URL",
        help="the bot's public https URL, e.g. https://opsbot.example.com, or its events URL "
        "https://opsbot.example.com/slack/events (default: Socket Mode)",
    )
    manifest.set_defaults(func=cmd_manifest)
    return manifest

"""`opsbot config check`, once the file is valid: the rosters' user groups
(`rosters[].usergroup`) are checked against the workspace where that can be known. With a
bot token (SLACK_BOT_TOKEN; SLACK_API_URL), `usergroups.list` (disabled groups included)
says whether each group exists; a missing scope is named. Without a token, the check is
said to be skipped. Whether the app may change a group (usergroups:write) shows only when
it tries: the bot then logs one line naming the roster, the group and Slack's error."""

from __future__ import annotations

import sys

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings

from bot.clock import SYSTEM_CLOCK
from bot.config import OrgConfig
from bot.settings import SOURCES


class SlackSettings(BaseSettings):
    """SLACK_BOT_TOKEN and SLACK_API_URL alone: the check needs no other setting."""

    model_config = SOURCES

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")


def _token() -> tuple[str, str]:
    """(bot token, API URL) from the environment; ("", why) when no usable token is set."""
    try:
        settings = SlackSettings()
    except ValidationError:
        return "", "the Slack settings cannot be read"
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    if not token:
        return "", "SLACK_BOT_TOKEN is not set"
    if not token.startswith("xoxb-"):
        return "", "SLACK_BOT_TOKEN is not a bot token (xoxb-…)"
    url = settings.slack_api_url
    return token, url if url.endswith("/") else url + "/"


def check_usergroups(config: OrgConfig) -> int:
    """Print what the workspace says of each configured user group; 1 if one is missing or
    cannot be checked for want of a scope or a valid token."""
    from slack_sdk.errors import SlackApiError

    from bot.slack.client import make_web_client

    wanted = [(n, r) for n, r in enumerate(config.rosters) if r.usergroup]
    if not wanted:
        return 0
    token, where = _token()
    if not token:
        print(f"user groups not checked: {where} (set it to check them against the workspace)")
        return 0
    client = make_web_client(token, where, clock=SYSTEM_CLOCK, timeout=10)
    try:
        groups = client.usergroups_list(include_disabled=True).get("usergroups") or []
    except SlackApiError as exc:
        error = exc.response.get("error") or f"HTTP {exc.response.status_code}"
        if error == "missing_scope":
            needed = exc.response.get("needed") or "usergroups:read"
            print(
                f"user groups not checked: the app lacks the scope {needed} (missing_scope); "
                "add it (opsbot manifest lists every scope) and reinstall the app"
            )
        else:
            print(f"user groups not checked: Slack answered usergroups.list with {error}")
        return 1
    except OSError as exc:
        print(f"user groups not checked: Slack could not be reached ({exc})", file=sys.stderr)
        return 1
    known = {g.get("id"): g for g in groups}
    missing = 0
    for n, roster in wanted:
        group = known.get(roster.usergroup)
        if group is None:
            missing += 1
            print(
                f"rosters[{n}].usergroup: {roster.usergroup} (roster {roster.id}) is not a user "
                "group of this workspace (deleted?)"
            )
        else:
            state = "disabled" if group.get("date_delete") else "enabled"
            handle = group.get("handle")
            print(f"user group {roster.usergroup} of roster {roster.id}: @{handle}, {state}")
    return 1 if missing else 0


def config_checked(path: str, config: OrgConfig) -> int:
    """The line saying the file is valid, then the user groups' check."""
    print(f"{path} is valid: {len(config.teams)} teams, {len(config.rosters)} rosters")
    return check_usergroups(config)

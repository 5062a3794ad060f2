"""A roster's Slack user group (`rosters[].usergroup`) holds exactly the people on standby
while a window is open, and is disabled between windows (Slack refuses to empty a user
group: `usergroups.users.update` without users is `no_users_provided`).

The sync is a ledger action, state-based: at send time it works out who is on now, reads
the group (`usergroups.list` with disabled groups and their users) and calls only what
makes the group match: `usergroups.enable` then `usergroups.users.update` when a window is
open (the update only when the people differ, or the group was disabled), and
`usergroups.disable` when none is. A late, repeated or concurrent sync is therefore
harmless. A group Slack refuses to change (deleted, a scope missing, the token revoked) is
given up with one log line naming the roster, the group and Slack's error."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Roster
from bot.ledger import Claimed, Due, Outcome
from bot.slack.client import retry_after
from bot.standby.schedule import Shift, on_standby
from bot.standby.service import StandbyService

ROUNDS = 3  # syncs in one delivery at most, when who is on changes while it runs
SYNC = "standby.usergroup"  # the ledger action's method
KIND = "standby_usergroup"

# Slack errors that no retry fixes for this group: the delivery is given up.
REFUSALS = {
    "missing_scope",
    "no_such_subteam",
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "not_allowed_token_type",
    "permission_denied",
    "paid_teams_only",
    "plan_upgrade_required",
    "invalid_users",
    "no_users_provided",
    "team_access_not_granted",
}
# The scope each method needs, named when Slack does not say (`needed`).
SCOPES = {
    "usergroups.list": "usergroups:read",
    "usergroups.enable": "usergroups:write",
    "usergroups.disable": "usergroups:write",
    "usergroups.users.update": "usergroups:write",
}


def stamp(moment: dt.datetime) -> str:
    """A boundary instant in a ledger key: `2026-11-23T22:30:00Z`."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sync(roster: Roster, at: dt.datetime, tag: str | None = None) -> Due:
    """A sync of the roster's user group due `at`: one per boundary instant (a piece of a
    window starting, a window ending), or, with `tag`, one per change made at `at`."""
    suffix = f"change:{tag}" if tag else stamp(at)
    return Due(f"standby:{roster.id}:usergroup:{suffix}", KIND, SYNC, {"roster_id": roster.id}, at)


def _people(shift: Shift | None) -> frozenset[str]:
    return frozenset(shift.people) if shift else frozenset()


class Refused(Exception):
    """Slack refused a call for good: str() is the one line that says so."""


class UsergroupSync:
    """The ledger action that makes a roster's user group match who is on now."""

    def __init__(self, service: StandbyService, client: WebClient):
        self.service = service
        self.client = client

    def __call__(self, delivery: Claimed) -> Outcome:
        roster = self.service.config.roster(delivery.payload["roster_id"])
        if roster is None or roster.usergroup is None:
            return Outcome(skip="the roster has no user group configured (any more)")
        group = roster.usergroup
        try:
            current = self._on_now(roster)
            for _ in range(ROUNDS):
                self._sync(roster, group, current)
                again = self._on_now(roster)
                if _people(again) == _people(current):
                    break
                current = again  # changed while this ran (a swap just committed): again
        except Refused as refused:
            return Outcome(permanent_error=str(refused))
        except SlackApiError as exc:
            if exc.response.status_code == 429 or exc.response.get("error") == "ratelimited":
                return Outcome(error="ratelimited", rate_limited=retry_after(exc.response.headers))
            return Outcome(error=str(exc.response.get("error", exc.response.status_code)))
        except OSError as exc:
            return Outcome(error=f"{type(exc).__name__}: {exc}")
        return Outcome(sent=True)

    def _on_now(self, roster: Roster) -> Shift | None:
        overrides, swaps = self.service.changes(roster)
        zone = self.service.zone(roster)
        return on_standby(roster, zone, self.service.clock.now(), overrides, swaps)

    def _sync(self, roster: Roster, group_id: str, current: Shift | None) -> None:
        client = self.client
        with self._refusal(roster, group_id, "usergroups.list"):
            listed = client.usergroups_list(include_disabled=True, include_users=True)
        groups = listed.get("usergroups") or []
        found = next((g for g in groups if g.get("id") == group_id), None)
        if found is None:
            raise Refused(
                f"user group {group_id} of roster {roster.id}: Slack has no such user group "
                "(no_such_subteam: deleted, or of another workspace?)"
            )
        enabled = not found.get("date_delete")
        if current is None:
            if enabled:
                with self._refusal(roster, group_id, "usergroups.disable"):
                    client.usergroups_disable(usergroup=group_id)
            return
        wanted = list(dict.fromkeys(current.people))
        if not enabled:
            with self._refusal(roster, group_id, "usergroups.enable"):
                client.usergroups_enable(usergroup=group_id)
        if not enabled or set(found.get("users") or ()) != set(wanted):
            with self._refusal(roster, group_id, "usergroups.users.update"):
                client.usergroups_users_update(usergroup=group_id, users=wanted)

    @staticmethod
    @contextmanager
    def _refusal(roster: Roster, group_id: str, method: str) -> Iterator[None]:
        """Turn Slack's refusal for good of `method` into `Refused`, in one line."""
        try:
            yield
        except SlackApiError as exc:
            error = str(exc.response.get("error", exc.response.status_code))
            if error not in REFUSALS:
                raise
            why = error
            if error == "missing_scope":
                why += f" (the app needs the scope {exc.response.get('needed') or SCOPES[method]})"
            raise Refused(
                f"user group {group_id} of roster {roster.id}: Slack refused {method}: {why}"
            ) from None

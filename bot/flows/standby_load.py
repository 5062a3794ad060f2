"""Who carried the standby load: the shifts of a roster (standby) and the pages of its
chains (escalation) over a period, measured by `bot.standby.load`, in a bounded number of
statements (the roster's overrides, its swaps, its pages), whatever the number of people.

It answers `/standby load` (the table as an ephemeral reply, the chart in the asker's DM
with the bot: a file cannot ride on an ephemeral message, and `files.completeUploadExternal`
takes a conversation ID, never a user ID, so the DM is opened first), `opsbot roster
report`, and the monthly post: a ledger delivery rendered at send time (`standby.load`),
then its chart, a ledger action (`LOAD_CHART`) that uploads the PNG into the post's thread.

Retrying the chart cannot show it twice: of the three steps of `files_upload_v2`, only the
last (`files.completeUploadExternal`) shares the file; an attempt that fails before it leaves
a private file nobody sees, and one that fails at it shares nothing. The action runs once
the post is sent (it is deferred until then), under the ledger's claim, so two clocks do not
both upload."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.config import Roster
from bot.escalation.reading import pages_of_roster
from bot.ledger import Claimed, Ledger, Outcome
from bot.ledger.sender import PERMANENT, CustomAction, Renderer, SkipDelivery
from bot.slack import timefmt
from bot.slack.escaping import escape
from bot.standby import load_render
from bot.standby.load import LOAD_CHART, LoadReport, measure
from bot.standby.load_chart import alt_text, draw, filename
from bot.standby.service import StandbyService

log = logging.getLogger(__name__)

Names = Callable[[str], str]  # a person's name as Slack shows it (People.name)
Where = Callable[[str], tuple[str | None, str | None]]  # Ledger.where_sent


def gather(
    standby: StandbyService, roster: Roster, start: dt.datetime, end: dt.datetime
) -> LoadReport:
    """The load of `roster`'s people over [start, end)."""
    shifts = standby.shifts(roster, start, end)
    pages = pages_of_roster(standby.db, roster.id, start, end)
    return measure(roster, standby.zone(roster), shifts, pages, start, end)


def upload_chart(
    client: WebClient,
    channel: str,
    report: LoadReport,
    name: Names,
    *,
    file_name: str | None = None,
    comment: str | None = None,
    thread_ts: str | None = None,
) -> None:
    """Draw the chart and share it in `channel` (a conversation ID), raising SlackApiError."""
    client.files_upload_v2(
        channel=channel,
        file=draw(report, name),
        filename=file_name or filename(report),
        title=f"{report.roster_name}: hours on standby per person",
        alt_txt=alt_text(report, name),
        initial_comment=comment,
        thread_ts=thread_ts,
    )


def chart_to_dm(client: WebClient, user: str, report: LoadReport, name: Names) -> str | None:
    """Send the chart to `user`'s DM with the bot; None when sent, else why not."""
    try:
        opened = client.conversations_open(users=user)
        upload_chart(
            client,
            opened["channel"]["id"],
            report,
            name,
            comment=f"Hours on standby per person: {escape(report.roster_name)}, "
            f"last {load_render.weeks_of(report)}.",
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        log.warning("the load chart of %s did not reach %s: %s", report.roster_id, user, error)
        return error
    except (OSError, SlackRequestError) as exc:
        log.warning("the load chart of %s did not reach %s: %s", report.roster_id, user, exc)
        return type(exc).__name__
    return None


def _period(args: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.fromisoformat(args["start"]), dt.datetime.fromisoformat(args["end"])


def _roster(standby: StandbyService, roster_id: str) -> Roster:
    roster = standby.config.roster(roster_id)
    if roster is None:
        raise SkipDelivery(f"roster {roster_id} is no longer configured")
    return roster


def load_renderers(standby: StandbyService) -> dict[str, Renderer]:
    """The monthly post, measured at send time over the period its delivery names."""

    def post(roster_id: str, start: str, end: str) -> dict[str, Any]:
        roster = _roster(standby, roster_id)
        report = gather(standby, roster, *_period({"start": start, "end": end}))
        zone = timefmt.org_zone(standby.config)
        note = ":bar_chart: The chart of hours per person follows in the thread."
        return {"channel": roster.channel, **load_render.message(report, zone, note)}

    return {"standby.load": post}


def load_actions(
    standby: StandbyService, client: WebClient, where_sent: Where, name: Names
) -> dict[str, CustomAction]:
    """The monthly chart: uploaded in the thread of its post, once the post is sent."""

    def chart(delivery: Claimed) -> Outcome:
        args = delivery.payload
        post = args["post"]
        try:
            roster = _roster(standby, args["roster_id"])
        except SkipDelivery as exc:
            return Outcome(skip=str(exc))
        channel, ts = where_sent(post)
        if channel is None or ts is None:
            with standby.db.read() as session:
                owed = Ledger.sent_or_owed(session, post)
            return Outcome(defer=True) if owed else Outcome(skip=f"{post} was never posted")
        report = gather(standby, roster, *_period(args))
        try:
            upload_chart(client, channel, report, name, file_name=args["name"], thread_ts=ts)
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            return Outcome(permanent_error=error) if error in PERMANENT else Outcome(error=error)
        except (OSError, SlackRequestError) as exc:
            return Outcome(error=f"{type(exc).__name__}: {exc}")
        return Outcome(sent=True, channel=channel)

    return {LOAD_CHART: chart}

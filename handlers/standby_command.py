"""`/standby`: who is on standby, swaps and overrides."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.errors import UsageError
from bot.flows.standby_load import chart_to_dm, gather
from bot.slack import timefmt
from bot.slack.escaping import code, escape
from bot.standby import load_render, render
from bot.standby.calendar import feed_url, issue_feed, revoke_feed
from bot.standby.commands import USAGE, StandbyCommand, parse
from bot.standby.load import period
from bot.standby.service import StandbyError, WindowEnded
from handlers.failures import answers_failures, telling_failures
from handlers.views import ephemeral, typed_text

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond

    from bot.config import Roster
    from bot.services import Services

WEEK = dt.timedelta(days=7)
MY_HORIZON = dt.timedelta(days=14)


def register(app: App, services: Services) -> None:
    service = services.standby

    @app.command("/standby")
    @answers_failures(services.clock)
    def standby(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        user, text = command["user_id"], typed_text(command)
        try:
            cmd = parse(text, today_in(ZoneInfo(services.config.timezone), services.clock.now()))
        except UsageError as exc:
            ack(**ephemeral(f":warning: {exc}\n\n{USAGE}"))
            return
        try:
            if cmd.name == "help":
                ack(**ephemeral(USAGE))
            elif cmd.name in ("swap", "override"):
                change(cmd, text, user, ack)
            elif cmd.name == "cover":
                ask_cover(cmd, text, user, ack)
            elif cmd.name == "load":
                roster = service.roster_for(cmd.roster, user)  # refused at once if unknown
                ack()  # the table follows in a moment, the chart in the asker's DM
                services.later(
                    telling_failures(
                        command, respond, lambda: load(roster, cmd.weeks, user, respond)
                    )
                )
            elif cmd.name == "calendar":
                ack(**ephemeral(calendar_link(cmd, user)))
            elif cmd.name == "calendar_off":
                ack(**ephemeral(calendar_off(cmd, user)))
            else:
                ack()  # the answer follows in a moment, in the asker's time zone

                def answer() -> None:
                    respond(**ephemeral(**view(cmd, user)))

                services.later(telling_failures(command, respond, answer))
        except UsageError as exc:
            ack(**ephemeral(f":warning: {exc}\n\n{USAGE}"))
        except StandbyError as exc:
            ack(**ephemeral(f":warning: {exc}"))

    def change(cmd: StandbyCommand, text: str, user: str, ack: Ack) -> None:
        """A swap or an override. Dates and times are the roster's: `today` and `tomorrow`
        too, so the text is read again in the roster's zone once the roster is known."""
        if cmd.name == "swap":
            roster = service.roster_for(cmd.roster, user)
            cmd = parse(text, today_in(service.zone(roster), services.clock.now()))
            assert cmd.date is not None  # parse gives a swap its date
            result = service.swap(user, roster, cmd.user or "", cmd.date)
        else:
            roster = service.roster_for(cmd.roster, cmd.user or "", user)
            cmd = parse(text, today_in(service.zone(roster), services.clock.now()))
            assert cmd.start is not None and cmd.end is not None  # parse gives both
            result = service.override(user, roster, cmd.user or "", cmd.start, cmd.end)
        ack(**ephemeral(result.message))
        services.deliver_soon(result.deliveries)

    def ask_cover(cmd: StandbyCommand, text: str, user: str, ack: Ack) -> None:
        """`/standby cover`: the date read again in the roster's zone, as for a swap."""
        roster = service.roster_for(cmd.roster, user)
        cmd = parse(text, today_in(service.zone(roster), services.clock.now()))
        result = services.covers.request(user, roster, cmd.date, cmd.reason)
        ack(**ephemeral(result.message))
        services.deliver_soon(result.deliveries)

    def load(roster: Roster, weeks: int, user: str, respond: Respond) -> None:
        """`/standby load`: the table (ephemeral), and the chart in the asker's DM."""
        report = gather(service, roster, *period(services.clock.now(), weeks))
        failed = chart_to_dm(services.client, user, report, services.people.name)
        note = (
            ":bar_chart: The chart of hours per person is in your DM with me."
            if failed is None
            else f":warning: The chart could not be sent to your DM ({code(failed)})."
        )
        zone = services.people.zone(user)
        respond(**ephemeral(**load_render.message(report, zone, note)))

    def calendar_link(cmd: StandbyCommand, user: str) -> str:
        """A new secret feed URL (any earlier one of the same feed stops working)."""
        public_url = services.settings.opsbot_public_url
        if not public_url:
            return (
                ":warning: Calendar links need the bot's public address: ask an admin to set "
                "`OPSBOT_PUBLIC_URL`."
            )
        kind, subject, what = feed_of(cmd, user, "get")
        token = issue_feed(services.db, kind, subject, services.clock.now())
        return (
            f"Subscribe to {what} in your calendar app: {feed_url(token, public_url)}\n"
            "Keep it private. Any earlier link to this calendar has stopped working."
        )

    def calendar_off(cmd: StandbyCommand, user: str) -> str:
        kind, subject, what = feed_of(cmd, user, "turn off")
        if revoke_feed(services.db, kind, subject):
            return f"The calendar link to {what} has stopped working."
        return f"There was no calendar link to {what}; nothing to turn off."

    def feed_of(cmd: StandbyCommand, user: str, verb: str) -> tuple[str, str, str]:
        """(kind, subject, description) of the feed asked for: a roster's (only for its
        members and admins), or the asker's own."""
        if not cmd.roster:
            return "person", user, "your shifts on every roster"
        roster = service.roster_for(cmd.roster)
        if user not in roster.members and not services.config.is_admin(user):
            raise StandbyError(
                f"Only members of {roster.name} or an admin may {verb} its calendar."
            )
        return "roster", roster.id, f"{roster.name}'s shifts"

    def view(cmd: StandbyCommand, user: str) -> dict[str, Any]:
        zone, now = services.people.zone(user), services.clock.now()
        try:
            if cmd.name == "now":
                return render.now_reply(service.now_and_next(now), zone)
            if cmd.name == "me":
                return my_shifts(user, now, zone)
            rosters = [service.roster_for(cmd.roster)] if cmd.roster else services.config.rosters
            by_roster = [(r, service.shifts(r, now, now + WEEK)) for r in rosters]
            title = f"Standby, next 7 days ({', '.join(r.name for r in rosters)})"
            return render.week_reply(title, by_roster, zone)
        except StandbyError as exc:
            return {"text": f":warning: {exc}"}

    def my_shifts(user: str, now: dt.datetime, zone: ZoneInfo) -> dict[str, Any]:
        title = "Your shifts in the next 14 days"
        mine = [r for r in services.config.rosters if user in r.members]
        if not mine:
            known = ", ".join(escape(r.name) for r in services.config.rosters) or "none configured"
            empty = f"You are on no standby roster (rosters: {known})."
            return render.mine_reply(title, [], user, zone, empty)
        names = {r.id: r.name for r in services.config.rosters}
        shifts = service.user_shifts(user, now, now + MY_HORIZON)
        listed = [(s, names.get(s.roster_id, s.roster_id)) for s in shifts]
        return render.mine_reply(title, listed, user, zone, "None in the next 14 days.")


def today_in(zone: ZoneInfo, now: dt.datetime) -> dt.date:
    """The date in `zone` at `now`."""
    return now.astimezone(zone).date()


def register_actions(app: App, services: Services) -> None:
    @app.action("standby_ack")
    @answers_failures(services.clock)
    def acknowledge(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        user = body["user"]["id"]
        try:
            result = services.standby.acknowledge(user, action["value"])
        except WindowEnded as exc:
            when = timefmt.wall(exc.ended_at, services.people.zone(user))
            text = f":warning: That standby window ended {when}: it can no longer be acknowledged."
            respond(text=text, response_type="ephemeral", replace_original=False)
            return
        except StandbyError as exc:
            respond(text=f":warning: {exc}", response_type="ephemeral", replace_original=False)
            return
        respond(text=result.message, response_type="ephemeral", replace_original=False)
        services.deliver_soon(result.deliveries)

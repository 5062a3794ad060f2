"""`opsbot roster report ROSTER [--weeks N]`: who carried a roster's standby load over the
last N weeks (default 4), the table `/standby load` shows, in the terminal. It needs the
configuration and the database only, no Slack tokens; people are shown by their user IDs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.clock import SYSTEM_CLOCK
from bot.config import OrgConfig
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.standby.service import StandbyService

Load = Callable[[], tuple[Settings, OrgConfig]]


def standby_service(settings: Settings, config: OrgConfig) -> StandbyService:
    """The standby service on a migrated database: no Slack tokens needed. Dispose of its
    database when done."""
    from bot.db.engine import Database
    from bot.schema.migrate import upgrade
    from bot.standby.service import StandbyService

    upgrade(settings.database_url)
    return StandbyService(Database(settings.database_url), config, SYSTEM_CLOCK)


def unknown_roster(name: str, config: OrgConfig) -> str:
    known = ", ".join(r.id for r in config.rosters) or "none configured"
    return f"there is no roster {name!r}; rosters: {known}"


def _days(value: str) -> int:
    from bot.standby.preview import MAX_DAYS

    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of days") from None
    if not 1 <= days <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_DAYS}")
    return days


def cmd_roster_preview(args: argparse.Namespace, load: Load) -> int:
    from bot.standby.preview import preview_lines

    settings, config = load()
    roster = config.roster(args.roster)
    if roster is None:
        print(f"opsbot: {unknown_roster(args.roster, config)}", file=sys.stderr)
        return 2
    service = standby_service(settings, config)
    try:
        for line in preview_lines(service, roster, service.clock.now(), args.days):
            print(line)
    finally:
        service.db.dispose()
    return 0


def _weeks(value: str) -> int:
    from bot.standby.commands import MAX_LOAD_WEEKS

    try:
        weeks = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of weeks") from None
    if not 1 <= weeks <= MAX_LOAD_WEEKS:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_LOAD_WEEKS}")
    return weeks


def report_lines(settings: Settings, config: OrgConfig, roster_id: str, weeks: int) -> list[str]:
    """The report's lines; a LookupError naming the rosters when `roster_id` is none."""
    from bot.flows.standby_load import gather
    from bot.slack.timefmt import wall
    from bot.standby.load import period
    from bot.standby.load_render import hours, share, table_lines, weeks_of

    roster = config.roster(roster_id)
    if roster is None:
        raise LookupError(unknown_roster(roster_id, config))
    service = standby_service(settings, config)
    try:
        report = gather(service, roster, *period(service.clock.now(), weeks))
    finally:
        service.db.dispose()
    zone = service.zone(roster)
    lines = [
        f"Standby load: {roster.name} (roster {roster.id}), last {weeks_of(report)}",
        f"from {wall(report.start, zone)} to {wall(report.end, zone)}: "
        f"{hours(report.seat_hours)} of standby over all seats; weekend hours in {zone.key}",
        "",
        *table_lines(report),
    ]
    flagged = report.flagged
    if flagged:
        who = ", ".join(m.user for m in flagged)
        lines += ["", f"Above the roster's max_share of {share(report.max_share)}: {who}"]
    return lines


def cmd_roster_report(args: argparse.Namespace, load: Load) -> int:
    settings, config = load()
    try:
        lines = report_lines(settings, config, args.roster, args.weeks)
    except LookupError as exc:
        print(f"opsbot: {exc.args[0]}", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    return 0


def add_parser(sub: Any, load: Load) -> None:
    """`opsbot roster preview` and `opsbot roster report`."""
    roster = sub.add_parser("roster", help="standby roster commands")
    roster_sub = roster.add_subparsers(dest="roster_command", required=True)
    preview = roster_sub.add_parser("preview", help="print the coming standby shifts of a roster")
    preview.add_argument("roster", metavar="ROSTER", help="the roster's id, e.g. platform")
    preview.add_argument(
        "--days", type=_days, default=14, metavar="N", help="how many days ahead (default 14)"
    )
    preview.set_defaults(func=lambda args: cmd_roster_preview(args, load))
    report = roster_sub.add_parser(
        "report",
        help="print who carried a roster's standby load (hours, pages, covers, shares)",
        description="Print, per member, the windows, hours, weekend hours, pages received "
        "and acknowledged, median time to acknowledge, covers given and taken, and share "
        "of the roster's standby hours over the last N weeks; a share above "
        "rosters[].max_share is flagged.",
    )
    report.add_argument("roster", metavar="ROSTER", help="the roster's id, e.g. platform")
    report.add_argument(
        "--weeks", type=_weeks, default=4, metavar="N", help="how many weeks back (default 4)"
    )
    report.set_defaults(func=lambda args: cmd_roster_report(args, load))

"""`opsbot roster report ROSTER [--weeks N]`: who carried a roster's standby load over the
last N weeks (default 4), the table `/standby load` shows, in the terminal. It needs the
configuration and the database only, no Slack tokens; people are shown by their user IDs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from bot.clock import SYSTEM_CLOCK
from bot.config import OrgConfig
from bot.settings import Settings

Load = Callable[[], tuple[Settings, OrgConfig]]


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
    from bot.db.engine import Database
    from bot.flows.standby_load import gather
    from bot.schema.migrate import upgrade
    from bot.slack.timefmt import wall
    from bot.standby.load import period
    from bot.standby.load_render import hours, share, table_lines, weeks_of
    from bot.standby.service import StandbyService

    roster = config.roster(roster_id)
    if roster is None:
        known = ", ".join(r.id for r in config.rosters) or "none configured"
        raise LookupError(f"there is no roster {roster_id!r}; rosters: {known}")
    upgrade(settings.database_url)
    service = StandbyService(Database(settings.database_url), config, SYSTEM_CLOCK)
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


def add_report_parser(roster_sub: Any, load: Load) -> None:
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

"""The `opsbot` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

from bot.cli_alerts import add_parser as add_alerts_parser
from bot.cli_roster import add_parser as add_roster_parser
from bot.cli_roster import standby_service, unknown_roster
from bot.cli_usergroups import config_checked
from bot.config import ConfigError, OrgConfig, load_config
from bot.kit.shell import add_parser as add_shell_parser
from bot.settings import Settings, SettingsError, config_file_setting, load_settings, port_number
from bot.slack.manifest import SlashCommand
from bot.slack.manifest import add_parser as add_manifest_parser
from schedules.watchdog import STALE_AFTER, STUCK_EXIT

log = logging.getLogger("opsbot")
DEFAULT_PORT = 3000


def _fail(message: str, code: int = 2) -> int:
    print(f"opsbot: {message}", file=sys.stderr)
    return code


def _load(*required: str, settings: Settings | None = None) -> tuple[Settings, OrgConfig]:
    settings = (settings or load_settings()).require(*required)
    return settings, load_config(settings.opsbot_config)


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.shutdown import stop_on_signals

    # First: SIGTERM and SIGINT ask for a stop from here on. Start-up stops between its steps
    # once one is asked for; serving drains and returns (see bot.shutdown.Shutdown).
    shutdown = stop_on_signals()

    from slack_sdk.errors import SlackApiError

    from bot.app import create_app
    from bot.http_server import HttpServer
    from bot.logs import setup_logging
    from bot.reload import reload_on_sighup
    from bot.schema.migrate import upgrade
    from schedules import TICK_SECONDS, build_scheduler
    from schedules.watchdog import TickWatch

    settings = load_settings()  # SLACK_APP_TOKEN may come from .env, as any setting
    http = () if settings.socket_mode else ("SLACK_SIGNING_SECRET",)
    settings, config = _load("SLACK_BOT_TOKEN", *http, settings=settings)
    setup_logging(settings.opsbot_log_format)
    port = args.port or settings.port or DEFAULT_PORT
    upgrade(settings.database_url)
    if shutdown.requested():
        log.info("opsbot stopped")
        return 0
    bot = create_app(settings, config)
    if shutdown.requested():
        bot.close()
        log.info("opsbot stopped")
        return 0
    reload_on_sighup(bot, settings.opsbot_config)
    watch = TickWatch(STALE_AFTER, TICK_SECONDS, now=bot.clock.monotonic)
    bot.tick_watch = None if args.no_scheduler else watch
    scheduler = (
        None if args.no_scheduler else build_scheduler(bot.tick, clock=bot.clock, watch=watch)
    )
    try:
        server = HttpServer(bot.wsgi(), port=port)
    except OSError as exc:
        bot.close()
        reason = exc.strerror or str(exc)
        if not (args.port or settings.port):
            reason = f"{reason} (the default port; set PORT or --port)"
        named = "--port: " if args.port else "PORT: " if settings.port else ""
        raise SettingsError(f"{named}cannot listen on port {port}: {reason}") from None
    socket_handlers: list[Any] = []
    try:
        if scheduler is not None and not shutdown.requested():
            scheduler.start()
        app_token = settings.slack_app_token  # set: Socket Mode
        if app_token is not None and not shutdown.requested():
            from bot.slack import socket_mode

            try:
                socket_handlers = socket_mode.connect(
                    bot.bolt,
                    app_token.get_secret_value(),
                    bot.clock,
                )
            except SlackApiError as exc:
                error = exc.response.get("error", "refused")
                raise SettingsError(
                    f"SLACK_APP_TOKEN: Slack refused the Socket Mode connection ({error})"
                ) from None
        if not shutdown.requested():
            log.info(
                "opsbot serving on port %d (scheduler %s)",
                server.port,
                "on" if scheduler else "off",
            )
        server.serve_forever()  # drains at once if a stop was asked for meanwhile
    finally:
        if socket_handlers:
            from bot.slack import socket_mode

            socket_mode.close(socket_handlers)
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=True)
        bot.close()
        log.info("opsbot stopped")
    return 0


def cmd_clock(args: argparse.Namespace) -> int:
    from bot.shutdown import stop_on_signals

    # First: SIGTERM and SIGINT ask for a stop from here on (see bot.shutdown.Shutdown).
    shutdown = stop_on_signals()

    from bot.app import create_app
    from bot.logs import setup_logging
    from bot.reload import reload_on_sighup
    from bot.schema.migrate import upgrade
    from schedules import TICK_SECONDS, build_scheduler
    from schedules.watchdog import TickWatch, start_watchdog

    settings, config = _load("SLACK_BOT_TOKEN")
    setup_logging(settings.opsbot_log_format)
    bot = None
    try:
        upgrade(settings.database_url)
        if shutdown.requested():
            return 0
        bot = create_app(settings, config)
        if shutdown.requested():
            return 0
        reload_on_sighup(bot, settings.opsbot_config)
        watch = TickWatch(args.stale_after, TICK_SECONDS, now=bot.clock.monotonic)
        scheduler = build_scheduler(bot.tick, clock=bot.clock, watch=watch)
        start_watchdog(watch)
        if shutdown.requested():
            return 0
        log.info("opsbot clock started (exits if its tick is stuck for %g s)", args.stale_after)
        scheduler.start()  # on a thread of its own; the first tick at once
        try:
            shutdown.wait()
        finally:
            scheduler.shutdown(wait=True)  # after the running tick (the watchdog still watches)
    finally:
        if bot is not None:
            bot.close()
        log.info("opsbot clock stopped")
    return 0


def _port(value: str) -> int:
    try:
        return port_number(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return seconds


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    from bot.schema.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    print(f"database is up to date ({settings.database_url.split('@')[-1]})")
    return 0


def cmd_config_check(args: argparse.Namespace) -> int:
    path = args.file or config_file_setting()
    try:
        config = load_config(path)
    except ConfigError as exc:
        if exc.unreadable:
            return _fail(str(exc.problems[0]))
        for problem in exc.problems:
            print(problem)
        count = len(exc.problems)
        print(f"{count} error{'s' if count != 1 else ''} in {path}", file=sys.stderr)
        return 1
    return config_checked(path, config)  # the valid line, then the rosters' user groups


def _unknown_roster(name: str, config: OrgConfig) -> int:
    return _fail(unknown_roster(name, config))


def cmd_calendar_url(args: argparse.Namespace) -> int:
    from bot.standby.calendar import PERSON_ID, feed_url, find_feed, issue_feed

    settings, config = _load()
    if args.roster is not None:
        roster = config.roster(args.roster)
        if roster is None:
            return _unknown_roster(args.roster, config)
        kind, subject, what = "roster", roster.id, f"{roster.name} (roster {roster.id})"
    else:
        if not PERSON_ID.match(args.person):
            return _fail(f"{args.person!r} is not a Slack user ID like U0ALICE01")
        kind, subject, what = "person", args.person, f"the standby shifts of {args.person}"
    service = standby_service(settings, config)
    try:
        replaced = find_feed(service.db, kind, subject) is not None
        token = issue_feed(service.db, kind, subject, service.clock.now())
    finally:
        service.db.dispose()
    print(feed_url(token, settings.opsbot_public_url))
    notes = [f"Calendar feed of {what}: subscribe to this URL in a calendar app; keep it secret."]
    if kind == "person" and not any(subject in r.members for r in config.rosters):
        notes.append(f"{subject} is not a member of any roster: the feed is empty for now.")
    if replaced:
        notes.append("The feed's previous URL no longer works.")
    notes.append(
        "Only a hash of the URL's secret is kept, so it cannot be shown again: running this "
        "command again issues a new URL and the old one stops working."
    )
    if not settings.opsbot_public_url:
        notes.append("OPSBOT_PUBLIC_URL is not set: put the bot's public address before this path.")
    for note in notes:
        print(note, file=sys.stderr)
    return 0


def slash_commands() -> list[SlashCommand]:
    """The slash commands the handlers register, each described by its usage text, for
    `opsbot manifest`."""
    from bot.alerts.commands import USAGE as ALERTS_USAGE
    from bot.incidents.commands import USAGE as INCIDENT_USAGE
    from bot.loop.commands import USAGE as LOOP_USAGE
    from bot.standby.commands import USAGE as STANDBY_USAGE

    return [
        SlashCommand.from_usage("/incident", INCIDENT_USAGE),
        SlashCommand.from_usage("/standby", STANDBY_USAGE),
        SlashCommand.from_usage("/lol", LOOP_USAGE),
        SlashCommand.from_usage("/alerts", ALERTS_USAGE),
    ]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opsbot", description="Self-hosted Slack bot for platform teams."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="the Slack app over HTTP (and the scheduler)")
    serve.add_argument(
        "--port", type=_port, help=f"port to listen on (default $PORT or {DEFAULT_PORT})"
    )
    serve.add_argument("--no-scheduler", action="store_true", help="do not run the scheduler here")
    serve.set_defaults(func=cmd_serve)
    clock_parser = sub.add_parser(
        "clock",
        help="the scheduler alone",
        description="Run the scheduler alone (the Procfile's clock). A watchdog ends the "
        f"process with status {STUCK_EXIT} when the tick is stuck, so that the platform "
        "restarts it: when the tick's thread has not moved for --stale-after seconds, or no "
        "tick has started for that long after one was due.",
    )
    clock_parser.add_argument(
        "--stale-after",
        type=_seconds,
        default=STALE_AFTER,
        metavar="SECONDS",
        help=f"how long the tick may be stuck before the clock exits (default {STALE_AFTER:g})",
    )
    clock_parser.set_defaults(func=cmd_clock)
    db = sub.add_parser("db", help="database commands")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply database migrations").set_defaults(func=cmd_db_upgrade)
    config = sub.add_parser("config", help="configuration commands")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    check = config_sub.add_parser("check", help="validate a configuration file")
    check.add_argument("file", nargs="?", help="the file (default $OPSBOT_CONFIG or opsbot.yaml)")
    check.set_defaults(func=cmd_config_check)
    add_roster_parser(sub, _load)
    calendar = sub.add_parser("calendar", help="standby calendar (ICS) feeds")
    calendar_sub = calendar.add_subparsers(dest="calendar_command", required=True)
    url = calendar_sub.add_parser(
        "url",
        help="issue a feed URL (a new one each time: the old URL stops working)",
        description="Print a secret ICS feed URL of a roster's or a person's standby shifts. "
        "Only a hash of the URL's token is stored, so each run issues a new URL and the "
        "previous URL of that feed stops working (--rotate says so explicitly).",
    )
    whose = url.add_mutually_exclusive_group(required=True)
    whose.add_argument("--roster", metavar="ID", help="all shifts of this roster")
    whose.add_argument("--person", metavar="UID", help="this person's shifts on every roster")
    url.add_argument(
        "--rotate",
        action="store_true",
        help="replace the feed's URL (what every run does; the old URL stops working)",
    )
    url.set_defaults(func=cmd_calendar_url)
    add_alerts_parser(sub, _load)
    add_manifest_parser(sub, slash_commands)
    add_shell_parser(sub)
    return parser


class _BoltTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself and, since opsbot hands it
    a Web API client made with that very token, warns at every start that the token "will be
    unused". Only that line is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

        return record.getMessage() != warning_client_prioritized_and_token_skipped()


_BOLT_TOKEN_NOTICE = _BoltTokenNotice()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.getLogger("slack_bolt.App").addFilter(_BOLT_TOKEN_NOTICE)
    try:
        return int(args.func(args))
    except SettingsError as exc:
        return _fail(str(exc))
    except ConfigError as exc:
        first = exc.problems[0]
        more = (
            f" (and {len(exc.problems) - 1} more; run `opsbot config check`)"
            if len(exc.problems) > 1
            else ""
        )
        return _fail(f"OPSBOT_CONFIG: {first}{more}")


if __name__ == "__main__":
    sys.exit(main())

"""The shell's engine: the real bot (Bolt app, handlers, tick, SQLite store) behind a
loopback HTTP server, the Web API stand-in as its workspace, the bot's clock (a
`ManualClock` given to `create_app`) moved on command, and what the bot posted since the
last command. The commands (commands.py) act on a `Shell`; after each the session is saved
next to the database (saved.py), for `--resume`. Messages get the shell's time as their
ts, as in Slack, so each shows when it was sent."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import secrets
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import OpsBot, create_app
from bot.clock import SYSTEM_CLOCK
from bot.config import OrgConfig
from bot.http_server import HttpServer
from bot.kit.clock import ManualClock
from bot.kit.shell.alerts import with_test_source
from bot.kit.shell.changes import ChangeFeed
from bot.kit.shell.errors import ShellError
from bot.kit.shell.logs import ShellLog, unhandled_request
from bot.kit.shell.modal import ModalForm
from bot.kit.shell.moments import tick_moments
from bot.kit.shell.names import BOT_USER, Directory, populate_workspace
from bot.kit.shell.saved import (
    SavedSession,
    load,
    log_path,
    restore_workspace,
    save,
    start_afresh,
    workspace_state,
)
from bot.kit.shell.transcript import Button, Renderer
from bot.kit.slack_requests import Reply, SlackRequests
from bot.kit.standin import Message, SlackStandIn, Workspace
from bot.schema.migrate import upgrade
from bot.settings import Settings

__all__ = ["Shell", "ShellError"]

MAX_WAIT = dt.timedelta(days=60)
ACTED_FOR = dt.timedelta(hours=2)  # how long a command's moment matters to tick_moments
_counter = itertools.count(1)


class Shell(ChangeFeed):
    """One shell session. Use as a context manager; `commands.run(shell, line)` does one
    command.

    A new session starts from an empty database at `start` (default: now); with `resume`,
    it goes on with the database, workspace and clock a session left at `db_path`
    (`resumed` is then what was picked up; a new session starts when nothing was saved).
    `opening` is what the bot did on its first tick, at the start."""

    def __init__(
        self,
        config: OrgConfig,
        db_path: str | Path,
        *,
        start: dt.datetime | None = None,
        resume: bool = False,
    ):
        self.config = with_test_source(config)  # `alert` needs a source to post through
        self.db_path = Path(db_path)
        self.db_url = f"sqlite:///{self.db_path}"
        self.zone = ZoneInfo(config.timezone)
        self.start_time = start or SYSTEM_CLOCK.now().replace(microsecond=0)
        self.clock = ManualClock(self.start_time)  # the bot's: moved by `advance`
        self.resume = resume
        self.resumed: SavedSession | None = None
        self.opening: list[str] = []
        self.log: ShellLog | None = None
        self._ts_floor = 0.0  # new messages' ts come after every restored one
        self.secret = secrets.token_hex(16)
        self.done = False
        self.interrupted = False  # the last command was stopped with Ctrl-C
        self.names: dict[str, str] = {}  # user id -> readable name
        self.buttons: list[Button] = []
        self.modal: ModalForm | None = None
        self._seen: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._responses_seen = 0
        self._calls_seen = 0
        self._acted: list[dt.datetime] = []  # when commands reached the bot
        self.alert_tokens: dict[str, str] = {}  # source id -> its URL's token, this session
        self.standin: SlackStandIn | None = None
        self.http: HttpServer | None = None
        self.bot: OpsBot | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Shell:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        self.resumed = load(self.db_path) if self.resume else None
        if self.resumed is None:
            start_afresh(self.db_path)
        else:
            self.clock.move_to(self.resumed.clock)
        try:
            self._open(self.resumed)
        except BaseException:
            self.close()
            raise

    def _open(self, saved: SavedSession | None) -> None:
        standin = self.standin = SlackStandIn(
            bot_user_id=BOT_USER, ts_clock=lambda: max(self.now().timestamp(), self._ts_floor)
        )
        if saved is not None:
            try:
                self._ts_floor = restore_workspace(standin.workspace, saved.workspace) + 0.001
            except (TypeError, KeyError, ValueError) as exc:  # saved by another version
                raise ShellError(
                    f"the saved workspace cannot be read ({exc}); start a new session"
                ) from None
        standin.start()
        self.names = populate_workspace(standin, self.config)
        self.directory = Directory(standin.workspace, self.names)
        self.render = Renderer(self.user_name, self.channel_name, self.zone, self.now)
        general_channel = standin.workspace.channel_named("general")
        assert general_channel is not None, "populate_workspace makes #general"
        general = general_channel.id
        members = [u for u in self.names if u != BOT_USER]
        self.user = (self.config.admins or members)[0]
        self.channel = general
        if saved is not None:
            self._pick_up(saved)
        upgrade(self.db_url)
        # By field name (the settings populate by name) and without a .env file: a dict, as
        # mypy knows the settings' constructor by the environment variables' names only.
        values: dict[str, Any] = {
            "_env_file": None,
            "slack_bot_token": "xoxb-opsbot-shell",
            "slack_signing_secret": self.secret,
            "slack_api_url": standin.api_url,
            "database_url": self.db_url,
        }
        settings = Settings(**values)
        self.bot = create_app(settings, self.config, backoff_factor=0.01, clock=self.clock)
        self.http = HttpServer(self.bot.wsgi(), host="127.0.0.1", port=0, threads=4)
        self.http.start_in_thread()
        self.requests = SlackRequests(
            f"http://127.0.0.1:{self.http.port}", self.secret, compose=standin.compose
        )
        hide = unhandled_request(self.bot.bolt.logger)
        self.log = ShellLog(
            log_path(self.db_path), append=saved is not None, now=self.now, hide=hide
        )
        self.log.attach()
        self._mark_seen()
        self.bot.tick()  # the bot starts as a server does: whatever is due now
        self.opening = self.changes() + self.log.drain()
        self.save()

    def _pick_up(self, saved: SavedSession) -> None:
        """Who and where you were, the buttons last shown and the open modal."""
        if saved.user in self.ws.users:
            self.user = saved.user
        if saved.channel in self.ws.channels:
            self.channel = saved.channel
        self._acted = list(saved.acted)
        self.buttons = list(saved.buttons)
        if saved.modal is not None:
            self.modal = ModalForm(saved.modal["view"], self.render)
            self.modal.filled = saved.modal["filled"]

    def save(self) -> None:
        """Save the session next to the database (see saved.py)."""
        now = self.now()
        self._acted = [moment for moment in self._acted if moment > now - ACTED_FOR]
        modal = self.modal
        save(
            self.db_path,
            SavedSession(
                clock=now,
                user=self.user,
                channel=self.channel,
                acted=self._acted,
                buttons=self.buttons,
                modal=None if modal is None else {"view": modal.view, "filled": modal.filled},
                workspace=workspace_state(self.ws),
            ),
        )

    def close(self) -> None:
        if self.http is not None:
            self.http.stop(timeout=5)
            self.http = None
        if self.bot is not None:
            self.bot.wait_idle(timeout=10)
            self.bot.close()
            self.bot = None
        if self.standin is not None:
            self.standin.stop()
            self.standin = None
        if self.log is not None:
            self.log.detach()
            self.log = None

    # -- names -----------------------------------------------------------------------------

    @property
    def ws(self) -> Workspace:
        assert self.standin is not None
        return self.standin.workspace

    def user_name(self, user_id: str) -> str:
        return self.directory.user_name(user_id)

    def channel_name(self, channel_id: str) -> str:
        return self.directory.channel_name(channel_id)

    def where(self, message: Message) -> str:
        return self.directory.where(message, self.user)

    # -- what reaches the bot --------------------------------------------------------------

    def slash(self, command: str, text: str) -> list[str]:
        assert self.standin is not None
        channel, user = self.channel, self.user
        self.requests.response_url = lambda: self.standin.new_response_url(
            channel=channel, user=user
        )
        self._acted.append(self.now())
        reply = self.requests.command(command, text, user=self.user, channel=self.channel)
        if reply.status == 404:  # Bolt: no listener for it
            self.settle()
            raise ShellError(
                f"{command} is not an opsbot command (try /incident, /standby, /lol, /alerts)"
            )
        return self.reply_lines(reply) + self.changes()

    def click(self, button: Button) -> list[str]:
        assert self.standin is not None
        user = self.user
        self.requests.response_url = lambda: self.standin.new_response_url(
            channel=button.channel, user=user, message_ts=button.message_ts
        )
        self._acted.append(self.now())
        reply = self.requests.click(
            button.action_id,
            button.value,
            user=self.user,
            channel=button.channel,
            message_ts=button.message_ts,
            block_id=button.block_id,
        )
        lines = self.reply_lines(reply) + self.changes()
        if button.url:
            lines.insert(0, f"(opens {button.url})")
        return lines

    def acting(self) -> None:
        """Something reaches the bot now, other than through Slack (an alert posted): what
        it starts (a page's escalation steps) counts from now (see `tick_moments`)."""
        self._acted.append(self.now())

    def home(self) -> list[str]:
        """Open the App Home tab as Slack does (`app_home_opened`), show what the bot
        published there; its buttons become `click`'s."""
        now = self.now().timestamp()
        event = {
            "token": "unused",
            "type": "event_callback",
            "team_id": self.requests.team_id,
            "api_app_id": "A0OPSBOT0",
            "event": {
                "type": "app_home_opened",
                "user": self.user,
                "tab": "home",
                "event_ts": f"{now:.6f}",
            },
            "event_id": f"Ev.shell.{next(_counter)}",
            "event_time": int(now),
        }
        reply = self.requests.post(json.dumps(event), "application/json")
        if reply.status >= 400:
            self.settle()
            raise ShellError(f"the bot answered HTTP {reply.status}: {reply.body[:200]}")
        lines = self.changes()
        with self.ws.lock:
            view = copy.deepcopy(self.ws.views.get(self.ws.home_views.get(self.user, "")))
        if not view:
            return [*lines, "(the bot published no App Home for you)"]
        buttons: list[Button] = []
        holder = Message(channel=self.channel, ts="0")
        body = self.render.blocks(view.get("blocks", []), holder, buttons)
        if buttons:
            self.buttons = buttons
        box = [f"┌ App Home of @{self.user_name(self.user)}", *("│ " + b for b in body), "└"]
        return lines + box

    def submit(self, form: ModalForm) -> list[str]:
        view = {**form.view, "state": {"values": form.view_state()}}
        payload = {
            "type": "view_submission",
            "team": {"id": self.requests.team_id},
            "user": {"id": self.user, "team_id": self.requests.team_id},
            "api_app_id": "A0OPSBOT0",
            "trigger_id": f"trigger.shell.{next(_counter)}",
            "view": view,
        }
        self._acted.append(self.now())
        reply = self.requests.interaction(payload)
        if reply.status >= 400:
            self.settle()
            raise ShellError(f"the bot answered HTTP {reply.status}: {reply.body[:200]}")
        try:
            answer = reply.json()
        except ValueError:
            answer = {}
        action = answer.get("response_action") if isinstance(answer, dict) else None
        lines: list[str] = []
        if action == "errors":
            lines.append("✗ the modal stays open:")
            for block_id, error in (answer.get("errors") or {}).items():
                lines.append(f"  {block_id}: {self.render.text(str(error))}")
        elif action in ("update", "push") and isinstance(answer.get("view"), dict):
            self.modal = ModalForm({**answer["view"], "id": form.view.get("id")}, self.render)
            lines += self.modal.lines(self.channel)
        else:
            self.modal = None
            lines.append("(modal closed)")
        return lines + self.changes()

    def reply_lines(self, reply: Reply) -> list[str]:
        """The synchronous answer to a request, shown to the current user only."""
        if reply.status >= 400:
            self.settle()
            raise ShellError(f"the bot answered HTTP {reply.status}: {reply.body[:200]}")
        try:
            body = reply.json()
        except ValueError:
            body = {"text": reply.body}
        if not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
            return []
        return self.show([(self._only_you(body), False, "")])

    # -- time ------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return self.clock.now()

    def format_time(self, moment: dt.datetime) -> str:
        local = moment.astimezone(self.zone)
        return f"{local:%a %d %b %Y %H:%M} {local.tzname()} ({self.config.timezone})"

    def advance(self, target: dt.datetime) -> list[str]:
        """Move the clock to `target`, running the bot's tick at every moment something may
        fall due on the way (see `tick_moments`), then at `target`."""
        assert self.bot is not None
        start = self.now()
        if target <= start:
            raise ShellError(f"{self.format_time(target)} is not ahead; the clock only moves on")
        if target - start > MAX_WAIT:
            raise ShellError("that is more than 60 days ahead; move in smaller steps")
        for moment in tick_moments(self.bot, start, target, self._acted):
            self.clock.move_to(moment)
            self.bot.tick()
        if self.now() != target:
            self.clock.move_to(target)
            self.bot.tick()
        return [f"⏱  {self.format_time(target)}", *self.changes()]

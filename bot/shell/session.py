"""The shell's engine: the real bot (Bolt app, handlers, tick, SQLite store) behind a
loopback HTTP server, the Web API stand-in as its workspace, a frozen clock moved on
command, and what the bot posted since the last command. `Shell.run(line)` does one
command (see commands.py) and returns the lines to print."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import secrets
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from bot.app import OpsBot, create_app
from bot.config import OrgConfig
from bot.db.migrate import upgrade
from bot.settings import Settings
from bot.shell.commands import COMMANDS, HELP, dispatch
from bot.shell.errors import ShellError
from bot.shell.modal import ModalForm
from bot.shell.moments import tick_moments
from bot.shell.names import BOT_USER, Directory, populate_workspace
from bot.shell.transcript import Button, Renderer
from bot.slack_requests import Reply, SlackRequests
from bot.standin import Message, SlackStandIn
from bot.web import HttpServer

__all__ = ["COMMANDS", "HELP", "Shell", "ShellError"]

MAX_WAIT = dt.timedelta(days=60)
_counter = itertools.count(1)


class Shell:
    """One shell session. Use as a context manager; `run(line)` does one command."""

    def __init__(self, config: OrgConfig, db_path: str | Path, *, start: dt.datetime | None = None):
        self.config = config
        self.db_url = f"sqlite:///{Path(db_path)}"
        self.zone = ZoneInfo(config.timezone)
        self.start_time = start or dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.secret = secrets.token_hex(16)
        self.done = False
        self.names: dict[str, str] = {}  # user id -> readable name
        self.buttons: list[Button] = []
        self.modal: ModalForm | None = None
        self._seen: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._responses_seen = 0
        self._calls_seen = 0
        self._freezer: Any = None
        self._acted: list[dt.datetime] = []  # when commands reached the bot
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
        self._freezer = freeze_time(self.start_time, tick=False)
        self.clock = self._freezer.start()
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        standin = self.standin = SlackStandIn(bot_user_id=BOT_USER).start()
        self.names = populate_workspace(standin, self.config)
        self.directory = Directory(standin.workspace, self.names)
        self.channel = standin.workspace.channel_named("general").id  # type: ignore[union-attr]
        members = [u for u in self.names if u != BOT_USER]
        self.user = (self.config.admins or members)[0]
        upgrade(self.db_url)
        settings = Settings(
            _env_file=None,
            slack_bot_token="xoxb-opsbot-shell",
            slack_signing_secret=self.secret,
            slack_api_url=standin.api_url,
            database_url=self.db_url,
        )
        self.bot = create_app(settings, self.config, backoff_factor=0.01)
        self.http = HttpServer(self.bot, host="127.0.0.1", port=0, threads=4)
        self.http.start_in_thread()
        self.requests = SlackRequests(
            f"http://127.0.0.1:{self.http.port}", self.secret, compose=standin.compose
        )
        self.render = Renderer(self.user_name, self.channel_name)
        self._mark_seen()

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
        if self._freezer is not None:
            self._freezer.stop()
            self._freezer = None

    # -- names -----------------------------------------------------------------------------

    @property
    def ws(self):  # type: ignore[no-untyped-def]
        assert self.standin is not None
        return self.standin.workspace

    def user_name(self, user_id: str) -> str:
        return self.directory.user_name(user_id)

    def channel_name(self, channel_id: str) -> str:
        return self.directory.channel_name(channel_id)

    def where(self, message: Message) -> str:
        return self.directory.where(message, self.user)

    # -- commands --------------------------------------------------------------------------

    def run(self, line: str) -> list[str]:
        """Do one command; the lines to print. Mistakes come back as one `error:` line."""
        line = line.strip()
        if not line or line.startswith("#"):
            return []
        try:
            return dispatch(self, line)
        except ShellError as exc:
            return [f"error: {exc}"]
        except Exception as exc:  # noqa: BLE001 - the shell keeps going, one line per failure
            return [f"error: {type(exc).__name__}: {exc}"]

    # -- what reaches the bot --------------------------------------------------------------

    def slash(self, command: str, text: str) -> list[str]:
        assert self.standin is not None
        channel, user = self.channel, self.user
        self.requests.response_url = lambda: self.standin.new_response_url(  # type: ignore[union-attr]
            channel=channel, user=user
        )
        self._acted.append(self.now())
        reply = self.requests.command(command, text, user=self.user, channel=self.channel)
        if reply.status == 404:
            self.settle()
            raise ShellError(f"the bot has no {command} command (try /incident, /standby, /lol)")
        return self.reply_lines(reply) + self.changes()

    def click(self, button: Button) -> list[str]:
        assert self.standin is not None
        user = self.user
        self.requests.response_url = lambda: self.standin.new_response_url(  # type: ignore[union-attr]
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

    def _only_you(self, body: dict[str, Any]) -> Message:
        """A reply only the current user sees (an ack's body or a response_url post)."""
        message = Message(
            channel=self.channel,
            ts="0",
            text=str(body.get("text") or ""),
            blocks=body.get("blocks") or [],
            bot_id="B",
        )
        message.ephemeral_user = self.user
        return message

    # -- time ------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

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

    # -- what changed ----------------------------------------------------------------------

    def settle(self) -> None:
        assert self.bot is not None
        if not self.bot.wait_idle(timeout=30):
            raise ShellError("the bot is still busy after 30 s")

    @staticmethod
    def _signature(message: Message) -> tuple[Any, ...]:
        reactions = tuple(sorted((k, len(v)) for k, v in message.reactions.items()))
        return (message.edited_ts, reactions)

    def _mark_seen(self) -> None:
        with self.ws.lock:
            self._seen = {(m.channel, m.ts): self._signature(m) for m in self.ws.message_log}
            self._responses_seen = len(self.ws.response_log)
        assert self.standin is not None
        self._calls_seen = len(self.standin.calls)

    def changes(self) -> list[str]:
        """Everything the bot posted, edited, deleted, answered or opened since last time."""
        self.settle()
        assert self.standin is not None
        ws = self.ws
        shown: list[tuple[Message, bool, str]] = []
        lines: list[str] = []
        with ws.lock:
            current = [copy.deepcopy(m) for m in ws.message_log]
            responses = ws.response_log[self._responses_seen :]
            contexts = {f"{ws.base_url}/response/{t}": c for t, c in ws.response_urls.items()}
        keys = set()
        for message in current:
            key = (message.channel, message.ts)
            keys.add(key)
            before = self._seen.get(key)
            indent = "    ↳ " if message.is_reply else ""
            if before is None:
                shown.append((message, False, indent))
            elif before[0] != message.edited_ts:
                shown.append((message, True, indent))
            elif before[1] != self._signature(message)[1]:
                reacted = " ".join(f":{name}:" for name in message.reactions)
                first = self.render.body(message, [])[0][:60]
                lines.append(
                    f"{self.where(message)}  reactions now {reacted or 'none'} on: {first}"
                )
        gone = [key for key in self._seen if key not in keys]
        lines += [f"#{self.channel_name(channel)}  (a message was deleted)" for channel, _ in gone]
        for url, body in responses:
            context = contexts.get(url) or {}
            if context.get("channel") in ws.channels:
                continue  # it landed in the workspace and shows as a message
            shown.append((self._only_you(body), False, ""))
        out = lines + self.show(shown)
        for call in self.standin.calls[self._calls_seen :]:
            view = (call.response or {}).get("view")
            if not call.ok or not isinstance(view, dict):
                continue
            if call.method in ("views.open", "views.push"):
                self.modal = ModalForm(view, self.render)
                out += self.modal.lines(self.channel)
            elif (
                call.method == "views.update"
                and self.modal
                and self.modal.view
                and view.get("id") == self.modal.view.get("id")
            ):
                self.modal.view = view
                out += ["(the modal changed)", *self.modal.lines(self.channel)]
        self._mark_seen()
        return out

    def show(self, shown: list[tuple[Message, bool, str]]) -> list[str]:
        """`(message, edited, indent)` as transcript lines; their buttons become `click`'s."""
        buttons: list[Button] = []
        lines: list[str] = []
        for message, edited, indent in shown:
            lines += self.render.message(
                message, self.where(message), buttons, edited=edited, indent=indent
            )
        if buttons:
            self.buttons = buttons
        return lines

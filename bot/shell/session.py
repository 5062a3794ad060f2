"""The shell's engine: the real bot (Bolt app, handlers, tick, SQLite store) behind a
loopback HTTP server, the Web API stand-in as its workspace, a frozen clock moved on
command, and the commands a user types. `Shell.run(line)` returns the lines to print."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from bot.app import OpsBot, create_app
from bot.config import OrgConfig
from bot.db.migrate import upgrade
from bot.settings import Settings
from bot.shell.transcript import Button, Renderer
from bot.slack_requests import Reply, SlackRequests
from bot.standin import Message, SlackStandIn
from bot.web import HttpServer

COMMANDS = [
    "/incident",
    "/standby",
    "/lol",
    "as",
    "in",
    "click",
    "fill",
    "submit",
    "cancel",
    "channels",
    "read",
    "wait",
    "at",
    "now",
    "help",
    "quit",
    "exit",
]

HELP = """\
/COMMAND TEXT       a slash command as in Slack (/incident, /standby, /lol); @name and
                    #channel in the text become Slack mentions
as @USER            act as USER from now on (`as` alone: who you are)
in #CHANNEL         type slash commands in CHANNEL from now on (`in` alone: where you are)
click N|LABEL       press a button of the last shown messages
fill FIELD VALUE    fill a field of the open modal (number or block id; select: option value
                    or label; several options: comma-separated)
submit / cancel     submit or drop the open modal
channels            the channels and how many messages each holds
read #CHANNEL       the whole channel with its threads (`read @USER`: the bot's DM)
wait 15m|2h|1d      move the clock forward, running the bot's tick every minute
at mon 07:30        move the clock to the next such time in the organisation's time zone
at 2026-11-24 07:30 ... or to that date and time
now                 the shell's time
help                this list
quit / exit         leave (so does end of input)"""

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_WAIT = dt.timedelta(days=60)
STEP = dt.timedelta(minutes=5)
_BOT_USER = "U0OPSBOT0"
_counter = itertools.count(1)


class ShellError(Exception):
    """A mistake in what the user typed: printed as one line."""


def readable_name(user_id: str) -> str:
    """`U0ALICE01` → `alice`: the example's IDs carry their person's name."""
    match = re.fullmatch(r"U0([A-Z]+?)0*\d*", user_id)
    return match.group(1).lower() if match else user_id.lower()


def config_users(config: OrgConfig) -> list[str]:
    found: list[str] = []
    ids = list(config.admins)
    for team in config.teams:
        ids += [team.pm, *team.members]
    for roster in config.rosters:
        ids += roster.members
        ids += [level for level in roster.escalation.levels if re.fullmatch(r"[UW]\w+", level)]
    for user_id in ids:
        if user_id not in found:
            found.append(user_id)
    return found


def config_channels(config: OrgConfig) -> list[tuple[str, str]]:
    """(name, id) of every channel the configuration names."""
    channels = [("incidents", config.channels.incidents)]
    if config.channels.loop:
        channels.append(("loop", config.channels.loop))
    channels += [(team.id, team.channel) for team in config.teams if team.channel]
    channels += [(f"standby-{roster.id}", roster.channel) for roster in config.rosters]
    seen: set[str] = set()
    unique = []
    for name, channel_id in channels:
        if channel_id not in seen:
            seen.add(channel_id)
            unique.append((name, channel_id))
    return unique


def parse_duration(text: str) -> dt.timedelta:
    compact = text.replace(" ", "").lower()
    parts = _DURATION.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise ShellError(f"not a duration: {text!r} (try 15m, 2h, 1d, 1h30m)")
    return dt.timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in parts))


def parse_moment(text: str, now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """`mon 07:30`, `07:30`, `2026-11-24 07:30` or `2026-11-24`: the next such local time."""
    words = text.lower().split()
    local = now.astimezone(zone)
    try:
        if len(words) == 2 and re.fullmatch(r"\d{4}-\d\d-\d\d", words[0]):
            day = dt.date.fromisoformat(words[0])
            clock = dt.time.fromisoformat(_hhmm(words[1]))
            return dt.datetime.combine(day, clock, zone)
        if len(words) == 1 and re.fullmatch(r"\d{4}-\d\d-\d\d", words[0]):
            return dt.datetime.combine(dt.date.fromisoformat(words[0]), dt.time(0), zone)
        if len(words) in (1, 2) and re.fullmatch(r"\d\d?:\d\d", words[-1]):
            clock = dt.time.fromisoformat(_hhmm(words[-1]))
            weekday = None
            if len(words) == 2:
                if words[0][:3] not in DAYS:
                    raise ValueError
                weekday = DAYS.index(words[0][:3])
            for ahead in range(8):
                day = local.date() + dt.timedelta(days=ahead)
                moment = dt.datetime.combine(day, clock, zone)
                if moment > now and (weekday is None or day.weekday() == weekday):
                    return moment
    except ValueError:
        pass
    raise ShellError(f"not a time: {text!r} (try `at mon 07:30`, `at 2026-11-24 07:30`)")


def _hhmm(value: str) -> str:
    hours, minutes = value.split(":")
    return f"{int(hours):02d}:{minutes}"


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
        self.modal: dict[str, Any] | None = None
        self.filled: dict[str, Any] = {}
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
        standin = self.standin = SlackStandIn(bot_user_id=_BOT_USER).start()
        for user_id in config_users(self.config):
            name = readable_name(user_id)
            while name in self.names.values():
                name += "_"
            self.names[user_id] = name
            standin.add_user(user_id, name, tz=self.config.timezone)
        self.names[_BOT_USER] = "opsbot"
        members = [u for u in self.names if u != _BOT_USER]
        for name, channel_id in config_channels(self.config):
            standin.add_channel(name, channel_id, members)
        if standin.workspace.channel_named("general") is None:
            standin.add_channel("general", "C0GENERAL0", members)
        self.channel = standin.workspace.channel_named("general").id  # type: ignore[union-attr]
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
        self.requests = SlackRequests(f"http://127.0.0.1:{self.http.port}", self.secret)
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
        if user_id in self.names:
            return self.names[user_id]
        user = self.ws.users.get(user_id)
        return user["name"] if user else user_id

    def channel_name(self, channel_id: str) -> str:
        channel = self.ws.channels.get(channel_id)
        if channel is None:
            return channel_id
        return f"@{self.user_name(channel.im_user)}" if channel.is_im else channel.name

    def find_user(self, ref: str) -> str:
        ref = ref.strip().removeprefix("@")
        if ref in self.ws.users:
            return ref
        for user_id, user in self.ws.users.items():
            if user["name"].lower() == ref.lower():
                return user_id
        raise ShellError(f"no user @{ref}; users: {', '.join(sorted(self.names.values()))}")

    def find_channel(self, ref: str) -> str:
        ref = ref.strip()
        if ref.startswith("@"):
            im = self.ws.im_for(self.find_user(ref), create=False)
            if im is None:
                raise ShellError(f"the bot has no DM with {ref} yet")
            return im.id
        channel = self.ws.channels.get(ref) or self.ws.channel_named(ref)
        if channel is None:
            raise ShellError(f"no channel {ref} (try `channels`)")
        return channel.id

    def where(self, message: Message) -> str:
        if message.ephemeral_user:
            who = (
                "you"
                if message.ephemeral_user == self.user
                else "@" + self.user_name(message.ephemeral_user)
            )
            return f"(only {who})"
        channel = self.ws.channels.get(message.channel)
        if channel is not None and channel.is_im:
            return f"DM → @{self.user_name(channel.im_user)}"
        return f"#{self.channel_name(message.channel)}"

    def escape_text(self, text: str) -> str:
        """`@alice` → `<@U0ALICE01|alice>`, `#incidents` → `<#C…|incidents>`, as Slack sends
        slash command text with escaping on."""

        def user(match: re.Match[str]) -> str:
            try:
                user_id = self.find_user(match.group(1))
            except ShellError:
                return match.group(0)
            return f"<@{user_id}|{self.user_name(user_id)}>"

        def channel(match: re.Match[str]) -> str:
            found = self.ws.channel_named(match.group(1))
            return f"<#{found.id}|{found.name}>" if found else match.group(0)

        text = re.sub(r"(?<![\w<@])@([\w.-]*\w)", user, text)
        return re.sub(r"(?<![\w<#&])#([a-z0-9][\w-]*)", channel, text)

    # -- commands --------------------------------------------------------------------------

    def run(self, line: str) -> list[str]:
        """Do one command; the lines to print. Mistakes come back as one `error:` line."""
        line = line.strip()
        if not line or line.startswith("#"):
            return []
        try:
            return self._dispatch(line)
        except ShellError as exc:
            return [f"error: {exc}"]
        except Exception as exc:  # noqa: BLE001 - the shell keeps going, one line per failure
            return [f"error: {type(exc).__name__}: {exc}"]

    def _dispatch(self, line: str) -> list[str]:
        if line.startswith("/"):
            command, _, text = line.partition(" ")
            return self.slash(command, text.strip())
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        handler: Callable[[str], list[str]] | None = {
            "as": self.cmd_as,
            "in": self.cmd_in,
            "click": self.cmd_click,
            "fill": self.cmd_fill,
            "submit": self.cmd_submit,
            "cancel": self.cmd_cancel,
            "channels": self.cmd_channels,
            "read": self.cmd_read,
            "wait": self.cmd_wait,
            "at": self.cmd_at,
            "now": self.cmd_now,
            "help": lambda _: HELP.splitlines(),
            "quit": self.cmd_quit,
            "exit": self.cmd_quit,
        }.get(word.lower())
        if handler is None:
            raise ShellError(f"unknown command {word!r}; `help` lists them")
        return handler(rest)

    def cmd_quit(self, _rest: str) -> list[str]:
        self.done = True
        return []

    def cmd_as(self, rest: str) -> list[str]:
        if rest:
            self.user = self.find_user(rest)
        return [f"you are @{self.user_name(self.user)} ({self.user})"]

    def cmd_in(self, rest: str) -> list[str]:
        if rest:
            self.channel = self.find_channel(rest)
        return [f"slash commands go to {self.where_channel(self.channel)}"]

    def where_channel(self, channel_id: str) -> str:
        channel = self.ws.channels.get(channel_id)
        if channel is not None and channel.is_im:
            return f"DM → @{self.user_name(channel.im_user)}"
        return f"#{self.channel_name(channel_id)}"

    def slash(self, command: str, text: str) -> list[str]:
        assert self.standin is not None
        channel, user = self.channel, self.user
        self.requests.response_url = lambda: self.standin.new_response_url(  # type: ignore[union-attr]
            channel=channel, user=user
        )
        self._acted.append(self.now())
        reply = self.requests.command(
            command, self.escape_text(text), user=self.user, channel=self.channel
        )
        if reply.status == 404:
            self.settle()
            raise ShellError(f"the bot has no {command} command (try /incident, /standby, /lol)")
        return self.reply_lines(reply) + self.changes()

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
        return self._show([(self._only_you(body), False, "")])

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

    def cmd_click(self, rest: str) -> list[str]:
        if not rest:
            raise ShellError("click what? `click 1` or `click Acknowledge`")
        button = self.find_button(rest)
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

    def find_button(self, ref: str) -> Button:
        if not self.buttons:
            raise ShellError("no buttons shown yet")
        if ref.isdigit():
            index = int(ref)
            if not 1 <= index <= len(self.buttons):
                raise ShellError(f"no button {index}; the last shown are 1 to {len(self.buttons)}")
            return self.buttons[index - 1]
        wanted = ref.lower().strip("'\"")
        for match in (
            lambda b: b.label.lower() == wanted,
            lambda b: b.label.lower().startswith(wanted),
            lambda b: wanted in b.label.lower(),
        ):
            found = [b for b in self.buttons if match(b)]
            if found:
                mine = self.ws.im_for(self.user, create=False)
                own = [b for b in found if mine is not None and b.channel == mine.id]
                return (own or found)[0]
        labels = ", ".join(f"[{i}] {b.label}" for i, b in enumerate(self.buttons, 1))
        raise ShellError(f"no button {ref!r}; shown: {labels}")

    def cmd_channels(self, _rest: str) -> list[str]:
        counts: dict[str, int] = {}
        with self.ws.lock:
            for message in self.ws.message_log:
                counts[message.channel] = counts.get(message.channel, 0) + 1
            channels = list(self.ws.channels.values())
        lines = []
        for channel in channels:
            label = self.where_channel(channel.id)
            count = counts.get(channel.id, 0)
            lines.append(f"{label:<32} {count} message{'s' if count != 1 else ''}")
        return lines

    def cmd_read(self, rest: str) -> list[str]:
        channel_id = self.find_channel(rest or "#" + self.channel_name(self.channel))
        with self.ws.lock:
            messages = [copy.deepcopy(m) for m in self.ws.message_log if m.channel == channel_id]
        tops = [m for m in messages if not m.is_reply]
        ordered: list[tuple[Message, bool, str]] = []
        for top in tops:
            ordered.append((top, False, ""))
            ordered += [
                (m, False, "    ↳ ") for m in messages if m.is_reply and m.thread_ts == top.ts
            ]
        if not ordered:
            return [f"{self.where_channel(channel_id)}: no messages"]
        return self._show(ordered)

    # -- time ------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def cmd_now(self, _rest: str) -> list[str]:
        return [self.format_time(self.now())]

    def format_time(self, moment: dt.datetime) -> str:
        local = moment.astimezone(self.zone)
        return f"{local:%a %d %b %Y %H:%M} {local.tzname()} ({self.config.timezone})"

    def cmd_wait(self, rest: str) -> list[str]:
        return self.advance(self.now() + parse_duration(rest))

    def cmd_at(self, rest: str) -> list[str]:
        return self.advance(parse_moment(rest, self.now(), self.zone))

    def advance(self, target: dt.datetime) -> list[str]:
        """Move the clock to `target`, running the bot's tick at every moment something may
        fall due on the way (see `tick_moments`), then at `target`."""
        assert self.bot is not None
        start = self.now()
        if target <= start:
            raise ShellError(f"{self.format_time(target)} is not ahead; the clock only moves on")
        if target - start > MAX_WAIT:
            raise ShellError("that is more than 60 days ahead; move in smaller steps")
        for moment in self.tick_moments(start, target):
            self.clock.move_to(moment)
            self.bot.tick()
        if self.now() != target:
            self.clock.move_to(target)
            self.bot.tick()
        return [f"⏱  {self.format_time(target)}", *self.changes()]

    def tick_moments(self, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
        """Minute boundaries in (start, end] at which the bot's tick must run for everything
        to happen on time: every quarter hour (a heartbeat; the tick catches up on anything
        else), each standby window's reminder, start, end and escalation steps (every
        `ack_minutes` for an hour), each Loop moment, and every `STEP` minutes for two
        hours after each command typed (incident update reminders and pages count from
        then). Ticking every minute is exact but costs ~15 ms a tick."""
        assert self.bot is not None
        moments: set[dt.datetime] = set()
        first = start.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        quarter = dt.timedelta(minutes=15)
        moment = first
        while moment <= end:
            if moment.minute % 15 == 0:
                moments.add(moment)
                moment += quarter
            else:
                moment += dt.timedelta(minutes=1)
        hour = dt.timedelta(hours=1)
        for roster in self.config.rosters:
            lead = dt.timedelta(minutes=roster.remind_before_minutes)
            ack = dt.timedelta(minutes=roster.escalation.ack_minutes)
            for shift in self.bot.standby.shifts(roster, start - hour, end + lead):
                moments.update({shift.window_starts_at - lead, shift.starts_at, shift.ends_at})
                step = shift.starts_at + ack
                while step <= shift.starts_at + hour:
                    moments.add(step)
                    step += ack
        zone = self.config.loop_zone()
        loop = self.config.loop
        day = start.astimezone(zone).date()
        while dt.datetime.combine(day, dt.time(0), zone) <= end:
            for when in [loop.prompt, *loop.reminders, loop.digest]:
                if DAYS[day.weekday()] == when.day:
                    moments.add(dt.datetime.combine(day, when.time, zone))
            day += dt.timedelta(days=1)
        for acted in self._acted:
            step = acted.replace(second=0, microsecond=0)
            while step <= acted + 2 * hour:
                moments.add(step)
                step += STEP
        return sorted(m.astimezone(dt.UTC) for m in moments if start < m <= end)

    # -- modals ----------------------------------------------------------------------------

    def fields(self) -> list[dict[str, Any]]:
        if self.modal is None:
            raise ShellError("no modal is open")
        return [b for b in self.modal.get("blocks", []) if b.get("type") == "input"]

    def field_value(self, block: dict[str, Any]) -> Any:
        if block["block_id"] in self.filled:
            return self.filled[block["block_id"]]
        element = block.get("element", {})
        if "initial_option" in element:
            return element["initial_option"]
        if "initial_options" in element:
            return element["initial_options"]
        for key in ("initial_value", "initial_user", "initial_users", "initial_date"):
            if key in element:
                return element[key]
        return None

    def modal_lines(self) -> list[str]:
        assert self.modal is not None
        title = self.render.text(self.modal.get("title", {}).get("text", "modal"))
        submit = self.modal.get("submit", {}).get("text", "Submit")
        lines = [f"┌ modal: {title}   (fill N VALUE · submit = {submit} · cancel)"]
        number = 0
        holder = Message(channel=self.channel, ts="0")
        for block in self.modal.get("blocks", []):
            if block.get("type") != "input":
                lines += ["│ " + line for line in self.render.blocks([block], holder, [])]
                continue
            number += 1
            element = block.get("element", {})
            label = self.render.text(block.get("label", {}).get("text", block["block_id"]))
            optional = ", optional" if block.get("optional") else ""
            shown = self._value_text(self.field_value(block))
            lines.append(f"│ [{number}] {label} ({block['block_id']}{optional}): {shown}")
            options = element.get("options") or []
            if options:
                listed = " / ".join(
                    f"{self.render.text(o['text']['text'])} ({o['value']})" for o in options
                )
                lines.append(f"│     options: {listed}")
        lines.append("└")
        return lines

    def _value_text(self, value: Any) -> str:
        if value in (None, "", []):
            return "—"
        if isinstance(value, dict):
            return self.render.text(value.get("text", {}).get("text", value.get("value", "")))
        if isinstance(value, list):
            return ", ".join(self._value_text(v) for v in value)
        return str(value).replace("\n", " ⏎ ")

    def find_field(self, ref: str) -> dict[str, Any]:
        fields = self.fields()
        if ref.isdigit() and 1 <= int(ref) <= len(fields):
            return fields[int(ref) - 1]
        for block in fields:
            if block["block_id"] == ref:
                return block
        raise ShellError(f"no field {ref!r}; fields are 1 to {len(fields)} or their block ids")

    def cmd_fill(self, rest: str) -> list[str]:
        ref, _, value = rest.partition(" ")
        if not ref:
            raise ShellError("fill what? `fill 1 some text`")
        block = self.find_field(ref)
        element = block.get("element", {})
        kind = element.get("type", "plain_text_input")
        value = value.strip()
        options = element.get("options") or []
        if kind in ("static_select", "radio_buttons"):
            self.filled[block["block_id"]] = self._option(options, value) if value else None
        elif kind in ("multi_static_select", "checkboxes"):
            wanted = [v.strip() for v in value.split(",") if v.strip()]
            self.filled[block["block_id"]] = [self._option(options, v) for v in wanted]
        elif kind == "users_select":
            self.filled[block["block_id"]] = self.find_user(value) if value else None
        elif kind == "multi_users_select":
            self.filled[block["block_id"]] = [self.find_user(v) for v in value.split(",") if v]
        else:
            self.filled[block["block_id"]] = value.replace("\\n", "\n")
        return self.modal_lines()

    def _option(self, options: list[dict[str, Any]], wanted: str) -> dict[str, Any]:
        for option in options:
            label = self.render.text(option.get("text", {}).get("text", ""))
            if wanted in (option.get("value"), label) or wanted.lower() == label.lower():
                return option
        choices = ", ".join(str(o.get("value")) for o in options)
        raise ShellError(f"no option {wanted!r}; options: {choices}")

    def view_state(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        missing = []
        for number, block in enumerate(self.fields(), 1):
            element = block.get("element", {})
            kind = element.get("type", "plain_text_input")
            value = self.field_value(block)
            if value in (None, "", []) and not block.get("optional"):
                missing.append(f"[{number}] {block['block_id']}")
            if kind in ("static_select", "radio_buttons"):
                entry: dict[str, Any] = {"type": kind, "selected_option": value or None}
            elif kind in ("multi_static_select", "checkboxes"):
                entry = {"type": kind, "selected_options": value or []}
            elif kind == "users_select":
                entry = {"type": kind, "selected_user": value}
            elif kind == "multi_users_select":
                entry = {"type": kind, "selected_users": value or []}
            elif kind == "datepicker":
                entry = {"type": kind, "selected_date": value}
            else:
                entry = {"type": kind, "value": value or None}
            values[block["block_id"]] = {element.get("action_id", "value"): entry}
        if missing:
            raise ShellError(f"required: {', '.join(missing)} (Slack would not submit this)")
        return values

    def cmd_submit(self, _rest: str) -> list[str]:
        if self.modal is None:
            raise ShellError("no modal is open")
        view = {**self.modal, "state": {"values": self.view_state()}}
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
            self.modal, self.filled = {**answer["view"], "id": self.modal.get("id")}, {}
            lines += self.modal_lines()
        else:
            self.modal, self.filled = None, {}
            lines.append("(modal closed)")
        return lines + self.changes()

    def cmd_cancel(self, _rest: str) -> list[str]:
        if self.modal is None:
            raise ShellError("no modal is open")
        self.modal, self.filled = None, {}
        return ["(modal closed)"]

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
        out = lines + self._show(shown)
        for call in self.standin.calls[self._calls_seen :]:
            view = (call.response or {}).get("view")
            if not call.ok or not isinstance(view, dict):
                continue
            if call.method in ("views.open", "views.push"):
                self.modal, self.filled = view, {}
                out += self.modal_lines()
            elif (
                call.method == "views.update"
                and self.modal
                and view.get("id") == self.modal.get("id")
            ):
                self.modal = view
                out += ["(the modal changed)", *self.modal_lines()]
        self._mark_seen()
        return out

    def _show(self, shown: list[tuple[Message, bool, str]]) -> list[str]:
        buttons: list[Button] = []
        lines: list[str] = []
        for message, edited, indent in shown:
            lines += self.render.message(
                message, self.where(message), buttons, edited=edited, indent=indent
            )
        if buttons:
            self.buttons = buttons
        return lines

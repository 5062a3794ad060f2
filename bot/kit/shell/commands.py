"""The words the user types: `help`'s list, each word's handler, and `run`, which does one
line. Handlers read the rest of the line and act on the `Shell` (or only on what it shows,
for `as`, `in`, `channels`, `read`, `fill`, `cancel`); each returns the lines to print."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.alerts.tokens import alerts_url, issue_token
from bot.kit.shell.alerts import body_for, parse_alert, send, source_for_alert
from bot.kit.shell.errors import ShellError
from bot.kit.shell.modal import ModalForm
from bot.kit.shell.names import memberships
from bot.kit.shell.parsing import parse_duration, parse_moment
from bot.kit.shell.transcript import Button
from bot.kit.standin import Message

if TYPE_CHECKING:
    from bot.kit.shell.session import Shell

COMMANDS = [
    "/incident",
    "/standby",
    "/lol",
    "/alerts",
    "as",
    "in",
    "click",
    "fill",
    "submit",
    "cancel",
    "channels",
    "read",
    "users",
    "home",
    "alert",
    "wait",
    "at",
    "now",
    "help",
    "quit",
    "exit",
]

HELP = """\
/COMMAND TEXT       a slash command as in Slack (/incident, /standby, /lol, /alerts); @name
                    and #channel in the text become Slack mentions
as @USER            act as USER from now on (`as` alone: who you are)
in #CHANNEL         type slash commands in CHANNEL from now on (`in` alone: where you are)
click N|LABEL       press a button of the last shown messages
fill FIELD VALUE    fill a field of the open modal (number or block id; select: option value
                    or label; several options: comma-separated)
submit / cancel     submit or drop the open modal
channels            the channels and how many messages each holds
read #CHANNEL       the whole channel with its threads and files (`read @USER`: the bot's DM)
users               the people: name, id, time zone, teams and rosters
home                your App Home tab (my pages, shifts, incidents, my team's update)
alert NAME [resolved]  monitoring fires (or resolves) the alert NAME: posted to the bot's
                    /alerts/<token> as a webhook would
wait 15m|2h|1d      move the clock forward; the bot's scheduler runs on the way (Ctrl-C
                    stops it where it got to)
at mon 07:30        move the clock to the next such time in the organisation's time zone
at YYYY-MM-DD HH:MM ... or to that date and time
now                 the shell's time (times shown are the organisation's)
help                this list
quit / exit         leave (so does end of input)"""

Handler = Callable[["Shell", str], list[str]]


def run(shell: Shell, line: str) -> list[str]:
    """Do one command; the lines to print, then the session is saved. Mistakes come back as
    one `error:` line."""
    line = line.strip()
    if not line or line.startswith("#"):
        return []
    try:
        lines = dispatch(shell, line)
    except ShellError as exc:
        lines = [f"error: {exc}"]
    except Exception as exc:  # noqa: BLE001 - the shell keeps going, one line per failure
        lines = [f"error: {type(exc).__name__}: {exc}"]
    except KeyboardInterrupt:  # Ctrl-C, e.g. in a long `wait`: the clock stops there
        shell.interrupted = True
        lines = [f"(interrupted; it is {shell.format_time(shell.now())})", *shell.changes()]
    assert shell.log is not None
    lines += shell.log.drain()
    shell.save()
    return lines


def dispatch(shell: Shell, line: str) -> list[str]:
    """Do one non-empty command line; a mistake raises `ShellError`."""
    if line.startswith("/"):
        command, _, text = line.partition(" ")
        return shell.slash(command, text.strip())
    word, _, rest = line.partition(" ")
    handler = HANDLERS.get(word.lower())
    if handler is None:
        raise ShellError(f"unknown command {word!r}; `help` lists them")
    return handler(shell, rest.strip())


def cmd_help(_shell: Shell, _rest: str) -> list[str]:
    return HELP.splitlines()


def cmd_quit(shell: Shell, _rest: str) -> list[str]:
    shell.done = True
    return []


def cmd_as(shell: Shell, rest: str) -> list[str]:
    if rest:
        user = shell.directory.find_user(rest)
        if shell.ws.users[user].get("is_bot"):
            raise ShellError(f"@{shell.user_name(user)} is a bot; act as a person (`users`)")
        shell.user = user
    return [f"you are @{shell.user_name(shell.user)} ({shell.user})"]


def cmd_in(shell: Shell, rest: str) -> list[str]:
    if rest:
        shell.channel = shell.directory.find_channel(rest)
    return [f"slash commands go to {shell.directory.where_channel(shell.channel)}"]


def cmd_click(shell: Shell, rest: str) -> list[str]:
    if not rest:
        raise ShellError("click what? `click 1` or `click Acknowledge`")
    return shell.click(find_button(shell, rest))


def find_button(shell: Shell, ref: str) -> Button:
    """Button `ref` of the last shown: its number, else the first whose label is `ref`,
    starts with it or contains it (one in the current user's DM first)."""
    if not shell.buttons:
        raise ShellError("no buttons shown yet")
    if ref.isdigit():
        index = int(ref)
        if not 1 <= index <= len(shell.buttons):
            raise ShellError(f"no button {index}; the last shown are 1 to {len(shell.buttons)}")
        return shell.buttons[index - 1]
    wanted = ref.lower().strip("'\"")
    for match in (
        lambda b: b.label.lower() == wanted,
        lambda b: b.label.lower().startswith(wanted),
        lambda b: wanted in b.label.lower(),
    ):
        found = [b for b in shell.buttons if match(b)]
        if found:
            mine = shell.ws.im_for(shell.user, create=False)
            own = [b for b in found if mine is not None and b.channel == mine.id]
            return (own or found)[0]
    labels = ", ".join(f"[{i}] {b.label}" for i, b in enumerate(shell.buttons, 1))
    raise ShellError(f"no button {ref!r}; shown: {labels}")


def open_form(shell: Shell) -> ModalForm:
    if shell.modal is None:
        raise ShellError("no modal is open")
    return shell.modal


def cmd_fill(shell: Shell, rest: str) -> list[str]:
    ref, _, value = rest.partition(" ")
    if not ref:
        raise ShellError("fill what? `fill 1 some text`")
    form = open_form(shell)
    form.fill(ref, value, shell.directory.find_user)
    return form.lines(shell.channel)


def cmd_submit(shell: Shell, _rest: str) -> list[str]:
    return shell.submit(open_form(shell))


def cmd_cancel(shell: Shell, _rest: str) -> list[str]:
    open_form(shell)
    shell.modal = None
    return ["(modal closed)"]


def cmd_channels(shell: Shell, _rest: str) -> list[str]:
    ws = shell.ws
    counts: dict[str, int] = {}
    with ws.lock:
        for message in ws.message_log:
            if not message.ephemeral_user:  # gone from Slack once read: not the channel's
                counts[message.channel] = counts.get(message.channel, 0) + 1
        channels = list(ws.channels.values())
    lines = []
    for channel in channels:
        label = shell.directory.where_channel(channel.id)
        count = counts.get(channel.id, 0)
        lines.append(f"{label:<32} {count} message{'s' if count != 1 else ''}")
    return lines


def cmd_read(shell: Shell, rest: str) -> list[str]:
    """The channel as you see it: its messages and yours only, threads under their
    parents, files with their text."""
    directory, ws = shell.directory, shell.ws
    channel_id = directory.find_channel(rest or "#" + directory.channel_name(shell.channel))
    with ws.lock:
        messages = [
            copy.deepcopy(m)
            for m in ws.message_log
            if m.channel == channel_id and m.ephemeral_user in (None, shell.user)
        ]
    tops = [m for m in messages if not m.is_reply]
    ordered: list[tuple[Message, bool, str]] = []
    for top in tops:
        ordered.append((top, top.edited, ""))
        ordered += [
            (m, m.edited, "    ↳ ") for m in messages if m.is_reply and m.thread_ts == top.ts
        ]
    if not ordered:
        return [f"{directory.where_channel(channel_id)}: no messages"]
    return shell.show(ordered, day_before=dt.date.min, file_text=True, as_sent=True)


def cmd_home(shell: Shell, _rest: str) -> list[str]:
    return shell.home()


def cmd_alert(shell: Shell, rest: str) -> list[str]:
    """`alert NAME [firing|resolved]`: posted to the bot's `/alerts/<token>` through the
    first source that takes a notification, as that monitoring would post it (alerts.py)."""
    name, status = parse_alert(rest)
    source = source_for_alert(shell.config)
    if source is None or shell.bot is None or shell.http is None:
        raise ShellError("no alerts source to post through (the configuration has no roster)")
    token = shell.alert_tokens.get(source.id)
    if token is None:  # a URL of its own this session, as `opsbot alerts url` gives
        token = shell.alert_tokens[source.id] = issue_token(shell.bot.db, source.id, shell.now())
    shell.acting()
    url = alerts_url(token, f"http://127.0.0.1:{shell.http.port}")
    answered = send(url, body_for(source, name, status, shell.now()))
    said = f"(monitoring posted {name} {status} through `{source.id}` ({source.kind}): {answered})"
    return [said, *shell.changes()]


def cmd_users(shell: Shell, _rest: str) -> list[str]:
    """Everyone in the workspace but the bot: name, id, time zone, what they are."""
    with shell.ws.lock:
        users = [dict(u) for u in shell.ws.users.values() if not u.get("is_bot")]
    width = max((len(u["name"]) for u in users), default=0) + 1  # with its @
    lines = []
    for user in users:
        what = memberships(shell.config, user["id"])
        if user.get("deleted"):
            what.insert(0, "deactivated")
        you = "  (you)" if user["id"] == shell.user else ""
        lines.append(
            f"{'@' + user['name']:<{width}} {user['id']:<10} {user['tz']:<16} "
            f"{', '.join(what) or '—'}{you}"
        )
    return lines


def cmd_now(shell: Shell, _rest: str) -> list[str]:
    return [shell.format_time(shell.now())]


def cmd_wait(shell: Shell, rest: str) -> list[str]:
    return shell.advance(shell.now() + parse_duration(rest))


def cmd_at(shell: Shell, rest: str) -> list[str]:
    return shell.advance(parse_moment(rest, shell.now(), shell.zone))


HANDLERS: dict[str, Handler] = {
    "as": cmd_as,
    "in": cmd_in,
    "click": cmd_click,
    "fill": cmd_fill,
    "submit": cmd_submit,
    "cancel": cmd_cancel,
    "channels": cmd_channels,
    "read": cmd_read,
    "users": cmd_users,
    "home": cmd_home,
    "alert": cmd_alert,
    "wait": cmd_wait,
    "at": cmd_at,
    "now": cmd_now,
    "help": cmd_help,
    "quit": cmd_quit,
    "exit": cmd_quit,
}

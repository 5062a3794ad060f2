"""What `opsbot shell --resume` picks up again: the database (kept where it is) and, in a
file next to it (`opsbot-shell.db` → `opsbot-shell.workspace.json`), what lives only in the
shell's memory: the clock, who and where you are, the buttons last shown, the open modal,
and the stand-in workspace (people, channels, every message with its thread, reactions
and files, views). The shell writes the file after every command, so it always matches
the database, also when the shell is killed.

A new session (no `--resume`) removes the previous session's database and workspace file;
it refuses to remove a database that is not the shell's (neither the default name nor one
with a workspace file next to it)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.kit.shell import DEFAULT_DB
from bot.kit.shell.errors import ShellError
from bot.kit.shell.transcript import Button
from bot.kit.standin import Channel, Message, Workspace

VERSION = 1


def workspace_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.stem + ".workspace.json")


def log_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.stem + ".log")


def _database_files(db_path: Path) -> list[Path]:
    return [db_path.with_name(db_path.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]


def start_afresh(db_path: Path) -> None:
    """Remove what an earlier session left at `db_path`, so that a new one starts empty."""
    saved = workspace_path(db_path)
    if db_path.exists() and not saved.exists() and db_path.name != DEFAULT_DB:
        raise ShellError(
            f"{db_path} exists and is not a database opsbot shell made (no {saved.name} next "
            "to it); remove it or give another --db"
        )
    for path in [*_database_files(db_path), saved]:
        path.unlink(missing_ok=True)


@dataclass
class SavedSession:
    """The shell's state outside the database."""

    clock: dt.datetime
    user: str
    channel: str
    acted: list[dt.datetime] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    modal: dict[str, Any] | None = None  # {"view": …, "filled": …}
    workspace: dict[str, Any] = field(default_factory=dict)

    @property
    def message_count(self) -> int:
        return len(self.workspace.get("messages", []))


def load(db_path: Path) -> SavedSession | None:
    """The session saved next to `db_path`; None when there is nothing to resume."""
    saved = workspace_path(db_path)
    if not db_path.exists():
        return None
    if not saved.exists():
        raise ShellError(
            f"{db_path} has no saved shell workspace ({saved.name}) to resume; "
            "run `opsbot shell` without --resume to start a new one"
        )
    try:
        data = json.loads(saved.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}")
        return SavedSession(
            clock=dt.datetime.fromisoformat(data["clock"]),
            user=data["user"],
            channel=data["channel"],
            acted=[dt.datetime.fromisoformat(moment) for moment in data["acted"]],
            buttons=[Button(**button) for button in data["buttons"]],
            modal=data["modal"],
            workspace=data["workspace"],
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ShellError(f"{saved} cannot be read ({exc}); start a new session") from None


def save(db_path: Path, session: SavedSession) -> None:
    """Write the session next to `db_path` (a whole new file, then renamed over the old)."""
    data = {
        "version": VERSION,
        "clock": session.clock.isoformat(),
        "user": session.user,
        "channel": session.channel,
        "acted": [moment.isoformat() for moment in session.acted],
        "buttons": [dataclasses.asdict(button) for button in session.buttons],
        "modal": session.modal,
        "workspace": session.workspace,
    }
    target = workspace_path(db_path)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, target)


def workspace_state(ws: Workspace) -> dict[str, Any]:
    """The stand-in workspace as JSON-ready data (file contents in base64)."""
    with ws.lock:
        files = {
            file_id: {**record, "content": _b64(record.get("content"))}
            for file_id, record in ws.files.items()
        }
        state: dict[str, Any] = json.loads(
            json.dumps(
                {
                    "users": ws.users,
                    "channels": [dataclasses.asdict(c) for c in ws.channels.values()],
                    "messages": [dataclasses.asdict(m) for m in ws.message_log],
                    "views": ws.views,
                    "home_views": ws.home_views,
                    "files": files,
                }
            )
        )
    return state


def restore_workspace(ws: Workspace, state: dict[str, Any]) -> float:
    """Put a saved workspace back into the (new, empty) stand-in `ws`; the latest ts it
    holds, which new messages must come after."""
    with ws.lock:
        ws.users.update(state.get("users", {}))
        for channel in state.get("channels", []):
            ws.channels[channel["id"]] = Channel(**channel)
        ws.message_log.extend(Message(**message) for message in state.get("messages", []))
        ws.views.update(state.get("views", {}))
        ws.home_views.update(state.get("home_views", {}))
        for file_id, record in state.get("files", {}).items():
            content = record.get("content")
            ws.files[file_id] = {
                **record,
                "content": None if content is None else base64.b64decode(content),
            }
        stamps = [float(m.ts) for m in ws.message_log]
        stamps += [float(m.edited_ts) for m in ws.message_log if m.edited_ts]
    return max(stamps, default=0.0)


def _b64(content: bytes | None) -> str | None:
    return None if content is None else base64.b64encode(content).decode("ascii")

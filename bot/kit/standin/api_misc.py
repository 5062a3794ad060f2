"""``auth.*``, ``users.*``, ``views.*`` and ``files.*`` Web API methods."""

from __future__ import annotations

import mimetypes
import re
from typing import Any

from .api_chat import postable_channel
from .api_conversations import paginate
from .models import Args, Message, SlackError, invalid
from .validation import validate_view
from .workspace import Workspace

# -- auth / users ------------------------------------------------------------------------


def auth_test(ws: Workspace, args: Args) -> dict[str, Any]:
    return {
        "ok": True,
        "url": ws.url,
        "team": "opsbot stand-in",
        "user": ws.bot_name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def users_info(ws: Workspace, args: Args) -> dict[str, Any]:
    user = ws.require_user(args.text("user"))
    return {"ok": True, "user": ws.user_api(user)}


def users_list(ws: Workspace, args: Args) -> dict[str, Any]:
    page, meta = paginate(list(ws.users), args, default_limit=1000)
    return {
        "ok": True,
        "members": [ws.user_api(user) for user in page],
        "cache_ts": ws.now(),
        "response_metadata": meta,
    }


def users_lookup_by_email(ws: Workspace, args: Args) -> dict[str, Any]:
    email = (args.text("email") or "").lower()
    for user_id, user in ws.users.items():
        if email and (user["email"] or "").lower() == email:
            return {"ok": True, "user": ws.user_api(user_id)}
    raise SlackError("users_not_found")


# -- views -------------------------------------------------------------------------------


def _store_view(
    ws: Workspace, view: dict[str, Any], *, view_id: str | None = None, root: str | None = None
) -> dict[str, Any]:
    view_id = view_id or ws.new_id("V")
    previous = ws.views.get(view_id)
    stored = {
        "id": view_id,
        "team_id": ws.team_id,
        "type": view["type"],
        "blocks": view["blocks"],
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": {}},
        "hash": ws.new_hash(),
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "external_id": view.get("external_id", ""),
        "root_view_id": root or (previous or {}).get("root_view_id") or view_id,
        "previous_view_id": None,
        "app_id": ws.app_id,
        "app_installed_team_id": ws.team_id,
        "bot_id": ws.bot_id,
    }
    for key in ("title", "submit", "close"):
        if key in view:
            stored[key] = view[key]
    external_id = stored["external_id"]
    if external_id and any(
        v["external_id"] == external_id and v_id != view_id for v_id, v in ws.views.items()
    ):
        raise SlackError("duplicate_external_id")
    ws.views[view_id] = stored
    return stored


def _trigger(args: Args) -> str:
    return args.required("trigger_id")


def views_open(ws: Workspace, args: Args) -> dict[str, Any]:
    _trigger(args)
    view = validate_view(args.get("view"), expect="modal")
    return {"ok": True, "view": _store_view(ws, view)}


def views_push(ws: Workspace, args: Args) -> dict[str, Any]:
    _trigger(args)
    view = validate_view(args.get("view"), expect="modal")
    return {"ok": True, "view": _store_view(ws, view)}


def views_update(ws: Workspace, args: Args) -> dict[str, Any]:
    view_id, external_id = args.text("view_id"), args.text("external_id")
    if not view_id and not external_id:
        raise invalid("invalid_arguments", "either view_id or external_id is required")
    view = validate_view(args.get("view"))
    if not view_id:
        view_id = next((k for k, v in ws.views.items() if v["external_id"] == external_id), None)
    if view_id not in ws.views:
        raise SlackError("not_found")
    expected = args.text("hash")
    if expected is not None and expected != ws.views[view_id]["hash"]:
        raise SlackError("hash_conflict")
    return {"ok": True, "view": _store_view(ws, view, view_id=view_id)}


def views_publish(ws: Workspace, args: Args) -> dict[str, Any]:
    user = ws.require_user(args.required("user_id"))
    view = validate_view(args.get("view"), expect="home")
    current = ws.home_views.get(user)
    expected = args.text("hash")
    if current and expected is not None and expected != ws.views[current]["hash"]:
        raise SlackError("hash_conflict")
    stored = _store_view(ws, view, view_id=current)
    ws.home_views[user] = stored["id"]
    return {"ok": True, "view": stored}


# -- files (the files_upload_v2 flow) ------------------------------------------------------

CONVERSATION_ID = re.compile(r"^[CGDZ][A-Z0-9]{8,}$")


def get_upload_url(ws: Workspace, args: Args) -> dict[str, Any]:
    filename = args.required("filename")
    length = args.integer("length", -1)
    if length < 0:
        raise invalid("invalid_arguments", "missing required field: length")
    file_id = ws.new_id("F")
    ws.files[file_id] = {
        "id": file_id,
        "name": filename,
        "title": filename,
        "length": length,
        "alt_txt": args.text("alt_txt"),
        "mimetype": mimetypes.guess_type(filename)[0] or "text/plain",
        "content": None,  # bytes once POSTed to upload_url
        "created": ws.now(),
        "channels": [],
        "completed": False,
    }
    return {"ok": True, "upload_url": f"{ws.base_url}/upload/{file_id}", "file_id": file_id}


def store_upload(ws: Workspace, file_id: str, content: bytes) -> bool:
    """Keep bytes POSTed to an upload_url; False when the url is unknown."""
    with ws.lock:
        record = ws.files.get(file_id)
        if record is None or record["completed"]:
            return False
        record["content"] = content
        return True


def _text_of(data: bytes) -> str | None:
    """A shared file's content as the tests and the shell read it: its text, or None for a
    binary file (a PNG), whose bytes stay in ``ws.files[id]["content"]``."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def complete_upload(ws: Workspace, args: Args) -> dict[str, Any]:
    items = args.json("files")
    if not isinstance(items, list) or not items:
        raise invalid("invalid_arguments", "files must be a non-empty array")
    records = []
    for item in items:
        file_id = item.get("id") if isinstance(item, dict) else None
        record = ws.files.get(file_id) if isinstance(file_id, str) else None
        if record is None or record["content"] is None:
            raise invalid("file_not_found", f"file {item} was not uploaded")
        records.append((record, item))
    channel_id = args.text("channel_id")
    if channel_id and not CONVERSATION_ID.fullmatch(channel_id):
        # Slack takes a conversation ID here, never a user ID: a DM is opened first
        # (conversations.open) and its D… ID given.
        raise invalid(
            "invalid_arguments",
            f"input must match regex pattern: {CONVERSATION_ID.pattern} [json-pointer:/channel_id]",
        )
    targets = args.csv("channels") or ([channel_id] if channel_id else [])
    channels = [postable_channel(ws, Args({"channel": ref})) for ref in targets]
    thread_ts = args.text("thread_ts")
    roots = {c.id: ws.thread_root(c.id, thread_ts) if thread_ts else None for c in channels}
    for record, item in records:
        record["completed"] = True
        record["title"] = item.get("title") or record["name"]
    shared = [
        {
            "id": r["id"],
            "name": r["name"],
            "title": r["title"],
            "mimetype": r["mimetype"],
            "size": len(r["content"]),
            "content": _text_of(r["content"]),
        }
        for r, _ in records
    ]
    for channel in channels:
        for record, _ in records:
            record["channels"].append(channel.id)
        ws.add_message(
            Message(
                channel=channel.id,
                ts=ws.next_ts(),
                text=args.text("initial_comment", ""),
                user=ws.bot_user_id,
                bot_id=ws.bot_id,
                thread_ts=roots[channel.id],
                files=[dict(f) for f in shared],
            )
        )
    return {"ok": True, "files": [ws.file_api(r["id"]) for r, _ in records]}


def files_info(ws: Workspace, args: Args) -> dict[str, Any]:
    file_id = args.text("file")
    if file_id not in ws.files or not ws.files[file_id]["completed"]:
        raise SlackError("file_not_found")
    content = ws.files[file_id]["content"] or b""
    return {
        "ok": True,
        "file": {**ws.file_api(file_id), "preview": content.decode("utf-8", "replace")[:1000]},
    }


def files_upload_v1(ws: Workspace, args: Args) -> dict[str, Any]:
    # Slack retired files.upload; slack_sdk's files_upload_v2 is the supported path.
    raise SlackError("method_deprecated")


METHODS = {
    "auth.test": auth_test,
    "users.info": users_info,
    "users.list": users_list,
    "users.lookupByEmail": users_lookup_by_email,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
    "files.info": files_info,
    "files.upload": files_upload_v1,
}

"""``usergroups.*`` Web API methods, as Slack answers them: a user group (``S…``) has a
name and a handle unique in the workspace, and users; it cannot be emptied
(``usergroups.users.update`` with no users is ``no_users_provided``), only disabled, and a
disabled group is left out of lists unless ``include_disabled``. Its fields are those of
Slack's ``usergroup`` object that opsbot reads."""

from __future__ import annotations

from typing import Any

from .models import Args, SlackError
from .workspace import Workspace


def _groups(ws: Workspace) -> dict[str, dict[str, Any]]:
    return ws.usergroups


def _api(group: dict[str, Any], include_users: bool, include_count: bool) -> dict[str, Any]:
    shown = {k: v for k, v in group.items() if k != "users"}
    if include_users:
        shown["users"] = list(group["users"])
    if include_count:
        shown["user_count"] = len(group["users"])
    return shown


def _require(ws: Workspace, args: Args, *, include_disabled: bool = True) -> dict[str, Any]:
    group_id = args.required("usergroup")
    group = _groups(ws).get(group_id)
    if group is None:
        raise SlackError("no_such_subteam")
    if group["date_delete"] and not include_disabled:
        raise SlackError("no_such_subteam")
    return group


def _unique(ws: Workspace, name: str | None, handle: str | None, group_id: str = "") -> None:
    for other in _groups(ws).values():
        if other["id"] == group_id:
            continue
        if name is not None and other["name"] == name:
            raise SlackError("name_already_exists")
        if handle is not None and other["handle"] == handle:
            raise SlackError("handle_already_exists")


def add_usergroup(
    ws: Workspace, name: str, handle: str, users: list[str], group_id: str | None = None
) -> dict[str, Any]:
    """A user group, as a workspace admin would have made it (tests, the shell)."""
    with ws.lock:
        _unique(ws, name, handle)
        new_id = group_id or ws.new_id("S")
        group: dict[str, Any] = {
            "id": new_id,
            "team_id": ws.team_id,
            "is_usergroup": True,
            "name": name,
            "handle": handle,
            "description": "",
            "date_create": ws.now(),
            "date_update": ws.now(),
            "date_delete": 0,
            "users": [ws.require_user(u) for u in users],
        }
        _groups(ws)[new_id] = group
        return group


def usergroups_create(ws: Workspace, args: Args) -> dict[str, Any]:
    name = args.required("name")
    handle = args.text("handle") or name.lower().replace(" ", "-")
    group = add_usergroup(ws, name, handle, [])
    return {"ok": True, "usergroup": _api(group, True, args.flag("include_count"))}


def usergroups_list(ws: Workspace, args: Args) -> dict[str, Any]:
    disabled = args.flag("include_disabled")
    groups = [g for g in _groups(ws).values() if disabled or not g["date_delete"]]
    users, count = args.flag("include_users"), args.flag("include_count")
    return {"ok": True, "usergroups": [_api(g, users, count) for g in groups]}


def usergroups_update(ws: Workspace, args: Args) -> dict[str, Any]:
    group = _require(ws, args)
    name, handle = args.text("name"), args.text("handle")
    _unique(ws, name, handle, group["id"])
    described = args.text("description")
    for key, value in (("name", name), ("handle", handle), ("description", described)):
        if value is not None:
            group[key] = value
    group["date_update"] = ws.now()
    return {"ok": True, "usergroup": _api(group, True, args.flag("include_count"))}


def usergroups_disable(ws: Workspace, args: Args) -> dict[str, Any]:
    group = _require(ws, args)
    group["date_delete"] = group["date_delete"] or ws.now()
    return {"ok": True, "usergroup": _api(group, True, args.flag("include_count"))}


def usergroups_enable(ws: Workspace, args: Args) -> dict[str, Any]:
    group = _require(ws, args)
    group["date_delete"] = 0
    return {"ok": True, "usergroup": _api(group, True, args.flag("include_count"))}


def usergroups_users_list(ws: Workspace, args: Args) -> dict[str, Any]:
    group = _require(ws, args, include_disabled=args.flag("include_disabled"))
    return {"ok": True, "users": list(group["users"])}


def usergroups_users_update(ws: Workspace, args: Args) -> dict[str, Any]:
    group = _require(ws, args)
    raw = args.text("users")
    if raw is None:
        raise SlackError("no_users_provided")  # a user group cannot be emptied
    users = [u.strip() for u in raw.split(",") if u.strip()]
    if not users:
        raise SlackError("invalid_users")
    for user in users:
        if user not in ws.users:
            raise SlackError("invalid_users")
    group["users"] = list(dict.fromkeys(users))
    group["date_update"] = ws.now()
    return {"ok": True, "usergroup": _api(group, True, args.flag("include_count"))}


METHODS = {
    "usergroups.create": usergroups_create,
    "usergroups.list": usergroups_list,
    "usergroups.update": usergroups_update,
    "usergroups.disable": usergroups_disable,
    "usergroups.enable": usergroups_enable,
    "usergroups.users.list": usergroups_users_list,
    "usergroups.users.update": usergroups_users_update,
}

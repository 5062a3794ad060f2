"""The Web API stand-in's users, views (modals and App Home) and file uploads; exercised
through the real slack_sdk WebClient over HTTP."""

from __future__ import annotations

import json

import pytest
from freezegun import freeze_time
from slack_sdk.errors import SlackApiError

from tests.standin.workspace import (
    ALICE,
    BOB,
    BOT,
    CAROL,
    INCIDENTS,
    SDK_ADVICE_IGNORED,
    section,
    slack_error,
)

pytestmark = SDK_ADVICE_IGNORED


# -- users ---------------------------------------------------------------------------------


def test_users(client):
    alice = client.users_info(user=ALICE)["user"]
    assert (alice["name"], alice["real_name"], alice["tz"], alice["tz_offset"]) == (
        "alice",
        "Alice A",
        "Asia/Tokyo",
        9 * 3600,
    )
    assert alice["profile"]["display_name"] == "alice"
    assert alice["is_bot"] is False
    assert slack_error(client.users_info, user="U0NOBODY") == "user_not_found"
    members = client.users_list()["members"]
    assert [m["id"] for m in members] == [BOT, ALICE, BOB, CAROL]
    assert members[0]["is_bot"] is True
    assert client.users_lookupByEmail(email="alice@example.com")["user"]["id"] == ALICE


def test_tz_offset_follows_frozen_time(client):
    with freeze_time("2024-07-01 12:00:00"):
        assert client.users_info(user=BOB)["user"]["tz_offset"] == 3600  # BST
    with freeze_time("2024-01-01 12:00:00"):
        assert client.users_info(user=BOB)["user"]["tz_offset"] == 0


# -- views ---------------------------------------------------------------------------------


MODAL = {
    "type": "modal",
    "callback_id": "declare_incident",
    "title": {"type": "plain_text", "text": "Declare incident"},
    "submit": {"type": "plain_text", "text": "Declare"},
    "blocks": [
        {
            "type": "input",
            "block_id": "summary",
            "label": {"type": "plain_text", "text": "Summary"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


def test_views_open_update_push(slack, client):
    opened = client.views_open(trigger_id="123.456.abc", view=MODAL)["view"]
    assert opened["id"].startswith("V")
    assert opened["state"] == {"values": {}}
    assert (opened["callback_id"], opened["blocks"]) == ("declare_incident", MODAL["blocks"])
    changed = {**MODAL, "title": {"type": "plain_text", "text": "Declared"}}
    updated = client.views_update(view_id=opened["id"], view=changed, hash=opened["hash"])["view"]
    assert updated["id"] == opened["id"]
    assert updated["hash"] != opened["hash"]
    assert slack.workspace.views[opened["id"]]["title"]["text"] == "Declared"
    stale = slack_error(client.views_update, view_id=opened["id"], view=MODAL, hash=opened["hash"])
    assert stale == "hash_conflict"
    assert slack_error(client.views_update, view_id="V0MISSING", view=MODAL) == "not_found"
    pushed = client.views_push(trigger_id="123.456.def", view=MODAL)["view"]
    assert pushed["id"] not in (opened["id"],)


def test_views_by_external_id_and_as_form_string(slack, client):
    view = {**MODAL, "external_id": "incident-42"}
    client.api_call("views.open", params={"trigger_id": "1.2.3", "view": json.dumps(view)})
    [stored] = slack.workspace.views.values()
    assert stored["external_id"] == "incident-42"
    client.views_update(external_id="incident-42", view={**view, "private_metadata": "42"})
    assert slack.workspace.views[stored["id"]]["private_metadata"] == "42"


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"view": MODAL}, "missing required field: trigger_id"),
        ({"trigger_id": "1.2.3", "view": {"blocks": []}}, "missing required field: type"),
        ({"trigger_id": "1.2.3", "view": {"type": "modal", "blocks": []}}, "title"),
        (
            {"trigger_id": "1.2.3", "view": {k: v for k, v in MODAL.items() if k != "submit"}},
            "submit",
        ),
    ],
)
def test_views_open_rejects_bad_arguments(client, kwargs, problem):
    with pytest.raises(SlackApiError) as info:
        client.api_call("views.open", json=kwargs)
    assert info.value.response["error"] == "invalid_arguments"
    assert problem in info.value.response["response_metadata"]["messages"][0]


def test_views_publish_home(slack, client):
    home = {"type": "home", "blocks": [section("You are on call today")]}
    first = client.views_publish(user_id=ALICE, view=home)["view"]
    second = client.views_publish(user_id=ALICE, view=home)["view"]
    assert first["id"] == second["id"] == slack.workspace.home_views[ALICE]
    assert slack_error(client.views_publish, user_id=ALICE, view=MODAL) == "invalid_arguments"


# -- files ---------------------------------------------------------------------------------


def test_files_upload_v2_end_to_end(slack, client):
    top = client.chat_postMessage(channel=INCIDENTS, text="timeline follows")
    answer = client.files_upload_v2(
        channel=INCIDENTS,
        content="09:00 paged\n09:05 mitigated\n",
        filename="timeline.txt",
        title="Timeline",
        initial_comment="Incident timeline",
        thread_ts=top["ts"],
    )
    assert answer["file"]["title"] == "Timeline"
    shared = slack.messages(INCIDENTS)[-1]
    assert (shared.text, shared.thread_ts) == ("Incident timeline", top["ts"])
    assert shared.file["name"] == "timeline.txt"
    assert shared.file["content"] == "09:00 paged\n09:05 mitigated\n"
    assert [c.method for c in slack.calls[1:]] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    info = client.files_info(file=answer["file"]["id"])["file"]
    assert info["channels"] == [INCIDENTS]


def test_file_upload_errors(slack, client):
    url = client.files_getUploadURLExternal(filename="x.txt", length=3)
    pending = [{"id": url["file_id"], "title": "x"}]
    assert slack_error(client.files_completeUploadExternal, files=pending) == "file_not_found"
    assert slack_error(client.files_upload, content="x", channels=INCIDENTS) == "method_deprecated"

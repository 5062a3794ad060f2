"""The Web API stand-in's user groups (`usergroups.*`), through slack_sdk's WebClient over
HTTP: a user group cannot be emptied, only disabled; a disabled group is left out of lists
unless asked for."""

from __future__ import annotations

from tests.standin.workspace import ALICE, BOB, CAROL, SDK_ADVICE_IGNORED, slack_error

pytestmark = SDK_ADVICE_IGNORED


def test_a_groups_users_are_replaced_never_emptied(slack, client):
    group = slack.add_usergroup("Platform standby", "platform-standby", [ALICE])
    assert client.usergroups_users_list(usergroup=group)["users"] == [ALICE]
    updated = client.usergroups_users_update(usergroup=group, users=[BOB, CAROL, BOB])
    assert updated["usergroup"]["users"] == [BOB, CAROL]
    assert slack.usergroup(group)["users"] == [BOB, CAROL]
    assert slack_error(client.usergroups_users_update, usergroup=group, users="") == (
        "no_users_provided"
    )
    assert slack_error(client.usergroups_users_update, usergroup=group, users="U0NOBODY1") == (
        "invalid_users"
    )
    assert slack.usergroup(group)["users"] == [BOB, CAROL]  # refused calls changed nothing
    assert slack_error(client.usergroups_users_list, usergroup="S0NOSUCH1") == "no_such_subteam"


def test_a_disabled_group_keeps_its_users_and_leaves_the_lists(slack, client):
    group = slack.add_usergroup("Platform standby", "platform-standby", [ALICE])
    assert client.usergroups_disable(usergroup=group)["usergroup"]["date_delete"] > 0
    assert [g["id"] for g in client.usergroups_list()["usergroups"]] == []
    listed = client.usergroups_list(include_disabled=True, include_users=True)["usergroups"]
    assert [(g["id"], g["users"]) for g in listed] == [(group, [ALICE])]
    assert slack_error(client.usergroups_users_list, usergroup=group) == "no_such_subteam"
    assert client.usergroups_users_list(usergroup=group, include_disabled=True)["users"] == [ALICE]
    assert client.usergroups_enable(usergroup=group)["usergroup"]["date_delete"] == 0
    counted = client.usergroups_list(include_count=True)["usergroups"]
    assert [(g["handle"], g["user_count"]) for g in counted] == [("platform-standby", 1)]


def test_names_and_handles_are_unique(slack, client):
    slack.add_usergroup("Platform standby", "platform-standby", [ALICE])
    made = client.usergroups_create(name="Mobile standby", handle="mobile-standby")
    assert made["usergroup"]["id"].startswith("S") and made["usergroup"]["users"] == []
    assert slack_error(client.usergroups_create, name="Platform standby") == ("name_already_exists")
    assert (
        slack_error(
            client.usergroups_update, usergroup=made["usergroup"]["id"], handle="platform-standby"
        )
        == "handle_already_exists"
    )

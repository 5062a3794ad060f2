"""Block Kit for the loop's DMs, modal and replies. User text is escaped. Times are Slack
date tokens (each reader sees their own zone; the fallback is in the organisation's), or
written out by a ``when`` given by a caller that knows the reader's zone."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from bot.config import OrgConfig, Team
from bot.loop.models import STATUS_LABELS, LoopAsk, LoopUpdate
from bot.loop.service import MAX_TEXT, WeekState
from bot.loop.weeks import LoopWeek, shift
from bot.slack import timefmt
from bot.slack.blocks import (
    Block,
    actions,
    button,
    context,
    header,
    input_block,
    message,
    modal,
    option,
    plain_input,
    section,
    select_input,
)
from bot.slack.escaping import escape, mention

When = Callable[[dt.datetime], str]

CALLBACK = "loop_update"
NEED_SLOTS = 3
MAX_NEED_SLOTS = 6
MAX_ASKS_SHOWN = 15
EMOJI = {
    "on_track": ":large_green_circle:",
    "at_risk": ":large_yellow_circle:",
    "blocked": ":red_circle:",
}


def status_label(status: str) -> str:
    return f"{EMOJI.get(status, '')} {STATUS_LABELS.get(status, status)}".strip()


def team_name(config: OrgConfig, team_id: str) -> str:
    team = config.team(team_id)
    return escape(team.name if team else team_id)


def update_text(update: LoopUpdate, config: OrgConfig) -> str:
    lines = [f"*Working on:* {escape(update.working_on)}"]
    if update.roadblocks:
        lines.append(f"*Roadblocks:* {escape(update.roadblocks)}")
    for need in update.needs:
        asked = ", ".join(team_name(config, t) for t in need["teams"])
        lines.append(f"*Needs from {asked}:* {escape(need['text'])}")
    return "\n".join(lines)


def ask_line(ask: LoopAsk, config: OrgConfig, *, towards: bool) -> str:
    other = ask.from_team if towards else ask.to_team
    word = "from" if towards else "to"
    return f"• {word} *{team_name(config, other)}*: {escape(ask.text)} _(open since {ask.week})_"


# -- DMs ----------------------------------------------------------------------------------


def write_button(week: str, team_id: str, *, answered: bool = False) -> Block:
    value = json.dumps({"week": week, "team": team_id})
    if answered:
        return button("Edit update", "loop_write", value)
    return button("Write update", "loop_write", value, style="primary")


def prompt(
    config: OrgConfig,
    week: LoopWeek,
    team: Team,
    last: LoopUpdate | None,
    asks_of: list[LoopAsk],
    asks_by: list[LoopAsk],
    answered: LoopUpdate | None = None,
) -> dict[str, Any]:
    """The weekly prompt; once the team has answered (`answered`: its latest submission of
    the week) the same DM says so, with the update and an Edit button."""
    name = escape(team.name)
    zone = timefmt.org_zone(config)
    blocks: list[Block] = [
        header(f"Loop of Loops — {week.id}"),
        section(
            f"Hi {mention(team.pm)}: what is *{name}* working on this week, what does it need "
            f"from other teams, and what blocks it? The digest is posted "
            f"{timefmt.token(week.digest_at, zone)}; you can edit your update until then."
        ),
    ]
    if answered is not None:
        blocks.append(
            section(
                f":white_check_mark: *Answered* by {mention(answered.author)} "
                f"{timefmt.token(answered.submitted_at, zone)} — "
                f"{status_label(answered.status)}\n" + update_text(answered, config)
            )
        )
    button = write_button(week.id, team.id, answered=answered is not None)
    blocks.append(actions(button, block_id="loop_write"))
    if last is not None:
        blocks.append(
            section(
                f"*Last week ({last.week})* — {status_label(last.status)}\n"
                + update_text(last, config)
            )
        )
    else:
        blocks.append(context("No update from last week."))
    blocks += _ask_blocks(f"*Open asks of {name}*", asks_of, config, towards=True)
    blocks += _ask_blocks(f"*{name}'s open asks of other teams*", asks_by, config, towards=False)
    text = f"Loop of Loops {week.id}: time for {team.name}'s update"
    return message(text, blocks)


def _ask_blocks(
    title: str, asks: list[LoopAsk], config: OrgConfig, *, towards: bool
) -> list[Block]:
    if not asks:
        return []
    action, label = ("loop_ask_done", "Mark done") if towards else ("loop_ask_withdraw", "Withdraw")
    blocks = [section(title)]
    for ask in asks[:MAX_ASKS_SHOWN]:
        line = ask_line(ask, config, towards=towards)
        blocks.append(section(line, accessory=button(label, action, str(ask.id))))
    if len(asks) > MAX_ASKS_SHOWN:
        blocks.append(context(f"…and {len(asks) - MAX_ASKS_SHOWN} more."))
    return blocks


def reminder(config: OrgConfig, week: LoopWeek, team: Team) -> dict[str, Any]:
    name = escape(team.name)
    when = timefmt.token(week.digest_at, timefmt.org_zone(config))
    text = (
        f"Reminder: *{name}* has no Loop-of-Loops update for {week.id} yet. The digest is "
        f"posted {when}."
    )
    return message(
        f"Reminder: {team.name}'s update for {week.id}",
        [section(text), actions(write_button(week.id, team.id), block_id="loop_write")],
    )


def saved(update: LoopUpdate, config: OrgConfig) -> dict[str, Any]:
    name = team_name(config, update.team_id)
    text = (
        f":white_check_mark: Saved *{name}*'s update for {update.week} — "
        f"{status_label(update.status)}. You can edit it until the digest is posted."
    )
    return message(text, [section(text), section(update_text(update, config))])


# -- the modal ------------------------------------------------------------------------------


def update_modal(
    config: OrgConfig, week: str, teams: list[Team], current: LoopUpdate | None
) -> dict[str, Any]:
    blocks: list[Block] = []
    single = teams[0].id if len(teams) == 1 else None
    if single is None:
        choices = [(t.name, t.id) for t in teams]
        blocks.append(select_input("team", "Team", choices))
    else:
        blocks.append(context(f"*{escape(teams[0].name)}* — week {week}"))
    needs = list(current.needs) if current else []
    slots = min(max(NEED_SLOTS, len(needs) + 1), MAX_NEED_SLOTS)
    blocks.append(
        plain_input(
            "working_on",
            "What is the team working on?",
            multiline=True,
            initial=current.working_on if current else None,
            max_length=MAX_TEXT,
        )
    )
    others = [(t.name, t.id) for t in config.teams if t.id != single]
    for index in range(slots):
        need = needs[index] if index < len(needs) else None
        element: Block = {
            "type": "multi_static_select",
            "action_id": "value",
            "placeholder": {"type": "plain_text", "text": "Teams asked"},
            "options": [option(name, value) for name, value in others],
        }
        if need:
            names = {value: name for name, value in others}
            element["initial_options"] = [option(names[t], t) for t in need["teams"] if t in names]
        label = f"Need {index + 1}: asked of"
        blocks.append(input_block(f"need_{index}_teams", label, element, optional=True))
        blocks.append(
            plain_input(
                f"need_{index}_text",
                f"Need {index + 1}: what is needed",
                optional=True,
                initial=need["text"] if need else None,
                max_length=MAX_TEXT,
            )
        )
    blocks.append(
        plain_input(
            "roadblocks",
            "Roadblocks",
            multiline=True,
            optional=True,
            initial=current.roadblocks if current else None,
            max_length=MAX_TEXT,
        )
    )
    choices = [(STATUS_LABELS[s], s) for s in STATUS_LABELS]
    blocks.append(
        select_input("status", "Status", choices, current.status if current else "on_track")
    )
    metadata = json.dumps({"week": week, "team": single, "slots": slots})
    return modal(CALLBACK, "Loop of Loops update", "Save", blocks, metadata)


# -- replies --------------------------------------------------------------------------------


def week_state_line(state: WeekState, now: dt.datetime, when: When) -> str:
    """Where the week's digest stands, and what happens next when that is the next week's
    prompt; never a due time in the past."""
    week = state.week
    next_prompt = f"Next: the {shift(week.id, 1)} prompts, {when(week.ends_at)}."
    if state.posted:
        return f"The digest of {week.id} is posted. {next_prompt}"
    if state.going_out:
        return f"The digest of {week.id} is going out now."
    if not state.channel:
        return "No digest is posted: no loop channel is configured (`channels.loop`)."
    if now < week.digest_at:
        return f"The digest is due {when(week.digest_at)}."
    if state.owed:
        return (
            f"The digest, due {when(week.digest_at)}, has not gone out yet: it is sent as soon "
            "as Slack takes it."
        )
    if not state.prompted:
        return (
            f"opsbot started after this week's digest time, so no prompts went out for "
            f"{week.id} and no digest is due. {next_prompt}"
        )
    return (
        f"The digest of {week.id} could not be posted at its time ({when(week.digest_at)}); "
        f"opsbot's log says why. {next_prompt}"
    )


def status_reply(
    config: OrgConfig, state: WeekState, updates: dict[str, LoopUpdate], now: dt.datetime
) -> str:
    """`/lol status`, for one person whose zone is not known yet: date tokens."""
    zone = timefmt.org_zone(config)
    week = state.week
    lines = [f"*Loop of Loops {week.id}* — {len(updates)} of {len(config.teams)} teams answered"]
    for team in config.teams:
        update = updates.get(team.id)
        if update is None:
            lines.append(f"• {escape(team.name)} ({mention(team.pm)}): _no update yet_")
        else:
            when = timefmt.token(update.submitted_at, zone)
            lines.append(f"• {escape(team.name)}: {status_label(update.status)}, {when}")
    lines.append(week_state_line(state, now, lambda moment: timefmt.token(moment, zone)))
    return "\n".join(lines)


def confirm_digest(week: LoopWeek, missing: list[Team]) -> dict[str, Any]:
    """`/lol digest` while teams have not answered: who, and a button to post it anyway."""
    who = ", ".join(f"{escape(t.name)} ({mention(t.pm)})" for t in missing)
    teams = "1 team has" if len(missing) == 1 else f"{len(missing)} teams have"
    text = (
        f"{teams} not answered {week.id} yet: {who}. Post the digest now anyway? "
        "(Otherwise it is posted at its time, with whatever has come in by then.)"
    )
    return message(
        text,
        [
            section(text),
            actions(
                button("Post digest now", "loop_digest_now", week.id, style="danger"),
                block_id="loop_digest_now",
            ),
        ],
    )


def history_reply(config: OrgConfig, team: Team, updates: list[LoopUpdate]) -> dict[str, Any]:
    title = f"*{escape(team.name)}* — past Loop-of-Loops updates"
    if not updates:
        return {"text": f"{title}\nNo updates yet."}
    blocks = [section(title)]
    for update in updates:
        blocks.append(
            section(
                f"*{update.week}* — {status_label(update.status)}\n{update_text(update, config)}"
            )
        )
    return {"text": f"{team.name}: {len(updates)} past updates", "blocks": blocks[:50]}

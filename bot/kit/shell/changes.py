"""What the bot did since the last command, as the transcript shows it: the messages it
posted (each at the time it was sent, a line for each new day), edited (at the time of the
edit), reacted to or deleted, the answers only the user sees, and the modals it opened.
A part of `Shell` (session.py), kept apart as a mixin."""

from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING, Any

from bot.kit.shell.errors import ShellError
from bot.kit.shell.modal import ModalForm
from bot.kit.shell.transcript import Button, Renderer
from bot.kit.standin import Message

if TYPE_CHECKING:
    from bot.app import OpsBot
    from bot.kit.shell.names import Directory
    from bot.kit.standin import SlackStandIn, Workspace


class ChangeFeed:
    """What `Shell` shows of the bot's doings; `_seen` is what was shown already."""

    bot: OpsBot | None
    standin: SlackStandIn | None
    directory: Directory
    render: Renderer
    channel: str
    buttons: list[Button]
    modal: ModalForm | None
    _seen: dict[tuple[str, str], tuple[Any, ...]]
    _responses_seen: int
    _calls_seen: int

    user: str

    if TYPE_CHECKING:

        @property
        def ws(self) -> Workspace: ...

        def now(self) -> dt.datetime: ...

        def where(self, message: Message) -> str: ...

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
        now = self.render.local(self.now())
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
                reacted = self.render.text(" ".join(f":{name}:" for name in message.reactions))
                first = self.render.body(message, [])[0][:60]
                lines.append(
                    f"{now:%H:%M} {self.where(message)}  reactions now {reacted or 'none'} on: "
                    f"{first}"
                )
        gone = [key for key in self._seen if key not in keys]
        lines += [
            f"{now:%H:%M} {self.directory.where_channel(channel)}  (a message was deleted)"
            for channel, _ in gone
        ]
        # in the order things happened: an edit when it was made, not where its message is
        shown.sort(key=lambda item: self.render.sent_at(item[0], edited=item[1]))
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

    def show(
        self,
        shown: list[tuple[Message, bool, str]],
        *,
        day_before: dt.date | None = None,
        file_text: bool = False,
        as_sent: bool = False,
    ) -> list[str]:
        """`(message, edited, indent)` as transcript lines, each at the time it was edited
        and its dates as read then (`as_sent`: at the time it was sent, its dates as read
        now, as in a channel's history), a day's line before the first message of each day
        but `day_before`'s (default: today); their buttons become `click`'s."""
        buttons: list[Button] = []
        lines: list[str] = []
        day = day_before or self.render.local(self.now()).date()
        for message, edited, indent in shown:
            when = self.render.local(self.render.sent_at(message, edited=edited and not as_sent))
            if when.date() != day:
                day = when.date()
                lines.append(f"── {when:%a %d %b %Y} ──")
            lines += self.render.message(
                message,
                self.where(message),
                buttons,
                when=when,
                read_at=None if as_sent else when,
                edited=edited,
                indent=indent,
                file_text=file_text,
            )
        if buttons:
            self.buttons = buttons
        return lines

"""``SlackStandIn``: the public face of the stand-in (lifecycle, recording, helpers)."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from . import (
    api_chat,
    api_conversations,
    api_misc,
    api_usergroups,
    composer,
    display,
    response_urls,
)
from .faults import Fault, FaultPlan, Outcome
from .models import Args, Call, Channel, Message, SlackError
from .server import StandInHTTPServer
from .socket_api import SocketModeFace
from .socket_mode import SocketModeServer
from .workspace import Workspace

METHODS: dict[str, Callable[[Workspace, Args], dict[str, Any]]] = {
    **api_chat.METHODS,
    **api_conversations.METHODS,
    **api_misc.METHODS,
    **api_usergroups.METHODS,
}

_WAIT_SLICE = 0.01  # seconds; see SlackStandIn.wait_for


class SlackStandIn(SocketModeFace):
    """A local, stateful imitation of Slack's Web API for ``slack_sdk.WebClient``::

        with SlackStandIn(users=[{"id": "U1", "name": "alice"}]) as slack:
            client = WebClient(base_url=slack.api_url, token="xoxb-test")
            client.chat_postMessage(channel="U1", text="hi")  # a DM, as on Slack
            assert slack.messages("U1")[0].text == "hi"

    Thread-safe: the server answers each request in its own thread; workspace changes
    happen under ``workspace.lock`` and recorded calls under an internal condition.
    """

    def __init__(
        self,
        users: list[dict[str, Any]] | None = None,
        bot_user_id: str = "U0OPSBOT0",
        team_id: str = "T0OPSBOT0",
        *,
        bot_name: str = "opsbot",
        ts_clock: Callable[[], float] | None = None,
        rate_limit_clock: Callable[[], float] | None = None,
    ) -> None:
        """``users``: dicts with ``id``, ``name`` and optionally ``tz``, ``real_name``,
        ``is_bot``, ``email``. ``ts_clock`` (e.g. ``time.time``) keeps message ts from
        falling behind that clock; by default ts come from a counter only.
        ``rate_limit_clock`` replaces the real monotonic clock of :meth:`rate_limit`.
        """
        self.workspace = Workspace(
            bot_user_id=bot_user_id, team_id=team_id, bot_name=bot_name, ts_clock=ts_clock
        )
        self.faults = FaultPlan(rate_limit_clock) if rate_limit_clock else FaultPlan()
        # Socket Mode (see socket_api): started on the first apps.connections.open
        self.socket_mode = SocketModeServer(self.workspace.app_id, note_error=self.note_error)
        self.errors: list[str] = []  # tracebacks of stand-in bugs (should stay empty)
        self._calls: list[Call] = []
        self._changed = threading.Condition()
        self._server: StandInHTTPServer | None = None
        self._thread: threading.Thread | None = None
        for user in users or ():
            self.add_user(
                user["id"],
                user.get("name", user["id"]),
                tz=user.get("tz", "Asia/Tokyo"),
                real_name=user.get("real_name"),
                is_bot=user.get("is_bot", False),
                email=user.get("email"),
            )

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("stand-in already started")
        self._server = StandInHTTPServer(self)
        host, port = self._server.socket.getsockname()[:2]
        self.workspace.base_url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},  # how soon stop() is noticed
            name=f"slack-standin-{port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        self.socket_mode.stop()
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (only once started)."""
        if not self.workspace.base_url:
            raise RuntimeError("stand-in not started")
        return self.workspace.base_url

    @property
    def api_url(self) -> str:
        """The ``base_url`` for ``WebClient``, with its trailing slash."""
        return f"{self.base_url}/api/"

    # -- recorded calls ------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every Web API call in arrival order (a snapshot list of live ``Call`` objects)."""
        with self._changed:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def clear_calls(self) -> None:
        with self._changed:
            self._calls.clear()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Wait until ``predicate()`` holds, re-checking whenever the stand-in is called.

        Time is measured in real condition-wait slices, so it works under freezegun.
        ``predicate`` runs with the call log locked: keep it quick.
        """
        slices = max(1, int(timeout / _WAIT_SLICE))
        with self._changed:
            for _ in range(slices):
                if predicate():
                    return True
                self._changed.wait(_WAIT_SLICE)
            return predicate()

    def wait_for_call(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``count`` answered calls to ``method`` exist; return them all."""

        def answered() -> list[Call]:
            return [c for c in self._calls if c.method == method and c.status]

        if not self.wait_for(lambda: len(answered()) >= count, timeout):
            raise TimeoutError(f"expected {count} call(s) to {method}, got {len(answered())}")
        return answered()

    def _touch(self) -> None:
        with self._changed:
            self._changed.notify_all()

    # -- faults --------------------------------------------------------------------------

    def fail_next(
        self, method: str, *, status: int = 500, times: int = 1, retry_after: int | None = None
    ) -> None:
        """The next ``times`` calls to ``method`` ("*": any) answer HTTP ``status``.

        429 carries ``Retry-After`` (``retry_after``, default 1) and ``ratelimited``.
        """
        self.faults.add(Fault(method, "http", times, status=status, retry_after=retry_after))

    def error_next(self, method: str, error: str, *, times: int = 1) -> None:
        """The next ``times`` calls answer HTTP 200 ``{"ok": false, "error": error}``."""
        self.faults.add(Fault(method, "error", times, error=error))

    def drop_connection_next(self, method: str, *, times: int = 1) -> None:
        """The next ``times`` calls get their connection reset without an answer."""
        self.faults.add(Fault(method, "drop", times))

    def rate_limit(self, method: str, per_minute: int | None, *, burst: int | None = None) -> None:
        """Throttle ``method`` ("*": every method separately) to ``per_minute`` calls.

        Over the limit, calls get 429 with ``Retry-After``. Meant for real-time runs
        (benchmarks, ``opsbot shell``): elapsed time comes from a real monotonic clock that
        freezegun does not freeze (or from ``rate_limit_clock``). ``None`` lifts the limit.
        """
        self.faults.rate_limit(method, per_minute, burst=burst)

    def clear_faults(self) -> None:
        """Forget queued faults and rate limits."""
        self.faults.clear()

    # -- workspace helpers ---------------------------------------------------------------

    def add_usergroup(
        self, name: str, handle: str, users: list[str], group_id: str | None = None
    ) -> str:
        """A user group a workspace admin made (opsbot only changes its users); its id."""
        return str(
            api_usergroups.add_usergroup(self.workspace, name, handle, users, group_id)["id"]
        )

    def usergroup(self, group_id: str) -> dict[str, Any] | None:
        """The user group as Slack holds it now (None if there is none)."""
        found = self.workspace.usergroups.get(group_id)
        return dict(found, users=list(found["users"])) if found else None

    def add_user(
        self,
        user_id: str,
        name: str,
        tz: str = "Asia/Tokyo",
        real_name: str | None = None,
        is_bot: bool = False,
        *,
        email: str | None = None,
        deleted: bool = False,
    ) -> None:
        self.workspace.add_user(user_id, name, tz, real_name, is_bot, email, deleted)

    def add_channel(
        self,
        name: str,
        channel_id: str | None = None,
        members: Iterable[str] = (),
        *,
        bot_is_member: bool = True,
        is_private: bool = False,
    ) -> str:
        """Create a pre-existing channel; return its id."""
        channel = self.workspace.add_channel(
            name, channel_id, members, bot_is_member=bot_is_member, is_private=is_private
        )
        return channel.id

    def add_message(
        self, channel: str, text: str, user: str, *, thread_ts: str | None = None
    ) -> str:
        """Put a message from a human ``user`` into ``channel`` (id or name); return its ts."""
        ws = self.workspace
        with ws.lock:
            target = self._channel(channel)
            root = ws.thread_root(target.id, thread_ts) if thread_ts else None
            message = Message(channel=target.id, ts=ws.next_ts(), text=text, user=user)
            message.thread_ts = root
            ws.add_message(message)
        self._touch()
        return message.ts

    def compose(self, text: str) -> str:
        """``text`` typed in a slash command → as Slack sends it, with this workspace's people
        and channels found by name (see ``composer``)."""
        ws = self.workspace

        def user(name: str) -> tuple[str, str] | None:
            with ws.lock:
                for user_id, record in ws.users.items():
                    if record["name"].lower() == name.lower():
                        return user_id, record["name"]
            return None

        def channel(name: str) -> tuple[str, str] | None:
            with ws.lock:
                found = ws.channel_named(name)
            return (found.id, found.name) if found else None

        return composer.encode(text, user=user, channel=channel)

    def shown(self, mrkdwn: str, *, reader: str | None = None) -> display.Shown:
        """How a reader sees ``mrkdwn`` in this workspace: names for ids (see ``display``);
        with ``reader`` (a user id), date tokens in that person's time zone, else their
        fallback text."""
        ws = self.workspace
        date = None
        if reader is not None:
            with ws.lock:
                date = display.date_in(ws.users[reader].get("tz") or "UTC")

        def user_name(user_id: str) -> str:
            with ws.lock:
                record = ws.users.get(user_id)
            return record["name"] if record else user_id

        def channel_name(channel_id: str) -> str:
            with ws.lock:
                found = ws.channels.get(channel_id)
            return found.name if found else channel_id

        return display.shown(mrkdwn, user_name=user_name, channel_name=channel_name, date=date)

    def messages(self, channel: str) -> list[Message]:
        """Copies of all messages in ``channel`` (id, name, ``#name``, or a user id for the
        bot's DM with that user), top-level and threaded, ephemeral included, in order."""
        ws = self.workspace
        with ws.lock:
            if channel in ws.users and channel not in ws.channels:
                im = ws.im_for(channel, create=False)
                return ws.messages_in(im.id) if im else []
            return ws.messages_in(self._channel(channel).id)

    def _channel(self, ref: str) -> Channel:
        channel = self.workspace.channels.get(ref) or self.workspace.channel_named(ref)
        if channel is None:
            raise KeyError(f"no such channel: {ref}")
        return channel

    # -- response URLs -------------------------------------------------------------------

    def new_response_url(
        self, *, channel: str | None = None, user: str | None = None, message_ts: str | None = None
    ) -> str:
        """A response_url on this server, like Slack's for slash commands/interactions.

        With ``channel`` (and ``user``/``message_ts``) known, POSTs also take effect:
        ``in_channel`` posts a message, the default ephemeral type posts one visible to
        ``user``, ``replace_original``/``delete_original`` edit the message at ``message_ts``
        (see ``response_urls``).
        """
        return response_urls.new(
            self.workspace, self.base_url, channel=channel, user=user, message_ts=message_ts
        )

    def responses(self, url: str | None = None) -> list[dict[str, Any]]:
        """JSON bodies POSTed to response URLs (all, or those sent to ``url``), in order."""
        return response_urls.posted(self.workspace, url)

    # -- Backend protocol (called by the HTTP server threads) ----------------------------

    def handle_api(
        self, method: str, args: dict[str, Any], token: str | None, headers: dict[str, str]
    ) -> Outcome:
        call = Call(method=method, args=args, token=token, headers=headers)
        with self._changed:
            self._calls.append(call)
        outcome = self.faults.take(method) or self._run(method, args, token)
        if outcome.kind != "drop":
            call.response = outcome.body
            call.status = outcome.status
        self._touch()
        return outcome

    def _run(self, method: str, args: dict[str, Any], token: str | None) -> Outcome:
        handler = METHODS.get(method) or self.socket_mode.methods.get(method)
        if handler is None:
            return Outcome("http", 200, {"ok": False, "error": "unknown_method"})
        if not token:
            return Outcome("http", 200, {"ok": False, "error": "not_authed"})
        if refusal := self.socket_mode.token_refusal(method, token):
            return Outcome("http", 200, {"ok": False, "error": refusal})
        try:
            with self.workspace.lock:
                body = handler(self.workspace, Args(args))
        except SlackError as err:
            body = err.to_response()
        except Exception:  # noqa: BLE001 - a stand-in bug must answer, and is kept in .errors
            self.note_error(traceback.format_exc())
            return Outcome("http", 500, {"ok": False, "error": "standin_internal_error"})
        if body.get("ok"):
            body.setdefault("response_metadata", {})
        return Outcome("http", 200, body)

    def handle_response_url(self, token: str, payload: dict[str, Any] | None) -> Outcome:
        outcome = response_urls.post(self.workspace, token, payload)
        if outcome.status == 200:
            self._touch()
        return outcome

    def handle_upload(self, file_id: str, data: bytes) -> Outcome:
        if not api_misc.store_upload(self.workspace, file_id, data):
            return Outcome("http", 404, {"ok": False, "error": "file_not_found"})
        self._touch()
        return Outcome("http", 200, {"ok": True, "size": len(data)})

    def note_error(self, text: str) -> None:
        with self._changed:
            self.errors.append(text)

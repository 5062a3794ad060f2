"""End-to-end harness: the real app behind cheroot on a free loopback port, signed
requests as Slack sends them, and the Web API stand-in recording what the bot posts."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.app import OpsBot, create_app
from bot.config import OrgConfig, example_config_path, load_config
from bot.http_server import HttpServer
from bot.kit.slack_requests import Reply, SlackRequests
from bot.kit.standin import SlackStandIn
from bot.kit.standin.faults import real_monotonic
from bot.schema.migrate import upgrade
from bot.settings import Settings

SIGNING_SECRET = "test-signing-secret"


class FreezegunClock:
    """The clock the tests' apps read: the wall clock as freezegun sets it (tests move it
    with `freeze_time`), and real monotonic seconds, which freezegun does not stop (the
    stand-in's `real_monotonic` reads past its `time.monotonic`): Slack's Retry-After, a
    tick's budget and an ack deadline take real time also while a test holds the wall clock
    still."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def monotonic(self) -> float:
        return real_monotonic()


TEST_CLOCK = FreezegunClock()
ADMIN, ALICE, BOB, CAROL, DAVE, ERIN = (
    "U0ADMIN01",
    "U0ALICE01",
    "U0BOB0001",
    "U0CAROL01",
    "U0DAVE001",
    "U0ERIN001",
)
INCIDENTS = "C0INCIDENT"
GENERAL = "C0GENERAL1"
USERS = {
    ADMIN: "admin",
    ALICE: "alice",
    BOB: "bob",
    CAROL: "carol",
    DAVE: "dave",
    ERIN: "erin",
    "U0PMPAY01": "pam",
    "U0PMSRCH1": "sam",
    "U0LEAD001": "lead",
    "U0PMMOB01": "mo",
    "U0FRANK01": "frank",
    "U0GRACE01": "grace",
    "U0HEIDI01": "heidi",
    "U0IVAN001": "ivan",
}


@pytest.fixture
def config() -> OrgConfig:
    return load_config(example_config_path())


@pytest.fixture
def standin(config: OrgConfig) -> Iterator[SlackStandIn]:
    with make_standin(config) as fake:
        yield fake


@contextmanager
def make_standin(config: OrgConfig) -> Iterator[SlackStandIn]:
    """The Web API stand-in with the test users, #incidents, #general and the channels the
    configuration names."""
    with SlackStandIn() as fake:
        for user_id, name in USERS.items():
            fake.add_user(user_id, name)
        fake.add_channel("incidents", INCIDENTS)
        fake.add_channel("general", GENERAL)
        for team in config.teams:
            if team.channel:
                fake.add_channel(team.id, team.channel)
        for roster in config.rosters:
            fake.add_channel(f"standby-{roster.id}", roster.channel)
        yield fake


def make_settings(database_url: str, standin: SlackStandIn) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=standin.api_url,
        database_url=database_url,
    )


POSTGRES_SCHEMA = f"opsbot_test_{os.getpid()}"  # one per test run: runs may overlap
POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_postgres: dict[str, str | None] = {}


def postgres_base_url() -> tuple[str | None, str]:
    """The PostgreSQL database the suite runs on besides SQLite: OPSBOT_TEST_POSTGRES_URL,
    by default the local server's `test` database. (None, why) when it is set to `off` or
    nothing answers there; checked once a run."""
    if not _postgres:
        url = os.environ.get("OPSBOT_TEST_POSTGRES_URL", POSTGRES_DEFAULT).strip()
        _postgres["url"], _postgres["why"] = url, ""
        if url.lower() in ("", "off"):
            _postgres["url"], _postgres["why"] = None, "OPSBOT_TEST_POSTGRES_URL is off"
        else:
            from sqlalchemy import create_engine

            engine = create_engine(url, connect_args={"connect_timeout": 3})
            try:
                with engine.connect():
                    pass
            except Exception as exc:  # noqa: BLE001 - any failure means: skip, saying why
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                _postgres["url"] = None
                _postgres["why"] = (
                    f"PostgreSQL is not reachable at {url} ({type(exc).__name__}: {first}); "
                    "set OPSBOT_TEST_POSTGRES_URL to a reachable database, or to `off`"
                )
            finally:
                engine.dispose()
    return _postgres["url"], _postgres["why"] or ""


def fresh_postgres(base_url: str) -> str:
    """An empty schema of this test run's own in the PostgreSQL database at `base_url`,
    and a URL whose connections use it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {POSTGRES_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {POSTGRES_SCHEMA}"))
    engine.dispose()
    joiner = "&" if "?" in base_url else "?"
    return f"{base_url}{joiner}options=-csearch_path%3D{POSTGRES_SCHEMA}"


@pytest.fixture(scope="session", autouse=True)
def drop_postgres_schema() -> Iterator[None]:
    yield
    base_url = _postgres.get("url")
    if base_url:
        from sqlalchemy import create_engine, text

        engine = create_engine(base_url)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {POSTGRES_SCHEMA} CASCADE"))
        engine.dispose()


# The PostgreSQL runs are slow: `pytest -m "not slow"` keeps the SQLite ones.
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: every test that uses one runs on a SQLite file and on PostgreSQL
    (skipped, saying why, where none is reachable)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'opsbot.db'}"
    base_url, why = postgres_base_url()
    if base_url is None:
        pytest.skip(why)
    return fresh_postgres(base_url)


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    """A migrated, empty database, on SQLite and on PostgreSQL (see empty_database_url)."""
    upgrade(empty_database_url)
    return empty_database_url


@pytest.fixture
def bot(database_url: str, standin: SlackStandIn, config: OrgConfig) -> Iterator[OpsBot]:
    app = create_app(
        make_settings(database_url, standin), config, backoff_factor=0.01, clock=TEST_CLOCK
    )
    yield app
    app.close()


class Slack:
    """A Slack workspace in front of the running bot: sends signed requests and waits for
    the work the bot does after acknowledging them."""

    def __init__(self, bot: OpsBot, url: str, standin: SlackStandIn):
        self.bot = bot
        self.url = url
        self.standin = standin
        self.requests = SlackRequests(
            url, SIGNING_SECRET, response_url=standin.new_response_url, compose=standin.compose
        )

    def _settle(self, reply: Reply) -> Reply:
        assert self.bot.wait_idle(timeout=30), "still busy after 30 s"
        return reply

    def command(
        self,
        text: str,
        *,
        user: str = ALICE,
        channel: str = GENERAL,
        command: str = "/incident",
        **headers: str,
    ) -> Reply:
        return self._settle(
            self.requests.command(command, text, user=user, channel=channel, **headers)
        )

    def click(
        self, action_id: str, value: str = "", *, user: str = ALICE, channel: str = GENERAL
    ) -> Reply:
        return self._settle(self.requests.click(action_id, value, user=user, channel=channel))

    def submit(
        self,
        callback_id: str,
        values: dict,
        *,
        user: str = ALICE,
        private_metadata: str = "",
        view_id: str | None = None,
    ) -> Reply:
        return self._settle(
            self.requests.submit_view(
                callback_id, values, user=user, private_metadata=private_metadata, view_id=view_id
            )
        )


@pytest.fixture
def server(bot: OpsBot) -> Iterator[str]:
    http = HttpServer(bot.wsgi(), host="127.0.0.1", port=0, threads=4)
    http.start_in_thread()
    yield f"http://127.0.0.1:{http.port}"
    http.stop(timeout=5)


@pytest.fixture
def slack(bot: OpsBot, server: str, standin: SlackStandIn) -> Slack:
    return Slack(bot, server, standin)


# -- Socket Mode: the same harness, the bot connected to the stand-in's WebSocket -----------


class SocketModeSlack(Slack):
    """`Slack` whose requests reach the bot as Socket Mode envelopes (bot.kit.socket_requests)."""

    def __init__(self, bot: OpsBot, standin: SlackStandIn):
        from bot.kit.socket_requests import SocketModeRequests

        super().__init__(bot, standin.base_url, standin)
        self.requests = SocketModeRequests(
            standin, response_url=standin.new_response_url, compose=standin.compose
        )


@pytest.fixture
def socket_bot(database_url: str, standin: SlackStandIn, config: OrgConfig) -> Iterator[OpsBot]:
    """The bot as `opsbot serve` builds it with SLACK_APP_TOKEN set."""
    from pydantic import SecretStr

    settings = make_settings(database_url, standin).model_copy(
        update={"slack_app_token": SecretStr(standin.app_token)}
    )
    app = create_app(settings, config, backoff_factor=0.01, clock=TEST_CLOCK)
    yield app
    app.close()


@pytest.fixture
def socket_slack(socket_bot: OpsBot, standin: SlackStandIn) -> Iterator[SocketModeSlack]:
    """`slack` over Socket Mode: the bot connected to the stand-in as `opsbot serve` connects
    it (tests/socket_mode.py), each request sent as the envelope Slack sends."""
    from tests.socket_mode import connected

    with connected(socket_bot, standin):
        yield SocketModeSlack(socket_bot, standin)

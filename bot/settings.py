"""Process settings, read from the environment (and a `.env` file) with pydantic-settings.

Names are exactly the contract's: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN,
SLACK_API_URL, DATABASE_URL, OPSBOT_CONFIG, OPSBOT_LOG_FORMAT; PORT (`opsbot serve`'s port
when `--port` is not given, as Procfile hosts set it); and the optional OPSBOT_PUBLIC_URL
(the bot's address as users reach it, for the calendar feed URLs it prints).
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """A missing or invalid setting; the message is one line naming the variable."""


def port_number(text: str) -> int:
    """`--port` and `PORT`: a TCP port from 1 to 65535."""
    value = text.strip()
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ValueError(f"{text!r} is not a port number (1 to 65535)")
    return int(value)


# The environment, then a `.env` file in the working directory.
SOURCES = SettingsConfigDict(
    env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
)


class ConfigFileSetting(BaseSettings):
    """OPSBOT_CONFIG alone: `opsbot config check` needs no other setting, valid or not."""

    model_config = SOURCES

    opsbot_config: str = Field(default="opsbot.yaml", alias="OPSBOT_CONFIG")


class Settings(BaseSettings):
    model_config = SOURCES

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    database_url: str = Field(default="sqlite:///opsbot.db", alias="DATABASE_URL")
    opsbot_config: str = Field(default="opsbot.yaml", alias="OPSBOT_CONFIG")
    opsbot_log_format: Literal["text", "json"] = Field(default="text", alias="OPSBOT_LOG_FORMAT")
    opsbot_public_url: str | None = Field(default=None, alias="OPSBOT_PUBLIC_URL")
    port: int | None = Field(default=None, alias="PORT")

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"is not a SQLAlchemy URL ({exc})") from None
        scheme = f"{url.drivername}://"
        try:
            dialect = url.get_dialect()
        except NoSuchModuleError:
            raise ValueError(
                f"{scheme} is not a database SQLAlchemy knows (such as sqlite:// or "
                "postgresql+psycopg://)"
            ) from None
        if dialect.is_async:
            raise ValueError(
                f"{scheme} is an asyncio driver; opsbot needs a synchronous one, such as "
                "postgresql+psycopg://"
            )
        try:
            dialect.import_dbapi()
        except ImportError as exc:
            missing = exc.name or dialect.driver
            extra = ""
            if missing == "psycopg":
                extra = " (pip install 'opsbot[postgres]')"
            elif url.get_backend_name() == "postgresql":
                extra = " (or use postgresql+psycopg://: pip install 'opsbot[postgres]')"
            raise ValueError(
                f"{scheme} needs the driver module {missing}, which is not installed{extra}"
            ) from None
        return value

    @field_validator("opsbot_public_url")
    @classmethod
    def _public_url_shape(cls, value: str | None) -> str | None:
        from urllib.parse import urlsplit

        if value is None or not value.strip():
            return None
        value = value.strip()
        problem = "must be an http(s) URL such as https://opsbot.example.com"
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError:
            raise ValueError(problem) from None
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.query
            or parts.fragment
            or any(c.isspace() for c in value)
        ):
            raise ValueError(problem)
        return value.rstrip("/")

    @field_validator("port", mode="before")
    @classmethod
    def _port_number(cls, value: Any) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return port_number(str(value))

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def bot_token(self) -> str:
        return self.slack_bot_token.get_secret_value() if self.slack_bot_token else ""

    def signing_secret(self) -> str:
        return self.slack_signing_secret.get_secret_value() if self.slack_signing_secret else ""

    def require(self, *names: str) -> Settings:
        """Raise SettingsError naming the first required variable that is unset."""
        for name in names:
            field = next(k for k, f in type(self).model_fields.items() if f.alias == name)
            if getattr(self, field) is None:
                raise SettingsError(f"{name} is not set; it is required for this command")
        return self


SettingsModel = TypeVar("SettingsModel", bound=BaseSettings)


def _read(model: type[SettingsModel]) -> SettingsModel:
    """Read settings, turning pydantic's report into one line naming the variable."""
    try:
        return model()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        alias = model.model_fields[field].alias if field in model.model_fields else field
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{alias or field} is invalid: {message}") from None
    except UnicodeDecodeError as exc:  # only .env is read from bytes
        raise SettingsError(
            f".env is not UTF-8 text (the byte 0x{exc.object[exc.start]:02x} at byte "
            f"{exc.start + 1} cannot be read)"
        ) from None


def load_settings() -> Settings:
    return _read(Settings)


def config_file_setting() -> str:
    """OPSBOT_CONFIG, reading no other setting."""
    return _read(ConfigFileSetting).opsbot_config

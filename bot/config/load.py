"""Loading `opsbot.yaml`: every problem at once, each at its place in the file.

`opsbot.yaml:14:7 rosters[0].windows[1].start: '25:00' is not a time of day as HH:MM`:
what cannot be read as YAML, keys typed twice, errors of single fields and errors across
fields, sorted by their place, so that `opsbot config check` lists them all in one run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bot.config.across import findings_across_fields
from bot.config.messages import describe
from bot.config.model import ACROSS_FIELDS_LATER, OrgConfig
from bot.config.rules import where
from bot.config.source import Place, YamlProblem, read_yaml


@dataclass(frozen=True)
class ConfigProblem:
    path: str
    line: int | None  # None when the file could not be read at all
    column: int | None
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.path}:{self.line}:{self.column}" if self.line else f"{self.path}:"
        return f"{place} {self.where}: {self.message}" if self.where else f"{place} {self.message}"


class ConfigError(Exception):
    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @property
    def unreadable(self) -> bool:
        """The file could not be read at all (missing, a directory, no permission)."""
        return all(problem.line is None for problem in self.problems)


def parse_config(text: str, path: str = "opsbot.yaml") -> OrgConfig:
    def problem(place: Place, message: str, loc: tuple[object, ...] = ()) -> ConfigProblem:
        return ConfigProblem(path, place.line, place.column, where(loc), message)

    try:
        document = read_yaml(text)
    except YamlProblem as exc:
        raise ConfigError([problem(exc.place, exc.message)]) from None
    problems = [problem(place, message, loc) for place, loc, message in document.repeated_keys]
    data, config = document.data, None
    if data is None:
        message = "the file holds no settings; it needs at least `channels: {incidents: C…}`"
        problems.append(problem(Place(1, 1), message))
    elif not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        message = (
            "the file must be a mapping of settings (timezone:, channels:, teams:, rosters:, "
            f"…), not {kind}"
        )
        problems.append(problem(document.place(()), message))
    else:
        try:
            config = OrgConfig.model_validate(data, context=ACROSS_FIELDS_LATER)
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(part for part in error["loc"] if part != "[key]")
                at_key = error["type"] == "extra_forbidden" or "[key]" in error["loc"]
                place = document.place(loc, key=at_key)
                problems.append(problem(place, describe(error, OrgConfig), loc))
        for loc, message in findings_across_fields(data):
            problems.append(problem(document.place(loc), message, loc))
    if problems or config is None:
        raise ConfigError(sorted(problems, key=lambda p: (p.line or 0, p.column or 0)))
    return config


def load_config(path: str | Path) -> OrgConfig:
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError([ConfigProblem(name, None, None, "", _unreadable(exc))]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[line_start : exc.start].decode("utf-8", "replace")) + 1
        line = raw.count(b"\n", 0, exc.start) + 1
        message = f"is not UTF-8 text (the byte 0x{raw[exc.start]:02x} cannot be read)"
        raise ConfigError([ConfigProblem(name, line, column, "", message)]) from None
    return parse_config(text, name)


def _unreadable(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return "is a directory, not a file"
    if isinstance(error, PermissionError):
        return "cannot be read: permission denied"
    return f"cannot be read: {error.strerror or error}"


def example_config_path() -> Path:
    return Path(__file__).parent.parent / "examples" / "opsbot.example.yaml"

"""The organisation's configuration (`opsbot.yaml`): teams, rosters, the loop.

Read from YAML (`source`), validated with pydantic (`model`, with the rules across fields
in `rules` and `across`), every problem reported at its place in the file (`load`,
`messages`).
"""

from bot.config.load import (
    ConfigError,
    ConfigProblem,
    example_config_path,
    load_config,
    parse_config,
)
from bot.config.model import (
    SEVERITIES,
    WEEKDAYS,
    Channels,
    Escalation,
    IncidentSettings,
    Loop,
    LoopMoment,
    OrgConfig,
    Roster,
    Team,
    Window,
)

__all__ = [
    "SEVERITIES",
    "WEEKDAYS",
    "Channels",
    "ConfigError",
    "ConfigProblem",
    "Escalation",
    "IncidentSettings",
    "Loop",
    "LoopMoment",
    "OrgConfig",
    "Roster",
    "Team",
    "Window",
    "example_config_path",
    "load_config",
    "parse_config",
]

"""The organisation's configuration (`opsbot.yaml`): teams, rosters, the loop, alerts in.

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
    AlertRoute,
    Alerts,
    AlertSource,
    Channels,
    Escalation,
    GrafanaSignature,
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
    "AlertRoute",
    "AlertSource",
    "Alerts",
    "Channels",
    "ConfigError",
    "ConfigProblem",
    "Escalation",
    "GrafanaSignature",
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

"""`opsbot.yaml` is read again on SIGHUP, by `serve` and by `clock`.

A file that does not validate changes nothing: each problem is logged with its place in
the file, and the configuration in use stays. A valid one replaces it for the whole
process at once (`OrgConfig.take_over`); the next tick plans windows, reminders and the
Loop from it, and deliveries already owed to a roster or team that is gone are skipped
with a log line when they come due (the renderers check). Swaps, overrides and incident
roles live in the database and are kept.

A request answered while the file is swapped may read some fields from the old file and
others from the new (the swap is one step, but a request reads several fields); that
lasts one request."""

from __future__ import annotations

import logging
import signal
import threading
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.config import ConfigError, load_config

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


def reload_config(services: Services, path: str) -> bool:
    """Read `path` again; True when the new configuration is now in use."""
    try:
        new = load_config(path)
    except ConfigError as exc:
        log.error(
            "OPSBOT_CONFIG: %s was not reloaded (%d problem%s); the configuration in use stays",
            path,
            len(exc.problems),
            "" if len(exc.problems) == 1 else "s",
        )
        for problem in exc.problems:
            log.error("OPSBOT_CONFIG: %s", problem)
        return False
    services.config.take_over(new)
    services.people.default_zone = ZoneInfo(new.timezone)
    services.standby.prepare()
    log.info(
        "OPSBOT_CONFIG: reloaded %s (%d teams, %d rosters)", path, len(new.teams), len(new.rosters)
    )
    return True


def reload_on_sighup(services: Services, path: str) -> None:
    """The signal arrives on the main thread, wherever it is; the reload runs on a thread of
    its own, so it never waits on a lock the interrupted code holds (logging's, say)."""

    def handler(_signum: int, _frame: Any) -> None:
        threading.Thread(target=reload_config, args=(services, path), name="reload").start()

    if hasattr(signal, "SIGHUP"):  # not on Windows
        signal.signal(signal.SIGHUP, handler)

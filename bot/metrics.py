"""What `GET /metrics` reports, in Prometheus' text format: Slack requests answered and how
long their acks took, alerts received, pages sent and acknowledged, deliveries by kind and
what became of them, and, read at scrape time, how many deliveries the ledger owes, whether
the database answered and how old the last tick is.

`Metrics` keeps its own registry (not prometheus_client's global one): nothing is
registered at import time, and several apps can live in one process (the tests). The code
that sees an event calls the method that counts it; the ledger, a lower layer, is handed
`Metrics.delivery` as its `on_outcome` instead of importing this module."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from bot.catch_up import last_tick
from bot.clock import Clock
from bot.db.engine import Database
from bot.db.outage import reason, unreachable
from bot.ledger import Ledger

log = logging.getLogger(__name__)

# What a request to /slack/events is (bot/web.py reads it from the request).
REQUEST_KINDS = ("command", "interactive", "event", "other")
# What an alert notification said; `rejected`: refused as malformed or too large.
ALERT_STATUSES = ("firing", "resolved", "beat", "rejected", "other")

# Slack gives up on an ack after 3 s: the buckets are finest below that.
ACK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0)
# From a page to its Acknowledge: 30 s to 2 h.
PAGE_ACK_BUCKETS = (30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0)


class Metrics:
    """The app's metrics, in a registry of their own, and their text exposition."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        runs_scheduler: Callable[[], bool] = lambda: False,
        scheduler_tick: Callable[[], dt.datetime | None] = lambda: None,
    ):
        """`runs_scheduler`: whether this process runs the scheduler (asked at each scrape);
        then the tick's age is that of `scheduler_tick()`, this process's last tick,
        otherwise that of the last tick any clock recorded in the database."""
        self.registry = CollectorRegistry()
        self._requests = Histogram(
            "opsbot_slack_request_seconds",
            "Slack requests to /slack/events answered, by kind, and how long the answer (the "
            "ack Slack waits 3 s for) took.",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        for kind in REQUEST_KINDS:
            self._requests.labels(kind)
        self._alerts = Counter(
            "opsbot_alerts_received",
            "Alert notifications received, by source and status (firing, resolved; rejected "
            "when refused as malformed or too large).",
            ["source", "status"],
            registry=self.registry,
        )
        self._pages = Counter(
            "opsbot_pages",
            "Pages sent, by roster.",
            ["roster"],
            registry=self.registry,
        )
        self._acknowledged = Counter(
            "opsbot_pages_acknowledged",
            "Pages acknowledged, by roster.",
            ["roster"],
            registry=self.registry,
        )
        self._time_to_acknowledge = Histogram(
            "opsbot_page_acknowledge_seconds",
            "Time from a page to its acknowledgement, by roster.",
            ["roster"],
            buckets=PAGE_ACK_BUCKETS,
            registry=self.registry,
        )
        self._deliveries = Counter(
            "opsbot_deliveries",
            "Delivery attempts of the ledger, by kind of delivery and what became of them "
            "(sent, sent_late, deferred, rate_limited, failed, skipped, expired, refused).",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.registry.register(
            ReadAtScrape(db, clock, runs_scheduler=runs_scheduler, scheduler_tick=scheduler_tick)
        )

    def request_answered(self, kind: str, seconds: float) -> None:
        """A request to /slack/events was answered after `seconds`; `kind` is one of
        REQUEST_KINDS (anything else counts as "other")."""
        self._requests.labels(kind if kind in REQUEST_KINDS else "other").observe(max(seconds, 0))

    def alert_received(self, source: str, status: str) -> None:
        """An alert notification of `source` (a configured source's id) said `status`."""
        status = status if status in ALERT_STATUSES else "other"
        self._alerts.labels(source, status).inc()

    def page_sent(self, roster: str) -> None:
        self._pages.labels(roster).inc()

    def page_acknowledged(self, roster: str, seconds: float) -> None:
        """A page to `roster` was acknowledged `seconds` after it was sent."""
        self._acknowledged.labels(roster).inc()
        self._time_to_acknowledge.labels(roster).observe(max(seconds, 0))

    def delivery(self, kind: str, outcome: str) -> None:
        """The ledger attempted a delivery of `kind`: `outcome` is what became of it (one of
        bot.ledger.Attempted; the ledger's `on_outcome`)."""
        self._deliveries.labels(kind, outcome).inc()

    def exposition(self) -> tuple[bytes, str]:
        """The metrics in Prometheus' text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class ReadAtScrape:
    """The gauges read when Prometheus scrapes: the deliveries the ledger owes, whether the
    database answered, and the tick's age. A scrape never fails on the database: while it
    does not answer, `opsbot_database_up` is 0 and the deliveries owed are left out (and so
    is the tick's age, where it comes from the database)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        runs_scheduler: Callable[[], bool],
        scheduler_tick: Callable[[], dt.datetime | None],
    ):
        self.db = db
        self.clock = clock
        self.runs_scheduler = runs_scheduler
        self.scheduler_tick = scheduler_tick

    def describe(self) -> Iterable[Metric]:
        return [_pending(), _database_up(), _tick_age()]

    def collect(self) -> Iterable[Metric]:
        runs_scheduler = self.runs_scheduler()
        tick = self.scheduler_tick() if runs_scheduler else None
        try:
            with self.db.read() as session:
                pending = Ledger.pending_count(session)
            if not runs_scheduler:
                tick = last_tick(self.db)
        except Exception as error:  # the scrape goes on, and says the database is down
            if unreachable(error):
                log.warning("metrics: the database does not answer: %s", reason(error))
            else:
                log.exception("metrics: the database's answer failed")
            yield _database_up(0)
        else:
            yield _database_up(1)
            yield _pending(pending)
        if tick is not None:
            age = max(self.clock.now() - tick, dt.timedelta(0))
            yield _tick_age(age.total_seconds())


def _pending(value: float | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(
        "opsbot_deliveries_pending",
        "Deliveries the ledger owes Slack: neither sent nor set aside (read at scrape time; "
        "absent while the database does not answer).",
        value,
    )


def _database_up(value: float | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(
        "opsbot_database_up",
        "1 when the database answered this scrape's questions, 0 when it did not.",
        value,
    )


def _tick_age(value: float | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(
        "opsbot_tick_age_seconds",
        "Seconds since the scheduler's tick last completed: this process's when it runs the "
        "scheduler, else the last any clock recorded in the database (absent before any).",
        value,
    )

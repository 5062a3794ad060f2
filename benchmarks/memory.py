"""Resident memory of an idle `opsbot serve` against a bare Bolt app (goal: under 150 MB).

Each process runs on its own, as a platform runs it: a subprocess of this one, with a
migrated SQLite file of its own, the example configuration, the Web API stand-in (bot/kit/standin,
in this process) as SLACK_API_URL and a free loopback port. Once it is ready (it answers
`GET /healthz`, and a process with a scheduler has completed its first tick) it is left
idle for `--memory-idle` seconds; then `VmRSS` (resident now) and `VmHWM` (the peak resident
since it started, migrations and first tick included) are read from `/proc/<pid>/status`.

1. baseline: a bare slack_bolt App whose `/incident` only acks, served by cheroot (8
   threads, as `opsbot serve` runs it) in a process that imports nothing of opsbot;
2. `opsbot serve` (the scheduler in the same process);
3. `opsbot serve --no-scheduler` (the Procfile's web);
4. `opsbot clock` (the Procfile's clock; no port: ready once its tick is in the database).

Linux only (it reads /proc); elsewhere the section says it was not measured. MB here are
2^20 bytes (the kB of /proc are 2^10).

    python -m benchmarks.memory [--memory-idle SECONDS]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Only the standard library at import time (benchmarks.servers too): the baseline process
# runs this module (`--baseline-child`), and must not carry opsbot's imports.
from benchmarks.servers import (
    SERVER_THREADS,
    BenchmarkError,
    bare_bolt_wsgi,
    environment,
    free_port,
    healthz,
    opsbot_command,
    read_log,
    running,
)

GOAL_MB = 150.0
READY_TIMEOUT = 60.0  # seconds for a process to start, migrate and answer


@dataclass(frozen=True)
class Memory:
    rss_kb: int  # VmRSS: resident now
    hwm_kb: int  # VmHWM: peak resident since the process started

    @property
    def rss_mb(self) -> float:
        return self.rss_kb / 1024

    @property
    def hwm_mb(self) -> float:
        return self.hwm_kb / 1024


def parse_status(text: str) -> Memory:
    """VmRSS and VmHWM from the text of /proc/<pid>/status (`VmRSS:    51234 kB`)."""
    fields: dict[str, int] = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            number, _, unit = value.strip().partition(" ")
            if unit.strip() != "kB":
                raise ValueError(f"{name} is not in kB: {line!r}")
            fields[name] = int(number)
    missing = {"VmRSS", "VmHWM"} - fields.keys()
    if missing:
        raise ValueError(f"no {' or '.join(sorted(missing))} in the process status")
    return Memory(rss_kb=fields["VmRSS"], hwm_kb=fields["VmHWM"])


def read_memory(pid: int) -> Memory:
    return parse_status(Path(f"/proc/{pid}/status").read_text(encoding="utf-8"))


def can_measure() -> bool:
    return Path("/proc/self/status").exists()


@dataclass(frozen=True)
class Options:
    idle: float = 5.0  # seconds a ready process is left alone before it is measured

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Options:
        return cls(args.memory_idle)


@dataclass(frozen=True)
class Measurement:
    process: str
    memory: Memory
    goal: bool  # whether the goal applies to this process (opsbot serve)


@dataclass(frozen=True)
class Candidate:
    """A process to measure: how to start it and how to tell it is ready."""

    name: str
    argv: list[str]
    port: int | None  # when ready, it answers GET /healthz there
    ticks: bool  # when ready, its first tick is recorded in the database
    goal: bool = False  # the goal applies to it


# -- the processes ------------------------------------------------------------------------


def measure(
    candidate: Candidate, database_url: str, api_url: str, log_path: Path, idle: float
) -> Measurement:
    """Start the process, wait until it is ready, leave it idle, read its memory, stop it."""
    from bot.catch_up import last_tick
    from bot.db.engine import Database

    db = Database(database_url)
    env = environment(api_url, database_url, OPSBOT_LOG_FORMAT="text")
    try:
        with running(candidate.argv, env, log_path) as process:

            def failed(what: str) -> BenchmarkError:
                return BenchmarkError(f"{candidate.name} {what}:\n{read_log(log_path)[-3000:]}")

            def ready() -> bool:
                if candidate.port is not None and healthz(candidate.port) is None:
                    return False
                return not candidate.ticks or last_tick(db) is not None

            deadline = time.monotonic() + READY_TIMEOUT
            while not ready():
                if process.poll() is not None:
                    raise failed(f"exited with status {process.returncode} before it was ready")
                if time.monotonic() > deadline:
                    raise failed(f"was not ready within {READY_TIMEOUT:.0f} s")
                time.sleep(0.05)  # waiting for a process to start
            time.sleep(idle)  # idle: the point of the measurement
            memory = read_memory(process.pid)
            if process.poll() is not None:
                raise failed(f"exited with status {process.returncode} while idle")
            if candidate.port is not None and healthz(candidate.port) is None:
                raise failed("stopped answering /healthz while idle")
    finally:
        db.dispose()
    return Measurement(candidate.name, memory, candidate.goal)


def candidates() -> list[Candidate]:
    baseline, serve, web = (free_port() for _ in range(3))
    return [
        Candidate(
            "bare Bolt app + cheroot (baseline)",
            [sys.executable, "-m", "benchmarks.memory", "--baseline-child", str(baseline)],
            port=baseline,
            ticks=False,
        ),
        Candidate(
            "`opsbot serve` (scheduler in process)",
            opsbot_command("serve", "--port", str(serve)),
            port=serve,
            ticks=True,
            goal=True,
        ),
        Candidate(
            "`opsbot serve --no-scheduler` (Procfile web)",
            opsbot_command("serve", "--port", str(web), "--no-scheduler"),
            port=web,
            ticks=False,
            goal=True,
        ),
        Candidate(
            "`opsbot clock` (Procfile clock)", opsbot_command("clock"), port=None, ticks=True
        ),
    ]


def run(options: Options, only: list[Candidate] | None = None) -> list[Measurement]:
    """Measure `only` these candidates (default: all of them, the baseline first)."""
    from bot.kit.standin import SlackStandIn
    from bot.schema.migrate import upgrade

    results = []
    with (
        tempfile.TemporaryDirectory(prefix="opsbot-memory-") as tmp,
        SlackStandIn() as standin,
    ):
        workdir = Path(tmp)
        for index, candidate in enumerate(only or candidates()):
            url = f"sqlite:///{workdir / f'opsbot-{index}.db'}"
            upgrade(url)  # a migrated database of its own, as after a deploy
            log_path = workdir / f"process-{index}.log"
            results.append(measure(candidate, url, standin.api_url, log_path, options.idle))
            _progress(results[-1])
    return results


def _progress(m: Measurement) -> None:
    print(
        f"memory: {m.process}: {m.memory.rss_mb:.1f} MB resident, {m.memory.hwm_mb:.1f} MB peak",
        file=sys.stderr,
    )


# -- the baseline process -----------------------------------------------------------------


def baseline_child(port: int) -> None:
    """The bare Bolt app, served by cheroot itself (not bot.http_server.HttpServer, which would
    import opsbot) until SIGTERM; `/healthz` answers for readiness."""
    from cheroot.wsgi import Server

    application = bare_bolt_wsgi(os.environ.get("SLACK_API_URL"))
    server = Server(("127.0.0.1", port), application, numthreads=SERVER_THREADS, max=SERVER_THREADS)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.start()
    finally:
        server.stop()


# -- reporting ----------------------------------------------------------------------------


def markdown(results: list[Measurement], options: Options) -> str:
    baseline = results[0].memory
    header = (
        "| Process | Resident (VmRSS) | Peak (VmHWM) | Resident / baseline "
        f"| Goal: under {GOAL_MB:.0f} MB |\n"
        "| --- | ---: | ---: | ---: | --- |"
    )
    rows = []
    for m in results:
        goal = ("met" if m.memory.rss_mb < GOAL_MB else "**missed**") if m.goal else "—"
        cells = [
            m.process,
            f"{m.memory.rss_mb:.1f} MB",
            f"{m.memory.hwm_mb:.1f} MB",
            f"{m.memory.rss_kb / baseline.rss_kb:.2f}",
            goal,
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join([_title(), "", _intro(options), "", header, *rows])


def _title() -> str:
    return "### Idle memory of `opsbot serve`"


def _intro(options: Options) -> str:
    return (
        "Each process started on its own (a migrated SQLite file, the example configuration, "
        "the Web API stand-in, a loopback port), waited for until it answered `/healthz` (with "
        "a scheduler: until its first tick was done; the clock has no port, so until its tick "
        f"was recorded in the database), left idle for {options.idle:g} s, then measured from "
        "`/proc/<pid>/status`: resident now (`VmRSS`) and the peak since start (`VmHWM`). "
        "Baseline: a bare slack_bolt App whose `/incident` only acks, served by cheroot with "
        f"{SERVER_THREADS} threads in a process of its own. MB are 2^20 bytes."
    )


# -- command line -------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("idle memory")
    group.add_argument(
        "--memory-idle",
        type=float,
        default=Options().idle,
        metavar="SECONDS",
        help="how long each ready process is left idle before it is measured",
    )


def section(args: argparse.Namespace) -> str:
    """Run the benchmark; its Markdown section (run.py's interface)."""
    options = Options.from_args(args)
    if not can_measure():
        return f"{_title()}\n\nNot measured: it reads `/proc/<pid>/status`, which only Linux has."
    return markdown(run(options), options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory")
    add_arguments(parser)
    parser.add_argument("--baseline-child", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline_child is not None:
        baseline_child(args.baseline_child)
        return 0
    print(section(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

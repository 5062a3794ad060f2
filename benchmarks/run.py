"""Run every benchmark and put the results into README.md between the markers.

    python -m benchmarks [--no-readme] [--only NAME ...] [--requests N] [--concurrency C] ...

Each benchmark module offers `add_arguments(parser)` and `section(args) -> str` (its
Markdown); a new benchmark is added to BENCHMARKS. The README is only changed between
`<!-- benchmarks:start -->` and `<!-- benchmarks:end -->`; a README without them gets the
section appended, and a missing README is created with the section alone. A benchmark that
fails raises, and the README is left as it was. `--only NAME` runs only the benchmarks
named (e.g. `--only alerts`) and only prints their results: the README holds whole runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path
from types import ModuleType

from benchmarks import ack_latency, alerts, fanout, loop_digest, memory, standby

BENCHMARKS = (ack_latency, fanout, memory, standby, loop_digest, alerts)
README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"


def name(benchmark: ModuleType) -> str:
    """What `--only` calls a benchmark: its module's name (`alerts`, `ack_latency`…)."""
    return benchmark.__name__.rsplit(".", 1)[-1]


def machine_line(seconds: float) -> str:
    return (
        f"Measured on {os.cpu_count()} cores ({platform.system()} {platform.machine()}), "
        f"Python {platform.python_version()}, on {dt.date.today().isoformat()}; "
        f"the whole run took {seconds:.0f} s. Figures come from one run on a shared machine: "
        "compare the ratios to the baseline measured in the same run, not absolute times."
    )


def report(sections: list[str], seconds: float) -> str:
    intro = "Written by `python -m benchmarks` (`--no-readme` only prints it)."
    return "\n\n".join([intro, *sections, machine_line(seconds)])


def replace_section(readme: str | None, text: str) -> str:
    """`readme` with `text` between the markers (added at the end if they are missing)."""
    block = f"{START}\n{text.strip()}\n{END}"
    if readme is None:
        return block + "\n"
    start = readme.find(START)
    end = readme.find(END, start + len(START)) if start != -1 else -1
    if end == -1:
        return readme.rstrip("\n") + "\n\n" + block + "\n"
    return readme[:start] + block + readme[end + len(END) :]


def write_readme(path: Path, text: str) -> None:
    current = path.read_text(encoding="utf-8") if path.exists() else None
    path.write_text(replace_section(current, text), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--no-readme", action="store_true", help="print the results only")
    parser.add_argument("--readme", type=Path, default=README, help=f"default: {README}")
    parser.add_argument(
        "--only",
        action="append",
        choices=[name(benchmark) for benchmark in BENCHMARKS],
        metavar="NAME",
        help="run only this benchmark (repeatable), printing its results without the README",
    )
    for benchmark in BENCHMARKS:
        benchmark.add_arguments(parser)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    chosen = [b for b in BENCHMARKS if not args.only or name(b) in args.only]
    sections = [benchmark.section(args) for benchmark in chosen]
    text = report(sections, time.perf_counter() - started)
    print(text)
    if not (args.no_readme or args.only):
        write_readme(args.readme, text)
        print(f"benchmarks: wrote {args.readme}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

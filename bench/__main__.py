"""The benchmark runner: `python -m bench [--quick] [--only NAME ...]` runs each figure, prints a table and
writes `bench/results.json` (the machine it ran on and every row)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import ack_latency, declare_ready, scheduler, throughput
from bench.common import BenchEnv, Row

# Every figure, in the order they run: a module with NAME, TITLE and run(env, quick) -> list[Row].
FIGURES: list[ModuleType] = [ack_latency, declare_ready, scheduler, throughput]
RESULTS = Path(__file__).resolve().parent / "results.json"


def machine(env: BenchEnv) -> dict[str, Any]:
    """Where the numbers came from: cores, memory, Python, PostgreSQL, when."""
    memory_kb = 0
    try:
        with open("/proc/meminfo") as meminfo:
            memory_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration, ValueError):
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "postgresql": env.postgres_version(),
        "platform": platform.platform(),
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def table(rows: list[Row]) -> Table:
    out = Table(title="incident-bot benchmarks")
    for column in ("figure", "case", "metric", "value", "target", "ok"):
        out.add_column(column, justify="right" if column == "value" else "left")
    for row in rows:
        ok = "" if row.ok is None else "[green]yes[/]" if row.ok else "[red]NO[/]"
        out.add_row(row.figure, row.case, row.metric, f"{_fmt(row.value)} {row.unit}", row.target or "", ok)
    return out


def run(quick: bool, only: list[str] | None, output: Path = RESULTS, console: Console | None = None,
        env: BenchEnv | None = None) -> dict[str, Any]:
    """Run the chosen figures (all when `only` is empty) in `env` (a new one by default); write and
    return the results."""
    console = console or Console(width=150)
    known = {figure.NAME: figure for figure in FIGURES}
    unknown = [name for name in only or [] if name not in known]
    if unknown:
        raise SystemExit(f"unknown figure {', '.join(unknown)}; the figures are: {', '.join(known)}")
    chosen = [known[name] for name in only] if only else FIGURES
    rows: list[Row] = []
    timings: dict[str, float] = {}
    with env or BenchEnv() as env:
        for figure in chosen:
            console.print(f"[bold]{figure.NAME}[/]: {figure.TITLE}")
            began = time.monotonic()
            with env.figure():
                rows += figure.run(env, quick)
            timings[figure.NAME] = round(time.monotonic() - began, 1)
        results = {"machine": machine(env), "quick": quick, "seconds": timings,
                   "rows": [asdict(row) for row in rows]}
    output.write_text(json.dumps(results, indent=2) + "\n")
    console.print(table(rows))
    console.print(f"written to {output}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run the benchmarks.")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the figures in seconds")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this figure (repeatable)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the results (JSON)")
    args = parser.parse_args(argv)
    results = run(args.quick, args.only, args.output)
    del results  # a missed target shows in the table and the JSON; the run itself succeeded
    return 0


if __name__ == "__main__":
    sys.exit(main())

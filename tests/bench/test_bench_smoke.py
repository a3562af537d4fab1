"""The benchmark runner at tiny sizes: every figure still runs and produces its rows (never a timing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from bench.__main__ import FIGURES, run
from bench.common import BenchEnv
from tests.support.postgres_server import PostgresServer
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.slow


def _run(names: list[str], postgres: PostgresServer, redis: RedisServer, tmp_path: Path) -> dict[str, object]:
    output = tmp_path / "results.json"
    results = run(True, names, output, Console(file=(tmp_path / "table.txt").open("w")),
                  BenchEnv.using(postgres, redis))
    assert json.loads(output.read_text()) == results
    return results


def test_quick_ack_latency_figure_is_produced(
    postgres_server: PostgresServer, redis_server: RedisServer, tmp_path: Path
) -> None:
    results = _run(["ack"], postgres_server, redis_server, tmp_path)
    rows = results["rows"]
    assert isinstance(rows, list)
    cases = {row["case"].split(" c=")[0] for row in rows}
    assert cases == {"declare", "help", "card click"}
    ratios = [row for row in rows if row["metric"] == "p99 bot/bare"]
    assert len(ratios) == 3 * 2 and all(row["value"] > 0 and row["ok"] is not None for row in ratios)
    machine = results["machine"]
    assert isinstance(machine, dict) and machine["cores"] and machine["postgresql"]
    assert "incident-bot benchmarks" in (tmp_path / "table.txt").read_text()


def test_every_figure_has_a_name_a_title_and_a_run() -> None:
    names = [figure.NAME for figure in FIGURES]
    assert len(set(names)) == len(names)
    assert all(figure.TITLE and callable(figure.run) for figure in FIGURES)


def test_an_unknown_figure_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="unknown figure nope; the figures are: ack, ready"):
        run(True, ["nope"], tmp_path / "r.json", Console(file=(tmp_path / "t.txt").open("w")))


def test_quick_declare_to_ready_figure_is_produced(
    postgres_server: PostgresServer, redis_server: RedisServer, tmp_path: Path
) -> None:
    results = _run(["ready"], postgres_server, redis_server, tmp_path)
    rows = results["rows"]
    assert isinstance(rows, list)
    metrics = {(row["case"], row["metric"]) for row in rows}
    for case in ("c=1 n=1", "c=3 n=3", "tiers lifted c=3"):
        for metric in ("channel p50", "card pinned p50", "broadcast p50", "paged p50", "ready p99"):
            assert (case, metric) in metrics
    stalled = [row for row in rows if row["metric"] == "calls held by the stall"]
    assert len(stalled) == 1 and stalled[0]["value"] >= 1  # the stall really held the incident's calls

"""``incident-bot report`` on SQLite and PostgreSQL: table, CSV and JSON with the same fields, chart, bad input."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.services.context import ServiceContext
from bot.services.incidents import IncidentService
from bot.services.reporting import FIELDS
from bot.storage import migrate
from bot.storage.db import UnitOfWork, make_engine, make_session_factory
from tests.cli.test_cli import REPO, _env, _run
from tests.services.test_reporting import MONDAY, PLAYBOOKS, World, _story

RANGE = ["--since", "2026-11-23", "--until", "2026-12-06"]  # ISO weeks 48 and 49, the whole of both


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PLAYBOOKS_DIR", str(REPO / "playbooks"))
    monkeypatch.setenv("LOG_JSON", "false")
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield database_url
    finally:
        root.handlers[:], root.level = handlers, level  # main() configures logging for the process


def _with_story(database_url: str) -> None:
    engine = make_engine(database_url)
    uow = UnitOfWork(make_session_factory(engine))
    now = [MONDAY]
    _story(World(engine, uow, IncidentService(ServiceContext(uow, PLAYBOOKS, clock=lambda: now[0])), now))
    engine.dispose()


def test_table_csv_and_json_carry_the_same_numbers(
    cli: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _with_story(cli)
    assert main(["report", *RANGE]) == 0
    table = capsys.readouterr().out
    assert "1h 45m / 3h" in table and "3m / 4m" in table and "67% (2/3)" in table  # SEV1 TTR, TTA; SEV2 cadence
    assert "100% (2/2)" in table and "0% (0/1)" in table  # post-mortems: SEV1 done and skipped, SEV2 not
    assert "2026-W48" in table and "2026-W49" in table and "Leaked key" not in table

    assert main(["report", *RANGE, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["severity"] for r in rows] == ["SEV1", "SEV2", "SEC", "all"]
    assert tuple(rows[0]) == FIELDS

    chart = tmp_path / "chart.png"
    assert main(["report", *RANGE, "--format", "json", "--chart", str(chart)]) == 0
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert chart.read_bytes().startswith(b"\x89PNG") and "chart written to" in out.err
    assert [{k: "" if v is None else str(v) for k, v in r.items()} for r in doc["severities"]] == rows
    assert doc["since"] == "2026-11-23T00:00:00Z" and doc["until"] == "2026-12-07T00:00:00Z"
    assert [w["week"] for w in doc["weeks"]] == ["2026-W48", "2026-W49"]
    assert doc["weeks"][0]["incidents"] == {"SEV1": 2, "SEV2": 0, "SEC": 0}
    titles = sorted(i["title"] for i in doc["incidents"])
    assert titles == ["(private incident)", "Login errors", "Payments down", "Slow search"]
    assert "Leaked key" not in out.out

    assert main(["report", *RANGE, "--severity", "sev2", "--format", "json"]) == 0  # any case, or an alias
    assert [r["severity"] for r in json.loads(capsys.readouterr().out)["severities"]] == ["SEV2", "all"]


def test_an_empty_range_exits_0_with_an_empty_report(cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--since", "30d", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ",".join(FIELDS) and lines[1].startswith("all,0,0,0,0,,")
    assert main(["report"]) == 0
    assert "Nothing to report in this range." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "soon"], "'soon' is neither a span such as 30d nor a date such as 2026-11-01"),
        (["--since", "0d"], "empty span"),
        (["--until", "7d"], "--until takes a date or a time"),
        (["--until", "2026-02-30"], "'2026-02-30' is not a day of the calendar"),
        (["--since", "2026-12-01", "--until", "2026-11-01"], "must come before --until"),
        (["--severity", "SEV9"], "'SEV9' is not a severity; valid severities: SEV1, SEV2, SEV3, SEV4, SEC"),
        (["--format", "xml"], "invalid choice: 'xml'"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(
    cli: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    try:
        code = main(["report", *args])
    except SystemExit as exit_:  # argparse's own refusals
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    assert code == 2 and message in captured.err and captured.out == ""


def test_the_installed_command_runs(cli: str) -> None:
    _with_story(cli)
    out = _run("report", *RANGE, "--format", "csv", "--severity", "SEV1", env=_env(cli))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1].startswith("SEV1,2,2,1,2,180,240,2,960,1200,6300,10800,")

"""Starting the playground: refusals with a clear message, and a fresh database per run."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from bot.config import get_settings
from bot.domain.rotation import on_call
from bot.playground.runner import Playground, _replay_quietly, run_playground
from bot.playground.scenario_file import parse_scenario
from tests.harness import SHIPPED_PLAYBOOKS
from tests.playground.conftest import PlaygroundFactory


def test_an_invalid_scenario_is_refused_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("steps:\n  - shout: hello\n", encoding="utf-8")
    assert run_playground(get_settings(playbooks_dir=SHIPPED_PLAYBOOKS), port=0, scenario=broken) == 2
    assert "step 1: unknown key(s) shout" in capsys.readouterr().err
    assert run_playground(get_settings(), port=0, scenario=Path("gameday.yaml"), speed=0) == 2
    assert "--speed must be positive" in capsys.readouterr().err


def test_a_busy_port_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert run_playground(get_settings(playbooks_dir=SHIPPED_PLAYBOOKS), port=port) == 2
    assert f"Cannot serve on 127.0.0.1:{port}" in capsys.readouterr().err


def test_each_run_starts_from_an_empty_database(make_playground: PlaygroundFactory) -> None:
    first: Playground = make_playground(run_scheduler=False)
    incidents = first.workspace.channel_by_name("incidents")
    assert incidents is not None
    first.page.bridge.send("U0ALICE", incidents.id, "/incident SEV2 search slow")
    assert first.workspace.wait_for(lambda: first.container.services.incidents.list_open(), timeout=10)
    second: Playground = make_playground(run_scheduler=False)
    assert second.container.services.incidents.list_open() == []
    assert first.url != second.url
    assert requests.get(second.url + "healthz", timeout=10).status_code == 200
    assert requests.get(second.url + "readyz", timeout=10).json()["status"] == "ready"
    assert second.workspace.team_name == "Acme"


def test_scenario_notes_are_printed_on_the_console(
    playground: Playground, capsys: pytest.CaptureFixture[str]
) -> None:
    script = parse_scenario(
        {
            "pace": 0,
            "cast": {"lead": "oncall:primary"},
            "steps": [{"as": "alice", "wait": "1s", "note": "{lead} is paged."}, {"as": "lead", "say": "on it"}],
        }
    )
    _replay_quietly(playground, script, speed=50, stop=threading.Event())
    out = capsys.readouterr().out
    lead = playground.workspace.user(on_call_now(playground))
    assert lead is not None
    assert f"  > {lead.real_name} is paged.\n" in out
    assert "Scenario finished" in out


def on_call_now(pg: Playground) -> str:
    schedule = pg.container.playbooks.oncall.schedules["primary"]
    person = on_call(schedule, datetime.now(UTC)) or ""
    found = next((u for u in pg.workspace.users.values() if person in (u.id, u.email)), None)
    assert found is not None
    return found.id

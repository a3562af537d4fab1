"""Scenario files: validation with step numbers, and the shipped game day replayed against the real bot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.playground.runner import Playground
from bot.playground.scenario import (
    SHIPPED,
    Replayer,
    ScenarioError,
    Step,
    load_scenario,
    parse_scenario,
    replay,
)
from tests.playground.conftest import PlaygroundFactory


def test_shipped_gameday_loads() -> None:
    scenario = load_scenario("gameday.yaml")
    assert scenario.channel == "incidents"
    actions = [step.action for step in scenario.steps]
    assert {"command", "click", "submit", "wait", "say"} <= set(actions)
    assert scenario.steps[0].actor == "alice"
    assert (SHIPPED / "gameday.yaml").exists()


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([], "expected a mapping"),
        ({"steps": []}, "`steps` must be a non-empty list"),
        ({"steps": ["declare"]}, "step 1: expected a mapping"),
        ({"steps": [{"as": "alice", "shout": "x"}]}, "step 1: unknown key(s) shout"),
        ({"steps": [{"as": "a", "command": "/incident x", "say": "y"}]}, "step 1: one action per step"),
        ({"steps": [{"as": "a"}, {"in": "general"}]}, "step 2: needs an action"),
        ({"steps": [{"wait": "soon"}]}, "step 1: wait: expected a duration"),
        ({"steps": [{"submit": "yes"}]}, "step 1: submit: expected {block_id: {action_id: value}}"),
        ({"steps": [{"command": "incident SEV1 x"}]}, "step 1: command: should start with a slash"),
        ({"steps": [{"click": ""}]}, "step 1: click: expected text"),
        ({"pace": "fast", "steps": [{"say": "x"}]}, "pace: expected seconds"),
    ],
)
def test_invalid_scenarios_say_which_step_and_why(data: Any, problem: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data, "test.yaml")
    assert problem in str(caught.value)


def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("steps: [\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="invalid YAML"):
        load_scenario(broken)


def test_gameday_replays_from_declaration_to_resolution(make_playground: PlaygroundFactory) -> None:
    playground = make_playground()  # with the scheduler: paging runs on it
    played: list[Step] = []
    replay(playground, load_scenario("gameday.yaml"), speed=20, on_step=played.append)
    assert len(played) == len(load_scenario("gameday.yaml").steps)
    incidents = playground.container.services.incidents
    assert incidents.list_open() == []
    ws = playground.workspace
    [channel] = [c for c in ws.channels.values() if c.name.startswith("incident-")]
    texts = [m.text for m in ws.history[channel.id]]
    assert any(t.startswith("Paged level") and "escalated by <@U0ALICE>" in t for t in texts), texts
    assert any(t.startswith("Acknowledged") for t in texts)
    assert any("is now Incident Commander" in t for t in texts)
    assert any("Rollback complete" in t for t in texts)
    assert any(t.startswith("Resolved") for t in texts)
    assert ws.warnings == []


def test_a_step_that_cannot_be_played_stops_the_replay(playground: Playground) -> None:
    scenario = parse_scenario({"steps": [{"as": "alice", "click": "no_such_button"}], "pace": 0})
    replayer = Replayer(playground.workspace, playground.driver, scenario, find_timeout=0.3)
    with pytest.raises(ScenarioError, match="nothing to click with action_id 'no_such_button'"):
        replayer.play()
    with pytest.raises(ScenarioError, match="no user 'zed'"):
        replay(playground, parse_scenario({"steps": [{"as": "zed", "say": "hi"}]}))

"""Scenario files: validation with step numbers, and the shipped game day replayed against the real bot."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.emulator.models import Message
from bot.emulator.workspace import Workspace
from bot.playground.runner import Playground
from bot.playground.scenario import Replayer, replay
from bot.playground.scenario_file import SHIPPED, ScenarioError, Step, load_scenario, parse_scenario
from tests.harness import SHIPPED_PLAYBOOKS, shows
from tests.playground.conftest import PlaygroundFactory


def test_shipped_gameday_loads() -> None:
    scenario = load_scenario("gameday.yaml")
    assert scenario.channel == "incidents"
    actions = [step.action for step in scenario.steps]
    assert {"command", "click", "submit", "wait", "say"} <= set(actions)
    assert scenario.steps[0].actor == "reporter"
    assert dict(scenario.cast)["secondary"] == ("oncall:secondary",)
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
        ({"cast": ["alice"], "steps": [{"say": "x"}]}, "cast: expected {role: user"),
        ({"cast": {"Boss": "alice"}, "steps": [{"say": "x"}]}, "'Boss' is not a role name"),
        ({"cast": {"ic": []}, "steps": [{"say": "x"}]}, "cast: ic: expected a user"),
        ({"cast": {"ic": "bob"}, "steps": [{"say": "hi @{boss}"}]}, "step 1: {boss} is not a role"),
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


def _all_messages(ws: Workspace) -> list[Message]:
    return [m for messages in ws.history.values() for m in messages]


def _paged(history: list[Message]) -> dict[int, set[str]]:
    """Escalation level -> the user ids its page notice names as paged (not those in the reason)."""
    levels: dict[int, set[str]] = {}
    for message in history:
        found = re.match(r"Paged level (\d+):", message.text)
        if found:
            paged = message.blocks[0]["text"]["text"].split("\n")[0]
            levels.setdefault(int(found.group(1)), set()).update(re.findall(r"<@(U[0-9A-Z]+)>", paged))
    return levels


def _playbooks_weeks_later(tmp_path: Path, weeks: int) -> Path:
    """The shipped playbooks with every rotation moved on by ``weeks`` turns (as that many weeks later)."""
    copy = tmp_path / "playbooks"
    shutil.copytree(SHIPPED_PLAYBOOKS, copy)
    oncall = yaml.safe_load((copy / "oncall.yaml").read_text(encoding="utf-8"))
    for schedule in oncall["schedules"].values():
        people = schedule["people"]
        schedule["people"] = people[weeks % len(people) :] + people[: weeks % len(people)]
    (copy / "oncall.yaml").write_text(yaml.safe_dump(oncall), encoding="utf-8")
    return copy


# Three consecutive weeks: the weekly rotations put each of Alice, Bob and Carol at each level once.
@pytest.mark.parametrize("weeks", [0, 1, 2])
def test_gameday_replays_from_declaration_to_resolution(
    make_playground: PlaygroundFactory, tmp_path: Path, weeks: int
) -> None:
    # With the scheduler: paging runs on it.
    playground = make_playground(playbooks_dir=_playbooks_weeks_later(tmp_path, weeks))
    ws = playground.workspace
    played: list[Step] = []

    def on_step(step: Step) -> None:
        played.append(step)
        if step.argument == "incident_escalate":
            # At 20x the story's 20 s of silence is 1 s; the scheduler's first page can take longer.
            ws.wait_for(lambda: any(m.text.startswith("Paged level 1") for m in _all_messages(ws)), 10)

    replayer = replay(playground, load_scenario("gameday.yaml"), speed=20, on_step=on_step)
    assert len(played) == len(load_scenario("gameday.yaml").steps)
    incidents = playground.container.services.incidents
    assert incidents.list_open() == []
    [channel] = [c for c in ws.channels.values() if c.name.startswith("incident-")]
    history = ws.history[channel.id]
    texts = [m.text for m in history]
    reporter = replayer.cast["reporter"]
    levels = _paged(history)
    assert levels.keys() == {1, 2}, texts
    # The story holds in every week: the reporter is not on call, nobody is paged twice, and the
    # level-2 person (not the silent primary) is the one who acknowledges and takes command.
    assert reporter not in levels[1] | levels[2]
    assert not levels[1] & levels[2]
    assert levels[2] == {replayer.cast["secondary"]}
    assert levels[1] == {replayer.cast["primary"]}
    assert any(t.startswith("Paged level 2") and f"escalated by <@{reporter}>" in t for t in texts), texts
    [ack] = [m for m in history if m.text.startswith("Acknowledged")]
    assert shows(ack, f"<@{replayer.cast['secondary']}>")
    assert any("is now Incident Commander" in t for t in texts)
    assert any("Rollback complete" in t for t in texts)
    assert any(t.startswith("Resolved") for t in texts)
    assert ws.warnings == []


def test_cast_picks_the_first_candidate_not_already_cast(playground: Playground) -> None:
    scenario = parse_scenario(
        {
            "cast": {"lead": "oncall:primary", "helper": ["@{lead}", "alice", "bob", "carol"]},
            "steps": [{"as": "helper", "say": "hi"}],
        }
    )
    oncall = {"primary": "alice@example.com"}
    replayer = Replayer(playground.workspace, playground.driver, scenario, oncall=oncall.get)
    assert replayer.cast_roles() == {"lead": "U0ALICE", "helper": "U0BOB"}
    assert replayer.fill("{lead} pings @{helper}") == "Alice Archer pings @bob"
    oncall["primary"] = "nobody@example.com"
    with pytest.raises(ScenarioError, match="nobody left to play 'lead'"):
        replayer.cast_roles()


def test_a_step_that_cannot_be_played_stops_the_replay(playground: Playground) -> None:
    scenario = parse_scenario({"steps": [{"as": "alice", "click": "no_such_button"}], "pace": 0})
    replayer = Replayer(playground.workspace, playground.driver, scenario, find_timeout=0.3)
    with pytest.raises(ScenarioError, match="nothing to click with action_id 'no_such_button'"):
        replayer.play()
    with pytest.raises(ScenarioError, match="no user 'zed'"):
        replay(playground, parse_scenario({"steps": [{"as": "zed", "say": "hi"}]}))

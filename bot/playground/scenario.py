"""Scripted incidents (YAML) replayed through the emulator's driver, for demos and game days.

Over 300 lines because the replayer is one small method per step kind plus the cast and template lookups
they all use.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.domain.durations import parse_duration
from bot.domain.rotation import on_call
from bot.emulator.models import Channel
from bot.emulator.payloads import elements_of
from bot.emulator.workspace import Workspace
from bot.playbooks.oncall import OnCall
from bot.playground.bridge import Bridge, BridgeError
from bot.playground.scenario_file import ONCALL, PLACEHOLDER, OnCallLookup, Scenario, ScenarioError, Step

if TYPE_CHECKING:
    from bot.emulator.driver import SlackDriver


class _Quiet:
    """Tracks when the workspace last changed, to wait until the bot has finished reacting."""

    def __init__(self, ws: Workspace) -> None:
        self.last = time.monotonic()
        self._unsubscribe = ws.subscribe(self._touch)

    def _touch(self, event: Mapping[str, Any]) -> None:
        self.last = time.monotonic()

    def wait(self, quiet_for: float = 0.5, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and time.monotonic() - self.last < quiet_for:
            time.sleep(0.05)

    def close(self) -> None:
        self._unsubscribe()


@dataclass
class Replayer:
    """Plays steps one by one against a workspace and a driver."""

    workspace: Workspace
    driver: SlackDriver
    scenario: Scenario
    speed: float = 1.0
    stop: threading.Event = field(default_factory=threading.Event)
    on_step: Callable[[Step], None] | None = None
    find_timeout: float = 15.0
    actor: str = ""
    oncall: OnCallLookup | None = None
    cast: dict[str, str] = field(default_factory=dict)
    _known_channels: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise ScenarioError("speed must be positive")
        with self.workspace.lock:
            self._known_channels = set(self.workspace.channels)
        self.bridge = Bridge(self.workspace, self.driver)

    # ----- where and who ----------------------------------------------------------------------
    def user_id(self, ref: str) -> str:
        if ref in self.cast:
            return self.cast[ref]
        found = self._person(ref)
        if found is None:
            if ref.startswith(ONCALL):
                raise ScenarioError(f"nobody is on call in schedule {ref[len(ONCALL):]!r}")
            raise ScenarioError(f"no user {ref!r} in the workspace")
        return found

    def _person(self, ref: str) -> str | None:
        """A user id for a name, an id, an email or ``oncall:<schedule>`` (who is on call right now)."""
        if ref.startswith(ONCALL):
            if self.oncall is None:
                raise ScenarioError(f"{ref}: this replay has no on-call schedules")
            entry = self.oncall(ref[len(ONCALL) :])
            return self._person(entry) if entry and not entry.startswith(ONCALL) else None
        ws = self.workspace
        with ws.lock:
            user = ws.user(ref) or ws.user_by_name(ref.lstrip("@"))
            if user is None and "@" in ref.strip("@"):
                user = next((u for u in ws.users.values() if u.email.lower() == ref.lower()), None)
            return user.id if user is not None else None

    def cast_roles(self) -> dict[str, str]:
        """Who plays each role: the first candidate not already cast (on-call roles as of now)."""
        self.cast = {}
        for role, candidates in self.scenario.cast:
            taken = set(self.cast.values())
            chosen = next(
                (uid for uid in map(self._person, candidates) if uid is not None and uid not in taken), None
            )
            if chosen is None:
                raise ScenarioError(f"cast: nobody left to play {role!r} among {', '.join(candidates)}")
            self.cast[role] = chosen
        return dict(self.cast)

    def fill(self, text: str) -> str:
        """``{role}`` as the cast member's full name and ``@{role}`` as their handle."""

        def sub(match: re.Match[str]) -> str:
            user_id = self.cast.get(match.group(2))
            user = self.workspace.user(user_id) if user_id else None
            if user is None:
                return match.group(0)
            return f"@{user.name}" if match.group(1) else (user.real_name or user.name)

        return PLACEHOLDER.sub(sub, text)

    def _filled(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.fill(value)
        if isinstance(value, list):
            return [self._filled(v) for v in value]
        if isinstance(value, Mapping):
            return {k: self._filled(v) for k, v in value.items()}
        return value

    def resolved(self, step: Step) -> Step:
        """The step with its roles' names filled in (as it is shown and played)."""
        return replace(
            step,
            note=self.fill(step.note),
            argument=self._filled(step.argument),
            value=self._filled(step.value),
        )

    def incident_channel(self) -> Channel | None:
        """The newest channel created since the replay started."""
        with self.workspace.lock:
            new = [
                c
                for c in self.workspace.channels.values()
                if c.id not in self._known_channels and not c.is_im
            ]
            return max(new, key=lambda c: (c.created, c.id), default=None)

    def channel_for(self, step: Step) -> Channel:
        if step.channel:
            found = self.workspace.resolve_channel(step.channel)
            if found is None:
                raise ScenarioError(f"{step.describe()}: no channel {step.channel!r}")
            return found
        found = self.incident_channel() or self.workspace.channel_by_name(self.scenario.channel)
        if found is None:
            raise ScenarioError(f"{step.describe()}: no channel {self.scenario.channel!r}")
        return found

    # ----- steps ------------------------------------------------------------------------------
    def play(self) -> None:
        self.cast_roles()
        quiet = _Quiet(self.workspace)
        try:
            for original in self.scenario.steps:
                if self.stop.is_set():
                    return
                step = self.resolved(original)
                if step.note:
                    self.workspace.narrate(step.note)
                if self.on_step is not None:
                    self.on_step(step)
                if step.actor:
                    self.actor = self.user_id(step.actor)
                if step.action is not None:
                    if not self.actor:
                        raise ScenarioError(f"{step.describe()}: say who acts first (`as: <user>`)")
                    getattr(self, f"_{step.action}")(step)
                    quiet.wait()
                if step.action != "wait" and self.stop.wait(self.scenario.pace / self.speed):
                    return
        finally:
            quiet.close()

    def _command(self, step: Step) -> None:
        channel = self.channel_for(step)
        try:
            self.bridge.send(self.actor, channel.id, str(step.argument))
        except BridgeError as exc:
            raise ScenarioError(f"{step.describe()}: {exc}") from exc

    def _say(self, step: Step) -> None:
        channel = self.channel_for(step)
        try:
            self.bridge.send(self.actor, channel.id, str(step.argument))
        except BridgeError as exc:
            raise ScenarioError(f"{step.describe()}: {exc}") from exc

    def _wait(self, step: Step) -> None:
        seconds = parse_duration(str(step.argument)).total_seconds() / self.speed
        self.stop.wait(seconds)

    def _click(self, step: Step) -> None:
        action_id = str(step.argument)
        value = self._value(step.value)
        try:
            found = self.workspace.wait_for(lambda: self._find(step, action_id), timeout=self.find_timeout)
        except TimeoutError as exc:
            raise ScenarioError(f"{step.describe()}: nothing to click with action_id {action_id!r}") from exc
        kind, where, ts = found
        if kind == "view":
            response = self.driver.view_action(self.actor, action_id, value, view_id=where)
        else:
            response = self.driver.select_option(self.actor, where, ts, action_id, value)
        if response.status_code != 200:
            raise ScenarioError(f"{step.describe()}: the app answered HTTP {response.status_code}")

    def _find(self, step: Step, action_id: str) -> tuple[str, str, str] | None:
        """``("view", view_id, "")`` or ``("message", channel_id, ts)`` of the newest clickable match."""
        ws = self.workspace
        with ws.lock:
            view = ws.open_view(self.actor)
            if view is not None and _has_action(view.body.get("blocks", []), action_id):
                return "view", view.id, ""
            channels = [self.channel_for(step)]
            if not step.channel:
                dm = ws.resolve_channel(self.actor)
                broadcast = ws.channel_by_name(self.scenario.channel)
                channels += [c for c in (dm, broadcast) if c is not None]
            best: tuple[float, str, str] | None = None
            for channel in channels:
                candidates = [(m.ts, m.blocks) for m in ws.history.get(channel.id, [])]
                candidates += [(e.ts, e.blocks) for e in ws.ephemerals(self.actor, channel.id)]
                for ts, blocks in candidates:
                    if _has_action(blocks, action_id) and (best is None or float(ts) > best[0]):
                        best = (float(ts), channel.id, ts)
            return ("message", best[1], best[2]) if best else None

    def _submit(self, step: Step) -> None:
        try:
            view = self.workspace.wait_for(
                lambda: self.workspace.open_view(self.actor), timeout=self.find_timeout
            )
        except TimeoutError as exc:
            raise ScenarioError(
                f"{step.describe()}: no modal is open for {step.actor or self.actor}"
            ) from exc
        values = {
            str(b): {str(a): self._value(v) for a, v in acts.items()} for b, acts in step.argument.items()
        }
        try:
            response = self.driver.submit_view(self.actor, view.id, values)
        except LookupError as exc:
            raise ScenarioError(f"{step.describe()}: {exc}") from exc
        if response.status_code != 200:
            raise ScenarioError(f"{step.describe()}: the app answered HTTP {response.status_code}")
        if self.workspace.is_live(view) and view.errors:
            raise ScenarioError(f"{step.describe()}: the form was refused: {view.errors}")

    def _value(self, value: Any) -> Any:
        """``@name`` becomes a user id (for user selects); lists are converted item by item."""
        if isinstance(value, list):
            return [self._value(v) for v in value]
        if isinstance(value, str) and value.startswith("@") and " " not in value:
            return self.user_id(value)
        return value


def _has_action(blocks: list[Any], action_id: str) -> bool:
    return any(
        element.get("action_id") == action_id
        for block in blocks
        if isinstance(block, dict)
        for element in elements_of(block)
    )


def oncall_lookup(oncall: OnCall, clock: Callable[[], datetime]) -> OnCallLookup:
    """Who is on call in a schedule at ``clock()``, as the playbook writes them (user id or email)."""

    def lookup(schedule_id: str) -> str | None:
        schedule = oncall.schedules.get(schedule_id)
        if schedule is None:
            raise ScenarioError(f"oncall:{schedule_id}: no such schedule in the playbooks")
        return on_call(schedule, clock())

    return lookup


def _playground_oncall(playground: Any) -> OnCallLookup | None:
    container = getattr(playground, "container", None)
    if container is None:
        return None
    clock = getattr(getattr(container.services, "ctx", None), "clock", None) or (lambda: datetime.now(UTC))
    return oncall_lookup(container.playbooks.oncall, clock)


def replay(
    playground: Any,
    scenario: Scenario,
    speed: float = 1.0,
    stop: threading.Event | None = None,
    on_step: Callable[[Step], None] | None = None,
) -> Replayer:
    """Play ``scenario`` against anything with ``workspace`` and ``driver`` (a running ``Playground``).

    ``oncall:<schedule>`` in the cast is whoever the playground's playbooks have on call by the
    bot's own clock, so the story matches who the bot pages. Returns the replayer (its ``cast``).
    """
    replayer = Replayer(
        playground.workspace,
        playground.driver,
        scenario,
        speed,
        stop or threading.Event(),
        on_step,
        oncall=_playground_oncall(playground),
    )
    replayer.play()
    return replayer

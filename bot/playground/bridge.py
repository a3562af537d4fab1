"""What the page asks for, done the way Slack would: commands, messages, clicks and modal submissions."""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping
from typing import Any

import requests

from bot.emulator.blockkit import validate_message_blocks
from bot.emulator.driver import SlackDriver
from bot.emulator.models import JSON
from bot.emulator.payloads import find_element
from bot.emulator.workspace import Workspace
from bot.playground.interactions import RawValues, input_values, missing_required, selection

log = logging.getLogger(__name__)

DEFAULT_COMMANDS = ("/incident",)
# Events API subscriptions of the app: Slack only delivers what the app subscribed to.
DEFAULT_BOT_EVENTS = ("member_joined_channel", "pin_added", "reaction_added")
_MENTION = re.compile(r"(?<![\w<|@])@([a-z0-9][a-z0-9._\-]*)", re.IGNORECASE)
_CHANNEL = re.compile(r"(?<![\w<|#&])#([a-z0-9][a-z0-9_\-]*)")
_BROADCAST = {"here", "channel", "everyone"}


class BridgeError(Exception):
    """A request the page made that cannot be carried out; the message is shown to the person."""


def slack_text(ws: Workspace, text: str) -> str:
    """Text as a Slack client sends it: ``& < >`` escaped, ``@name`` and ``#channel`` turned into mentions."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def user(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.lower() in _BROADCAST:
            return f"<!{name.lower()}>"
        found = ws.user_by_name(name.rstrip("."))
        if found is None:
            return match.group(0)
        trailing = name[len(found.name) :]
        return f"<@{found.id}|{found.name}>{trailing}"

    def channel(match: re.Match[str]) -> str:
        found = ws.channel_by_name(match.group(1))
        return f"<#{found.id}|{found.name}>" if found is not None else match.group(0)

    return _CHANNEL.sub(channel, _MENTION.sub(user, escaped))


class Bridge:
    """Carries out page requests through the workspace and the driver; every method answers JSON."""

    def __init__(
        self,
        workspace: Workspace,
        driver: SlackDriver,
        commands: Collection[str] = DEFAULT_COMMANDS,
        bot_events: Collection[str] = DEFAULT_BOT_EVENTS,
    ) -> None:
        self.ws = workspace
        self.driver = driver
        self.commands = frozenset(commands)
        self.bot_events = frozenset(bot_events)

    # ----- composer ---------------------------------------------------------------------------
    def send(self, user: str, channel_id: str, text: str, thread_ts: str | None = None) -> JSON:
        """A slash command (``/…``) or a plain message, from ``user`` in a channel or DM."""
        channel = self.ws.channel(channel_id)
        if channel is None:
            raise BridgeError("That channel does not exist.")
        if channel.is_archived:
            raise BridgeError("This channel is archived; nothing can be posted in it.")
        stripped = text.strip()
        if not stripped:
            raise BridgeError("Type a message first.")
        if stripped.startswith("/"):
            return self._command(user, channel_id, stripped)
        try:
            if not channel.is_im and user not in channel.members:
                if "member_joined_channel" in self.bot_events:
                    self.driver.user_joins(user, channel_id)
                else:
                    self.ws.join(channel_id, user)
            text = slack_text(self.ws, stripped)
            if "message" in self.bot_events:
                self.driver.user_message(user, channel_id, text, thread_ts=thread_ts)
            else:
                self.ws.post_message(channel_id, user, text, thread_ts=thread_ts)
        except requests.RequestException as exc:
            log.warning("event not delivered to the app: %s", exc)
        return {"ok": True}

    def react(self, user: str, channel_id: str, ts: str, name: str) -> JSON:
        """The person reacts to a message (``:pushpin:`` or ``:stopwatch:`` add it to an incident's timeline)."""
        self._existing_message(channel_id, ts)
        name = name.strip(":")
        if not re.fullmatch(r"[a-z0-9_+\-]{1,64}", name):
            raise BridgeError("That is not an emoji name.")
        try:
            if "reaction_added" in self.bot_events:
                self.driver.add_reaction(user, channel_id, ts, name)
        except requests.RequestException as exc:
            log.warning("event not delivered to the app: %s", exc)
        return {"ok": True}

    def pin(self, user: str, channel_id: str, ts: str) -> JSON:
        """The person pins a message to the channel (in an incident channel it joins the timeline)."""
        channel = self._existing_message(channel_id, ts)
        if ts in channel.pins:
            raise BridgeError("That message is already pinned.")
        try:
            if "pin_added" in self.bot_events:
                self.driver.pin_message(user, channel_id, ts)
        except requests.RequestException as exc:
            log.warning("event not delivered to the app: %s", exc)
        return {"ok": True}

    def _existing_message(self, channel_id: str, ts: str) -> Any:
        channel = self.ws.channel(channel_id)
        if channel is None or self.ws.message(channel_id, ts) is None:
            raise BridgeError("That message does not exist.")
        if channel.is_archived:
            raise BridgeError("This channel is archived; nothing can be changed in it.")
        return channel

    def _command(self, user: str, channel_id: str, text: str) -> JSON:
        command, _, args = text.partition(" ")
        command = command.lower()
        if command not in self.commands:
            self.ws.post_ephemeral(
                channel_id,
                user,
                f"`{command}` is not a valid command. In Slack, all messages that start with "
                'the "/" character are interpreted as commands.',
            )
            return {"ok": True}
        try:
            response = self.driver.slash_command(user, channel_id, slack_text(self.ws, args.strip()), command)
        except requests.RequestException as exc:
            log.warning("slash command not delivered: %s", exc)
            self.ws.post_ephemeral(channel_id, user, f'{command} failed with the error "operation_timeout"')
            return {"ok": True}
        self._show_command_answer(user, channel_id, command, response)
        return {"ok": True}

    def _show_command_answer(
        self, user: str, channel_id: str, command: str, response: requests.Response
    ) -> None:
        """Slack shows a command's HTTP answer: ephemeral by default, in the channel when asked."""
        if response.status_code != 200:
            self.ws.warn(f"{command}: the app answered HTTP {response.status_code}")
            self.ws.post_ephemeral(channel_id, user, f'{command} failed with the error "dispatch_failed"')
            return
        body = response.content.strip()
        if not body:
            return
        try:
            answer: Any = response.json()
        except ValueError:
            self.ws.post_ephemeral(channel_id, user, response.text)
            return
        if not isinstance(answer, dict) or not (answer.get("text") or answer.get("blocks")):
            return
        text, blocks = str(answer.get("text") or ""), answer.get("blocks")
        if blocks is not None:
            problems = validate_message_blocks(blocks)
            for problem in problems:
                self.ws.warn(f"{command} answer: {problem.message} (at {problem.pointer})", pointer=problem.pointer)
            if problems:
                # Slack shows nothing of an answer it cannot render, only that the command failed.
                self.ws.post_ephemeral(channel_id, user, f'{command} failed with the error "invalid_blocks"')
                return
        if answer.get("response_type") == "in_channel":
            self.ws.post_message(channel_id, self.ws.bot_user_id, text, blocks)
        else:
            self.ws.post_ephemeral(channel_id, user, text, blocks)

    # ----- the app's Home tab ------------------------------------------------------------------
    def open_home(self, user: str) -> JSON:
        """The person opens the app's Home tab: the app hears ``app_home_opened`` and publishes it."""
        try:
            response = self.driver.open_home(user)
        except requests.RequestException as exc:
            raise BridgeError(f"The app did not answer: {exc}") from exc
        if response.status_code != 200:
            raise BridgeError(f"The app answered HTTP {response.status_code}.")
        return {"ok": True}

    # ----- interactive elements ---------------------------------------------------------------
    def action(self, user: str, request: Mapping[str, Any]) -> JSON:
        """A click or choice on a message (``channel`` + ``message_ts``) or in a modal or Home tab (``view_id``)."""
        action_id = str(request.get("action_id") or "")
        block_id = request.get("block_id") or None
        raw = request.get("value")
        view_id = request.get("view_id")
        try:
            if view_id:
                view = self._live_view(user, str(view_id))
                blocks = list(view.body.get("blocks", []))
                _, element = find_element(blocks, action_id, block_id)
                values = input_values(blocks, request.get("values") or {})
                response = self.driver.view_action(
                    user, action_id, self._value(element, raw), view.id, block_id, values
                )
            else:
                channel_id, ts = str(request.get("channel") or ""), str(request.get("message_ts") or "")
                _, element = find_element(self._message_blocks(user, channel_id, ts), action_id, block_id)
                response = self.driver.select_option(
                    user, channel_id, ts, action_id, self._value(element, raw), block_id
                )
        except LookupError as exc:
            raise BridgeError(str(exc)) from exc
        except requests.RequestException as exc:
            raise BridgeError(f"The app did not answer: {exc}") from exc
        if response.status_code != 200:
            self.ws.warn(f"block_actions {action_id}: the app answered HTTP {response.status_code}")
            raise BridgeError(f"The app answered HTTP {response.status_code}.")
        return {"ok": True}

    @staticmethod
    def _value(element: Mapping[str, Any], raw: Any) -> Any:
        if element.get("type") == "button":
            return None  # the button's own value
        state = selection(element, raw)
        state.pop("type", None)
        return state

    def _message_blocks(self, user: str, channel_id: str, ts: str) -> list[JSON]:
        for eph in self.ws.ephemerals(user, channel_id):
            if eph.ts == ts:
                return list(eph.blocks)
        message = self.ws.message(channel_id, ts)
        if message is None:
            raise LookupError("That message is gone.")
        return list(message.blocks)

    def _live_view(self, user: str, view_id: str) -> Any:
        view = self.ws.views.get(view_id)
        if view is None or view.user != user or not self.ws.is_live(view):
            raise LookupError("That form is no longer open.")
        return view

    # ----- modals -----------------------------------------------------------------------------
    def submit(self, user: str, view_id: str, raw_values: RawValues) -> JSON:
        """Submit a modal; required fields are checked first, as Slack's client does."""
        try:
            view = self._live_view(user, view_id)
        except LookupError as exc:
            raise BridgeError(str(exc)) from exc
        blocks = list(view.body.get("blocks", []))
        missing = missing_required(blocks, raw_values)
        if missing:
            return {"ok": False, "errors": missing}
        try:
            response = self.driver.submit_view(user, view.id, input_values(blocks, raw_values))
        except requests.RequestException as exc:
            raise BridgeError(f"The app did not answer: {exc}") from exc
        if response.status_code != 200:
            raise BridgeError("We had some trouble connecting. Try again?")
        still_open = self.ws.open_view(user)
        if still_open is not None and still_open.id == view.id and view.errors:
            return {"ok": False, "errors": dict(view.errors)}
        return {"ok": True}

    def close(self, user: str, view_id: str) -> JSON:
        """Close the user's modal (the app hears ``view_closed`` when it asked to)."""
        try:
            self.driver.close_view(user, view_id)
        except LookupError:
            pass  # already closed
        except requests.RequestException as exc:
            log.warning("view_closed not delivered: %s", exc)
        return {"ok": True}

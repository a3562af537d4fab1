"""The Slack side: signed commands, clicks, view submissions and events sent to the bot.

Over 300 lines because it is one method per kind of request Slack sends (commands, shortcuts, clicks,
selects, submissions, events), each small, all signed the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

import requests

from bot.emulator.args import check_view
from bot.emulator.errors import ApiError
from bot.emulator.models import JSON, Channel, Message, View
from bot.emulator.payloads import action_payload, find_element, state_values
from bot.emulator.workspace import Workspace

FORM = "application/x-www-form-urlencoded"


def sign(signing_secret: str, timestamp: int, body: str) -> str:
    """Slack's request signature: `v0=` + HMAC-SHA256 over `v0:{timestamp}:{body}`."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def _channel_type(channel: Channel) -> str:
    return "im" if channel.is_im else "group" if channel.is_private else "channel"


class SlackDriver:
    """Sends requests to the bot the way Slack does, using the workspace for context, triggers and URLs."""

    def __init__(self, bot_url: str, signing_secret: str, workspace: Workspace, path: str = "/slack/events",
                 timeout: float = 10.0, api_app_id: str = "AEMULATOR") -> None:
        self.endpoint = bot_url.rstrip("/") + path
        self.signing_secret = signing_secret
        self.workspace = workspace
        self.timeout = timeout
        self.api_app_id = api_app_id
        self.last_trigger_id: str | None = None
        self.last_response_url: str | None = None
        self.last_event_id: str | None = None
        self.session = requests.Session()
        self._tamper: dict[str, Any] = {}

    # ----- transport --------------------------------------------------------------------------
    def post(self, body: str, content_type: str = FORM, timestamp: int | None = None,
             signature: str | None = None, headers: dict[str, str] | None = None) -> requests.Response:
        """POST a raw body, signed (override `timestamp`/`signature` to test rejection)."""
        tamper, self._tamper = self._tamper, {}
        timestamp = tamper.get("timestamp") if timestamp is None else timestamp
        signature = tamper.get("signature") if signature is None else signature
        ts = int(time.time()) if timestamp is None else timestamp
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": signature if signature is not None else sign(self.signing_secret, ts, body),
            **(headers or {}),
        }
        return self.session.post(self.endpoint, data=body.encode(), headers=all_headers, timeout=self.timeout)

    def tamper_next(self, timestamp: int | None = None, signature: str | None = None) -> None:
        """Send the next request (of any kind) with this timestamp and/or signature instead of valid ones."""
        self._tamper = {"timestamp": timestamp, "signature": signature}

    def _interactive(self, payload: JSON, **sign_opts: Any) -> requests.Response:
        return self.post(urlencode({"payload": json.dumps(payload)}), **sign_opts)

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()

    # ----- context ----------------------------------------------------------------------------
    def _channel(self, ref: str) -> Channel:
        channel = self.workspace.resolve_channel(ref)
        if channel is None:
            raise LookupError(f"no channel {ref!r}")
        return channel

    def _user(self, user_id: str) -> JSON:
        user = self.workspace.user(user_id)
        if user is None:
            raise LookupError(f"no user {user_id!r}")
        return {"id": user.id, "username": user.name, "name": user.name, "team_id": self.workspace.team_id}

    def _team(self) -> JSON:
        return {"id": self.workspace.team_id, "domain": self.workspace.team_domain}

    def _trigger(self, user_id: str) -> str:
        self.last_trigger_id = self.workspace.issue_trigger(user_id)
        return self.last_trigger_id

    def _response_url(self, user_id: str, channel_id: str, ts: str | None = None, eph: bool = False) -> str:
        self.last_response_url = self.workspace.issue_response_url(user_id, channel_id, ts, eph)
        return self.last_response_url

    def _base(self, kind: str, user_id: str) -> JSON:
        return {"type": kind, "user": self._user(user_id), "api_app_id": self.api_app_id,
                "token": "emulated-verification-token", "team": self._team(), "enterprise": None,
                "is_enterprise_install": False, "trigger_id": self._trigger(user_id)}

    # ----- slash commands and shortcuts ------------------------------------------------------
    def slash_command(self, user_id: str, channel_id: str, text: str, command: str = "/incident",
                      timestamp: int | None = None, signature: str | None = None) -> requests.Response:
        """Run a slash command as `user_id` in a channel (id or name)."""
        channel = self._channel(channel_id)
        user = self._user(user_id)
        form = {
            "token": "emulated-verification-token", "team_id": self.workspace.team_id,
            "team_domain": self.workspace.team_domain, "channel_id": channel.id,
            "channel_name": channel.name or "directmessage", "user_id": user_id, "user_name": user["name"],
            "command": command, "text": text, "api_app_id": self.api_app_id, "is_enterprise_install": "false",
            "response_url": self._response_url(user_id, channel.id), "trigger_id": self._trigger(user_id),
        }
        return self.post(urlencode(form), timestamp=timestamp, signature=signature)

    def global_shortcut(self, user_id: str, callback_id: str) -> requests.Response:
        """Run a global shortcut."""
        return self._interactive({**self._base("shortcut", user_id), "callback_id": callback_id,
                                  "action_ts": self.workspace.new_ts()})

    def message_shortcut(self, user_id: str, channel_id: str, message_ts: str,
                         callback_id: str) -> requests.Response:
        """Run a message shortcut on a message."""
        channel = self._channel(channel_id)
        message = self._message(channel, message_ts)
        payload = {**self._base("message_action", user_id), "callback_id": callback_id,
                   "action_ts": self.workspace.new_ts(), "message_ts": message_ts,
                   "channel": {"id": channel.id, "name": channel.name}, "message": message.to_dict(),
                   "response_url": self._response_url(user_id, channel.id)}
        return self._interactive(payload)

    # ----- message interactions --------------------------------------------------------------
    def _message(self, channel: Channel, ts: str) -> Message:
        message = self.workspace.message(channel.id, ts)
        if message is None:
            raise LookupError(f"no message {ts} in {channel.id}")
        return message

    def _message_action(self, user_id: str, channel_id: str, message_ts: str, action_id: str,
                        value: Any, block_id: str | None) -> requests.Response:
        ws = self.workspace
        channel = self._channel(channel_id)
        eph = next((e for e in ws.ephemerals(user_id, channel.id) if e.ts == message_ts), None)
        with ws.lock:
            message = None if eph else self._message(channel, message_ts)
            blocks = eph.blocks if eph else message.blocks if message else []
            bid, element = find_element(blocks, action_id, block_id)
            payload = self._base("block_actions", user_id)
            payload.update({
                "container": {"type": "message", "message_ts": message_ts, "channel_id": channel.id,
                              "is_ephemeral": eph is not None},
                "channel": {"id": channel.id, "name": channel.name or "directmessage"},
                "state": {"values": {}},
                "response_url": self._response_url(user_id, channel.id, message_ts, eph is not None),
                "actions": [action_payload(bid, element, value, ws.new_ts())],
            })
            if message is not None:
                payload["message"] = message.to_dict()
        return self._interactive(payload)

    def click_button(self, user_id: str, channel_id: str, message_ts: str, action_id: str,
                     value: str | None = None, block_id: str | None = None) -> requests.Response:
        """Click a button in a channel or ephemeral message (value defaults to the button's own)."""
        return self._message_action(user_id, channel_id, message_ts, action_id, value, block_id)

    def select_option(self, user_id: str, channel_id: str, message_ts: str, action_id: str, value: Any,
                      block_id: str | None = None) -> requests.Response:
        """Choose in a select/overflow/picker of a message: an option value, user id, channel id or date."""
        return self._message_action(user_id, channel_id, message_ts, action_id, value, block_id)

    # ----- views ------------------------------------------------------------------------------
    def _view(self, user_id: str, view_id: str | None) -> View:
        view = self.workspace.open_view(user_id) if view_id is None else self.workspace.views.get(view_id)
        if view is None or not self.workspace.is_live(view):
            raise LookupError(f"user {user_id} has no open view {view_id or ''}".rstrip())
        return view

    def view_action(self, user_id: str, action_id: str, value: Any = None, view_id: str | None = None,
                    block_id: str | None = None,
                    values: dict[str, dict[str, Any]] | None = None) -> requests.Response:
        """Click or choose inside an open modal (or Home tab) without submitting it."""
        ws = self.workspace
        with ws.lock:
            view = self._view(user_id, view_id)
            blocks = list(view.body.get("blocks", []))
            bid, element = find_element(blocks, action_id, block_id)
            payload = self._base("block_actions", user_id)
            payload.update({
                "container": {"type": "view", "view_id": view.id},
                "view": ws.view_json(view, {"values": state_values(blocks, values)}),
                "actions": [action_payload(bid, element, value, ws.new_ts())],
            })
        return self._interactive(payload)

    def submit_view(self, user_id: str, view_id: str | None = None,
                    values: dict[str, dict[str, Any]] | None = None) -> requests.Response:
        """Submit the user's modal with `values[block_id][action_id]`; apply the bot's response_action."""
        ws = self.workspace
        with ws.lock:
            view = self._view(user_id, view_id)
            blocks = list(view.body.get("blocks", []))
            payload = self._base("view_submission", user_id)
            payload.update({"view": ws.view_json(view, {"values": state_values(blocks, values)}),
                            "response_urls": []})
        response = self._interactive(payload)
        self._apply_view_response(view, response)
        return response

    def close_view(self, user_id: str, view_id: str | None = None) -> requests.Response | None:
        """Close the user's modal with its close button; sends `view_closed` when notify_on_close is set."""
        ws = self.workspace
        with ws.lock:
            view = self._view(user_id, view_id)
            notify = bool(view.body.get("notify_on_close"))
            payload = {**self._base("view_closed", user_id), "view": ws.view_json(view), "is_cleared": False}
            ws.close_top_modal(user_id)
        return self._interactive(payload) if notify else None

    def _apply_view_response(self, view: View, response: requests.Response) -> None:
        ws = self.workspace
        if response.status_code != 200:
            ws.warn(f"view_submission for {view.id} answered HTTP {response.status_code}; "
                    "Slack shows an error")
            return
        body: Any = {}
        if response.content.strip():
            try:
                body = response.json()
            except ValueError:
                ws.warn(f"view_submission answer is not JSON: {response.text[:200]!r}")
                return
        action = body.get("response_action") if isinstance(body, dict) else None
        with ws.lock:
            if not ws.is_live(view):
                return
            try:
                if action is None:
                    ws.close_top_modal(view.user)
                elif action == "errors":
                    ws.set_view_errors(view, dict(body.get("errors") or {}))
                elif action == "clear":
                    ws.clear_modals(view.user)
                elif action in ("update", "push"):
                    new = check_view(ws, f"response_action {action}", body.get("view"), "modal")
                    if action == "update":
                        ws.replace_view(view, new)
                    elif len(ws.view_stacks.get(view.user, [])) >= 3:
                        ws.warn("response_action push: the modal stack already holds 3 views")
                    else:
                        ws.push_modal(view.user, new)
                else:
                    ws.warn(f"view_submission: unknown response_action {action!r}")
            except ApiError as exc:
                ws.warn(f"response_action {action}: rejected by Slack ({exc.error}); "
                        "the modal stays as it was")

    # ----- Events API ------------------------------------------------------------------------
    def send_event(self, event: JSON, retry_num: int | None = None, retry_reason: str = "http_timeout",
                   event_id: str | None = None, timestamp: int | None = None,
                   signature: str | None = None) -> requests.Response:
        """Deliver an Events API `event_callback`; pass the same `event_id` with `retry_num` for retries."""
        ws = self.workspace
        self.last_event_id = event_id or ws.new_id("Ev")
        envelope = {
            "token": "emulated-verification-token", "team_id": ws.team_id, "api_app_id": self.api_app_id,
            "event": {"event_ts": ws.new_ts(), **event}, "type": "event_callback",
            "event_id": self.last_event_id, "event_time": int(ws.now()),
            "authorizations": [{"enterprise_id": None, "team_id": ws.team_id, "user_id": ws.bot_user_id,
                                "is_bot": True, "is_enterprise_install": False}],
            "is_ext_shared_channel": False, "event_context": f"emulated-{self.last_event_id}",
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.post(json.dumps(envelope), "application/json", timestamp, signature, headers)

    def user_message(self, user_id: str, channel_id: str, text: str,
                     thread_ts: str | None = None) -> tuple[Message, requests.Response]:
        """A person posts a message: stored in the workspace, then sent as a `message` event."""
        channel = self._channel(channel_id)
        message = self.workspace.post_message(channel.id, user_id, text, thread_ts=thread_ts)
        event: JSON = {"type": "message", "channel": channel.id, "user": user_id, "text": text,
                       "ts": message.ts, "team": self.workspace.team_id,
                       "channel_type": _channel_type(channel)}
        if thread_ts:
            event["thread_ts"] = thread_ts
        response = self.send_event(event)
        if f"<@{self.workspace.bot_user_id}>" in text:
            self.send_event({**event, "type": "app_mention"})
        return message, response

    def user_joins(self, user_id: str, channel_id: str, inviter: str | None = None) -> requests.Response:
        """A person joins a channel: member added, `member_joined_channel` sent."""
        channel = self._channel(channel_id)
        self.workspace.join(channel.id, user_id, inviter)
        event: JSON = {"type": "member_joined_channel", "user": user_id, "channel": channel.id,
                       "channel_type": "G" if channel.is_private else "C", "team": self.workspace.team_id}
        if inviter:
            event["inviter"] = inviter
        return self.send_event(event)

    def add_reaction(self, user_id: str, channel_id: str, ts: str, name: str) -> requests.Response:
        """A person reacts to a message: recorded, then `reaction_added` sent."""
        ws = self.workspace
        channel = self._channel(channel_id)
        with ws.lock:
            message = self._message(channel, ts)
            message.reactions.setdefault(name, []).append(user_id)
            ws.emit("reaction_added", channel=channel.id, ts=ts, name=name, user=user_id)
        return self.send_event({"type": "reaction_added", "user": user_id, "reaction": name,
                                "item": {"type": "message", "channel": channel.id, "ts": ts},
                                "item_user": message.user})

    def pin_message(self, user_id: str, channel_id: str, ts: str) -> requests.Response:
        """A person pins a message: recorded, then `pin_added` sent with the message, as Slack does."""
        ws = self.workspace
        channel = self._channel(channel_id)
        with ws.lock:
            message = self._message(channel, ts)
            if ts not in channel.pins:
                channel.pins.append(ts)
            ws.emit("pin_added", channel=channel.id, ts=ts)
            item: JSON = {"type": "message", "channel": channel.id, "message": message.to_dict(),
                          "created": int(ws.now()), "created_by": user_id}
        return self.send_event({"type": "pin_added", "user": user_id, "channel_id": channel.id, "item": item,
                                "item_user": message.user, "pin_count": len(channel.pins)})

    def open_home(self, user_id: str) -> requests.Response:
        """A person opens the app's Home tab: `app_home_opened` sent."""
        ws = self.workspace
        event: JSON = {"type": "app_home_opened", "user": user_id, "channel": ws.open_dm(user_id).id,
                       "tab": "home"}
        home = ws.home_view(user_id)
        if home is not None:
            event["view"] = ws.view_json(home)
        return self.send_event(event)

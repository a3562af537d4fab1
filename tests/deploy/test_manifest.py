"""The Slack app manifest declares the command, interactivity, events, and exactly the scopes the code needs."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
MANIFEST = yaml.safe_load((REPO / "deploy" / "slack-app-manifest.yaml").read_text())

# Web API method -> the bot scopes it needs (public and private channels alike).
METHOD_SCOPES: dict[str, set[str]] = {
    "auth.test": set(),
    "chat.getPermalink": set(),
    "chat.postEphemeral": {"chat:write"},
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "conversations.archive": {"channels:manage", "groups:write"},
    "conversations.create": {"channels:manage", "groups:write"},
    "conversations.history": {"channels:history", "groups:history"},
    "conversations.invite": {"channels:manage", "groups:write"},
    "conversations.join": {"channels:join"},
    "conversations.list": {"channels:read", "groups:read"},
    "conversations.members": {"channels:read", "groups:read"},
    "conversations.open": {"im:write"},
    "conversations.replies": {"channels:history", "groups:history"},
    "conversations.setPurpose": {"channels:manage", "groups:write"},
    "conversations.setTopic": {"channels:manage", "groups:write"},
    "conversations.unarchive": {"channels:manage", "groups:write"},
    "files.completeUploadExternal": {"files:write"},
    "files.getUploadURLExternal": {"files:write"},
    "pins.add": {"pins:write"},
    "usergroups.users.list": {"usergroups:read"},
    "users.info": {"users:read"},
    "users.lookupByEmail": {"users:read", "users:read.email"},
    "views.open": set(),
    "views.publish": set(),
    "views.update": set(),
}
EVENT_SCOPES = {
    "member_joined_channel": {"channels:read", "groups:read"},
    "app_home_opened": set(),
    "pin_added": {"pins:read"},
    "reaction_added": {"reactions:read"},
}
_STRING_METHOD = re.compile(r'"((?:auth|chat|conversations|files|pins|usergroups|users|views|bookmarks|reactions)\.[a-zA-Z.]+)"')
_CLIENT_METHOD = re.compile(r"client\.((?:chat|conversations|files|pins|usergroups|users|views|bookmarks|reactions)_[a-zA-Z_]+)\(")


def _methods_used() -> set[str]:
    used: set[str] = set()
    for path in (REPO / "bot").rglob("*.py"):
        if {"emulator", "playground"} & set(path.parts):
            continue  # the emulator serves these methods; it does not call Slack
        text = path.read_text()
        used |= set(_STRING_METHOD.findall(text))
        for name in _CLIENT_METHOD.findall(text):
            family, _, rest = name.partition("_")
            parts = rest.split("_")
            used.add(family + "." + parts[0] + "".join(p.capitalize() for p in parts[1:]))
    return used


def test_every_method_the_bot_calls_is_known_here() -> None:
    unknown = _methods_used() - METHOD_SCOPES.keys()
    assert not unknown, f"add these Web API methods and their scopes to METHOD_SCOPES: {sorted(unknown)}"


def test_manifest_scopes_are_exactly_the_ones_used() -> None:
    needed = {"commands"}
    for method in _methods_used():
        needed |= METHOD_SCOPES[method]
    for event in MANIFEST["settings"]["event_subscriptions"]["bot_events"]:
        needed |= EVENT_SCOPES[event]
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == needed


def test_manifest_declares_the_command_interactivity_and_events() -> None:
    [command] = MANIFEST["features"]["slash_commands"]
    assert command["command"] == "/incident" and command["should_escape"] is True
    assert command["url"].endswith("/slack/events")
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["settings"]["interactivity"]["request_url"].endswith("/slack/events")
    assert set(MANIFEST["settings"]["event_subscriptions"]["bot_events"]) == set(EVENT_SCOPES)
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True

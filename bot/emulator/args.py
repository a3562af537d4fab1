"""Typed access to Web API arguments, plus the shared Block Kit and view checks of the methods."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.emulator.blockkit import Problem, validate_message_blocks, validate_view
from bot.emulator.errors import ApiError
from bot.emulator.models import JSON, Channel, User

if TYPE_CHECKING:
    from bot.emulator.workspace import Workspace

MESSAGE_BLOCKS_MAX_CHARS = 13_000
VIEW_MAX_BYTES = 250_000


class Args:
    """The arguments of one call (form fields or JSON body), with Slack's coercions."""

    def __init__(self, method: str, data: JSON) -> None:
        self.method = method
        self.data = data

    def has(self, name: str) -> bool:
        """Whether the argument was given (and not empty)."""
        return self.data.get(name) not in (None, "")

    def get(self, name: str, default: str | None = None) -> str | None:
        """A string argument."""
        value = self.data.get(name)
        if value is None or value == "":
            return default
        return value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict | list) \
            else str(value).lower() if isinstance(value, bool) else str(value)

    def require(self, name: str, error: str = "invalid_arguments") -> str:
        """A required string argument; missing answers `error` and records a warning."""
        value = self.get(name)
        if value is None:
            raise ApiError(error, warning=f"{self.method} called without required argument '{name}'")
        return value

    def flag(self, name: str) -> bool:
        """A boolean argument (`true`, `1`, True)."""
        value = self.data.get(name)
        return value is True or (isinstance(value, str) and value.lower() in ("true", "1")) or value == 1

    def number(self, name: str, default: int) -> int:
        """An integer argument."""
        value = self.data.get(name)
        if value in (None, ""):
            return default
        try:
            return int(str(value))
        except ValueError as exc:
            raise ApiError("invalid_arguments", warning=f"{self.method}: '{name}' must be a number") from exc

    def items(self, name: str) -> list[str]:
        """A comma-separated (or JSON list) argument."""
        value = self.data.get(name)
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        return [v.strip() for v in str(value or "").split(",") if v.strip()]

    def decoded(self, name: str, error: str = "invalid_arguments") -> Any:
        """A JSON argument given either decoded (JSON body) or as a string (form body)."""
        value = self.data.get(name)
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return json.loads(value)
            except ValueError as exc:
                raise ApiError(error, warning=f"{self.method}: '{name}' is not valid JSON") from exc
        return value


def _fail_blocks(ws: Workspace, method: str, problems: list[Problem], error: str) -> ApiError:
    for problem in problems:
        ws.warn(f"{method}: {problem.message} (at {problem.pointer})", method=method, pointer=problem.pointer)
    messages = [p.slack_message() for p in problems]
    return ApiError(error, errors=[f"{p.message} [json-pointer:{p.pointer}]" for p in problems],
                    response_metadata={"messages": messages})


def message_blocks(ws: Workspace, args: Args, required_text: bool = True) -> list[JSON] | None:
    """Parse and validate `blocks` of a message call; None when not given."""
    blocks = args.decoded("blocks", error="invalid_blocks_format")
    if blocks is None:
        return None
    problems = validate_message_blocks(blocks)
    if problems:
        raise _fail_blocks(ws, args.method, problems, "invalid_blocks")
    size = len(json.dumps(blocks))
    if size > MESSAGE_BLOCKS_MAX_CHARS:
        raise ApiError("msg_blocks_too_long", warning=f"{args.method}: blocks are {size:,} characters of "
                       f"JSON; Slack rejects around {MESSAGE_BLOCKS_MAX_CHARS:,}")
    if required_text and not args.has("text") and blocks:
        ws.warn(f"{args.method}: blocks without top-level 'text'; notifications and screen readers "
                "get no fallback", method=args.method)
    result: list[JSON] = blocks
    return result


def view_body(ws: Workspace, args: Args, expected_type: str | None = None) -> JSON:
    """Parse and validate the `view` argument of views.* calls."""
    view = args.decoded("view")
    if view is None:
        raise ApiError("invalid_arguments", warning=f"{args.method} called without 'view'")
    return check_view(ws, args.method, view, expected_type)


def check_view(ws: Workspace, method: str, view: Any, expected_type: str | None = None) -> JSON:
    """Validate a view object; raise `view_too_large` / `invalid_arguments` like Slack."""
    size = len(json.dumps(view).encode())
    if size > VIEW_MAX_BYTES:
        raise ApiError("view_too_large", warning=f"{method}: view is {size:,} bytes; Slack's limit is 250 kB")
    problems = validate_view(view, expected_type)
    if problems:
        raise _fail_blocks(ws, method, problems, "invalid_arguments")
    result: JSON = view
    return result


Handler = Callable[["Workspace", Args], JSON]


def channel_arg(ws: Workspace, args: Args, name: str = "channel", dm_users: bool = False) -> Channel:
    """The channel named by an argument (id or name; a user id opens the DM when `dm_users`)."""
    ref = args.require(name, error="channel_not_found")
    if dm_users and ref in ws.users and not ws.users[ref].is_bot:
        return ws.open_dm(ref)
    channel = ws.resolve_channel(ref)
    if channel is None:
        raise ApiError("channel_not_found")
    return channel


def user_arg(ws: Workspace, args: Args, name: str = "user") -> User:
    """The user named by an argument."""
    user = ws.users.get(args.require(name, error="user_not_found"))
    if user is None:
        raise ApiError("user_not_found")
    return user

"""The bot's WebClient: every Web API call (gateway and listeners alike) reports its method, outcome and time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

CallObserver = Callable[[str, str, float], None]


def outcome_of(exc: BaseException | None) -> str:
    """A small, fixed set of outcomes: ``ok``, ``ratelimited``, ``server_error``, ``error``, ``network``."""
    if exc is None:
        return "ok"
    if isinstance(exc, SlackApiError):
        status = int(getattr(exc.response, "status_code", 0) or 0)
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        if status == 429 or data.get("error") == "ratelimited":
            return "ratelimited"
        if status >= 500:
            return "server_error"
        return "error"
    return "network"


class ObservedWebClient(WebClient):
    """A ``WebClient`` that tells ``observe(method, outcome, seconds)`` about every call."""

    def __init__(self, *args: Any, observe: CallObserver | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.observe = observe

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        started = time.perf_counter()
        failure: BaseException | None = None
        try:
            return super().api_call(api_method, **kwargs)
        except BaseException as exc:
            failure = exc
            raise
        finally:
            if self.observe is not None:
                self.observe(api_method, outcome_of(failure), time.perf_counter() - started)

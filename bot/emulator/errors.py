"""The error a Web API method raises to answer `{"ok": false, "error": ...}`."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Slack API error code, with optional extra response fields and a warning to record."""

    def __init__(self, error: str, warning: str | None = None, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.warning = warning
        self.extra = extra

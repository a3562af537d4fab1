"""Incident references (``INC-2026-0042``) and Slack channel names made from titles."""

from __future__ import annotations

import re
from datetime import date

from anyascii import anyascii

from bot.domain.text import plain

MAX_CHANNEL_NAME = 80
CHANNEL_PREFIX = "incident"
_NOT_ALLOWED = re.compile(r"[^a-z0-9]+")


def incident_ref(year: int, sequence: int) -> str:
    """The human id of an incident: sequential per year, at least four digits."""
    return f"INC-{year}-{sequence:04d}"


def slugify(title: str) -> str:
    """ASCII, lowercase letters, digits and single hyphens; may be empty for emoji-only titles."""
    ascii_text = anyascii(title).lower()
    return _NOT_ALLOWED.sub("-", ascii_text).strip("-")


def channel_name_for(title: str, day: date, attempt: int = 1) -> str:
    """``incident-YYYY-MM-DD-<slug>[-N]``, always a valid Slack channel name of at most 80 chars.

    ``attempt`` 1 is the plain name; 2, 3, … add ``-2``, ``-3`` after ``name_taken``.
    """
    base = f"{CHANNEL_PREFIX}-{day.isoformat()}"
    suffix = f"-{attempt}" if attempt > 1 else ""
    slug = slugify(plain(title))
    room = MAX_CHANNEL_NAME - len(base) - len(suffix) - 1
    slug = slug[:room].rstrip("-") if slug else ""
    if not slug:
        slug = "untitled"
    return f"{base}-{slug}{suffix}"

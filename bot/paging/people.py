"""Turn escalation targets (schedules, users, groups, emails) into chat user ids, with cached look-ups."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import datetime

from bot.domain.rotation import on_call
from bot.playbooks.oncall import NotifyTarget, OnCall
from bot.services.ports import Directory

log = logging.getLogger(__name__)

CACHE_SECONDS = 3600.0


class PeopleResolver:
    """Resolves at an instant: ``schedule:x`` is whoever is on call then; emails and groups via ``directory``."""

    def __init__(self, directory: Directory, cache_seconds: float = CACHE_SECONDS) -> None:
        self.directory = directory
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, tuple[str, ...]]] = {}
        self._lock = threading.Lock()

    def users(self, oncall: OnCall, targets: Iterable[NotifyTarget], at: datetime) -> list[str]:
        found: list[str] = []
        for target in targets:
            for user in self.target(oncall, target, at):
                if user not in found:
                    found.append(user)
        return found

    def target(self, oncall: OnCall, target: NotifyTarget, at: datetime) -> tuple[str, ...]:
        if target.kind == "user":
            return (target.value,)
        if target.kind == "email":
            return self.person(target.value)
        if target.kind == "usergroup":
            return self._cached(f"group:{target.value}", lambda: self._group(target.value))
        schedule = oncall.schedules.get(target.value)
        if schedule is None:
            return ()
        person = on_call(schedule, at)
        return self.person(person) if person else ()

    def person(self, entry: str) -> tuple[str, ...]:
        """A playbook entry (user id or email) as a user id; empty when the email is unknown to Slack."""
        if "@" not in entry:
            return (entry,)
        return self._cached(f"email:{entry.lower()}", lambda: self._email(entry))

    def _cached(self, key: str, load: object) -> tuple[str, ...]:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and now - hit[0] < self.cache_seconds:
                return hit[1]
        value = load()  # type: ignore[operator]
        with self._lock:
            self._cache[key] = (now, value)
        return value  # type: ignore[no-any-return]

    def _email(self, email: str) -> tuple[str, ...]:
        user = self.directory.user_by_email(email)
        if not user:
            log.warning("no Slack user for on-call email %s", email)
            return ()
        return (user,)

    def _group(self, group_id: str) -> tuple[str, ...]:
        return self.directory.group_members(group_id)

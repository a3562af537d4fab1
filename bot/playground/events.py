"""Server-Sent Events: fans the workspace's change events out to every open page."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Generator
from typing import Any

JSON = dict[str, Any]

KEEPALIVE_SECONDS = 15.0
MAX_QUEUED = 2000
_FORWARDED = ("type", "channel", "ts", "user", "text", "view_id", "method", "error")


def slim(event: JSON) -> JSON:
    """The fields the page needs to decide what to refetch (payloads stay on the server)."""
    out = {
        key: event[key] for key in _FORWARDED if key in event and isinstance(event[key], str | int | float)
    }
    channel = event.get("channel")
    if isinstance(channel, dict):
        out["channel"] = str(channel.get("id", ""))
    view = event.get("view")
    if isinstance(view, dict):
        out["view_id"] = str(view.get("id", ""))
    return out


def encode(event: JSON) -> bytes:
    """One SSE frame."""
    return f"data: {json.dumps(event, separators=(',', ':'))}\n\n".encode()


class EventHub:
    """Subscribers get their own queue; ``publish`` is cheap so it can run under the workspace lock."""

    def __init__(self, keepalive: float = KEEPALIVE_SECONDS) -> None:
        self.keepalive = keepalive
        self._queues: list[queue.Queue[JSON | None]] = []
        self._lock = threading.Lock()
        self._closed = False

    @property
    def listeners(self) -> int:
        """How many streams are open."""
        with self._lock:
            return len(self._queues)

    def publish(self, event: JSON) -> None:
        """Queue an event for every open stream (dropped for a stream that stopped reading)."""
        message = slim(event)
        with self._lock:
            for q in self._queues:
                if q.qsize() < MAX_QUEUED:
                    q.put_nowait(message)

    def stream(self, on_close: Callable[[], None] | None = None) -> Generator[bytes, None, None]:
        """SSE frames until the hub closes or the client goes away (noticed at the next write)."""
        q: queue.Queue[JSON | None] = queue.Queue()
        with self._lock:
            if self._closed:
                return
            self._queues.append(q)
        try:
            yield b"retry: 1000\n\n"
            yield encode({"type": "hello"})
            while True:
                try:
                    item = q.get(timeout=self.keepalive)
                except queue.Empty:
                    yield b": keepalive\n\n"
                    continue
                if item is None:
                    return
                yield encode(item)
        finally:
            with self._lock:
                if q in self._queues:
                    self._queues.remove(q)
            if on_close is not None:
                on_close()

    def close(self) -> None:
        """End every stream (so server threads are freed on shutdown)."""
        with self._lock:
            self._closed = True
            for q in self._queues:
                q.put_nowait(None)

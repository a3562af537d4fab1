"""The event hub: slim events fan out to every open stream; closing ends the streams."""

from __future__ import annotations

import json
import threading

from bot.playground.events import EventHub, encode, slim


def frames(stream: object, count: int) -> list[bytes]:
    iterator = iter(stream)  # type: ignore[call-overload]
    return [next(iterator) for _ in range(count)]


def test_slim_keeps_ids_and_drops_payloads() -> None:
    event = {
        "type": "channel_created",
        "time": 1.0,
        "channel": {"id": "C1", "name": "x", "members": ["U1"]},
        "message": {"blocks": ["big"]},
    }
    assert slim(event) == {"type": "channel_created", "channel": "C1"}
    assert slim({"type": "view_opened", "user": "U1", "view": {"id": "V1", "blocks": []}}) == {
        "type": "view_opened",
        "user": "U1",
        "view_id": "V1",
    }
    assert slim({"type": "warning", "text": "too long"}) == {"type": "warning", "text": "too long"}


def test_encode_is_one_sse_frame() -> None:
    frame = encode({"type": "hello", "text": "a\nb"})
    assert frame.startswith(b"data: ") and frame.endswith(b"\n\n")
    assert frame.count(b"\n") == 2
    assert json.loads(frame[6:]) == {"type": "hello", "text": "a\nb"}


def test_every_stream_gets_every_event_and_close_ends_them() -> None:
    hub = EventHub(keepalive=5)
    first, second = hub.stream(), hub.stream()
    assert frames(first, 2)[1] == encode({"type": "hello"})
    assert frames(second, 2)[1] == encode({"type": "hello"})
    assert hub.listeners == 2
    hub.publish({"type": "message_posted", "channel": "C1", "ts": "1.0", "message": {}})
    expected = encode({"type": "message_posted", "channel": "C1", "ts": "1.0"})
    assert next(first) == expected
    assert next(second) == expected
    hub.close()
    assert list(first) == []
    assert list(second) == []
    assert hub.listeners == 0
    assert list(hub.stream()) == []


def test_idle_streams_send_keepalives_and_unsubscribe_when_dropped() -> None:
    hub = EventHub(keepalive=0.05)
    closed = threading.Event()
    stream = hub.stream(on_close=closed.set)
    frames(stream, 2)
    assert next(stream) == b": keepalive\n\n"
    stream.close()  # what the server does when the browser goes away
    assert closed.is_set()
    assert hub.listeners == 0

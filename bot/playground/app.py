"""The playground's WSGI app: the page, its JSON endpoints and the live event stream."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, unquote
from wsgiref.types import StartResponse, WSGIEnvironment

from bot.emulator.driver import SlackDriver
from bot.emulator.workspace import Workspace
from bot.playground import page_state
from bot.playground.bridge import Bridge, BridgeError
from bot.playground.events import EventHub
from bot.playground.files_html import content_type
from bot.playground.sample_alert import AlertSender

log = logging.getLogger(__name__)

STATIC_FILES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
MAX_BODY = 1_000_000
JSON = dict[str, Any]


def _static(name: str) -> bytes:
    return (resources.files("bot.playground") / "static" / name).read_bytes()


class PlaygroundApp:
    """WSGI app for ``/`` and ``/playground/…``; mount it beside the emulator's API on the same port."""

    def __init__(
        self,
        workspace: Workspace,
        driver: SlackDriver,
        hub: EventHub | None = None,
        on_call: Callable[[], Mapping[str, str | None]] | None = None,
        alerts: AlertSender | None = None,
    ) -> None:
        self.ws = workspace
        # Who is on call now, by schedule id (as the playbook names them): shown in the "Acting as" menu.
        self.on_call = on_call or dict
        self.bridge = Bridge(workspace, driver)
        self.hub = hub or EventHub()
        # The "Send test alert" form posts through the bot's real alert endpoints.
        self.alerts = alerts
        self._unsubscribe = workspace.subscribe(self.hub.publish)

    def close(self) -> None:
        """Stop listening to the workspace and end every event stream."""
        self._unsubscribe()
        self.hub.close()

    # ----- WSGI -------------------------------------------------------------------------------
    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "") or "/"
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        try:
            if method == "GET":
                return self._get(path, query, start_response)
            if method == "POST" and path.startswith("/playground/"):
                return self._post(path.removeprefix("/playground/"), environ, start_response)
        except BridgeError as exc:
            return self._json(start_response, {"ok": False, "error": str(exc)}, "200 OK")
        except (ValueError, KeyError, TypeError) as exc:
            log.info("bad playground request %s %s: %s", method, path, exc)
            return self._json(
                start_response, {"ok": False, "error": f"bad request: {exc}"}, "400 Bad Request"
            )
        return self._json(start_response, {"ok": False, "error": "not found"}, "404 Not Found")

    def _get(self, path: str, query: dict[str, str], start_response: StartResponse) -> Iterable[bytes]:
        user = query.get("user")
        if path in ("/", "/index.html", "/playground", "/playground/"):
            return self._file(start_response, "index.html")
        if path.startswith("/playground/static/"):
            name = path.removeprefix("/playground/static/")
            if name in STATIC_FILES:
                return self._file(start_response, name)
            return self._json(start_response, {"ok": False, "error": "not found"}, "404 Not Found")
        if path == "/playground/events":
            return self._events(start_response)
        if path == "/playground/state":
            on_call = page_state.on_call_by_user(self.ws, self.on_call())
            return self._json(start_response, page_state.state_json(self.ws, user, on_call))
        if path == "/playground/modal":
            return self._json(start_response, page_state.modal_json(self.ws, user))
        if path == "/playground/home":
            return self._json(start_response, page_state.home_json(self.ws, user))
        parts = [unquote(p) for p in path.removeprefix("/playground/").split("/")]
        if len(parts) == 2 and parts[0] == "file":
            return self._uploaded(start_response, parts[1])
        if len(parts) == 2 and parts[0] == "channel":
            return self._maybe(start_response, page_state.channel_json(self.ws, parts[1], user))
        if len(parts) == 3 and parts[0] == "thread":
            return self._maybe(start_response, page_state.thread_json(self.ws, parts[1], parts[2], user))
        return self._json(start_response, {"ok": False, "error": "not found"}, "404 Not Found")

    def _post(self, route: str, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = self._body(environ)
        user = page_state.acting_user(self.ws, str(body.get("user") or ""))
        handlers: dict[str, Callable[[], JSON]] = {
            "send": lambda: self.bridge.send(
                user, str(body["channel"]), str(body.get("text") or ""), body.get("thread_ts") or None
            ),
            "action": lambda: self.bridge.action(user, body),
            "react": lambda: self.bridge.react(
                user, str(body["channel"]), str(body["ts"]), str(body.get("name") or "")
            ),
            "pin": lambda: self.bridge.pin(user, str(body["channel"]), str(body["ts"])),
            "submit": lambda: self.bridge.submit(user, str(body["view_id"]), body.get("values") or {}),
            "home/open": lambda: self.bridge.open_home(user),
            "close": lambda: self.bridge.close(user, str(body.get("view_id") or "")),
            "warnings/clear": lambda: {"ok": True, "cleared": self.ws.clear_warnings()},
            "alert": lambda: (
                self.alerts.send(body) if self.alerts else {"ok": False, "error": "test alerts are off here"}
            ),
        }
        handler = handlers.get(route)
        if handler is None:
            return self._json(start_response, {"ok": False, "error": "not found"}, "404 Not Found")
        return self._json(start_response, handler())

    # ----- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _body(environ: WSGIEnvironment) -> JSON:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
        raw = environ["wsgi.input"].read(length) if length > 0 else b"{}"
        decoded = json.loads(raw.decode("utf-8") or "{}")
        if not isinstance(decoded, dict):
            raise ValueError("expected a JSON object")
        return decoded

    @staticmethod
    def _json(start_response: StartResponse, data: JSON, status: str = "200 OK") -> Iterable[bytes]:
        body = json.dumps(data).encode()
        start_response(
            status,
            [
                ("Content-Type", "application/json; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [body]

    def _maybe(self, start_response: StartResponse, data: JSON | None) -> Iterable[bytes]:
        if data is None:
            return self._json(start_response, {"ok": False, "error": "channel_not_found"}, "404 Not Found")
        return self._json(start_response, data)

    @staticmethod
    def _file(start_response: StartResponse, name: str) -> Iterable[bytes]:
        body = _static(name)
        start_response(
            "200 OK",
            [
                ("Content-Type", STATIC_FILES[name]),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-cache"),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
        return [body]

    def _uploaded(self, start_response: StartResponse, file_id: str) -> Iterable[bytes]:
        """A file shared in the workspace, with its type, for the page's links and images."""
        record = self.ws.files.get(file_id)
        if record is None:
            return self._json(start_response, {"ok": False, "error": "file_not_found"}, "404 Not Found")
        start_response(
            "200 OK",
            [
                ("Content-Type", content_type(record)),
                ("Content-Length", str(len(record.content))),
                ("X-Content-Type-Options", "nosniff"),
                ("Content-Security-Policy", "default-src 'none'"),
            ],
        )
        return [record.content]

    def _events(self, start_response: StartResponse) -> Iterable[bytes]:
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/event-stream"),
                ("Cache-Control", "no-cache"),
                ("X-Accel-Buffering", "no"),
            ],
        )
        return self.hub.stream()

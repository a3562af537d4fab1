"""A local Atlassian Statuspage API: create, patch and list incidents, with queued faults for the next calls."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

API_KEY = "sp-test-key"
PAGE_ID = "pg123"


@dataclass
class Fault:
    """Answer the next matching call with ``status`` (``after`` also performs it first: a lost answer)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    method: str | None = None
    after: bool = False


class FakeStatuspage:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []  # (method, path, body) of every call
        self.incidents: dict[str, dict[str, Any]] = {}
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else {}
                url = urlparse(self.path)
                status, headers, reply = fake.answer(
                    method, url.path, parse_qs(url.query), body, dict(self.headers)
                )
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(reply).encode())

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PATCH(self) -> None:
                self._handle("PATCH")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: dict[str, Any],
        headers: dict[str, str],
    ) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            self.calls.append((method, path, body))
            fault = next((f for f in self.faults if f.method in (None, method)), None)
            if fault is not None:
                self.faults.remove(fault)
                if not fault.after:
                    return fault.status, fault.headers, fault.body or {"error": f"HTTP {fault.status}"}
            if headers.get("Authorization") != f"OAuth {API_KEY}":
                return 401, {}, {"error": "Could not authenticate"}
            prefix = f"/v1/pages/{PAGE_ID}/incidents"
            if not path.startswith(prefix):
                return 404, {}, {"error": "page not found"}
            result = self._do(method, path[len(prefix) :].strip("/"), query, body)
            if fault is not None:  # performed, but the answer is lost
                return fault.status, fault.headers, {"error": "gateway timeout"}
            return result

    def _do(
        self, method: str, rest: str, query: dict[str, list[str]], body: dict[str, Any]
    ) -> tuple[int, dict[str, str], Any]:
        if method == "GET" and not rest:
            q = (query.get("q") or [""])[0].casefold()
            found = [i for i in self.incidents.values() if q in i["name"].casefold()]
            return 200, {}, found
        incident = body.get("incident") or {}
        if method == "POST" and not rest:
            if not incident.get("name"):
                return 422, {}, {"error": ["name can't be blank"]}
            new_id = f"sp{len(self.incidents) + 1}"
            self.incidents[new_id] = {"id": new_id, **incident, "updates": [incident.get("body")]}
            return 201, {}, self.incidents[new_id]
        if method == "PATCH" and rest in self.incidents:
            stored = self.incidents[rest]
            stored.update({k: v for k, v in incident.items() if k != "metadata"})
            stored["updates"].append(incident.get("body"))
            return 200, {}, stored
        return 404, {}, {"error": "not found"}

    def writes(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Creates and patches that were performed (faulted ones excluded)."""
        return [c for c in self.calls if c[0] in ("POST", "PATCH")]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

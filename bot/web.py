"""The HTTP surface: ``POST /slack/events`` for Bolt and ``GET /healthz`` for load balancers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.container import Container

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def create_wsgi_app(container: Container) -> WSGIApp:
    bolt = SlackRequestHandler(container.app, path="/slack/events")

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            ok = container.database_ok()
            body = b'{"status":"ok"}' if ok else b'{"status":"database unreachable"}'
            start_response(
                "200 OK" if ok else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        if path == "/slack/events":
            return bolt(environ, start_response)
        body = b"Not Found"
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    return app

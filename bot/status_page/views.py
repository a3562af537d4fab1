"""HTTP answers of the status page: the page as HTML, JSON or Atom, with cache headers and an ETag."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from email.utils import format_datetime

from flask import Request, Response

from bot.services.status_page import StatusPage, StatusPageReader, StatusPageUnavailable
from bot.status_page.atom import render_atom
from bot.status_page.html import render_html

PAGE_PATH = "/status"
JSON_PATH = "/status.json"
FEED_PATH = "/status/feed.atom"
PATHS = (PAGE_PATH, JSON_PATH, FEED_PATH)

Render = Callable[[StatusPage, str], tuple[bytes, str]]


def _html(page: StatusPage, base: str) -> tuple[bytes, str]:
    return render_html(page, base + FEED_PATH, base + JSON_PATH).encode(), "text/html; charset=utf-8"


def _json(page: StatusPage, base: str) -> tuple[bytes, str]:
    return json.dumps(page.to_json(), ensure_ascii=False).encode(), "application/json; charset=utf-8"


def _atom(page: StatusPage, base: str) -> tuple[bytes, str]:
    return render_atom(page, base + FEED_PATH, base + PAGE_PATH), "application/atom+xml; charset=utf-8"


RENDERERS: dict[str, Render] = {"html": _html, "json": _json, "atom": _atom}


def status_response(
    reader: StatusPageReader | None, request: Request, form: str, *, enabled: bool, public_url: str | None
) -> Response:
    """The page in ``form`` (html, json or atom); 404 when turned off, 503 before the database was ever read."""
    if not enabled or reader is None:
        return Response("The status page is turned off.\n", status=404, mimetype="text/plain")
    try:
        page = reader.page()
    except StatusPageUnavailable:
        answer = Response("The status page is temporarily unavailable; try again in a minute.\n", status=503)
        answer.headers["Retry-After"] = "30"
        answer.mimetype = "text/plain"
        return answer
    base = (public_url or request.host_url).rstrip("/")
    body, content_type = RENDERERS[form](page, base)
    etag = hashlib.sha256(body).hexdigest()[:32]
    answer = Response(body, status=200, content_type=content_type)
    answer.set_etag(etag)
    answer.headers["Cache-Control"] = f"public, max-age={max(1, int(reader.ttl_seconds))}"
    if page.updated_at is not None:
        answer.headers["Last-Modified"] = format_datetime(page.updated_at, usegmt=True)
    answer.headers["X-Content-Type-Options"] = "nosniff"
    # No script may run, whatever a published message holds; only the inline stylesheet applies.
    answer.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    if etag in request.if_none_match:
        answer.status_code = 304
        answer.set_data(b"")
    return answer

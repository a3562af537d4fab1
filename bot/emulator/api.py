"""The emulator's WSGI app: Web API at `/api/<method>`, response URLs, uploads, and mountable extra routes."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from bot.emulator import api_chat, api_conversations, api_files, api_pins, api_users, api_views, responses
from bot.emulator.args import Args, Handler
from bot.emulator.errors import ApiError
from bot.emulator.models import JSON

if TYPE_CHECKING:
    from bot.emulator.workspace import Workspace

log = logging.getLogger(__name__)

METHODS: dict[str, Handler] = {
    **api_chat.METHODS,
    **api_conversations.METHODS,
    **api_users.METHODS,
    **api_pins.METHODS,
    **api_views.METHODS,
    **api_files.METHODS,
}
HTML_5XX = ("<html><head><title>Server Error</title></head><body><h1>Slack is having trouble</h1>"
            "<p>Something went wrong. Please try again.</p></body></html>")


class HttpAnswer:
    """Status, headers and body of an HTTP answer."""

    def __init__(self, status: int, body: bytes | str | JSON, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.headers = dict(headers or {})
        if isinstance(body, dict):
            self.body = json.dumps(body).encode()
            self.headers.setdefault("Content-Type", "application/json; charset=utf-8")
        else:
            self.body = body.encode() if isinstance(body, str) else body
            self.headers.setdefault("Content-Type", "text/plain; charset=utf-8")


def parse_request_args(environ: WSGIEnvironment, body: bytes) -> JSON:
    """Arguments from the query string and a JSON, form-encoded or multipart body."""
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    args: JSON = {k: v[-1] for k, v in query.items()}
    ctype = environ.get("CONTENT_TYPE", "") or ""
    if not body:
        return args
    if ctype.startswith("application/json"):
        decoded = json.loads(body.decode("utf-8"))
        if not isinstance(decoded, dict):
            raise ValueError("JSON body must be an object")
        args.update(decoded)
    elif ctype.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                args[name] = payload if part.get_filename() else payload.decode("utf-8")
                if part.get_filename():
                    args.setdefault("filename", part.get_filename())
    else:
        args.update({k: v[-1] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()})
    return args


def _token(environ: WSGIEnvironment, args: JSON) -> str | None:
    auth = environ.get("HTTP_AUTHORIZATION", "") or ""
    if auth.lower().startswith("bearer "):
        return str(auth[7:].strip())
    token = args.get("token")
    return str(token) if token else None


def _recordable(args: JSON) -> JSON:
    return {k: (f"<{len(v)} bytes>" if isinstance(v, bytes) else v) for k, v in args.items() if k != "token"}


def _channel_named(ws: Workspace, args: JSON) -> str | None:
    """The id of the channel a call is about (``channel`` or ``channel_id``), when it names one that exists."""
    ref = args.get("channel") or args.get("channel_id")
    if not isinstance(ref, str) or not ref:
        return None
    found = ws.resolve_channel(ref)
    return found.id if found is not None else ref


def call_method(ws: Workspace, method: str, args: JSON, token: str | None) -> HttpAnswer:
    """Run one Web API method the way Slack answers it (HTTP 200 with ok/error, 429 and 5xx faults)."""
    handler = METHODS.get(method)
    if method == "api.test":
        return HttpAnswer(200, {"ok": True, "args": _recordable(args)})
    if handler is None:
        ws.warn(f"unknown Web API method {method!r} (not emulated or misspelled)", method=method)
        ws.record_call(method, _recordable(args), False, "unknown_method")
        return HttpAnswer(200, {"ok": False, "error": "unknown_method"})
    if not token:
        ws.record_call(method, _recordable(args), False, "not_authed")
        return HttpAnswer(200, {"ok": False, "error": "not_authed"})
    if not token.startswith("xoxb-"):
        ws.record_call(method, _recordable(args), False, "invalid_auth")
        return HttpAnswer(200, {"ok": False, "error": "invalid_auth"})
    channel = _channel_named(ws, args)
    ws.conditions.before_call(channel)
    limits = ws.rate_limits
    retry_after = limits.check(method, channel) if limits is not None else None
    if retry_after is not None:
        ws.record_call(method, _recordable(args), False, "ratelimited", 429)
        return HttpAnswer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
    fault = ws.take_fault(method) or ws.conditions.random_fault(method)
    if fault is not None:
        ws.record_call(method, _recordable(args), False, fault.error, fault.http_status)
        headers = {"Retry-After": str(fault.retry_after)} if fault.http_status == 429 else {}
        if fault.html:
            return HttpAnswer(fault.http_status, HTML_5XX, {"Content-Type": "text/html", **headers})
        return HttpAnswer(fault.http_status, {"ok": False, "error": fault.error}, headers)
    with ws.lock:
        try:
            result = handler(ws, Args(method, args))
            answer: JSON = {"ok": True, **result}
        except ApiError as exc:
            if exc.warning:
                ws.warn(exc.warning, method=method, error=exc.error)
            answer = {"ok": False, "error": exc.error, **exc.extra}
        except Exception as exc:  # an emulator bug must surface as Slack's 500, not hang the client
            log.exception("emulated %s failed", method)
            ws.warn(f"{method}: the emulator failed: {exc!r}", method=method)
            ws.record_call(method, _recordable(args), False, "internal_error", 500)
            return HttpAnswer(500, {"ok": False, "error": "internal_error"})
        ws.record_call(method, _recordable(args), bool(answer["ok"]), answer.get("error"))
    return HttpAnswer(200, answer)


class EmulatorApp:
    """WSGI app: `/api/<method>`, `/response/<id>`, `/upload/<file_id>`, then mounted apps by path prefix."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.mounts: list[tuple[str, WSGIApplication]] = []

    def mount(self, prefix: str, app: WSGIApplication) -> None:
        """Serve `app` for paths starting with `prefix` (it sees the full PATH_INFO); `/` is a catch-all."""
        self.mounts.append((prefix, app))
        self.mounts.sort(key=lambda m: len(m[0]), reverse=True)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "") or "/"
        for prefix, handler in (("/api/", self._api), ("/response/", self._response),
                                ("/upload/", self._upload)):
            if path.startswith(prefix):
                answer = handler(environ, path[len(prefix):])
                return self._send(answer, start_response)
        for prefix, app in self.mounts:
            if path.startswith(prefix):
                return app(environ, start_response)
        return self._send(HttpAnswer(404, "not found"), start_response)

    @staticmethod
    def _send(answer: HttpAnswer, start_response: StartResponse) -> Iterable[bytes]:
        reason = HTTPStatus(answer.status).phrase
        headers = [*answer.headers.items(), ("Content-Length", str(len(answer.body)))]
        start_response(f"{answer.status} {reason}", headers)
        return [answer.body]

    @staticmethod
    def _body(environ: WSGIEnvironment) -> bytes:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        data: bytes = environ["wsgi.input"].read(length) if length > 0 else b""
        return data

    def _api(self, environ: WSGIEnvironment, method: str) -> HttpAnswer:
        body = self._body(environ)
        try:
            args = parse_request_args(environ, body)
        except (ValueError, UnicodeDecodeError):
            self.workspace.warn(f"{method}: request body could not be parsed", method=method)
            return HttpAnswer(200, {"ok": False, "error": "invalid_json"})
        return call_method(self.workspace, method, args, _token(environ, args))

    def _response(self, environ: WSGIEnvironment, response_id: str) -> HttpAnswer:
        body = self._body(environ)
        try:
            payload: Any = json.loads(body.decode("utf-8")) if body else {}
        except (ValueError, UnicodeDecodeError):
            payload = parse_request_args(environ, body)
            if isinstance(payload.get("payload"), str):
                payload = json.loads(payload["payload"])
        status, text = responses.use_response_url(self.workspace, response_id, payload)
        return HttpAnswer(status, text)

    def _upload(self, environ: WSGIEnvironment, file_id: str) -> HttpAnswer:
        body = self._body(environ)
        ctype = environ.get("CONTENT_TYPE", "") or ""
        if ctype.startswith("multipart/form-data"):
            args = parse_request_args(environ, body)
            found = next((v for v in args.values() if isinstance(v, bytes)), None)
            body = found if found is not None else body
        status, text = api_files.receive_upload(self.workspace, file_id, body)
        return HttpAnswer(status, text)

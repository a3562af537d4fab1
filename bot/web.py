"""The HTTP surface: a Flask router over one table of routes (Slack events, health, metrics, status page)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response
from flask import request as flask_request
from slack_bolt.adapter.flask import SlackRequestHandler

from bot.alerts.sns_endpoint import SnsEndpoint, build_sns_endpoint
from bot.container import Container
from bot.slack.middleware import observe_request
from bot.status_page import views as status_views

# A view takes ``Web`` and the route's path parameters (``/alerts/<source>`` passes ``source=...``).
View = Callable[..., Response]


@dataclass
class Web:
    """What a view may use: the container, Bolt's request handler and the SNS endpoint (its certificate cache)."""

    container: Container
    bolt: SlackRequestHandler
    sns: SnsEndpoint


@dataclass(frozen=True)
class Route:
    path: str
    methods: tuple[str, ...]
    view: View


def json_response(data: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def slack_events(web: Web) -> Response:
    return observe_request(lambda: web.bolt.handle(flask_request), web.container.metrics.request_acked)


def healthz(web: Web) -> Response:
    """Liveness: this process serves requests. Never the database, or an outage restarts every replica."""
    return json_response({"status": "ok"})


def readyz(web: Web) -> Response:
    """Readiness: 200 when every check passes, else 503; the body names each check and what it found."""
    readiness = web.container.readiness.check()
    return json_response(readiness.as_json(), 200 if readiness.ready else 503)


def alerts(web: Web, source: str) -> Response:
    """``POST /alerts/<source>``: a monitoring webhook, checked and queued (202) or refused with a reason."""
    answer = web.container.alerts.receive(
        source,
        flask_request.headers.get("Authorization"),
        flask_request.content_length,
        flask_request.stream.read,
    )
    return json_response(answer.body, answer.status)


def metrics(web: Web) -> Response:
    body, content_type = web.container.metrics.render()
    return Response(body, status=200, content_type=content_type)


def cloudwatch_alerts(web: Web) -> Response:
    """CloudWatch alarms delivered by an SNS HTTPS subscription (the body is JSON sent as text/plain)."""
    answer = web.sns.receive(
        flask_request.headers.get("x-amz-sns-message-type"),
        flask_request.content_length,
        flask_request.stream.read,
    )
    return json_response(answer.body, answer.status)


def _status(web: Web, form: str) -> Response:
    settings = web.container.settings
    return status_views.status_response(
        web.container.status_page,
        flask_request,
        form,
        enabled=settings.status_page_enabled,
        public_url=settings.status_page_url,
    )


def status_page(web: Web) -> Response:
    """The public status page (HTML): only what people published."""
    return _status(web, "html")


def status_json(web: Web) -> Response:
    return _status(web, "json")


def status_feed(web: Web) -> Response:
    return _status(web, "atom")


# Every HTTP route the bot serves: adding one is one line here.
ROUTES: tuple[Route, ...] = (
    Route("/slack/events", ("POST",), slack_events),
    Route("/healthz", ("GET",), healthz),
    Route("/readyz", ("GET",), readyz),
    Route("/metrics", ("GET",), metrics),
    # Alertmanager, Datadog and the generic shape; a fixed path (``/alerts/cloudwatch``) takes precedence.
    Route("/alerts/<source>", ("POST",), alerts),
    Route("/alerts/cloudwatch", ("POST",), cloudwatch_alerts),
    # The public status page; STATUS_PAGE_PORT serves these alone (see create_status_app).
    Route(status_views.PAGE_PATH, ("GET",), status_page),
    Route(status_views.JSON_PATH, ("GET",), status_json),
    Route(status_views.FEED_PATH, ("GET",), status_feed),
)
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"


def describe_routes(routes: tuple[Route, ...] = ROUTES) -> str:
    return ", ".join(f"{'/'.join(r.methods)} {r.path}" for r in routes)


def create_wsgi_app(container: Container, routes: tuple[Route, ...] = ROUTES) -> Flask:
    settings = container.settings
    sns = build_sns_endpoint(
        settings.alerts_sns_topic_arns,
        settings.alerts_sns_url_pattern,
        settings.alerts_sns_ca_bundle,
        container.alerts,
    )
    web = Web(container, SlackRequestHandler(container.app), sns)
    flask = Flask("incident-bot")
    for route in routes:
        flask.add_url_rule(
            route.path,
            endpoint=route.path,
            view_func=_bind(route.view, web),
            methods=list(route.methods),
        )
    return flask


def create_metrics_app(container: Container) -> Flask:
    """The metrics alone, for ``METRICS_PORT``."""
    return create_wsgi_app(container, tuple(r for r in ROUTES if r.path == METRICS_PATH))


def create_status_app(container: Container) -> Flask:
    """The status page alone, for ``STATUS_PAGE_PORT``: safe to expose publicly (no /slack/events, /metrics)."""
    return create_wsgi_app(container, tuple(r for r in ROUTES if r.path in status_views.PATHS))


def _bind(view: View, web: Web) -> Callable[..., Response]:
    def bound(**params: Any) -> Response:
        return view(web, **params)

    return bound

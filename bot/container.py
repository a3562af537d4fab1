"""The one place that builds engine, sessions, Redis, WebClient, Bolt app, dispatcher and services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.features import installers
from bot.logs import ContextExecutor, quiet_signature_failures
from bot.metrics import Metrics
from bot.playbooks.loader import Playbooks, load_playbooks
from bot.services.context import ServiceContext, utc_now
from bot.services.dispatcher import OutboxDispatcher
from bot.services.incidents import IncidentService
from bot.services.registry import Services
from bot.slack import middleware
from bot.slack.client import ObservedWebClient
from bot.slack.gateway import SlackGateway
from bot.slack.listeners import register_all
from bot.slack.listeners.common import SOMETHING_WENT_WRONG
from bot.slack.notifier import SlackNotifier
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork, make_engine, make_session_factory
from bot.storage.gauges import SharedState, shared_state

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    engine: Engine
    uow: UnitOfWork
    playbooks: Playbooks
    client: WebClient
    gateway: SlackGateway
    notifier: SlackNotifier
    dispatcher: OutboxDispatcher
    services: Services
    app: App
    metrics: Metrics
    redis: Any = None
    on_start: list[Callable[[], None]] = field(default_factory=list)
    on_close: list[Callable[[], None]] = field(default_factory=list)

    def database_ok(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # any driver error means "not reachable" for the health check
            log.warning("health check: database unreachable", exc_info=True)
            return False

    def start_background(self) -> None:
        self.dispatcher.start()
        self.dispatcher.kick()
        for hook in self.on_start:
            hook()

    def close(self) -> None:
        for hook in reversed(self.on_close):
            hook()
        self.dispatcher.stop()
        self.engine.dispose()


def build_container(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    playbooks: Playbooks | None = None,
    listener_executor: Executor | None = None,
) -> Container:
    """Build everything; does not start threads (``start_background``) or migrate (``migrate.upgrade``)."""
    playbooks = playbooks or load_playbooks(settings.playbooks_path())
    engine = make_engine(settings.database_url)
    uow = UnitOfWork(make_session_factory(engine))
    redis_client = _redis(settings.redis_url)
    metrics = Metrics()
    client: WebClient = ObservedWebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10, observe=metrics.slack_call
    )
    gateway = SlackGateway(client, settings.incidents_channel)
    notifier = SlackNotifier(gateway, clock, lambda: playbooks.checklists)
    dispatcher = OutboxDispatcher(
        uow, notifier, clock, settings.outbox_poll_seconds, on_failed=metrics.outbox_failed.inc
    )
    ctx = ServiceContext(
        uow=uow, playbooks=playbooks, clock=clock, after_commit=[dispatcher.kick], metrics=metrics
    )
    services = Services(ctx=ctx, incidents=IncidentService(ctx))
    services.extra["claim_event"] = _event_claimer(uow, redis_client)
    app = App(
        # The token comes with the client (Bolt takes client.token), so every call uses SLACK_API_URL.
        signing_secret=settings.slack_signing_secret or "",
        client=client,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        # Listener threads keep the request's log scope (request id, incident).
        listener_executor=ContextExecutor(
            listener_executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix="bolt")
        ),
    )
    quiet_signature_failures()
    middleware.install(app, client)
    _install_error_handler(app)

    def read_shared_state() -> SharedState:
        with uow() as session:
            return shared_state(session)

    metrics.watch_shared_state(read_shared_state, lambda: playbooks.severities.ids(), clock)
    container = Container(
        settings=settings,
        engine=engine,
        uow=uow,
        playbooks=playbooks,
        client=client,
        gateway=gateway,
        notifier=notifier,
        dispatcher=dispatcher,
        services=services,
        app=app,
        metrics=metrics,
        redis=redis_client,
    )
    for install in installers():
        install(container)
    register_all(app, services)
    return container


def _redis(url: str | None) -> Any:
    if not url:
        return None
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def _event_claimer(uow: UnitOfWork, redis_client: Any) -> Callable[[str], bool]:
    """True the first time a key is seen (Redis ``SET NX EX`` when configured, the database otherwise)."""

    def claim(key: str) -> bool:
        if redis_client is not None:
            try:
                return bool(redis_client.set(f"incident-bot:{key}", "1", nx=True, ex=3600))
            except Exception:  # Redis down: fall back to the database, which is the truth anyway
                log.warning("redis unavailable for de-duplication; using the database", exc_info=True)
        with uow() as session:
            return repo.claim_request(session, key)

    return claim


def _install_error_handler(app: App) -> None:
    @app.error
    def on_error(
        error: Exception, body: dict[str, Any], respond: Any, logger: logging.Logger
    ) -> BoltResponse | None:
        logger.exception("listener failed: %s", error)
        try:
            if respond is not None and (body.get("response_url") or body.get("response_urls")):
                respond(text=SOMETHING_WENT_WRONG, response_type="ephemeral", replace_original=False)
        except Exception:  # telling the user is best effort; the error itself is already logged
            logger.warning("could not tell the user about the error", exc_info=True)
        return None

"""The ``incident-bot`` command: start-up and maintenance commands only.

Over 300 lines because it holds every sub-command: the argument table and a short body for each, which
hands the work to the module that does it (serving, migrations, playbooks, outbox, export).
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings, SettingsFileError, get_settings
from bot.logs import configure_logging, wants_json

if TYPE_CHECKING:
    from bot.container import Container
    from bot.services.reporting import Report
    from bot.serving import Shutdown

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        settings = get_settings()
    except SettingsFileError as exc:
        print(f"incident-bot: {exc}", file=sys.stderr)
        return 2
    configure_logging(
        settings.log_level,
        wants_json(settings.log_json, sys.stderr, for_people=args.handler is _playground),
        secrets=settings.secret_values(),
    )
    return int(args.handler(args, settings) or 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="incident-bot", description="Incident response for Slack.")
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", help="run in HTTP mode (POST /slack/events, GET /healthz, GET /readyz, GET /metrics)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--threads", type=int, default=16)
    serve.set_defaults(handler=_serve)

    socket = sub.add_parser("socket", help="run in Socket Mode (needs SLACK_APP_TOKEN)")
    socket.set_defaults(handler=_socket)

    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command")
    up = db_sub.add_parser("upgrade", help="apply migrations")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(handler=_db_upgrade)
    down = db_sub.add_parser("downgrade", help="revert to a revision")
    down.add_argument("revision")
    down.set_defaults(handler=_db_downgrade)

    pb = sub.add_parser("playbooks", help="playbook tools")
    pb_sub = pb.add_subparsers(dest="pb_command")
    check = pb_sub.add_parser("check", help="validate a playbooks directory")
    check.add_argument("directory", nargs="?", default=None)
    check.set_defaults(handler=_playbooks_check)
    init = pb_sub.add_parser("init", help="copy the default playbooks into DIRECTORY for editing")
    init.add_argument("directory", type=Path)
    init.set_defaults(handler=_playbooks_init)

    ob = sub.add_parser("outbox", help="see and replay the Slack effects waiting or given up")
    ob_sub = ob.add_subparsers(dest="outbox_command")
    listing = ob_sub.add_parser("list", help="list outbox messages not yet delivered (pending and failed)")
    which = listing.add_mutually_exclusive_group()
    which.add_argument("--failed", action="store_true", help="only the messages given up for good")
    which.add_argument("--pending", action="store_true", help="only the messages waiting to be delivered")
    listing.set_defaults(handler=_outbox_list)
    retry = ob_sub.add_parser("retry", help="queue a failed message again; steps already done stay done")
    retry.add_argument("id", type=_message_id, help="the message id shown by `outbox list`")
    retry.set_defaults(handler=_outbox_retry)

    export = sub.add_parser("export", help="write one incident (timeline, roles, action items) as YAML, JSON or Markdown")
    export.add_argument("ref", help="the incident reference, e.g. INC-2026-0042")
    export.add_argument("--format", choices=("yaml", "json", "markdown"), default="yaml")
    export.add_argument("--output", "-o", type=Path, default=None, help="a file to write (default: standard output)")
    export.set_defaults(handler=_export)

    from bot.cli_report import add_parser as add_report

    add_report(sub, _report)

    play = sub.add_parser("playground", help="a local Slack playground in the browser, no workspace needed")
    play.add_argument("--host", default="127.0.0.1")
    play.add_argument("--port", type=int, default=3000)
    play.add_argument("--scenario", type=Path, default=None)
    play.add_argument("--speed", type=float, default=1.0)
    play.set_defaults(handler=_playground)
    return parser


def _load_playbooks_or_exit(settings: Settings) -> None:
    from bot.playbooks.loader import check_playbooks

    directory = settings.playbooks_path()
    problems = check_playbooks(directory)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        raise SystemExit(f"refusing to start: {len(problems)} problem(s) in playbooks at {directory}")
    log.info("playbooks from %s", directory)


def _prepare(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.container import build_container
    from bot.storage import migrate

    if not settings.slack_configured:
        raise SystemExit(
            "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET must be set (or use `incident-bot playground`)."
        )
    _load_playbooks_or_exit(settings)
    container = build_container(settings)
    migrate.upgrade(container.engine)
    return container


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from waitress.server import create_server

    from bot.serving import Shutdown, serve_until
    from bot.web import create_metrics_app, create_status_app, create_wsgi_app, describe_routes

    shutdown = Shutdown()
    shutdown.install()  # before the slow start-up: a SIGTERM meanwhile still stops cleanly
    container = _prepare(settings)
    releasing = _release_scheduler_on(shutdown, container)
    container.start_background()
    server = create_server(create_wsgi_app(container), host=args.host, port=args.port, threads=args.threads)
    if settings.metrics_port:
        metrics_server = create_server(
            create_metrics_app(container), host=args.host, port=settings.metrics_port, threads=2
        )
        threading.Thread(
            target=serve_until, args=(metrics_server, shutdown.requested), name="metrics-server", daemon=True
        ).start()
        log.info("metrics on http://%s:%s/metrics", args.host, settings.metrics_port)
    if settings.status_page_port and settings.status_page_enabled:
        status_server = create_server(
            create_status_app(container), host=args.host, port=settings.status_page_port, threads=4
        )
        threading.Thread(
            target=serve_until, args=(status_server, shutdown.requested), name="status-server", daemon=True
        ).start()
        log.info("status page on http://%s:%s/status", args.host, settings.status_page_port)
    log.info("serving on http://%s:%s (%s)", args.host, args.port, describe_routes())
    try:
        serve_until(server, shutdown.requested)  # until SIGTERM; then the requests in flight are answered
    finally:
        _stop(shutdown, container, releasing)
    return 0


def _socket(args: argparse.Namespace, settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.serving import Shutdown

    if not settings.slack_app_token:
        raise SystemExit("SLACK_APP_TOKEN (xapp-…) is required for Socket Mode.")
    shutdown = Shutdown()
    shutdown.install()
    container = _prepare(settings)
    releasing = _release_scheduler_on(shutdown, container)
    container.start_background()
    handler = SocketModeHandler(container.app, settings.slack_app_token)  # type: ignore[no-untyped-call]
    try:
        handler.connect()  # type: ignore[no-untyped-call]
        log.info("connected in Socket Mode")
        while not shutdown.requested.wait(0.5):
            pass
    finally:
        shutdown.request()
        handler.close()  # type: ignore[no-untyped-call]
        _stop(shutdown, container, releasing)
    return 0


def _release_scheduler_on(shutdown: Shutdown, container: Container) -> threading.Event:
    """On the shutdown request, stop the scheduler and release its lease at once, while requests drain."""
    from bot.serving import in_background

    released = threading.Event()

    def release() -> None:
        try:
            if container.settings.run_scheduler:
                container.stop_scheduler()
                log.info("scheduler stopped; its lease is released for a standby")
        finally:
            released.set()

    shutdown.on_request(lambda: in_background(release, "scheduler-release"))
    return released


def _stop(shutdown: Shutdown, container: Container, released: threading.Event) -> None:
    """After the requests: the scheduler released, Bolt's listeners and the current deliveries finished."""
    from bot.serving import finish

    shutdown.request()
    if not released.wait(8):
        log.warning("the scheduler did not stop within 8s")
    if container.listeners is not None:
        finish(container.listeners, 4, "Slack listeners")
    container.close(outbox_seconds=4)
    shutdown.finished()
    log.info("stopped")


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import migrate
    from bot.storage.db import make_engine

    migrate.upgrade(make_engine(settings.database_url), args.revision)
    print(f"database at {args.revision}")
    return 0


def _db_downgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import migrate
    from bot.storage.db import make_engine

    migrate.downgrade(make_engine(settings.database_url), args.revision)
    print(f"database at {args.revision}")
    return 0


def _playbooks_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.playbooks.loader import check_playbooks

    directory = Path(args.directory) if args.directory else settings.playbooks_path()
    problems = check_playbooks(directory)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {directory}", file=sys.stderr)
        return 1
    print(f"{directory}: ok")
    return 0


def _playbooks_init(args: argparse.Namespace, settings: Settings) -> int:
    from bot.playbooks.shipped import PlaybooksInitError, init_playbooks

    try:
        written = init_playbooks(args.directory)
    except PlaybooksInitError as exc:
        print(f"incident-bot: {exc}; nothing was copied", file=sys.stderr)
        return 1
    print(f"copied {len(written)} file(s) into {args.directory}; point PLAYBOOKS_DIR at it")
    return 0


def _message_id(text: str) -> int:
    try:
        value = int(text.lstrip("#"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an outbox message id such as 12, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected an outbox message id such as 12, got {text!r}")
    return value


def _outbox_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli_outbox import list_outbox

    states = ("dead",) if args.failed else ("pending",) if args.pending else ("pending", "dead")
    return list_outbox(settings.database_url, states)


def _outbox_retry(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli_outbox import retry_outbox

    return retry_outbox(settings.database_url, args.id)


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.errors import UserError
    from bot.services.export import ExportService, render
    from bot.storage.db import UnitOfWork, make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    try:
        document = ExportService(UnitOfWork(make_session_factory(engine))).document(args.ref, _people(settings))
    except UserError as exc:
        print(f"incident-bot: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    text = render(document, args.format)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"{document['incident']['id']} written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli_report import run_report

    def chart(report: Report) -> bytes:
        from bot.reports.chart import render_chart

        return render_chart(report)

    return run_report(args, settings.database_url, settings.playbooks_path(), chart)


def _people(settings: Settings) -> Callable[[str], str]:
    """Names for user ids from Slack when a bot token is set (each asked once); the id itself otherwise."""
    from slack_sdk import WebClient

    from bot.slack.listeners.people import display_name

    if not settings.slack_bot_token:
        return lambda user_id: user_id
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)
    names: dict[str, str] = {}

    def person(user_id: str) -> str:
        if user_id not in names:
            names[user_id] = display_name(client, user_id)
        return names[user_id]

    return person


def _playground(args: argparse.Namespace, settings: Settings) -> int:
    from bot.playground.runner import run_playground

    _load_playbooks_or_exit(settings)
    return int(
        run_playground(settings, host=args.host, port=args.port, scenario=args.scenario, speed=args.speed)
        or 0
    )


if __name__ == "__main__":
    sys.exit(main())

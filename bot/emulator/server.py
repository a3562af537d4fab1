"""Serves WSGI apps (the emulator, or a bot under test) with waitress on a background thread."""

from __future__ import annotations

import contextlib
import threading
from types import TracebackType
from typing import Any
from wsgiref.types import WSGIApplication

from waitress import wasyncore
from waitress.server import create_server

from bot.emulator.api import EmulatorApp
from bot.emulator.workspace import Workspace

# waitress reads this setting with int(): a fraction such as 0.2 becomes 0, a select() that never waits and
# an idle loop spinning a core. One second is waitress's own default; stop() wakes the loop, so stopping
# never waits it out.
LOOP_TIMEOUT_S = 1


class BackgroundServer:
    """Any WSGI app on `host:port` (0 picks a free port) served by waitress on a daemon thread."""

    def __init__(self, app: WSGIApplication, host: str = "127.0.0.1", port: int = 0,
                 threads: int = 8) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.threads = threads
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL such as `http://127.0.0.1:54321/`."""
        return f"http://{self.host}:{self.port}/"

    def start(self) -> BackgroundServer:
        """Bind and serve; returns self."""
        if self._server is None:
            self._server = create_server(self.app, host=self.host, port=self.port, threads=self.threads,
                                         asyncore_loop_timeout=LOOP_TIMEOUT_S, channel_timeout=30,
                                         ident="slack-emulator")
            self.port = int(self._server.effective_port)
            self._thread = threading.Thread(target=self._run, args=(self._server,), daemon=True,
                                            name=f"wsgi:{self.port}")
            self._thread.start()
        return self

    @staticmethod
    def _run(server: Any) -> None:
        with contextlib.suppress(OSError, ValueError):  # sockets closed under the loop by stop()
            server.run()

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        server, self._server = self._server, None
        if server is None:
            return
        closed = threading.Event()

        def close_all() -> None:  # listening socket, open connections, waker; the loop ends with its map empty
            wasyncore.close_all(server._map, ignore_all=True)
            closed.set()

        try:
            server.trigger.pull_trigger(close_all)  # runs on the loop's thread, waking its select() now
        except OSError:
            close_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if not closed.is_set():  # the loop had already ended (or never ran the thunk)
            close_all()
        server.task_dispatcher.shutdown(timeout=2)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class EmulatorServer(BackgroundServer):
    """Serve a workspace: `start()`, then `WebClient(base_url=server.api_url)`."""

    def __init__(self, workspace: Workspace, host: str = "127.0.0.1", port: int = 0, threads: int = 8,
                 app: EmulatorApp | None = None) -> None:
        self.workspace = workspace
        self.emulator_app = app or EmulatorApp(workspace)
        super().__init__(self.emulator_app, host, port, threads)

    @property
    def api_url(self) -> str:
        """Web API base URL for `WebClient(base_url=...)`."""
        return f"{self.url}api/"

    def start(self) -> EmulatorServer:
        """Bind, tell the workspace its public URL (for response and upload URLs), and serve."""
        super().start()
        self.workspace.base_url = self.url
        return self

    def __enter__(self) -> EmulatorServer:
        return self.start()

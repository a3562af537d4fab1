"""An idle served app costs (almost) no CPU, and stopping a server is quick."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest
import requests

from bot.emulator.server import BackgroundServer

IDLE_S = 2.0
# A spinning loop burns roughly all of IDLE_S; a waiting one a few milliseconds.
MAX_IDLE_CPU_S = 0.15


def _hello(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def _thread_cpu_s(thread: threading.Thread) -> float:
    assert thread.ident is not None
    return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))


def _serving_thread(server: BackgroundServer) -> threading.Thread:
    return next(t for t in threading.enumerate() if t.name == f"wsgi:{server.port}")


def test_an_idle_server_thread_waits_instead_of_spinning() -> None:
    # An idle keep-alive connection stays in the loop's map the whole time.
    with BackgroundServer(_hello) as server, requests.Session() as http:
        assert http.get(server.url, timeout=10).text == "hello"
        loop = _serving_thread(server)
        before = _thread_cpu_s(loop)
        time.sleep(IDLE_S)
        used = _thread_cpu_s(loop) - before
    assert used < MAX_IDLE_CPU_S, f"the serving loop used {used:.2f} s of CPU in {IDLE_S} idle seconds"


def test_stop_wakes_the_loop_and_closes_the_port_at_once() -> None:
    server = BackgroundServer(_hello).start()
    loop = _serving_thread(server)
    with requests.Session() as http:
        assert http.get(server.url, timeout=10).text == "hello"
        time.sleep(0.1)  # the loop is now blocked in select()
        started = time.monotonic()
        server.stop()
        took = time.monotonic() - started
    assert took < 0.5, f"stop() took {took:.2f} s"
    assert not loop.is_alive()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", server.port), timeout=1):
        pass
    server.stop()  # a second stop is harmless


def test_a_server_stopped_before_its_loop_ran_still_closes() -> None:
    server = BackgroundServer(_hello).start()
    port = server.port
    server.stop()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


IDLE_PLAYGROUND = textwrap.dedent(
    """
    import sys, time
    import requests
    from bot.config import get_settings
    from bot.playground.runner import start_playground

    playground = start_playground(get_settings(playbooks_dir=sys.argv[1]), port=0)
    try:
        assert requests.get(playground.url + "healthz", timeout=10).status_code == 200
        time.sleep(1.0)  # start-up work (first scheduler run, imports) settles
        before = time.process_time()
        time.sleep(float(sys.argv[2]))
        print(time.process_time() - before)
    finally:
        playground.stop()
    """
)


@pytest.mark.slow
def test_an_idle_playground_process_uses_almost_no_cpu() -> None:
    from tests.harness import SHIPPED_PLAYBOOKS

    idle_s = 3.0
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, "-c", IDLE_PLAYGROUND, str(SHIPPED_PLAYBOOKS), str(idle_s)],
        capture_output=True, text=True, timeout=90, env=env, check=False,
    )
    assert done.returncode == 0, done.stderr
    used = float(done.stdout.strip().splitlines()[-1])
    assert used < 0.1 * idle_s, f"the idle playground used {used:.2f} s of CPU in {idle_s} s"

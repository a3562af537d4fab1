"""What the page's bridge does with a slash command's direct HTTP answer, against a stand-in app over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest

from bot.emulator.driver import SlackDriver
from bot.emulator.server import BackgroundServer
from bot.emulator.workspace import Workspace
from bot.playground.bridge import Bridge

BAD_HEADER = [{"type": "header", "text": {"type": "mrkdwn", "text": "*Title*"}}]
GOOD = [{"type": "section", "text": {"type": "mrkdwn", "text": "*fine*"}}]


class AnsweringApp:
    """An app whose slash command answers ``answer`` as JSON (the slash command's direct answer)."""

    def __init__(self) -> None:
        self.answer: dict[str, Any] = {}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = json.dumps(self.answer).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


@pytest.fixture
def app() -> AnsweringApp:
    return AnsweringApp()


@pytest.fixture
def bridge(app: AnsweringApp) -> Iterator[tuple[Workspace, Bridge]]:
    ws = Workspace()
    server = BackgroundServer(app).start()
    driver = SlackDriver(server.url, "secret", ws)
    try:
        yield ws, Bridge(ws, driver)
    finally:
        driver.close()
        server.stop()


def test_invalid_blocks_in_a_command_answer_are_a_warning(
    app: AnsweringApp, bridge: tuple[Workspace, Bridge]
) -> None:
    ws, page = bridge
    incidents = ws.channel_by_name("incidents")
    assert incidents is not None
    app.answer = {"text": "Declared", "blocks": BAD_HEADER}
    assert page.send("U0ALICE", incidents.id, "/incident SEV1 x") == {"ok": True}
    assert any(w.startswith("/incident answer: header text must be plain_text") for w in ws.warnings), ws.warnings
    assert [e.text for e in ws.ephemerals("U0ALICE")] == ['/incident failed with the error "invalid_blocks"']

    app.answer = {"text": "Declared", "blocks": GOOD}
    page.send("U0ALICE", incidents.id, "/incident SEV1 x")
    assert ws.ephemerals("U0ALICE")[-1].blocks == GOOD
    assert len(ws.warnings) == 1

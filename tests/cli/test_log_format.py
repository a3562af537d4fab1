"""LOG_JSON: JSON lines for log collectors, plain text for people, and the setting always wins."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys

import pytest

from bot.logs import wants_json


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("setting", "stream", "for_people", "expected"),
    [
        (None, io.StringIO(), False, True),  # a pipe or a file: a log collector
        (None, Terminal(), False, False),  # a person at a terminal
        (None, io.StringIO(), True, False),  # the playground is for people
        (True, Terminal(), True, True),
        (False, io.StringIO(), False, False),
    ],
)
def test_the_rule(setting: bool | None, stream: io.StringIO, for_people: bool, expected: bool) -> None:
    assert wants_json(setting, stream, for_people) is expected


def test_unset_logs_json_lines_through_a_pipe(tmp_path: os.PathLike[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LOG_JSON"}
    env.update({"SLACK_BOT_TOKEN": "", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    done = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines and all(json.loads(line)["level"] for line in lines)


def test_unset_logs_plain_text_on_a_terminal(tmp_path: os.PathLike[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LOG_JSON"}
    env.update({"SLACK_BOT_TOKEN": "", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "db", "upgrade"], stdout=subprocess.DEVNULL,
                            stderr=child, env=env)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert proc.wait(timeout=60) == 0
    os.close(main)
    text = b"".join(chunks).decode()
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines and not any(line.lstrip().startswith("{") for line in lines), text
    assert " INFO " in text

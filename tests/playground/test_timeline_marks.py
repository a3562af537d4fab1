"""The playground's pin and :stopwatch: buttons reach the real bot as Slack's events: the timeline fills."""

from __future__ import annotations

from bot.playground.runner import Playground
from bot.storage import repositories as repo
from tests.harness import wait_until
from tests.playground.test_app import declare, messages, post


def _captured(pg: Playground) -> list[tuple[str | None, str]]:
    with pg.container.uow() as session:
        incident = pg.container.services.incidents.list_open()[0]
        return [(e.actor_id, e.text) for e in repo.timeline(session, incident.id) if e.kind == "captured"]


def test_pinning_and_reacting_in_the_page_add_messages_to_the_timeline(playground: Playground) -> None:
    channel = declare(playground)
    post(playground, "send", user="U0BOB", channel=channel, text="db failover started")
    post(playground, "send", user="U0CAROL", channel=channel, text="replica promoted")
    people = [m for m in messages(playground, channel) if m["user_name"] in ("Bob Baker", "Carol Chen")]
    first, second = [m for m in people if not m.get("system")][-2:]
    assert post(playground, "pin", user="U0ALICE", channel=channel, ts=first["ts"]) == {"ok": True}
    assert post(playground, "react", user="U0ALICE", channel=channel, ts=second["ts"], name="stopwatch") == {"ok": True}
    assert post(playground, "react", user="U0BOB", channel=channel, ts=second["ts"], name=":pushpin:") == {"ok": True}
    wait_until(lambda: len(_captured(playground)) == 2 and all(t for _, t in _captured(playground)), what="captured")
    assert _captured(playground) == [("U0BOB", "db failover started"), ("U0CAROL", "replica promoted")]
    again = post(playground, "pin", user="U0ALICE", channel=channel, ts=first["ts"])
    assert again["ok"] is False and "already pinned" in again["error"]
    bad = post(playground, "react", user="U0ALICE", channel=channel, ts="1.000", name="stopwatch")
    assert bad["ok"] is False and "does not exist" in bad["error"]

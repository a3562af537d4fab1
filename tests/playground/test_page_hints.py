"""The page tells a newcomer what they need: who is on call, what is pinned, what to type where."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.rotation import on_call
from bot.playground.page_state import DECLARE_HINT, INCIDENT_HINT
from bot.playground.runner import Playground
from tests.harness import wait_until
from tests.playground.test_app import get


def test_the_acting_as_menu_knows_who_is_on_call_for_which_schedule(playground: Playground) -> None:
    users = {u["id"]: u for u in get(playground, "/playground/state", user="U0ALICE")["users"]}
    now = datetime.now(UTC)
    for schedule_id, schedule in playground.container.playbooks.oncall.schedules.items():
        person = on_call(schedule, now)
        user = next(u for u in playground.workspace.users.values() if person in (u.id, u.email))
        assert schedule_id in users[user.id]["on_call"]
    assert sum(len(u["on_call"]) for u in users.values()) == len(playground.container.playbooks.oncall.schedules)


def test_pins_and_the_composer_hint_follow_the_channel(playground: Playground) -> None:
    incidents = playground.workspace.channel_by_name("incidents")
    assert incidents is not None
    data = get(playground, f"/playground/channel/{incidents.id}", user="U0ALICE")
    assert data["channel"]["composer_hint"] == DECLARE_HINT
    playground.page.bridge.send("U0ALICE", incidents.id, "/incident SEV2 search slow")
    inc = wait_until(lambda: next((i for i in playground.container.services.incidents.list_open()
                                   if i.card_ts), None), timeout=15, what="the incident card")
    data = get(playground, f"/playground/channel/{inc.channel_id}", user="U0ALICE")
    assert data["channel"]["composer_hint"] == INCIDENT_HINT
    pinned = [m for m in data["messages"] if m["pinned"]]
    assert [m["ts"] for m in pinned] == [inc.card_ts]
    assert all(not m["pinned"] for m in data["messages"] if m["ts"] != inc.card_ts)


def test_joins_show_in_the_channel_as_slack_shows_them(playground: Playground) -> None:
    ws = playground.workspace
    incidents = ws.channel_by_name("incidents")
    assert incidents is not None
    playground.page.bridge.send("U0ALICE", incidents.id, "/incident SEV2 search slow")
    inc = wait_until(lambda: next((i for i in playground.container.services.incidents.list_open()
                                   if i.card_ts), None), timeout=15, what="the incident card")
    channel = ws.channels[inc.channel_id]
    invited = [j.user for j in channel.joins]
    assert "U0ALICE" in invited and all(j.inviter == ws.bot_user_id for j in channel.joins)

    playground.page.bridge.send("U0DAVE", inc.channel_id, "Manager here, watching.")
    rows = get(playground, f"/playground/channel/{inc.channel_id}", user="U0ALICE")["messages"]
    joins = [m for m in rows if m["system"] == "channel_join"]
    assert [m["user"] for m in joins] == [*invited, "U0DAVE"]
    alice = next(m for m in joins if m["user"] == "U0ALICE")
    assert alice["user_name"] == "Alice Archer"
    assert alice["html"] == f"joined #{channel.name}. Added by Incident Bot."
    assert joins[-1]["html"] == f"joined #{channel.name}."  # Dave joined by posting
    order = [m["ts"] for m in rows]
    assert order == sorted(order, key=float)
    assert order.index(alice["ts"]) < order.index(inc.card_ts) < order.index(joins[-1]["ts"])
    assert all(not m["reply_count"] and not m["pinned"] and "<" not in m["html"] for m in joins)
    # The notices are the page's: the channel's history holds only what was posted.
    assert all(m.user != "U0DAVE" or m.text == "Manager here, watching." for m in ws.messages(inc.channel_id))
    assert not any("joined #" in m.text for m in ws.messages(inc.channel_id))

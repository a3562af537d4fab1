"""The playground shows the app's Home tab: opened from the sidebar, rendered, and clickable like Slack's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.playground.runner import Playground
from tests.harness import wait_until
from tests.playground.test_app import declare, get, post

STATIC = Path(__file__).resolve().parents[2] / "bot" / "playground" / "static"


def test_home_tab_opens_renders_and_its_buttons_reach_the_app(playground: Playground) -> None:
    assert get(playground, "/playground/home", user="U0BOB")["view"] is None  # never opened yet
    incident_channel = declare(playground)

    def home_with_join() -> dict[str, Any] | None:
        # Opened again until the incident's channel is recorded (then it has a Join button).
        assert post(playground, "home/open", user="U0BOB") == {"ok": True}
        shown = get(playground, "/playground/home", user="U0BOB")["view"]
        return shown if shown and 'data-action-id="home_join"' in shown["html"] else None

    view = wait_until(home_with_join, what="Home tab with a Join button")
    html = view["html"]
    assert f'data-view-id="{view["id"]}"' in html and "payments down" in html
    assert 'data-action-id="home_declare"' in html

    # Join from the Home tab: the app invites Bob into the incident channel.
    block = next(p for p in html.split('data-block-id="')[1:] if p.startswith("home_incident:"))
    block_id = block.split('"', 1)[0]
    result = post(
        playground, "action", user="U0BOB", view_id=view["id"], block_id=block_id, action_id="home_join", value=None
    )
    assert result == {"ok": True}
    wait_until(lambda: "U0BOB" in playground.workspace.channel(incident_channel).members, what="Bob invited")

    # Declare from the Home tab opens the declare form.
    post(playground, "action", user="U0BOB", view_id=view["id"], action_id="home_declare", value=None)
    modal = wait_until(lambda: get(playground, "/playground/modal", user="U0BOB")["view"], what="declare form")
    assert modal["callback_id"] == "declare_incident"


def test_the_page_has_a_home_entry_and_sends_clicks_in_it_as_view_actions() -> None:
    page = (STATIC / "index.html").read_text()
    script = (STATIC / "app.js").read_text()
    assert 'id="home-entry"' in page
    assert '"/playground/home/open"' in script and 'el.closest("[data-view-id]")' in script

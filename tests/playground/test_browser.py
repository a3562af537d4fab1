"""End to end in headless Chromium: declare, acknowledge as on-call, post an update, resolve, screenshot."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bot.playground.runner import Playground
from tests.harness import REPO, wait_until
from tests.playground.conftest import PlaygroundFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts"
DOCS = REPO / "docs"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "the chromium OS package provides the browser; it is never downloaded"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield opened
    finally:
        context.close()
    assert errors == [], f"script errors in the page: {errors}"


def paged_user(pg: Playground) -> str:
    """The person the bot paged by DM (who is on call depends on the week)."""
    ws = pg.workspace

    def find() -> str | None:
        with ws.lock:
            for channel in ws.channels.values():
                if channel.is_im and any(m.text.startswith("Paged") for m in ws.history[channel.id]):
                    return channel.im_user
        return None

    return str(wait_until(find, what="a page sent by DM"))


def act_as(page: Page, user_id: str) -> None:
    page.select_option("#user-switcher", user_id)
    expect(page.locator("#user-switcher")).to_have_value(user_id)


def test_declare_acknowledge_update_resolve_in_the_browser(
    make_playground: PlaygroundFactory, page: Page
) -> None:
    pg = make_playground()  # with the scheduler: paging runs on it
    page.goto(pg.url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#connection")).to_have_text("live")
    act_as(page, "U0ALICE")
    page.locator("#channel-list li", has_text="incidents").click()

    # Declare from the composer: a signed slash command through the real Bolt endpoint.
    page.fill("#composer-input", "/incident SEV1 payments down")
    page.press("#composer-input", "Enter")
    expect(page.locator(".message.ephemeral", has_text="Declaring")).to_be_visible()
    expect(page.locator(".message.ephemeral .only-you").first).to_have_text("Only visible to you")
    incident_channel = page.locator("#channel-list li", has_text="incident-")
    expect(incident_channel).to_be_visible()  # appeared live, without a reload

    # The on-call person acknowledges from the page they got by DM.
    oncall = paged_user(pg)
    name = pg.workspace.users[oncall].name
    act_as(page, oncall)
    page.locator("#dm-list li", has_text="Incident Bot").click()
    page.locator(".message button[data-action-id='incident_ack']").last.click()
    incident_channel.click()
    expect(page.locator(".message", has_text="Acknowledged by")).to_contain_text(f"@{name}")
    joined = page.locator(".message.system[data-system='channel_join']", has_text="Alice Archer")
    expect(joined).to_contain_text("joined #incident-")
    expect(joined.locator(".reply-button")).to_have_count(0)
    expect(page.locator(".message button[data-action-id='incident_ack']")).to_have_count(0)

    # Post an update through the modal; Slack's client refuses an empty required field first.
    page.locator(".message button[data-action-id='incident_post_update']").first.click()
    modal = page.locator("#modal-overlay form.modal")
    expect(modal.locator(".modal-title")).to_have_text("Post an update")
    modal.locator(".modal-submit").click()
    expect(modal.locator(".bk-error[data-error-for='summary']")).to_have_text(
        "Please complete this required field."
    )
    modal.locator("[data-block-id='status'] select").select_option("identified")
    modal.locator("[data-block-id='summary'] textarea").fill(
        "Card processor timeouts after the 14:05 deploy."
    )
    modal.locator("[data-block-id='impact'] textarea").fill("About 30% of card checkouts fail.")
    modal.locator(".modal-submit").click()
    expect(page.locator("#modal-overlay")).to_be_hidden()
    expect(page.locator(".message", has_text="Card processor timeouts").last).to_contain_text("Identified")
    expect(page.locator("#channel-topic")).to_contain_text("Identified")
    page.locator("#messages").evaluate("el => { el.scrollTop = 0; }")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "playground.png"
    page.screenshot(path=str(shot))

    # The broadcast channel mirrors the update as a thread reply under the declaration.
    page.locator("#channel-list li", has_text="incidents").filter(has_not_text="incident-").click()
    page.locator(".message .thread-link").first.click()
    expect(page.locator("#thread-pane")).to_be_visible()
    expect(page.locator("#thread-messages")).to_contain_text("Card processor timeouts")
    page.locator("#thread-close").click()
    page.locator(".message .channel-mention", has_text="incident-").first.click()
    expect(page.locator("#channel-title")).to_contain_text("#incident-")

    # Resolve through its modal, from the card at the top of a channel long enough to scroll.
    incident_id = pg.workspace.channel_by_name(page.locator("#channel-title").inner_text().lstrip("#"))
    assert incident_id is not None
    for n in range(40):
        pg.workspace.post_message(incident_id.id, "U0BOB", f"Looking at dashboard {n}")
    expect(page.locator(".message", has_text="Looking at dashboard 39")).to_be_in_viewport()
    page.locator("#messages").evaluate("el => { el.scrollTop = 0; }")
    page.locator(".message button[data-action-id='incident_resolve']").first.click()
    expect(modal.locator(".modal-title")).to_contain_text("Resolve")
    modal.locator("[data-block-id='resolution'] textarea").fill(
        "Rolled back payments-api; checkouts recovered."
    )
    modal.locator(".modal-submit").click()
    expect(page.locator("#modal-overlay")).to_be_hidden()
    # The resolution notice is scrolled into view, though the card clicked was at the top.
    notice = page.locator(".message", has_text="Rolled back payments-api").last
    expect(notice).to_be_in_viewport()
    expect(page.locator("#messages .message").last).to_be_in_viewport()
    expect(page.locator("#channel-topic")).to_contain_text("Resolved")
    assert pg.container.services.incidents.list_open() == []
    page.screenshot(path=str(ARTIFACTS / "playground-resolved.png"))

    # Web API misuse shows up as a banner at once.
    misuse = requests.post(
        pg.url + "api/chat.postMesage",
        data={"channel": "C1"},
        timeout=10,
        headers={"Authorization": "Bearer " + (pg.container.settings.slack_bot_token or "")},
    )
    assert misuse.json()["error"] == "unknown_method"
    expect(page.locator(".warning-banner")).to_contain_text("chat.postMesage")
    # Warnings collapse into one banner with a count; "Clear all" holds across a reload.
    requests.post(
        pg.url + "api/conversations.setTopik",
        data={"channel": "C1"},
        timeout=10,
        headers={"Authorization": "Bearer " + (pg.container.settings.slack_bot_token or "")},
    )
    expect(page.locator(".warning-banner .warning-count")).to_have_text("2 warnings")
    expect(page.locator(".warning-banner")).to_have_count(1)
    page.locator(".warning-banner .warning-clear").click()
    expect(page.locator(".warning-banner")).to_have_count(0)
    page.reload()
    expect(page.locator("body[data-ready='true']")).to_be_visible()
    expect(page.locator(".warning-banner")).to_have_count(0)

    # A scenario's notes are narrated in the page.
    pg.workspace.narrate("The rollback goes out.")
    expect(page.locator("#narration")).to_contain_text("The rollback goes out.")

    assert shot.stat().st_size > 10_000
    if os.environ.get(
        "UPDATE_SCREENSHOTS"
    ):  # `UPDATE_SCREENSHOTS=1 make test` refreshes the README's picture
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(shot, DOCS / "playground.png")


def test_home_tab_in_the_browser(playground: Playground, page: Page) -> None:
    page.goto(playground.url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    act_as(page, "U0BOB")
    page.locator("#home-entry").click()
    home = page.locator("#messages .home-view")
    expect(home).to_contain_text("Open incidents (0)")
    expect(page.locator("#channel-title")).to_have_text("Incident Bot · Home")
    expect(page.locator("#composer")).to_be_hidden()
    home.locator("button[data-action-id='home_declare']").click()
    modal = page.locator("#modal-overlay form.modal")
    expect(modal.locator(".modal-title")).to_have_text("Declare an incident")


def test_send_test_alert_in_the_browser(playground: Playground, page: Page) -> None:
    page.goto(playground.url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.locator("#test-alert summary").click()
    form = page.locator("#test-alert-form")
    form.locator("select[name='source']").select_option("alertmanager")
    form.locator("input[name='name']").fill("DiskFull")
    form.locator("input[name='labels']").fill("host=db1")
    form.locator("button[type='submit']").click()
    expect(page.locator("#toast")).to_contain_text("Test alert DiskFull (firing) accepted by /alerts/alertmanager")
    form.locator("input[name='labels']").fill("host db1")
    form.locator("button[type='submit']").click()
    expect(page.locator("#toast")).to_contain_text("Test alert refused: labels are name=value pairs")

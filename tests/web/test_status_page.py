"""The public status page (HTML, JSON, Atom) from a real database: only what was published, cached per period."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import requests
from sqlalchemy import event

from bot.domain.publication import ComponentState, ComponentStatus, PublicStatus
from bot.services.context import utc_now
from bot.status_page.views import FEED_PATH, JSON_PATH, PAGE_PATH
from bot.storage.db import UnitOfWork, make_engine, make_session_factory
from bot.storage.publications import PublicIncident, PublicUpdate
from bot.web import create_status_app
from tests.harness import BotHarness, start_bot

ATOM = "{http://www.w3.org/2005/Atom}"
INTERNAL = (
    "db-primary OOM on pg-7",  # the internal title
    "killed the runaway vacuum on pg-7",  # an internal update
    "Carol thinks it is the cron job",  # a note
    "Alice Archer",  # a person's name
    "U0ALICE",
)


class Ticker:
    """The status cache's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def page_bot(database_url: str) -> Iterator[BotHarness]:
    harness = start_bot(database_url, status_page_title="Acme status")
    try:
        yield harness
    finally:
        harness.stop()


def publish(
    bot: BotHarness,
    incident_id: int,
    title: str,
    status: str,
    message: str,
    components: dict[str, str],
    at: datetime,
    *,
    private: bool = False,
) -> None:
    """A publication as the Publish update form stores it (``public_incidents`` / ``public_updates``)."""
    with bot.container.uow() as session:
        row = session.query(PublicIncident).filter_by(incident_id=incident_id).one_or_none()
        if row is None:
            row = PublicIncident(
                incident_id=incident_id, public_title=title, public_status=status, private=private, created_at=at
            )
            session.add(row)
        row.public_title, row.public_status, row.updated_at = title, status, at
        row.resolved_at = at if status == "resolved" else None
        session.add(
            PublicUpdate(
                incident_id=incident_id,
                public_title=title,
                public_status=status,
                message=message,
                components=[{"id": k, "status": v} for k, v in components.items()],
                published_by="U0ALICE",
                published_at=at,
            )
        )


def get(bot: BotHarness, path: str, **headers: str) -> requests.Response:
    return requests.get(bot.bot_url + path, headers=headers, timeout=10)


def _fresh(bot: BotHarness) -> None:
    """Let the next request read the database again (as if the cache period had passed)."""
    reader = bot.container.status_page
    assert reader is not None
    reader.invalidate()


def test_the_page_shows_components_open_incidents_updates_newest_first_and_past_incidents(
    page_bot: BotHarness,
) -> None:
    bot = page_bot
    inc = bot.declare("SEV1 db-primary OOM on pg-7")
    now = utc_now()
    publish(bot, inc.id, "Checkout errors", "investigating", "We are looking into failed payments.",
            {"payments": "major_outage", "website": "degraded_performance"}, now - timedelta(minutes=10))
    publish(bot, inc.id, "Checkout errors", "identified", "We found the cause & are fixing it <soon>.",
            {"payments": "partial_outage"}, now - timedelta(minutes=2))
    old = bot.declare("SEV2 search shards full")
    publish(bot, old.id, "Slow search", "resolved", "Search is fast again.", {"website": "operational"},
            now - timedelta(days=3))
    ancient = bot.declare("SEV2 something long ago")
    publish(bot, ancient.id, "Long ago", "resolved", "Fixed.", {}, now - timedelta(days=91))
    _fresh(bot)

    html = get(bot, PAGE_PATH)
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    text = html.text
    assert '<meta name="viewport"' in text and "<script" not in text
    assert "<title>Acme status</title>" in text and "Partial outage" in text
    assert text.index("We found the cause &amp; are fixing it &lt;soon&gt;.") < text.index("We are looking into")
    assert "Payment processing" in text and "Slow search" in text and "Long ago" not in text

    data = get(bot, JSON_PATH).json()
    assert data["page"]["title"] == "Acme status"
    assert data["status"] == {"indicator": "partial_outage", "description": "Partial outage"}
    components = {c["id"]: c["status"] for c in data["components"]}
    assert components["payments"] == "partial_outage" and components["website"] == "operational"
    [current] = data["incidents"]
    assert (current["title"], current["status"]) == ("Checkout errors", "identified")
    assert [u["status"] for u in current["updates"]] == ["identified", "investigating"]
    assert current["components"] == ["Payment processing", "Website"]  # what an update said was not operational
    assert [i["title"] for i in data["resolved"]] == ["Slow search"]

    feed = get(bot, FEED_PATH)
    assert feed.headers["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None, required
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 3
    for entry in entries:
        assert all(entry.find(f"{ATOM}{tag}") is not None for tag in ("id", "title", "updated", "content"))
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == 3
    assert entries[0].findtext(f"{ATOM}title") == "Identified: Checkout errors"
    assert "fixing it <soon>" in (entries[0].findtext(f"{ATOM}content") or "")


def test_nothing_internal_ever_appears_in_html_json_or_atom(page_bot: BotHarness) -> None:
    bot = page_bot
    inc = bot.declare("SEV1 db-primary OOM on pg-7")
    bot.command("update identified killed the runaway vacuum on pg-7", channel=inc.channel_id)
    bot.command("note Carol thinks it is the cron job", user="U0BOB", channel=inc.channel_id)
    secret = bot.declare("SEV2 leaked keys in a gist")
    bot.settle()
    inc = bot.container.services.incidents.get(inc.id)
    publish(bot, inc.id, "Checkout errors", "identified", "A fix is being rolled out.", {"payments": "major_outage"},
            utc_now())
    # Published once as private (it cannot be, but a stored row must still never show).
    publish(bot, secret.id, "leaked keys", "investigating", "keys in a gist", {"api": "major_outage"}, utc_now(),
            private=True)
    _fresh(bot)
    bodies = {path: get(bot, path).text for path in (PAGE_PATH, JSON_PATH, FEED_PATH)}
    needles = (*INTERNAL, inc.ref, inc.channel_name or "#", "gist", "leaked", inc.channel_id or "C")
    for path, body in bodies.items():
        assert "Checkout errors" in body, path
        for needle in needles:
            assert needle not in body, (path, needle)
    assert '"api", "name": "Public API", "group": "Customer-facing", "status": "operational"' in bodies[JSON_PATH]


def test_one_database_read_per_cache_period_whatever_the_number_of_readers(page_bot: BotHarness) -> None:
    bot = page_bot
    inc = bot.declare("SEV1 db-primary OOM on pg-7")
    publish(bot, inc.id, "Checkout errors", "investigating", "Looking.", {"payments": "major_outage"}, utc_now())
    bot.settle()
    reader = bot.container.status_page
    assert reader is not None
    # The page reads through an engine of its own here, so only its queries are counted (the scheduler and
    # the outbox read the database meanwhile through the bot's engine).
    engine = make_engine(bot.settings.database_url)
    ticker = Ticker()
    reader.uow, reader.ticker = UnitOfWork(make_session_factory(engine)), ticker
    reader.invalidate()
    queries: list[str] = []
    lock = threading.Lock()

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        with lock:
            queries.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        first = get(bot, JSON_PATH)
        one_read = len(queries)
        assert one_read >= 1
        paths = [PAGE_PATH, JSON_PATH, FEED_PATH] * 20
        threads = [threading.Thread(target=get, args=(bot, p)) for p in paths]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(queries) == one_read, "60 readers within the period share the first read"
        cached = get(bot, JSON_PATH)
        assert cached.headers["Cache-Control"] == "public, max-age=5"
        assert cached.headers["ETag"] and get(bot, JSON_PATH, **{"If-None-Match": cached.headers["ETag"]}).status_code == 304
        assert cached.json() == first.json()
        # A publication shows once the period is over, after exactly one more read.
        publish(bot, inc.id, "Checkout errors", "monitoring", "Recovering.", {"payments": "operational"}, utc_now())
        assert get(bot, JSON_PATH).json()["incidents"][0]["status"] == "investigating"
        ticker.now += 5
        for _ in range(10):
            assert get(bot, JSON_PATH).json()["incidents"][0]["status"] == "monitoring"
        assert len(queries) == 2 * one_read
    finally:
        event.remove(engine, "before_cursor_execute", count)
        engine.dispose()


def test_an_empty_page_says_all_is_well(page_bot: BotHarness) -> None:
    data = get(page_bot, JSON_PATH).json()
    assert data["status"]["description"] == "All systems operational"
    assert data["incidents"] == [] and data["resolved"] == []
    assert "No incidents in the last 90 days." in get(page_bot, PAGE_PATH).text
    assert ET.fromstring(get(page_bot, FEED_PATH).content).findall(f"{ATOM}entry") == []


def test_the_status_app_serves_the_status_routes_only(bot_sqlite: BotHarness) -> None:
    client = create_status_app(bot_sqlite.container).test_client()
    assert client.get(PAGE_PATH).status_code == 200
    assert client.get(JSON_PATH).status_code == 200
    assert client.get(FEED_PATH).status_code == 200
    assert client.post("/slack/events").status_code == 404
    assert client.get("/metrics").status_code == 404
    assert client.get("/healthz").status_code == 404


def test_a_turned_off_status_page_is_not_found(sqlite_url: str) -> None:
    bot = start_bot(sqlite_url, status_page_enabled=False)
    try:
        for path in (PAGE_PATH, JSON_PATH, FEED_PATH):
            assert get(bot, path).status_code == 404
    finally:
        bot.stop()


def test_published_through_the_publish_use_case_and_nothing_internal_shows(page_bot: BotHarness) -> None:
    """The real path: the IC publishes (the Publish update form's use case); the page shows exactly that."""
    bot = page_bot
    inc = bot.declare("SEV1 db-primary OOM on pg-7")
    bot.command("role ic <@U0BOB|bob>", channel=inc.channel_id)
    bot.command("update identified killed the runaway vacuum on pg-7", channel=inc.channel_id)
    bot.command("note Carol thinks it is the cron job", channel=inc.channel_id)
    bot.settle()
    publications = bot.container.services.publications
    form = publications.form(inc.id, "U0BOB", "We are seeing failed payments.")
    states = [ComponentState(s.id, ComponentStatus.MAJOR_OUTAGE if s.id == "payments" else s.status) for s in form.components]
    publications.publish(inc.id, "U0BOB", public_title="Checkout errors", status=PublicStatus.INVESTIGATING,
                         message=form.message, components=states)
    publications.publish(inc.id, "U0BOB", public_title="Checkout errors", status=PublicStatus.RESOLVED,
                         message="Payments work again.", components=[ComponentState("payments", ComponentStatus.OPERATIONAL)])
    _fresh(bot)
    data = get(bot, JSON_PATH).json()
    assert data["incidents"] == [] and data["status"]["indicator"] == "operational"
    [past] = data["resolved"]
    assert (past["title"], past["status"], past["components"]) == ("Checkout errors", "resolved", ["Payment processing"])
    assert [u["message"] for u in past["updates"]] == ["Payments work again.", "We are seeing failed payments."]
    inc = bot.container.services.incidents.get(inc.id)
    for path in (PAGE_PATH, JSON_PATH, FEED_PATH):
        body = get(bot, path).text
        for needle in (*INTERNAL, "Bob Baker", "U0BOB", inc.ref, inc.channel_name or "#"):
            assert needle not in body, (path, needle)

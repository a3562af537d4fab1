"""Files uploaded through the outbox (``UploadFile``): content durable in the row, shared once, retried safely."""

from __future__ import annotations

import base64

from bot.domain.events import UploadFile
from bot.storage import outbox
from bot.storage.models import OutboxMessage
from tests.harness import BotHarness, wait_until

# A 1x1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _queue(bot: BotHarness, incident_id: int | None, event: UploadFile) -> None:
    with bot.container.uow() as session:
        outbox.enqueue(session, incident_id, event)
    bot.container.dispatcher.kick()


def _shared(bot: BotHarness, channel: str) -> list[tuple[str, bytes, str]]:
    """``(filename, content, comment)`` of every file message in the channel."""
    found = []
    for message in bot.messages(channel):
        for file_id in message.files:
            record = bot.workspace.files[file_id]
            found.append((record.name, record.content, message.text))
    return found


def test_an_uploaded_markdown_file_lands_in_the_incident_channel_with_its_content(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    inc = bot.declare("SEV2 checkout slow")
    assert inc.channel_id
    text = "# Post-mortem\n\nCafé: ünïcode survives.\n"
    _queue(bot, inc.id, UploadFile.of("notes.md", text, title="Notes", initial_comment="The notes"))
    bot.settle()
    assert _shared(bot, inc.channel_id) == [("notes.md", text.encode(), "The notes")]
    record = next(iter(bot.workspace.files.values()))
    assert record.title == "Notes" and record.completed and record.channels == [inc.channel_id]
    # The content was in the outbox row before delivery, base64-encoded.
    with bot.container.uow() as session:
        row = session.query(OutboxMessage).filter_by(event=UploadFile.kind).one()
        assert base64.b64decode(row.payload["content_b64"]) == text.encode()
        assert row.state == "done" and row.progress["file"] == record.id


def test_a_png_goes_to_a_named_channel_in_a_thread(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    incidents = bot.workspace.channel_by_name("incidents")
    assert incidents is not None
    parent = bot.workspace.post_message(incidents.id, "U0ALICE", "weekly report")
    _queue(bot, None, UploadFile.of("chart.png", PNG, channel=incidents.id, thread_ts=parent.ts))
    bot.settle()
    shared = [m for m in bot.workspace.replies(incidents.id, parent.ts) if m.files]
    assert len(shared) == 1 and shared[0].thread_ts == parent.ts
    assert bot.workspace.files[shared[0].files[0]].content == PNG


def test_a_failed_upload_is_retried_and_shared_once(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    inc = bot.declare("SEV2 checkout slow")
    assert inc.channel_id
    bot.workspace.fail_next("files.completeUploadExternal", "internal_error", http_status=500)
    _queue(bot, inc.id, UploadFile.of("notes.md", "v1\n"))
    wait_until(lambda: _shared(bot, inc.channel_id or ""), timeout=15, what="the retried upload")
    bot.settle()
    assert _shared(bot, inc.channel_id) == [("notes.md", b"v1\n", "")]
    failed = [c for c in bot.workspace.calls if c.method == "files.completeUploadExternal" and not c.ok]
    assert len(failed) == 1

"""Uploads files to Slack for the outbox: one upload per event, its file id kept so a retry shares nothing twice."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.events import UploadFile
from bot.services.outbox import Delivery
from bot.slack.notifier import SlackNotifier

Step = Callable[[Delivery, UploadFile], None]

# The progress step holding the uploaded file's id (later steps of the same delivery read it).
FILE_STEP = "file"


class FilePosts:
    """The ``UploadFile`` handler, on the notifier's gateway (rate limits, retry-later and give-up sorting)."""

    def __init__(self, notifier: SlackNotifier, after: Step | None = None) -> None:
        self.notifier = notifier
        # A step run once the file is up (the post-mortem keeps its file id); idempotent by its own marks.
        self.after = after

    def upload(self, d: Delivery, event: UploadFile) -> None:
        self._upload(d, event)
        if self.after is not None:
            self.after(d, event)

    def _upload(self, d: Delivery, event: UploadFile) -> None:
        if d.done(FILE_STEP):
            return
        channel = event.channel or self.notifier.channel(d)
        file_id = self.notifier.slack.upload(
            channel=channel,
            filename=event.filename,
            content=event.content,
            title=event.title,
            thread_ts=event.thread_ts,
            initial_comment=event.initial_comment,
        )
        d.mark(FILE_STEP, file_id or True)


def uploaded_file_id(d: Delivery) -> str | None:
    """The id of the file this delivery uploaded, once it has."""
    value = d.progress.get(FILE_STEP)
    return value if isinstance(value, str) and value else None

"""Files shared in a message, as the page shows them: text files open as text, images inline, others as links."""

from __future__ import annotations

import html
import mimetypes
from collections.abc import Sequence

from bot.emulator.models import FileRecord

TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".yaml", ".yml", ".json", ".csv", ".log")
MAX_TEXT = 200_000


def content_type(record: FileRecord) -> str:
    """The file's type by its name (``text/markdown`` for ``.md``), ``application/octet-stream`` if unknown."""
    if record.name.lower().endswith((".md", ".markdown")):
        return "text/markdown; charset=utf-8"
    guessed, _ = mimetypes.guess_type(record.name)
    if guessed and guessed.startswith("text/"):
        return f"{guessed}; charset=utf-8"
    return guessed or "application/octet-stream"


def _text_of(record: FileRecord) -> str | None:
    if not (record.name.lower().endswith(TEXT_SUFFIXES) or content_type(record).startswith("text/")):
        return None
    try:
        return record.content[:MAX_TEXT].decode("utf-8")
    except UnicodeDecodeError:
        return None


def file_html(record: FileRecord) -> str:
    """One file: a text file opens as its text, an image shows inline, anything else is a download link."""
    title = html.escape(record.title or record.name, quote=True)
    name = html.escape(record.name, quote=True)
    url = f"/playground/file/{html.escape(record.id, quote=True)}"
    head = f'<div class="file-head">📄 <a href="{url}" target="_blank" rel="noopener">{title}</a> · {name}</div>'
    text = _text_of(record)
    if text is not None:
        body = f'<pre class="file-text">{html.escape(text)}</pre>'
    elif content_type(record).startswith("image/"):
        body = f'<img class="file-image" src="{url}" alt="{title}">'
    else:
        body = f'<div class="file-size">{len(record.content)} bytes</div>'
    return f'<div class="file" data-file-id="{html.escape(record.id, quote=True)}">{head}{body}</div>'


def files_html(records: Sequence[FileRecord]) -> str:
    return "".join(file_html(r) for r in records)

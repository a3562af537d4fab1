"""Files the bot uploads, in the playground: a Markdown file opens as text, a PNG shows as an image."""

from __future__ import annotations

import requests

from bot.domain.events import UploadFile
from bot.playground.runner import Playground
from bot.storage import outbox
from tests.harness import wait_until
from tests.playground.test_app import channel_id, messages
from tests.slack.test_file_uploads import PNG


def _upload(pg: Playground, event: UploadFile) -> None:
    with pg.container.uow() as session:
        outbox.enqueue(session, None, event)
    pg.container.dispatcher.kick()


def test_uploaded_markdown_opens_as_text_and_a_png_as_an_image(playground: Playground) -> None:
    pg = playground
    incidents = channel_id(pg, "incidents")
    _upload(pg, UploadFile.of("pm.md", "# Post-mortem <draft>\n\n- item\n", title="Post-mortem", channel=incidents))
    _upload(pg, UploadFile.of("chart.png", PNG, title="Weekly chart", channel=incidents))

    def shared() -> list[dict[str, object]]:
        found = [m for m in messages(pg, incidents) if m["files"]]
        return found if len(found) == 2 else []

    found = wait_until(shared, what="both files in the channel")
    # Two uploads outside any incident are not ordered: tell them apart by what they show.
    markdown = next(m for m in found if "Post-mortem" in str(m["html"]))
    chart = next(m for m in found if m is not markdown)
    assert '<pre class="file-text"># Post-mortem &lt;draft&gt;\n\n- item\n</pre>' in markdown["html"]
    assert "Post-mortem" in markdown["html"] and "<img" not in markdown["html"]
    (png_id,) = chart["files"]
    assert f'<img class="file-image" src="/playground/file/{png_id}"' in chart["html"]
    served = requests.get(f"{pg.url}playground/file/{png_id}", timeout=10)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
    assert served.content == PNG
    (md_id,) = markdown["files"]
    text = requests.get(f"{pg.url}playground/file/{md_id}", timeout=10)
    assert text.headers["Content-Type"].startswith("text/markdown") and text.text.startswith("# Post-mortem")
    assert requests.get(f"{pg.url}playground/file/F0NONE", timeout=10).status_code == 404

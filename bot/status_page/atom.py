"""The Atom feed (RFC 4287) of public updates, newest first, built with ElementTree so it is well-formed."""

from __future__ import annotations

import re
from datetime import datetime
from xml.etree import ElementTree as ET

from bot.services.status_page import StatusPage

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 50
# Characters XML 1.0 cannot carry at all (escaping does not help): dropped from published text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render_atom(page: StatusPage, feed_url: str, page_url: str) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", feed_url)
    _text(feed, "title", page.title)
    _text(feed, "updated", _iso(page.updated_at or page.generated_at))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", page.title)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=feed_url)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=page_url)
    entries = [(incident, update) for incident in (*page.open, *page.resolved) for update in incident.updates]
    entries.sort(key=lambda pair: (pair[1].published_at, pair[1].id), reverse=True)
    for incident, update in entries[:MAX_ENTRIES]:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", f"{page_url}#update-{update.id}")
        _text(entry, "title", f"{update.status.label}: {incident.title}")
        _text(entry, "updated", _iso(update.published_at))
        _text(entry, "published", _iso(update.published_at))
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=page_url)
        affected = ", ".join(f"{c.name}: {c.status.label.lower()}" for c in update.affected)
        content = update.message + (f"\n\nAffected: {affected}" if affected else "")
        _text(entry, "content", content).set("type", "text")
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = _NOT_XML.sub("", value)
    return element


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")

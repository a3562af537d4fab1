"""The status page as one HTML document: no JavaScript, inline CSS, readable on a phone, everything escaped."""

from __future__ import annotations

from datetime import datetime
from html import escape

from bot.domain.publication import ComponentStatus
from bot.services.status_page import ComponentView, PublicIncidentView, StatusPage

_COLOURS = {
    ComponentStatus.OPERATIONAL: "#1f883d",
    ComponentStatus.DEGRADED_PERFORMANCE: "#bf8700",
    ComponentStatus.PARTIAL_OUTAGE: "#d1670a",
    ComponentStatus.MAJOR_OUTAGE: "#cf222e",
}

_CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2328;
background:#f6f8fa;line-height:1.5}
main{max-width:46rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
h3{font-size:1rem;margin:0 0 .25rem}
.banner{color:#fff;border-radius:6px;padding:.75rem 1rem;font-weight:600;font-size:1.1rem}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.75rem 1rem;margin:.5rem 0}
ul{list-style:none;margin:0;padding:0}
.row{display:flex;justify-content:space-between;gap:1rem;padding:.35rem 0;border-bottom:1px solid #eaeef2}
.row:last-child{border-bottom:0}
.group{font-weight:600;color:#57606a;margin-top:.5rem}
.status{font-weight:600;white-space:nowrap}
.update{border-left:3px solid #d0d7de;padding-left:.75rem;margin:.5rem 0}
.meta{color:#57606a;font-size:.875rem}
p{margin:.25rem 0;overflow-wrap:anywhere;white-space:pre-wrap}
footer{color:#57606a;font-size:.8rem;margin:2rem 0 1rem}
a{color:#0969da}
"""


def render_html(page: StatusPage, feed_url: str, json_url: str) -> str:
    colour = _COLOURS[page.overall]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(page.title)}</title>",
        f'<link rel="alternate" type="application/atom+xml" title="{escape(page.title)}" href="{escape(feed_url)}">',
        f"<style>{_CSS}</style></head><body><main>",
        f"<h1>{escape(page.title)}</h1>",
        f'<div class="banner" style="background:{colour}">{escape(page.overall_label)}</div>',
    ]
    if page.open:
        parts.append("<h2>Current incidents</h2>")
        parts += [_incident(i) for i in page.open]
    if page.components:
        parts.append('<h2>Components</h2><div class="card"><ul>')
        for group, components in page.groups():
            if group:
                parts.append(f'<li class="group">{escape(group)}</li>')
            parts += [_component(c) for c in components]
        parts.append("</ul></div>")
    parts.append("<h2>Past incidents (90 days)</h2>")
    parts += [_incident(i) for i in page.resolved] or ['<p class="meta">No incidents in the last 90 days.</p>']
    parts.append(
        f'<footer>Updated {escape(_stamp(page.generated_at))}. '
        f'<a href="{escape(feed_url)}">Atom feed</a> · <a href="{escape(json_url)}">JSON</a></footer>'
    )
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _component(comp: ComponentView) -> str:
    return (
        f'<li class="row"><span>{escape(comp.name)}</span>'
        f'<span class="status" style="color:{_COLOURS[comp.status]}">{escape(comp.status.label)}</span></li>'
    )


def _incident(incident: PublicIncidentView) -> str:
    affected = ", ".join(incident.components)
    lines = [
        '<section class="card">',
        f"<h3>{escape(incident.title)}</h3>",
        f'<div class="meta">{escape(incident.status.label)} · started {escape(_stamp(incident.started_at))}'
        + (f" · resolved {escape(_stamp(incident.resolved_at))}" if incident.resolved_at else "")
        + (f" · affects {escape(affected)}" if affected else "")
        + "</div>",
    ]
    for update in incident.updates:
        lines.append(
            f'<div class="update"><div class="meta"><strong>{escape(update.status.label)}</strong> · '
            f"{escape(_stamp(update.published_at))}</div><p>{escape(update.message)}</p></div>"
        )
    lines.append("</section>")
    return "\n".join(lines)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")

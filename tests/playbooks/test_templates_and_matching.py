"""Template placeholders and runbook suggestions from incident titles."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.playbooks.matching import match_runbooks, tokens
from bot.playbooks.templates import MISSING, load_templates


def _write(directory: Path, name: str, text: str) -> None:
    (directory / "templates").mkdir(parents=True, exist_ok=True)
    (directory / "templates" / name).write_text(text)


def test_template_renders_known_placeholders_and_leaves_other_braces(tmp_path: Path) -> None:
    _write(tmp_path, "status_update.md", "{incident_ref}: {status}\nfilter: { $.level = \"error\" }\n{eta}\n")
    templates, problems = load_templates(tmp_path)
    assert problems == []
    text = templates.render("status_update", {"incident_ref": "INC-2026-0001", "status": "identified"})
    assert text == f"INC-2026-0001: identified\nfilter: {{ $.level = \"error\" }}\n{MISSING}\n"
    assert templates.render("resolution", {}) is None


def test_unknown_template_file_and_placeholders(tmp_path: Path) -> None:
    _write(tmp_path, "status_update.md", "ok {title}\n{who} and {what}\n")
    _write(tmp_path, "weekly-report.md", "{title}\n")
    templates, problems = load_templates(tmp_path)
    assert [str(p) for p in problems] == [
        "templates/status_update.md:2: {what}: unknown placeholder",
        "templates/status_update.md:2: {who}: unknown placeholder",
        "templates/weekly-report.md:1: -: unknown template; expected one of status_update, "
        "internal_notification, external_notification, resolution, postmortem",
    ]
    assert len(templates) == 0


@dataclass
class Book:
    id: str
    match: list[str]
    title: str = ""
    extra: list[str] = field(default_factory=list)


def test_tokens_drop_plurals_and_punctuation() -> None:
    assert tokens("Payments DOWN: 503s!") == ["payment", "down", "503"]
    assert tokens("access slowness") == ["access", "slowness"]


def test_rare_keywords_outweigh_shared_ones() -> None:
    api = Book("api", ["down", "api"])
    db = Book("db", ["down", "database"])
    pay = Book("pay", ["payment"])
    assert [b.id for b in match_runbooks([api, db, pay], "payments down")] == ["pay", "api", "db"]


def test_phrases_must_appear_in_order() -> None:
    pool = Book("pool", ["connection pool"])
    assert match_runbooks([pool], "pool of connections") == []
    assert match_runbooks([pool], "Connection pool exhausted") == [pool]


def test_no_keyword_no_suggestion_and_ties_keep_order() -> None:
    first, second = Book("a", ["x"], title="x"), Book("b", ["x"], title="x")
    assert match_runbooks([first, second], "nothing relevant") == []
    assert match_runbooks([first, second], "x marks the spot") == [first, second]

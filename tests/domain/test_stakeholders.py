"""Stakeholder subject lines: the seeds' shape, one line, under SNS's 100 characters, cut cleanly."""

from __future__ import annotations

from bot.domain.stakeholders import MAX_SUBJECT, fit, notice_key, private_body, subject_line


def test_the_subject_follows_the_seeds() -> None:
    assert subject_line("SEV1", "Payment System", "declared") == "[SEV1] Production Incident - Payment System"
    assert subject_line("SEV2", "API", "resolved") == "[SEV2] Production Incident Resolved - API"


def test_a_long_title_is_cut_at_a_word_with_an_ellipsis() -> None:
    title = "Checkout and payment confirmation emails delayed for customers in every region " * 2
    subject = subject_line("SEV1", title, "updated")
    assert len(subject) <= MAX_SUBJECT < 100
    assert subject.endswith("…") and not subject.endswith(" …")
    assert title.startswith(subject.removeprefix("[SEV1] Production Incident Update - ").removesuffix("…"))


def test_line_breaks_and_control_characters_never_reach_the_subject() -> None:
    assert fit("db\nprimary\t\x07down  again") == "db primary down again"


def test_one_long_word_is_cut_anyway() -> None:
    assert fit("x" * 300) == "x" * (MAX_SUBJECT - 1) + "…"


def test_a_private_incident_is_named_by_severity_only() -> None:
    assert subject_line("SEC", "api keys in a gist", "declared", private=True) == "[SEC] Private incident declared"
    assert private_body("SEC", "resolved") == "A private SEC incident was resolved."
    assert notice_key("INC-2026-0004", "updated", 17) == "INC-2026-0004:updated:17"

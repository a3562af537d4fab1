"""Channel names and incident references: examples, transliteration and properties for any title."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.domain.naming import MAX_CHANNEL_NAME, channel_name_for, incident_ref, slugify

CHANNEL = re.compile(r"^incident-\d{4}-\d{2}-\d{2}-[a-z0-9-]+$")
DAY = date(2026, 3, 4)


@pytest.mark.parametrize(
    ("year", "sequence", "ref"),
    [(2026, 1, "INC-2026-0001"), (2026, 42, "INC-2026-0042"), (2026, 9999, "INC-2026-9999"),
     (2027, 12345, "INC-2027-12345")],
)
def test_incident_ref(year: int, sequence: int, ref: str) -> None:
    assert incident_ref(year, sequence) == ref


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("payments down", "payments-down"),
        ("Payments DOWN!!", "payments-down"),
        ("  --payments__down--  ", "payments-down"),
        ("API 5xx > 5% (eu-west-1)", "api-5xx-5-eu-west-1"),
        ("Zahlungen fallen aus – Köln", "zahlungen-fallen-aus-koln"),
        ("Ærøskøbing ñandú", "aeroskobing-nandu"),
        ("Платежи не проходят", "platezhi-ne-prokhodyat"),
        ("Ελληνικά", "ellinika"),
        ("支付失败", "zhifushibai"),
        ("payment.service/v2", "payment-service-v2"),
        ("", ""),
        ("   ", ""),
        ("!!! ??? ...", ""),
        ("\u200b\u200b", ""),
    ],
)
def test_slugify_examples(title: str, slug: str) -> None:
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("payments down", "incident-2026-03-04-payments-down"),
        ("SEV1: Payments DOWN in EU!", "incident-2026-03-04-sev1-payments-down-in-eu"),
        ("Zahlungen fallen aus – Köln", "incident-2026-03-04-zahlungen-fallen-aus-koln"),
        ("", "incident-2026-03-04-untitled"),
        ("   ", "incident-2026-03-04-untitled"),
        ("?!?", "incident-2026-03-04-untitled"),
        ("\u200b", "incident-2026-03-04-untitled"),
    ],
)
def test_channel_name_examples(title: str, name: str) -> None:
    assert channel_name_for(title, DAY) == name


@pytest.mark.parametrize(
    "title", ["Платежи не проходят", "支付失败", "決済が失敗しました", "مدفوعات معطلة", "결제 실패"]
)
def test_non_latin_titles_become_ascii_words(title: str) -> None:
    name = channel_name_for(title, DAY)
    assert CHANNEL.match(name), name
    assert name != "incident-2026-03-04-untitled", "the transliteration keeps the meaning readable"
    assert name.isascii()


@pytest.mark.parametrize("title", ["🔥", "🔥🔥🔥", "💳 🚨", "\U0001f9ef"])
def test_emoji_only_titles_give_a_valid_name(title: str) -> None:
    name = channel_name_for(title, DAY)
    assert CHANNEL.match(name), name
    assert len(name) <= MAX_CHANNEL_NAME


def test_emoji_are_spelled_out_or_dropped_around_words() -> None:
    assert channel_name_for("💳 payments down 🔥", DAY).startswith("incident-2026-03-04-")
    assert "payments-down" in channel_name_for("💳 payments down 🔥", DAY)
    assert channel_name_for("🔥 payments", DAY) == "incident-2026-03-04-fire-payments"


@pytest.mark.parametrize("attempt", [2, 3, 10, 999])
def test_attempt_suffix(attempt: int) -> None:
    assert channel_name_for("payments down", DAY, attempt) == f"incident-2026-03-04-payments-down-{attempt}"
    assert channel_name_for("", DAY, attempt) == f"incident-2026-03-04-untitled-{attempt}"


@pytest.mark.parametrize("attempt", [1, 0, -1])
def test_first_attempt_has_no_suffix(attempt: int) -> None:
    assert channel_name_for("payments down", DAY, attempt) == "incident-2026-03-04-payments-down"


def test_long_title_is_cut_to_80_without_a_trailing_hyphen() -> None:
    title = "the payment gateway is returning errors for every card " * 10
    plain = channel_name_for(title, DAY)
    assert len(plain) <= MAX_CHANNEL_NAME
    assert not plain.endswith("-")
    assert plain.startswith("incident-2026-03-04-the-payment-gateway")
    retried = channel_name_for(title, DAY, 42)
    assert len(retried) <= MAX_CHANNEL_NAME
    assert retried.endswith("-42")
    assert "--" not in retried


def test_two_thousand_character_title() -> None:
    name = channel_name_for("x" * 2000, DAY, 999)
    assert CHANNEL.match(name)
    assert len(name) <= MAX_CHANNEL_NAME
    assert name.endswith("x-999")


def test_the_date_is_zero_padded() -> None:
    assert channel_name_for("a", date(2026, 1, 2)) == "incident-2026-01-02-a"
    assert channel_name_for("a", date(999, 1, 2)) == "incident-0999-01-02-a"


def test_names_for_successive_attempts_are_all_different() -> None:
    title = "y" * 300
    names = {channel_name_for(title, DAY, attempt) for attempt in range(1, 1000)}
    assert len(names) == 999


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.dates(), st.integers(min_value=1, max_value=999))
@example("", date(2026, 3, 4), 1)
@example("-" * 100, date(2026, 3, 4), 2)
@example("a-" * 100, date(2026, 3, 4), 999)
@example("ǅ" * 100, date(2026, 3, 4), 999)
def test_channel_name_is_always_valid(title: str, day: date, attempt: int) -> None:
    name = channel_name_for(title, day, attempt)
    assert CHANNEL.match(name), name
    assert len(name) <= MAX_CHANNEL_NAME
    assert "--" not in name
    assert not name.endswith("-")
    assert name.startswith(f"incident-{day.isoformat()}-")
    if attempt > 1:
        assert name.endswith(f"-{attempt}")
    assert channel_name_for(title, day, attempt) == name


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
@example("Zahlungen fallen aus – Köln")
def test_slugify_is_ascii_lowercase_single_hyphens(title: str) -> None:
    slug = slugify(title)
    assert re.fullmatch(r"([a-z0-9]+(-[a-z0-9]+)*)?", slug), slug
    assert slugify(slug) == slug


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=40), st.dates())
def test_plain_short_titles_are_kept_verbatim(word: str, day: date) -> None:
    assert channel_name_for(word, day) == f"incident-{day.isoformat()}-{word}"

"""Parses rendered HTML and reports tags and attributes, to prove renderers emit only safe markup."""

from __future__ import annotations

from html.parser import HTMLParser

SAFE_TAGS = frozenset(
    {
        "a",
        "b",
        "i",
        "s",
        "code",
        "pre",
        "br",
        "ul",
        "ol",
        "li",
        "blockquote",
        "span",
        "div",
        "hr",
        "img",
        "button",
        "select",
        "option",
        "optgroup",
        "input",
        "textarea",
        "label",
        "form",
    }
)


class TagCollector(HTMLParser):
    """Collects (tag, attributes) pairs and the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def collect(fragment: str) -> TagCollector:
    parser = TagCollector()
    parser.feed(fragment)
    parser.close()
    return parser


def unsafe_markup(fragment: str) -> list[str]:
    """Every problem found: unknown tags, event-handler attributes, script URLs."""
    problems: list[str] = []
    for tag, attrs in collect(fragment).tags:
        if tag not in SAFE_TAGS:
            problems.append(f"tag {tag}")
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.append(f"attribute {name}")
            if (
                name in ("href", "src")
                and value is not None
                and not value.startswith(("http://", "https://", "mailto:", "slack://"))
            ):
                problems.append(f"{name}={value}")
            if name == "style" and value is not None and ("url(" in value or "expression" in value):
                problems.append(f"style={value}")
    return problems

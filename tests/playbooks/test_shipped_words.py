"""The shipped playbooks speak to their readers: no citations of internal source numbers ("seed 002")."""

from __future__ import annotations

import re

from tests.harness import SHIPPED_PLAYBOOKS


def test_no_seed_citations_in_the_shipped_playbooks() -> None:
    found = [
        f"{path.relative_to(SHIPPED_PLAYBOOKS)}:{n}: {line.strip()}"
        for path in sorted(SHIPPED_PLAYBOOKS.rglob("*"))
        if path.is_file()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bseeds?\s+\d{3}\b", line, re.IGNORECASE)
    ]
    assert found == []

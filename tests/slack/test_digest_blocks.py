"""The digest message within Block Kit limits however much there is to say: "…and N more", never a 51st block."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain.digest import Digest, DigestIncident, OverdueFollowUp, OverduePostmortem, OverdueUpdate
from bot.domain.severity import Severity
from bot.slack.blocks import digest as blocks
from tests.harness import block_text, find_block

AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
LEVELS = [Severity(id=f"SEV{n}", name=name, rank=n - 1) for n, name in ((1, "Critical"), (2, "High"), (3, "Medium"))]


def _incident(n: int) -> DigestIncident:
    return DigestIncident(
        ref=f"INC-2026-{n:04d}",
        title=f"incident number {n} " + "x" * 150,
        severity=LEVELS[n % 3],
        status="investigating",
        channel_id=f"C{n:08d}",
        commander_id=None,
        declared_at=AT - timedelta(hours=n),
        last_update_text="y" * 1000,
        last_update_at=AT - timedelta(minutes=n),
        resolved_at=AT - timedelta(minutes=n),
    )


def test_sixty_open_incidents_and_long_lists_fit_in_fifty_blocks() -> None:
    many = tuple(sorted((_incident(n) for n in range(60)), key=lambda i: (i.severity.rank, i.declared_at)))
    digest = Digest(
        day=date(2026, 12, 2),
        at=AT,
        open=many,
        open_private=3,
        resolved=many,
        overdue_updates=tuple(OverdueUpdate(i.ref, i.title, AT - timedelta(hours=1)) for i in many),
        overdue_postmortems=tuple(OverduePostmortem(i.ref, i.title, AT - timedelta(days=1)) for i in many),
        overdue_followups=tuple(OverdueFollowUp(i.ref, 1, "z" * 500, "U0BOB", date(2026, 12, 1)) for i in many),
    )
    rendered = [b.to_dict() for b in blocks.digest_blocks(digest)]  # to_dict checks section text lengths
    assert len(rendered) == blocks.MAX_BLOCKS
    texts = [block_text(b) for b in rendered]
    shown = sum(1 for b in rendered if str(b.get("block_id", "")).startswith(blocks.DIGEST_INCIDENT_BLOCK))
    assert f"…and {60 - shown} more. `/incident list` lists them all." in texts
    assert all(len(t) <= 3000 for t in texts)
    assert "…and 50 more." in block_text(find_block(rendered, blocks.DIGEST_RESOLVED_BLOCK))
    overdue = block_text(find_block(rendered, blocks.DIGEST_OVERDUE_BLOCK))
    assert overdue.count("…and 55 more.") == 3 and len(overdue) < 3000  # each kind, nothing cut
    assert Digest.from_payload(digest.to_payload()) == digest

"""The answer to declaring the same title twice within a minute: open the one there, or declare anew anyway."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, MarkdownTextObject, SectionBlock

from bot.services.read_models import IncidentView
from bot.slack import ids
from bot.slack.blocks.common import SECTION_TEXT, cut

BUTTON_TEXT = 75  # Slack's limits on a button's text and value
BUTTON_VALUE = 2000


@dataclass(frozen=True)
class Asked:
    """The declaration that was held back, as the **Declare a new incident anyway** button carries it."""

    severity_id: str
    title: str
    description: str
    request_key: str  # the held-back request: confirming it declares once, however often it is clicked
    channel_id: str = ""
    commander_id: str = ""


def channel_url(channel_id: str) -> str:
    """A link that opens a channel in Slack, whichever workspace the person is signed in to."""
    return f"https://slack.com/app_redirect?channel={channel_id}"


def duplicate_declaration(existing: IncidentView, asked: Asked) -> tuple[str, list[Block]]:
    """The fallback text and blocks offering **Open INC-…** and **Declare a new incident anyway**."""
    where = f"<#{existing.channel_id}>" if existing.channel_id else "its channel (being created)"
    text = (
        f"You declared *{existing.ref}* ({existing.severity.id}) with this title a moment ago: {where}. "
        "Not declaring it twice."
    )
    if asked.severity_id != existing.severity.id:
        text += (
            f"\nYou asked for *{asked.severity_id}* this time. If it is the same problem, change its severity "
            f"there (`/incident severity {asked.severity_id}`); if it is another one, declare it anyway."
        )
    else:
        text += "\nIf this is a different problem, declare it anyway."
    buttons: list[ButtonElement] = []
    if existing.channel_id:
        buttons.append(
            ButtonElement(
                text=cut(f"Open {existing.ref}", BUTTON_TEXT),
                action_id=ids.OPEN_CHANNEL,
                url=channel_url(existing.channel_id),
                value=str(existing.id),
            )
        )
    buttons.append(
        ButtonElement(
            text="Declare a new incident anyway",
            action_id=ids.DECLARE_ANYWAY,
            value=anyway_value(asked),
        )
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=cut(text, SECTION_TEXT))),
        ActionsBlock(block_id=ids.DUPLICATE_BLOCK, elements=buttons),
    ]
    return text, blocks


def anyway_value(asked: Asked) -> str:
    """The button's value: the held-back declaration, its description shortened to fit Slack's limit."""
    data: dict[str, str] = {"s": asked.severity_id, "t": asked.title, "k": asked.request_key}
    for field, value in (("c", asked.channel_id), ("m", asked.commander_id)):
        if value:
            data[field] = value
    room = BUTTON_VALUE - len(_dumps({**data, "d": ""}))
    description = asked.description
    while description and len(_dumps(description)) - 2 > room:  # 2: the quotes
        description = description[: len(description) - max(1, len(_dumps(description)) - 2 - room)]
    if description.strip():
        data["d"] = description
    return _dumps(data)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def read_anyway(value: Any) -> Asked | None:
    """The declaration a **Declare anyway** button carries; None for anything else."""
    try:
        data = json.loads(str(value or ""))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    fields = {k: data.get(k) for k in ("s", "t", "k", "d", "c", "m")}
    if not all(isinstance(v, str) for v in (fields["s"], fields["t"], fields["k"])) or not fields["k"]:
        return None
    if any(v is not None and not isinstance(v, str) for v in fields.values()):
        return None
    return Asked(
        severity_id=str(fields["s"]),
        title=str(fields["t"]),
        description=str(fields["d"] or ""),
        request_key=str(fields["k"]),
        channel_id=str(fields["c"] or ""),
        commander_id=str(fields["m"] or ""),
    )

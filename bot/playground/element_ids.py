"""Where the interactive elements of some blocks are, with the stand-in ids the page and emulator share."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from bot.emulator.payloads import block_id_of as emulated_block_id

Json = Mapping[str, Any]


def block_id_of(block: Json, index: int) -> str:
    """The block's id, or the same stand-in the emulator reports when the sender gave none."""
    return emulated_block_id(dict(block), index)


def action_id_of(element: Json, index: int) -> str:
    """The element's action id, or the stable stand-in used when the sender gave none."""
    given = element.get("action_id")
    return str(given) if given else f"act-{index}"


ElementVisitor = Callable[[str, str, Json], None]


def iter_elements(blocks: Sequence[Json]) -> Iterator[tuple[Json, str, str, Json]]:
    """``(block, block_id, action_id, element)`` for every element, with the rendering's stand-in ids."""
    for index, block in enumerate(blocks):
        if not isinstance(block, Mapping):
            continue
        block_id = block_id_of(block, index)
        kind = block.get("type")
        if kind == "actions":
            for i, element in enumerate(block.get("elements", [])):
                yield block, block_id, action_id_of(element, i), element
        elif kind == "section" and isinstance(block.get("accessory"), Mapping):
            yield block, block_id, action_id_of(block["accessory"], 0), block["accessory"]
        elif kind == "input" and isinstance(block.get("element"), Mapping):
            yield block, block_id, action_id_of(block["element"], 0), block["element"]


def walk_elements(blocks: Sequence[Json], visit: ElementVisitor) -> None:
    """Call ``visit(block_id, action_id, element)`` for every element, using the rendering's stand-in ids."""
    for _block, block_id, action_id, element in iter_elements(blocks):
        visit(block_id, action_id, element)

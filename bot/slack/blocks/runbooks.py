"""Runbook Block Kit: suggestions, the list, checklist pages under 50 blocks, step results, the confirmation.

Over 300 lines because the runbook views share step buttons, values and the page-size arithmetic that
keeps checklists under Slack's 50 blocks and 13k characters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.playbooks.runbooks import SECTIONS, AwsStep, CommandStep, LinkStep, Runbook, Step
from bot.playbooks.schema import duration_text
from bot.services.runbook_views import AttachedView, StepState, call_digest
from bot.slack import ids
from bot.slack.blocks.common import FIELD_TEXT, HEADER_TEXT, SECTION_TEXT, cut, mention, when

MESSAGE_BLOCKS = 50
MAX_LISTED = 40
MAX_FIELDS = 10
# Details up to this size are shown inline as a code block; longer ones become a file in the thread.
INLINE_DETAILS = 2500
CODE_TEXT = 2600
# Slack refuses messages whose blocks are much over 13,000 characters of JSON; pages stay under this.
PAGE_JSON_CHARS = 11_000
MAX_RESULT_TEXT = 300
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
SECTION_TITLES = {"diagnosis": "Diagnosis", "mitigation": "Mitigation", "rollback": "Rollback"}


def _section(text: str, block_id: str | None = None, accessory: ButtonElement | None = None) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(text=cut(text, SECTION_TEXT)), block_id=block_id, accessory=accessory
    )


def _context(text: str, block_id: str | None = None) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=cut(text, SECTION_TEXT))], block_id=block_id)


def _code(text: str, limit: int = CODE_TEXT) -> str:
    body = cut(text.replace("```", "'''"), limit)
    return f"```{body}```"


def _plain(text: str) -> str:
    """Text that cannot break out of Slack formatting (no links, mentions or code fences)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- suggestions and the list ------------------------------------------------------------------------


def attach_value(incident_id: int, runbook_id: str) -> str:
    return f"{incident_id}:{runbook_id}"


def step_value(attached_id: int, step_id: str) -> str:
    return f"{attached_id}:{step_id}"


def _runbook_line(runbook: Runbook) -> str:
    text = f"*{_plain(runbook.title)}* (`{runbook.id}`)"
    if runbook.description:
        text += f"\n{_plain(runbook.description)}"
    return text


def _attach_button(incident_id: int, runbook: Runbook) -> ButtonElement:
    return ButtonElement(
        text="Attach", action_id=ids.RUNBOOK_ATTACH, value=attach_value(incident_id, runbook.id)
    )


SUGGESTION_BLOCK = "suggest:"


def suggestions(
    incident_id: int, title: str, runbooks: Sequence[Runbook], attached: Sequence[str] = ()
) -> list[Block]:
    """The message posted at declaration: matching runbooks, each with an Attach button until attached."""
    blocks: list[Block] = [
        _section(f":books: Runbooks that may help with *{_plain(title)}*:"),
    ]
    for runbook in runbooks[:MAX_LISTED]:
        if runbook.id in attached:
            line, button = _runbook_line(runbook) + "\n:paperclip: _attached_", None
        else:
            line, button = _runbook_line(runbook), _attach_button(incident_id, runbook)
        blocks.append(_section(line, f"{SUGGESTION_BLOCK}{runbook.id}", button))
    blocks.append(_context("`/incident runbook` lists every runbook; `/incident runbook <id>` attaches one."))
    return blocks


def runbook_list(
    runbooks: Sequence[Runbook], incident_id: int | None, attached: Sequence[str], suggested: Sequence[str]
) -> list[Block]:
    """Every runbook; in an incident channel with an Attach button on those not attached yet."""
    if not runbooks:
        return [_section("No runbooks are defined in this installation's playbooks.")]
    blocks: list[Block] = [_section(f":books: *{len(runbooks)} runbooks*")]
    for runbook in runbooks[:MAX_LISTED]:
        line = _runbook_line(runbook)
        button = None
        if runbook.id in attached:
            line += "\n:paperclip: _attached_"
        elif incident_id is not None:
            button = _attach_button(incident_id, runbook)
            if runbook.id in suggested:
                line += "\n:bulb: _matches this incident's title_"
        blocks.append(_section(line, f"list:{runbook.id}", button))
    if incident_id is None:
        blocks.append(_context("Run `/incident runbook <id>` in an incident channel to attach one."))
    return blocks


# -- the checklist ---------------------------------------------------------------------------------


def _done_text(state: StepState) -> str:
    return f"done by {mention(state.done_by)} {when(state.done_at)}" if state.done_by else ""


def _tick_button(attached_id: int, step: Step, state: StepState) -> ButtonElement:
    if state.done_by:
        return ButtonElement(text="Undo", action_id=ids.RUNBOOK_UNDO, value=step_value(attached_id, step.id))
    return ButtonElement(
        text="Mark done", action_id=ids.RUNBOOK_DONE, value=step_value(attached_id, step.id), style="primary"
    )


def _run_button(attached_id: int, step: AwsStep) -> ButtonElement:
    value = step_value(attached_id, step.id)
    if not step.mutating:
        return ButtonElement(text="Run", action_id=ids.RUNBOOK_RUN, value=value, style="primary")
    return ButtonElement(
        text="Run…",
        action_id=ids.RUNBOOK_RUN,
        value=value,
        style="danger",
        confirm=ConfirmObject(
            title="This changes AWS",
            text=cut(f"{step.title} runs {step.name}. You will see the exact call before it runs.", 300),
            confirm="Review the call",
            deny="Cancel",
        ),
    )


def confirmers_text(step: AwsStep, role_names: Mapping[str, str]) -> str:
    """``needs confirmation by the Incident Commander or the Technical Lead``, from the step's allowed_roles."""
    names = [f"the {_plain(role_names.get(role_id, role_id))}" for role_id in step.allowed_roles]
    return "needs confirmation by " + " or ".join(names)


def _step_blocks(
    attached: AttachedView, number: int, step: Step, state: StepState | None = None
) -> list[Block]:
    """One step: always the same number of blocks whatever its state, so pages never reflow."""
    state = state or attached.state(step.id)
    box = ":white_check_mark:" if state.done_by else ":white_large_square:"
    title = f"~{_plain(step.title)}~" if state.done_by else f"*{_plain(step.title)}*"
    text = f"{box} {number}. {title}"
    if step.instructions:
        text += f"\n{_plain(step.instructions)}"
    block_id = f"{ids.RUNBOOK_STEP_BLOCK}{step.id}"
    if isinstance(step, CommandStep):
        command = attached.runbook.resolve_command(step, attached.variables)
        text += f"\n{_code(command)}"
    elif isinstance(step, LinkStep):
        text = f"{box} {number}. <{step.url}|{_plain(step.title)}>" + (
            f"\n{_plain(step.instructions)}" if step.instructions else ""
        )
    if isinstance(step, AwsStep):
        kind = (
            f":warning: changes AWS, {confirmers_text(step, attached.role_names)}"
            if step.mutating
            else "read-only"
        )
        text += f"\n`{step.name}` · {kind}"
        status = "Not run yet."
        if state.last_run_at is not None:
            status = (
                f"Last run by {mention(state.last_run_by)} {when(state.last_run_at)}: "
                f"{cut(state.last_result, MAX_RESULT_TEXT)}"
            )
        if state.done_by:
            status += f" · {_done_text(state)}"
        return [
            _section(text, block_id, _run_button(attached.id, step)),
            _context(status, f"{ids.RUNBOOK_STATUS_BLOCK}{step.id}"),
        ]
    if state.done_by:
        text += f"\n_{_done_text(state)}_"
    return [_section(text, block_id, _tick_button(attached.id, step, state))]


def _intro(attached: AttachedView) -> list[Block]:
    runbook = attached.runbook
    lines = []
    if runbook.description:
        lines.append(_plain(runbook.description))
    if runbook.symptoms:
        lines.append("*Symptoms:* " + "; ".join(_plain(s) for s in runbook.symptoms))
    lines.append(f"*Expected recovery:* {duration_text(runbook.expected_recovery)}")
    return [
        HeaderBlock(text=cut(f":books: {runbook.title}", HEADER_TEXT)),
        _section("\n".join(lines)),
        _context(
            f"Runbook `{runbook.id}` attached by {mention(attached.attached_by)} {when(attached.attached_at)}. "
            "Results of AWS steps appear in this thread."
        ),
    ]


def _widest_state(step_id: str) -> StepState:
    person = "U" + "X" * 20
    return StepState(step_id, person, _EPOCH, "x" * MAX_RESULT_TEXT, True, person, _EPOCH)


def _size(blocks: Sequence[Block]) -> int:
    return len(json.dumps([b.to_dict() for b in blocks], ensure_ascii=False))


def checklist_pages(attached: AttachedView) -> list[list[Block]]:
    """The checklist split into messages under Slack's limits (50 blocks, ~13k characters); the layout
    depends only on the runbook, never on the steps' progress."""
    groups: list[tuple[list[Block], int]] = []
    number = 0
    for section in SECTIONS:
        steps: list[Step] = list(getattr(attached.runbook, section))
        for index, step in enumerate(steps):
            number += 1
            group: list[Block] = []
            if index == 0:
                group.append(_section(f"*{SECTION_TITLES[section]}*", f"rbh:{section}"))
            group += _step_blocks(attached, number, step)
            # Sized in the largest state a step can reach, so ticking never moves a step to another page.
            widest = _step_blocks(attached, number, step, _widest_state(step.id))
            groups.append((group, _size(group[: -len(widest)] + widest)))
    intro = _intro(attached)
    pages: list[list[Block]] = []
    current: list[Block] = []
    # One block and some characters are kept for the "page x of y" line.
    room, chars = MESSAGE_BLOCKS - len(intro) - 1, PAGE_JSON_CHARS - _size(intro) - 300
    used = 0
    for group, size in groups:
        if current and (len(current) + len(group) > room or used + size > chars):
            pages.append(current)
            current, room, chars, used = [], MESSAGE_BLOCKS - 1, PAGE_JSON_CHARS - 300, 0
        current += group
        used += size
    pages.append(current)
    total = len(pages)
    result: list[list[Block]] = []
    for index, page in enumerate(pages):
        head: list[Block] = intro if index == 0 else []
        footer: list[Block] = (
            [_context(f"{attached.runbook.title}: page {index + 1} of {total}", "rbpage")]
            if total > 1
            else []
        )
        result.append(head + page + footer)
    return result


def page_text(attached: AttachedView, index: int, total: int) -> str:
    suffix = f" (page {index + 1} of {total})" if total > 1 else ""
    return f"Runbook: {attached.runbook.title}{suffix}"


# -- results -----------------------------------------------------------------------------------------


def result_blocks(
    step: AwsStep, result: Mapping[str, Any], actor_id: str, mutating: bool, inline_details: bool
) -> list[Block]:
    """A run's outcome: the verdict, a few fields, the call and who ran (or approved) it."""
    headline = str(result.get("headline") or "")
    blocks: list[Block] = [_section(f"*{_plain(step.title)}*\n{headline}")]
    pairs = [p for p in result.get("fields") or [] if isinstance(p, list | tuple) and len(p) == 2]
    if pairs:
        blocks.append(
            SectionBlock(
                fields=[
                    MarkdownTextObject(text=cut(f"*{_plain(str(k))}*\n{_plain(str(v))}", FIELD_TEXT))
                    for k, v in pairs[:MAX_FIELDS]
                ]
            )
        )
    details = str(result.get("details") or "")
    if details and inline_details:
        blocks.append(_section(_code(details)))
    who = f"approved and run by {mention(actor_id)}" if mutating else f"run by {mention(actor_id)}"
    call = str(result.get("call") or step.name)
    blocks.append(_context(f"`{cut(call.replace('`', ''), 2000)}` · {who}"))
    return blocks


# -- the confirmation modal -------------------------------------------------------------------------


def confirm_modal(
    attached_id: int, step: AwsStep, call: str, channel_id: str | None, resolving: bool
) -> View:
    """Shows the exact call; only the roles the step names can confirm it (checked again on submit)."""
    roles = ", ".join(step.allowed_roles)
    note = (
        ":hourglass_flowing_sand: Looking up the current values in AWS…"
        if resolving
        else "This is the exact call the bot will make."
    )
    # While AWS is being looked up there is nothing to confirm yet: no submit button. A digest of the call
    # shown is carried in the metadata (bounded, unlike the call) and the service runs only that call.
    meta = {"attached_id": attached_id, "step_id": step.id, "channel": channel_id, "call": call_digest(call)}
    return View(
        type="modal",
        callback_id=ids.RUNBOOK_CONFIRM_VIEW,
        title="Confirm AWS action",
        submit=None if resolving else "Run it",
        close="Cancel",
        private_metadata=json.dumps(meta, separators=(",", ":")),
        blocks=[
            _section(f":warning: *{_plain(step.title)}* changes AWS resources."),
            _section(_code(call)),
            _context(
                f"{note} Only these incident roles can confirm: {roles}. The call, its result and "
                "your name go to the incident timeline."
            ),
        ],
    )

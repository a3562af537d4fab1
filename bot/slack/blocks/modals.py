"""Modals: declare, assign roles, post update, resolve. Metadata carries ids only."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.grammar import MAX_TITLE
from bot.domain.severity import Severity, SeverityPolicy
from bot.domain.status import ACTIVE_STATUSES
from bot.domain.text import plain
from bot.services.read_models import IncidentView
from bot.slack import ids
from bot.slack.blocks.common import OPTION_TEXT, cut


def _metadata(**values: object) -> str:
    return json.dumps(values, separators=(",", ":"))


def _severity_option(sev: Severity) -> Option:
    return Option(
        value=sev.id,
        label=cut(f"{sev.label}: {sev.description}" if sev.description else sev.label, OPTION_TEXT),
    )


def declare_modal(
    severities: SeverityPolicy,
    title: str = "",
    severity: Severity | None = None,
    origin_channel: str | None = None,
) -> View:
    options = [_severity_option(s) for s in severities][:100]
    initial = _severity_option(severity) if severity else None
    return View(
        type="modal",
        callback_id=ids.DECLARE_VIEW,
        title="Declare an incident",
        submit="Declare",
        close="Cancel",
        private_metadata=_metadata(channel=origin_channel),
        blocks=[
            InputBlock(
                block_id=ids.TITLE[0],
                label="Title",
                element=PlainTextInputElement(
                    action_id=ids.TITLE[1],
                    initial_value=cut(plain(title), MAX_TITLE) or None,
                    max_length=MAX_TITLE,
                    placeholder="e.g. Payments failing at checkout",
                ),
            ),
            InputBlock(
                block_id=ids.SEVERITY[0],
                label="Severity",
                element=StaticSelectElement(
                    action_id=ids.SEVERITY[1], options=options, initial_option=initial
                ),
            ),
            InputBlock(
                block_id=ids.DESCRIPTION[0],
                label="What is happening?",
                optional=True,
                element=PlainTextInputElement(action_id=ids.DESCRIPTION[1], multiline=True, max_length=2900),
            ),
            InputBlock(
                block_id=ids.COMMANDER[0],
                label="Incident Commander",
                optional=True,
                hint="Leave empty to assign later.",
                element=UserSelectElement(action_id=ids.COMMANDER[1], placeholder="Pick a person"),
            ),
        ],
    )


def roles_modal(incident: IncidentView) -> View:
    blocks: list[InputBlock | SectionBlock] = [
        SectionBlock(text=MarkdownTextObject(text=cut(f"*{incident.ref}*: {incident.title}", 3000)))
    ]
    for holder in incident.roles[:90]:
        blocks.append(
            InputBlock(
                block_id=f"{ids.ROLE_BLOCK_PREFIX}{holder.role.id}"[:255],
                label=cut(holder.role.name, 2000),
                optional=True,
                hint=cut(holder.role.description, 2000) or None,
                element=UserSelectElement(action_id=ids.ROLE_SELECT, initial_user=holder.user_id),
            )
        )
    return View(
        type="modal",
        callback_id=ids.ROLES_VIEW,
        title="Assign roles",
        submit="Save",
        close="Cancel",
        private_metadata=_metadata(incident_id=incident.id),
        blocks=blocks,
    )


def update_modal(incident: IncidentView) -> View:
    statuses = [Option(value=s.value, label=s.label) for s in ACTIVE_STATUSES]
    current = next((o for o in statuses if o.value == incident.status.value), statuses[0])
    return View(
        type="modal",
        callback_id=ids.UPDATE_VIEW,
        title="Post an update",
        submit="Post",
        close="Cancel",
        private_metadata=_metadata(incident_id=incident.id),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=cut(f"*{incident.ref}*: {incident.title}", 3000))),
            InputBlock(
                block_id=ids.STATUS[0],
                label="Status",
                element=StaticSelectElement(
                    action_id=ids.STATUS[1], options=statuses, initial_option=current
                ),
            ),
            InputBlock(
                block_id=ids.SUMMARY[0],
                label="Summary",
                element=PlainTextInputElement(
                    action_id=ids.SUMMARY[1],
                    multiline=True,
                    max_length=2900,
                    placeholder="What we know, what we are doing, what is next",
                ),
            ),
            InputBlock(
                block_id=ids.IMPACT[0],
                label="Impact",
                optional=True,
                element=PlainTextInputElement(
                    action_id=ids.IMPACT[1],
                    multiline=True,
                    max_length=2000,
                    initial_value=incident.impact or None,
                ),
            ),
        ],
    )


def resolve_modal(incident: IncidentView) -> View:
    return View(
        type="modal",
        callback_id=ids.RESOLVE_VIEW,
        title="Resolve incident",
        submit="Resolve",
        close="Cancel",
        private_metadata=_metadata(incident_id=incident.id),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=cut(f"*{incident.ref}*: {incident.title}", 3000))),
            InputBlock(
                block_id=ids.RESOLUTION[0],
                label="Resolution summary",
                element=PlainTextInputElement(
                    action_id=ids.RESOLUTION[1], multiline=True, max_length=2900, placeholder="What fixed it"
                ),
            ),
            InputBlock(
                block_id=ids.ROOT_CAUSE[0],
                label="Root cause (if known)",
                optional=True,
                element=PlainTextInputElement(action_id=ids.ROOT_CAUSE[1], multiline=True, max_length=2000),
            ),
        ],
    )

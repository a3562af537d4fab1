"""Publishing in Slack: the Publish form with its preview, the reminder to publish, and what was published."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.publication import ComponentStatus, PublicStatus
from bot.services.publications import MAX_MESSAGE, MAX_PUBLIC_TITLE, PublishForm
from bot.services.read_models import IncidentView
from bot.slack import ids
from bot.slack.blocks.common import OPTION_TEXT, SECTION_TEXT, cut, mention

MAX_COMPONENTS = 90  # a modal holds 100 blocks


def _status_option(status: PublicStatus) -> Option:
    return Option(value=status.value, label=status.label)


def _component_option(status: ComponentStatus) -> Option:
    return Option(value=status.value, label=status.label)


def publish_modal(form: PublishForm) -> View:
    incident = form.incident
    statuses = [_status_option(s) for s in PublicStatus]
    levels = [_component_option(s) for s in ComponentStatus]
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=cut(
                    f"*{incident.ref}*: what you publish here is public. Write for customers: no internal "
                    "names, hosts or people.",
                    SECTION_TEXT,
                )
            )
        ),
        InputBlock(
            block_id=ids.PUBLIC_TITLE[0],
            label="Public title",
            hint="Defaults to the incident title; customers read this one.",
            element=PlainTextInputElement(
                action_id=ids.PUBLIC_TITLE[1],
                initial_value=form.public_title or None,
                max_length=MAX_PUBLIC_TITLE,
            ),
        ),
        InputBlock(
            block_id=ids.PUBLIC_STATUS[0],
            label="Public status",
            element=StaticSelectElement(
                action_id=ids.PUBLIC_STATUS[1], options=statuses, initial_option=_status_option(form.status)
            ),
        ),
    ]
    for state in form.components[:MAX_COMPONENTS]:
        comp = form.catalog.get(state.id)
        label = f"{comp.group}: {comp.name}" if comp and comp.group else (comp.name if comp else state.id)
        blocks.append(
            InputBlock(
                block_id=f"{ids.PUBLIC_COMPONENT_PREFIX}{state.id}",
                label=cut(label, 2000),
                element=StaticSelectElement(
                    action_id=ids.PUBLIC_COMPONENT_SELECT,
                    options=levels,
                    initial_option=_component_option(state.status),
                ),
            )
        )
    blocks += [
        InputBlock(
            block_id=ids.PUBLIC_MESSAGE[0],
            label="Message",
            element=PlainTextInputElement(
                action_id=ids.PUBLIC_MESSAGE[1],
                multiline=True,
                max_length=MAX_MESSAGE,
                initial_value=form.message or None,
                placeholder="What customers see, what we are doing, when the next update comes",
            ),
        ),
        SectionBlock(
            block_id=ids.PUBLISH_PREVIEW_BLOCK,
            text=MarkdownTextObject(text=cut(f"*Preview*\n>{_quote(form.preview)}", SECTION_TEXT)),
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.PUBLISH_VIEW,
        title="Publish update",
        submit="Publish",
        close="Cancel",
        private_metadata=json.dumps({"incident_id": incident.id}, separators=(",", ":")),
        blocks=blocks,
    )


def _quote(text: str) -> str:
    return text.replace("\n", "\n>")


def publish_button(incident: IncidentView, text: str = "Publish update") -> ButtonElement:
    return ButtonElement(text=cut(text, OPTION_TEXT), action_id=ids.PUBLISH, value=str(incident.id))


def publish_suggestion(incident: IncidentView) -> list[Block]:
    """Posted at declaration of a ``status_page: suggest`` severity."""
    within = incident.severity.respond_within
    by = f" within {_minutes(within.total_seconds())}" if within else ""
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text=f":mega: *{incident.severity.id}* incidents publish to the status page{by}. "
                "When you know what customers see, publish an update (the comms lead or the IC)."
            )
        ),
        ActionsBlock(elements=[publish_button(incident)]),
        ContextBlock(
            elements=[MarkdownTextObject(text="_Nothing is published until someone submits the form._")]
        ),
    ]


def _minutes(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}" if minutes else f"{int(seconds)} seconds"


def published_notice(actor: str, text: str) -> list[Block]:
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text=cut(
                    f":mega: {mention(actor)} published to the status page:\n>{_quote(text)}", SECTION_TEXT
                )
            )
        )
    ]


def refused_notice(publisher: str, reason: str) -> list[Block]:
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text=cut(
                    f":warning: {mention(publisher)} Atlassian Statuspage refused your update ({reason}). "
                    "The update is recorded here, but Statuspage does not show it. Check STATUSPAGE_API_KEY, "
                    "STATUSPAGE_PAGE_ID and the component ids in statuspage.yaml, then publish again.",
                    SECTION_TEXT,
                )
            )
        )
    ]

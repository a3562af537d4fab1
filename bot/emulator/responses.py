"""What Slack does with a JSON message POSTed to a response_url."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.emulator.blockkit import validate_message_blocks

if TYPE_CHECKING:
    from bot.emulator.workspace import Workspace

MAX_USES = 5
LIFETIME = 30 * 60


def use_response_url(ws: Workspace, response_id: str, payload: Any) -> tuple[int, str]:
    """Apply one response_url message; answers (HTTP status, body) like Slack."""
    with ws.lock:
        ru = ws.response_urls.get(response_id)
        if ru is None or ws.now() - ru.created > LIFETIME:
            ws.warn(f"response_url {response_id} is unknown or older than 30 minutes")
            return 404, "expired_url"
        if ru.uses >= MAX_USES:
            ws.warn(f"response_url {response_id} used more than {MAX_USES} times")
            return 404, "used_url"
        if not isinstance(payload, dict):
            ws.warn("response_url: the body is not a JSON object")
            return 400, "invalid_payload"
        ru.uses += 1
        original_message = ws.message(ru.channel, ru.message_ts) if ru.message_ts and not ru.is_ephemeral \
            else None
        original_eph = next((e for e in ws.ephemeral if e.ts == ru.message_ts and e.user == ru.user), None) \
            if ru.is_ephemeral else None
        if payload.get("delete_original"):
            if original_message is not None:
                ws.delete_message(original_message)
            elif original_eph is not None:
                original_eph.deleted = True
                ws.emit("ephemeral_deleted", channel=ru.channel, user=ru.user, ts=original_eph.ts)
            else:
                ws.warn("response_url: delete_original but there is no original message")
            return 200, "ok"
        blocks = payload.get("blocks")
        if blocks is not None:
            problems = validate_message_blocks(blocks)
            for problem in problems:
                ws.warn(f"response_url: {problem.message} (at {problem.pointer})")
            if problems:
                return 400, "invalid_blocks"
        text = str(payload.get("text") or "")
        if not text and not blocks:
            ws.warn("response_url: a message needs text or blocks; Slack answers no_text")
            return 400, "no_text"
        if payload.get("replace_original"):
            if original_message is not None:
                ws.edit_message(original_message, text, blocks or [])
                return 200, "ok"
            if original_eph is not None:
                original_eph.text, original_eph.blocks = text, list(blocks or [])
                ws.emit("ephemeral_updated", channel=ru.channel, user=ru.user, ts=original_eph.ts,
                        message=original_eph.to_dict())
                return 200, "ok"
            ws.warn("response_url: replace_original but there is no original message; posted as new")
        thread_ts = payload.get("thread_ts")
        if payload.get("response_type") == "in_channel":
            ws.post_message(ru.channel, ws.bot_user_id, text, blocks, thread_ts=thread_ts)
        else:
            ws.post_ephemeral(ru.channel, ru.user, text, blocks, thread_ts)
        return 200, "ok"

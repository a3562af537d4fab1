"""files.* Web API methods: external upload (URL + complete), legacy files.upload, files.info."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.emulator.api_chat import writable_channel
from bot.emulator.args import Args, Handler
from bot.emulator.errors import ApiError
from bot.emulator.models import JSON, FileRecord

if TYPE_CHECKING:
    from bot.emulator.workspace import Workspace


def get_upload_url(ws: Workspace, args: Args) -> JSON:
    """files.getUploadURLExternal: an upload URL pointing back at the emulator."""
    filename = args.require("filename")
    length = args.number("length", -1)
    if length < 0:
        raise ApiError("invalid_arguments", warning="files.getUploadURLExternal needs 'length'")
    record = FileRecord(ws.new_id("F"), filename, length=length)
    ws.files[record.id] = record
    return {"upload_url": f"{ws.base_url.rstrip('/')}/upload/{record.id}", "file_id": record.id}


def receive_upload(ws: Workspace, file_id: str, content: bytes) -> tuple[int, str]:
    """The POST of file content to an upload URL."""
    with ws.lock:
        record = ws.files.get(file_id)
        if record is None:
            return 404, "not found"
        record.content = content
        if record.length and record.length != len(content):
            ws.warn(f"file {file_id}: announced {record.length} bytes, uploaded {len(content)}")
        return 200, f"OK - {len(content)}"


def _share(ws: Workspace, record: FileRecord, args: Args, channel_name: str) -> None:
    if not args.has(channel_name):
        return
    channel = writable_channel(ws, Args(args.method, {"channel": args.get(channel_name)}))
    record.channels.append(channel.id)
    ws.post_message(channel.id, ws.bot_user_id, args.get("initial_comment", "") or "",
                    thread_ts=args.get("thread_ts"), files=[record.id])
    ws.emit("file_shared", channel=channel.id, file=record.to_dict())


def complete_upload(ws: Workspace, args: Args) -> JSON:
    """files.completeUploadExternal: finish uploads and optionally share them in a channel."""
    items = args.decoded("files")
    if not isinstance(items, list) or not items:
        raise ApiError("invalid_arguments", warning="files.completeUploadExternal needs a 'files' list")
    records = []
    for item in items:
        record = ws.files.get(str(item.get("id", ""))) if isinstance(item, dict) else None
        if record is None:
            raise ApiError("file_not_found")
        record.title = str(item.get("title") or record.name)
        record.completed = True
        records.append(record)
    for record in records:
        _share(ws, record, args, "channel_id")
    return {"files": [r.to_dict() for r in records]}


def legacy_upload(ws: Workspace, args: Args) -> JSON:
    """files.upload (deprecated by Slack; kept for old clients)."""
    ws.warn("files.upload is deprecated by Slack; use files.getUploadURLExternal + completeUploadExternal")
    raw = args.data.get("file", args.data.get("content", b""))
    content = raw if isinstance(raw, bytes) else str(raw).encode()
    record = FileRecord(ws.new_id("F"), args.get("filename", "file") or "file", args.get("title", "") or "",
                        content, len(content), completed=True)
    ws.files[record.id] = record
    for channel in args.items("channels"):
        _share(ws, record, Args(args.method, {**args.data, "channel": channel}), "channel")
    return {"file": record.to_dict()}


def files_info(ws: Workspace, args: Args) -> JSON:
    """files.info."""
    record = ws.files.get(args.require("file", error="file_not_found"))
    if record is None:
        raise ApiError("file_not_found")
    return {"file": record.to_dict()}


METHODS: dict[str, Handler] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
    "files.upload": legacy_upload,
    "files.info": files_info,
}

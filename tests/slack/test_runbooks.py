"""Runbooks in Slack: suggestions, attach, list, ticking, AWS steps (read-only and confirmed) and paging."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws
from sqlalchemy import select

from bot.integrations.aws import ClientFactory
from bot.playbooks.runbooks import AwsStep
from bot.services.runbook_views import call_digest
from bot.services.runbooks import RunbookService
from bot.slack import ids
from bot.slack.blocks import runbooks as rb_blocks
from bot.storage.models import TimelineEntry
from tests.harness import (
    SHIPPED_PLAYBOOKS,
    BotHarness,
    block_text,
    has_action,
    make_sev1_private,
    message_words,
    shows,
    start_bot,
    wait_until,
)

REGION = "us-east-1"

OPS_RUNBOOK = """\
id: ops-checks
title: Ops checks
description: Checks used by the runbook tests.
match: [opsfire]
expected_recovery: 15m
variables:
  cluster: prod
  service: api
diagnosis:
  - id: service-health
    kind: aws
    title: API service health
    service: ecs
    operation: describe_services
    args: {cluster: "{cluster}", services: "{service}"}
  - id: errors
    kind: aws
    title: Errors in the logs
    service: logs
    operation: filter_log_events
    args: {log_group: "/ecs/{service}", filter_pattern: "ERROR", lines: 40}
    since: 1h
  - id: ghost
    kind: aws
    title: A cluster that does not exist
    service: ecs
    operation: describe_services
    args: {cluster: ghost, services: api}
  - id: look
    kind: check
    title: Look at the dashboard
  - id: restart-cmd
    kind: command
    title: Restart by hand
    command: aws ecs update-service --cluster {cluster} --service {service} --force-new-deployment
  - id: status-page
    kind: link
    title: Status page
    url: https://status.example.com
mitigation:
  - id: rollback
    kind: aws
    title: Roll back the API
    service: ecs
    operation: rollback
    args: {cluster: "{cluster}", service: "{service}"}
    mutating: true
"""


def _long_runbook(steps: int) -> str:
    lines = [
        "id: long-one",
        "title: A very long runbook",
        "match: [longrunbook]",
        "expected_recovery: 1h",
        "diagnosis:",
    ]
    for n in range(steps):
        lines += [f"  - id: check-{n}", "    kind: check", f"    title: Check number {n}"]
    lines += [
        "mitigation:",
        "  - id: last-aws",
        "    kind: aws",
        "    title: Service health at the end",
        "    service: ecs",
        "    operation: describe_services",
        "    args: {cluster: prod, services: api}",
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def playbooks_dir(tmp_path: Path) -> Path:
    target = tmp_path / "playbooks"
    shutil.copytree(SHIPPED_PLAYBOOKS, target)
    (target / "runbooks" / "ops-checks.yaml").write_text(OPS_RUNBOOK)
    (target / "runbooks" / "long-one.yaml").write_text(_long_runbook(70))
    return target


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.session.Session]:
    """moto with an ECS service on revision 3 of three, and a log group with many error lines."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    with mock_aws():
        session = boto3.session.Session(region_name=REGION)
        ecs = session.client("ecs")
        ecs.create_cluster(clusterName="prod")
        for number in (1, 2, 3):
            ecs.register_task_definition(
                family="api", containerDefinitions=[{"name": "web", "image": f"api:{number}", "memory": 256}]
            )
        ecs.create_service(cluster="prod", serviceName="api", taskDefinition="api:3", desiredCount=2)
        logs = session.client("logs")
        logs.create_log_group(logGroupName="/ecs/api")
        logs.create_log_stream(logGroupName="/ecs/api", logStreamName="web/1")
        now_ms = int(time.time() * 1000)
        logs.put_log_events(
            logGroupName="/ecs/api",
            logStreamName="web/1",
            logEvents=[
                {
                    "timestamp": now_ms - (40 - n) * 60_000,
                    "message": f"ERROR payment gateway timeout {n} " + "x" * 120,
                }
                for n in range(40)
            ],
        )
        yield session


def _start(url: str, playbooks_dir: Path, session: boto3.session.Session) -> BotHarness:
    bot = start_bot(url, playbooks_dir=playbooks_dir)
    _service(bot).use_clients(ClientFactory(session))
    return bot


def _service(bot: BotHarness) -> RunbookService:
    service = bot.container.services.runbooks
    assert isinstance(service, RunbookService)
    return service


@pytest.fixture
def rb_bot(sqlite_url: str, playbooks_dir: Path, aws: boto3.session.Session) -> Iterator[BotHarness]:
    bot = _start(sqlite_url, playbooks_dir, aws)
    try:
        yield bot
    finally:
        bot.stop()


@pytest.fixture
def rb_bot_any_db(database_url: str, playbooks_dir: Path, aws: boto3.session.Session) -> Iterator[BotHarness]:
    bot = _start(database_url, playbooks_dir, aws)
    try:
        yield bot
    finally:
        bot.stop()


def _timeline(bot: BotHarness, incident_id: int, kind: str) -> list[TimelineEntry]:
    with bot.container.uow() as session:
        return list(
            session.execute(
                select(TimelineEntry)
                .where(TimelineEntry.incident_id == incident_id, TimelineEntry.kind == kind)
                .order_by(TimelineEntry.id)
            ).scalars()
        )


def _checklist(bot: BotHarness, channel: str, runbook_title: str) -> Any:
    return wait_until(
        lambda: next(
            (
                m
                for m in bot.workspace.messages(channel)
                if m.blocks and m.blocks[0].get("type") == "header" and runbook_title in block_text(m.blocks[0])
            ),
            None,
        ),
        what=f"checklist {runbook_title}",
    )


def _block(message: Any, block_id: str) -> dict[str, Any]:
    return next(b for b in message.blocks if b.get("block_id") == block_id)


def _run(bot: BotHarness, channel: str, ts: str, step_id: str, user: str = "U0BOB") -> None:
    """Click a step's Run button in a checklist page and wait for the bot to finish."""
    bot.driver.click_button(user, channel, ts, ids.RUNBOOK_RUN, block_id=f"rb:{step_id}")
    bot.settle()


def _attach(bot: BotHarness, channel: str, runbook_id: str, user: str = "U0ALICE") -> None:
    r = bot.command(f"runbook {runbook_id}", user=user, channel=channel)
    assert r.status_code == 200
    bot.settle()


def _thread_replies(bot: BotHarness, channel: str, ts: str) -> list[Any]:
    return [m for m in bot.workspace.thread(channel, ts) if m.ts != ts]


def test_declaration_suggests_matching_runbooks_with_attach_buttons(rb_bot: BotHarness) -> None:
    bot, ws = rb_bot, rb_bot.workspace
    inc = bot.declare("SEV1 payments down")
    suggestion = wait_until(
        lambda: next((m for m in ws.messages(inc.channel_id) if "Runbooks that may help" in m.text), None),
        what="suggestion message",
    )
    buttons = [
        b["accessory"]
        for b in suggestion.blocks
        if b.get("type") == "section" and b.get("accessory", {}).get("action_id") == ids.RUNBOOK_ATTACH
    ]
    # The best match comes first.
    assert buttons[0]["value"] == f"{inc.id}:payment-failure"
    best = suggestion.blocks[1]
    assert best["block_id"] == "suggest:payment-failure" and "Payment processing failure" in block_text(best)

    # Attach from the suggestion: the checklist is posted in the channel and the timeline says who.
    bot.driver.click_button(
        "U0BOB", inc.channel_id, suggestion.ts, ids.RUNBOOK_ATTACH, block_id="suggest:payment-failure"
    )
    bot.settle()
    checklist = _checklist(bot, inc.channel_id, "Payment processing failure")
    assert len(checklist.blocks) <= 50
    [entry] = _timeline(bot, inc.id, "runbook_attached")
    assert entry.actor_id == "U0BOB" and "payment-failure" in entry.text
    # Links are links, commands are code, aws steps have a Run button; mutating ones are dangerous.
    assert shows(checklist, "<https://status.stripe.com|Stripe status page>")
    recent = _block(checklist, "rb:recent-deploys")
    assert "```git log --oneline -10" in recent["text"]["text"]
    run = _block(checklist, "rb:payment-errors")["accessory"]
    assert run["action_id"] == ids.RUNBOOK_RUN and run.get("style") == "primary"
    restart = _block(checklist, "rb:restart")["accessory"]
    assert restart["style"] == "danger" and "confirm" in restart

    # The suggestion now says it is attached, without its button; the other suggestions keep theirs.
    updated = ws.message(inc.channel_id, suggestion.ts)
    attached_block = _block(updated, "suggest:payment-failure")
    assert "accessory" not in attached_block and "_attached_" in attached_block["text"]["text"]
    assert sum(1 for b in updated.blocks if b.get("accessory")) == len(buttons) - 1

    # Attaching it again does not attach twice; the person is told.
    bot.command("runbook payment-failure", user="U0BOB", channel=inc.channel_id)
    bot.settle()
    assert len(_timeline(bot, inc.id, "runbook_attached")) == 1
    assert any("already attached" in e.text for e in ws.ephemerals("U0BOB"))
    assert ws.warnings == []


def test_no_suggestion_when_nothing_matches(rb_bot: BotHarness) -> None:
    inc = rb_bot.declare("SEV3 the office plant wilted")
    assert not any("Runbooks that may help" in m.text for m in rb_bot.workspace.messages(inc.channel_id))


def test_list_and_attach_by_command(rb_bot: BotHarness) -> None:
    bot, ws = rb_bot, rb_bot.workspace
    # Outside an incident channel the list has no Attach buttons.
    bot.command("runbook", user="U0CAROL")
    bot.settle()
    listing = wait_until(lambda: ws.ephemerals("U0CAROL"), what="list")[-1]
    assert shows(listing, "failed-deployment") and not has_action(listing, ids.RUNBOOK_ATTACH)

    inc = bot.declare("SEV2 bad deploy of the api")
    _attach(bot, inc.channel_id, "Failed-Deployment")  # ids are case-insensitive
    _checklist(bot, inc.channel_id, "Failed deployment / rollback")
    bot.command("runbook nope", user="U0ALICE", channel=inc.channel_id)
    bot.settle()
    assert any("There is no runbook `nope`" in e.text for e in ws.ephemerals("U0ALICE"))

    bot.command("runbook", user="U0ALICE", channel=inc.channel_id)
    bot.settle()
    listing = ws.ephemerals("U0ALICE", inc.channel_id)[-1]
    by_id = {b.get("block_id"): b for b in listing.blocks}
    assert "_attached_" in by_id["list:failed-deployment"]["text"]["text"]
    assert by_id["list:high-latency"]["accessory"]["value"] == f"{inc.id}:high-latency"
    # Attach from the list's button.
    bot.driver.click_button(
        "U0ALICE", inc.channel_id, listing.ts, ids.RUNBOOK_ATTACH, block_id="list:high-latency"
    )
    bot.settle()
    _checklist(bot, inc.channel_id, "High latency")
    assert [a.runbook.id for a in _service(bot).attached_for(inc.id)] == ["failed-deployment", "high-latency"]


def test_ticking_a_step_records_who_and_updates_the_checklist(rb_bot_any_db: BotHarness) -> None:
    bot, ws = rb_bot_any_db, rb_bot_any_db.workspace
    inc = bot.declare("SEV2 opsfire in the api")
    _attach(bot, inc.channel_id, "ops-checks")
    checklist = _checklist(bot, inc.channel_id, "Ops checks")

    bot.driver.click_button("U0BOB", inc.channel_id, checklist.ts, ids.RUNBOOK_DONE, block_id="rb:look")
    bot.settle()
    [entry] = _timeline(bot, inc.id, "runbook_step_done")
    assert entry.actor_id == "U0BOB" and "Look at the dashboard" in entry.text
    fresh = ws.message(inc.channel_id, checklist.ts)
    look = _block(fresh, "rb:look")
    assert ":white_check_mark:" in look["text"]["text"] and "<@U0BOB>" in look["text"]["text"]
    assert look["accessory"]["action_id"] == ids.RUNBOOK_UNDO
    assert len(fresh.edits) >= 1

    # A stale "Mark done" (someone else's screen, not refreshed yet) changes nothing; Undo reopens it.
    stale_value = look["accessory"]["value"]
    bot.driver.click_button(
        "U0CAROL",
        inc.channel_id,
        checklist.ts,
        ids.RUNBOOK_DONE,
        value=stale_value,
        block_id="rb:restart-cmd",
    )
    bot.settle()
    assert len(_timeline(bot, inc.id, "runbook_step_done")) == 1
    bot.driver.click_button("U0CAROL", inc.channel_id, checklist.ts, ids.RUNBOOK_UNDO, block_id="rb:look")
    bot.settle()
    assert len(_timeline(bot, inc.id, "runbook_step_undone")) == 1
    look = _block(ws.message(inc.channel_id, checklist.ts), "rb:look")
    assert ":white_large_square:" in look["text"]["text"]


def test_read_only_step_posts_a_formatted_result_in_the_thread(rb_bot: BotHarness) -> None:
    bot, ws = rb_bot, rb_bot.workspace
    inc = bot.declare("SEV2 opsfire in the api")
    _attach(bot, inc.channel_id, "ops-checks")
    checklist = _checklist(bot, inc.channel_id, "Ops checks")

    _run(bot, inc.channel_id, checklist.ts, "service-health", user="U0BOB")
    [reply] = _thread_replies(bot, inc.channel_id, checklist.ts)
    text = message_words(reply)
    assert "API service health" in text and "api: 0/2 running" in text
    assert "Task definition" in text and "api:3" in text
    assert "describe_services(cluster='prod', services=['api'])" in text
    assert "run by <@U0BOB>" in text
    assert "ResponseMetadata" not in text and "serviceArn" not in text  # never a raw dump
    status = _block(ws.message(inc.channel_id, checklist.ts), "rbs:service-health")
    assert "api: 0/2 running" in block_text(status) and "<@U0BOB>" in block_text(status)
    [entry] = _timeline(bot, inc.id, "runbook_step_run")
    assert entry.actor_id == "U0BOB" and entry.data["ok"] is True and entry.data["mutating"] is False

    # Long output is uploaded as a file in the thread, not pasted.
    _run(bot, inc.channel_id, checklist.ts, "errors", user="U0BOB")
    replies = _thread_replies(bot, inc.channel_id, checklist.ts)
    assert shows(replies[1], "40 log lines matching 'ERROR'")
    assert "payment gateway timeout 39" not in message_words(replies[1])
    [file_message] = [m for m in replies if m.files]
    record = ws.files[file_message.files[0]]
    assert b"payment gateway timeout 39" in record.content and record.completed
    assert ws.warnings == []


def test_a_runbook_attached_with_settings_uses_them_for_this_incident_only(rb_bot: BotHarness) -> None:
    bot, ws = rb_bot, rb_bot.workspace
    inc = bot.declare("SEV2 opsfire in checkout")
    # A name the runbook does not declare is refused and nothing is attached.
    bot.command("runbook ops-checks region=eu-west-1", channel=inc.channel_id)
    bot.settle()
    assert _timeline(bot, inc.id, "runbook_attached") == []
    refusal = next(e for e in ws.ephemerals("U0ALICE", inc.channel_id) if "no variable" in e.text)
    assert "`region`" in refusal.text and "`cluster`, `service`" in refusal.text

    _attach(bot, inc.channel_id, "ops-checks service=checkout")
    [entry] = _timeline(bot, inc.id, "runbook_attached")
    assert entry.text.endswith("with service=checkout") and entry.data["settings"] == {"service": "checkout"}
    checklist = _checklist(bot, inc.channel_id, "Ops checks")
    restart = _block(checklist, "rb:restart-cmd")["text"]["text"]
    assert "--cluster prod --service checkout" in restart  # the default cluster, the incident's service
    _run(bot, inc.channel_id, checklist.ts, "service-health", user="U0BOB")
    [reply] = _thread_replies(bot, inc.channel_id, checklist.ts)
    assert shows(reply, "checkout")  # describe_services asked about checkout, not api

    # Another incident attaching the same runbook gets the runbook's own defaults.
    other = bot.declare("SEV3 opsfire elsewhere")
    _attach(bot, other.channel_id, "ops-checks")
    other_list = _checklist(bot, other.channel_id, "Ops checks")
    assert "--service api" in _block(other_list, "rb:restart-cmd")["text"]["text"]


def test_aws_errors_are_shown_clearly_in_the_thread(rb_bot: BotHarness) -> None:
    bot = rb_bot
    inc = bot.declare("SEV2 opsfire in the api")
    _attach(bot, inc.channel_id, "ops-checks")
    checklist = _checklist(bot, inc.channel_id, "Ops checks")
    _run(bot, inc.channel_id, checklist.ts, "ghost", user="U0BOB")
    [reply] = _thread_replies(bot, inc.channel_id, checklist.ts)
    text = message_words(reply)
    assert ":x:" in text and "ghost" in text
    [entry] = _timeline(bot, inc.id, "runbook_step_run")
    assert entry.data["ok"] is False
    status = _block(bot.workspace.message(inc.channel_id, checklist.ts), "rbs:ghost")
    assert "ghost" in block_text(status)


def _ops_incident_with_bob_as_ic(bot: BotHarness) -> tuple[Any, Any]:
    """A SEV1 with Bob as IC and the ops-checks runbook attached: (incident, first checklist page)."""
    inc = bot.declare("SEV1 opsfire in the api")
    bot.command("role ic <@U0BOB|bob>", channel=inc.channel_id)
    _attach(bot, inc.channel_id, "ops-checks")
    return inc, _checklist(bot, inc.channel_id, "Ops checks")


def _current_revision(session: boto3.session.Session) -> str:
    svc = session.client("ecs").describe_services(cluster="prod", services=["api"])["services"][0]
    return str(svc["taskDefinition"].rsplit("/", 1)[-1])


def test_rollback_confirmed_by_the_ic_picks_the_previous_revision(
    rb_bot_any_db: BotHarness, aws: boto3.session.Session
) -> None:
    bot, ws = rb_bot_any_db, rb_bot_any_db.workspace
    inc, checklist = _ops_incident_with_bob_as_ic(bot)

    _run(bot, inc.channel_id, checklist.ts, "rollback", user="U0BOB")
    view = wait_until(lambda: ws.open_view("U0BOB"), what="confirmation modal")
    assert view.body["callback_id"] == ids.RUNBOOK_CONFIRM_VIEW
    # The modal shows the exact call, with the target revision looked up in AWS.
    shown = message_words(view.body["blocks"])
    assert "ecs.update_service(cluster='prod', service='api', taskDefinition=" in shown
    assert "task-definition/api:2" in shown
    assert _current_revision(aws) == "api:3"  # nothing ran yet

    r = bot.driver.submit_view("U0BOB")
    assert r.status_code == 200
    bot.settle()
    assert _current_revision(aws) == "api:2"
    [entry] = _timeline(bot, inc.id, "runbook_step_run")
    assert entry.data["approver"] == "U0BOB" and entry.data["mutating"] is True and entry.data["ok"] is True
    assert "task-definition/api:2" in entry.data["call"]
    assert "rolling back from api:3 to api:2" in entry.text
    [reply] = _thread_replies(bot, inc.channel_id, checklist.ts)
    assert shows(reply, "approved and run by <@U0BOB>")


def test_a_rollback_runs_only_as_confirmed_when_aws_changed_meanwhile(
    rb_bot: BotHarness, aws: boto3.session.Session
) -> None:
    bot, ws = rb_bot, rb_bot.workspace
    inc, checklist = _ops_incident_with_bob_as_ic(bot)
    _run(bot, inc.channel_id, checklist.ts, "rollback", user="U0BOB")
    view = wait_until(
        lambda: (v := ws.open_view("U0BOB")) and shows(v.body.get("blocks", []), "task-definition/api:2") and v,
        what="resolved confirmation modal",
    )
    assert view.body["submit"]["text"] == "Run it"

    # Someone rolls back by hand while the IC reads the modal: the confirmed call is no longer the one
    # a rollback would make (it would go to api:1), so nothing runs.
    ecs = aws.client("ecs")
    arn = ecs.describe_services(cluster="prod", services=["api"])["services"][0]["taskDefinition"]
    ecs.update_service(cluster="prod", service="api", taskDefinition=arn.replace("api:3", "api:2"))
    bot.driver.submit_view("U0BOB")
    bot.settle()
    assert _current_revision(aws) == "api:2"
    assert _timeline(bot, inc.id, "runbook_step_run") == []
    warning = ws.ephemerals("U0BOB", inc.channel_id)[-1].text
    assert "AWS changed since you confirmed" in warning and "task-definition/api:1" in warning
    assert "Nothing was run" in warning


def test_the_confirmation_cannot_be_submitted_before_the_call_is_known() -> None:
    step = AwsStep.model_validate(
        {
            "id": "rollback",
            "kind": "aws",
            "title": "Roll back",
            "service": "ecs",
            "operation": "rollback",
            "mutating": True,
            "args": {"cluster": "prod", "service": "api"},
        }
    )
    looking = rb_blocks.confirm_modal(7, step, "ecs.update_service(<…>)", "C1", resolving=True).to_dict()
    ready = rb_blocks.confirm_modal(7, step, "ecs.update_service(x)", "C1", resolving=False).to_dict()
    assert "submit" not in looking and ready["submit"]["text"] == "Run it"
    assert json.loads(ready["private_metadata"])["call"] == call_digest("ecs.update_service(x)")


def test_a_non_ic_cannot_run_a_mutating_step_even_with_a_forged_submission(
    rb_bot: BotHarness, aws: boto3.session.Session
) -> None:
    bot, ws = rb_bot, rb_bot.workspace
    inc, checklist = _ops_incident_with_bob_as_ic(bot)

    # The Run button refuses at once, without a modal.
    _run(bot, inc.channel_id, checklist.ts, "rollback", user="U0CAROL")
    assert ws.open_view("U0CAROL") is None
    refusal = ws.ephemerals("U0CAROL", inc.channel_id)[-1]
    assert "Only the Incident Commander" in refusal.text and "Nothing was run" in refusal.text

    # A forged submission of the IC's confirmation modal, sent as Carol, is refused by the service too.
    _run(bot, inc.channel_id, checklist.ts, "rollback", user="U0BOB")
    view = wait_until(lambda: ws.open_view("U0BOB"), what="IC's modal")
    payload = {**bot.driver._base("view_submission", "U0CAROL"), "view": ws.view_json(view, {"values": {}})}
    assert bot.driver._interactive(payload).status_code == 200
    bot.settle()
    assert _current_revision(aws) == "api:3"
    assert _timeline(bot, inc.id, "runbook_step_run") == []
    [refused] = _timeline(bot, inc.id, "runbook_step_refused")
    assert refused.actor_id == "U0CAROL"
    assert "Nothing was run" in ws.ephemerals("U0CAROL", inc.channel_id)[-1].text

    # The check uses the roles held when the call is confirmed: once Carol is IC, the same submission runs.
    bot.command("role ic <@U0CAROL|carol>", channel=inc.channel_id)
    bot.settle()
    assert bot.driver._interactive(payload).status_code == 200
    bot.settle()
    assert _current_revision(aws) == "api:2"


def test_a_long_runbook_is_paged_under_fifty_blocks(rb_bot: BotHarness) -> None:
    bot, ws = rb_bot, rb_bot.workspace
    inc = bot.declare("SEV3 longrunbook day")
    _attach(bot, inc.channel_id, "long-one")
    first = _checklist(bot, inc.channel_id, "A very long runbook")
    pages = [m for m in ws.messages(inc.channel_id) if m.text.startswith("Runbook: A very long runbook")]
    assert pages[0].ts == first.ts and len(pages) >= 2
    assert all(len(p.blocks) <= 50 and len(json.dumps(p.blocks)) < 13_000 for p in pages)
    assert shows(pages[-1], f"page {len(pages)} of {len(pages)}")
    # Every step is somewhere, once.
    step_blocks = [
        b["block_id"] for p in pages for b in p.blocks if str(b.get("block_id", "")).startswith("rb:")
    ]
    assert len(step_blocks) == len(set(step_blocks)) == 71

    # Ticking a step on the second page updates that page; AWS results still go to the first page's thread.
    bot.driver.click_button("U0BOB", inc.channel_id, pages[-1].ts, ids.RUNBOOK_DONE, block_id="rb:check-69")
    bot.settle()
    assert "<@U0BOB>" in block_text(_block(ws.message(inc.channel_id, pages[-1].ts), "rb:check-69"))
    bot.driver.click_button("U0BOB", inc.channel_id, pages[-1].ts, ids.RUNBOOK_RUN, block_id="rb:last-aws")
    bot.settle()
    assert len(_thread_replies(bot, inc.channel_id, first.ts)) == 1
    assert ws.warnings == []


def test_forged_runbook_buttons_cannot_reach_another_incident(
    sqlite_url: str, playbooks_dir: Path, aws: boto3.session.Session
) -> None:
    # SEV1 is private here: the target incident is one Carol cannot see.
    make_sev1_private(playbooks_dir)
    bot = _start(sqlite_url, playbooks_dir, aws)
    try:
        ws = bot.workspace
        secret = bot.declare("SEV1 opsfire in the vault", user="U0BOB")
        assert ws.channel(secret.channel_id).is_private
        bot.command("role ic <@U0BOB|bob>", channel=secret.channel_id, user="U0BOB")
        _attach(bot, secret.channel_id, "ops-checks", user="U0BOB")
        secret_list = _checklist(bot, secret.channel_id, "Ops checks")
        [attached] = _service(bot).attached_for(secret.id)
        mine = bot.declare("SEV2 opsfire in the api", user="U0CAROL")
        _attach(bot, mine.channel_id, "ops-checks", user="U0CAROL")
        checklist = _checklist(bot, mine.channel_id, "Ops checks")
        bot.command("runbook", user="U0CAROL", channel=mine.channel_id)
        bot.settle()
        listing = ws.ephemerals("U0CAROL", mine.channel_id)[-1]

        # Carol edits the values of buttons in her own channel to name the private incident's ids.
        forged = [
            (listing.ts, ids.RUNBOOK_ATTACH, f"{secret.id}:high-latency", "list:high-latency"),
            (checklist.ts, ids.RUNBOOK_DONE, f"{attached.id}:look", "rb:look"),
            (checklist.ts, ids.RUNBOOK_RUN, f"{attached.id}:service-health", "rb:service-health"),
            (checklist.ts, ids.RUNBOOK_RUN, f"{attached.id}:rollback", "rb:rollback"),
        ]
        for ts, action_id, value, block_id in forged:
            r = bot.driver.click_button(
                "U0CAROL", mine.channel_id, ts, action_id, value=value, block_id=block_id
            )
            assert r.status_code == 200
            bot.settle()
        # Undo of a step Bob ticked, forged from an Undo button of Carol's own checklist.
        bot.driver.click_button(
            "U0BOB", secret.channel_id, secret_list.ts, ids.RUNBOOK_DONE, block_id="rb:look"
        )
        bot.driver.click_button(
            "U0CAROL", mine.channel_id, checklist.ts, ids.RUNBOOK_DONE, block_id="rb:look"
        )
        bot.settle()
        bot.driver.click_button(
            "U0CAROL",
            mine.channel_id,
            checklist.ts,
            ids.RUNBOOK_UNDO,
            value=f"{attached.id}:look",
            block_id="rb:look",
        )
        bot.settle()

        refusals = [e.text for e in ws.ephemerals("U0CAROL", mine.channel_id)]
        assert sum("does not belong to this channel's incident" in t for t in refusals) == 5
        assert not any("vault" in t or secret.ref in t for t in refusals)  # the private incident is not named
        assert [a.runbook.id for a in _service(bot).attached_for(secret.id)] == ["ops-checks"]
        assert [e.actor_id for e in _timeline(bot, secret.id, "runbook_step_done")] == ["U0BOB"]
        assert _timeline(bot, secret.id, "runbook_step_undone") == []
        assert _timeline(bot, secret.id, "runbook_step_run") == []
        assert _thread_replies(bot, secret.channel_id, secret_list.ts) == []
        assert ws.open_view("U0CAROL") is None
        assert _current_revision(aws) == "api:3"
    finally:
        bot.stop()


def test_a_tech_lead_listed_in_allowed_roles_confirms_a_step(
    rb_bot: BotHarness, aws: boto3.session.Session
) -> None:
    bot, ws = rb_bot, rb_bot.workspace
    inc = bot.declare("SEV1 api down")
    bot.command("role ic <@U0BOB|bob>", channel=inc.channel_id)
    bot.command("role tech_lead <@U0CAROL|carol>", channel=inc.channel_id)
    _attach(bot, inc.channel_id, "api-down")
    checklist = _checklist(bot, inc.channel_id, "API down")
    restart = _block(checklist, "rb:restart")["text"]["text"]
    assert "needs confirmation by the Incident Commander or the Technical Lead" in restart
    before = aws.client("ecs").describe_services(cluster="prod", services=["api"])["services"][0]

    _run(bot, inc.channel_id, checklist.ts, "restart", user="U0CAROL")
    view = wait_until(
        lambda: (v := ws.open_view("U0CAROL")) and "submit" in v.body and v, what="Carol's confirmation"
    )
    assert shows(view.body["blocks"], "forceNewDeployment=True")
    bot.driver.submit_view("U0CAROL")
    bot.settle()
    after = aws.client("ecs").describe_services(cluster="prod", services=["api"])["services"][0]
    assert after["deployments"][0]["id"] != before["deployments"][0]["id"]
    [entry] = _timeline(bot, inc.id, "runbook_step_run")
    assert entry.data["approver"] == "U0CAROL" and entry.data["ok"] is True
    assert "approved and run by <@U0CAROL>" in entry.text

    # The scale-out step is the IC's only: the tech lead is refused and told who may run it.
    _run(bot, inc.channel_id, checklist.ts, "scale-up", user="U0CAROL")
    assert "Only the Incident Commander" in ws.ephemerals("U0CAROL", inc.channel_id)[-1].text


def test_access_denied_is_shown_clearly_in_the_runbook_thread(
    rb_bot: BotHarness, aws: boto3.session.Session
) -> None:
    bot, ws = rb_bot, rb_bot.workspace
    denied = (
        "User: arn:aws:sts::123456789012:assumed-role/incident-bot/session is not authorized to perform: "
        "ecs:DescribeServices on resource: arn:aws:ecs:us-east-1:123456789012:service/prod/api"
    )

    def refuse(params: Any, **kwargs: Any) -> Any:
        http = AWSResponse(params["url"], 400, {}, None)
        return http, {
            "Error": {"Code": "AccessDeniedException", "Message": denied},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }

    # AWS answers DescribeServices with AccessDenied, as it does for a role without ecs:DescribeServices.
    aws.events.register("before-call.ecs.DescribeServices", refuse)
    inc = bot.declare("SEV2 opsfire in the api")
    _attach(bot, inc.channel_id, "ops-checks")
    checklist = _checklist(bot, inc.channel_id, "Ops checks")
    _run(bot, inc.channel_id, checklist.ts, "service-health", user="U0BOB")

    [reply] = _thread_replies(bot, inc.channel_id, checklist.ts)
    text = message_words(reply)
    assert "AWS denied access to ecs:DescribeServices. The bot's role needs that permission." in text
    assert "AccessDeniedException" not in text and "ResponseMetadata" not in text
    status = _block(ws.message(inc.channel_id, checklist.ts), "rbs:service-health")
    assert "AWS denied access to ecs:DescribeServices" in block_text(status)
    look = _block(ws.message(inc.channel_id, checklist.ts), "rb:service-health")
    assert ":white_large_square:" in look["text"]["text"]  # a failed run does not tick the step
    [entry] = _timeline(bot, inc.id, "runbook_step_run")
    assert entry.data["ok"] is False
    assert ws.warnings == []

"""The permission rule on its own: standings before and after an IC, admins, and the refusal's wording."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.domain.permissions import DEFAULT_PERMISSIONS, Action, Permissions, Rule, Standing, decide
from bot.playbooks import load_playbooks

SHIPPED = Path(__file__).resolve().parents[2] / "playbooks"
BEFORE_IC = Standing(ref="INC-2026-0001", reporter_id="U0ALICE", channel_id="C0INC")
WITH_IC = Standing(
    ref="INC-2026-0001",
    reporter_id="U0ALICE",
    holders={"ic": "U0BOB", "tech_lead": "U0DAVE"},
    role_names={"ic": "Incident Commander", "tech_lead": "Technical Lead"},
    channel_id="C0INC",
)


def _may(
    action: Action,
    incident: Standing,
    actor: str,
    *,
    member: bool = False,
    admin: bool = False,
    permissions: Permissions = DEFAULT_PERMISSIONS,
) -> bool:
    return decide(permissions, action, incident, actor, is_admin=lambda: admin, is_member=lambda: member).allowed


def test_before_an_ic_any_channel_member_may_resolve_and_outsiders_may_not() -> None:
    assert _may(Action.RESOLVE, BEFORE_IC, "U0CAROL", member=True)
    assert not _may(Action.RESOLVE, BEFORE_IC, "U0CAROL", member=False)
    assert _may(Action.SEVERITY, BEFORE_IC, "U0ALICE")  # the reporter, member or not


def test_once_an_ic_is_assigned_only_ic_reporter_or_admin() -> None:
    for action in (Action.RESOLVE, Action.REOPEN, Action.SEVERITY, Action.ROLE):
        assert _may(action, WITH_IC, "U0BOB") and _may(action, WITH_IC, "U0ALICE")
        assert not _may(action, WITH_IC, "U0CAROL", member=True)
        assert _may(action, WITH_IC, "U0CAROL", admin=True)


def test_mutating_steps_need_the_ic_even_before_one_is_assigned() -> None:
    assert not _may(Action.RUN_MUTATING_STEP, BEFORE_IC, "U0ALICE", member=True)
    assert _may(Action.RUN_MUTATING_STEP, WITH_IC, "U0BOB")
    assert not _may(Action.RUN_MUTATING_STEP, WITH_IC, "U0DAVE", member=True)


def test_anyone_may_declare_private_by_default_and_a_role_standing_is_the_holder() -> None:
    assert _may(Action.DECLARE_PRIVATE, Standing(), "U0ZED")
    admins_only = Permissions(rules={Action.DECLARE_PRIVATE: Rule(())}, admin_users=("U0ADMIN",))
    assert not _may(Action.DECLARE_PRIVATE, Standing(), "U0ZED", permissions=admins_only)
    assert _may(Action.DECLARE_PRIVATE, Standing(), "U0ADMIN", admin=True, permissions=admins_only)
    techs = Permissions(rules={Action.PUBLISH: Rule(("tech_lead",))})
    assert _may(Action.PUBLISH, WITH_IC, "U0DAVE", permissions=techs)
    assert not _may(Action.PUBLISH, WITH_IC, "U0BOB", permissions=techs)


def test_lookups_run_only_when_needed() -> None:
    asked: list[str] = []

    def member() -> bool:
        asked.append("member")
        return True

    decide(DEFAULT_PERMISSIONS, Action.RESOLVE, WITH_IC, "U0BOB", is_admin=lambda: False, is_member=member)
    decide(DEFAULT_PERMISSIONS, Action.RESOLVE, WITH_IC, "U0CAROL", is_admin=lambda: False, is_member=member)
    assert asked == []  # channel membership does not matter once there is an IC


def test_the_refusal_names_who_may() -> None:
    with_admins = Permissions(admin_users=("U0ADMIN",))
    refusal = decide(
        with_admins, Action.RESOLVE, WITH_IC, "U0CAROL", is_admin=lambda: False, is_member=lambda: True
    ).refusal
    assert refusal == (
        "Only the incident commander <@U0BOB>, the reporter <@U0ALICE> or an admin can resolve "
        "INC-2026-0001. Nothing was changed."
    )
    before = decide(
        DEFAULT_PERMISSIONS, Action.SEVERITY, BEFORE_IC, "U0CAROL", is_admin=lambda: False, is_member=lambda: False
    ).refusal
    assert before == (
        "Only the reporter <@U0ALICE> or members of <#C0INC> can change the severity of INC-2026-0001. "
        "Nothing was changed."
    )


def test_permissions_yaml_partial_file_keeps_defaults_and_splits_admins(tmp_path: Path) -> None:
    target = tmp_path / "playbooks"
    shutil.copytree(SHIPPED, target)
    (target / "permissions.yaml").write_text(
        "admins: [U0ADMIN, S0SECOPS]\nactions:\n  resolve:\n    allowed: [ic]\n"
    )
    permissions = load_playbooks(target).permissions
    assert (permissions.admin_users, permissions.admin_groups) == (("U0ADMIN",), ("S0SECOPS",))
    assert permissions.rule(Action.RESOLVE) == Rule(("ic",))
    assert permissions.rule(Action.REOPEN) == DEFAULT_PERMISSIONS.rule(Action.REOPEN)
    (target / "permissions.yaml").unlink()  # an older playbooks directory: the shipped default
    assert load_playbooks(target).permissions == DEFAULT_PERMISSIONS

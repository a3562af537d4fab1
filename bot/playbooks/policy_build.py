"""Build the severity policy and role catalog from their validated files, checking ids and aliases."""

from __future__ import annotations

from bot.domain.publication import default_status_page
from bot.domain.roles import COMMANDER, Role, RoleCatalog
from bot.domain.severity import Severity, SeverityPolicy
from bot.domain.verbs import VERBS
from bot.playbooks.problems import Problem
from bot.playbooks.schema import RolesFile, SeveritiesFile
from bot.playbooks.yaml_source import YamlDoc

BROADCAST_POST_DEFAULT_RANKS = 2  # the first two severities also post updates as channel posts
_VERBS = frozenset(spec.verb for spec in VERBS if spec.verb)


def build_severities(doc: YamlDoc, spec: SeveritiesFile) -> tuple[SeverityPolicy, list[Problem]]:
    """Severities in file order (rank 0 = most severe); ids and aliases must be unambiguous."""
    problems: list[Problem] = []
    owners: dict[str, str] = {}
    levels: list[Severity] = []
    for rank, (sev_id, item) in enumerate(spec.severities.items()):
        words: list[tuple[tuple[str | int, ...], str]] = [(("severities", sev_id), sev_id)]
        words += [(("severities", sev_id, "aliases", i), a) for i, a in enumerate(item.aliases)]
        for path, word in words:
            problems += _claim(doc, owners, path, word, sev_id, "severity")
        broadcast = item.broadcast_post
        status_page = default_status_page(rank, item.private).value
        if item.status_page is not None:
            status_page = item.status_page
            if item.private and item.status_page != "never":
                message = (
                    f"a private severity never publishes to the status page; "
                    f"use status_page: never or leave it out (got {item.status_page!r})"
                )
                problems.append(doc.problem(("severities", sev_id, "status_page"), message))
        levels.append(
            Severity(
                id=sev_id,
                name=item.name,
                description=item.description.strip(),
                aliases=tuple(item.aliases),
                rank=rank,
                respond_within=item.respond_within,
                update_every=item.update_every,
                escalation=item.escalation,
                postmortem_within=item.postmortem_within,
                private=item.private,
                broadcast_post=rank < BROADCAST_POST_DEFAULT_RANKS if broadcast is None else broadcast,
                emoji=item.emoji,
                archive_after=item.archive_after,
                status_page=status_page,
                notify_stakeholders=item.notify_stakeholders,
            )
        )
    return SeverityPolicy.of(levels), problems


def build_roles(doc: YamlDoc, spec: RolesFile) -> tuple[RoleCatalog, list[Problem]]:
    """Roles in file order; ``ic`` (the Incident Commander) must exist; ids/aliases/names unambiguous."""
    problems: list[Problem] = []
    if COMMANDER not in spec.roles:
        problems.append(doc.problem(("roles",), f"the Incident Commander role {COMMANDER!r} must be defined"))
    owners: dict[str, str] = {}
    roles: list[Role] = []
    for role_id, item in spec.roles.items():
        words: list[tuple[tuple[str | int, ...], str]] = [(("roles", role_id), role_id)]
        words += [(("roles", role_id, "aliases", i), a) for i, a in enumerate(item.aliases)]
        words.append((("roles", role_id, "name"), item.name))
        for path, word in words:
            problems += _claim(doc, owners, path, word, role_id, "role", verbs=False)
        roles.append(
            Role(
                id=role_id,
                name=item.name,
                description=item.description.strip(),
                aliases=tuple(item.aliases),
                checklist=tuple(item.checklist),
            )
        )
    return RoleCatalog.of(roles), problems


def _claim(
    doc: YamlDoc,
    owners: dict[str, str],
    path: tuple[str | int, ...],
    word: str,
    owner: str,
    what: str,
    *,
    verbs: bool = True,
) -> list[Problem]:
    key = word.strip().casefold().replace("-", "_").replace(" ", "_") if what == "role" else word.casefold()
    if verbs and word.casefold() in _VERBS:
        return [doc.problem(path, f"{word!r} is a /incident subcommand and cannot name a {what}")]
    previous = owners.setdefault(key, owner)
    if previous != owner:
        return [doc.problem(path, f"{word!r} already names {what} {previous!r}")]
    return []

"""Alert use cases: route one alert (declare, join by fingerprint or group, resolve, notify, page, ignore)
and declare from a notice's or page's Declare button.

Every alert handled claims its own key (``alert:<queue row>:<index>``) in the transaction that acts on it,
so an alert redone after a crash changes nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.alerts.model import Alert
from bot.alerts.parsers import parse
from bot.domain.alert_rules import AlertAction, AlertRule, AlertRules
from bot.domain.events import AlertNotice, AlertResolved
from bot.domain.severity import Severity
from bot.playbooks.oncall import OnCall
from bot.services import alert_links
from bot.services.context import ServiceContext
from bot.services.errors import AlreadyHandled, UserError
from bot.services.incidents import Declared, IncidentService
from bot.services.read_models import IncidentView, incident_view
from bot.services.runbooks import RunbookService
from bot.storage import alert_queue, outbox
from bot.storage import incident_alerts as links
from bot.storage import repositories as repo
from bot.storage.models import Incident

log = logging.getLogger(__name__)

DEFAULT_GROUP_WINDOW = timedelta(minutes=30)
ALERT_REPORTER = "alert: "


@dataclass(frozen=True)
class Routed:
    """What became of one alert: the action taken (declared, deduplicated, grouped, resolved, notify, page,
    ignore, already) and the incident it touched, if any."""

    action: str
    rule: str
    incident_ref: str | None = None

    def __str__(self) -> str:
        return f"{self.action} ({self.rule})" + (f" {self.incident_ref}" if self.incident_ref else "")


def match_labels(alert: Alert) -> dict[str, str]:
    """The labels rules match on: the alert's, plus its ``severity`` when the source gives one apart."""
    return {**({"severity": alert.severity} if alert.severity else {}), **alert.labels}


class AlertService:
    def __init__(
        self,
        ctx: ServiceContext,
        incidents: IncidentService,
        runbooks: RunbookService,
        rules: Callable[[], AlertRules],
        oncall: Callable[[], OnCall],
    ) -> None:
        self.ctx = ctx
        self.incidents = incidents
        self.runbooks = runbooks
        self.rules = rules
        self.oncall = oncall

    # -- the worker ----------------------------------------------------------------------------
    def handle(self, alert: Alert, ref: str) -> Routed:
        """Route one alert from queue row and index ``ref``; redoing the same ``ref`` changes nothing."""
        key = f"alert:{ref}"
        labels = match_labels(alert)
        rule = self.rules().route(alert.source, alert.name, labels)
        metrics = self.ctx.metrics
        if not alert.firing:
            return self._resolved(alert, key, rule)
        now = self.ctx.clock()
        group_key = rule.group_key(labels) if rule.action is AlertAction.DECLARE else None
        redeclared: IncidentView | None = None
        with self.ctx.uow() as session:
            seen = links.open_with_fingerprint(session, alert.source, alert.fingerprint)
            if seen and not repo.claim_request(session, key):
                # Handled before; if it declared the incident and the process stopped before the runbook was
                # attached, attach it now (attaching twice changes nothing).
                declared = repo.get_incident(session, seen[0].incident_id)
                if declared is not None and declared.reporter_id == f"{ALERT_REPORTER}{alert.source}":
                    redeclared = incident_view(declared)
            elif seen:
                incident = alert_links.fired_again(session, seen[0], alert, key, now)
                metrics.alerts_deduplicated.labels(alert.source).inc()
                return Routed("deduplicated", rule.name, incident.ref)
            elif group_key:  # in the same transaction: one worker at a time, so nothing declares in between
                window = rule.group_window or DEFAULT_GROUP_WINDOW
                joined = links.open_group(session, group_key, now - window)
                if joined is not None:
                    if not repo.claim_request(session, key):
                        return Routed("already", rule.name)
                    alert_links.link(session, joined, alert, rule, group_key, key, now, "alert_grouped")
                    alert_links.refresh_card(session, joined.id)
                    metrics.alerts_grouped.labels(alert.source).inc()
                    return Routed("grouped", rule.name, joined.ref)
        if seen:
            if redeclared is not None and rule.action is AlertAction.DECLARE:
                self._attach_runbook(redeclared, rule, quiet=True)
            return Routed("already", rule.name)
        if rule.action is AlertAction.IGNORE:
            with self.ctx.uow() as session:
                if not repo.claim_request(session, key):
                    return Routed("already", rule.name)
            metrics.alerts_routed.labels(alert.source, "ignore").inc()
            return Routed("ignore", rule.name)
        if rule.action is AlertAction.DECLARE:
            routed = self._declare_or_group(alert, ref, rule, labels, now)
            if routed is not None:
                return routed
            rule = replace(rule, action=AlertAction.NOTIFY)  # could not declare: people decide, same severity
        return self._notice(alert, ref, rule, labels, now)

    def _declare_or_group(
        self, alert: Alert, ref: str, rule: AlertRule, labels: dict[str, str], now: datetime
    ) -> Routed | None:
        key = f"alert:{ref}"
        group_key = rule.group_key(labels)
        severity = self._severity(rule, labels)
        title = rule.title_for(alert.name, alert.summary, alert.source, alert.labels)

        def link(session: Session, incident: Incident) -> None:
            alert_links.link(session, incident, alert, rule, group_key, key, now, "alert")

        try:
            declared = self.incidents.declare(
                reporter_id=f"{ALERT_REPORTER}{alert.source}",
                severity=severity,
                title=title,
                description=alert.summary,
                request_key=key,
                on_created=link,
            )
        except AlreadyHandled:
            return Routed("already", rule.name)
        except UserError as error:  # a severity the alert may not declare (private): people decide
            log.warning("alert %s could not declare an incident: %s", alert.name, error)
            return None
        if not declared.created:  # the same title declared moments ago: the alert joins that incident
            with self.ctx.uow() as session:
                incident = repo.get_incident(session, declared.incident.id)
                if incident is not None:
                    alert_links.link(session, incident, alert, rule, group_key, None, now, "alert_grouped")
                    alert_links.refresh_card(session, incident.id)
            self.ctx.metrics.alerts_grouped.labels(alert.source).inc()
            return Routed("grouped", rule.name, declared.incident.ref)
        self._attach_runbook(declared.incident, rule)
        self.ctx.metrics.alerts_routed.labels(alert.source, "declare").inc()
        return Routed("declared", rule.name, declared.incident.ref)

    def _notice(self, alert: Alert, ref: str, rule: AlertRule, labels: dict[str, str], now: datetime) -> Routed:
        severity = self._severity(rule, labels)
        policy = None
        if rule.action is AlertAction.PAGE:
            policy = rule.escalation or severity.escalation
            if not policy or policy not in self.oncall().policies:
                log.warning("alert %s: rule %s pages nobody (no escalation policy); notifying", alert.name, rule.name)
                policy = None
        event = AlertNotice(
            ref=ref,
            alert=alert.to_json(),
            rule=rule.name,
            severity=severity.id,
            title=rule.title_for(alert.name, alert.summary, alert.source, alert.labels),
            page=policy is not None,
            policy_id=policy,
            at=now,
            private=severity.private,
        )
        with self.ctx.uow() as session:
            if not repo.claim_request(session, f"alert:{ref}"):
                return Routed("already", rule.name)
            outbox.enqueue(session, None, event)
        action = "page" if event.page else "notify"
        self.ctx.metrics.alerts_routed.labels(alert.source, action).inc()
        return Routed(action, rule.name)

    def _resolved(self, alert: Alert, key: str, rule: AlertRule) -> Routed:
        now = self.ctx.clock()
        touched: list[str] = []
        with self.ctx.uow() as session:
            rows = links.open_with_fingerprint(session, alert.source, alert.fingerprint)
            if not repo.claim_request(session, key):
                return Routed("already", rule.name)
            for row in rows:
                incident = repo.get_incident(session, row.incident_id)
                if incident is None:
                    continue
                row.status = links.RESOLVED
                row.last_at = now
                session.flush()
                incident.alert_summary = links.summary(session, incident.id)
                entry = repo.add_entry(
                    session, incident, "alert_resolved", None, f"Alert {alert.name} resolved ({alert.source})",
                    {"source": alert.source, "fingerprint": alert.fingerprint, "url": alert.url}, at=now,
                )
                all_resolved = not incident.alert_summary.get("firing")
                outbox.enqueue(
                    session, incident.id,
                    AlertResolved(name=alert.name, source=alert.source, entry_id=entry.id, all_resolved=all_resolved),
                )
                touched.append(incident.ref)
        self.ctx.metrics.alerts_routed.labels(alert.source, "resolved").inc()
        return Routed("resolved", rule.name, ", ".join(touched) or None)

    # -- buttons -------------------------------------------------------------------------------
    def declare_from(self, ref: str, actor_id: str, request_key: str | None = None) -> Declared:
        """Declare an incident for the alert a notice or page DM names, as ``actor_id`` (their permissions)."""
        alert = self.alert_at(ref)
        with self.ctx.uow() as session:
            seen = links.open_with_fingerprint(session, alert.source, alert.fingerprint)
            if seen:
                incident = repo.get_incident(session, seen[0].incident_id)
                if incident is not None:
                    view = incident_view(incident)
                    where = f" <#{view.channel_id}>" if view.channel_id else ""
                    raise UserError(f"This alert is already part of *{view.ref}*{where}.")
        labels = match_labels(alert)
        rule = self.rules().route(alert.source, alert.name, labels)
        now = self.ctx.clock()

        def link(session: Session, incident: Incident) -> None:
            alert_links.link(session, incident, alert, rule, rule.group_key(labels), None, now, "alert")

        declared = self.incidents.declare(
            reporter_id=actor_id,
            severity=self._severity(rule, labels),
            title=rule.title_for(alert.name, alert.summary, alert.source, alert.labels),
            description=alert.summary,
            request_key=request_key,
            on_created=link,
        )
        if declared.created:
            self._attach_runbook(declared.incident, rule)
        return declared

    def alert_at(self, ref: str) -> Alert:
        """The alert a button names (``<queue row>:<index>``), read back from the queue."""
        row_id, _, index = ref.partition(":")
        if not row_id.isdigit() or not index.isdigit():
            raise UserError("That button does not name an alert.")
        with self.ctx.uow() as session:
            item = alert_queue.get(session, int(row_id))
            if item is None:
                raise UserError("That alert is no longer kept; declare with `/incident` instead.")
            source, body = item.source, item.body
        alerts = parse(source, body.encode())
        if int(index) >= len(alerts):
            raise UserError("That button does not name an alert.")
        return alerts[int(index)]

    # -- helpers -------------------------------------------------------------------------------
    def _severity(self, rule: AlertRule, labels: dict[str, str]) -> Severity:
        levels = self.ctx.playbooks.severities

        def known(word: str) -> str | None:
            found = levels.lookup(word)
            return found.id if found else None

        chosen = rule.severity_for(labels, known)
        found = levels.lookup(chosen) if chosen else None
        if found is not None:
            return found
        # Nothing says how bad: the least severe level that is not private (a private one is chosen, never guessed).
        public = [level for level in levels if not level.private]
        return (public or list(levels))[-1]

    def _attach_runbook(self, incident: IncidentView, rule: AlertRule, quiet: bool = False) -> None:
        if not rule.runbook:
            return
        try:
            self.runbooks.attach(incident.id, rule.runbook, incident.reporter_id)
        except UserError as error:  # attached already (quiet), or gone from the playbooks since they were checked
            if not quiet:
                log.warning("runbook %s not attached to %s: %s", rule.runbook, incident.ref, error)

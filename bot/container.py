"""The composition root: builds engine, Redis, Slack client, adapters, use cases, outbox table and Bolt app.

Everything is built here, explicitly and in one order; nothing registers itself elsewhere. Optional outside
systems (PagerDuty, Redis, AWS credentials) are adapters chosen from the settings below.
Over 300 lines because that one readable order is the point: splitting it would hide what is built when.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import redis
from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.alerts.intake import AlertIntake
from bot.alerts.worker import AlertWorker
from bot.config import Settings
from bot.domain import events as ev
from bot.domain.events import OutboxEvent
from bot.domain.publication import StatusPageCatalog
from bot.integrations.aws import ClientFactory
from bot.integrations.aws.s3 import S3Bucket
from bot.integrations.aws.sns import SnsTopic
from bot.integrations.statuspage import StatuspageClient, StatuspageHandler
from bot.logs import ContextExecutor, OutageLog, quiet_signature_failures
from bot.metrics import Metrics
from bot.paging.handlers import PagingHandlers
from bot.paging.pagerduty import PagerDutyPager
from bot.paging.people import PeopleResolver
from bot.playbooks.loader import Playbooks, load_playbooks
from bot.playbooks.oncall import OnCall
from bot.readiness import ReadinessProbe
from bot.scheduling.election import LeaderElector
from bot.scheduling.job_kinds import JobKinds
from bot.scheduling.lease import lease_for
from bot.scheduling.runner import SchedulerRunner
from bot.scheduling.wake import Waker
from bot.services.access import Access
from bot.services.alerts import AlertService
from bot.services.archive import IncidentArchive
from bot.services.context import ServiceContext, utc_now
from bot.services.dispatcher import OutboxDispatcher
from bot.services.drafts import DraftService
from bot.services.errors import StorageUnavailable
from bot.services.escalation import EscalationService, FirstPage
from bot.services.followups import FollowUpService
from bot.services.home import HomeService
from bot.services.incidents import IncidentService
from bot.services.outbox import Delivery
from bot.services.pending import PendingRequests
from bot.services.ports import Pager
from bot.services.postmortems import PostmortemService
from bot.services.publication_records import PublicationRecords
from bot.services.publications import PublicationService
from bot.services.registry import OnCallQuery, Services
from bot.services.reminders import ReminderService
from bot.services.runbooks import RunbookService
from bot.services.stakeholders import StakeholderNotices, StakeholderQueue
from bot.services.status_page import StatusPageReader
from bot.services.summaries import SummaryService
from bot.services.timeline import TimelineService
from bot.slack import middleware
from bot.slack.alert_posts import AlertPosts
from bot.slack.client import ObservedWebClient
from bot.slack.directory import SlackDirectory
from bot.slack.dm_pager import SlackDmPager
from bot.slack.file_posts import FilePosts
from bot.slack.followup_posts import FollowUpPosts
from bot.slack.gateway import SlackGateway
from bot.slack.listeners import register_all
from bot.slack.listeners.replies import SOMETHING_WENT_WRONG
from bot.slack.notifier import SlackNotifier
from bot.slack.outbox_routes import Handler, OutboxRoutes, in_order
from bot.slack.paging_posts import SlackPagingPosts
from bot.slack.postmortem_posts import PostmortemPosts
from bot.slack.publication_posts import PublicationPosts
from bot.slack.rate_limiter import rate_limiter_for
from bot.slack.report_posts import ReportPosts
from bot.slack.runbook_posts import RunbookPosts
from bot.slack.timeline_posts import TimelinePosts
from bot.storage import repositories as repo
from bot.storage.db import DatabaseUnavailable, UnitOfWork, make_engine, make_session_factory, on_statement
from bot.storage.gauges import SharedState, shared_state
from bot.storage.page_dms import PageDmStore

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    engine: Engine
    uow: UnitOfWork
    playbooks: Playbooks
    client: WebClient
    gateway: SlackGateway
    notifier: SlackNotifier
    outbox: OutboxRoutes
    dispatcher: OutboxDispatcher
    services: Services
    scheduler: SchedulerRunner
    waker: Waker
    elector: LeaderElector
    app: App
    metrics: Metrics
    readiness: ReadinessProbe
    # Alerts in: the endpoints' checks and the durable queue (``alerts.enqueue(source, raw)``).
    alerts: AlertIntake
    alert_worker: AlertWorker
    redis: redis.Redis | None = None
    # Bolt's listener pool: listeners may still run after their request was acknowledged.
    listeners: Executor | None = None
    # The public status page's reader and its cache (None when STATUS_PAGE_ENABLED is false).
    status_page: StatusPageReader | None = None

    def start_background(self) -> None:
        self.services.pending.start()
        self.dispatcher.start()
        self.dispatcher.kick()
        self.alert_worker.start()
        if self.settings.run_scheduler:
            self.elector.start()

    def stop_scheduler(self) -> None:
        """Stop the scheduler and release the leader lease, so a standby takes over now (idempotent)."""
        if self.settings.run_scheduler:
            self.elector.stop()

    def close(self, outbox_seconds: float = 5.0) -> None:
        """Stop everything; the outbox deliveries running finish first (up to ``outbox_seconds``)."""
        self.stop_scheduler()
        self.waker.close()
        self.services.pending.stop()
        self.alert_worker.stop()
        self.dispatcher.stop(outbox_seconds)
        self.readiness.close()
        self.engine.dispose()


def build_container(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    playbooks: Playbooks | None = None,
    listener_executor: Executor | None = None,
) -> Container:
    """Build everything; does not start threads (``start_background``) or migrate (``migrate.upgrade``)."""
    loaded = playbooks or load_playbooks(settings.playbooks_path())

    def oncall() -> OnCall:
        return loaded.oncall

    # Storage and the outside systems.
    engine = make_engine(settings.database_url)
    uow = UnitOfWork(make_session_factory(engine))
    redis_client = _redis(settings.redis_url)
    metrics = Metrics()
    on_statement(engine, metrics.db_statements.inc)
    client: WebClient = ObservedWebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10, observe=metrics.slack_call
    )
    limiter = rate_limiter_for(redis_client, settings.slack_rate_limit_factor)
    gateway = SlackGateway(client, settings.incidents_channel, limiter)
    pagers: list[Pager] = []
    if settings.pagerduty_routing_key:
        pagers.append(PagerDutyPager(settings.pagerduty_routing_key, settings.pagerduty_events_url))

    # Use cases. Their after-commit hooks (deliver now, wake the scheduler) are added once those exist.
    directory = SlackDirectory(gateway)
    access = Access(loaded.permissions, directory)
    ctx = ServiceContext(uow=uow, playbooks=loaded, clock=clock, metrics=metrics, access=access)
    people = PeopleResolver(directory)
    # AWS clients from boto3's standard credential chain and region settings, built on first use only.
    runbooks = RunbookService(ctx, loaded, ClientFactory)
    visibility = access  # who sees a private incident: the same check as every use case
    followups = FollowUpService(ctx, visibility)
    postmortems = PostmortemService(ctx, lambda: loaded.templates, gateway.person_name)
    # Where paging runs, a declaration pages level 1 in its own transaction (no wait for the scheduler).
    incidents = IncidentService(
        ctx,
        FirstPage(oncall) if settings.run_scheduler else None,
        StakeholderQueue() if settings.stakeholder_sns_topic_arn else None,
        export_resolved=bool(settings.export_s3_bucket),
    )
    services = Services(
        ctx=ctx,
        incidents=incidents,
        runbooks=runbooks,
        drafts=DraftService(ctx, lambda: loaded.templates),
        escalation=EscalationService(ctx, oncall),
        reminders=ReminderService(ctx),
        oncall=OnCallQuery(oncall, clock, people),
        home=HomeService(
            ctx, oncall, people.person, visibility, lambda user: followups.mine(user).items, postmortems.owed_by
        ),
        followups=followups,
        summaries=SummaryService(ctx),
        postmortems=postmortems,
        claim_event=_event_claimer(uow, redis_client),
        pending=PendingRequests(uow, clock),
        publications=PublicationService(
            ctx, lambda: loaded.statuspage, lambda: loaded.templates, statuspage=settings.statuspage_configured
        ),
        timeline=TimelineService(ctx),
        alerts=AlertService(ctx, incidents, runbooks, lambda: loaded.alerts, oncall),
    )

    # What Slack (and the pagers) show for each outbox event: one handler each, nothing replaced later.
    notifier = SlackNotifier(gateway, clock, lambda: loaded.checklists)
    paging = PagingHandlers(
        SlackPagingPosts(notifier), people, oncall, [SlackDmPager(notifier, PageDmStore(uow)), *pagers], clock, metrics
    )

    def paged_first(policy_id: str, at: datetime) -> list[str]:
        policy = oncall().policies.get(policy_id)
        return people.users(oncall(), policy.levels[0].notify, at) if policy and policy.levels else []

    # Stakeholder notifications go to SNS (boto3's standard credential chain; the region is the topic's).
    topic = SnsTopic(ClientFactory(), settings.stakeholder_sns_topic_arn) if settings.stakeholder_sns_topic_arn else None
    public_page = f"{settings.status_page_url.rstrip('/')}/status" if settings.status_page_url else None
    stakeholders = StakeholderNotices(
        topic, lambda: loaded.templates, gateway.person_name, clock, public_page if settings.status_page_enabled else None
    )
    pm_posts = PostmortemPosts(notifier, services.postmortems.render)
    # Resolved incidents' export and post-mortem, to S3 (boto3's standard credential chain and region).
    bucket = S3Bucket(settings.export_s3_bucket, settings.export_s3_endpoint_url) if settings.export_s3_bucket else None
    archive = IncidentArchive(bucket, uow, gateway.person_name)
    files = FilePosts(notifier, after=services.postmortems.record_upload)
    records = PublicationRecords(uow)
    publication_posts = PublicationPosts(notifier, records, lambda: loaded.statuspage)
    statuspage = _statuspage(settings, records, lambda: loaded.statuspage)
    outbox = OutboxRoutes(
        {
            **_outbox_table(
                notifier, paging, RunbookPosts(notifier, runbooks), FollowUpPosts(notifier), files, stakeholders,
                ReportPosts(notifier), pm_posts, archive, TimelinePosts(notifier),
            ),
            **_publication_table(publication_posts, statuspage),
            **_alert_routes(AlertPosts(notifier, paged_first, clock)),
        }
    )
    dispatcher = OutboxDispatcher(
        uow,
        outbox,
        clock,
        settings.outbox_poll_seconds,
        on_failed=metrics.outbox_failed.inc,
        workers=settings.outbox_workers,
    )
    waker = Waker(settings.database_url, redis_client)
    ctx.after_commit.extend([dispatcher.kick, waker.wake])

    # The scheduler: runs on the elected leader only, woken after commits that change a due time.
    jobs = JobKinds(
        uow,
        oncall,
        clock,
        on_escalated=metrics.escalations.inc,
        reports=lambda: loaded.reports,
    )
    scheduler = SchedulerRunner(
        engine,
        jobs,
        after_fire=dispatcher.kick,
        resync_seconds=settings.scheduler_resync_seconds,
        on_fired=metrics.fired,
    )

    def elected() -> None:
        scheduler.start()
        waker.listen(scheduler.wake)

    def lost() -> None:
        waker.unlisten()
        scheduler.stop()

    elector = LeaderElector(lease_for(settings.database_url, redis_client), elected, lost)
    metrics.watch_leadership(lambda: elector.is_leader)

    listeners = ContextExecutor(listener_executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix="bolt"))
    app = App(
        # The token comes with the client (Bolt takes client.token), so every call uses SLACK_API_URL.
        signing_secret=settings.slack_signing_secret or "",
        client=client,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        # Listener threads keep the request's log scope (request id, incident).
        listener_executor=listeners,
    )
    quiet_signature_failures()
    middleware.install(app, client)
    _install_error_handler(app)
    register_all(app, services)

    def read_shared_state() -> SharedState:
        with uow() as session:
            return shared_state(session)

    metrics.watch_shared_state(read_shared_state, lambda: loaded.severities.ids(), clock)
    alert_worker = AlertWorker(
        uow, services.alerts, clock, settings.alerts_poll_seconds, timedelta(seconds=settings.alerts_lease_seconds)
    )
    intake = AlertIntake(
        uow,
        clock,
        {
            "alertmanager": settings.alerts_token_alertmanager,
            "datadog": settings.alerts_token_datadog,
            "generic": settings.alerts_token_generic,
        },
        metrics,
        on_enqueued=alert_worker.kick,
    )
    return Container(
        settings=settings,
        engine=engine,
        uow=uow,
        playbooks=loaded,
        client=client,
        gateway=gateway,
        notifier=notifier,
        outbox=outbox,
        dispatcher=dispatcher,
        services=services,
        scheduler=scheduler,
        waker=waker,
        elector=elector,
        app=app,
        metrics=metrics,
        readiness=ReadinessProbe(engine, lambda: loaded, redis_client),
        alerts=intake,
        alert_worker=alert_worker,
        redis=redis_client,
        listeners=listeners,
        status_page=StatusPageReader(
            uow, lambda: loaded.statuspage, clock, settings.status_page_title, settings.status_page_cache_seconds
        )
        if settings.status_page_enabled
        else None,
    )


def _outbox_table(
    notifier: SlackNotifier,
    paging: PagingHandlers,
    runbooks: RunbookPosts,
    followups: FollowUpPosts,
    files: FilePosts,
    stakeholders: StakeholderNotices,
    reports: ReportPosts,
    postmortems: PostmortemPosts,
    archive: IncidentArchive,
    timeline: TimelinePosts,
) -> dict[type[OutboxEvent], Handler]:
    return {
        # A declaration: the channel, card and broadcast first, then the runbooks that may help.
        ev.IncidentDeclared: in_order(notifier.declared, runbooks.suggestions),
        ev.RoleAssigned: notifier.role_assigned,
        ev.IncidentUpdated: notifier.updated,
        ev.SeverityChanged: notifier.severity_changed,
        ev.NoteAdded: notifier.note_added,
        ev.IncidentResolved: notifier.resolved,
        # A reopen unarchives the channel (if the bot archived it) before posting there.
        ev.IncidentReopened: in_order(timeline.unarchive_on_reopen, notifier.reopened),
        ev.IncidentAcknowledged: notifier.acknowledged,
        ev.SummaryRequested: notifier.summary,
        ev.SlackPost: notifier.generic_post,
        ev.UploadFile: files.upload,
        ev.PagePeople: paging.page,
        ev.LongRunningPage: paging.long_running,
        ev.ChainExhausted: paging.exhausted,
        ev.PagerAcknowledged: paging.acknowledged,
        ev.PagerResolved: paging.resolved,
        ev.UpdateReminder: paging.nudge,
        ev.RunbookAttached: runbooks.attached,
        ev.RunbookRefresh: runbooks.refresh,
        ev.RunbookStepResult: runbooks.result,
        ev.FollowUpOverdue: followups.overdue,
        ev.StakeholderNotice: stakeholders.notify,
        ev.DailyDigestPosted: reports.daily_digest,
        ev.PostmortemDraft: postmortems.draft,
        ev.PostmortemReminder: postmortems.reminder,
        ev.WeeklyReportPosted: reports.weekly_report,
        ev.ExportIncident: archive.export,
        ev.MessageCaptured: timeline.captured,
        ev.ChannelArchiveDue: timeline.archive,
        # A message given up for good, told to the IC; a failed notice is only logged and counted.
        ev.DeliveryFailed: notifier.delivery_failed,
    }


def _publication_table(posts: PublicationPosts, statuspage: StatuspageHandler | None) -> dict[type[OutboxEvent], Handler]:
    def unconfigured(d: Delivery, event: ev.StatuspageSync) -> None:
        log.warning("statuspage: update %s not sent: STATUSPAGE_API_KEY/STATUSPAGE_PAGE_ID unset", event.update_id)

    return {
        ev.PublishSuggested: posts.suggested,
        ev.UpdatePublished: posts.published,
        ev.StatuspageRefused: posts.refused,
        ev.StatuspageSync: statuspage.sync if statuspage is not None else unconfigured,
    }


def _statuspage(
    settings: Settings, records: PublicationRecords, catalog: Callable[[], StatusPageCatalog]
) -> StatuspageHandler | None:
    if not (settings.statuspage_api_key and settings.statuspage_page_id):
        return None
    client = StatuspageClient(settings.statuspage_api_key, settings.statuspage_page_id, settings.statuspage_api_url)
    return StatuspageHandler(client, records, catalog)


def _alert_routes(posts: AlertPosts) -> dict[type[OutboxEvent], Handler]:
    return {ev.AlertsChanged: posts.changed, ev.AlertResolved: posts.resolved, ev.AlertNotice: posts.notice}


def _redis(url: str | None) -> redis.Redis | None:
    if not url:
        return None
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def _event_claimer(uow: UnitOfWork, redis_client: redis.Redis | None) -> Callable[[str], bool]:
    """True the first time a key is seen (Redis ``SET NX EX`` when configured, the database otherwise)."""
    redis_outage = OutageLog(log, "redis unavailable for de-duplication; using the database")

    def claim(key: str) -> bool:
        if redis_client is not None:
            try:
                first = bool(redis_client.set(f"incident-bot:{key}", "1", nx=True, ex=3600))
            except Exception as error:  # Redis down: fall back to the database, which is the truth anyway
                redis_outage.failed(error)
            else:
                redis_outage.recovered("redis reachable again: de-duplicating events in redis")
                return first
        try:
            with uow() as session:
                return repo.claim_request(session, key)
        except DatabaseUnavailable as error:
            raise StorageUnavailable() from error

    return claim


def _install_error_handler(app: App) -> None:
    @app.error
    def on_error(
        error: Exception, body: dict[str, Any], respond: Any, logger: logging.Logger
    ) -> BoltResponse | None:
        if isinstance(error, StorageUnavailable | DatabaseUnavailable):
            logger.warning("request not served: the database is unavailable (%s)", error.__cause__ or error)
            answer = f":warning: {StorageUnavailable()}"
        else:
            logger.exception("listener failed: %s", error)
            answer = SOMETHING_WENT_WRONG
        try:
            if respond is not None and (body.get("response_url") or body.get("response_urls")):
                respond(text=answer, response_type="ephemeral", replace_original=False)
        except Exception:  # telling the user is best effort; the error itself is already logged
            logger.warning("could not tell the user about the error", exc_info=True)
        return None

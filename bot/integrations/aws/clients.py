"""Build boto3 clients from an injected session, optionally through an assumed IAM role."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config

ROLE_SESSION_NAME = "incident-bot"
# Refresh assumed-role credentials a little before AWS expires them, so a call never starts with stale keys.
REFRESH_MARGIN = timedelta(minutes=5)
DEFAULT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=20)


@dataclass(frozen=True)
class _Assumed:
    session: boto3.session.Session
    expires_at: datetime


class ClientFactory:
    """Makes AWS clients for steps; the session is injected, defaulting to boto3's standard chain.

    Nothing touches AWS until ``client`` is called. Credentials for an assumed role are cached per
    (role, region) until shortly before they expire.
    """

    def __init__(
        self,
        session: boto3.session.Session | None = None,
        *,
        region: str | None = None,
        config: Config | None = None,
        clock: Callable[[], datetime] | None = None,
        role_session_name: str = ROLE_SESSION_NAME,
    ) -> None:
        self._session = session
        self._region = region
        self._config = config or DEFAULT_CONFIG
        self._clock = clock or (lambda: datetime.now(UTC))
        self._role_session_name = role_session_name
        self._assumed: dict[tuple[str, str | None], _Assumed] = {}
        self._lock = threading.Lock()

    @property
    def base_session(self) -> boto3.session.Session:
        if self._session is None:
            self._session = boto3.session.Session()
        return self._session

    def region_for(self, region: str | None) -> str | None:
        """The region a call will use: the step's, else the factory's, else the session's settings."""
        return region or self._region or self.base_session.region_name

    def client(self, service: str, *, region: str | None = None, assume_role: str | None = None) -> Any:
        """A boto3 client for ``service``; assumes ``assume_role`` through STS first when given."""
        region_name = self.region_for(region)
        session = self._session_for(assume_role, region_name) if assume_role else self.base_session
        return session.client(service, region_name=region_name, config=self._config)

    def _session_for(self, role_arn: str, region: str | None) -> boto3.session.Session:
        key = (role_arn, region)
        with self._lock:
            cached = self._assumed.get(key)
            if cached and cached.expires_at - REFRESH_MARGIN > self._clock():
                return cached.session
            sts = self.base_session.client("sts", region_name=region, config=self._config)
            credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=self._role_session_name)[
                "Credentials"
            ]
            session = boto3.session.Session(
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
                region_name=region,
            )
            self._assumed[key] = _Assumed(session, _aware(credentials["Expiration"]))
            return session


def _aware(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)

"""Settings from the environment (and a ``.env`` file), validated by pydantic-settings; secrets may be files."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.alerts.sns import DEFAULT_URL_PATTERN as SNS_URL_PATTERN
from bot.playbooks.shipped import resolve_playbooks_dir

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
FILE_SUFFIX = "_FILE"


class FromFile:
    """Marks a setting whose value may instead be read from the file named by ``<NAME>_FILE``."""

    def __repr__(self) -> str:
        return "FromFile()"


FROM_FILE = FromFile()
# A setting that Docker or Kubernetes secrets can provide: ``SLACK_BOT_TOKEN_FILE=/run/secrets/token``.
Secret = Annotated[str | None, FROM_FILE]


class SettingsFileError(ValueError):
    """A ``*_FILE`` setting names a file that cannot be used; the message says which and why."""


class Settings(BaseSettings):
    """Everything the bot reads from its environment. Build one with ``get_settings()``."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: Secret = None
    slack_signing_secret: Secret = None
    slack_app_token: Secret = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: Annotated[str, FROM_FILE] = Field(
        default_factory=lambda: f"sqlite:///{Path.cwd() / 'incident-bot.db'}"
    )
    redis_url: str | None = None
    # Unset: ./playbooks when it exists, else the defaults shipped inside the package.
    playbooks_dir: Path | None = None
    incidents_channel: str = "incidents"
    pagerduty_routing_key: Secret = None
    pagerduty_events_url: str = "https://events.pagerduty.com/v2/enqueue"
    # Atlassian Statuspage: publications are also sent there when the key and the page id are set.
    statuspage_api_key: Secret = None
    statuspage_page_id: Secret = None
    statuspage_api_url: str = "https://api.statuspage.io/v1/"
    log_level: str = "INFO"
    # JSON lines, or plain text; unset: plain text on a terminal (and in the playground), JSON otherwise.
    log_json: bool | None = None
    outbox_poll_seconds: float = 2.0
    # How many incidents' Slack messages are delivered at once (each incident's stay in order).
    outbox_workers: int = Field(default=8, ge=1, le=64)
    # Multiplies the rates of Slack's tiers the bot keeps to (1.0 = Slack's published limits).
    slack_rate_limit_factor: float = Field(default=1.0, gt=0)
    # The leader re-reads the due-time tables this often even without a wake-up (a safety net).
    scheduler_resync_seconds: float = 3.0
    run_scheduler: bool = True
    # Bearer tokens of the alert endpoints (/alerts/<source>); a source whose token is unset is disabled.
    alerts_token_alertmanager: Secret = None
    alerts_token_datadog: Secret = None
    alerts_token_generic: Secret = None
    # How often each process looks at the alert queue when nothing woke it.
    alerts_poll_seconds: float = 1.0
    # How long the process working the alert queue holds it before another replica may take over.
    alerts_lease_seconds: float = Field(default=15.0, gt=0)
    # When set, /metrics is also served on this port (e.g. one the load balancer does not expose).
    metrics_port: int | None = None
    # The public status page (GET /status, /status.json, /status/feed.atom): only what people published.
    status_page_enabled: bool = True
    status_page_title: str = "Service status"
    # When set, the status page is also served, alone, on this port (the one to expose publicly).
    status_page_port: int | None = None
    # The page's public address (https://status.example.com), for the feed's links; unset: the request's host.
    status_page_url: str | None = None
    # Readers within this many seconds share one read of the database (and Cache-Control max-age).
    status_page_cache_seconds: float = Field(default=5.0, ge=1, le=300)
    # SNS topic for stakeholder notifications (severities with notify_stakeholders); unset: none are sent.
    stakeholder_sns_topic_arn: str | None = None
    # S3 bucket for every resolved incident's export and post-mortem (incidents/<year>/<ref>.yaml and .md);
    # unset: nothing is written. The endpoint is for S3-compatible stores (MinIO…); unset: AWS itself.
    export_s3_bucket: str | None = None
    export_s3_endpoint_url: str | None = None
    # CloudWatch alarms through SNS: the topics accepted (comma-separated ARNs; empty = /alerts/cloudwatch off),
    # where signing certificates and confirmations may come from, and the CA file trusted to fetch them.
    alerts_sns_topic_arns: str = ""
    alerts_sns_url_pattern: str = SNS_URL_PATTERN
    alerts_sns_ca_bundle: str | None = None

    @field_validator("alerts_sns_url_pattern")
    @classmethod
    def _a_regular_expression(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression ({exc})") from None
        return value

    @property
    def statuspage_configured(self) -> bool:
        return bool(self.statuspage_api_key and self.statuspage_page_id)

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    def playbooks_path(self) -> Path:
        """The playbooks directory in use (see ``bot.playbooks.shipped.resolve_playbooks_dir``)."""
        return resolve_playbooks_dir(self.playbooks_dir)

    def secret_values(self) -> list[str]:
        """Every configured value of a ``FROM_FILE`` setting (and the database password), for scrubbing logs."""
        from sqlalchemy.engine import make_url

        values = [str(getattr(self, name)) for name in file_settings() if getattr(self, name)]
        try:
            password = make_url(self.database_url).password
        except Exception:  # not a URL SQLAlchemy understands: the whole value is scrubbed anyway
            password = None
        return [*values, *([str(password)] if password else [])]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Explicit arguments first, then *_FILE, then the plain variables.
        return init_settings, SecretFilesSource(settings_cls), env_settings, dotenv_settings, file_secret_settings


class SecretFilesSource(PydanticBaseSettingsSource):
    """Reads ``<NAME>_FILE`` for every ``FROM_FILE`` setting: the file's text, surrounding whitespace trimmed."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything is done in __call__

    def __call__(self) -> dict[str, Any]:
        environ = {k.upper(): v for k, v in os.environ.items()}
        values: dict[str, Any] = {}
        for name in file_settings():
            variable = name.upper() + FILE_SUFFIX
            path = environ.get(variable)
            if not path:
                continue
            if environ.get(name.upper()):
                raise SettingsFileError(f"Set {name.upper()} or {variable}, not both.")
            values[name] = read_secret_file(variable, Path(path))
        return values


def read_secret_file(variable: str, path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise SettingsFileError(f"{variable}={path}: no such file") from None
    except IsADirectoryError:
        raise SettingsFileError(f"{variable}={path}: is a directory, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsFileError(f"{variable}={path}: cannot be read ({exc})") from None
    if not text:
        raise SettingsFileError(f"{variable}={path}: the file is empty")
    return text


def file_settings() -> list[str]:
    """Names of the settings that ``<NAME>_FILE`` may provide."""
    return [n for n, f in Settings.model_fields.items() if any(isinstance(m, FromFile) for m in f.metadata)]


def environment_names() -> set[str]:
    """Every environment variable the settings read (``*_FILE`` included)."""
    names = {name.upper() for name in Settings.model_fields}
    return names | {name.upper() + FILE_SUFFIX for name in file_settings()}


def get_settings(**overrides: object) -> Settings:
    """Read settings now (never at import time); tests pass explicit overrides instead of patching."""
    return Settings(**overrides)  # type: ignore[arg-type]

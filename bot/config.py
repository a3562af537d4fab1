"""Settings from the environment (and a ``.env`` file), validated by pydantic-settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    """Everything the bot reads from its environment. Build one with ``get_settings()``."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = Field(default_factory=lambda: f"sqlite:///{Path.cwd() / 'incident-bot.db'}")
    redis_url: str | None = None
    playbooks_dir: Path = Path("playbooks")
    incidents_channel: str = "incidents"
    pagerduty_routing_key: str | None = None
    pagerduty_events_url: str = "https://events.pagerduty.com/v2/enqueue"
    log_level: str = "INFO"
    log_json: bool = True
    outbox_poll_seconds: float = 2.0
    # The leader re-reads the due-time tables this often even without a wake-up (a safety net).
    scheduler_resync_seconds: float = 3.0
    run_scheduler: bool = True
    # When set, /metrics is also served on this port (e.g. one the load balancer does not expose).
    metrics_port: int | None = None

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)


def get_settings(**overrides: object) -> Settings:
    """Read settings now (never at import time); tests pass explicit overrides instead of patching."""
    return Settings(**overrides)  # type: ignore[arg-type]

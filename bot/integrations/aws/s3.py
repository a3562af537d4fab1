"""The export bucket on Amazon S3: one ``PutObject`` per document, failures sorted into retry or give up."""

from __future__ import annotations

from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

from bot.integrations.aws.clients import ClientFactory
from bot.integrations.aws.errors import THROTTLED
from bot.services.outbox import GiveUp, RetryLater

# S3 answers these while it is struggling: the document waits and is written later.
TRANSIENT = THROTTLED | frozenset(
    {"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "RequestTimeTooSkewed"}
)
# Fail fast: the outbox retries with its own backoff, so a slow S3 never holds an incident's deliveries.
FAST = Config(connect_timeout=5, read_timeout=20, retries={"mode": "standard", "max_attempts": 2})


class S3Bucket:
    """Writes objects to ``bucket`` (at ``endpoint_url`` for an S3-compatible store)."""

    def __init__(self, bucket: str, endpoint_url: str | None = None, clients: ClientFactory | None = None) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.clients = clients or ClientFactory(config=FAST)

    def _client(self) -> Any:
        if not self.endpoint_url:
            return self.clients.client("s3")
        region = self.clients.region_for(None) or "us-east-1"
        return self.clients.base_session.client("s3", endpoint_url=self.endpoint_url, region_name=region, config=FAST)

    def put(self, key: str, body: bytes, content_type: str) -> None:
        """Write ``body`` at ``key``; ``RetryLater`` while S3 is away or struggling, ``GiveUp`` when refused."""
        try:
            self._client().put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if code in TRANSIENT or status >= 500 or status == 429:
                raise RetryLater(f"s3: {code or status}") from error
            message = error.response.get("Error", {}).get("Message", "") or str(error)
            raise GiveUp(f"S3 refused to write s3://{self.bucket}/{key} ({code}): {message}") from error
        except (ConnectionError, HTTPClientError) as error:  # unreachable, timed out: an outage
            raise RetryLater(f"s3: {error}") from error
        except BotoCoreError as error:
            # No credentials or region: retrying cannot help until the setup changes.
            raise GiveUp(f"s3://{self.bucket}/{key} could not be written: {error}") from error

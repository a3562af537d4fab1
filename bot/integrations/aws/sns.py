"""The stakeholder topic on Amazon SNS: one ``Publish`` per notification, failures sorted into retry or give up."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

from bot.domain.stakeholders import StakeholderMessage
from bot.integrations.aws.clients import ClientFactory
from bot.integrations.aws.errors import THROTTLED
from bot.services.outbox import GiveUp, RetryLater

# SNS answers these while it (or KMS behind it) is struggling: the notification waits and is sent later.
TRANSIENT = THROTTLED | frozenset(
    {
        "InternalError",
        "InternalFailure",
        "ServiceUnavailable",
        "KMSThrottling",
        "KMSThrottlingException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


def topic_region(topic_arn: str) -> str | None:
    """``arn:aws:sns:eu-west-1:123456789012:stakeholders`` is in ``eu-west-1``."""
    parts = topic_arn.split(":")
    return parts[3] if len(parts) >= 6 and parts[3] else None


class SnsTopic:
    """Publishes stakeholder messages to ``topic_arn``; a FIFO topic also de-duplicates by the message key."""

    def __init__(self, clients: ClientFactory, topic_arn: str) -> None:
        self.clients = clients
        self.topic_arn = topic_arn
        self.region = topic_region(topic_arn)

    @property
    def fifo(self) -> bool:
        return self.topic_arn.endswith(".fifo")

    def publish(self, message: StakeholderMessage) -> None:
        request: dict[str, Any] = {
            "TopicArn": self.topic_arn,
            "Subject": message.subject,
            "Message": message.body,
            "MessageAttributes": {
                name: {"DataType": "String", "StringValue": value}
                for name, value in {**message.attributes, "notification_id": message.key}.items()
                if value
            },
        }
        if self.fifo:
            request["MessageDeduplicationId"] = _dedup_id(message.key)
            request["MessageGroupId"] = message.group or "incidents"
        try:
            self.clients.client("sns", region=self.region).publish(**request)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if code in TRANSIENT or status >= 500 or status == 429:
                raise RetryLater(f"sns: {code or status}") from error
            raise GiveUp(f"SNS refused the stakeholder notification ({code}): {_reason(error)}") from error
        except (ConnectionError, HTTPClientError) as error:  # unreachable, timed out: an outage
            raise RetryLater(f"sns: {error}") from error
        except BotoCoreError as error:
            # No credentials or region, a malformed request: retrying cannot help until the setup changes.
            raise GiveUp(f"the stakeholder notification could not be sent to SNS: {error}") from error


def _dedup_id(key: str) -> str:
    """SNS takes up to 128 characters of letters, digits and punctuation."""
    return "".join(c if c.isalnum() or c in "-_.:" else "_" for c in key)[:128]


def _reason(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", "")) or str(error)

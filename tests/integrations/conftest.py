"""Fixtures for AWS step tests: an in-process fake AWS (moto) and a client factory bound to it."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from bot.integrations.aws import ClientFactory

REGION = "us-east-1"
ACCOUNT = "123456789012"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep any real AWS configuration of the machine out of the tests."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def fake_aws(aws_env: None) -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def aws_session(fake_aws: None) -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


@pytest.fixture
def aws_clients(aws_session: boto3.session.Session) -> ClientFactory:
    # One attempt only: a throttled call must come back at once rather than after backoff.
    return ClientFactory(aws_session, config=Config(retries={"mode": "standard", "max_attempts": 1}))

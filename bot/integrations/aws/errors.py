"""Turn AWS-side failures (denied, throttled, not found, no credentials…) into clear step results."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
)

from bot.integrations.aws.model import StepResult

ACCESS_DENIED = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException", "403"}
)
THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
    }
)
EXPIRED = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException"}
)


def aws_error_result(
    error: Exception,
    *,
    service: str,
    args: Mapping[str, Any],
    region: str | None,
    assume_role: str | None = None,
    call: str = "",
) -> StepResult | None:
    """A failed StepResult describing ``error``, or None when it is not an AWS-side failure."""
    message = _message(error, service=service, args=args, region=region, assume_role=assume_role)
    if message is None:
        return None
    emoji = ":hourglass:" if isinstance(error, ClientError) and _code(error) in THROTTLED else ":x:"
    return StepResult.failure(message, call=call, emoji=emoji)


def _message(
    error: Exception, *, service: str, args: Mapping[str, Any], region: str | None, assume_role: str | None
) -> str | None:
    where = f" in {region}" if region else ""
    if isinstance(error, ClientError):
        return _client_error(error, service=service, args=args, where=where, assume_role=assume_role)
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return (
            "The bot has no usable AWS credentials. Configure the standard AWS credential chain "
            "(environment variables, shared config/profile, or an instance/task role)."
        )
    if isinstance(error, NoRegionError):
        return (
            "No AWS region is configured. Set AWS_REGION (or AWS_DEFAULT_REGION), "
            "or give `region:` in the step."
        )
    if isinstance(error, EndpointConnectionError):
        url = error.kwargs.get("endpoint_url")
        target = f"the AWS endpoint {url}" if url else "AWS"
        return f"Could not reach {target}. Check the region name and the bot's network access to AWS."
    if isinstance(error, ParamValidationError):
        return f"AWS rejected the step's arguments: {_one_line(str(error))}"
    if isinstance(error, BotoCoreError):
        return f"The AWS call failed before reaching AWS: {_one_line(str(error))}"
    return None


def _client_error(
    error: ClientError, *, service: str, args: Mapping[str, Any], where: str, assume_role: str | None
) -> str:
    code = _code(error)
    operation = error.operation_name or "?"
    aws_message = _one_line(str(error.response.get("Error", {}).get("Message", "")))
    if operation == "AssumeRole":
        if code in ACCESS_DENIED:
            return (
                f"AWS refused to let the bot assume role {assume_role}. The role's trust policy must allow "
                "the bot's identity, and the bot needs sts:AssumeRole on it."
            )
        return f"Could not assume role {assume_role}: {code}: {aws_message}"
    # For the services steps use, the IAM action prefix is the boto3 service name.
    action = f"{service}:{operation}"
    if code in ACCESS_DENIED or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 403:
        role = f" ({assume_role})" if assume_role else ""
        return f"AWS denied access to {action}. The bot's role{role} needs that permission."
    if code in THROTTLED:
        return f"AWS is throttling {action} requests right now. Wait a minute and run the step again."
    if code in EXPIRED:
        return f"AWS did not accept the bot's credentials for {action} ({code}). They may have expired."
    not_found = _not_found(code, args, where)
    if not_found:
        return not_found
    return f"AWS returned {code} for {action}: {aws_message}"


def _not_found(code: str, args: Mapping[str, Any], where: str) -> str | None:
    cluster = args.get("cluster")
    if code == "ClusterNotFoundException":
        return f"ECS cluster '{cluster}' was not found{where}. Check the cluster name and region."
    if code == "ServiceNotFoundException":
        service = args.get("service") or ", ".join(_as_list(args.get("services")))
        return f"ECS service '{service}' was not found in cluster '{cluster}'{where}."
    if code in {"DBInstanceNotFound", "DBInstanceNotFoundFault"}:
        return f"RDS instance '{args.get('db_instance_identifier')}' was not found{where}."
    if code in {"CacheClusterNotFound", "CacheClusterNotFoundFault"}:
        return f"ElastiCache cluster '{args.get('cache_cluster_id')}' was not found{where}."
    if code == "ResourceNotFoundException":
        if "log_group" in args:
            return f"Log group '{args['log_group']}' was not found{where}."
        return f"AWS could not find the resource{where}."
    return None


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]

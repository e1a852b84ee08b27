"""Where a running estate answers, and the standard AWS environment variables that point boto3
clients at it."""

from __future__ import annotations

from dataclasses import dataclass, field

from healthetl.estate.config import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, REGION


@dataclass(frozen=True)
class EstateEndpoints:
    """Where the running estate answers; ``started`` names what this call started."""

    aws: str
    dynamodb: str
    warehouse_dsn: str
    region: str = REGION
    started: tuple[str, ...] = field(default=())


def client_environment(endpoints: EstateEndpoints) -> dict[str, str]:
    """``AWS_ENDPOINT_URL`` (+ the DynamoDB override), region and dummy local credentials.

    Every client in the project is a plain ``boto3.client(service)``: exporting these (or
    not) is what chooses the local estate, LocalStack or real AWS.
    """
    return {
        "AWS_ENDPOINT_URL": endpoints.aws,
        "AWS_ENDPOINT_URL_DYNAMODB": endpoints.dynamodb,
        "AWS_REGION": endpoints.region,
        "AWS_DEFAULT_REGION": endpoints.region,
        "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_KEY,
    }

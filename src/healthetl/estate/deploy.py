"""Deploy resources onto an AWS endpoint (the local estate, LocalStack or AWS), idempotently.

Generic building blocks (each creates or updates one kind of resource with plain boto3 clients
from the standard environment) and :func:`deploy_estate`, which deploys what ``resources.json``
describes: the Lambda functions from ``lambda_src/`` packages, the state machine from its
``.asl.json`` template (``${name}`` placeholders, Terraform ``templatefile`` semantics), the
buckets and the batch notification, the DynamoDB source table with its index, the alerts topic,
and CloudWatch dashboards and alarms given as JSON bodies. Names are ``<project>-<env>-<name>``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from healthetl.estate.config import repo_root
from healthetl.estate.lambda_zip import build_zip
from healthetl.estate.templates import render

LAMBDA_RUNTIME = "python3.11"
LAMBDA_TRUST = {"Service": "lambda.amazonaws.com"}
STATES_TRUST = {"Service": "states.amazonaws.com"}


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def resource_name(facts: Mapping[str, Any], env: str, name: str) -> str:
    return f"{facts['project']}-{env}-{name}"


def load_facts(path: Path | None = None) -> dict[str, Any]:
    return json.loads((path or repo_root() / "facts" / "resources.json").read_text())


# --- building blocks --------------------------------------------------------------------------


def ensure_role(
    name: str, principal: Mapping[str, str], policy: Mapping[str, Any] | None = None
) -> str:
    """An IAM role trusted by ``principal`` (created if missing); returns its ARN."""
    iam = boto3.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": dict(principal), "Action": "sts:AssumeRole"}
        ],
    }
    try:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
    except ClientError as exc:
        if _error_code(exc) != "NoSuchEntity":
            raise
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"][
            "Arn"
        ]
    if policy is not None:
        iam.put_role_policy(
            RoleName=name, PolicyName=f"{name}-policy", PolicyDocument=json.dumps(policy)
        )
    return str(arn)


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    handler: str
    zip_bytes: bytes = field(repr=False)
    role_arn: str
    timeout_seconds: int = 30
    memory_mb: int = 256
    environment: Mapping[str, str] = field(default_factory=dict)
    description: str = ""


def deploy_function(config: FunctionConfig) -> str:
    """Create the function, or update its code and configuration; returns its ARN."""
    client = boto3.client("lambda")
    settings = {
        "Role": config.role_arn,
        "Handler": config.handler,
        "Runtime": LAMBDA_RUNTIME,
        "Timeout": config.timeout_seconds,
        "MemorySize": config.memory_mb,
        "Description": config.description,
        "Environment": {"Variables": dict(config.environment)},
    }
    try:
        client.get_function_configuration(FunctionName=config.name)
    except ClientError as exc:
        if _error_code(exc) != "ResourceNotFoundException":
            raise
        arn = client.create_function(
            FunctionName=config.name, Code={"ZipFile": config.zip_bytes}, **settings
        )["FunctionArn"]
        client.get_waiter("function_active_v2").wait(FunctionName=config.name)
        return str(arn)
    client.update_function_code(FunctionName=config.name, ZipFile=config.zip_bytes)
    client.get_waiter("function_updated_v2").wait(FunctionName=config.name)
    arn = client.update_function_configuration(FunctionName=config.name, **settings)["FunctionArn"]
    client.get_waiter("function_updated_v2").wait(FunctionName=config.name)
    return str(arn)


def render_state_machine(template_path: Path, variables: Mapping[str, object]) -> str:
    """The rendered definition, checked to be JSON."""
    definition = render(template_path.read_text(), variables)
    json.loads(definition)
    return definition


def deploy_state_machine(name: str, definition: str, role_arn: str) -> str:
    client = boto3.client("stepfunctions")
    for machine in _paginate(client, "list_state_machines", "stateMachines"):
        if machine["name"] == name:
            arn = machine["stateMachineArn"]
            client.update_state_machine(
                stateMachineArn=arn, definition=definition, roleArn=role_arn
            )
            return str(arn)
    return str(
        client.create_state_machine(name=name, definition=definition, roleArn=role_arn)[
            "stateMachineArn"
        ]
    )


def _paginate(client: Any, operation: str, key: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator(operation).paginate():
        items.extend(page[key])
    return items


def ensure_bucket(name: str) -> None:
    s3 = boto3.client("s3")
    try:
        s3.head_bucket(Bucket=name)
    except ClientError:
        region = s3.meta.region_name
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})


def configure_notification(bucket: str, function_arn: str, *, prefix: str, suffix: str) -> None:
    """ObjectCreated under ``prefix`` ending in ``suffix`` invokes the function (+ permission)."""
    lambda_client = boto3.client("lambda")
    try:
        lambda_client.add_permission(
            FunctionName=function_arn,
            StatementId=f"s3-{bucket}",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
            SourceArn=f"arn:aws:s3:::{bucket}",
        )
    except ClientError as exc:
        if _error_code(exc) != "ResourceConflictException":
            raise
    rules = [{"Name": "prefix", "Value": prefix}] if prefix else []
    rules.append({"Name": "suffix", "Value": suffix})
    boto3.client("s3").put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "Id": f"{bucket}-to-lambda",
                    "LambdaFunctionArn": function_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": rules}},
                }
            ]
        },
    )


def ensure_table(name: str, table_facts: Mapping[str, Any]) -> None:
    """The source table: hash key + the modified-day index (projection ALL), on demand."""
    client = boto3.client("dynamodb")
    hash_key = table_facts["hash_key"]
    index = table_facts["modified_index"]
    attributes = {hash_key["name"]: hash_key["type"]}
    attributes[index["partition_key"]["name"]] = index["partition_key"]["type"]
    attributes[index["sort_key"]["name"]] = index["sort_key"]["type"]
    try:
        client.describe_table(TableName=name)
        return
    except ClientError as exc:
        if _error_code(exc) != "ResourceNotFoundException":
            raise
    client.create_table(
        TableName=name,
        BillingMode=table_facts.get("billing_mode", "PAY_PER_REQUEST"),
        AttributeDefinitions=[
            {"AttributeName": k, "AttributeType": t} for k, t in attributes.items()
        ],
        KeySchema=[{"AttributeName": hash_key["name"], "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index["name"],
                "KeySchema": [
                    {"AttributeName": index["partition_key"]["name"], "KeyType": "HASH"},
                    {"AttributeName": index["sort_key"]["name"], "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": index.get("projection", "ALL")},
            }
        ],
    )
    client.get_waiter("table_exists").wait(
        TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )


def ensure_topic(name: str) -> str:
    return str(boto3.client("sns").create_topic(Name=name)["TopicArn"])  # idempotent on AWS too


def put_dashboards(dashboards: Mapping[str, Mapping[str, Any]]) -> None:
    client = boto3.client("cloudwatch")
    for name, body in dashboards.items():
        client.put_dashboard(DashboardName=name, DashboardBody=json.dumps(body))


def put_alarms(alarms: Sequence[Mapping[str, Any]]) -> None:
    """Each alarm is ``put_metric_alarm`` keyword arguments (create or replace)."""
    client = boto3.client("cloudwatch")
    for alarm in alarms:
        client.put_metric_alarm(**alarm)


def wait_for(predicate: Any, *, timeout: float, interval: float = 0.2) -> Any:
    """Poll ``predicate`` until it returns something truthy (bounded); returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


# --- the whole estate from resources.json --------------------------------------------------------


@dataclass(frozen=True)
class DeployedEstate:
    function_arns: dict[str, str]
    state_machine_arn: str
    buckets: dict[str, str]
    table_name: str
    alerts_topic_arn: str


def default_package_dirs() -> list[Path]:
    return [
        repo_root() / "lambda_src" / "load_pipeline",
        repo_root() / "lambda_src" / "warehouse_seam",
    ]


def resolve_reference(reference: Mapping[str, Any], context: Mapping[str, Any]) -> str:
    """One resources.json environment reference (``{"bucket": "silver"}``, ...) to its value."""
    ((kind, key),) = reference.items()
    if kind == "value":
        return str(key)
    if kind == "setting":
        return str(context["settings"][key])
    if kind == "bucket":
        return str(context["buckets"][key])
    if kind == "topic":
        return str(context["topics"][key])
    if kind == "state_machine":
        return str(context["state_machines"][key])
    if kind == "notification":
        return str(context["facts"]["batch_notification"][key])
    if kind == "silver_layout":
        return str(context["facts"]["silver_layout"][key])
    raise ValueError(f"unknown environment reference {reference!r}")


def deploy_estate(
    env: str = "local",
    *,
    facts: Mapping[str, Any] | None = None,
    function_environment: Mapping[str, Mapping[str, str]] | None = None,
    common_environment: Mapping[str, str] | None = None,
    package_dirs: Sequence[Path] | None = None,
    settings_override: Mapping[str, object] | None = None,
    dashboards: Mapping[str, Mapping[str, Any]] | None = None,
    alarms: Sequence[Mapping[str, Any]] | None = None,
) -> DeployedEstate:
    """Deploy everything ``resources.json`` describes (create or update).

    Each function's environment is ``functions_environment`` + its own ``environment`` (both
    references resolved, see ``_environment_comment`` in resources.json), then
    ``common_environment`` and ``function_environment[<function key>]`` given here as literal
    values (e.g. the local ``WAREHOUSE_DSN``). ``settings_override`` replaces settings (tests
    shorten retries).
    """
    facts = facts or load_facts()
    settings = {**facts.get("settings", {}), **(settings_override or {})}

    def name(short: str) -> str:
        return resource_name(facts, env, short)

    region = boto3.session.Session().region_name or "us-east-1"
    account = boto3.client("sts").get_caller_identity()["Account"]

    buckets = {key: name(spec["name"]) for key, spec in facts["buckets"].items()}
    for bucket in buckets.values():
        ensure_bucket(bucket)
    table_name = name(facts["source_table"]["name"])
    ensure_table(table_name, facts["source_table"])
    topic_arn = ensure_topic(name(facts["alerts_topic"]["name"]))
    machine_key = facts["state_machine"]["name"]
    machine_name = name(machine_key)
    # Known before the machine exists: the trigger's environment needs it, the machine needs
    # the functions' ARNs.
    machine_arn = f"arn:aws:states:{region}:{account}:stateMachine:{machine_name}"
    context = {
        "facts": facts,
        "settings": settings,
        "buckets": buckets,
        "topics": {"alerts": topic_arn},
        "state_machines": {machine_key: machine_arn},
    }
    shared_refs = facts.get("functions_environment", {})

    lambda_role = ensure_role(name("lambda"), LAMBDA_TRUST)
    zip_bytes = build_zip(package_dirs or default_package_dirs())
    function_arns: dict[str, str] = {}
    for key, spec in facts["functions"].items():
        refs = {**shared_refs, **spec.get("environment", {})}
        variables = {var: resolve_reference(ref, context) for var, ref in refs.items()}
        variables.update(common_environment or {})
        variables.update((function_environment or {}).get(key, {}))
        function_arns[key] = deploy_function(
            FunctionConfig(
                name=name(key),
                handler=spec["handler"],
                zip_bytes=zip_bytes,
                role_arn=lambda_role,
                timeout_seconds=int(spec["timeout_seconds"]),
                memory_mb=int(spec["memory_mb"]),
                environment=variables,
                description=spec.get("description", ""),
            )
        )

    template_values: dict[str, object] = {}
    for var, source in facts["state_machine"].get("template_variables", {}).items():
        if "function" in source:
            template_values[var] = function_arns[source["function"]]
        else:
            template_values[var] = resolve_reference(source, context)
    definition = render_state_machine(
        repo_root() / facts["state_machine"]["definition_template"], template_values
    )
    states_role = ensure_role(name("states"), STATES_TRUST)
    machine_arn = deploy_state_machine(machine_name, definition, states_role)

    notification = facts["batch_notification"]
    configure_notification(
        buckets[notification["bucket"]],
        function_arns[notification["function"]],
        prefix=notification.get("prefix", ""),
        suffix=notification["suffix"],
    )
    put_dashboards(dashboards or {})
    put_alarms(alarms or [])
    return DeployedEstate(function_arns, machine_arn, buckets, table_name, topic_arn)

"""deploy_estate builds the whole estate from resources.json-shaped facts, and can run twice."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import boto3
import pytest

from healthetl.estate import deploy
from healthetl.estate.deploy import wait_for

pytestmark = pytest.mark.integration

SAMPLE_DIR = Path(__file__).parent / "estate_sample"


def _facts(project: str) -> dict:
    real = deploy.load_facts()
    return {
        "project": project,
        "buckets": {"silver": {"name": "silver"}, "markers": {"name": "markers"}},
        "source_table": real["source_table"],
        "alerts_topic": {"name": "alerts"},
        "silver_layout": real["silver_layout"],
        "batch_notification": {**real["batch_notification"], "function": "trigger"},
        "functions_environment": {"GREETING": {"value": "hi"}},
        "functions": {
            "trigger": {
                "handler": "sample_lambda.handlers.on_s3_event",
                "timeout_seconds": 10,
                "memory_mb": 128,
                "environment": {"MARKER_BUCKET": {"bucket": "markers"}},
            },
            "flaky": {
                "handler": "sample_lambda.handlers.flaky",
                "timeout_seconds": 10,
                "memory_mb": 128,
            },
            "echo": {
                "handler": "sample_lambda.handlers.echo",
                "timeout_seconds": 10,
                "memory_mb": 128,
                "environment": {"MACHINE": {"state_machine": "load"}},
            },
        },
        "state_machine": {
            "name": "load",
            "definition_template": str((SAMPLE_DIR / "retry.asl.json").resolve()),
            "template_variables": {
                "flaky_function_arn": {"function": "flaky"},
                "retry_interval_seconds": {"setting": "retry_interval_seconds"},
                "retry_max_attempts": {"setting": "retry_max_attempts"},
            },
        },
        "settings": {"retry_interval_seconds": 1, "retry_max_attempts": 2},
    }


def test_deploy_estate_twice_then_use_it(estate, name_suffix) -> None:
    facts = _facts(f"t{name_suffix}")
    kwargs = {
        "facts": facts,
        "package_dirs": [SAMPLE_DIR / "sample_lambda"],
        "function_environment": {"echo": {"EXTRA": "literal"}},
        "dashboards": {f"t{name_suffix}-load": {"widgets": []}},
        "alarms": [
            {
                "AlarmName": f"t{name_suffix}-batch-failed",
                "Namespace": "HealthcareAnalytics",
                "MetricName": "BatchFailed",
                "Statistic": "Sum",
                "Period": 60,
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            }
        ],
    }
    first = deploy.deploy_estate(**kwargs)
    second = deploy.deploy_estate(**kwargs)  # create-or-update: same resources
    assert first == second
    assert first.buckets["silver"] == f"t{name_suffix}-local-silver"

    config = boto3.client("lambda").get_function_configuration(
        FunctionName=first.function_arns["echo"]
    )
    assert config["Environment"]["Variables"] == {
        "GREETING": "hi",
        "MACHINE": first.state_machine_arn,
        "EXTRA": "literal",
    }
    table = boto3.client("dynamodb").describe_table(TableName=first.table_name)["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["by_modified_day"]
    cloudwatch = boto3.client("cloudwatch")
    assert cloudwatch.get_dashboard(DashboardName=f"t{name_suffix}-load")["DashboardName"]
    assert cloudwatch.describe_alarms(AlarmNames=[f"t{name_suffix}-batch-failed"])["MetricAlarms"]

    s3 = boto3.client("s3")
    s3.put_object(Bucket=first.buckets["silver"], Key="batches/b1/_batch.json", Body=b"{}")
    prefix = "markers/batches/b1/_batch.json/"
    assert wait_for(
        lambda: s3.list_objects_v2(Bucket=first.buckets["markers"], Prefix=prefix).get("KeyCount"),
        timeout=20,
    )

    sfn = boto3.client("stepfunctions")
    payload = {"bucket": first.buckets["markers"], "run_id": secrets.token_hex(4), "fail_times": 1}
    execution = sfn.start_execution(
        stateMachineArn=first.state_machine_arn, name=payload["run_id"], input=json.dumps(payload)
    )["executionArn"]
    done = wait_for(
        lambda: sfn.describe_execution(executionArn=execution)["status"] != "RUNNING", timeout=60
    )
    assert done
    assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"
    boto3.client("dynamodb").delete_table(TableName=first.table_name)  # dynalite keeps data on disk

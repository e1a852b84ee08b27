"""deploy-local puts every piece of the load pipeline on the estate, from resources.json, and
running it again changes nothing but updates in place."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from healthetl.estate.deploy import load_facts
from healthetl.pipeline.deploy import deploy_pipeline

pytestmark = pytest.mark.integration


def test_every_function_state_machine_notification_and_alarm_is_deployed(
    deployed_pipeline: Any,
) -> None:
    facts = load_facts()
    lam = boto3.client("lambda")
    for key, spec in facts["functions"].items():
        config = lam.get_function_configuration(FunctionName=deployed_pipeline.function_names[key])
        assert config["Handler"] == spec["handler"]
        assert config["Timeout"] == spec["timeout_seconds"]
        variables = config["Environment"]["Variables"]
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "HealthcareAnalytics"
        assert set(spec.get("environment", {})) <= set(variables)
        assert ("WAREHOUSE_DSN" in variables) == ("warehouse" in spec["access"])
    definition = json.loads(
        boto3.client("stepfunctions").describe_state_machine(
            stateMachineArn=deployed_pipeline.machine_arn
        )["definition"]
    )
    assert definition["States"]["Copy"]["Resource"].endswith(
        deployed_pipeline.function_names["copy"]
    )
    assert "${" not in json.dumps(definition)
    (rule,) = boto3.client("s3").get_bucket_notification_configuration(
        Bucket=deployed_pipeline.silver_bucket
    )["LambdaFunctionConfigurations"]
    filters = {r["Name"].lower(): r["Value"] for r in rule["Filter"]["Key"]["FilterRules"]}
    assert filters == {"prefix": "batches/", "suffix": "_batch.json"}
    prefix = f"hca-{deployed_pipeline.env}-"
    cloudwatch = boto3.client("cloudwatch")
    dashboards = {d["DashboardName"] for d in cloudwatch.list_dashboards()["DashboardEntries"]}
    assert {f"{prefix}pipeline-health", f"{prefix}component-detail"} <= dashboards
    alarms = cloudwatch.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]
    failed = [a for a in alarms if a["AlarmName"] == f"{prefix}load-execution-failed"]
    assert failed and failed[0]["AlarmActions"] == [deployed_pipeline.topic_arn]


def test_deploying_again_is_idempotent(deployed_pipeline: Any) -> None:
    from fixtures.pipeline import TEST_SETTINGS

    again = deploy_pipeline(
        deployed_pipeline.warehouse_dsn,
        env=deployed_pipeline.env,
        settings_override=TEST_SETTINGS,
    )
    assert again.state_machine_arn == deployed_pipeline.machine_arn
    machines = boto3.client("stepfunctions").list_state_machines()["stateMachines"]
    assert [m["name"] for m in machines].count(f"hca-{deployed_pipeline.env}-load") == 1

"""Dashboards and alarms are facts (facts/observability/): templates that Terraform
renders with templatefile() and the local deployer with string.Template. Both must see the same
placeholders, valid JSON, the contract's metrics, and alarms CloudWatch accepts."""

from __future__ import annotations

import json
import re
from pathlib import Path
from string import Template
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator
from tf_model import FACTS_DIR

pytestmark = pytest.mark.terraform

OBSERVABILITY = FACTS_DIR / "observability"
DASHBOARDS = sorted((OBSERVABILITY / "dashboards").glob("*.json"))
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
CONTRACT_METRICS = {
    "RowsExtracted",
    "RowsValid",
    "RowsRejected",
    "RowsLoaded",
    "ReconciliationMismatch",
    "StepDurationMs",
    "BatchSucceeded",
    "BatchFailed",
    "DataFreshnessSeconds",
}
# Metrics the project added to the contract's minimum, each documented in docs/operations.md.
ADDED_METRICS = {
    "DeferredFailuresFlushFailed",
    "GateWaitSeconds",
    "VersionsDeferred",
    "RereadListLength",
}
PER_FUNCTION = {"function_key", "function_name"}
SAMPLE_NUMBERS = {
    "reject_ratio_threshold_pct": 5,
    "no_successful_batch_hours": 6,
    "warehouse_compute_seconds_threshold": 69120,
    "gate_wait_alarm_seconds": 3600,
}


@pytest.fixture(scope="module")
def template_values(tf_module, facts: dict[str, Any]) -> dict[str, str]:
    """The names Terraform passes to templatefile(), with sample values."""
    names = set(tf_module("modules/observability").locals["template_values"])
    values = {name: f"sample-{name}" for name in names}
    values.update({k: str(v) for k, v in SAMPLE_NUMBERS.items() if k in names})
    values["metrics_namespace"] = facts["metrics_namespace"]
    values["metrics_service"] = facts["functions_environment"]["POWERTOOLS_SERVICE_NAME"]["value"]
    return values


def render(path: Path, values: dict[str, str]) -> Any:
    return json.loads(Template(path.read_text()).substitute(values))


def rendered_alarms(values: dict[str, str], functions: list[str]) -> list[dict[str, Any]]:
    path = OBSERVABILITY / "alarms.json"
    alarms = render(path, {**values, "function_key": "", "function_name": ""})["alarms"]
    for key in functions:
        each = {**values, "function_key": key, "function_name": f"hca-dev-{key}"}
        alarms += render(path, each)["per_function_alarms"]
    return alarms


def test_templates_use_exactly_the_values_terraform_passes(template_values) -> None:
    used: set[str] = set()
    for path in [OBSERVABILITY / "alarms.json", *DASHBOARDS]:
        names = set(PLACEHOLDER.findall(path.read_text()))
        unknown = names - set(template_values) - PER_FUNCTION
        assert not unknown, f"{path.name}: Terraform does not pass {sorted(unknown)}"
        assert "%{" not in path.read_text(), f"{path.name}: templatefile directive"
        used |= names
    assert set(template_values) <= used, f"never used: {set(template_values) - used}"


def test_two_dashboards_render_to_valid_bodies(template_values) -> None:
    assert [p.name for p in DASHBOARDS] == ["component_detail.json", "pipeline_health.json"]
    for path in DASHBOARDS:
        body = render(path, template_values)
        widgets = body["widgets"]
        assert widgets, path.name
        for widget in widgets:
            assert {"type", "x", "y", "width", "height", "properties"} <= set(widget)
            if widget["type"] == "metric":
                assert widget["properties"]["region"] == template_values["region"]
                assert widget["properties"]["metrics"]


def test_pipeline_health_shows_every_contract_metric(template_values) -> None:
    text = json.dumps(render(OBSERVABILITY / "dashboards/pipeline_health.json", template_values))
    missing = {m for m in CONTRACT_METRICS if f'MetricName=\\"{m}\\"' not in text}
    assert not missing, missing
    for states_metric in ("ExecutionsSucceeded", "ExecutionsFailed", "ExecutionTime"):
        assert states_metric in text
    # Powertools metrics are searched by exactly the contract's dimensions.
    assert f"{{{template_values['metrics_namespace']},service,step}}" in text


def test_component_detail_covers_lambda_glue_and_redshift(template_values) -> None:
    text = json.dumps(render(OBSERVABILITY / "dashboards/component_detail.json", template_values))
    for needle in ("AWS/Lambda", "Errors", "Duration", "Throttles", "Glue", "Redshift-Serverless"):
        assert needle in text, needle


def test_alarms_are_valid_put_metric_alarm_calls(template_values, facts) -> None:
    model = botocore.session.get_session().get_service_model("cloudwatch")
    shape = model.operation_model("PutMetricAlarm").input_shape
    alarms = rendered_alarms(template_values, list(facts["functions"]))
    for alarm in alarms:
        params = {k: v for k, v in alarm.items() if not k.startswith("x_")}
        params["AlarmActions"] = ["arn:aws:sns:us-east-1:123456789012:hca-dev-alerts"]
        report = ParamValidator().validate(params, shape)
        assert not report.has_errors(), f"{alarm['AlarmName']}: {report.generate_report()}"
    names = [a["AlarmName"] for a in alarms]
    assert len(names) == len(set(names)), "alarm names repeat"


def test_required_alarms_exist(template_values, facts) -> None:
    alarms = rendered_alarms(template_values, list(facts["functions"]))
    metrics = {a.get("MetricName") for a in alarms}
    assert {"ExecutionsFailed", "ExecutionsTimedOut", "BatchSucceeded", "ComputeSeconds"} <= metrics
    errors = [a for a in alarms if a.get("MetricName") == "Errors"]
    assert len(errors) == len(facts["functions"]), "one Lambda errors alarm per function"
    ratio = [a for a in alarms if "Metrics" in a]
    assert ratio and any("RowsRejected" in json.dumps(a) for a in ratio), "reject ratio alarm"
    quiet = next(a for a in alarms if a.get("MetricName") == "BatchSucceeded")
    assert quiet["TreatMissingData"] == "breaching", "silence must alarm"


def test_pipeline_metric_alarms_use_only_service_and_step(template_values, facts) -> None:
    namespace = facts["metrics_namespace"]
    for alarm in rendered_alarms(template_values, list(facts["functions"])):
        metrics = [alarm] + [
            q["MetricStat"]["Metric"] for q in alarm.get("Metrics", []) if "MetricStat" in q
        ]
        for metric in metrics:
            if metric.get("Namespace") == namespace:
                assert metric["MetricName"] in CONTRACT_METRICS | ADDED_METRICS
                assert {d["Name"] for d in metric["Dimensions"]} == {"service", "step"}


def test_terraform_maps_every_alarm_field(tf_module, template_values, facts) -> None:
    """Nothing written in alarms.json is silently dropped by the Terraform mapping."""
    mapping = json.dumps(tf_module("modules/observability").locals["alarms"])
    for alarm in rendered_alarms(template_values, list(facts["functions"])):
        for key in alarm:
            if not key.startswith("x_"):
                assert f"alarm.{key}" in mapping, f"Terraform ignores {key}"
        for query in alarm.get("Metrics", []):
            for key in query:
                assert f"query.{key}" in mapping, f"Terraform ignores Metrics[].{key}"


def test_terraform_deploys_every_dashboard_file_and_the_budget(tf_module) -> None:
    observability = tf_module("modules/observability")
    assert "fileset(" in observability.locals["dashboards"]
    dashboard = observability.resources["aws_cloudwatch_dashboard.this"]
    assert dashboard["for_each"] == "${local.dashboards}"
    assert "templatefile(" in dashboard["dashboard_body"]
    alarm = observability.resources["aws_cloudwatch_metric_alarm.this"]
    assert alarm["alarm_actions"] == ["${aws_sns_topic.alerts.arn}"]
    budget = observability.resources["aws_budgets_budget.monthly"]
    assert all(n["subscriber_sns_topic_arns"] for n in budget["notification"])
    topic = observability.resources["aws_sns_topic.alerts"]
    assert topic["kms_master_key_id"] == "${module.key.arn}"

"""``healthetl deploy-local``: the whole load pipeline onto the local estate, from resources.json.

Uses the estate's generic deployer (:func:`healthetl.estate.deploy.deploy_estate`, which
resolves resources.json's ``environment`` references) with the local warehouse DSN added, and
the CloudWatch dashboards and alarms of ``facts/observability/`` (the same files Terraform
renders). Idempotent: running it again updates in place.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3

from healthetl.estate.config import repo_root
from healthetl.estate.deploy import (
    DeployedEstate,
    deploy_estate,
    load_facts,
    put_alarms,
    put_dashboards,
    resource_name,
)
from healthetl.estate.templates import render

OBSERVABILITY_DIR = Path("facts") / "observability"
# Alarm thresholds Terraform takes as variables; the local estate uses these defaults.
LOCAL_ALARM_DEFAULTS: dict[str, object] = {
    "no_successful_batch_hours": 24,
    "reject_ratio_threshold_pct": 5,
    "warehouse_compute_seconds_threshold": 0,
    "glue_job_name": "none",
    "warehouse_workgroup": "none",
    "dead_letter_queue_name": "none",
}


def deployment_env() -> str:
    """The ``<env>`` of resource names: ``HCA_ENV`` (tests use a unique one), else ``local``."""
    return os.environ.get("HCA_ENV", "local")


def local_environments(
    facts: Mapping[str, Any], warehouse_dsn: str | None
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """What the local estate adds to resources.json's environment references (which the generic
    deployer resolves): the warehouse DSN for functions with 'warehouse' access, no X-Ray."""
    # No X-Ray daemon locally: Powertools' tracer would only log errors about it.
    common = {"POWERTOOLS_TRACE_DISABLED": "true"}
    per_function: dict[str, dict[str, str]] = {}
    for key, spec in facts["functions"].items():
        per_function[key] = {}
        if warehouse_dsn and "warehouse" in spec.get("access", []):
            per_function[key]["WAREHOUSE_DSN"] = warehouse_dsn
    return common, per_function


def _observability_values(
    facts: Mapping[str, Any], env: str, state_machine_arn: str
) -> dict[str, object]:
    region = boto3.session.Session().region_name or "us-east-1"
    return {
        **LOCAL_ALARM_DEFAULTS,
        "name_prefix": f"{facts['project']}-{env}",
        "metrics_namespace": facts["metrics_namespace"],
        "metrics_service": facts["functions_environment"]["POWERTOOLS_SERVICE_NAME"]["value"],
        "region": region,
        "state_machine_arn": state_machine_arn,
        # Thresholds that are facts (resources.json settings), as Terraform passes them.
        "gate_wait_alarm_seconds": facts["settings"]["gate_wait_alarm_seconds"],
    }


def dashboards(facts: Mapping[str, Any], env: str, state_machine_arn: str) -> dict[str, Any]:
    values = _observability_values(facts, env, state_machine_arn)
    found: dict[str, Any] = {}
    for path in sorted((repo_root() / OBSERVABILITY_DIR / "dashboards").glob("*.json")):
        name = resource_name(facts, env, path.stem.replace("_", "-"))
        found[name] = json.loads(render(path.read_text(), values))
    return found


def alarms(
    facts: Mapping[str, Any], env: str, state_machine_arn: str, topic_arn: str
) -> list[dict[str, Any]]:
    """Alarms in put_metric_alarm's shape; those needing AWS-only resources are left out."""
    path = repo_root() / OBSERVABILITY_DIR / "alarms.json"
    if not path.is_file():
        return []
    values = _observability_values(facts, env, state_machine_arn)
    text = path.read_text()
    rendered: list[dict[str, Any]] = []
    first = json.loads(render(text, {**values, "function_key": "-", "function_name": "-"}))
    rendered.extend(first.get("alarms", []))
    for key in facts["functions"]:
        per_function = {
            **values,
            "function_key": key,
            "function_name": resource_name(facts, env, key),
        }
        rendered.extend(json.loads(render(text, per_function)).get("per_function_alarms", []))
    local: list[dict[str, Any]] = []
    for alarm in rendered:
        if alarm.get("x_requires"):
            continue
        alarm = {k: v for k, v in alarm.items() if not k.startswith("x_")}
        alarm["AlarmActions"] = [topic_arn]
        alarm["OKActions"] = [topic_arn]
        local.append(alarm)
    return local


def deploy_pipeline(
    warehouse_dsn: str | None,
    *,
    env: str | None = None,
    settings_override: Mapping[str, object] | None = None,
) -> DeployedEstate:
    """Deploy (create or update) every resource of the load pipeline on the current endpoint."""
    env = env or deployment_env()
    facts = load_facts()
    common, per_function = local_environments(facts, warehouse_dsn)
    deployed = deploy_estate(
        env,
        facts=facts,
        function_environment=per_function,
        common_environment=common,
        settings_override=settings_override,
    )
    put_dashboards(dashboards(facts, env, deployed.state_machine_arn))
    put_alarms(alarms(facts, env, deployed.state_machine_arn, deployed.alerts_topic_arn))
    return deployed

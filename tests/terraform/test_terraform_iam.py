"""Least privilege in terraform/: no '*' action anywhere, no wildcard-service action allowed
outside KMS key policies, and '*' resources only for actions AWS cannot scope."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from tf_model import TfDir, unquote, walk_dicts

pytestmark = pytest.mark.terraform

# Actions that accept no resource-level permission (AWS Service Authorization Reference).
UNSCOPABLE = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "cloudwatch:PutMetricData",
}


def statements(tf_dirs: dict[Path, TfDir]) -> list[tuple[str, dict[str, Any]]]:
    """Every HCL policy statement (policy documents and the pipeline's capability table)."""
    found = []
    for tf_dir in tf_dirs.values():
        for parsed in tf_dir.files.values():
            for node in walk_dicts(parsed):
                if "actions" in node and ("resources" in node or "not_resources" in node):
                    found.append((tf_dir.name, node))
    return found


def as_list(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [unquote(v) for v in values]


def test_statements_are_found(tf_dirs: dict[Path, TfDir]) -> None:
    assert len(statements(tf_dirs)) > 30


def test_no_star_action_and_no_star_on_star(tf_dirs: dict[Path, TfDir]) -> None:
    bad = []
    for where, statement in statements(tf_dirs):
        actions = as_list(statement["actions"])
        resources = as_list(statement.get("resources", []))
        if "*" in actions or "*:*" in actions:
            bad.append(f"{where}: action * in {statement}")
        if unquote(statement.get("effect", '"Allow"')) == "Allow" and "*" in resources:
            scoped = [a for a in actions if a not in UNSCOPABLE]
            if scoped:
                bad.append(f"{where}: {scoped} on resource *")
    assert not bad, "\n".join(bad)


def test_no_wildcard_service_actions_allowed(tf_dirs: dict[Path, TfDir]) -> None:
    bad = [
        f"{where}: {statement['actions']}"
        for where, statement in statements(tf_dirs)
        if unquote(statement.get("effect", '"Allow"')) == "Allow"
        and any(a.endswith(":*") for a in as_list(statement["actions"]))
    ]
    assert not bad, bad


def test_jsonencoded_policies_have_no_star_action(tf_dirs: dict[Path, TfDir]) -> None:
    """Key and bucket policies written with jsonencode(): only key policies may say kms:*."""
    for tf_dir in tf_dirs.values():
        for text in tf_dir.strings():
            if "jsonencode(" not in text or "Action" not in text:
                continue
            assert not re.search(r'Action\s*=\s*"\*"', text), f"{tf_dir.name}: Action *"
            for action in re.findall(r'Action\s*=\s*"([a-z0-9-]+:\*)"', text):
                # kms:* only in key policies (the account administers its key); s3:* only denied.
                assert action in {"kms:*", "s3:*"}, f"{tf_dir.name}: {action}"
                if action == "s3:*":
                    assert re.search(r'Effect\s*=\s*"Deny"', text), f"{tf_dir.name}: allows s3:*"


def test_allow_statements_never_name_any_principal(tf_dirs: dict[Path, TfDir]) -> None:
    for where, statement in statements(tf_dirs):
        if unquote(statement.get("effect", '"Allow"')) != "Allow":
            continue
        for principal in statement.get("principals", []):
            assert as_list(principal["identifiers"]) != ["*"], f"{where}: {statement}"


def test_each_function_role_is_its_own(tf_module) -> None:
    pipeline = tf_module("modules/pipeline")
    assert pipeline.resources["aws_iam_role.function"]["for_each"] == "${var.functions}"
    document = pipeline.data["aws_iam_policy_document.function"]
    dynamic = document["dynamic"][0]['"statement"']
    assert "each.value.access" in dynamic["for_each"]
    assert "local.capability_statements[capability]" in dynamic["for_each"]

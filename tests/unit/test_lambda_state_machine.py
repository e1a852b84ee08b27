"""The one ASL template: placeholders as resources.json declares them, timeouts, Retry, Catch."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fixtures.pipeline import PLACEHOLDER, REPO, render_template

pytestmark = pytest.mark.unit

TASKS = {"WaitForEarlierBatches": "gate", "Copy": "copy", "Gold": "gold", "Analytics": "analytics"}
RETRYABLE_LAMBDA = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}


@pytest.fixture(scope="module")
def template(facts: dict[str, Any]) -> str:
    return (REPO / facts["state_machine"]["definition_template"]).read_text()


@pytest.fixture(scope="module")
def definition(template: str, facts: dict[str, Any]) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    for name, ref in facts["state_machine"]["template_variables"].items():
        if "function" in ref:
            variables[name] = f"arn:aws:lambda:us-east-1:123456789012:function:{ref['function']}"
        else:
            variables[name] = facts["settings"][ref["setting"]]
    return json.loads(render_template(template, variables))


def test_placeholders_are_exactly_the_declared_template_variables(
    template: str, facts: dict[str, Any]
) -> None:
    used = set(PLACEHOLDER.findall(template))
    assert used == set(facts["state_machine"]["template_variables"])
    # templatefile() would treat any other "${" or "%{" as template syntax.
    assert template.count("${") == len(PLACEHOLDER.findall(template))
    assert "%{" not in template


def test_every_declared_function_exists(facts: dict[str, Any]) -> None:
    for ref in facts["state_machine"]["template_variables"].values():
        if "function" in ref:
            assert ref["function"] in facts["functions"]


def test_flow_is_gate_copy_gold_analytics(definition: dict[str, Any]) -> None:
    states = definition["States"]
    assert definition["StartAt"] == "WaitForEarlierBatches"
    assert states["WaitForEarlierBatches"]["Next"] == "MayThisBatchProceed"
    assert states["MayThisBatchProceed"]["Choices"][0]["Next"] == "Copy"
    assert states["MayThisBatchProceed"]["Default"] == "WaitBeforeCheckingAgain"
    assert states["WaitBeforeCheckingAgain"]["Next"] == "WaitForEarlierBatches"
    assert states["Copy"]["Next"] == "Gold"
    assert states["Gold"]["Next"] == "Analytics"
    assert states["Analytics"]["Next"] == "Loaded"
    assert states["Loaded"]["Type"] == "Succeed"


def test_tasks_time_out_after_their_lambda_and_pass_execution_name_and_attempt(
    definition: dict[str, Any], facts: dict[str, Any]
) -> None:
    for state_name, function in TASKS.items():
        state = definition["States"][state_name]
        assert state["TimeoutSeconds"] > facts["functions"][function]["timeout_seconds"]
        assert state["Parameters"]["execution_name.$"] == "$$.Execution.Name"
        assert state["Parameters"]["retry_count.$"] == "$$.State.RetryCount"
        assert "sql" not in json.dumps(state["Parameters"]).lower()


def test_retry_only_transient_warehouse_and_lambda_service_errors(
    definition: dict[str, Any],
) -> None:
    for state_name in ("Copy", "Gold", "Analytics"):
        (retry,) = definition["States"][state_name]["Retry"]
        assert set(retry["ErrorEquals"]) == {"WarehouseTransientError"} | RETRYABLE_LAMBDA
        assert retry["BackoffRate"] > 1


def test_retries_fit_in_the_retry_window(facts: dict[str, Any]) -> None:
    s = facts["settings"]
    waits = [
        s["retry_interval_seconds"] * s["retry_backoff_rate"] ** k
        for k in range(s["retry_max_attempts"])
    ]
    assert sum(waits) <= s["retry_window_seconds"]


def test_every_failure_is_caught_recorded_and_fails_the_execution(
    definition: dict[str, Any],
) -> None:
    states = definition["States"]
    for state_name, step in TASKS.items():
        (catch,) = states[state_name]["Catch"]
        assert catch["ErrorEquals"] == ["States.ALL"]
        marker = states[catch["Next"]]
        assert marker == {
            "Type": "Pass",
            "Result": step,
            "ResultPath": "$.failed_step",
            "Next": "OnFailure",
        }
    assert states["OnFailure"]["Next"] == "LoadFailed"
    assert states["OnFailure"]["Catch"][0]["Next"] == "LoadFailed"
    assert states["LoadFailed"]["Type"] == "Fail"

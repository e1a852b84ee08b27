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


# --- the gate's wait: backoff computed by the gate, capped by the template -------------------

HISTORY_LIMIT = 25_000  # events in one Standard execution's history
WEEK_SECONDS = 7 * 24 * 3600
# One poll: the gate Task (TaskStateEntered, LambdaFunctionScheduled, LambdaFunctionStarted,
# LambdaFunctionSucceeded, TaskStateExited), the Choice (entered, exited), a Wait (entered, exited).
EVENTS_PER_POLL = 9
# ExecutionStarted, the three load steps (5 events each), Loaded (2), ExecutionSucceeded, slack.
EVENTS_OUTSIDE_THE_WAIT = 40


def choose(state: dict[str, Any], data: dict[str, Any]) -> str:
    """A Choice state's next state for ``data`` (the rule kinds our template uses)."""
    for rule in state["Choices"]:
        value: Any = data
        for part in rule["Variable"].removeprefix("$.").split("."):
            value = value[part]
        if "BooleanEquals" in rule and value is rule["BooleanEquals"]:
            return str(rule["Next"])
        if "NumericGreaterThan" in rule and value > rule["NumericGreaterThan"]:
            return str(rule["Next"])
    return str(state["Default"])


def seconds_waited(state: dict[str, Any], data: dict[str, Any]) -> int:
    if "Seconds" in state:
        return int(state["Seconds"])
    assert state["SecondsPath"] == "$.gate.wait_seconds"
    return int(data["gate"]["wait_seconds"])


def test_the_gate_waits_with_a_backoff_the_template_caps(
    definition: dict[str, Any], facts: dict[str, Any]
) -> None:
    states = definition["States"]
    cap = facts["settings"]["gate_poll_max_seconds"]
    assert cap == 300  # the contract's default
    decide = states["MayThisBatchProceed"]
    # Whatever the gate answers, a refused batch waits at most the cap, then asks again.
    for answer in (1, 10, cap - 1, cap, cap + 1, 3600, 10**7):
        data = {"gate": {"proceed": False, "wait_seconds": answer}}
        wait = states[choose(decide, data)]
        assert wait["Type"] == "Wait"
        assert wait["Next"] == "WaitForEarlierBatches"
        assert seconds_waited(wait, data) == min(answer, cap)
    assert choose(decide, {"gate": {"proceed": True, "wait_seconds": 10**7}}) == "Copy"
    # The gate's Retry and Catch are the only ways out of the loop besides Copy: no wait limit.
    assert "GATE_MAX_WAIT_SECONDS" not in json.dumps(facts["functions"]["gate"])


def test_the_gate_and_the_template_read_the_same_cap(facts: dict[str, Any]) -> None:
    gate_env = facts["functions"]["gate"]["environment"]
    template = facts["state_machine"]["template_variables"]
    assert gate_env["GATE_POLL_MAX_SECONDS"] == {"setting": "gate_poll_max_seconds"}
    assert template["gate_poll_max_seconds"] == {"setting": "gate_poll_max_seconds"}
    assert gate_env["GATE_POLL_SECONDS"] == {"setting": "gate_poll_seconds"}


def test_a_weeks_wait_fits_in_one_execution_history(facts: dict[str, Any]) -> None:
    """With the defaults (first 10 s, cap 300 s) a week's wait is 2,025 polls, 18,225 events."""
    from load_pipeline.ordering import next_wait_seconds

    s = facts["settings"]
    waited, polls = 0, 0
    while waited < WEEK_SECONDS:
        waited += next_wait_seconds(
            waited, first=s["gate_poll_seconds"], cap=s["gate_poll_max_seconds"]
        )
        polls += 1
    assert polls == 2_025
    assert polls * EVENTS_PER_POLL + EVENTS_OUTSIDE_THE_WAIT <= HISTORY_LIMIT
    # and the cap alone guarantees it: no backoff could poll more often than every `first` s
    # for long, and once at the cap a week needs WEEK_SECONDS / cap polls.
    assert WEEK_SECONDS // s["gate_poll_max_seconds"] * EVENTS_PER_POLL < HISTORY_LIMIT


def test_a_poll_is_nine_history_events(definition: dict[str, Any]) -> None:
    """Task (5 events with a Lambda resource) + Choice (2) + Wait (2): nothing else loops."""
    states = definition["States"]
    loop = ["WaitForEarlierBatches", "MayThisBatchProceed"]
    assert states[loop[0]]["Type"] == "Task" and states[loop[0]]["Next"] == loop[1]
    assert states[loop[1]]["Type"] == "Choice"
    waits = {
        choose(states[loop[1]], {"gate": {"proceed": False, "wait_seconds": w}}) for w in (1, 10**6)
    }
    assert all(states[w]["Type"] == "Wait" for w in waits)
    assert EVENTS_PER_POLL == 5 + 2 + 2

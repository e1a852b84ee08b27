"""Step Functions executes ASL for real on the estate, calling the deployed Lambdas."""

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


@pytest.fixture(scope="module")
def states_role(estate, name_suffix) -> str:
    return deploy.ensure_role(f"estate-sample-states-{name_suffix}", deploy.STATES_TRUST)


def _run(machine_arn: str, payload: dict) -> tuple[dict, list[dict]]:
    sfn = boto3.client("stepfunctions")
    execution_arn = sfn.start_execution(
        stateMachineArn=machine_arn, name=f"run-{secrets.token_hex(4)}", input=json.dumps(payload)
    )["executionArn"]

    def finished() -> dict | None:
        described = sfn.describe_execution(executionArn=execution_arn)
        return described if described["status"] != "RUNNING" else None

    described = wait_for(finished, timeout=60, interval=0.3)
    assert described, "execution still RUNNING after 60 s"
    history = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    return described, history


def _types(history: list[dict]) -> list[str]:
    return [event["type"] for event in history]


def test_retry_until_the_lambda_task_succeeds(
    deploy_sample_function, states_role, unique_name
) -> None:
    bucket = unique_name("attempts")
    deploy.ensure_bucket(bucket)
    flaky = deploy_sample_function("flaky")
    definition = deploy.render_state_machine(
        SAMPLE_DIR / "retry.asl.json",
        {"flaky_function_arn": flaky, "retry_interval_seconds": 1, "retry_max_attempts": 3},
    )
    machine = deploy.deploy_state_machine(unique_name("retry"), definition, states_role)
    described, history = _run(machine, {"bucket": bucket, "run_id": "r1", "fail_times": 2})
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"attempts": 3}
    types = _types(history)
    assert types.count("LambdaFunctionFailed") == 2
    assert types.count("LambdaFunctionSucceeded") == 1
    failures = [e["lambdaFunctionFailedEventDetails"] for e in history if "Failed" in e["type"]]
    assert {f["error"] for f in failures} == {"TransientError"}


def test_catch_routes_a_permanent_failure_to_the_fail_state(
    deploy_sample_function, states_role, unique_name
) -> None:
    failing = deploy_sample_function("fail")
    definition = deploy.render_state_machine(
        SAMPLE_DIR / "catch.asl.json", {"fail_function_arn": failing}
    )
    machine = deploy.deploy_state_machine(unique_name("catch"), definition, states_role)
    described, history = _run(machine, {"marker": "m"})
    assert described["status"] == "FAILED"
    types = _types(history)
    assert types.count("TaskFailed") == 1  # ValueError is not in the Retry list
    task_failed = next(e for e in history if e["type"] == "TaskFailed")
    assert task_failed["taskFailedEventDetails"]["error"] == "ValueError"
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in history if e["type"].endswith("StateEntered")
    ]
    assert entered == ["Work", "Recorded", "Failed"]
    failed = next(e for e in history if e["type"] == "ExecutionFailed")
    assert failed["executionFailedEventDetails"]["error"] == "PipelineFailed"

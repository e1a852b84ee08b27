"""Lambda Invoke on the estate runs the deployed zip's handler: result, error, timeout, logs."""

from __future__ import annotations

import base64
import json
import secrets

import boto3
import pytest

from healthetl.estate.deploy import wait_for

pytestmark = pytest.mark.integration


def _invoke(arn: str, event: dict) -> dict:
    response = boto3.client("lambda").invoke(
        FunctionName=arn, Payload=json.dumps(event).encode(), LogType="Tail"
    )
    response["body"] = json.loads(response["Payload"].read())
    return response


def test_invoke_returns_the_handler_result_with_runtime_context(deploy_sample_function) -> None:
    arn = deploy_sample_function("echo", timeout=20, environment={"GREETING": "hello"})
    response = _invoke(arn, {"marker": "m1"})
    body = response["body"]
    assert "FunctionError" not in response
    assert body["event"] == {"marker": "m1"}
    assert body["function_name"] == arn.rsplit(":", 1)[-1]
    assert body["greeting"] == "hello"
    assert body["region"] == "us-east-1"
    assert 0 < body["remaining_ms"] <= 20_000
    assert body["log_group"] == f"/aws/lambda/{body['function_name']}"
    assert "echo called with marker m1" in base64.b64decode(response["LogResult"]).decode()


def test_raised_exception_is_a_function_error_with_the_aws_payload(deploy_sample_function) -> None:
    arn = deploy_sample_function("fail")
    response = _invoke(arn, {"marker": "m2"})
    assert response["FunctionError"] == "Unhandled"
    body = response["body"]
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "boom for m2"
    assert any("handlers.py" in line for line in body["stackTrace"])


def test_function_timeout_is_enforced(deploy_sample_function) -> None:
    arn = deploy_sample_function("sleep", timeout=1)
    response = _invoke(arn, {"seconds": 30})
    assert response["FunctionError"] == "Unhandled"
    assert response["body"]["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in response["body"]["errorMessage"]


def test_output_lands_in_the_functions_log_group(deploy_sample_function) -> None:
    arn = deploy_sample_function("echo")
    name = arn.rsplit(":", 1)[-1]
    marker = secrets.token_hex(6)
    _invoke(arn, {"marker": marker})
    logs = boto3.client("logs")

    def messages() -> list[str]:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        return [e["message"] for e in events]

    found = wait_for(lambda: [m for m in messages() if marker in m], timeout=10)
    assert found == [f"echo called with marker {marker}"]
    lines = messages()
    assert any(line.startswith("START RequestId:") for line in lines)
    assert any(line.startswith("REPORT RequestId:") for line in lines)

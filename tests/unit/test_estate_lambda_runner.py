"""The Lambda runner's pure parts: environment, AWS payload shapes, zip cache, bootstrap."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from healthetl.estate import lambda_runner
from healthetl.estate.lambda_bootstrap import LambdaContext, error_payload
from healthetl.estate.lambda_zip import build_zip

pytestmark = pytest.mark.unit

SPEC = lambda_runner.FunctionSpec(
    name="hca-local-copy",
    arn="arn:aws:lambda:us-east-1:123456789012:function:hca-local-copy",
    handler="pkg.mod.handler",
    runtime="python3.11",
    timeout_seconds=7,
    memory_mb=512,
    version="$LATEST",
    environment={"WAREHOUSE_DSN": "postgresql://x", "_HANDLER": "not.this"},
    code_sha256="abc",
)


def test_runtime_environment_has_the_lambda_variables_and_points_at_the_estate() -> None:
    env = lambda_runner.runtime_environment(
        SPEC,
        code_dir=Path("/code"),
        stream="2026/11/26/[$LATEST]x",
        region="us-east-1",
        aws_endpoint="http://127.0.0.1:4566",
        dynamodb_endpoint="http://127.0.0.1:4569",
    )
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "hca-local-copy"
    assert env["_HANDLER"] == "pkg.mod.handler"  # reserved: the function cannot override it
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/hca-local-copy"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"] == "2026/11/26/[$LATEST]x"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:4569"
    assert env["WAREHOUSE_DSN"] == "postgresql://x"
    assert env["PYTHONPATH"].split(":")[0] == "/code"


def test_timeout_payload_matches_aws() -> None:
    payload = lambda_runner.timeout_payload("req-1", 7)
    assert payload == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "RequestId: req-1 Error: Task timed out after 7.00 seconds",
    }


def test_shape_result_success_error_and_crash() -> None:
    assert lambda_runner.shape_result('{"ok": true, "payload": {"a": 1}}', "r", 0) == (
        '{"a": 1}',
        False,
    )
    error = {"errorType": "ValueError", "errorMessage": "x"}
    body, errored = lambda_runner.shape_result(json.dumps({"ok": False, "payload": error}), "r", 0)
    assert errored and json.loads(body) == error
    body, errored = lambda_runner.shape_result(None, "r", 137)
    assert errored and json.loads(body)["errorType"] == "Runtime.ExitError"


def test_error_payload_has_aws_keys() -> None:
    try:
        raise KeyError("missing")
    except KeyError as exc:
        payload = error_payload(exc, "r1")
    assert payload["errorType"] == "KeyError"
    assert payload["errorMessage"] == "'missing'"
    assert payload["requestId"] == "r1"
    assert payload["stackTrace"] and "test_estate_lambda_runner.py" in payload["stackTrace"][0]


def test_context_counts_down() -> None:
    context = LambdaContext("r", int(time.time() * 1000) + 5000)
    assert 4000 < context.get_remaining_time_in_millis() <= 5000
    assert LambdaContext("r", 0).get_remaining_time_in_millis() == 0


def test_log_tail_keeps_the_last_4_kb() -> None:
    tail = lambda_runner.log_tail(["x" * 3000, "y" * 3000])
    assert len(tail.encode()) == 4096 and tail.endswith("y\n")


def test_zip_is_reproducible_and_unpacked_once(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("def handler(event, context):\n    return event\n")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"x")
    first, second = build_zip([package]), build_zip([package])
    assert first == second
    assert sorted(zipfile.ZipFile(__import__("io").BytesIO(first)).namelist()) == [
        "pkg/__init__.py",
        "pkg/mod.py",
    ]
    cache = tmp_path / "cache"
    code_dir = lambda_runner.unpacked_code(first, "sha1", cache)
    assert (code_dir / "pkg" / "mod.py").exists()
    (code_dir / "marker").write_text("kept")
    assert lambda_runner.unpacked_code(first, "sha1", cache) == code_dir
    assert (code_dir / "marker").exists()


def test_bootstrap_runs_a_handler_without_the_repositorys_packages(tmp_path: Path) -> None:
    (tmp_path / "fn.py").write_text(
        "import importlib.util\n"
        "def handler(event, context):\n"
        "    print('hello from the handler')\n"
        "    ours = importlib.util.find_spec('healthetl') is not None\n"
        "    return {'n': event['n'] + 1, 'healthetl': ours, 'name': context.function_name}\n"
    )
    (tmp_path / "event.json").write_text('{"n": 1}')
    env = lambda_runner.runtime_environment(
        SPEC,
        code_dir=tmp_path,
        stream="s",
        region="us-east-1",
        aws_endpoint="http://127.0.0.1:1",
        dynamodb_endpoint=None,
    )
    env["_HANDLER"] = "fn.handler"
    command = [sys.executable, "-S", str(lambda_runner.BOOTSTRAP), str(tmp_path / "event.json")]
    command += [str(tmp_path / "result.json"), "req", str(int(time.time() * 1000) + 5000)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert "hello from the handler" in done.stdout
    result = json.loads((tmp_path / "result.json").read_text())
    assert result == {
        "ok": True,
        "payload": {"n": 2, "healthetl": False, "name": "hca-local-copy"},
    }

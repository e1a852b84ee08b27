"""A Docker-free Lambda runtime for the moto server: runs the deployed zip's handler locally.

:func:`run_invocation` unpacks the function's zip (cached by CodeSha256), runs the handler with
``lambda_bootstrap.py`` in a subprocess (own process group, so a timeout kills everything it
started) with the Lambda runtime's environment variables, and returns what moto's
``LambdaFunction._invoke_lambda`` returns: ``(payload, errored, log_tail)``. The function's
stdout/stderr, framed by START/END/REPORT lines, go to CloudWatch Logs ``/aws/lambda/<name>``.
The pure helpers (environment, payload shaping) are unit-tested on their own.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BOOTSTRAP = Path(__file__).with_name("lambda_bootstrap.py")
LOG_TAIL_BYTES = 4096  # AWS returns the last 4 KB of the log with LogType=Tail
_unpack_lock = threading.Lock()


@dataclass(frozen=True)
class FunctionSpec:
    """What the runner needs to know about a deployed function (read from moto's model)."""

    name: str
    arn: str
    handler: str
    runtime: str
    timeout_seconds: int
    memory_mb: int
    version: str
    environment: Mapping[str, str]
    code_sha256: str


@dataclass(frozen=True)
class InvocationResult:
    payload: str
    errored: bool
    log_lines: list[str]
    log_stream: str


def log_stream_name(version: str, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


def runtime_environment(
    spec: FunctionSpec,
    *,
    code_dir: Path,
    stream: str,
    region: str,
    aws_endpoint: str,
    dynamodb_endpoint: str | None,
) -> dict[str, str]:
    """The environment AWS gives a Python function, pointed back at the local estate."""
    site_packages = sysconfig.get_paths()["purelib"]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - as on Lambda
        "LAMBDA_TASK_ROOT": str(code_dir),
        "LAMBDA_RUNTIME_DIR": str(Path(sys.executable).parent),
        "PYTHONPATH": os.pathsep.join([str(code_dir), site_packages]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "_HANDLER": spec.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout_seconds),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": stream,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_SESSION_TOKEN": "test",
        "AWS_ENDPOINT_URL": aws_endpoint,
        "_HCA_FUNCTION_ARN": spec.arn,
    }
    if dynamodb_endpoint:
        env["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb_endpoint
    # The function's own variables win, as on AWS (except the reserved runtime ones above).
    reserved = {"_HANDLER", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_LOG_STREAM_NAME"}
    env.update({k: str(v) for k, v in spec.environment.items() if k not in reserved})
    return env


def timeout_payload(request_id: str, timeout_seconds: int) -> dict[str, str]:
    """AWS's payload for an invocation killed at its timeout."""
    return {
        "errorType": "Sandbox.Timedout",
        "errorMessage": (
            f"RequestId: {request_id} Error: Task timed out after {timeout_seconds:.2f} seconds"
        ),
    }


def shape_result(result_file_text: str | None, request_id: str, exit_code: int) -> tuple[str, bool]:
    """Turn the bootstrap's result file into (payload JSON, errored)."""
    if not result_file_text:
        payload = {
            "errorType": "Runtime.ExitError",
            "errorMessage": (
                f"RequestId: {request_id} Error: Runtime exited with error: exit status {exit_code}"
            ),
        }
        return json.dumps(payload), True
    result = json.loads(result_file_text)
    return json.dumps(result["payload"]), not result["ok"]


def unpacked_code(zip_bytes: bytes, code_sha256: str, cache_dir: Path) -> Path:
    """The zip unpacked once per CodeSha256 (atomic rename, so concurrent invokes are safe)."""
    target = cache_dir / code_sha256.replace("/", "_")  # base64 may contain "/"
    if target.is_dir():
        return target
    with _unpack_lock:
        if target.is_dir():
            return target
        cache_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".unpack-"))
        with tempfile.TemporaryFile() as fh:
            fh.write(zip_bytes)
            fh.seek(0)
            with zipfile.ZipFile(fh) as archive:
                archive.extractall(staging)
        try:
            staging.rename(target)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def run_invocation(
    spec: FunctionSpec,
    event: Any,
    *,
    zip_bytes: bytes,
    cache_dir: Path,
    region: str,
    aws_endpoint: str,
    dynamodb_endpoint: str | None,
) -> InvocationResult:
    request_id = str(uuid.uuid4())
    code_dir = unpacked_code(zip_bytes, spec.code_sha256, cache_dir)
    stream = log_stream_name(spec.version)
    env = runtime_environment(
        spec,
        code_dir=code_dir,
        stream=stream,
        region=region,
        aws_endpoint=aws_endpoint,
        dynamodb_endpoint=dynamodb_endpoint,
    )
    started = time.monotonic()
    deadline_ms = int(time.time() * 1000) + spec.timeout_seconds * 1000
    with tempfile.TemporaryDirectory(prefix="invoke-", dir=cache_dir) as work:
        event_file = Path(work) / "event.json"
        result_file = Path(work) / "result.json"
        output_file = Path(work) / "output.log"
        event_file.write_text(json.dumps(event))
        command = [sys.executable, "-S", str(BOOTSTRAP), str(event_file), str(result_file)]
        command += [request_id, str(deadline_ms)]
        with output_file.open("wb") as output:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=code_dir,
                start_new_session=True,
            )
            try:
                exit_code = proc.wait(timeout=spec.timeout_seconds)
                timed_out = False
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                exit_code, timed_out = -9, True
        output_lines = output_file.read_text(errors="replace").splitlines()
        result_text = result_file.read_text() if result_file.exists() else None
    elapsed_ms = (time.monotonic() - started) * 1000
    if timed_out:
        payload, errored = json.dumps(timeout_payload(request_id, spec.timeout_seconds)), True
        output_lines.append(
            f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%S.%fZ} {request_id} "
            f"Task timed out after {spec.timeout_seconds:.2f} seconds"
        )
    else:
        payload, errored = shape_result(result_text, request_id, exit_code)
    lines = [f"START RequestId: {request_id} Version: {spec.version}", *output_lines]
    lines.append(f"END RequestId: {request_id}")
    lines.append(
        f"REPORT RequestId: {request_id}\tDuration: {elapsed_ms:.2f} ms\t"
        f"Billed Duration: {int(elapsed_ms) + 1} ms\tMemory Size: {spec.memory_mb} MB"
    )
    return InvocationResult(payload=payload, errored=errored, log_lines=lines, log_stream=stream)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def log_tail(lines: list[str]) -> str:
    text = "\n".join(lines) + "\n"
    return text.encode()[-LOG_TAIL_BYTES:].decode(errors="ignore")

"""What a step Lambda loads at a cold start: the handlers imported as the runtime does (a fresh
interpreter, ``LAMBDA_TASK_ROOT`` set, so the Tracer is on), and the modules that brings in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

LAMBDA_SRC = Path(__file__).resolve().parents[2] / "lambda_src"
HANDLERS = ("trigger", "gate", "copy", "gold", "analytics", "on_failure")

PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(f"load_pipeline.handlers.{name}")
from load_pipeline.observability import tracer
print(json.dumps({"modules": sorted(sys.modules), "tracing": not tracer.disabled}))
"""


def test_the_tracer_patches_botocore_and_loads_no_other_client_library() -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(LAMBDA_SRC),
        "LAMBDA_TASK_ROOT": str(LAMBDA_SRC),
        "AWS_LAMBDA_FUNCTION_NAME": "cold-start-probe",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *HANDLERS],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    modules = set(loaded["modules"])

    assert loaded["tracing"], "the probe must run with tracing on, as in Lambda"
    assert "aws_xray_sdk.ext.botocore.patch" in modules  # AWS calls are traced
    unused = {"requests", "sqlite3", "httpx", "pymongo", "pynamodb", "sqlalchemy", "aiobotocore"}
    assert not unused & modules, (
        f"a cold start imports client libraries it never uses: {unused & modules}"
    )

"""The hooks change exactly the three documented things in moto (checked in a fresh process, so
this test session's own moto stays as shipped)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

CHECK = """
import os, sys
from pathlib import Path
from moto.awslambda.models import LambdaFunction
from moto.core.config import default_user_config
from moto.s3 import notifications
shipped = (LambdaFunction._invoke_lambda, LambdaFunction.invoke, notifications._invoke_awslambda)
from healthetl.estate import moto_hooks
moto_hooks.install(port=4999, cache_dir=Path(sys.argv[1]), dynamodb_endpoint=None)
moto_hooks.install(port=4999, cache_dir=Path(sys.argv[1]), dynamodb_endpoint=None)  # idempotent
assert os.environ["MOTO_PORT"] == "4999"
assert default_user_config["stepfunctions"]["execute_state_machine"] is True
assert LambdaFunction._invoke_lambda is not shipped[0]
assert LambdaFunction._invoke_lambda.__module__ == "healthetl.estate.moto_hooks"
assert LambdaFunction.invoke is not shipped[1]
assert notifications._invoke_awslambda is not shipped[2]
print("hooks ok")
"""


def test_install_patches_only_the_documented_places(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "hooks ok" in done.stdout

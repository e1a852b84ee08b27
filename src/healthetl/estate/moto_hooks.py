"""The ONLY deviations of the local AWS endpoint from moto 5.2.5 as shipped.

Installed by :mod:`healthetl.estate.aws_server` in the moto server process, before it serves:

1. Step Functions executes state machines for real (moto's documented config switch
   ``stepfunctions.execute_state_machine``); ``MOTO_PORT`` tells its interpreter where Lambda is.
2. ``LambdaFunction._invoke_lambda`` (Docker in moto) is replaced by the Docker-free runner of
   :mod:`healthetl.estate.lambda_runner`; ``LambdaFunction.invoke`` reports a raised exception as
   ``FunctionError: Unhandled`` as AWS does (moto says ``Handled``).
3. S3 event notifications invoke their Lambda in a background thread, i.e. asynchronously as S3
   does (moto invokes inline, inside the PutObject request).

Event keys stay URL-encoded (``quote_plus``), exactly as AWS sends them: consumers must
``unquote_plus`` them. Nothing else of moto is changed.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from healthetl.estate import lambda_runner

_installed = False


def install(*, port: int, cache_dir: Path, dynamodb_endpoint: str | None) -> None:
    """Patch moto in this process (idempotent)."""
    global _installed
    if _installed:
        return
    os.environ["MOTO_PORT"] = str(port)
    _enable_step_functions_execution()
    _replace_lambda_runtime(
        aws_endpoint=f"http://127.0.0.1:{port}",
        cache_dir=cache_dir,
        dynamodb_endpoint=dynamodb_endpoint,
    )
    _make_s3_notifications_async()
    _installed = True


def _enable_step_functions_execution() -> None:
    from moto.core.config import default_user_config

    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True


def _replace_lambda_runtime(
    *, aws_endpoint: str, cache_dir: Path, dynamodb_endpoint: str | None
) -> None:
    from moto.awslambda.models import LambdaFunction

    def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        self.logs_backend.ensure_log_group(self.logs_group_name)
        spec = lambda_runner.FunctionSpec(
            name=self.function_name,
            arn=self.function_arn,
            handler=self.handler,
            runtime=self.run_time or "python3.11",
            timeout_seconds=int(self.timeout),
            memory_mb=int(self.memory_size),
            version=str(self.version),
            environment=dict(self.environment_vars or {}),
            code_sha256=self.code_sha_256,
        )
        result = lambda_runner.run_invocation(
            spec,
            {} if event is None else event,
            zip_bytes=self.code_bytes,
            cache_dir=cache_dir,
            region=self.region,
            aws_endpoint=aws_endpoint,
            dynamodb_endpoint=dynamodb_endpoint,
        )
        self.logs_backend.create_log_stream(self.logs_group_name, result.log_stream)
        from moto.core.utils import unix_time_millis

        stamp = unix_time_millis()
        events = [{"timestamp": stamp, "message": line} for line in result.log_lines]
        self.logs_backend.put_log_events(self.logs_group_name, result.log_stream, events)
        return result.payload, result.errored, lambda_runner.log_tail(result.log_lines)

    shipped_invoke = LambdaFunction.invoke

    def invoke(self: Any, body: str, request_headers: Any, response_headers: Any) -> Any:
        payload = shipped_invoke(self, body, request_headers, response_headers)
        if "x-amz-function-error" in response_headers:
            response_headers["x-amz-function-error"] = "Unhandled"
        return payload

    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
    LambdaFunction.invoke = invoke  # type: ignore[method-assign]


def _make_s3_notifications_async() -> None:
    from moto.s3 import notifications

    shipped = notifications._invoke_awslambda

    def invoke_in_background(*args: Any, **kwargs: Any) -> None:
        threading.Thread(
            target=shipped, args=args, kwargs=kwargs, name="s3-notification", daemon=True
        ).start()

    notifications._invoke_awslambda = invoke_in_background

"""Runs ONE Lambda invocation in a fresh interpreter, like the AWS Python runtime does.

Started by :mod:`healthetl.estate.lambda_runner` as a *script* with ``python -S``, so that only
the unpacked zip and the estate interpreter's site-packages (``PYTHONPATH``) are importable,
never this repository's editable packages. Standard library only.

Usage: ``python -S lambda_bootstrap.py EVENT_FILE RESULT_FILE REQUEST_ID DEADLINE_EPOCH_MS``.
The handler's stdout/stderr are the function's log lines. The result file receives
``{"ok": true, "payload": <handler result>}`` or ``{"ok": false, "payload": <AWS error payload>}``.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any


class LambdaContext:
    """The attributes and method of the AWS Python runtime's context object."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        env = os.environ
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.aws_request_id = request_id
        self.invoked_function_arn = env.get("_HCA_FUNCTION_ARN", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def error_payload(exc: BaseException, request_id: str) -> dict[str, Any]:
    """AWS's shape for an exception raised by a Python handler."""
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def load_handler(spec: str) -> Any:
    module_name, _, function_name = spec.rpartition(".")
    if not module_name:
        raise ValueError(f"Bad handler '{spec}': expected module.function")
    module = importlib.import_module(module_name)
    return getattr(module, function_name)


def main(argv: list[str]) -> int:
    event_file, result_file, request_id, deadline_ms = argv[1:5]
    event = json.loads(Path(event_file).read_text(encoding="utf-8"))
    context = LambdaContext(request_id, int(deadline_ms))
    try:
        handler = load_handler(os.environ["_HANDLER"])
        result = handler(event, context)
        try:
            body = json.dumps({"ok": True, "payload": result})
        except (TypeError, ValueError) as exc:
            payload = {
                "errorMessage": f"Unable to marshal response: {exc}",
                "errorType": "Runtime.MarshalError",
                "requestId": request_id,
                "stackTrace": [],
            }
            body = json.dumps({"ok": False, "payload": payload})
    except Exception as exc:  # every handler error is reported, as the AWS runtime does
        payload = error_payload(exc, request_id)
        print(f"[ERROR] {payload['errorType']}: {payload['errorMessage']}", file=sys.stderr)
        traceback.print_exc()
        body = json.dumps({"ok": False, "payload": payload})
    except SystemExit as exc:
        payload = {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {exc.code}",
        }
        body = json.dumps({"ok": False, "payload": payload})
    sys.stdout.flush()
    sys.stderr.flush()
    Path(result_file).write_text(body, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

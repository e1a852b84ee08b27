"""Errors as Step Functions sees them (a Lambda's ``errorType`` is its exception's class name).

The state machine retries ``WarehouseTransientError`` by name, so a subclass raised by the seam
is surfaced under exactly that name; its message is cut before any detail that may quote row
values (no patient data in errors, logs or the tracker).
"""

from __future__ import annotations

from warehouse_seam import WarehouseTransientError as SeamTransientError

MAX_ERROR_CHARS = 1000


class WarehouseTransientError(Exception):
    """Retryable by the state machine: connection lost or refused, serialization conflict,
    statement timeout."""


def safe_message(exc: BaseException) -> str:
    """The first line of an error, without database DETAIL/CONTEXT lines that may quote rows."""
    text = str(exc).strip() or type(exc).__name__
    for marker in ("\nDETAIL:", "\nCONTEXT:", "DETAIL:  "):
        text = text.split(marker, 1)[0]
    return text.strip()[:MAX_ERROR_CHARS]


def surfaced(exc: BaseException) -> BaseException:
    """The exception to raise to Step Functions for ``exc``."""
    if isinstance(exc, SeamTransientError) and type(exc).__name__ != "WarehouseTransientError":
        return WarehouseTransientError(safe_message(exc))
    return exc

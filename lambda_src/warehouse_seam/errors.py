"""The two error classes the load state machine tells apart (contracts/pipeline.md).

``WarehouseTransientError`` is retried with backoff by Step Functions; ``WarehouseDataError``
goes to the failure path at once. ``classify`` maps a driver exception (psycopg 3 or
redshift_connector) or a socket error to one of them by SQLSTATE first, message second.
"""

from __future__ import annotations

import re


class WarehouseError(Exception):
    """Any failure talking to the warehouse."""


class WarehouseTransientError(WarehouseError):
    """Worth retrying: connection refused or lost, serialization conflict, lock or statement
    timeout, server shutting down or not yet accepting connections."""


class WarehouseDataError(WarehouseError):
    """Not worth retrying: SQL, constraint, permission or data errors, reconciliation
    mismatches, bad configuration."""


# SQLSTATEs that mean "try again later". Class 08 (connection exception) is added by prefix.
TRANSIENT_SQLSTATES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available (lock_timeout)
        "57014",  # query_canceled (statement_timeout)
        "57P01",  # admin_shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now (starting up)
        "53300",  # too_many_connections
    }
)

# Redshift reports some transient conditions as XX000 with a recognisable message.
TRANSIENT_MESSAGE = re.compile(
    r"serializable isolation violation|statement timeout|canceling statement|"
    r"terminating connection|connection (?:refused|reset|lost|closed)|"
    r"server closed the connection|could not connect|timed out|"
    r"the database system is (?:starting up|shutting down)|communication error",
    re.IGNORECASE,
)


def sqlstate_of(exc: BaseException) -> str | None:
    """SQLSTATE of a psycopg or redshift_connector error, when the server sent one."""
    state = getattr(exc, "sqlstate", None)
    if state:
        return str(state)
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, dict) and arg.get("C"):
            return str(arg["C"])
    return None


def message_of(exc: BaseException) -> str:
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, dict) and arg.get("M"):
            return str(arg["M"])
    return str(exc)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, WarehouseTransientError):
        return True
    if isinstance(exc, WarehouseDataError):
        return False
    state = sqlstate_of(exc)
    if state is not None:
        if state.startswith("08") or state in TRANSIENT_SQLSTATES:
            return True
        if state == "XX000":
            return bool(TRANSIENT_MESSAGE.search(message_of(exc)))
        return False
    if isinstance(exc, ConnectionError | TimeoutError):
        return True
    kind = type(exc).__name__
    # No SQLSTATE: psycopg.OperationalError / redshift_connector.InterfaceError raised by the
    # client for a refused, lost or timed-out connection.
    if kind in {"OperationalError", "InterfaceError"}:
        return True
    return bool(TRANSIENT_MESSAGE.search(message_of(exc)))


def classify(exc: BaseException) -> WarehouseError:
    """The warehouse error to raise (``from exc``) for a driver or socket exception."""
    if isinstance(exc, WarehouseError):
        return exc
    state = sqlstate_of(exc)
    text = message_of(exc).strip()
    detail = f"[{state}] {text}" if state else f"{type(exc).__name__}: {text}"
    cls = WarehouseTransientError if is_transient(exc) else WarehouseDataError
    return cls(detail)

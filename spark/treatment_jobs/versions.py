"""A version of a source item: its ``treatment_id`` with a fingerprint (``contracts/pipeline.md``,
"A version").

The fingerprint is the first 16 hex characters of a SHA-256 over a canonical form of the item
without its two ``gsi_*`` attributes: attributes and map keys sorted, set members (SS, NS, BS)
sorted, lists in order, no whitespace, UTF-8. It depends on the item's content alone, not on
the read path (Scan, Query, BatchGetItem) nor on the order in which the service lists
attributes, map keys or set members, so two reads of an unchanged item give the same version
and any change to any attribute, even within the same second, gives a new one.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from treatment_jobs.rules import FUTURE_TOLERANCE

FINGERPRINT_LENGTH = 16
INDEX_ATTRIBUTES = frozenset({"gsi_modified_at", "gsi_modified_day"})
_SETS = frozenset({"SS", "NS", "BS"})


def _canonical(value: Any) -> Any:
    """One attribute value (a DynamoDB type wrapper such as ``{"S": "x"}``) in canonical form;
    anything that is not a wrapper is kept as it is, sorted where it is a mapping."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((kind, inner),) = value.items()
            if kind in _SETS and isinstance(inner, list):
                return {kind: sorted(inner, key=_sort_key)}
            if kind == "M" and isinstance(inner, dict):
                return {"M": {k: _canonical(v) for k, v in inner.items()}}
            if kind == "L" and isinstance(inner, list):
                return {"L": [_canonical(v) for v in inner]}
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _sort_key(member: Any) -> str:
    return member if isinstance(member, str) else json.dumps(member, sort_keys=True)


def fingerprint(item: dict[str, Any]) -> str:
    """The fingerprint of a parsed DynamoDB-JSON item (top-level attribute → type wrapper)."""
    content = {k: _canonical(v) for k, v in item.items() if k not in INDEX_ATTRIBUTES}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:FINGERPRINT_LENGTH]


def fingerprint_of_text(text: str | bytes) -> str:
    """The fingerprint of an item given as DynamoDB JSON text; text that is not a JSON object
    (a broken item, rejected with R1) is fingerprinted as its bytes, so it still has a version."""
    try:
        item = json.loads(text)
    except ValueError:
        item = None
    if isinstance(item, dict):
        return fingerprint(item)
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    return hashlib.sha256(raw).hexdigest()[:FINGERPRINT_LENGTH]


REJECTED = "rejected"
DEFERRED = "deferred"
_STAMP_FORM = "%Y-%m-%dT%H:%M:%SZ"


def disposition(
    text: str | bytes, broken_rules: str, extraction_start: datetime, horizon: timedelta
) -> str:
    """``deferred`` for a version rejected only because it is dated after the extraction's
    start + 5 minutes (R6 alone, its ``added_at`` not after its ``modified_at``) and at most
    ``horizon`` after the start: a later run accepts it. Anything else is ``rejected``."""
    if broken_rules != "R6":
        return REJECTED
    try:
        metadata = json.loads(text)["metadata"]["M"]
        added = datetime.strptime(metadata["added_at"]["S"], _STAMP_FORM).replace(tzinfo=UTC)
        modified = datetime.strptime(metadata["modified_at"]["S"], _STAMP_FORM).replace(tzinfo=UTC)
    except (ValueError, KeyError, TypeError):
        return REJECTED
    ahead = modified - extraction_start
    if added <= modified and FUTURE_TOLERANCE < ahead <= horizon:
        return DEFERRED
    return REJECTED

"""The contract of ``contracts/source_item.md`` read independently of ``treatment_jobs.rules``:
the verdict an item must get (``expect``). Used by the load property test."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

START = datetime(2026, 11, 26, 12, 0, 0)  # the extraction start, naive UTC
START_TEXT = "2026-11-26T12:00:00Z"
MAX_ID = 2**63 - 1
NUL = "\x00"

# --- the contract, read independently ------------------------------------------------------
# map -> field -> (kind, nullable). Kinds: id, ts, duration, cost, age, rate, or text:<bytes>
# with the byte length of the field's silver VARCHAR column (pipeline.md).
CONTRACT: dict[str, dict[str, tuple[str, bool]]] = {
    "treatment": {
        "id": ("id", False),
        "start_date": ("ts", False),
        "completion_date": ("ts", True),
        "outcome_status": ("text:32", False),
        "outcome_date": ("ts", True),
        "duration_in_days": ("duration", True),
        "cost": ("cost", False),
        "type": ("text:32", False),
    },
    "provider": {
        "id": ("id", False),
        "full_name": ("text:256", False),
        "speciality_id": ("id", False),
        "speciality_name": ("text:128", False),
        "affiliated_hospital": ("text:256", False),
    },
    "location": {
        "id": ("id", False),
        "country": ("text:64", False),
        "state": ("text:64", False),
        "city": ("text:128", False),
    },
    "patient": {
        "id": ("id", False),
        "full_name": ("text:256", False),
        "gender": ("text:32", False),
        "age": ("age", False),
    },
    "disease": {
        "id": ("id", False),
        "speciality_id": ("id", False),
        "name": ("text:128", False),
        "type": ("text:64", False),
        "severity": ("text:16", False),
        "transmission_mode": ("text:64", False),
        "mortality_rate": ("rate", False),
    },
    "metadata": {"added_at": ("ts", False), "modified_at": ("ts", False)},
}
TYPES = (
    "Medication", "Surgery", "Physical Therapy", "Radiation Therapy", "Chemotherapy",
    "Psychotherapy", "Immunotherapy", "Dialysis",
)  # fmt: skip
STATUSES = ("Successful", "Partially Successful", "Failed", "Ongoing", "Discontinued")
SEVERITIES = ("Mild", "Moderate", "Severe", "Critical")
CLOSED = {"treatment_type": TYPES, "treatment_outcome_status": STATUSES}
CLOSED["disease_severity"] = SEVERITIES
CLOSING = ("treatment_completion_date", "treatment_outcome_date", "treatment_duration_in_days")
FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")  # ASCII digits


def _moment(text: str) -> datetime | None:
    """``YYYY-MM-DDTHH:MM:SSZ`` on a real day of the Gregorian calendar (year 1 on), else None."""
    if not FORM.fullmatch(text):
        return None
    year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
    hour, minute, second = int(text[11:13]), int(text[14:16]), int(text[17:19])
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not (year >= 1 and 1 <= month <= 12 and 1 <= day <= days[month - 1]):
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    return datetime(year, month, day, hour, minute, second)


def _whole(value: Fraction, low: int, high: int) -> bool:
    return value.denominator == 1 and low <= value <= high


def _cents(value: Fraction) -> bool:
    return (value * 100).denominator == 1


# Ranges of R2. duration_in_days has no upper bound in the contract but lands in an INTEGER
# column: beyond 2^31 - 1 it is out of its type's range (the project reads it as R2).
NUMBER_OK = {
    "id": lambda v: _whole(v, 1, MAX_ID),
    "age": lambda v: _whole(v, 0, 120),
    "duration": lambda v: _whole(v, 0, 2**31 - 1),
    "cost": lambda v: 0 <= v < 10**9 and _cents(v),
    "rate": lambda v: 0 <= v <= 100 and _cents(v),
}


def _leaf(kind: str, leaf: dict) -> tuple[str | None, Any]:
    """(broken rule, usable value) of one present, non-NULL leaf."""
    ((tag, raw),) = leaf.items()
    if kind == "ts" or kind.startswith("text:"):
        if tag != "S":
            return "R2", None
        if raw == "":
            return "R1", None
        if NUL in raw:
            return "R2", None
        if kind == "ts":
            moment = _moment(raw)
            return (None, moment) if moment else ("R3", None)
        return (None, raw) if len(raw.encode("utf-8")) <= int(kind[5:]) else ("R2", None)
    if tag != "N":
        return "R2", None
    value = Fraction(raw)
    if not NUMBER_OK[kind](value):
        return "R2", None
    return None, (value if kind in ("cost", "rate") else int(value))


@dataclass(frozen=True)
class Expected:
    rules: str  # "" when valid
    values: dict[str, Any] | None  # the 30 business columns of a valid item
    treatment_id: int | None  # of a rejected row: the key's, else treatment.id's, if usable


def expect(item: dict) -> Expected:
    """The contract's verdict. A field that breaks R1/R2/R3 is unusable and every condition
    needing it is skipped; a NULL or absent nullable field is the value NULL. R4 is per field;
    R5: Ongoing ⇒ each closing field NULL; another status ⇒ each present, and the comparisons
    once start, completion, outcome and duration are all usable; R6: added ≤ modified, and
    modified ≤ start + 5 min on its own."""
    broken: set[str] = set()
    got: dict[str, Any] = {}  # usable fields by silver column; None = NULL
    for map_name, fields in CONTRACT.items():
        wrapper = item.get(map_name)
        members = wrapper.get("M") if isinstance(wrapper, dict) else None
        if members is None:
            broken.add("R1")
            continue
        for field, (kind, nullable) in fields.items():
            column = f"{map_name}_{field}"
            leaf = members.get(field)
            if leaf is None or "NULL" in leaf:
                if nullable:
                    got[column] = None
                else:
                    broken.add("R1")
                continue
            rule, value = _leaf(kind, leaf)
            if rule:
                broken.add(rule)
            else:
                got[column] = value
    key = Fraction(item["treatment_id"]["N"])  # the table's key: always an N
    key_id = int(key) if _whole(key, 1, MAX_ID) else None
    if key_id is None:
        broken.add("R2")
    for column, allowed in CLOSED.items():
        if column in got and got[column] not in allowed:
            broken.add("R4")
    status = got.get("treatment_outcome_status")
    if status == "Ongoing":
        if any(got.get(c) is not None for c in CLOSING):
            broken.add("R5")
    elif status in STATUSES:
        if any(c in got and got[c] is None for c in CLOSING):
            broken.add("R5")
        elif all(c in got for c in ("treatment_start_date", *CLOSING)):
            start, completion, outcome, days = (got[c] for c in ("treatment_start_date", *CLOSING))
            if (
                not start <= completion <= outcome
                or days != (completion.date() - start.date()).days
            ):
                broken.add("R5")
    added, modified = got.get("metadata_added_at"), got.get("metadata_modified_at")
    if added and modified and added > modified:
        broken.add("R6")
    if modified and modified > START + timedelta(minutes=5):
        broken.add("R6")
    body_id = got.get("treatment_id")
    if key_id is not None and body_id is not None and key_id != body_id:
        broken.add("R7")
    rules = ",".join(sorted(broken, key=lambda r: int(r[1:])))
    if rules:
        return Expected(rules, None, key_id if key_id is not None else body_id)
    return Expected("", got, key_id)

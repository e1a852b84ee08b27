"""The rules R1–R7 of ``contracts/source_item.md`` applied to one raw DynamoDB item.

This module and ``transform`` (which runs it over a DataFrame) are the only place that
validates source items. Numbers are parsed as ``Decimal`` from the DynamoDB ``N`` strings and
checked before any cast, so no float touches the money path and no failed cast becomes NULL.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from treatment_jobs.schema import SILVER_COLUMNS

MAX_ID = 2**63 - 1
MAX_INT32 = 2**31 - 1
CENT = Decimal("0.01")
COST_LIMIT = Decimal(10) ** 9
FUTURE_TOLERANCE = timedelta(minutes=5)  # R6: modified_at may be up to start + 5 minutes
RAW_ITEM_LIMIT_BYTES = 60_000
TRUNCATION_MARK = "…[truncated]"
# R2: PostgreSQL's and Redshift's COPY refuse U+0000 in text, so no string holding it may reach
# a Parquet string column: an item with one in a field is rejected, and raw items keep it
# escaped (JSON text escapes it anyway; only a bronze text that is not JSON could hold one).
NUL = "\x00"

TREATMENT_TYPES = frozenset(
    {
        "Medication",
        "Surgery",
        "Physical Therapy",
        "Radiation Therapy",
        "Chemotherapy",
        "Psychotherapy",
        "Immunotherapy",
        "Dialysis",
    }
)
OUTCOME_STATUSES = frozenset(
    {"Successful", "Partially Successful", "Failed", "Ongoing", "Discontinued"}
)
SEVERITIES = frozenset({"Mild", "Moderate", "Severe", "Critical"})

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_VARCHAR_BYTES = {c.name: c.varchar_bytes for c in SILVER_COLUMNS if c.varchar_bytes}

# (map, field, kind, nullable, silver column). Kinds: id, str, ts, days, cost, age, rate.
FIELDS: tuple[tuple[str, str, str, bool, str], ...] = (
    ("treatment", "id", "id", False, "treatment_id"),
    ("treatment", "start_date", "ts", False, "treatment_start_date"),
    ("treatment", "completion_date", "ts", True, "treatment_completion_date"),
    ("treatment", "outcome_status", "str", False, "treatment_outcome_status"),
    ("treatment", "outcome_date", "ts", True, "treatment_outcome_date"),
    ("treatment", "duration_in_days", "days", True, "treatment_duration_in_days"),
    ("treatment", "cost", "cost", False, "treatment_cost"),
    ("treatment", "type", "str", False, "treatment_type"),
    ("provider", "id", "id", False, "provider_id"),
    ("provider", "full_name", "str", False, "provider_full_name"),
    ("provider", "speciality_id", "id", False, "provider_speciality_id"),
    ("provider", "speciality_name", "str", False, "provider_speciality_name"),
    ("provider", "affiliated_hospital", "str", False, "provider_affiliated_hospital"),
    ("location", "id", "id", False, "location_id"),
    ("location", "country", "str", False, "location_country"),
    ("location", "state", "str", False, "location_state"),
    ("location", "city", "str", False, "location_city"),
    ("patient", "id", "id", False, "patient_id"),
    ("patient", "full_name", "str", False, "patient_full_name"),
    ("patient", "gender", "str", False, "patient_gender"),
    ("patient", "age", "age", False, "patient_age"),
    ("disease", "id", "id", False, "disease_id"),
    ("disease", "speciality_id", "id", False, "disease_speciality_id"),
    ("disease", "name", "str", False, "disease_name"),
    ("disease", "type", "str", False, "disease_type"),
    ("disease", "severity", "str", False, "disease_severity"),
    ("disease", "transmission_mode", "str", False, "disease_transmission_mode"),
    ("disease", "mortality_rate", "rate", False, "disease_mortality_rate"),
    ("metadata", "added_at", "ts", False, "metadata_added_at"),
    ("metadata", "modified_at", "ts", False, "metadata_modified_at"),
)
MAPS = ("treatment", "provider", "location", "patient", "disease", "metadata")
# Business columns in silver order (the 30 before batch_id and extracted_at).
BUSINESS_COLUMNS = tuple(f[4] for f in FIELDS)
assert tuple(c.name for c in SILVER_COLUMNS[:30]) == BUSINESS_COLUMNS

_MISSING = object()  # absent or NULL
_BAD = object()  # present but mistyped or unreadable (R1/R2/R3 already reported)


@dataclass(frozen=True)
class CheckedItem:
    """One item after the rules: ``values`` (business columns) when valid, else the rules."""

    treatment_id: int | None
    broken_rules: str  # "" when valid, else e.g. "R2,R5"
    values: dict[str, Any] | None

    @property
    def valid(self) -> bool:
        return not self.broken_rules


def parse_timestamp(text: str) -> datetime | None:
    """The contract's one timestamp form ``YYYY-MM-DDTHH:MM:SSZ``, as a real UTC time."""
    if _TIMESTAMP.fullmatch(text) is None:
        return None
    try:
        return datetime.fromisoformat(text)  # the form is checked above; this checks the date
    except ValueError:
        return None


def to_epoch_micros(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000  # whole seconds by the contract's form


def cut_raw_item(raw: str) -> str:
    """The raw item cut at 60,000 UTF-8 bytes on a character boundary, marked when cut; a
    literal NUL (only in a text that is not JSON) is written as JSON's escape ``\\u0000``."""
    if NUL in raw:
        raw = raw.replace(NUL, "\\u0000")
    if len(raw) <= RAW_ITEM_LIMIT_BYTES // 4:
        return raw  # cannot exceed the limit: at most 4 bytes per character
    encoded = raw.encode("utf-8")
    if len(encoded) <= RAW_ITEM_LIMIT_BYTES:
        return raw
    return encoded[:RAW_ITEM_LIMIT_BYTES].decode("utf-8", errors="ignore") + TRUNCATION_MARK


def _decimal(text: Any) -> Decimal | None:
    if not isinstance(text, str):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _integer(number: Decimal) -> int | None:
    if number.adjusted() > 20:  # far beyond any range here; do not build a huge int
        return None
    return int(number) if number == number.to_integral_value() else None


def _has_cents_at_most(number: Decimal) -> bool:
    return number == number.quantize(CENT)


def _read_field(kind: str, column: str, wrapped: dict, broken: set[str]) -> Any:
    """Unwrap one present, non-NULL leaf and check its type/range; _BAD when it fails."""
    if len(wrapped) != 1:  # e.g. {"S": …, "N": …}: not one DynamoDB type
        broken.add("R2")
        return _BAD
    if kind == "str" or kind == "ts":
        text = wrapped.get("S")
        if not isinstance(text, str):
            broken.add("R2")
            return _BAD
        if text == "":
            broken.add("R1")
            return _BAD
        if NUL in text:  # timestamps too: R2 reports it, the form (R3) is not looked at
            broken.add("R2")
            return _BAD
        if kind == "ts":
            moment = parse_timestamp(text)
            if moment is None:
                broken.add("R3")
                return _BAD
            return moment
        if len(text) * 4 > _VARCHAR_BYTES[column] and len(text.encode()) > _VARCHAR_BYTES[column]:
            broken.add("R2")
            return _BAD
        return text
    number = _decimal(wrapped.get("N"))
    if number is None:
        broken.add("R2")
        return _BAD
    if kind == "cost":
        ok = Decimal(0) <= number < COST_LIMIT and _has_cents_at_most(number)
        value: Any = number.quantize(CENT) if ok else None
    elif kind == "rate":
        ok = Decimal(0) <= number <= Decimal(100) and _has_cents_at_most(number)
        value = number.quantize(CENT) if ok else None
    else:
        value = _integer(number)
        if kind == "id":
            ok = value is not None and 1 <= value <= MAX_ID
        elif kind == "age":
            ok = value is not None and 0 <= value <= 120
        else:  # days: >= 0 and fits the INTEGER column
            ok = value is not None and 0 <= value <= MAX_INT32
    if not ok:
        broken.add("R2")
        return _BAD
    return value


def _unwrap_map(item: dict, name: str) -> dict | None:
    wrapped = item.get(name)
    if isinstance(wrapped, dict) and len(wrapped) == 1 and isinstance(wrapped.get("M"), dict):
        return wrapped["M"]
    return None


def _top_level_id(item: dict, broken: set[str]) -> Any:
    wrapped = item.get("treatment_id")
    if not isinstance(wrapped, dict) or wrapped.get("NULL") is True:
        broken.add("R1")
        return _MISSING
    number = _decimal(wrapped.get("N")) if len(wrapped) == 1 else None
    value = _integer(number) if number is not None else None
    if value is None or not 1 <= value <= MAX_ID:
        broken.add("R2")
        return _BAD
    return value


def check_item(raw: str, extraction_start: datetime) -> CheckedItem:
    """Apply R1–R7 to one item given as DynamoDB JSON; never raises on bad data."""
    broken: set[str] = set()
    try:
        item = json.loads(raw)
    except ValueError:
        item = None
    if not isinstance(item, dict):
        return CheckedItem(None, "R1", None)
    key_id = _top_level_id(item, broken)
    values: dict[str, Any] = {}
    maps = {name: _unwrap_map(item, name) for name in MAPS}
    if any(m is None for m in maps.values()):
        broken.add("R1")
    for map_name, field, kind, nullable, column in FIELDS:
        fields = maps[map_name]
        wrapped = fields.get(field) if fields is not None else None
        if fields is None:
            values[column] = _BAD
        elif wrapped is None or (isinstance(wrapped, dict) and wrapped.get("NULL") is True):
            if not nullable:
                broken.add("R1")
            values[column] = _MISSING
        elif not isinstance(wrapped, dict):
            broken.add("R2")
            values[column] = _BAD
        else:
            values[column] = _read_field(kind, column, wrapped, broken)
    _check_relations(values, key_id, extraction_start, broken)
    treatment_id = key_id if isinstance(key_id, int) else values["treatment_id"]
    treatment_id = treatment_id if isinstance(treatment_id, int) else None
    if broken:
        return CheckedItem(treatment_id, ",".join(sorted(broken, key=lambda r: int(r[1:]))), None)
    return CheckedItem(
        treatment_id, "", {k: (None if v is _MISSING else v) for k, v in values.items()}
    )


def _readable(value: Any) -> bool:
    return value is not _BAD and value is not _MISSING


def _check_relations(
    values: dict[str, Any], key_id: Any, extraction_start: datetime, broken: set[str]
) -> None:
    """R4–R7, each evaluated only on inputs that are present and readable."""
    kind = values["treatment_type"]
    status = values["treatment_outcome_status"]
    severity = values["disease_severity"]
    if _readable(kind) and kind not in TREATMENT_TYPES:
        broken.add("R4")
    if _readable(severity) and severity not in SEVERITIES:
        broken.add("R4")
    if _readable(status) and status not in OUTCOME_STATUSES:
        broken.add("R4")
    elif _readable(status):
        _check_r5(values, status, broken)
    added, modified = values["metadata_added_at"], values["metadata_modified_at"]
    if _readable(added) and _readable(modified) and added > modified:
        broken.add("R6")
    if _readable(modified) and modified > extraction_start + FUTURE_TOLERANCE:
        broken.add("R6")
    body_id = values["treatment_id"]
    if _readable(key_id) and _readable(body_id) and key_id != body_id:
        broken.add("R7")


def _check_r5(values: dict[str, Any], status: str, broken: set[str]) -> None:
    start = values["treatment_start_date"]
    completion = values["treatment_completion_date"]
    outcome = values["treatment_outcome_date"]
    duration = values["treatment_duration_in_days"]
    closing = (completion, outcome, duration)
    if status == "Ongoing":
        if any(_readable(v) for v in closing):
            broken.add("R5")
        return
    if any(v is _MISSING for v in closing):
        broken.add("R5")
        return
    if not all(_readable(v) for v in (start, *closing)):
        return  # an unreadable input: R2/R3 already reported it
    if not start <= completion <= outcome or duration != (completion.date() - start.date()).days:
        broken.add("R5")

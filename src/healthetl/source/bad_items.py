"""Items that break the contract's rules on purpose, and valid edge cases that must pass.

Each case is a valid generated item with one or more deliberate changes. Ids live in a reserved
range (≥ RESERVED_ID_BASE) that generated ids never reach. Which rules each item breaks is
written to a sidecar JSON file — tests read the sidecar, never the item — as
``{"expected": {"<treatment_id>": "R1,R4" | ""}, "cases": {"<treatment_id>": "<what>"}}``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from healthetl.source.generator import Item, iter_items
from healthetl.source.world import World

RESERVED_ID_BASE = 9_000_000_000
MAX_ID = 2**63 - 1
NULL = {"NULL": True}

Mutation = Callable[[Item], None]


@dataclass(frozen=True)
class Case:
    rules: str  # expected broken rules, ascending and comma-separated; "" = must stay valid
    what: str
    base: str  # "done" (a completed treatment) or "ongoing"
    mutate: Mutation
    treatment_id: int | None = None  # default: RESERVED_ID_BASE + position


def _t(item: Item) -> dict[str, Any]:
    return item["treatment"]["M"]


def _set(path: str, value: Any) -> Mutation:
    """Set (or with value None: delete) a field, e.g. _set("treatment.cost", {"N": "1"})."""
    top, _, leaf = path.partition(".")

    def mutate(item: Item) -> None:
        if not leaf:
            if value is None:
                del item[top]
            else:
                item[top] = value
        elif value is None:
            del item[top]["M"][leaf]
        else:
            item[top]["M"][leaf] = value

    return mutate


def _all(*mutations: Mutation) -> Mutation:
    def mutate(item: Item) -> None:
        for mutation in mutations:
            mutation(item)

    return mutate


def _dates(start: str, completion: str, outcome: str, duration: int) -> Mutation:
    return _all(
        _set("treatment.start_date", {"S": start}),
        _set("treatment.completion_date", {"S": completion}),
        _set("treatment.outcome_date", {"S": outcome}),
        _set("treatment.duration_in_days", {"N": str(duration)}),
    )


def _swap_metadata(item: Item) -> None:
    meta = item["metadata"]["M"]
    meta["added_at"], meta["modified_at"] = (
        {"S": "2025-06-02T10:00:00Z"},
        {"S": "2025-06-01T10:00:00Z"},
    )


def _renumber_treatment(item: Item) -> None:
    _t(item)["id"] = {"N": str(int(item["treatment_id"]["N"]) + 777)}


CASES: list[Case] = [
    # R1: presence
    Case("R1", "treatment.cost missing", "done", _set("treatment.cost", None)),
    Case("R1", "provider stored as a string", "done", _set("provider", {"S": "Dr. Smith"})),
    Case("R1", "patient.full_name NULL", "done", _set("patient.full_name", NULL)),
    Case("R1", "disease.name empty string", "done", _set("disease.name", {"S": ""})),
    Case("R1", "metadata map missing", "done", _set("metadata", None)),
    Case("R1", "location map NULL", "ongoing", _set("location", NULL)),
    # R2: types and ranges
    Case("R2", "duration_in_days -1", "done", _set("treatment.duration_in_days", {"N": "-1"})),
    Case("R2", "patient.age 130", "done", _set("patient.age", {"N": "130"})),
    Case("R2", "patient.age is a string '42'", "done", _set("patient.age", {"S": "42"})),
    Case("R2", "treatment.cost is a string", "done", _set("treatment.cost", {"S": "120.50"})),
    Case(
        "R2", "cost 12.345 (a real third decimal)", "done", _set("treatment.cost", {"N": "12.345"})
    ),
    Case("R2", "cost negative", "ongoing", _set("treatment.cost", {"N": "-5"})),
    Case("R2", "cost 10^9 (must be below)", "done", _set("treatment.cost", {"N": "1000000000"})),
    Case("R2", "mortality_rate 100.5", "done", _set("disease.mortality_rate", {"N": "100.5"})),
    Case("R2", "provider.id 1.5 (not an integer)", "done", _set("provider.id", {"N": "1.5"})),
    Case("R2", "disease.id 0", "done", _set("disease.id", {"N": "0"})),
    Case(
        "R2", "patient.id 2^63 (above the id range)", "done", _set("patient.id", {"N": str(2**63)})
    ),
    Case(
        "R2",
        "provider.full_name 258 UTF-8 bytes (129 characters)",
        "done",
        _set("provider.full_name", {"S": "é" * 129}),
    ),
    Case("R2", "location.city 129 bytes", "ongoing", _set("location.city", {"S": "C" * 129})),
    # R3: timestamps
    Case(
        "R3",
        "start_date with +00:00",
        "done",
        _set("treatment.start_date", {"S": "2024-03-07T14:05:09+00:00"}),
    ),
    Case(
        "R3",
        "modified_at with fractional seconds",
        "done",
        _set("metadata.modified_at", {"S": "2025-03-07T14:05:09.123Z"}),
    ),
    Case(
        "R3",
        "completion_date 2024-02-30 (no such day)",
        "done",
        _set("treatment.completion_date", {"S": "2024-02-30T10:00:00Z"}),
    ),
    Case(
        "R3",
        "added_at with a space for T",
        "ongoing",
        _set("metadata.added_at", {"S": "2024-03-07 14:05:09"}),
    ),
    Case(
        "R3",
        "start_date hour 24",
        "ongoing",
        _set("treatment.start_date", {"S": "2024-03-07T24:00:00Z"}),
    ),
    # R4: closed sets
    Case(
        "R4",
        "outcome_status lowercase 'ongoing'",
        "ongoing",
        _set("treatment.outcome_status", {"S": "ongoing"}),
    ),
    Case("R4", "type lowercase 'surgery'", "done", _set("treatment.type", {"S": "surgery"})),
    Case("R4", "type with a trailing space", "done", _set("treatment.type", {"S": "Surgery "})),
    Case("R4", "severity 'Extreme'", "done", _set("disease.severity", {"S": "Extreme"})),
    # R5: status and dates
    Case(
        "R5",
        "Ongoing with a completion_date",
        "ongoing",
        _set("treatment.completion_date", {"S": "2025-01-02T10:00:00Z"}),
    ),
    Case("R5", "Successful with duration NULL", "done", _set("treatment.duration_in_days", NULL)),
    Case(
        "R5",
        "completion_date before start_date",
        "done",
        _dates("2024-05-20T09:00:00Z", "2024-05-02T15:30:00Z", "2024-05-21T08:00:00Z", 0),
    ),
    Case(
        "R5",
        "duration_in_days off by two",
        "done",
        _dates("2024-05-02T09:00:00Z", "2024-05-20T15:30:00Z", "2024-05-21T08:00:00Z", 20),
    ),
    Case(
        "R5",
        "outcome_date before completion_date",
        "done",
        _dates("2024-05-02T09:00:00Z", "2024-05-20T15:30:00Z", "2024-05-19T08:00:00Z", 18),
    ),
    Case(
        "R5",
        "Failed with completion, outcome and duration absent",
        "ongoing",
        _all(
            _set("treatment.outcome_status", {"S": "Failed"}),
            _set("treatment.completion_date", None),
            _set("treatment.outcome_date", None),
            _set("treatment.duration_in_days", None),
        ),
    ),
    # R6: metadata order and the future
    Case("R6", "added_at after modified_at", "done", _swap_metadata),
    Case(
        "R6",
        "modified_at in 2099",
        "done",
        _set("metadata.modified_at", {"S": "2099-01-01T00:00:00Z"}),
    ),
    # R7: key and id
    Case("R7", "treatment.id differs from treatment_id", "done", _renumber_treatment),
    # several rules at once
    Case(
        "R1,R4",
        "cost missing and type lowercase",
        "done",
        _all(_set("treatment.cost", None), _set("treatment.type", {"S": "medication"})),
    ),
    Case(
        "R5,R7",
        "Ongoing with duration 3 and a different treatment.id",
        "ongoing",
        _all(_set("treatment.duration_in_days", {"N": "3"}), _renumber_treatment),
    ),
    Case(
        "R2,R3,R4,R6",
        "age -1, start_date with offset, severity lowercase, added after modified",
        "done",
        _all(
            _set("patient.age", {"N": "-1"}),
            _set("treatment.start_date", {"S": "2024-03-07T14:05:09+00:00"}),
            _set("disease.severity", {"S": "severe"}),
            _swap_metadata,
        ),
    ),
    Case(
        "R1,R2,R4,R5,R6,R7",
        "patient missing, mortality 101, severity lowercase, Ongoing with duration, "
        "added after modified, treatment.id differs",
        "ongoing",
        _all(
            _set("patient", None),
            _set("disease.mortality_rate", {"N": "101"}),
            _set("disease.severity", {"S": "critical"}),
            _set("treatment.duration_in_days", {"N": "5"}),
            _swap_metadata,
            _renumber_treatment,
        ),
    ),
    Case(
        "R1,R2",
        "cost NULL and age 121",
        "done",
        _all(_set("treatment.cost", NULL), _set("patient.age", {"N": "121"})),
    ),
    # valid edge cases: must NOT be rejected
    Case("", "an ordinary item with an id above 2^31", "done", lambda item: None),
    Case("", "the largest id, 2^63-1", "done", lambda item: None, treatment_id=MAX_ID),
    Case(
        "",
        "Ongoing with completion, outcome and duration absent",
        "ongoing",
        _all(
            _set("treatment.completion_date", None),
            _set("treatment.outcome_date", None),
            _set("treatment.duration_in_days", None),
        ),
    ),
    Case("", "cost 0", "done", _set("treatment.cost", {"N": "0"})),
    Case("", "cost 999999999.99", "done", _set("treatment.cost", {"N": "999999999.99"})),
    Case(
        "",
        "cost sent as 12.340 (the number 12.34)",
        "done",
        _set("treatment.cost", {"N": "12.340"}),
    ),
    Case("", "patient.age 0", "ongoing", _set("patient.age", {"N": "0"})),
    Case("", "patient.age 120", "done", _set("patient.age", {"N": "120"})),
    Case("", "mortality_rate 100", "done", _set("disease.mortality_rate", {"N": "100"})),
    Case("", "mortality_rate 0", "done", _set("disease.mortality_rate", {"N": "0"})),
    Case(
        "",
        "provider.full_name exactly 256 UTF-8 bytes",
        "done",
        _set("provider.full_name", {"S": "é" * 128}),
    ),
    Case(
        "",
        "start 23:59:59, completion next day 00:00:01: duration 1",
        "done",
        _dates("2024-05-02T23:59:59Z", "2024-05-03T00:00:01Z", "2024-05-03T00:00:01Z", 1),
    ),
    Case(
        "",
        "start = completion = outcome, duration 0",
        "done",
        _dates("2024-05-02T09:00:00Z", "2024-05-02T09:00:00Z", "2024-05-02T09:00:00Z", 0),
    ),
    Case(
        "",
        "leap day 2024-02-29",
        "done",
        _dates("2024-02-28T10:00:00Z", "2024-02-29T10:00:00Z", "2024-03-01T10:00:00Z", 1),
    ),
    Case(
        "",
        "unknown keys inside a map and at the top level",
        "done",
        _all(
            _set("treatment.notes", {"S": "ignored by readers"}),
            _set("source_system", {"S": "legacy-import"}),
        ),
    ),
    Case(
        "",
        "added_at equal to modified_at",
        "ongoing",
        lambda item: item["metadata"]["M"].update(modified_at=item["metadata"]["M"]["added_at"]),
    ),
]


def _bases() -> dict[str, Item]:
    """One valid completed and one valid Ongoing item from a small fixed world."""
    bases: dict[str, Item] = {}
    world = World(7, 1_000)
    for item in iter_items(7, 1_000, world):
        key = "ongoing" if _t(item)["outcome_status"]["S"] == "Ongoing" else "done"
        bases.setdefault(key, item)
        if len(bases) == 2:
            return bases
    raise RuntimeError("the fixed world has no Ongoing item")


def build_bad_items() -> list[tuple[Item, Case]]:
    bases = _bases()
    built = []
    for position, case in enumerate(CASES, start=1):
        treatment_id = case.treatment_id or RESERVED_ID_BASE + position
        item = copy.deepcopy(bases[case.base])
        item["treatment_id"] = {"N": str(treatment_id)}
        _t(item)["id"] = {"N": str(treatment_id)}
        case.mutate(item)
        built.append((item, case))
    return built


def sidecar(built: list[tuple[Item, Case]], table: str) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "table": table,
        "expected": {item["treatment_id"]["N"]: case.rules for item, case in built},
        "cases": {item["treatment_id"]["N"]: case.what for item, case in built},
    }


def write_sidecar(path: Path, content: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)

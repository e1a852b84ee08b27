"""Deterministic, streaming treatment-item generator (contract: source_item.md).

Items come out in DynamoDB's typed JSON form, exactly what boto3's low-level client sends.
Item ``i`` depends only on (seed, N, its chunk of CHUNK_SIZE ids): the stream is reproducible,
memory stays flat in N, and chunks can be generated in any order or in parallel.
The write-time attributes (``gsi_modified_at``/``gsi_modified_day``) are added by the loader,
never here, so the same seed gives byte-identical items.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Iterator
from typing import Any

from healthetl.source import world_data as wd
from healthetl.source.world import (
    AS_OF_SECOND,
    World,
    decimal_text,
)
from healthetl.source.world import timestamp as _ts

Item = dict[str, Any]

DEFAULT_N = 59_452
DEFAULT_SEED = 42
CHUNK_SIZE = 1_000
_NULL = {"NULL": True}
_EXTRA_ONGOING_PERMILLE = 70  # still in progress although planned to end: ~12 % Ongoing overall


def chunk_rng(seed: int, chunk: int) -> random.Random:
    return random.Random(f"treatments:{seed}:{chunk}")


def iter_items(
    seed: int = DEFAULT_SEED, n: int = DEFAULT_N, world: World | None = None
) -> Iterator[Item]:
    """Items with treatment_id 1..n, in id order."""
    world = world or World(seed, n)
    for chunk in range((n + CHUNK_SIZE - 1) // CHUNK_SIZE):
        yield from iter_chunk(world, chunk)


def iter_chunk(world: World, chunk: int) -> Iterator[Item]:
    rng = chunk_rng(world.seed, chunk)
    first = chunk * CHUNK_SIZE + 1
    for treatment_id in range(first, min(first + CHUNK_SIZE, world.n + 1)):
        yield make_item(world, rng, treatment_id)


def make_item(world: World, rng: random.Random, treatment_id: int) -> Item:
    """One realistic treatment; `rng` is consumed in a fixed order (determinism)."""
    rand = rng.random
    patient = world.patient(world.draw_patient_id(rng))
    # Returning patients mostly come back for their main condition.
    if rand() < 0.6:
        disease_id = patient.primary_disease
    else:
        disease_id = world.disease_table(patient.age, patient.gender).draw(rand())
    speciality, _, _, severity, _, _ = wd.DISEASES[disease_id - 1]
    candidates = world.providers_by_speciality[speciality - 1]
    if rand() < 0.7:  # the patient's usual provider for this speciality
        provider = candidates[(patient.home_provider_pick + speciality) % len(candidates)]
    else:
        provider = candidates[int(rand() * len(candidates))]
    kind = world.type_tables[speciality - 1].draw(rand())
    base_cents, min_days, max_days = wd.TREATMENT_TYPES[kind]
    cost_pct, severity_penalty = wd.SEVERITIES[severity]

    start_day = world.season.draw(rand())
    start = start_day * 86_400 + 25_200 + int(rand() * 43_200)  # 07:00–19:00
    duration = min_days + int(rand() * (max_days - min_days + 1))
    # Exact money: integer cents only.
    factor_pct = 70 + int(rand() * 91)
    cost_cents = base_cents * cost_pct * factor_pct // 10_000 + int(rand() * 100)
    if kind in ("Dialysis", "Physical Therapy", "Psychotherapy"):
        cost_cents += cost_cents * duration // 120  # session-based: longer costs more

    completion = (start_day + duration) * 86_400 + int(rand() * 86_400)
    completion = max(completion, start)
    outcome = completion + int(rand() * 14 * 86_400)
    modified = outcome + int(rand() * 3 * 86_400)
    added = start + int(rand() * 6 * 3_600)
    status_draw = int(rand() * 1000)
    outcome_draw = int(rand() * 1000)

    if modified > AS_OF_SECOND or status_draw < _EXTRA_ONGOING_PERMILLE:
        status = "Ongoing"
        added = min(added, AS_OF_SECOND)
        # A progress update some time after admission, never after the world's clock.
        modified = min(added + int(rand() * 20 * 86_400), AS_OF_SECOND)
        treatment = {
            "id": {"N": str(treatment_id)},
            "start_date": {"S": _ts(start)},
            "completion_date": _NULL,
            "outcome_status": {"S": status},
            "outcome_date": _NULL,
            "duration_in_days": _NULL,
            "cost": {"N": decimal_text(cost_cents)},
            "type": {"S": kind},
        }
    else:
        added = min(added, modified)  # a same-day surgery may be final before the paperwork
        success = wd.TYPE_SUCCESS_PERMILLE[kind] + provider.skill_permille - severity_penalty
        if outcome_draw < success:
            status = "Successful"
        else:
            rest = (outcome_draw - success) * 10 // max(1, 1000 - success)
            status = (
                "Partially Successful" if rest < 5 else ("Failed" if rest < 8 else "Discontinued")
            )
        treatment = {
            "id": {"N": str(treatment_id)},
            "start_date": {"S": _ts(start)},
            "completion_date": {"S": _ts(completion)},
            "outcome_status": {"S": status},
            "outcome_date": {"S": _ts(outcome)},
            "duration_in_days": {"N": str(completion // 86_400 - start_day)},
            "cost": {"N": decimal_text(cost_cents)},
            "type": {"S": kind},
        }
    return {
        "treatment_id": {"N": str(treatment_id)},
        "treatment": {"M": treatment},
        "provider": provider.typed,
        "location": world.locations[provider.location - 1],
        "patient": patient.typed,
        "disease": world.diseases[disease_id - 1],
        "metadata": {"M": {"added_at": {"S": _ts(added)}, "modified_at": {"S": _ts(modified)}}},
    }


def canonical_bytes(item: Item) -> bytes:
    """The one byte form of an item: sorted keys, no spaces, UTF-8, newline-terminated."""
    return (
        json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    ).encode("utf-8")


def stream_sha256(items: Iterable[Item]) -> str:
    """SHA-256 of the canonical byte stream (what "same seed → byte-identical" compares)."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(canonical_bytes(item))
    return digest.hexdigest()

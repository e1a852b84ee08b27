"""A deterministic round of source changes, so the incremental path has real work.

Round r over a table seeded with (seed, N) picks ⌈1 %⌉ of the ids 1..N (from a generator seeded
by seed, N and r), reads exactly those items (BatchGetItem, never a scan), and rewrites each with
a later `metadata.modified_at`: an Ongoing treatment completes (fields valid under R5), any other
gets its cost corrected. It also adds a few new, Ongoing treatments with ids above N that no
other round uses. Given the table's contents, the round and the change time `at`, the result is
the same every time.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from healthetl.source.generator import Item, make_item
from healthetl.source.world import World, decimal_text, parse_timestamp, timestamp

CHANGED_FRACTION = Decimal("0.01")
NEW_FRACTION = Decimal("0.001")
GET_BATCH = 100  # BatchGetItem's limit
WRITE_TIME_ATTRIBUTES = ("gsi_modified_at", "gsi_modified_day")


@dataclass(frozen=True)
class RoundPlan:
    round_no: int
    changed_ids: list[int]
    new_ids: list[int]


@dataclass
class RoundResult:
    plan: RoundPlan
    items: list[Item] = field(repr=False)
    kinds: Counter[str] = field(default_factory=Counter)
    missing_ids: list[int] = field(default_factory=list)


def plan_round(seed: int, n: int, round_no: int) -> RoundPlan:
    if round_no < 1:
        raise ValueError("rounds are numbered from 1")
    rng = random.Random(f"changes:{seed}:{n}:{round_no}")
    changed = max(1, int((CHANGED_FRACTION * n).to_integral_value()))
    new = max(1, int((NEW_FRACTION * n).to_integral_value()))
    changed_ids = sorted(rng.sample(range(1, n + 1), min(changed, n)))
    first_new = n + (round_no - 1) * new + 1
    return RoundPlan(round_no, changed_ids, list(range(first_new, first_new + new)))


def fetch_items(client: Any, table: str, ids: list[int]) -> dict[int, Item]:
    """The current items for `ids` (absent ids are simply missing from the result)."""
    found: dict[int, Item] = {}
    for start in range(0, len(ids), GET_BATCH):
        keys = [{"treatment_id": {"N": str(i)}} for i in ids[start : start + GET_BATCH]]
        request: dict[str, Any] = {table: {"Keys": keys, "ConsistentRead": True}}
        for _attempt in range(20):
            response = client.batch_get_item(RequestItems=request)
            for item in response["Responses"].get(table, []):
                found[int(item["treatment_id"]["N"])] = item
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
        else:
            raise RuntimeError("BatchGetItem kept returning unprocessed keys")
    return found


def build_round(seed: int, n: int, round_no: int, current: dict[int, Item], at: str) -> RoundResult:
    """The new versions for one round, from the items read (pure: no I/O)."""
    plan = plan_round(seed, n, round_no)
    rng = random.Random(f"changes:{seed}:{n}:{round_no}:values")
    at_second = parse_timestamp(at)
    result = RoundResult(plan, [])
    for treatment_id in plan.changed_ids:
        item = current.get(treatment_id)
        if item is None:
            result.missing_ids.append(treatment_id)
            continue
        new_item = {k: v for k, v in item.items() if k not in WRITE_TIME_ATTRIBUTES}
        treatment = dict(new_item["treatment"]["M"])
        old = new_item["metadata"]["M"]
        modified = max(at_second, parse_timestamp(old["modified_at"]["S"]) + 1)
        if treatment["outcome_status"]["S"] == "Ongoing":
            _complete(treatment, rng, modified)
            result.kinds["completed"] += 1
        else:
            _correct_cost(treatment, rng)
            result.kinds["cost_corrected"] += 1
        new_item["treatment"] = {"M": treatment}
        new_item["metadata"] = {
            "M": {"added_at": old["added_at"], "modified_at": {"S": timestamp(modified)}}
        }
        result.items.append(new_item)
    world = World(seed, n)
    for treatment_id in plan.new_ids:
        result.items.append(_new_treatment(world, rng, treatment_id, at_second))
        result.kinds["added"] += 1
    return result


def _complete(treatment: dict[str, Any], rng: random.Random, now: int) -> None:
    """Ongoing → a final status with dates valid under R5, none later than `now`."""
    start = parse_timestamp(treatment["start_date"]["S"])
    completion = max(start, now - rng.randrange(0, 3 * 86_400))
    outcome = completion + rng.randrange(0, now - completion + 1)
    status = rng.choices(
        ["Successful", "Partially Successful", "Failed", "Discontinued"], [62, 20, 10, 8]
    )[0]
    treatment["completion_date"] = {"S": timestamp(completion)}
    treatment["outcome_date"] = {"S": timestamp(outcome)}
    treatment["outcome_status"] = {"S": status}
    treatment["duration_in_days"] = {"N": str(completion // 86_400 - start // 86_400)}


def _correct_cost(treatment: dict[str, Any], rng: random.Random) -> None:
    cents = int(Decimal(treatment["cost"]["N"]) * 100)
    corrected = cents * rng.randint(85, 115) // 100
    if corrected == cents:
        corrected += 1
    treatment["cost"] = {"N": decimal_text(corrected)}


def _new_treatment(world: World, rng: random.Random, treatment_id: int, now: int) -> Item:
    """A freshly admitted, Ongoing treatment that started in the days before `now`."""
    item = make_item(world, rng, treatment_id)
    treatment = dict(item["treatment"]["M"])
    start = now - rng.randrange(3_600, 10 * 86_400)
    null = {"NULL": True}
    treatment.update(
        start_date={"S": timestamp(start)},
        completion_date=null,
        outcome_status={"S": "Ongoing"},
        outcome_date=null,
        duration_in_days=null,
    )
    added = min(now, start + rng.randrange(0, 6 * 3_600))
    return {
        **item,
        "treatment": {"M": treatment},
        "metadata": {
            "M": {"added_at": {"S": timestamp(added)}, "modified_at": {"S": timestamp(now)}}
        },
    }

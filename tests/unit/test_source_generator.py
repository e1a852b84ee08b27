"""The generator: determinism, the contract's rules, and a world that makes sense."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal
from itertools import islice

import pytest
from boto3.dynamodb.types import TypeDeserializer
from fixtures.source_rules import broken_rules

from healthetl.cli import main
from healthetl.source import generator
from healthetl.source.world import AS_OF, World

pytestmark = pytest.mark.unit

N = 2_000
BIG_N = 20_000


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return list(generator.iter_items(42, BIG_N))


def _t(item: dict) -> dict:
    return item["treatment"]["M"]


def test_same_seed_gives_byte_identical_stream_even_in_another_process():
    here = generator.stream_sha256(generator.iter_items(42, N))
    assert here == generator.stream_sha256(generator.iter_items(42, N))
    code = (
        f"from healthetl.source import generator as g;print(g.stream_sha256(g.iter_items(42, {N})))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert other.stdout.strip() == here


def test_another_seed_or_n_gives_another_stream():
    base = generator.stream_sha256(generator.iter_items(42, N))
    assert generator.stream_sha256(generator.iter_items(43, N)) != base
    assert generator.stream_sha256(generator.iter_items(42, N + 1)) != base


def test_chunks_can_be_generated_alone():
    world = World(42, 3_500)
    whole = list(generator.iter_items(42, 3_500, world))
    assert list(generator.iter_chunk(World(42, 3_500), 2)) == whole[2_000:3_000]
    assert [int(i["treatment_id"]["N"]) for i in whole] == list(range(1, 3_501))


def test_items_are_dynamodb_typed_json_and_canonical_bytes_round_trip(items):
    deserialize = TypeDeserializer().deserialize
    for item in islice(items, 500):
        line = generator.canonical_bytes(item)
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        assert json.loads(line) == item
        plain = {key: deserialize(value) for key, value in item.items()}
        assert isinstance(plain["treatment"]["cost"], Decimal)
        assert "gsi_modified_at" not in item  # write-time attributes belong to the loader


@pytest.mark.parametrize("seed", [42, 7])
def test_every_generated_item_passes_the_contract_rules(seed):
    now = datetime.utcnow()
    failures = [
        (item["treatment_id"]["N"], rules)
        for item in generator.iter_items(seed, N)
        if (rules := broken_rules(item, now))
    ]
    assert failures == []


def test_generated_metadata_never_passes_the_world_clock(items):
    limit = AS_OF.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert max(i["metadata"]["M"]["modified_at"]["S"] for i in items) <= limit


def test_status_and_type_mix(items):
    statuses = Counter(_t(i)["outcome_status"]["S"] for i in items)
    assert set(statuses) == {
        "Successful",
        "Partially Successful",
        "Failed",
        "Ongoing",
        "Discontinued",
    }
    assert 0.10 <= statuses["Ongoing"] / len(items) <= 0.15
    types = Counter(_t(i)["type"]["S"] for i in items)
    assert len(types) == 8
    assert types.most_common(1)[0][0] == "Medication"


def test_success_rates_differ_by_type_and_provider(items):
    done = [i for i in items if _t(i)["outcome_status"]["S"] != "Ongoing"]
    by_type: dict[str, list[bool]] = defaultdict(list)
    by_provider: dict[str, list[bool]] = defaultdict(list)
    for item in done:
        success = _t(item)["outcome_status"]["S"] == "Successful"
        by_type[_t(item)["type"]["S"]].append(success)
        by_provider[item["provider"]["M"]["id"]["N"]].append(success)
    rate = {kind: sum(v) / len(v) for kind, v in by_type.items()}
    assert rate["Surgery"] > rate["Chemotherapy"] + 0.1
    busy = [sum(v) / len(v) for v in by_provider.values() if len(v) >= 30]
    assert len(busy) >= 20
    assert max(busy) - min(busy) > 0.25


def test_cost_grows_with_severity_and_type(items):
    cents: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for item in items:
        key = (_t(item)["type"]["S"], item["disease"]["M"]["severity"]["S"])
        cents[key].append(Decimal(_t(item)["cost"]["N"]))
    mean = {key: sum(v) / len(v) for key, v in cents.items() if len(v) >= 20}
    assert mean[("Medication", "Severe")] > mean[("Medication", "Mild")] * Decimal("1.8")
    assert mean[("Surgery", "Moderate")] > mean[("Medication", "Moderate")] * 20


def test_entities_are_reused_and_consistent(items):
    patients = Counter(i["patient"]["M"]["id"]["N"] for i in items)
    assert len(patients) < len(items) / 2
    assert patients.most_common(1)[0][1] >= 8
    seen: dict[str, dict] = {}
    for item in items:
        provider = item["provider"]["M"]
        disease = item["disease"]["M"]
        # A provider treats diseases of their own speciality, in their hospital's location.
        assert provider["speciality_id"] == disease["speciality_id"]
        facts = (provider["affiliated_hospital"]["S"], provider["speciality_id"]["N"])
        place = item["location"]["M"]["id"]["N"]
        assert seen.setdefault(provider["id"]["N"], {"facts": facts, "place": place}) == {
            "facts": facts,
            "place": place,
        }
    assert len(seen) > 200


def test_same_city_name_in_two_states_and_several_countries(items):
    places = {
        tuple(i["location"]["M"][k]["S"] for k in ("country", "state", "city")) for i in items
    }
    states_per_city = defaultdict(set)
    for country, state, city in places:
        states_per_city[city].add((country, state))
    assert len(states_per_city["Springfield"]) == 2
    assert len({country for country, _, _ in places}) >= 5


def test_start_dates_span_three_years_with_winter_peak(items):
    months = Counter(_t(i)["start_date"]["S"][:7] for i in items)
    assert min(months) >= "2023-01" and max(months) <= "2025-12" and len(months) == 36
    by_month = Counter()
    for month, count in months.items():
        by_month[int(month[5:])] += count
    winter = by_month[12] + by_month[1] + by_month[2]
    summer = by_month[6] + by_month[7] + by_month[8]
    assert winter > summer * 1.3


def test_entity_counts_scale_with_n():
    small, large = World(1, 5_000), World(1, 100_000)
    assert len(large.providers) > 5 * len(small.providers)
    assert len(large.hospitals) > 3 * len(small.hospitals)
    assert 19 * small.patient_count < large.patient_count <= 20 * small.patient_count + 20
    assert all(large.providers_by_speciality)  # every speciality has a provider


def test_numbers_are_in_dynamodb_normal_form(items):
    # DynamoDB stores numbers without trailing zeros; the generator emits what a read returns.
    for item in islice(items, 2_000):
        for name in ("treatment", "disease"):
            for leaf in item[name]["M"].values():
                if "N" in leaf:
                    assert not ("." in leaf["N"] and leaf["N"].endswith(("0", "."))), leaf


def test_generate_command_prints_the_stream_hash_and_writes_the_stream(capsys, tmp_path):
    expected = generator.stream_sha256(generator.iter_items(42, 300))
    assert main(["source", "generate", "--n", "300"]) == 0
    assert f"sha256 {expected}" in capsys.readouterr().out
    out = tmp_path / "items.jsonl"
    assert main(["source", "generate", "--n", "300", "--out", str(out)]) == 0
    assert hashlib.sha256(out.read_bytes()).hexdigest() == expected

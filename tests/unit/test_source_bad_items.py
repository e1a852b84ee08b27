"""Bad items: each breaks exactly the rules its sidecar claims; edge cases stay valid."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from fixtures.source_rules import broken_rules

from healthetl.source import bad_items
from healthetl.source.generator import DEFAULT_N

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def built():
    return bad_items.build_bad_items()


@pytest.fixture(scope="module")
def expected(built, tmp_path_factory):
    path = tmp_path_factory.mktemp("sidecar") / "bad_items.json"
    bad_items.write_sidecar(path, bad_items.sidecar(built, "t"))
    return json.loads(path.read_text(encoding="utf-8"))["expected"]


def test_each_item_breaks_exactly_the_rules_of_the_sidecar(built, expected):
    now = datetime.utcnow()
    got = {item["treatment_id"]["N"]: ",".join(broken_rules(item, now)) for item, _ in built}
    assert got == expected


def test_every_rule_is_broken_alone_and_some_together(expected):
    alone = {rules for rules in expected.values() if rules and "," not in rules}
    assert alone == {f"R{i}" for i in range(1, 8)}
    assert sum(1 for rules in expected.values() if "," in rules) >= 3
    assert "R1,R4" in expected.values()  # the contract's own example


def test_subtle_cases_and_valid_edges_are_present(built, expected):
    by_what = {case.what: expected[item["treatment_id"]["N"]] for item, case in built}
    assert by_what["cost 12.345 (a real third decimal)"] == "R2"
    assert by_what["outcome_status lowercase 'ongoing'"] == "R4"
    assert by_what["start_date with +00:00"] == "R3"
    assert by_what["patient.full_name NULL"] == "R1"
    assert by_what["patient.age is a string '42'"] == "R2"
    assert by_what["an ordinary item with an id above 2^31"] == ""
    assert by_what["Ongoing with completion, outcome and duration absent"] == ""
    valid_ids = [int(i) for i, rules in expected.items() if rules == ""]
    assert len(valid_ids) >= 10 and max(valid_ids) == 2**63 - 1


def test_ids_are_unique_and_cannot_collide_with_generated_ones(built):
    ids = [int(item["treatment_id"]["N"]) for item, _ in built]
    assert len(set(ids)) == len(ids)
    assert min(ids) >= bad_items.RESERVED_ID_BASE > 100 * DEFAULT_N


def test_building_twice_gives_the_same_items(built):
    assert bad_items.build_bad_items() == built

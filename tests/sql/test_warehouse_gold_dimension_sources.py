"""The "latest treatment" dimensions are kept batch by batch: each row remembers its source
treatment (V0008) and a batch compares its own treatments with it, ranking all of an id's
treatments again only when the batch moved the source away. After every batch of a random
history — moves between ids, equal modified_at, older versions arriving late, replays — every
such dimension must hold exactly what ranking all of silver from scratch gives."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fixtures.warehouse import fetch, run_batch, treatment_row
from load_pipeline import steps
from warehouse_seam import connect, split_statements

pytestmark = pytest.mark.sql

REDSHIFT = Path(__file__).resolve().parents[2] / "redshift"

# dimension -> (natural id, its silver column, [(dimension column, silver column)])
DIMENSIONS = {
    "providers": (
        "provider_id",
        "provider_id",
        [
            ("provider_full_name", "provider_full_name"),
            ("speciality_id", "provider_speciality_id"),
            ("speciality_name", "provider_speciality_name"),
            ("affiliated_hospital", "provider_affiliated_hospital"),
        ],
    ),
    "patients": (
        "patient_id",
        "patient_id",
        [
            ("patient_full_name", "patient_full_name"),
            ("gender", "patient_gender"),
            ("age", "patient_age"),
        ],
    ),
    "diseases": (
        "disease_id",
        "disease_id",
        [
            ("speciality_id", "disease_speciality_id"),
            ("disease_name", "disease_name"),
            ("mortality_rate", "disease_mortality_rate"),
        ],
    ),
    "locations": (
        "location_id",
        "location_id",
        [("country", "location_country"), ("state", "location_state"), ("city", "location_city")],
    ),
    "specialities": (
        "speciality_id",
        "provider_speciality_id",
        [("speciality_name", "provider_speciality_name")],
    ),
}


def ranked_from_scratch(dsn: str, dimension: str) -> list[tuple]:
    """The contract's rule applied to all of silver: per id, its current treatment with the
    latest metadata_modified_at, ties by higher treatment_id."""
    _, silver_id, attributes = DIMENSIONS[dimension]
    columns = ", ".join(s for _, s in attributes)
    return fetch(
        dsn,
        f"select {silver_id}, treatment_id, metadata_modified_at, {columns} from ("
        f" select *, row_number() over (partition by {silver_id}"
        "  order by metadata_modified_at desc, treatment_id desc) as recency"
        " from silver.tbl_healthcare_analytics_data) as ranked"
        " where recency = 1 order by 1",
    )


def held(dsn: str, dimension: str) -> list[tuple]:
    """What the dimension holds for the ids that still have a treatment."""
    natural, silver_id, attributes = DIMENSIONS[dimension]
    columns = ", ".join(d for d, _ in attributes)
    return fetch(
        dsn,
        f"select {natural}, source_treatment_id, source_modified_at, {columns}"
        f" from gold.dim_{dimension} where {natural} in"
        f" (select {silver_id} from silver.tbl_healthcare_analytics_data) order by 1",
    )


def assert_every_dimension_as_if_ranked_from_scratch(dsn: str, when: str) -> None:
    for dimension in DIMENSIONS:
        assert held(dsn, dimension) == ranked_from_scratch(dsn, dimension), (dimension, when)


def random_version(rng: random.Random, treatment_id: int, batch_id: str, label: str) -> dict:
    base = datetime(2024, 4, 1, 9, 0, 0)
    provider, location, disease = rng.randint(1, 4), rng.randint(1, 3), rng.randint(1, 3)
    speciality = rng.randint(1, 3)
    return treatment_row(
        treatment_id,
        batch_id,
        # few distinct instants: equal modified_at is common, and so are late older versions
        modified=(base + timedelta(minutes=rng.choice([0, 10, 10, 20, 30]))).isoformat(" "),
        provider_id=provider,
        provider_full_name=f"Dr {provider} {label}",
        provider_speciality_id=speciality,
        provider_speciality_name=f"Speciality {speciality} {label}",
        provider_affiliated_hospital=f"Hospital {label}",
        location_id=location,
        location_city=f"City {location} {label}",
        patient_id=rng.randint(1, 6),
        patient_full_name=f"Patient {label}",
        patient_age=rng.randint(1, 99),
        disease_id=disease,
        disease_speciality_id=speciality,
        disease_name=f"Disease {disease} {label}",
        disease_mortality_rate=Decimal(rng.randint(0, 9999)) / 100,
    )


def test_random_history_matches_ranking_from_scratch(fresh_warehouse_dsn: str) -> None:
    dsn = fresh_warehouse_dsn
    rng = random.Random(20261127)
    batches: list[str] = []
    for number in range(1, 13):
        batch_id = f"b202404{number:02d}T000000Z-{number:08x}"
        treatments = rng.sample(range(1, 31), 10 if number > 1 else 30)
        rows = [random_version(rng, t, batch_id, f"v{number}.{t}") for t in treatments]
        run_batch(dsn, batch_id, rows, analytics=False)
        batches.append(batch_id)
        assert_every_dimension_as_if_ranked_from_scratch(dsn, batch_id)
        if number % 4 == 0:  # replay an earlier batch's gold step, as `healthetl replay` does
            replayed = rng.choice(batches[:-1])
            with connect(dsn) as wh:
                steps.run_gold_step(
                    wh, batch_id=replayed, execution_name=f"{replayed}-r{number}", attempt=1
                )
            assert_every_dimension_as_if_ranked_from_scratch(dsn, f"replay of {replayed}")


def test_a_moved_source_hands_the_id_to_its_next_latest_treatment(
    fresh_warehouse_dsn: str,
) -> None:
    dsn = fresh_warehouse_dsn
    b1, b2 = "b20240402T000000Z-00000001", "b20240403T000000Z-00000002"
    run_batch(
        dsn,
        b1,
        [
            treatment_row(1, b1, location_id=5, location_city="Old", modified="2024-04-01 08:00"),
            treatment_row(2, b1, location_id=5, location_city="New", modified="2024-04-01 09:00"),
        ],
    )
    city = "select city, source_treatment_id from gold.dim_locations where location_id = 5"
    assert fetch(dsn, city) == [("New", 2)]
    # Treatment 2 (the source) moves to location 6; no other treatment of location 5 changes.
    run_batch(dsn, b2, [treatment_row(2, b2, location_id=6, modified="2024-04-01 10:00")])
    assert fetch(dsn, city) == [("Old", 1)]


def test_a_same_instant_reload_of_the_source_refreshes_its_attributes(
    fresh_warehouse_dsn: str,
) -> None:
    """Silver takes a version with an equal metadata_modified_at from a later batch (a
    re-transform after a rule fix): the dimension follows it."""
    dsn = fresh_warehouse_dsn
    b1, b2 = "b20240402T000000Z-00000001", "b20240403T000000Z-00000002"
    run_batch(dsn, b1, [treatment_row(1, b1, disease_name="Typo", modified="2024-04-01 09:00")])
    run_batch(dsn, b2, [treatment_row(1, b2, disease_name="Fixed", modified="2024-04-01 09:00")])
    assert fetch(dsn, "select disease_name from gold.dim_diseases") == [("Fixed",)]


def _two_treatments_of_one_provider(dsn: str, batch_id: str) -> None:
    run_batch(
        dsn,
        batch_id,
        [
            treatment_row(1, batch_id, provider_full_name="Latest", modified="2024-04-01 10:00"),
            treatment_row(2, batch_id, provider_full_name="Earlier", modified="2024-04-01 09:00"),
        ],
    )


def test_a_row_without_a_source_is_ranked_again_when_touched(fresh_warehouse_dsn: str) -> None:
    dsn = fresh_warehouse_dsn
    _two_treatments_of_one_provider(dsn, "b20240402T000000Z-00000001")
    with connect(dsn) as wh:
        wh.execute(
            "update gold.dim_providers set provider_full_name = 'stale',"
            " source_treatment_id = null, source_modified_at = null"
        )
    b2 = "b20240403T000000Z-00000002"
    run_batch(dsn, b2, [treatment_row(3, b2, provider_full_name="Older", modified="2024-04-01")])
    assert fetch(dsn, "select provider_full_name, source_treatment_id from gold.dim_providers") == [
        ("Latest", 1)
    ]


def test_the_migration_backfills_each_existing_row_with_its_latest_treatment(
    fresh_warehouse_dsn: str,
) -> None:
    """V0008's updates, run on dimensions loaded before it (sources emptied here), give every
    row the source that ranking all of silver gives."""
    dsn = fresh_warehouse_dsn
    rng = random.Random(8)
    rows = [random_version(rng, t, "b20240402T000000Z-00000001", f"t{t}") for t in range(1, 21)]
    run_batch(dsn, "b20240402T000000Z-00000001", rows, analytics=False)
    migration = (REDSHIFT / "ddl" / "V0008__gold_dimension_sources.sql").read_text()
    backfills = [
        statement
        for statement in split_statements(migration)
        if statement.strip().lower().startswith("update")
    ]
    assert len(backfills) == len(DIMENSIONS)
    with connect(dsn) as wh:
        for dimension in DIMENSIONS:
            wh.execute(
                f"update gold.dim_{dimension}"
                " set source_treatment_id = null, source_modified_at = null"
            )
        for statement in backfills:
            wh.execute_script(statement)  # through the seam, as `make migrate` runs it
    assert_every_dimension_as_if_ranked_from_scratch(dsn, "after the backfill")

"""silver -> the 8 dimensions and the fact: contents, stable keys, dates that join."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fixtures.warehouse import fetch, run_batch, snapshot, treatment_row
from load_pipeline import steps
from warehouse_seam import connect

pytestmark = pytest.mark.sql

B1 = "b20240402T000000Z-00000001"
B2 = "b20240403T000000Z-00000002"


def three_treatments(batch_id: str) -> list[dict]:
    return [
        treatment_row(1, batch_id, patient_id=1001),
        treatment_row(
            2,
            batch_id,
            status="Ongoing",
            start="2024-05-01 23:59:59",
            treatment_type="Chemotherapy",
            provider_id=2,
            provider_full_name="Dr Bo Two",
            provider_speciality_id=20,
            provider_speciality_name="Oncology",
            location_id=200,
            location_state="Ohio",
            location_city="Columbus",
            patient_id=1002,
            disease_id=8,
            disease_name="Lymphoma",
            treatment_cost=Decimal("2500.50"),
        ),
        treatment_row(3, batch_id, patient_id=1001, status="Failed", treatment_type="Surgery"),
    ]


def test_dimensions_and_fact_hold_the_batch(fresh_warehouse_dsn: str) -> None:
    dsn = fresh_warehouse_dsn
    run_batch(dsn, B1, three_treatments(B1), analytics=False)

    assert fetch(
        dsn,
        "select provider_key, provider_id, provider_full_name, speciality_id, speciality_name "
        "from gold.dim_providers order by 1",
    ) == [(1, 1, "Dr Ada One", 10, "Cardiology"), (2, 2, "Dr Bo Two", 20, "Oncology")]
    assert fetch(
        dsn,
        "select speciality_key, speciality_id, speciality_name from gold.dim_specialities "
        "order by 1",
    ) == [
        (1, 10, "Cardiology"),
        (2, 20, "Oncology"),
    ]
    assert fetch(
        dsn,
        "select location_key, location_id, country, state, city from gold.dim_locations order by 1",
    ) == [
        (1, 100, "USA", "Texas", "Austin"),
        (2, 200, "USA", "Ohio", "Columbus"),
    ]
    assert fetch(dsn, "select patient_key, patient_id from gold.dim_patients order by 1") == [
        (1, 1001),
        (2, 1002),
    ]
    assert fetch(
        dsn, "select disease_key, disease_id, disease_name from gold.dim_diseases order by 1"
    ) == [
        (1, 7, "Arrhythmia"),
        (2, 8, "Lymphoma"),
    ]
    assert fetch(
        dsn,
        "select treatment_type_outcome_key, treatment_type, treatment_outcome_status, "
        "is_completed, is_successful from gold.dim_treatment_types_and_outcome_statuses order by 1",
    ) == [
        (1, "Chemotherapy", "Ongoing", False, False),
        (2, "Medication", "Successful", True, True),
        (3, "Surgery", "Failed", True, False),
    ]
    assert fetch(
        dsn,
        "select date_key, full_date::text, year, month, day_of_month from gold.dim_dates "
        "order by 1",
    ) == [
        (20240307, "2024-03-07", 2024, 3, 7),
        (20240317, "2024-03-17", 2024, 3, 17),
        (20240320, "2024-03-20", 2024, 3, 20),
        (20240501, "2024-05-01", 2024, 5, 1),
    ]
    assert fetch(
        dsn, "select time_key, time_of_day, hour, minute, second from gold.dim_times order by 1"
    ) == [
        (83000, "08:30:00", 8, 30, 0),
        (100000, "10:00:00", 10, 0, 0),
        (140509, "14:05:09", 14, 5, 9),
        (235959, "23:59:59", 23, 59, 59),
    ]
    assert fetch(
        dsn,
        "select treatment_id, treatment_type_outcome_key, provider_key, speciality_key, "
        "location_key, patient_key, disease_key, start_date_key, start_time_key, "
        "completion_date_key, outcome_time_key, treatment_duration_in_days, treatment_cost "
        "from gold.fact_treatments order by 1",
    ) == [
        (1, 2, 1, 1, 1, 1, 1, 20240307, 140509, 20240317, 83000, 10, Decimal("100.00")),
        (2, 1, 2, 2, 2, 2, 2, 20240501, 235959, None, None, None, Decimal("2500.50")),
        (3, 3, 1, 1, 1, 1, 1, 20240307, 140509, 20240317, 83000, 10, Decimal("100.00")),
    ]


def test_every_fact_date_and_time_joins_its_dimension(fresh_warehouse_dsn: str) -> None:
    dsn = fresh_warehouse_dsn
    run_batch(dsn, B1, three_treatments(B1), analytics=False)
    unjoined = fetch(
        dsn,
        """
        select count(*) from gold.fact_treatments as f
        left join gold.dim_dates as sd on f.start_date_key = sd.date_key
        left join gold.dim_dates as cd on f.completion_date_key = cd.date_key
        left join gold.dim_dates as od on f.outcome_date_key = od.date_key
        left join gold.dim_times as st on f.start_time_key = st.time_key
        left join gold.dim_times as ct on f.completion_time_key = ct.time_key
        left join gold.dim_times as ot on f.outcome_time_key = ot.time_key
        where sd.date_key is null or st.time_key is null
           or (f.completion_date_key is not null and (cd.date_key is null or ct.time_key is null))
           or (f.outcome_date_key is not null and (od.date_key is null or ot.time_key is null))
        """,
    )
    assert unjoined == [(0,)]


def test_keys_are_stable_across_batches_and_a_replay(fresh_warehouse_dsn: str) -> None:
    dsn = fresh_warehouse_dsn
    run_batch(dsn, B1, [treatment_row(1, B1, provider_id=5), treatment_row(2, B1, provider_id=3)])
    keys_b1 = fetch(dsn, "select provider_id, provider_key from gold.dim_providers order by 1")
    assert keys_b1 == [(3, 1), (5, 2)]

    run_batch(
        dsn,
        B2,
        [
            treatment_row(3, B2, provider_id=4),
            treatment_row(
                1,
                B2,
                provider_id=5,
                provider_full_name="Dr Renamed",
                modified="2024-04-02 00:00:00",
            ),
        ],
    )
    assert fetch(
        dsn,
        "select provider_id, provider_key, provider_full_name from gold.dim_providers order by 1",
    ) == [
        (3, 1, "Dr Ada One"),
        (4, 3, "Dr Ada One"),
        (5, 2, "Dr Renamed"),
    ]
    before = snapshot(dsn)
    with connect(dsn) as wh:
        for step in (steps.run_gold_step, steps.run_analytics_step):
            step(wh, batch_id=B1, execution_name=f"{B1}-r1", attempt=1)
    assert snapshot(dsn) == before


def test_names_follow_the_latest_treatment_and_recompute_when_one_moves(
    fresh_warehouse_dsn: str,
) -> None:
    dsn = fresh_warehouse_dsn
    run_batch(
        dsn,
        B1,
        [
            treatment_row(1, B1, provider_full_name="Name A", modified="2024-04-01 10:00:00"),
            # same modified_at: the higher treatment_id decides
            treatment_row(2, B1, provider_full_name="Name B", modified="2024-04-01 10:00:00"),
            treatment_row(3, B1, provider_full_name="Name C", modified="2024-04-01 09:00:00"),
        ],
    )
    name = "select provider_full_name from gold.dim_providers where provider_id = 1"
    assert fetch(dsn, name) == [("Name B",)]
    # Treatment 2 moves to another provider: provider 1 is named by treatment 1 again.
    run_batch(dsn, B2, [treatment_row(2, B2, provider_id=9, modified="2024-04-01 12:00:00")])
    assert fetch(dsn, name) == [("Name A",)]
    assert fetch(
        dsn,
        "select provider_id, provider_full_name from analytics.provider_treatment_rank order by 1",
    ) == [(1, "Name A"), (9, "Dr Ada One")]

"""The 7 analytical tables per contracts/analytics.md, on a hand-made set of 44 treatments.

Providers (all treatments of a provider share its type, location and start month):
  P1 "Dr One" Cardiology, Medication, Springfield/Illinois, Jan 2024: 12 treatments,
     6 Successful + 4 Failed + 2 Ongoing; cost 10.00 each; t12 carries the newer name.
  P2 "Dr Two" Oncology, Surgery, Springfield/Missouri, Feb 2024: 12 treatments,
     9 Successful + 3 Partially Successful; cost 100.00 each.
  P3 "Dr Three" Cardiology, Medication, Austin/Texas, Feb 2024: 9 Successful (below the
     10-completed threshold), one patient for all; cost 20.01 each.
  P4 "Dr Four" Cardiology, Dialysis, Springfield/Illinois, Mar 2024: 1 Ongoing; cost 50.50.
  P5 "Dr Five" Oncology, Surgery, Springfield/Missouri, Dec 31 2024 23:59:59: 10 treatments,
     6 Successful + 4 Failed; costs 9 x 100.00 + 100.01.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import psycopg
import pytest
from fixtures.warehouse import fetch, run_batch, snapshot, treatment_row
from load_pipeline import steps
from warehouse_seam import connect

pytestmark = pytest.mark.sql

B1 = "b20240402T000000Z-00000001"
B2 = "b20240403T000000Z-00000002"
D = Decimal

SPRINGFIELD_IL = {"location_id": 1, "location_state": "Illinois", "location_city": "Springfield"}
SPRINGFIELD_MO = {"location_id": 2, "location_state": "Missouri", "location_city": "Springfield"}
AUSTIN_TX = {"location_id": 3, "location_state": "Texas", "location_city": "Austin"}


def provider(pid: int, name: str, speciality: tuple[int, str]) -> dict:
    return {
        "provider_id": pid,
        "provider_full_name": name,
        "provider_speciality_id": speciality[0],
        "provider_speciality_name": speciality[1],
    }


CARDIOLOGY = (10, "Cardiology")
ONCOLOGY = (20, "Oncology")


def dataset(batch_id: str) -> list[dict]:
    rows: list[dict] = []
    tid = 0

    def add(count: int, status: str, **fields: object) -> None:
        nonlocal tid
        for _ in range(count):
            tid += 1
            rows.append(treatment_row(tid, batch_id, status=status, **fields))

    p1 = {
        **provider(1, "Dr One", CARDIOLOGY),
        **SPRINGFIELD_IL,
        "treatment_type": "Medication",
        "start": "2024-01-15 08:00:00",
        "treatment_cost": D("10.00"),
    }
    add(6, "Successful", **p1)
    add(4, "Failed", **p1)
    add(1, "Ongoing", **p1)
    add(1, "Ongoing", **{**p1, "provider_full_name": "Dr One Jr"})  # t12: highest id wins
    p2 = {
        **provider(2, "Dr Two", ONCOLOGY),
        **SPRINGFIELD_MO,
        "treatment_type": "Surgery",
        "start": "2024-02-01 00:00:00",
        "treatment_cost": D("100.00"),
    }
    add(9, "Successful", **p2)
    add(3, "Partially Successful", **p2)
    p3 = {
        **provider(3, "Dr Three", CARDIOLOGY),
        **AUSTIN_TX,
        "treatment_type": "Medication",
        "start": "2024-02-29 12:00:00",
        "treatment_cost": D("20.01"),
        "patient_id": 5000,
    }
    add(1, "Successful", **{**p3, "location_city": "Austinn", "modified": "2024-03-01 00:00:00"})
    add(8, "Successful", **p3)
    p4 = {
        **provider(4, "Dr Four", CARDIOLOGY),
        **SPRINGFIELD_IL,
        "treatment_type": "Dialysis",
        "start": "2024-03-10 10:00:00",
        "treatment_cost": D("50.50"),
    }
    add(1, "Ongoing", **p4)
    p5 = {
        **provider(5, "Dr Five", ONCOLOGY),
        **SPRINGFIELD_MO,
        "treatment_type": "Surgery",
        "start": "2024-12-31 23:59:59",
        "treatment_cost": D("100.00"),
    }
    add(6, "Successful", **p5)
    add(3, "Failed", **p5)
    add(1, "Failed", **{**p5, "treatment_cost": D("100.01")})
    assert len(rows) == 44
    return rows


@pytest.fixture(scope="module")
def loaded(warehouse_dsn: str) -> str:
    run_batch(warehouse_dsn, B1, dataset(B1))
    return warehouse_dsn


def table(dsn: str, name: str, columns: str, order: str) -> list[tuple]:
    return fetch(dsn, f"select {columns} from analytics.{name} order by {order}")


def test_provider_treatment_rank_ties_share_a_rank_and_the_next_skips(loaded: str) -> None:
    assert table(
        loaded,
        "provider_treatment_rank",
        "provider_id, provider_full_name, speciality_name, total_treatments, treatment_rank",
        "treatment_rank, provider_id",
    ) == [
        (1, "Dr One Jr", "Cardiology", 12, 1),
        (2, "Dr Two", "Oncology", 12, 1),
        (5, "Dr Five", "Oncology", 10, 3),
        (3, "Dr Three", "Cardiology", 9, 4),
        (4, "Dr Four", "Cardiology", 1, 5),
    ]


def test_provider_success_rate_rank_needs_ten_completed(loaded: str) -> None:
    assert table(
        loaded,
        "provider_success_rate_rank",
        "provider_id, provider_full_name, completed_treatments, successful_treatments, "
        "success_rate_pct, success_rank",
        "success_rank, provider_id",
    ) == [
        (2, "Dr Two", 12, 9, D("75.00"), 1),
        (1, "Dr One Jr", 10, 6, D("60.00"), 2),
        (5, "Dr Five", 10, 6, D("60.00"), 2),
    ]


def test_monthly_trends_by_start_month_with_null_rate_when_none_completed(loaded: str) -> None:
    assert table(
        loaded,
        "monthly_treatment_trends",
        "month_start, year, month, total_treatments, completed_treatments, "
        "successful_treatments, success_rate_pct",
        "month_start",
    ) == [
        (date(2024, 1, 1), 2024, 1, 12, 10, 6, D("60.00")),
        (date(2024, 2, 1), 2024, 2, 21, 21, 18, D("85.71")),
        (date(2024, 3, 1), 2024, 3, 1, 0, 0, None),
        (date(2024, 12, 1), 2024, 12, 10, 10, 6, D("60.00")),
    ]


def test_geographical_distribution_by_country_and_state(loaded: str) -> None:
    assert table(
        loaded,
        "geographical_treatment_distribution",
        "country, state, total_treatments, share_pct, distinct_patients, total_cost",
        "state",
    ) == [
        ("USA", "Illinois", 13, D("29.55"), 13, D("170.50")),
        ("USA", "Missouri", 22, D("50.00"), 22, D("2200.01")),
        ("USA", "Texas", 9, D("20.45"), 1, D("180.09")),
    ]


def test_summary_avg_treatment_cost_per_type(loaded: str) -> None:
    assert table(
        loaded,
        "summary_avg_treatment_cost",
        "treatment_type, total_treatments, avg_cost, min_cost, max_cost, total_cost",
        "treatment_type",
    ) == [
        ("Dialysis", 1, D("50.50"), D("50.50"), D("50.50"), D("50.50")),
        ("Medication", 21, D("14.29"), D("10.00"), D("20.01"), D("300.09")),
        ("Surgery", 22, D("100.00"), D("100.00"), D("100.01"), D("2200.01")),
    ]


def test_cities_of_the_same_name_in_two_states_stay_apart(loaded: str) -> None:
    assert table(
        loaded,
        "summary_total_treatments_per_city",
        "country, state, city, total_treatments, city_rank",
        "city_rank",
    ) == [
        ("USA", "Missouri", "Springfield", 22, 1),
        ("USA", "Illinois", "Springfield", 13, 2),
        ("USA", "Texas", "Austin", 9, 3),
    ]


def test_summary_provider_success_rates_null_when_nothing_completed(loaded: str) -> None:
    assert table(
        loaded,
        "summary_provider_success_rates",
        "provider_id, provider_full_name, speciality_name, total_treatments, "
        "completed_treatments, successful_treatments, success_rate_pct",
        "provider_id",
    ) == [
        (1, "Dr One Jr", "Cardiology", 12, 10, 6, D("60.00")),
        (2, "Dr Two", "Oncology", 12, 12, 9, D("75.00")),
        (3, "Dr Three", "Cardiology", 9, 9, 9, D("100.00")),
        (4, "Dr Four", "Cardiology", 1, 0, 0, None),
        (5, "Dr Five", "Oncology", 10, 10, 6, D("60.00")),
    ]


def test_no_patient_names_in_analytics(loaded: str) -> None:
    columns = fetch(
        loaded,
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'analytics' and column_name like %s",
        ["%patient%"],
    )
    assert {c for _, c in columns} <= {"distinct_patients"}


def test_ongoing_to_successful_moves_in_every_table_and_replay_is_identical(
    fresh_warehouse_dsn: str,
) -> None:
    dsn = fresh_warehouse_dsn
    run_batch(dsn, B1, dataset(B1))
    # t11 (P1, Ongoing) completes successfully.
    update = [
        treatment_row(
            11,
            B2,
            status="Successful",
            modified="2024-04-02 10:00:00",
            **provider(1, "Dr One", CARDIOLOGY),
            **SPRINGFIELD_IL,
            treatment_type="Medication",
            start="2024-01-15 08:00:00",
            treatment_cost=D("10.00"),
        )
    ]
    run_batch(dsn, B2, update)
    assert fetch(
        dsn,
        "select d.treatment_outcome_status from gold.fact_treatments as f "
        "inner join gold.dim_treatment_types_and_outcome_statuses as d "
        "on f.treatment_type_outcome_key = d.treatment_type_outcome_key where f.treatment_id = 11",
    ) == [("Successful",)]
    assert table(
        dsn,
        "provider_success_rate_rank",
        "provider_id, completed_treatments, successful_treatments, success_rate_pct, success_rank",
        "success_rank",
    ) == [(2, 12, 9, D("75.00"), 1), (1, 11, 7, D("63.64"), 2), (5, 10, 6, D("60.00"), 3)]
    assert table(
        dsn,
        "monthly_treatment_trends",
        "month, completed_treatments, successful_treatments, success_rate_pct",
        "month_start",
    )[0] == (1, 11, 7, D("63.64"))
    assert table(
        dsn,
        "summary_provider_success_rates",
        "completed_treatments, successful_treatments, success_rate_pct",
        "provider_id",
    )[0] == (11, 7, D("63.64"))
    # The name of P1 still follows t12 (same modified_at as before; t11 is now later).
    assert table(dsn, "provider_treatment_rank", "provider_full_name", "provider_id")[0] == (
        "Dr One",
    )

    before = snapshot(dsn)
    with connect(dsn) as wh:
        for batch_id in (B1, B2):
            for step in (steps.run_gold_step, steps.run_analytics_step):
                step(wh, batch_id=batch_id, execution_name=f"{batch_id}-r1", attempt=1)
    assert snapshot(dsn) == before


def test_rounding_is_half_away_from_zero_at_point_005(fresh_warehouse_dsn: str) -> None:
    dsn = fresh_warehouse_dsn
    rows = [
        treatment_row(1, B1, status="Successful", location_id=1, location_state="Alaska"),
        *[
            treatment_row(i, B1, status="Failed", location_id=2, location_state="Ohio")
            for i in range(2, 31)
        ],
        treatment_row(31, B1, status="Failed", treatment_type="Surgery", treatment_cost=D("10.00")),
        treatment_row(32, B1, status="Failed", treatment_type="Surgery", treatment_cost=D("10.01")),
    ]
    run_batch(dsn, B1, rows)
    # 1 of 32 = 3.125 %, 29 of 32 = 90.625 %: half away from zero (not to even, not truncated).
    assert table(dsn, "geographical_treatment_distribution", "state, share_pct", "state") == [
        ("Alaska", D("3.13")),
        ("Ohio", D("90.63")),
        ("Texas", D("6.25")),
    ]
    assert table(dsn, "monthly_treatment_trends", "success_rate_pct", "month_start") == [
        (D("3.13"),)
    ]
    assert table(dsn, "provider_success_rate_rank", "success_rate_pct", "provider_id") == [
        (D("3.13"),)
    ]
    assert table(dsn, "summary_provider_success_rates", "success_rate_pct", "provider_id") == [
        (D("3.13"),)
    ]
    # (10.00 + 10.01) / 2 = 10.005: Redshift's AVG would truncate to 10.00.
    assert table(dsn, "summary_avg_treatment_cost", "treatment_type, avg_cost", "1") == [
        ("Medication", D("100.00")),
        ("Surgery", D("10.01")),
    ]


def test_percent_function_is_the_one_rounding_rule(loaded: str) -> None:
    """analytics.f_percent_half_up, the UDF the four percentage columns share."""
    cases = [(2, 3, D("66.67")), (1, 32, D("3.13")), (0, 5, D("0.00")), (7, 7, D("100.00"))]
    with psycopg.connect(loaded) as conn:
        for part, whole, expected in cases:
            (got,) = conn.execute(
                "select analytics.f_percent_half_up(%s, %s)", [part, whole]
            ).fetchone()
            assert got == expected, (part, whole)
        (no_denominator,) = conn.execute("select analytics.f_percent_half_up(3, 0)").fetchone()
    assert no_denominator is None

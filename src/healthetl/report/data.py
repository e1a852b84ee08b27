"""What the summary and the HTML report show, read from the warehouse.

Reads go through a ``Query`` callable (SQL → list of dict rows) so the same code serves the
seam on Redshift and PostgreSQL. Only the analytics schema, the tracker and the rejects'
rule ids are read — never patient names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Query = Callable[[str, Sequence[Any]], list[dict[str, Any]]]

# The 7 analytical tables, each with the order its "top rows" are shown in.
ANALYTICS_TABLES: dict[str, str] = {
    "provider_treatment_rank": "treatment_rank, provider_id",
    "provider_success_rate_rank": "success_rank, provider_id",
    "monthly_treatment_trends": "month_start desc",
    "geographical_treatment_distribution": "total_treatments desc, country, state",
    "summary_avg_treatment_cost": "avg_cost desc, treatment_type",
    "summary_total_treatments_per_city": "city_rank, country, state, city",
    "summary_provider_success_rates": "total_treatments desc, provider_id",
}
# Contract columns only (tables may carry more, e.g. refresh times).
ANALYTICS_COLUMNS: dict[str, tuple[str, ...]] = {
    "provider_treatment_rank": (
        "provider_id",
        "provider_full_name",
        "speciality_name",
        "total_treatments",
        "treatment_rank",
    ),
    "provider_success_rate_rank": (
        "provider_id",
        "provider_full_name",
        "completed_treatments",
        "successful_treatments",
        "success_rate_pct",
        "success_rank",
    ),
    "monthly_treatment_trends": (
        "month_start",
        "year",
        "month",
        "total_treatments",
        "completed_treatments",
        "successful_treatments",
        "success_rate_pct",
    ),
    "geographical_treatment_distribution": (
        "country",
        "state",
        "total_treatments",
        "share_pct",
        "distinct_patients",
        "total_cost",
    ),
    "summary_avg_treatment_cost": (
        "treatment_type",
        "total_treatments",
        "avg_cost",
        "min_cost",
        "max_cost",
        "total_cost",
    ),
    "summary_total_treatments_per_city": (
        "country",
        "state",
        "city",
        "total_treatments",
        "city_rank",
    ),
    "summary_provider_success_rates": (
        "provider_id",
        "provider_full_name",
        "speciality_name",
        "total_treatments",
        "completed_treatments",
        "successful_treatments",
        "success_rate_pct",
    ),
}
TRACKER_COLUMNS = (
    "batch_id",
    "execution_name",
    "step",
    "attempt",
    "status",
    "source_count",
    "destination_count",
    "reconciliation",
    "compared",
    "started_at",
    "ended_at",
    "error",
)


@dataclass
class Charts:
    monthly: list[dict[str, Any]] = field(default_factory=list)
    by_state: list[dict[str, Any]] = field(default_factory=list)
    top_volume: list[dict[str, Any]] = field(default_factory=list)
    top_success: list[dict[str, Any]] = field(default_factory=list)
    cost_by_type: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RunData:
    tracker: list[dict[str, Any]]
    rejects_by_rule: list[tuple[str, int]]
    rejects_by_combination: list[tuple[str, int]]
    top_rows: dict[str, list[dict[str, Any]]]
    row_counts: dict[str, int]
    charts: Charts


def tracker_rows(query: Query, batch_ids: Sequence[str]) -> list[dict[str, Any]]:
    if not batch_ids:
        return []
    marks = ", ".join(["%s"] * len(batch_ids))
    return query(
        f"select {', '.join(TRACKER_COLUMNS)} from gold.etl_tracker"
        f" where batch_id in ({marks}) order by started_at, batch_id, step",
        list(batch_ids),
    )


def rejects(
    query: Query, batch_id: str | None = None
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Rejected versions per rule (a version breaking two rules counts for each) and per
    combination; deferred versions (dated in the near future, read again) are not rejections
    yet and are left out (``deferred_versions``)."""
    where, params = ("and batch_id = %s", [batch_id]) if batch_id else ("", [])
    rows = query(
        "select broken_rules, count(*) as n from silver.rejected_treatments"
        f" where coalesce(disposition, 'rejected') = 'rejected' {where}"
        " group by broken_rules",
        params,
    )
    per_rule: Counter[str] = Counter()
    per_combination: Counter[str] = Counter()
    for row in rows:
        rules = str(row["broken_rules"] or "")
        per_combination[rules] += int(row["n"])
        for rule in filter(None, rules.split(",")):
            per_rule[rule] += int(row["n"])
    return sorted(per_rule.items()), sorted(per_combination.items())


def deferred_versions(query: Query, batch_id: str | None = None) -> list[dict[str, Any]]:
    """Versions held back because they are dated in the near future, oldest first."""
    where, params = ("and batch_id = %s", [batch_id]) if batch_id else ("", [])
    return query(
        "select treatment_id, version_fingerprint, batch_id, extracted_at"
        " from silver.rejected_treatments"
        f" where disposition = 'deferred' {where}"
        " order by batch_id, treatment_id",
        params,
    )


def collect(query: Query, batch_ids: Sequence[str], top_n: int = 5) -> RunData:
    top_rows: dict[str, list[dict[str, Any]]] = {}
    counts: dict[str, int] = {}
    for table, order in ANALYTICS_TABLES.items():
        cols = ", ".join(ANALYTICS_COLUMNS[table])
        top_rows[table] = query(
            f"select {cols} from analytics.{table} order by {order} limit {int(top_n)}", []
        )
        counts[table] = int(query(f"select count(*) as n from analytics.{table}", [])[0]["n"])
    per_rule, per_combination = rejects(query)
    charts = Charts(
        monthly=query(
            "select month_start, total_treatments, success_rate_pct"
            " from analytics.monthly_treatment_trends order by month_start",
            [],
        ),
        by_state=query(
            "select country, state, total_treatments"
            " from analytics.geographical_treatment_distribution"
            " order by total_treatments desc, country, state limit 15",
            [],
        ),
        top_volume=query(
            "select provider_full_name, total_treatments from analytics.provider_treatment_rank"
            " order by treatment_rank, provider_id limit 10",
            [],
        ),
        top_success=query(
            "select provider_full_name, success_rate_pct, completed_treatments"
            " from analytics.provider_success_rate_rank"
            " order by success_rank, provider_id limit 10",
            [],
        ),
        cost_by_type=query(
            "select treatment_type, avg_cost from analytics.summary_avg_treatment_cost"
            " order by avg_cost desc",
            [],
        ),
    )
    return RunData(
        tracker=tracker_rows(query, batch_ids),
        rejects_by_rule=per_rule,
        rejects_by_combination=per_combination,
        top_rows=top_rows,
        row_counts=counts,
        charts=charts,
    )

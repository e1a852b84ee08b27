"""The warehouse work of the three load steps (copy, gold, analytics) and their tracker rows.

Each ``run_*_step`` owns one transaction through the seam: the step's work and its
SUCCEEDED row in ``gold.etl_tracker`` commit together, or nothing does. A reconciliation
MISMATCH rolls the work back, records a FAILED row (with the counts) in a transaction of its
own and raises ``ReconciliationMismatchError`` (a ``WarehouseDataError``: not retried).
Other errors propagate; the caller records them with ``record_failed_step``, which writes at
most one FAILED row per attempt. The order of procedures is fixed here, never taken from
input. No Powertools here: the Lambda handlers wrap these functions.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from warehouse_seam import Warehouse, WarehouseDataError

SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
MATCH = "MATCH"
MISMATCH = "MISMATCH"
DEFERRED_PREFIX = "[deferred] "
MAX_ERROR_BYTES = 4096

# staging -> silver first, then the dimensions, then the fact (it looks up their keys).
SILVER_PROCEDURE = "silver.load_batch"
DIMENSION_PROCEDURES = (
    "gold.load_dim_dates",
    "gold.load_dim_times",
    "gold.load_dim_treatment_types_and_outcome_statuses",
    "gold.load_dim_locations",
    "gold.load_dim_specialities",
    "gold.load_dim_providers",
    "gold.load_dim_patients",
    "gold.load_dim_diseases",
)
FACT_PROCEDURE = "gold.load_fact_treatments"
ANALYTICS_TABLES = (
    "provider_treatment_rank",
    "provider_success_rate_rank",
    "monthly_treatment_trends",
    "geographical_treatment_distribution",
    "summary_avg_treatment_cost",
    "summary_total_treatments_per_city",
    "summary_provider_success_rates",
)
# Tables where every current treatment is counted exactly once in total_treatments.
ANALYTICS_TABLES_COUNTING_ALL = (
    "provider_treatment_rank",
    "monthly_treatment_trends",
    "geographical_treatment_distribution",
    "summary_avg_treatment_cost",
    "summary_total_treatments_per_city",
    "summary_provider_success_rates",
)


@dataclass(frozen=True)
class StepResult:
    step: str
    status: str
    source_count: int
    destination_count: int
    reconciliation: str
    compared: str
    started_at: datetime
    ended_at: datetime
    duration_ms: int

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat() + "Z"
        data["ended_at"] = self.ended_at.isoformat() + "Z"
        return data


class ReconciliationMismatchError(WarehouseDataError):
    """Counts disagree; the step's work was rolled back and its FAILED row recorded."""

    def __init__(self, result: StepResult) -> None:
        super().__init__(
            f"{result.step} reconciliation MISMATCH: {result.compared} "
            f"(source {result.source_count}, destination {result.destination_count})"
        )
        self.result = result
        self.tracker_recorded = True


def _fit(text: str, max_bytes: int) -> str:
    """Cut to a VARCHAR's size, counted in UTF-8 bytes as Redshift does."""
    return text.encode()[:max_bytes].decode(errors="ignore")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _count(wh: Warehouse, sql: str, params: list[Any] | None = None) -> int:
    return int(wh.query(sql, params)[0][0] or 0)


def _record(
    wh: Warehouse,
    batch_id: str,
    execution_name: str,
    attempt: int,
    result: StepResult,
    error: str | None = None,
) -> None:
    wh.call(
        "gold.record_step_attempt",
        batch_id,
        execution_name,
        result.step,
        attempt,
        result.status,
        result.source_count,
        result.destination_count,
        result.reconciliation,
        _fit(result.compared, 1024),
        result.started_at,
        result.ended_at,
        error,
    )


def _finish(
    step: str,
    source: int,
    destination: int,
    matched: bool,
    compared: str,
    started_at: datetime,
    began: float,
) -> StepResult:
    return StepResult(
        step=step,
        status=SUCCEEDED if matched else FAILED,
        source_count=source,
        destination_count=destination,
        reconciliation=MATCH if matched else MISMATCH,
        compared=compared,
        started_at=started_at,
        ended_at=_now(),
        duration_ms=int((time.monotonic() - began) * 1000),
    )


class _MismatchError(Exception):
    def __init__(self, result: StepResult) -> None:
        self.result = result


def _run(
    wh: Warehouse, step: str, batch_id: str, execution_name: str, attempt: int, work: Any
) -> StepResult:
    """``work(wh) -> (source, destination, matched, compared)`` in one transaction with the
    SUCCEEDED row; a mismatch rolls back and is recorded on its own."""
    started_at, began = _now(), time.monotonic()
    try:
        with wh.transaction():
            source, destination, matched, compared = work(wh)
            result = _finish(step, source, destination, matched, compared, started_at, began)
            if not matched:
                raise _MismatchError(result)
            _record(wh, batch_id, execution_name, attempt, result)
    except _MismatchError as mismatch:
        with wh.transaction():
            _record(
                wh,
                batch_id,
                execution_name,
                attempt,
                mismatch.result,
                error=f"reconciliation MISMATCH: {mismatch.result.compared}",
            )
        raise ReconciliationMismatchError(mismatch.result) from None
    return result


@dataclass(frozen=True)
class CopyPlan:
    """What one copy step loads and how many rows each part must yield: ``_batch.json``'s
    counts and the batch's manifests. On the load path ``batch_summary.verify`` builds it from
    checked parts only (the configured bucket and the validated batch id), never from the
    file's text."""

    valid: int
    rejected: int
    valid_manifest: str
    rejected_manifest: str | None = None
    # A batch published before rejected rows had versions (schema_version 1, 5 columns): its
    # rejected files go through staging.rejected_treatments_v1 (V0009).
    legacy_rejected: bool = False

    def __post_init__(self) -> None:
        for name in ("valid", "rejected"):
            value = getattr(self, name)
            if type(value) is not int or value < 0:
                raise WarehouseDataError(f"copy needs a non-negative {name} count, got {value!r}")
        if self.rejected and not self.rejected_manifest:
            raise WarehouseDataError(f"copy of {self.rejected} rejected rows needs their manifest")


def run_copy_step(
    wh: Warehouse,
    *,
    batch_id: str,
    execution_name: str,
    attempt: int,
    plan: CopyPlan,
    iam_role: str | None = None,
) -> StepResult:
    """Replace the batch's staging rows with its manifests' Parquet and reconcile the rows of
    the batch now in staging, and the rows COPY read, with ``_batch.json``'s counts (a batch
    never succeeds having loaded less, or other batches' rows)."""

    def work(wh: Warehouse) -> tuple[int, int, bool, str]:
        wh.execute("delete from staging.treatments where batch_id = %s", [batch_id])
        wh.execute("delete from staging.rejected_treatments where batch_id = %s", [batch_id])
        # Housekeeping: staging rows of other batches whose gold step has committed.
        for table in ("staging.treatments", "staging.rejected_treatments"):
            wh.execute(
                f"delete from {table} where batch_id in (select batch_id from gold.etl_tracker "
                "where step = 'gold' and status = 'SUCCEEDED' and batch_id <> %s)",
                [batch_id],
            )
        copied_valid = wh.copy_manifest(
            "staging.treatments", plan.valid_manifest, iam_role=iam_role
        )
        copied_rejected = 0
        if plan.rejected_manifest and plan.legacy_rejected:
            copied_rejected = _copy_legacy_rejected(wh, batch_id, plan.rejected_manifest, iam_role)
        elif plan.rejected_manifest:
            copied_rejected = wh.copy_manifest(
                "staging.rejected_treatments", plan.rejected_manifest, iam_role=iam_role
            )
        staged_valid = _count(
            wh, "select count(*) from staging.treatments where batch_id = %s", [batch_id]
        )
        staged_rejected = _count(
            wh, "select count(*) from staging.rejected_treatments where batch_id = %s", [batch_id]
        )
        compared = (
            f"_batch.json valid={plan.valid} rejected={plan.rejected} vs staging rows "
            f"of the batch valid={staged_valid} rejected={staged_rejected}"
        )
        matched = staged_valid == plan.valid and staged_rejected == plan.rejected
        if (copied_valid, copied_rejected) != (staged_valid, staged_rejected):
            matched = False
            compared += f" (COPY read valid={copied_valid} rejected={copied_rejected})"
        return plan.valid + plan.rejected, staged_valid + staged_rejected, matched, compared

    return _run(wh, "copy", batch_id, execution_name, attempt, work)


def _copy_legacy_rejected(wh: Warehouse, batch_id: str, manifest: str, iam_role: str | None) -> int:
    """A schema_version 1 batch's 5-column rejected files, staged as versions without a
    fingerprint, finally rejected (an upgrade in place: batches in flight keep loading)."""
    wh.execute("delete from staging.rejected_treatments_v1 where batch_id = %s", [batch_id])
    copied = wh.copy_manifest("staging.rejected_treatments_v1", manifest, iam_role=iam_role)
    wh.execute(
        "insert into staging.rejected_treatments (batch_id, treatment_id, broken_rules,"
        " raw_item, extracted_at, version_fingerprint, disposition)"
        " select batch_id, treatment_id, broken_rules, raw_item, extracted_at, null, 'rejected'"
        " from staging.rejected_treatments_v1 where batch_id = %s",
        [batch_id],
    )
    wh.execute("delete from staging.rejected_treatments_v1 where batch_id = %s", [batch_id])
    return copied


def run_gold_step(wh: Warehouse, *, batch_id: str, execution_name: str, attempt: int) -> StepResult:
    """staging -> silver -> the 8 dimensions -> the fact, in one transaction."""

    def work(wh: Warehouse) -> tuple[int, int, bool, str]:
        staged, applied, older, rejected = wh.call(
            SILVER_PROCEDURE, batch_id, None, None, None, None
        )
        for procedure in DIMENSION_PROCEDURES:
            wh.call(procedure, batch_id)
        (fact_rows,) = wh.call(FACT_PROCEDURE, batch_id, None)
        with_fact = _count(
            wh,
            "select count(distinct staged.treatment_id) from staging.treatments as staged "
            "inner join gold.fact_treatments as fact on staged.treatment_id = fact.treatment_id "
            "where staged.batch_id = %s",
            [batch_id],
        )
        silver_rows = _count(
            wh,
            "select count(*) from silver.tbl_healthcare_analytics_data where batch_id = %s",
            [batch_id],
        )
        compared = (
            f"treatments staged={staged} (applied={applied}, older versions skipped={older}) "
            f"vs staged treatments with a fact row={with_fact}; silver rows of the batch="
            f"{silver_rows} vs fact rows written={fact_rows}; rejects loaded={rejected}"
        )
        matched = with_fact == staged and fact_rows == silver_rows
        return int(staged), with_fact, matched, compared

    return _run(wh, "gold", batch_id, execution_name, attempt, work)


def run_analytics_step(
    wh: Warehouse, *, batch_id: str, execution_name: str, attempt: int
) -> StepResult:
    """Rebuild the 7 analytical tables in one transaction."""

    def work(wh: Warehouse) -> tuple[int, int, bool, str]:
        for table in ANALYTICS_TABLES:
            wh.call(f"analytics.rebuild_{table}", batch_id)
        treatments = _count(wh, "select count(*) from gold.fact_treatments")
        totals = {
            table: _count(wh, f"select coalesce(sum(total_treatments), 0) from analytics.{table}")
            for table in ANALYTICS_TABLES_COUNTING_ALL
        }
        differing = {t: n for t, n in totals.items() if n != treatments}
        compared = f"fact_treatments rows={treatments} vs sum(total_treatments) in " + (
            ", ".join(f"{t}={n}" for t, n in differing.items())
            if differing
            else f"{len(totals)} tables (all equal)"
        )
        destination = min(totals.values()) if differing else treatments
        return treatments, destination, not differing, compared

    return _run(wh, "analytics", batch_id, execution_name, attempt, work)


def failed_step_recorded(
    wh: Warehouse,
    *,
    execution_name: str,
    step: str,
    attempt: int | None = None,
    batch_id: str | None = None,
) -> bool:
    """True when a FAILED row exists for this execution's step (and attempt, if given)."""
    sql = "select count(*) from gold.etl_tracker where execution_name = %s and step = %s " + (
        "and status = 'FAILED'"
    )
    params: list[Any] = [execution_name, step]
    if attempt is not None:
        sql += " and attempt = %s"
        params.append(attempt)
    if batch_id is not None:
        sql += " and batch_id = %s"
        params.append(batch_id)
    return _count(wh, sql, params) > 0


def record_failed_step(
    wh: Warehouse,
    *,
    batch_id: str,
    execution_name: str,
    step: str,
    attempt: int,
    error: str,
    deferred: bool = False,
    started_at: datetime | None = None,
) -> bool:
    """The FAILED row of one attempt, in its own transaction; False when that attempt already
    has one (a MISMATCH the step recorded itself). ``deferred`` marks a row written late by the
    failure path because the warehouse was unreachable."""
    text = str(error)
    if deferred and not text.startswith(DEFERRED_PREFIX):
        text = DEFERRED_PREFIX + text
    with wh.transaction():
        if failed_step_recorded(
            wh, execution_name=execution_name, step=step, attempt=attempt, batch_id=batch_id
        ):
            return False
        wh.call(
            "gold.record_step_attempt",
            batch_id,
            execution_name,
            step,
            attempt,
            FAILED,
            None,
            None,
            None,
            None,
            started_at,
            _now(),
            _fit(text, MAX_ERROR_BYTES),
        )
    return True

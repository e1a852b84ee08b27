"""Errors as Step Functions and the tracker see them: retryable by exact name, no row values."""

from __future__ import annotations

import pytest
from load_pipeline.errors import safe_message, surfaced
from load_pipeline.events import FailureInput, StepInput
from warehouse_seam import WarehouseDataError, WarehouseTransientError

pytestmark = pytest.mark.unit

BATCH = "b20261126T100000Z-0a0b0c0d"


def test_database_detail_lines_never_reach_messages() -> None:
    exc = WarehouseDataError(
        'duplicate key value violates unique constraint "pk"\n'
        "DETAIL:  Key (patient_full_name)=(Jane Doe) already exists."
    )
    assert "Jane" not in safe_message(exc)
    assert safe_message(exc).startswith("duplicate key value")


def test_transient_errors_surface_under_the_name_the_state_machine_retries() -> None:
    class ConnectionLostError(WarehouseTransientError):
        pass

    assert type(surfaced(ConnectionLostError("lost"))).__name__ == "WarehouseTransientError"
    data_error = WarehouseDataError("bad")
    assert surfaced(data_error) is data_error


@pytest.mark.parametrize(("execution_name", "attempt_of_retry_0"), [(BATCH, 1), (f"{BATCH}-r2", 1)])
def test_step_input_accepts_the_batch_and_its_replays(
    execution_name: str, attempt_of_retry_0: int
) -> None:
    request = StepInput.model_validate({"batch_id": BATCH, "execution_name": execution_name})
    assert request.attempt == attempt_of_retry_0
    assert (
        StepInput.model_validate(
            {"batch_id": BATCH, "execution_name": BATCH, "retry_count": 3}
        ).attempt
        == 4
    )


@pytest.mark.parametrize(
    "event",
    [
        {"batch_id": "b1", "execution_name": "b1"},
        {"batch_id": BATCH, "execution_name": "b20261126T100000Z-ffffffff"},
        {"batch_id": BATCH, "execution_name": f"{BATCH}-x"},
    ],
)
def test_step_input_refuses_anything_else(event: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        StepInput.model_validate(event)


def test_failure_input_names_a_known_step() -> None:
    with pytest.raises(ValueError):
        FailureInput.model_validate(
            {"batch_id": BATCH, "execution_name": BATCH, "failed_step": "drop table"}
        )

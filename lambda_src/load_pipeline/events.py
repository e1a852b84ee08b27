"""The inputs the state machine passes to each task, validated before any work.

No SQL and no table names come from an event: only the batch id, the execution's name and
attempt, and where the batch's ``_batch.json`` is.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

BATCH_ID_PATTERN = r"^b\d{8}T\d{6}Z-[0-9a-f]{8}$"
REPLAY_SUFFIX = re.compile(r"-r(\d+)$")


def batch_id_of_execution(execution_name: str) -> str:
    """``b…-1a2b3c4d-r2`` → ``b…-1a2b3c4d`` (a replay names its batch)."""
    return REPLAY_SUFFIX.sub("", execution_name)


class StepInput(BaseModel):
    """What copy / gold / analytics / gate receive (see facts/load_state_machine.asl.json)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    batch_id: str = Field(pattern=BATCH_ID_PATTERN)
    execution_name: str = Field(min_length=1, max_length=80)
    execution_arn: str | None = None  # $$.Execution.Id: the load lease names its holder by it
    retry_count: int = Field(default=0, ge=0)
    bucket: str | None = None
    key: str | None = None
    execution_start_time: str | None = None

    @model_validator(mode="after")
    def _execution_names_batch(self) -> StepInput:
        if batch_id_of_execution(self.execution_name) != self.batch_id:
            raise ValueError("execution_name must be the batch id or <batch_id>-r<N>")
        return self

    @property
    def attempt(self) -> int:
        """1-based attempt number of this step within the execution (tracker ``attempt``)."""
        return self.retry_count + 1


class FailureInput(BaseModel):
    """What on_failure receives: the batch, the step that failed and Step Functions' error."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    batch_id: str = Field(pattern=BATCH_ID_PATTERN)
    execution_name: str = Field(min_length=1, max_length=80)
    execution_arn: str | None = None
    failed_step: str = Field(pattern=r"^(gate|copy|gold|analytics)$")
    failure: dict[str, Any] = Field(default_factory=dict)  # Step Functions' {Error, Cause}
    bucket: str | None = None
    key: str | None = None

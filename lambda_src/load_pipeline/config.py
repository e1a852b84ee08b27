"""Each function's configuration, validated from its environment variables before any work.

The deployer (local) and Terraform (AWS) set these from ``facts/resources.json``. A missing or
malformed variable fails the invocation at once with a clear validation error.
"""

from __future__ import annotations

import os
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

ConfigT = TypeVar("ConfigT", bound=BaseModel)


class _EnvModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class TriggerConfig(_EnvModel):
    STATE_MACHINE_ARN: str = Field(min_length=20)
    BATCH_SUMMARY_SUFFIX: str = "_batch.json"


class GateConfig(_EnvModel):
    STATE_MACHINE_ARN: str = Field(min_length=20)
    SILVER_BUCKET: str = Field(min_length=3)
    SKIPPED_BATCHES_PREFIX: str = "state/skipped/"
    # How long a batch may wait for earlier ones before its execution fails (and alerts).
    GATE_MAX_WAIT_SECONDS: int = Field(default=3600, ge=0)


class StepConfig(_EnvModel):
    """copy / gold / analytics: where the warehouse is, the seam resolves (WAREHOUSE_DSN
    locally, its WAREHOUSE_* settings, secret or IAM, on AWS: warehouse_seam.location)."""

    SILVER_BUCKET: str | None = None
    # Statements end this long before the Lambda would be killed, so failures are recorded.
    STATEMENT_TIMEOUT_MARGIN_SECONDS: int = Field(default=15, ge=1)


class CopyConfig(StepConfig):
    """copy also writes the failure path's deferred tracker records before its own work."""

    DEFERRED_FAILURES_PREFIX: str = "state/deferred_failures/"


class OnFailureConfig(CopyConfig):
    """on_failure keeps and writes the same deferred records, and publishes the alert."""

    ALERTS_TOPIC_ARN: str = Field(min_length=20)


def load_config(model: type[ConfigT]) -> ConfigT:
    """Validate the process environment against ``model`` (unknown variables are ignored)."""
    return model.model_validate(dict(os.environ))

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
    LOAD_LEASE_KEY: str = Field(default="state/load.lease", min_length=1)
    # Backoff between polls: half the time waited so far, within [first, max]. A batch never
    # fails for waiting (the GateWaitSeconds alarm says it waits long).
    GATE_POLL_SECONDS: int = Field(default=10, ge=1)
    GATE_POLL_MAX_SECONDS: int = Field(default=300, ge=1)


class StepConfig(_EnvModel):
    """copy / gold / analytics: where the warehouse is, the seam resolves (WAREHOUSE_DSN
    locally, its WAREHOUSE_* settings, secret or IAM, on AWS: warehouse_seam.location)."""

    SILVER_BUCKET: str | None = None
    # analytics and on_failure release the load lease (load_pipeline.lease) when set.
    LOAD_LEASE_KEY: str | None = None
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

"""Two batches published at once are loaded one after the other, in batch-id order, and both
complete: the later one's first step starts only after the earlier one's last step ended."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.reliability_batches import Baseline, Deployment, apply_changes, make_batch, release
from e2e.reliability_support import assert_loaded, tracker_rows, wait_for_execution

pytestmark = pytest.mark.e2e
pytest_plugins = ("e2e.reliability_fixtures",)


def test_two_batches_published_at_once_load_one_after_the_other_in_order(
    reliability_deployment: Deployment, baseline: Baseline, spark: Any
) -> None:
    deployment = reliability_deployment
    first_changes = apply_changes(deployment, baseline.n)
    first = make_batch(spark, deployment)
    second_changes = apply_changes(deployment, baseline.n)
    second = make_batch(spark, deployment)
    earlier, later = sorted([first, second])

    release(deployment, [later, earlier])  # both _batch.json at once, later one listed first

    for batch_id in (earlier, later):
        execution = wait_for_execution(deployment.state_machine_arn, batch_id, timeout=180)
        assert execution["status"] == "SUCCEEDED", execution
    earlier_rows = {r["step"]: r for r in tracker_rows(deployment.dsn, earlier)}
    later_rows = {r["step"]: r for r in tracker_rows(deployment.dsn, later)}
    assert later_rows["copy"]["started_at"] >= earlier_rows["analytics"]["ended_at"]
    # Both rounds' changes are loaded; where both touched a treatment, the newer version won.
    newest = {item["treatment_id"]["N"]: item for item in first_changes.items}
    newest.update({item["treatment_id"]["N"]: item for item in second_changes.items})
    assert_loaded(deployment.dsn, list(newest.values()))

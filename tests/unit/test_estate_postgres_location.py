"""Where the PostgreSQL cluster lives when the checkout is not reachable by `nobody`."""

import os
from pathlib import Path

import pytest

from healthetl.estate import postgres

pytestmark = pytest.mark.unit


def test_reachable_checkout_keeps_its_data_dir(tmp_path: Path) -> None:
    open_folder = Path("/var/tmp") / f"hca-test-open-{os.getpid()}"
    open_folder.mkdir(mode=0o755, exist_ok=True)
    try:
        data_dir = open_folder / ".runtime" / "postgres"
        assert postgres.cluster_dir(data_dir) == data_dir
    finally:
        open_folder.rmdir()


@pytest.mark.skipif(os.geteuid() != 0, reason="relocation applies only when running as root")
def test_private_checkout_moves_cluster_to_a_root_owned_folder(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    data_dir = private / ".runtime" / "postgres"

    relocated = postgres.cluster_dir(data_dir)

    assert relocated.parent == Path("/var/tmp/hca-postgres")
    assert relocated.parent.stat().st_uid == 0
    assert postgres.cluster_dir(relocated) == relocated  # idempotent
    assert postgres.cluster_dir(data_dir) == relocated  # deterministic
    assert postgres.cluster_dir(private / "other" / "postgres") != relocated

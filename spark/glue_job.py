"""AWS Glue 5.0 entry (Spark 3.5, Python 3.11) for the pipeline's first half.

Terraform points a Glue job at this script and ships the ``treatment_jobs`` package with
``--extra-py-files s3://<artifacts>/treatment_jobs.zip`` (and ``--additional-python-modules
msgspec==0.22.0,rich==15.0.0``; Glue 5.0 already has boto3 and pyarrow). Job arguments
(Glue ``DefaultArguments``; names use underscores, as ``getResolvedOptions`` expects):

``--stage``            ``run`` (extract + transform + publish under the lock; the default),
                       ``extract``, ``transform`` or ``publish``.
``--table``            DynamoDB source table, e.g. ``hca-prod-treatments``.
``--index``            its GSI by modification day (default ``by_modified_day``).
``--silver_bucket``    silver bucket name (``batches/``, ``state/watermark.json``, the lock).
``--bronze_root``      bronze URI, e.g. ``s3://hca-prod-bronze/bronze`` (``batch_id=<id>/``).
``--silver_root``      transform work URI, e.g. ``s3://hca-prod-bronze/silver-work``; publish
                       copies the part files from there into the silver bucket, then writes
                       the manifests, ``_batch.json`` and the watermark.
``--overlap_seconds``  incremental overlap (default 300, the estate setting).
``--segments``         parallel Scan segments for a full extract (default 4; ~ 2 per worker core).
``--reads_per_task``   segments (or Query days) one Spark task reads at once (default 2).
``--full``             ``true`` forces a full re-extract (parallel scan) instead of incremental.
``--retransform``      a bronze batch id: re-transform it as a new batch (no DynamoDB read,
                       the watermark does not move).
``--batch_id``         transform/publish of one stage run: the batch (default: latest bronze).

The job role needs dynamodb:Scan/Query on the table and its index, s3 read/write on the bronze
prefix and on the silver bucket's ``batches/`` and ``state/`` prefixes.
"""

from __future__ import annotations

import argparse
import sys

OPTIONAL = (
    "stage",
    "table",
    "index",
    "silver_bucket",
    "bronze_root",
    "silver_root",
    "overlap_seconds",
    "segments",
    "reads_per_task",
    "full",
    "retransform",
    "batch_id",
)


def glue_arguments(argv: list[str]) -> dict[str, str]:
    """The job arguments that are present (getResolvedOptions fails on absent ones)."""
    present = [name for name in OPTIONAL if f"--{name}" in argv]
    try:
        from awsglue.utils import getResolvedOptions  # type: ignore[import-not-found]

        return dict(getResolvedOptions(argv, present))
    except ImportError:  # outside Glue (a local dry run): plain --name value pairs
        values = {}
        for name in present:
            position = argv.index(f"--{name}")
            values[name] = argv[position + 1] if position + 1 < len(argv) else ""
        return values


def namespace(values: dict[str, str]) -> argparse.Namespace:
    def number(key: str) -> int | None:
        return int(values[key]) if values.get(key) else None

    return argparse.Namespace(
        full=values.get("full", "false").lower() == "true",
        retransform=values.get("retransform") or None,
        batch_id=values.get("batch_id") or None,
        env=None,
        facts_file=None,
        table=values.get("table"),
        index=values.get("index"),
        silver_bucket=values.get("silver_bucket"),
        bronze_root=values.get("bronze_root"),
        silver_root=values.get("silver_root"),
        overlap_seconds=number("overlap_seconds"),
        segments=number("segments"),
        reads_per_task=number("reads_per_task"),
        master=None,  # the Glue cluster's session
    )


def main(argv: list[str]) -> int:
    from treatment_jobs.main import execute

    values = glue_arguments(argv)
    return execute(namespace(values), values.get("stage", "run"))


if __name__ == "__main__":
    sys.exit(main(sys.argv))

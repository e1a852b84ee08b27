"""``healthetl spark extract|transform|publish|run``: the Spark jobs from the operator CLI
(a local ``local[2]`` session by default; ``--master`` to change it)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from treatment_jobs.main import add_arguments, run_cli

    group = subparsers.add_parser("spark", help="PySpark first half: extract, transform, publish")
    stages = group.add_subparsers(dest="spark_stage", required=True)
    helps = {
        "extract": "DynamoDB -> bronze (full the first time or --full, then incremental)",
        "transform": "bronze -> silver Parquet, valid + rejected (--retransform BATCH: new batch)",
        "publish": "upload silver, manifests, then _batch.json; advance the watermark",
        "run": "extract + transform + publish under the extract lock",
    }
    for stage, text in helps.items():
        parser = stages.add_parser(stage, help=text, description=text)
        add_arguments(parser, default_master="local[2]")
        parser.set_defaults(func=run_cli)

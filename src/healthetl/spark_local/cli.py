"""``healthetl spark extract|transform|publish|run``: the Spark jobs from the operator CLI
(a local ``local[2]`` session by default; ``--master`` to change it). Local sessions map the
class archive (:mod:`healthetl.spark_local.class_archive`) when there is one."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from treatment_jobs.main import add_arguments

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
        parser.set_defaults(func=_run_locally)


def _run_locally(args: argparse.Namespace) -> int:
    from treatment_jobs.main import run_cli

    from healthetl.spark_local import class_archive

    args.driver_java_options = class_archive.java_option()
    return run_cli(args)

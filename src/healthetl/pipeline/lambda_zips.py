"""``healthetl build-lambda-zips``: the zips Terraform uploads, with vendored dependencies.

One zip per resources.json function (same content, handler differs) under ``build/lambda/``:
our packages (``load_pipeline`` with its JSON Schemas, ``warehouse_seam``) plus the AWS Lambda
python3.11 x86_64 wheels of the runtime dependencies (jsonschema brings attrs, referencing,
rpds-py and jsonschema-specifications). boto3 is left out (the runtime ships it); nothing only the
local stand-in needs (psycopg, pyarrow) is included.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from healthetl.estate.config import repo_root
from healthetl.estate.deploy import load_facts

# Exact pins from requirements.txt; the Lambda runtime provides boto3/botocore.
AWS_DEPENDENCIES = ("aws-lambda-powertools[tracer]", "redshift-connector", "pydantic", "jsonschema")
PLATFORM_ARGS = (
    "--platform",
    "manylinux2014_x86_64",
    "--implementation",
    "cp",
    "--python-version",
    "3.11",
    "--only-binary=:all:",
)
PACKAGES = ("load_pipeline", "warehouse_seam")
EXCLUDED_TOP_LEVEL = ("boto3", "botocore", "s3transfer", "__pycache__")


def pinned(requirement: str) -> str:
    """``name[extra]`` → ``name[extra]==version`` from requirements.txt."""
    base = requirement.split("[")[0].lower()
    for line in (repo_root() / "requirements.txt").read_text().splitlines():
        spec = line.split("#")[0].strip()
        if spec.split("==")[0].split("[")[0].lower() == base and "==" in spec:
            return requirement + "==" + spec.split("==")[1]
    return requirement


def vendor(target: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            str(target),
            *PLATFORM_ARGS,
            *(pinned(r) for r in AWS_DEPENDENCIES),
        ],
        check=True,
    )
    for name in EXCLUDED_TOP_LEVEL:
        for path in target.glob(f"{name}*"):
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()


def build(out_dir: Path | None = None) -> list[Path]:
    out_dir = out_dir or repo_root() / "build" / "lambda"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp)
        vendor(staging)
        for package in PACKAGES:
            shutil.copytree(
                repo_root() / "lambda_src" / package,
                staging / package,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )
        files = sorted(p for p in staging.rglob("*") if p.is_file())
        built = []
        for function in load_facts()["functions"]:
            path = out_dir / f"{function}.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                for file in files:
                    info = zipfile.ZipInfo(
                        file.relative_to(staging).as_posix(), (1980, 1, 1, 0, 0, 0)
                    )
                    info.external_attr = 0o644 << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, file.read_bytes())
            built.append(path)
    return built

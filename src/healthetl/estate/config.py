"""Where the local estate lives and which ports it uses (all overridable by environment).

``HCA_RUNTIME_DIR`` (default ``<repo>/.runtime``), ``HCA_AWS_PORT`` (4566), ``HCA_DYNAMODB_PORT``
(4569), ``HCA_PG_PORT`` (5439). Every server binds to 127.0.0.1 only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from healthetl import REPO_ROOT

HOST = "127.0.0.1"
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
# Dummy credentials: the local estate accepts anything; these never reach real AWS.
LOCAL_ACCESS_KEY = "test"
LOCAL_SECRET_KEY = "test"  # noqa: S105 - dummy value for the local estate only

DEFAULT_AWS_PORT = 4566
DEFAULT_DYNAMODB_PORT = 4569
DEFAULT_PG_PORT = 5439


def repo_root() -> Path:
    """The repository this package was installed from (editable install)."""
    return REPO_ROOT


def _port(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DYNAMODB_SERVERS = ("dynamodb-local", "dynalite")


def _dynamodb_server() -> str:
    server = os.environ.get("HCA_DYNAMODB_SERVER", DYNAMODB_SERVERS[0])
    if server not in DYNAMODB_SERVERS:
        raise ValueError(f"HCA_DYNAMODB_SERVER={server!r}: one of {', '.join(DYNAMODB_SERVERS)}")
    return server


@dataclass(frozen=True)
class EstateConfig:
    """Folder and ports of one estate. Two estates with different dirs and ports can coexist."""

    runtime_dir: Path
    aws_port: int
    dynamodb_port: int
    pg_port: int
    # The DynamoDB server: AWS DynamoDB Local (faithful: paginated index queries return every
    # item) or dynalite 4.0.0 (faster, but it loses items; kept to measure and to compare).
    dynamodb_server: str = "dynamodb-local"

    @classmethod
    def from_env(cls) -> EstateConfig:
        raw_dir = os.environ.get("HCA_RUNTIME_DIR")
        runtime_dir = Path(raw_dir) if raw_dir else repo_root() / ".runtime"
        return cls(
            runtime_dir=runtime_dir.resolve(),
            aws_port=_port("HCA_AWS_PORT", DEFAULT_AWS_PORT),
            dynamodb_port=_port("HCA_DYNAMODB_PORT", DEFAULT_DYNAMODB_PORT),
            pg_port=_port("HCA_PG_PORT", DEFAULT_PG_PORT),
            dynamodb_server=_dynamodb_server(),
        )

    @property
    def run_dir(self) -> Path:
        """Pid files and logs of the estate's processes."""
        return self.runtime_dir / "run"

    @property
    def aws_endpoint(self) -> str:
        return f"http://{HOST}:{self.aws_port}"

    @property
    def dynamodb_endpoint(self) -> str:
        return f"http://{HOST}:{self.dynamodb_port}"

    @property
    def dynamodb_data_dir(self) -> Path:
        return self.runtime_dir / self.dynamodb_server

    @property
    def pg_data_dir(self) -> Path:
        return self.runtime_dir / "postgres"

    @property
    def lambda_cache_dir(self) -> Path:
        """Unpacked Lambda zips, one folder per CodeSha256."""
        return self.runtime_dir / "lambda"

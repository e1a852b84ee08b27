"""The source table's name and definition come from the estate facts (facts/resources.json,
`source_table`); creating it is the estate deployer's job (`healthetl.estate.deploy`), reused
here so that there is one table creator."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from healthetl.estate import deploy
from healthetl.estate.config import EstateConfig

DEFAULT_ENV = "local"


def runtime_dir() -> Path:
    return EstateConfig.from_env().runtime_dir


def table_name(env: str | None = None, facts: dict[str, Any] | None = None) -> str:
    """`<project>-<env>-<source_table.name>`; env from `HCA_ENV`, default `local`."""
    facts = facts or deploy.load_facts()
    env = env or os.environ.get("HCA_ENV") or DEFAULT_ENV
    return deploy.resource_name(facts, env, facts["source_table"]["name"])


def ensure_table(name: str) -> None:
    """Create the source table from the estate facts if missing; wait until it exists."""
    deploy.ensure_table(name, deploy.load_facts()["source_table"])
